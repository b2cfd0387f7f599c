"""Ingestion of one bulletin file: encodings, row accounting, rejects, duplicates."""

import pytest

from countysurv import io
from countysurv.bulletins import check_file_name, ingest_bulletin, read_bulletin, same_county
from countysurv.errors import InputDataError
from countysurv.schemas import BulletinRecord, RejectedRow

HEADER = "county_code,county_name,year,indicator,value,unit,source,note\n"
YEARS = (2014, 2019)


def ingest(text, encoding="utf-8", code="990001"):
    return ingest_bulletin(text.encode(encoding), f"{code}.csv", code, YEARS)


def values(result):
    return {(r.year, r.indicator): r.value for r in result.records.itertuples()}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_ingest_bulletin_accepts_every_encoding(encoding):
    text = HEADER + "990001,模拟县,2015,地区生产总值,12.5,亿元,公报,\n"
    result = ingest(text, encoding)
    assert values(result) == {(2015, "gdp"): 1.25e9}
    assert result.encoding == {"gbk": "gb18030"}.get(encoding, encoding)


def test_ingest_bulletin_accepts_crlf_separators_and_full_width_digits():
    text = (HEADER + '990001,x,2015,GDP,"1,234,500",万元,,\r\n'
            "990001,x,2015,年末户籍人口,３２．５,万人,,\r\n"
            "990001,x, 2016 , 乡村人口 , 250000 , 人 ,,\r\n")
    result = ingest(text)
    assert values(result) == {(2015, "gdp"): 1.2345e10, (2015, "population"): 325000.0,
                              (2016, "rural_population"): 250000.0}
    assert result.rejects.empty


def test_ingest_bulletin_converts_units_that_change_across_years():
    text = HEADER + "990001,x,2015,gdp,450000,万元,,\n990001,x,2016,gdp,48.5,亿元,,\n"
    assert values(ingest(text)) == {(2015, "gdp"): 4.5e9, (2016, "gdp"): 4.85e9}


def test_ingest_bulletin_rejects_rows_with_reason_and_line():
    text = (HEADER
            + "990001,x,2015,gdp,12,万吨,,\n"          # line 2: unit does not fit
            + "990001,x,2015,粮食产量,12,吨,,\n"       # line 3: unknown indicator
            + "990001,x,2031,gdp,12,亿元,,\n"          # line 4: year out of range
            + "990002,x,2015,gdp,12,亿元,,\n"          # line 5: other county
            + "990001,x,2015,population,0,人,,\n"     # line 6: zero population
            + "990001,x,2015,va_primary,-5,亿元,,\n"   # line 7: negative
            + "990001,x,2015,gdp,abc,亿元,,\n"         # line 8: not a number
            + "990001,x,2015,gdp,12,亿元\n"            # line 9: truncated
            + "990001,x,2015,gdp,12,亿元,,\n")         # line 10: fine
    result = ingest(text)
    reasons = dict(zip(result.rejects["line"], result.rejects["reason"]))
    assert sorted(reasons) == [2, 3, 4, 5, 6, 7, 8, 9]
    assert "unit '万吨' not accepted for gdp" in reasons[2]
    assert "unknown indicator '粮食产量'" in reasons[3]
    assert "year 2031 outside" in reasons[4]
    assert "differs from the file name" in reasons[5]
    assert "must be positive" in reasons[6]
    assert "must be non-negative" in reasons[7]
    assert "not a number" in reasons[8]
    assert "field(s)" in reasons[9]
    assert values(result) == {(2015, "gdp"): 1.2e9}
    assert result.rows_in == len(result.records) + len(result.rejects) == 9


def test_ingest_bulletin_collapses_identical_duplicates_and_rejects_conflicts():
    text = (HEADER
            + "990001,x,2015,gdp,12,亿元,,\n"
            + "990001,x,2015,地区生产总值,120000,万元,,\n"   # same value, other unit: collapses
            + "990001,x,2016,gdp,13,亿元,,\n"
            + "990001,x,2016,gdp,14,亿元,,\n")               # conflict: both rejected
    result = ingest(text)
    assert values(result) == {(2015, "gdp"): 1.2e9}
    reasons = dict(zip(result.rejects["line"], result.rejects["reason"]))
    assert "identical duplicate of line 2" in reasons[3]
    assert "conflicting values for gdp 2016" in reasons[4]
    assert "conflicting values for gdp 2016" in reasons[5]
    assert result.counts == {"rows_in": 4, "rows_kept": 1, "rows_rejected": 3,
                             "duplicates_collapsed": 1, "conflicts": 2}


@pytest.mark.parametrize(("second", "kept"), [
    ("24.45,亿元", 24.45e8),       # 0.05 亿元 apart: half a unit of 24.4, the coarser: one level
    ("244,394,万元", 24.4394e8),   # within 24.4's ±0.05 亿元: the more precise is kept
    ("24.46,亿元", None),          # 0.06 亿元 apart: a conflict
])
def test_ingest_bulletin_duplicates_agree_to_half_a_unit_of_the_coarser(second, kept):
    value, unit = second.rsplit(",", 1)
    text = HEADER + "990001,x,2015,gdp,24.4,亿元,,\n" + f'990001,x,2015,gdp,"{value}",{unit},,\n'
    result = ingest(text)
    assert values(result) == ({} if kept is None else {(2015, "gdp"): pytest.approx(kept)})
    reason = result.rejects["reason"].iloc[0]
    assert ("conflicting values" in reason) is (kept is None)


def test_ingest_bulletin_escapes_formula_like_cells_in_rejects():
    text = HEADER + "=cmd|' /C calc'!A0,x,2015,gdp,1,亿元,,\n"
    result = ingest(text)
    assert result.rejects["raw"].iloc[0].startswith("'=cmd")


def test_ingest_bulletin_keeps_lineage_columns():
    result = ingest(HEADER + "990001,x,2015,生产总值,\"1,234\",万元,src,nb\n")
    row = result.records.iloc[0]
    assert (row.raw_value, row.raw_unit, row.factor, row.line, row.source, row.note) == (
        "1,234", "万元", 1e4, 2, "src", "nb")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "file is empty"),
        (b"\n\n", "file is empty"),
        (HEADER.encode(), "has a header but no data rows"),
        (b"county_code,year,indicator,value,unit\n990001,2015,gdp,1,\xe5\x85\x83\n",
         "missing column(s) county_name"),
        (b"\xff\xfe\x00\x00garbage\x81", "cannot decode as UTF-8 or GB18030"),
        (b'county_code,county_name,year,indicator,value,unit\n990001,"x,2015,gdp,1,y\n',
         "malformed CSV"),
    ],
)
def test_ingest_bulletin_unreadable_file_raises_naming_file(data, message):
    with pytest.raises(InputDataError, match="990001.csv") as err:
        ingest_bulletin(data, "990001.csv", "990001", YEARS)
    assert message in str(err.value)


def test_a_header_without_rows_is_accepted_when_allowed():
    """The raw CSV extracted from a county's texts may hold no value (all went to review)."""
    result = ingest_bulletin(HEADER.encode(), "results/extracted/990001.csv", "990001", YEARS,
                             allow_empty=True)
    assert (result.rows_in, result.record_rows, result.reject_rows) == (0, [], [])
    assert result.counts["rows_kept"] == result.counts["rows_rejected"] == 0
    with pytest.raises(InputDataError, match="file is empty"):
        ingest_bulletin(b"", "990001.csv", "990001", YEARS, allow_empty=True)


@pytest.mark.parametrize("name", ["99001.csv", "990001.txt.csv", "abc.csv", "../990001.csv.bak"])
def test_check_file_name_rejects_non_codes(name):
    with pytest.raises(InputDataError, match="6-digit county code"):
        check_file_name(name)


def test_check_file_name_returns_code():
    assert check_file_name("data/bulletins/522727.csv") == "522727"


def test_read_bulletin_outputs_pass_schemas(tmp_path):
    path = tmp_path / "990001.csv"
    path.write_text(HEADER + "990001,x,2015,gdp,1,亿元,,\n990001,x,2015,gdp,2,亿元,,\n",
                    encoding="utf-8")
    result = read_bulletin(path, YEARS)
    io.validate(result.records, BulletinRecord, path)
    io.validate(result.rejects, RejectedRow, path)
    assert len(result.rejects) == 2


def test_ingest_bulletin_resolves_county_names_in_the_code_column():
    text = (HEADER + "威宁县,威宁县,2015,gdp,12,亿元,,\n"
            + "威宁彝族回族苗族自治县,威宁彝族回族苗族自治县,2016,gdp,13,亿元,,\n"
            + "毕节县,毕节县,2017,gdp,14,亿元,,\n")
    result = ingest_bulletin(text.encode("utf-8"), "威宁县.csv", "520526", YEARS,
                             names=["威宁县", "威宁彝族回族苗族自治县"])
    assert values(result) == {(2015, "gdp"): 1.2e9, (2016, "gdp"): 1.3e9}
    assert set(result.records["county_code"]) == {"520526"}
    reason = result.rejects["reason"].iloc[0]
    assert reason == ("county_code '毕节县' is not a 6-digit code nor a name of this county in the "
                      "county reference")


@pytest.mark.parametrize(("a", "b"), [
    ("威宁县", "威宁县 "), ("威宁县", "威宁县（威宁彝族回族苗族自治县）"),
    ("威宁县", "威宁彝族回族苗族自治县"), ("云州区（大同县）", "大同县"),
    ("普兰店县", "普兰店市"), ("普兰店市", "普兰店区"), ("阿荣旗", "阿荣旗"), ("ＸＸ县", "XX县"),
])
def test_same_county_accepts_variants_of_one_name(a, b):
    assert same_county(a, b) and same_county(b, a)


@pytest.mark.parametrize(("a", "b"), [
    ("威宁县", "赫章县"), ("威宁县", "威宁县城关镇"), ("威宁县", "其中：城镇"),
    ("丹寨县", "黔东南苗族侗族自治州"), ("威宁县", "毕节市"), ("模拟县002", "模拟县003"),
    ("县", "市"),
])
def test_same_county_refuses_other_places(a, b):
    assert not same_county(a, b) and not same_county(b, a)


def test_name_check_quarantines_a_minority_and_refuses_a_file_of_another_county():
    rows = "".join(f"990001,{name},{2014 + i},gdp,{12 + i},亿元,,\n"
                   for i, name in enumerate(["模拟县", "模拟县", "邻县"]))
    result = ingest(HEADER + rows)
    assert values(result) == {(2014, "gdp"): 1.2e9, (2015, "gdp"): 1.3e9}
    assert result.reject_rows[0][1] == 4 and "names another place" in result.reject_rows[0][3]
    with pytest.raises(InputDataError, match=r"990001.csv: line 2: county_name '模拟县' is not a "
                                             r"name of county 990001 in the county reference"):
        ingest_bulletin((HEADER + rows).encode(), "990001.csv", "990001", YEARS, names=["邻县"])
