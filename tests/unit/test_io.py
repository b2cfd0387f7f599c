"""countysurv.io: text decoding, formula escaping and the county reference reader."""

import re

import pandas as pd
import pytest

from countysurv import io
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
