"""countysurv.io: text decoding, formula escaping, the county reference reader, and the
writers' rounding of floats to SIGNIFICANT_DIGITS (so last-bit noise vanishes)."""

import json
import math
import re

import numpy as np
import pandas as pd
import pytest

from countysurv import io, parquet
from countysurv.errors import InputDataError
from countysurv.schemas import CountyReference

REF_HEADER = "county_code,county_name,province,ethnic_area,announced_on\n"


# ------------------------------------------------------------------------------ decoding


@pytest.mark.parametrize(("encoding", "name"), [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"),
                                                ("gb18030", "gb18030"), ("gbk", "gb18030")])
def test_decode_bytes_reads_every_accepted_encoding(encoding, name):
    text = "county_name\n威宁彝族回族苗族自治县\n"
    assert io.decode_bytes(text.encode(encoding), "f.csv") == (text, name)


def test_decode_bytes_reports_offset_of_bad_byte():
    with pytest.raises(InputDataError, match=r"offset 5, line 2"):
        io.decode_bytes(b"ab\ncd\xff\xff\xff\x00\xff", "f.csv")


@pytest.mark.parametrize(("data", "message"), [
    ("a,b\n".encode("utf-16"), "starts with a UTF-16/UTF-32 byte-order mark"),
    (b"a,b\nc\x00d\n", "contains a NUL byte at offset 5, line 2"),
    (b"\xef\xbb\xbfa,b\n\xff\n", "starts with a UTF-8 byte-order mark but byte 7 is not valid"),
])
def test_decode_bytes_refuses_utf16_nul_and_broken_bom(data, message):
    with pytest.raises(InputDataError, match="^f.csv: ") as err:
        io.decode_bytes(data, "f.csv")
    assert message in str(err.value)


def test_escape_cell_only_touches_formula_starts():
    assert io.escape_cell("=1+1") == "'=1+1"
    assert io.escape_cell("@x") == "'@x"
    assert io.escape_cell("abc=") == "abc="
    assert io.escape_cell("-5") == "-5"   # a plain number stays a number


# ------------------------------------------------------------------- read_counties_csv


def write_reference(tmp_path, body, encoding="utf-8"):
    path = tmp_path / "counties.csv"
    path.write_bytes((REF_HEADER + body).encode(encoding))
    return path


def test_read_counties_csv_types_and_physical_lines(tmp_path):
    """A blank line and a quoted cell spanning two lines count as the file's lines."""
    path = write_reference(tmp_path, "990001,a,p,0,\n\n990002,\"b\nc\",p,1,2019-01-01\n"
                                     " 990003 ,d,p,0,\n")
    ref = io.read_counties_csv(path, CountyReference)
    assert list(ref.columns) == [*io.COUNTIES_CSV_COLUMNS, "line"]
    assert ref["county_code"].tolist() == ["990001", "990002", "990003"]
    assert ref["county_name"].tolist() == ["a", "b\nc", "d"]
    assert ref["ethnic_area"].tolist() == [0, 1, 0]
    assert ref["line"].tolist() == [2, 4, 6]
    assert ref["announced_on"].isna().tolist() == [True, False, True]
    assert ref.loc[1, "announced_on"] == pd.Timestamp("2019-01-01")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_read_counties_csv_decodes_bom_and_gb18030(tmp_path, encoding):
    path = write_reference(tmp_path, "520526,威宁彝族回族苗族自治县,贵州,1,2020-11-23\n", encoding)
    ref = io.read_counties_csv(path, CountyReference)
    assert ref.loc[0, "county_name"] == "威宁彝族回族苗族自治县"
    assert ref.loc[0, "county_code"] == "520526"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("990001,a,p,1,2017/06/01\n", "line 2: announced_on '2017/06/01' is not a date"),
        ("990001,a,p,2,\n", "line 2: ethnic_area '2' is not 0 or 1"),
        ("99001,a,p,1,\n", "line 2: county_code '99001' is not 6 digits"),
        ("990001,a,p,1,\n990001,b,p,0,\n", "line 3: county_code 990001 repeats line 2"),
        ("990001,a,p,1\n", "line 2: 4 fields, header has 5"),
        ("990001,\"a\nb\",p,1,\n990002,c,p,x,\n", "line 4: ethnic_area 'x' is not 0 or 1"),
    ],
)
def test_read_counties_csv_names_file_line_and_problem(tmp_path, body, message):
    path = write_reference(tmp_path, body)
    with pytest.raises(InputDataError, match=f"^{re.escape(str(path))}: ") as err:
        io.read_counties_csv(path)
    assert message in str(err.value)


def test_read_counties_csv_refuses_missing_columns_and_empty_file(tmp_path):
    path = tmp_path / "counties.csv"
    path.write_text("county_code,county_name,province\n990001,a,p\n", encoding="utf-8")
    with pytest.raises(InputDataError, match="line 1: missing column.s. ethnic_area, announced_on"):
        io.read_counties_csv(path)
    path.write_bytes(b"")
    with pytest.raises(InputDataError, match="file is empty; expected columns county_code,"):
        io.read_counties_csv(path)
    with pytest.raises(InputDataError, match="cannot read the county reference"):
        io.read_counties_csv(tmp_path / "absent.csv")


# ------------------------------------------------------------------------------ rounding

# The two values of data/truth_covariates.csv that another x86-64 machine computed differently
# (its numpy exp/power took another SIMD path): same decimal once rounded.
NOISY_PAIRS = [(0.770158266096125, 0.7701582660961233), (1417.6426969792308, 1417.642696979232)]


@pytest.mark.parametrize("a, b", NOISY_PAIRS)
def test_round_significant_writes_last_bit_noise_the_same(a, b):
    assert a != b
    assert io.round_significant(a) == io.round_significant(b)
    assert len(repr(io.round_significant(a)).replace(".", "").lstrip("0")) <= io.SIGNIFICANT_DIGITS


def test_round_significant_keeps_short_values_and_non_finite_ones():
    for value in (0.0, -0.0, 2015.0, 1.5, 123456789.0, 1e-300, -2.5e12):
        assert io.round_significant(value) == value
    assert math.copysign(1, io.round_significant(-0.0)) == -1
    assert math.isnan(io.round_significant(float("nan")))
    assert io.round_significant(float("-inf")) == float("-inf")


def test_round_significant_cannot_join_values_either_side_of_a_boundary():
    """The documented limit: 1 ulp apart, but on either side of ...5 in the 10th digit."""
    low, high = 0.12345678949999999, 0.1234567895000001
    assert high - low < 1e-15
    assert io.round_significant(low) != io.round_significant(high)


def test_power_of_ten_above_bounds_noise_by_its_order_of_magnitude():
    assert io.power_of_ten_above(2.1932455851469967e-13) == 1e-12
    assert io.power_of_ten_above(2.1960211427085596e-13) == 1e-12
    assert io.power_of_ten_above(9.943261792599856e-06) == 1e-05
    assert io.power_of_ten_above(-3.4e-9) == 1e-08
    assert io.power_of_ten_above(1e-5) == 1e-04          # strictly above
    assert io.power_of_ten_above(0.0) == 0.0
    assert math.isnan(io.power_of_ten_above(float("nan")))


def test_round_floats_keeps_dtypes_attrs_and_non_floats():
    df = pd.DataFrame({"x": [1 / 3, np.nan], "o": ["text", 2 / 3], "n": [1, 2],
                       "f": pd.array([1 / 7, None], dtype="Float64")})
    df.attrs["notes"] = ["kept"]
    out = io.round_floats(df)
    assert list(out.dtypes) == list(df.dtypes) and out.attrs == {"notes": ["kept"]}
    assert out["x"].iloc[0] == 0.333333333 and np.isnan(out["x"].iloc[1])
    assert out["o"].tolist() == ["text", 0.666666667]
    assert out["f"].iloc[0] == 0.142857143 and out["f"].iloc[1] is pd.NA
    assert df["x"].iloc[0] == 1 / 3                        # the input is not modified
    assert io.round_floats({"a": [1 / 3, (2 / 3,)], "b": True, "c": 7}) == \
        {"a": [0.333333333, (0.666666667,)], "b": True, "c": 7}


def test_every_writer_rounds(tmp_path):
    value = NOISY_PAIRS[0][0]
    rounded = io.round_significant(value)
    frame = pd.DataFrame({"k": ["a"], "v": [value]})
    io.write_csv(frame, tmp_path / "a.csv")
    io.write_rows_csv(["k", "v"], [["a", value]], tmp_path / "b.csv")
    assert (tmp_path / "a.csv").read_text() == (tmp_path / "b.csv").read_text() == \
        f"k,v\na,{rounded!r}\n"
    io.write_json({"v": value, "nested": [value]}, tmp_path / "c.json")
    assert json.loads((tmp_path / "c.json").read_text()) == {"v": rounded, "nested": [rounded]}
    io.write_parquet(frame, tmp_path / "d.parquet")
    parquet.write_rows([{"k": "a", "v": value}], [("k", "string"), ("v", "float64")],
                       tmp_path / "e.parquet")
    for name in ("d.parquet", "e.parquet"):
        assert pd.read_parquet(tmp_path / name)["v"].tolist() == [rounded], name
