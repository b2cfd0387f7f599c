"""Import of a county panel in a database layout (countysurv.panel_import): the CSMAR mapping of
config.yaml, units, county resolution, quarantine, row and cell accounting, and the real files
against figures printed in county bulletins.

The fixtures are tiny files in the CSMAR layout written here, and a six-county reference in the
columns of results/real/counties_832.csv. The real-data test needs ../shared/data/real/ (the
CSMAR-layout files) and ../shared/data/poverty_counties_832.xlsx beside the repository (or
$COUNTYSURV_REAL_PANEL_DIR and $COUNTYSURV_COUNTIES_XLSX); it is skipped, with that reason,
when either is absent.
"""

from __future__ import annotations

import copy
import csv
import io as _io
import os
from pathlib import Path

import pandas as pd
import pytest
import yaml

from countysurv import panel_import as P
from countysurv.bulletins import ingest_bulletin
from countysurv.errors import ConfigError, InputDataError

REPO = Path(__file__).resolve().parents[2]
CONFIG = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
CSMAR = CONFIG["real_study"]["layouts"]["csmar"]
YEARS = (2014, 2019)

REFERENCE = pd.DataFrame(
    [  # county_code, code_current, province, canonical_name, name_2015, name_current, names_known
        ("522636", "522636", "贵州", "丹寨县", "丹寨县", "丹寨县", "丹寨县"),
        ("340826", "340826", "安徽", "宿松县", "宿松县", "宿松县", "宿松县"),
        ("130721", "130705", "河北", "宣化区", "宣化县", "宣化区", "宣化县|宣化区"),
        ("632858", "632803", "青海", "冷湖行政委员会", "冷湖行政委员会", "茫崖市",
         "冷湖行委|冷湖行政委员会"),
        ("632859", "632803", "青海", "茫崖行政委员会", "茫崖行政委员会", "茫崖市",
         "茫崖行委|茫崖行政委员会"),
        ("152922", "152922", "内蒙古", "阿拉善右旗", "阿拉善右旗", "阿拉善右旗", "阿拉善右旗"),
    ],
    columns=["county_code", "code_current", "province", "canonical_name", "name_2015",
             "name_current", "names_known"])

GDP_HEADER = ("year,AreaID,CountyName,PrefLevCity,Province,CountyCode,RegGDP,RegGDP_Primary,"
              "RegGDP_Secondary,RegGDP_Tertiary,PerRegGDP")
GDP_ROWS = [
    # line 2: by 2015 code; 万元, per capita 万元 per person
    "2015.0,1,丹寨县,黔东南苗族侗族自治州,贵州省,522636,244394.0,62857.0,65585.0,115952.0,1.41",
    # line 3: by current code (130705 -> 2015 code 130721); sectors and per capita empty
    "2015.0,2,宣化区,张家口市,河北省,130705,1000.0,,,,",
    # line 4: the same county-year under its 2015 code, equal GDP: an identical duplicate
    "2015.0,3,宣化县,张家口市,河北省,130721,1000.0,,,,",
    # line 5: not a poverty county (well-formed code, unknown name in its province)
    "2015.0,4,城关区,兰州市,甘肃省,620102,7751932.0,17420.0,1150601.0,6583912.0,5.96",
    # line 6: code of no county of the list, resolved by name within the province
    "2015.0,5,宿松县,安庆市,安徽省,341099,500.0,,,,",
    # line 7: outside the study years
    "2013.0,6,丹寨县,黔东南苗族侗族自治州,贵州省,522636,190000.0,,,,",
    # line 8: not a year
    "2015.5,7,丹寨县,黔东南苗族侗族自治州,贵州省,522636,1.0,,,,",
    # line 9: a non-numeric cell and a missing-value marker; the rest is imported
    "2016,8,丹寨县,黔东南苗族侗族自治州,贵州省,522636,26万,NA,70000.0,120000.0,1.5",
    # line 10: no code and a name that is none of the counties: unresolved
    ",9,不存在县,某市,贵州省,,1.0,,,,",
    # line 11: a code shared by two counties (a merger), the name does not pick one
    "2016.0,10,茫崖市,海西蒙古族藏族自治州,青海省,632803,300.0,,,,",
    # line 12: the code says 宣化, the name says 丹寨: unresolved
    "2016.0,11,丹寨县,黔东南苗族侗族自治州,贵州省,130705,1.0,,,,",
    # lines 13-14: one county-year under two codes with different GDP: a conflict
    "2016.0,12,宣化区,张家口市,河北省,130705,1100.0,,,,",
    "2016.0,13,宣化县,张家口市,河北省,130721,1200.0,,,,",
    # line 15: truncated line
    "2016.0,14,宿松县,安庆市,安徽省,340826",
    # line 16: a shared code picked by its name; province written in full
    "2016.0,15,冷湖行委,海西蒙古族藏族自治州,青海省,632803,200.0,,,,",
]
POP = ["SgnYear,AreaID,CountyName,PrefLevCity,Province,CountyCode,PopNum",
       "2015.0,1,宿松县,安庆市,安徽省,340826,86.33",
       "2015.0,2,阿拉善右旗,阿拉善盟,内蒙古自治区,152922,2.5"]
INCOME = ["SgnYear,AreaID,CountyName,PrefLevCity,Province,CountyCode,UrbPerDisposableInc,"
          "RurPerNetInc,RurPerDisposableInc",
          "2015.0,1,丹寨县,黔东南苗族侗族自治州,贵州省,522636,22795.0,,6595.0"]
RELIEF = ["行政区划代码,地区等级,县域名称,所属省份,经度,纬度,地形起伏度",
          "522636,3,丹寨县,贵州省,107.788728,26.19832,1.144998",
          "110101,3,东城区,北京市,116.416357,39.928353,0.049502"]


def write_panel(folder: Path, gdp_rows: list[str] = GDP_ROWS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, lines in (("county_gdp.csv", [GDP_HEADER, *gdp_rows]),
                        ("county_population.csv", POP), ("county_income.csv", INCOME),
                        ("county_relief.csv", RELIEF)):
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture
def result(tmp_path):
    return P.import_panel(write_panel(tmp_path), P.parse_layout(CSMAR), REFERENCE, YEARS, 2015)


def rows_of(result, county):
    return [dict(zip(P.BULLETIN_COLUMNS, row)) for row in result.bulletins[county]]


def ingested(result, county):
    """The county's bulletin CSV through the package's ingestion: {(year, indicator): value}."""
    out = ingest_bulletin(result.csv_text(county).encode("utf-8"), f"{county}.csv", county, YEARS)
    assert out.reject_rows == []
    return {(r["year"], r["indicator"]): r for r in out.record_rows}


def reasons(result):
    return {(q[0], q[1], q[2]): q[3] for q in result.quarantine}


# --- the layout -------------------------------------------------------------------------------


def test_parse_layout_maps_every_csmar_column_to_its_indicator_and_unit_factor():
    cols = {c.column: (c.canonical, c.unit, c.factor)
            for f in P.parse_layout(CSMAR) for c in f.columns}
    assert cols == {
        "RegGDP": ("gdp", "万元", 1e4),
        "RegGDP_Primary": ("va_primary", "万元", 1e4),
        "RegGDP_Secondary": ("va_secondary", "万元", 1e4),
        "RegGDP_Tertiary": ("va_tertiary", "万元", 1e4),
        "PerRegGDP": ("gdp_per_capita", "万元/人", 1e4),
        "PopNum": ("population", "万人", 1e4),
        "RurPerDisposableInc": ("rural_income", "元", 1.0),
        "地形起伏度": ("terrain_relief", "index", 1.0),
    }
    relief = next(f for f in P.parse_layout(CSMAR) if f.key == "relief")
    assert relief.year is None and relief.code == "行政区划代码"


@pytest.mark.parametrize(("path", "value", "message"), [
    (("gdp", "columns", "PerRegGDP", "unit"), "万元",
     "gdp.columns.PerRegGDP: unit '万元' is not accepted for gdp_per_capita"),
    (("gdp", "columns", "RegGDP", "indicator"), "工业增加值",
     "gdp.columns.RegGDP: indicator '工业增加值' is not a canonical indicator"),
    (("population", "columns", "PopNum", "unit"), "万元", "expected 人 or 万人"),
])
def test_parse_layout_rejects_a_mapping_the_indicator_table_does_not_accept(path, value, message):
    layout = copy.deepcopy(CSMAR)
    node = layout["files"]
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(ConfigError, match=message):
        P.parse_layout(layout, "real_study.layouts.csmar")


def test_parse_layout_needs_a_code_or_a_name_column_and_the_year_key():
    layout = copy.deepcopy(CSMAR)
    del layout["files"]["income"]["code"], layout["files"]["income"]["name"]
    with pytest.raises(ConfigError, match="income: needs a code column or a name column"):
        P.parse_layout(layout)
    layout = copy.deepcopy(CSMAR)
    del layout["files"]["gdp"]["year"]
    with pytest.raises(ConfigError, match="gdp: give the year column, or year: null"):
        P.parse_layout(layout)


def test_missing_column_in_a_panel_file_names_file_and_column(tmp_path):
    write_panel(tmp_path)
    (tmp_path / "county_population.csv").write_text("SgnYear,CountyCode,Pop\n2015,522636,1\n",
                                                     encoding="utf-8")
    with pytest.raises(InputDataError, match=r"county_population.csv: line 1: missing column\(s\) "
                                             r"CountyName, Province, PopNum"):
        P.import_panel(tmp_path, P.parse_layout(CSMAR), REFERENCE, YEARS, 2015)


# --- rows, units and lineage --------------------------------------------------------------------


def test_import_writes_bulletin_rows_naming_file_and_line(result):
    rows = [r for r in rows_of(result, "522636") if r["year"] == 2015]
    assert [(r["indicator"], r["value"], r["unit"], r["source"]) for r in rows] == [
        ("地区生产总值", "244394.0", "万元", "county_gdp.csv:2"),
        ("第一产业增加值", "62857.0", "万元", "county_gdp.csv:2"),
        ("第二产业增加值", "65585.0", "万元", "county_gdp.csv:2"),
        ("第三产业增加值", "115952.0", "万元", "county_gdp.csv:2"),
        ("人均地区生产总值", "1.41", "万元/人", "county_gdp.csv:2"),
        ("农村居民人均可支配收入", "6595.0", "元", "county_income.csv:2"),
        ("地形起伏度", "1.144998", "index", "county_relief.csv:2"),
    ]
    assert {r["county_name"] for r in rows} == {"丹寨县"}
    header = next(csv.reader(_io.StringIO(result.csv_text("522636"))))
    assert tuple(header) == P.BULLETIN_COLUMNS


def test_ingestion_converts_every_unit_of_the_import(result):
    danzhai, susong = ingested(result, "522636"), ingested(result, "340826")
    assert danzhai[(2015, "gdp")]["value"] == pytest.approx(2.44394e9, rel=1e-12)    # 万元
    assert danzhai[(2015, "va_tertiary")]["value"] == pytest.approx(1.15952e9, rel=1e-12)
    assert danzhai[(2015, "gdp_per_capita")]["value"] == pytest.approx(14100.0, rel=1e-12)  # 万元/人
    assert danzhai[(2015, "gdp_per_capita")]["factor"] == 1e4
    assert danzhai[(2015, "rural_income")]["value"] == 6595.0                          # 元
    assert danzhai[(2015, "rural_income")]["unit"] == "yuan"
    assert danzhai[(2015, "terrain_relief")]["value"] == 1.144998
    assert susong[(2015, "population")]["value"] == pytest.approx(863300.0, rel=1e-12)  # 万人
    assert susong[(2015, "population")]["unit"] == "persons"
    assert susong[(2015, "population")]["source"] == "county_population.csv:2"


def test_cross_section_is_dated_to_the_given_year_with_a_note(tmp_path):
    res = P.import_panel(write_panel(tmp_path), P.parse_layout(CSMAR), REFERENCE, YEARS, 2016)
    relief = [r for r in rows_of(res, "522636") if r["indicator"] == "地形起伏度"]
    assert [r["year"] for r in relief] == [2016]
    assert "time-invariant" in relief[0]["note"] and "2016" in relief[0]["note"]
    with pytest.raises(ConfigError, match="cross-section year 2021 is outside"):
        P.import_panel(tmp_path, P.parse_layout(CSMAR), REFERENCE, YEARS, 2021)


def test_years_written_as_floats_are_accepted_and_other_years_counted(result):
    years = {r["year"] for r in rows_of(result, "522636")}
    assert years == {2015, 2016}                      # 2015.0 and 2016; 2013.0 outside
    assert result.counts["files"]["gdp"]["rows_outside_years"] == 1
    assert reasons(result)[("county_gdp.csv", 8, "year")] == "year '2015.5' is not a 4-digit year"


# --- county resolution --------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "name", "province", "status", "county"), [
    ("522636", "丹寨县", "贵州省", "code_2015", "522636"),
    ("522636.0", "", "", "code_2015", "522636"),
    ("522636000000", "丹寨县", "贵州省", "code_2015", "522636"),
    ("130705", "宣化区", "河北省", "code_current", "130721"),
    ("130721", "宣化县", "河北", "code_2015", "130721"),
    ("341099", "宿松县", "安徽省", "name", "340826"),
    ("", "宿松县", "安徽省", "name", "340826"),
    ("", "阿拉善右旗", "内蒙古自治区", "name", "152922"),
    ("632803", "冷湖行委", "青海省", "name", "632858"),
    ("620102", "城关区", "甘肃省", "not_poverty", None),
    ("341099", "宿松县", "甘肃省", "not_poverty", None),      # the name is not in that province
    ("", "不存在县", "贵州省", "unresolved", None),
    ("52263", "丹寨", "贵州省", "unresolved", None),
    ("632803", "茫崖市", "青海省", "unresolved", None),       # shared code, shared name
    ("130705", "丹寨县", "贵州省", "unresolved", None),       # code and name disagree
    ("", "宿松县", "安徽国", "unresolved", None),             # province not recognised
])
def test_resolver_by_code_of_either_vintage_or_name_within_province(code, name, province,
                                                                       status, county):
    res = P.PanelCountyResolver(REFERENCE)(code, name, province)
    assert (res.status, res.county_code) == (status, county)
    if status == "unresolved":
        assert res.reason


def test_resolver_reasons_name_the_counties_involved():
    resolve = P.PanelCountyResolver(REFERENCE)
    assert "632858 冷湖行政委员会, 632859 茫崖行政委员会" in resolve("632803", "茫崖市", "青海省").reason
    assert "130721 宣化区 but name '丹寨县' in 贵州 is 522636 丹寨县" in resolve(
        "130705", "丹寨县", "贵州省").reason


# --- quarantine and counts ----------------------------------------------------------------------


def test_unresolved_rows_are_quarantined_with_reason(result):
    why = reasons(result)
    assert why[("county_gdp.csv", 10, "year")] == "year '' is not a 4-digit year"
    assert "shared by 632858" in why[("county_gdp.csv", 11, "CountyCode")]
    assert "correct the row" in why[("county_gdp.csv", 12, "CountyCode")]
    assert "has 6 field(s), the header has 11" in why[("county_gdp.csv", 15, "")]
    assert ("county_gdp.csv", 5, "CountyCode") not in why                       # not poverty
    raw = next(q[4] for q in result.quarantine if q[1] == 12)
    assert raw == GDP_ROWS[10]


def test_unresolved_row_with_a_year_is_quarantined_as_not_resolved(tmp_path):
    rows = [",9,不存在县,某市,贵州省,,1.0,,,,".replace(",9", "2015,9", 1)]
    res = P.import_panel(write_panel(tmp_path, rows), P.parse_layout(CSMAR), REFERENCE, YEARS,
                         2015)
    assert res.quarantine[0][3].startswith("county not resolved: code cell '' is not a 6-digit")


def test_non_numeric_cell_is_quarantined_and_empty_cells_are_missing(result):
    why = reasons(result)
    assert why[("county_gdp.csv", 9, "RegGDP")] == "RegGDP (gdp): not a number '26万'"
    assert ("county_gdp.csv", 9, "RegGDP_Primary") not in why                    # NA: missing
    rows = {(r["year"], r["indicator"]) for r in rows_of(result, "522636")}
    assert (2016, "第二产业增加值") in rows and (2016, "地区生产总值") not in rows
    assert (2016, "第一产业增加值") not in rows


def test_duplicates_collapse_when_equal_and_are_all_quarantined_when_not(result):
    why = reasons(result)
    xuanhua = {(r["year"], r["indicator"]): r["source"] for r in rows_of(result, "130721")}
    assert xuanhua[(2015, "地区生产总值")] == "county_gdp.csv:3"           # the first of two
    assert why[("county_gdp.csv", 4, "RegGDP")].startswith(
        "identical duplicate of county_gdp.csv:3 (gdp 2015 of county 130721)")
    assert (2016, "地区生产总值") not in xuanhua
    assert "conflicting values for gdp 2016" in why[("county_gdp.csv", 13, "RegGDP")]
    assert "none kept" in why[("county_gdp.csv", 14, "RegGDP")]
    assert result.counts["files"]["gdp"]["cells_duplicate"] == 3


def test_counts_add_up_per_file_and_in_total(result):
    files = result.counts["files"]
    gdp = files["gdp"]
    assert (gdp["rows_read"], gdp["rows_imported"], gdp["rows_not_poverty"],
            gdp["rows_outside_years"], gdp["rows_quarantined"]) == (15, 8, 1, 1, 5)
    assert gdp["resolved_by"] == {"code_2015": 4, "code_current": 2, "name": 2}
    assert (gdp["cells_in"], gdp["cells_written"], gdp["cells_empty"], gdp["cells_quarantined"],
            gdp["cells_duplicate"]) == (40, 11, 25, 1, 3)
    for c in files.values():
        assert c["rows_read"] == (c["rows_imported"] + c["rows_not_poverty"]
                                  + c["rows_outside_years"] + c["rows_quarantined"])
        assert c["cells_in"] == (c["cells_written"] + c["cells_empty"] + c["cells_quarantined"]
                                 + c["cells_duplicate"])
    totals = result.counts["totals"]
    assert totals["rows_read"] == 15 + 2 + 1 + 2
    assert totals["cells_written"] == result.counts["bulletin_rows"] == sum(
        len(rows) for rows in result.bulletins.values())
    assert len(result.quarantine) == (totals["rows_quarantined"] + totals["cells_quarantined"]
                                      + totals["cells_duplicate"])
    assert files["relief"]["rows_not_poverty"] == 1 and files["relief"]["not_poverty_counties"] == 1
    assert result.counts["reference_counties_without_values_list"] == ["632859"]


# --- another export is another mapping ----------------------------------------------------------


def test_an_eps_style_export_is_a_new_mapping_not_new_code(tmp_path):
    """A yearbook transcription: GB18030, Chinese headers, names without codes, 亿元 and 人."""
    text = ("年份,省份,县名,地区生产总值(亿元),年末总人口(人)\n"
            "2015年,贵州,丹寨县,24.4394,163000\n"
            "2015,安徽省,宿松县,１２０.５,\n")
    (tmp_path / "eps.csv").write_bytes(text.encode("gb18030"))
    layout = {"files": {"economy": {
        "file": "eps.csv", "year": "年份", "name": "县名", "province": "省份",
        "columns": {"地区生产总值(亿元)": {"indicator": "GDP", "unit": "亿元"},
                    "年末总人口(人)": {"indicator": "年末总人口", "unit": "人"}}}}}
    res = P.import_panel(tmp_path, P.parse_layout(layout), REFERENCE, YEARS, 2015)
    assert res.counts["files"]["economy"]["resolved_by"] == {"code_2015": 0, "code_current": 0,
                                                            "name": 2}
    danzhai = ingested(res, "522636")
    assert danzhai[(2015, "gdp")]["value"] == pytest.approx(2.44394e9, rel=1e-12)
    assert danzhai[(2015, "population")]["value"] == 163000.0
    assert danzhai[(2015, "gdp")]["source"] == "eps.csv:2"
    assert ingested(res, "340826")[(2015, "gdp")]["value"] == pytest.approx(1.205e10, rel=1e-12)


# --- outputs ------------------------------------------------------------------------------------


def test_write_outputs_writes_the_declared_files(result, tmp_path):
    out = tmp_path / "out"
    paths = [out / "bulletins" / f"{c}.csv" for c in sorted(result.bulletins)]
    P.write_outputs(result, paths, out / "quarantine.csv", out / "counts.json")
    assert (out / "bulletins" / "522636.csv").read_text(encoding="utf-8") == \
        result.csv_text("522636")
    quarantine = pd.read_csv(out / "quarantine.csv", dtype=str, keep_default_na=False)
    assert list(quarantine.columns) == list(P.QUARANTINE_COLUMNS)
    assert len(quarantine) == len(result.quarantine)


def test_write_outputs_refuses_declared_files_that_differ_from_the_import(result, tmp_path):
    paths = [tmp_path / f"{c}.csv" for c in sorted(result.bulletins)][1:] + [tmp_path / "999999.csv"]
    with pytest.raises(InputDataError, match="changed after the workflow was parsed"):
        P.write_outputs(result, paths, tmp_path / "q.csv", tmp_path / "c.json")
    assert not (tmp_path / "c.json").exists()


def test_list_counties_is_exactly_the_counties_with_a_usable_value(tmp_path):
    panel = write_panel(tmp_path / "panel")
    (panel / "county_population.csv").write_text(
        "\n".join([POP[0], POP[1], POP[2].replace(",2.5", ",")]) + "\n", encoding="utf-8")
    reference = tmp_path / "counties_832.csv"
    REFERENCE.to_csv(reference, index=False)
    counties = P.list_counties(panel, CSMAR, "csmar", reference, YEARS, 2015)
    assert counties == ["130721", "340826", "522636", "632858"]       # 152922: an empty cell
    assert counties == sorted(P.run_import(panel, CSMAR, "csmar", reference, YEARS,
                                           2015).bulletins)


# --- the real files -----------------------------------------------------------------------------

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
REAL_DIR = Path(os.environ.get("COUNTYSURV_REAL_PANEL_DIR") or SHARED / "real")
XLSX = Path(os.environ.get("COUNTYSURV_COUNTIES_XLSX") or SHARED / "poverty_counties_832.xlsx")
needs_real = pytest.mark.skipif(
    not (REAL_DIR / "county_gdp.csv").is_file() or not XLSX.is_file(),
    reason=f"the CSMAR-layout panel ({REAL_DIR}) or the official 832-county list ({XLSX}) is "
           "absent (set COUNTYSURV_REAL_PANEL_DIR / COUNTYSURV_COUNTIES_XLSX or put shared/ "
           "beside the repository)")

#: Figures printed in county bulletins (丹寨县 and 宿松县 2015 statistical bulletins), in the
#: bulletins' units, as listed in ../shared/data/real/README.md.
PRINTED = [("522636", "gdp", 244394, 1e4), ("522636", "va_primary", 62857, 1e4),
           ("522636", "va_secondary", 65585, 1e4), ("522636", "va_tertiary", 115952, 1e4),
           ("340826", "population", 86.33, 1e4)]


@pytest.fixture(scope="module")
def real_result(tmp_path_factory):
    from countysurv import realdata
    from countysurv import reference as R

    counties = realdata.reconcile(
        realdata.read_workbook(XLSX), R.read_aliases(REPO / "data/reference/county_aliases.csv"),
        R.read_codes_2015(REPO / "data/reference/county_codes_2015.csv"), R.load_divisions(),
        {int(y): n for y, n in CONFIG["real"]["batch_totals"].items()})
    path = tmp_path_factory.mktemp("reference") / "counties_832.csv"
    counties.to_csv(path, index=False)
    return P.run_import(REAL_DIR, CSMAR, "csmar", path, YEARS, 2015)


@needs_real
@pytest.mark.parametrize(("county", "indicator", "printed", "unit"), PRINTED)
def test_real_panel_through_ingestion_matches_the_printed_bulletins(real_result, county,
                                                                     indicator, printed, unit):
    record = ingested(real_result, county)[(2015, indicator)]
    # the panel agrees with the bulletin to the bulletin's printed precision
    decimals = len(str(printed).partition(".")[2])
    assert abs(record["value"] / unit - printed) <= 0.5 * 10 ** -decimals
    # and its lineage reaches the row of the export that holds the value
    file, line = record["source"].split(":")
    raw_line = (REAL_DIR / file).read_text(encoding="utf-8").splitlines()[int(line) - 1]
    assert raw_line.startswith("2015.0,") and f",{county}," in raw_line
    assert record["raw_value"] in raw_line.split(",")


@needs_real
def test_real_panel_counts_add_up_and_cover_the_poverty_counties(real_result):
    counts = real_result.counts
    for c in counts["files"].values():
        assert c["rows_read"] == (c["rows_imported"] + c["rows_not_poverty"]
                                  + c["rows_outside_years"] + c["rows_quarantined"])
    # README.md of the files: 702 poverty counties with GDP in 2015, population 633
    gdp_2015 = {c for c, rows in real_result.bulletins.items()
                if any(r[2] == 2015 and r[3] == "地区生产总值" for r in rows)}
    pop_2015 = {c for c, rows in real_result.bulletins.items()
                if any(r[2] == 2015 and r[3] == "年末户籍人口" for r in rows)}
    assert len(gdp_2015) >= 700 and len(pop_2015) >= 630
    assert counts["counties_imported"] >= 820
