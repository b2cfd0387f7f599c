"""countysurv.reference: division codes, the reviewed alias and 2015-code tables, name rules,
the ethnic-area rule and resolve_county. One test reads the official 832-county list
(../shared/data/poverty_counties_832.xlsx beside the repository, or COUNTYSURV_COUNTIES_XLSX)
and is skipped without it; the others need no .xlsx."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
import yaml

from countysurv import reference as R
from countysurv.errors import InputDataError

REPO = Path(__file__).resolve().parents[2]
XLSX = Path(os.environ.get("COUNTYSURV_COUNTIES_XLSX")
            or REPO.parent / "shared/data/poverty_counties_832.xlsx")
#: The official full names of the 22 provinces with counties in the 832-county list.
FULL_NAMES = {
    "河北": "河北省", "山西": "山西省", "内蒙古": "内蒙古自治区", "吉林": "吉林省",
    "黑龙江": "黑龙江省", "安徽": "安徽省", "江西": "江西省", "河南": "河南省", "湖北": "湖北省",
    "湖南": "湖南省", "广西": "广西壮族自治区", "海南": "海南省", "重庆": "重庆市",
    "四川": "四川省", "贵州": "贵州省", "云南": "云南省", "西藏": "西藏自治区", "陕西": "陕西省",
    "甘肃": "甘肃省", "青海": "青海省", "宁夏": "宁夏回族自治区", "新疆": "新疆维吾尔自治区",
}
ALIASES = REPO / "data" / "reference" / "county_aliases.csv"
CODES_2015 = REPO / "data" / "reference" / "county_codes_2015.csv"


@pytest.fixture(scope="module")
def divisions():
    return R.load_divisions()


@pytest.fixture(scope="module")
def aliases():
    return R.read_aliases(ALIASES)


@pytest.fixture(scope="module")
def codes_2015():
    return R.read_codes_2015(CODES_2015)


@pytest.fixture(scope="module")
def package_codes(divisions):
    """(province, name) → current code, for county-level names unique in their province."""
    counties = divisions[divisions["level"] == "county"]
    groups = counties.groupby([counties["code"].str[:2].map(R.PROVINCES), "name"])["code"]
    return {k: v.iloc[0] for k, v in groups if len(v) == 1}


@pytest.fixture(scope="module")
def mini_reference(aliases, codes_2015, package_codes):
    """A reference with one row per canonical name of the two tables (as reconcile builds it)."""
    recode = codes_2015.set_index("canonical")
    rows = []
    for (prov, canon), group in aliases.groupby(["province", "canonical"]):
        rows.append((prov, canon, list(group["variant"])))
    for r in codes_2015.itertuples():
        if r.canonical not in {c for _, c, _ in rows}:
            rows.append((r.province, r.canonical, []))
    out = []
    for prov, canon, variants in rows:
        current = recode.at[canon, "code_current"] if canon in recode.index else package_codes[(prov, canon)]
        code = recode.at[canon, "code_2015"] if canon in recode.index else current
        name_2015 = recode.at[canon, "name_2015"] if canon in recode.index else canon
        out.append({"county_code": code, "code_current": current, "province": prov,
                    "canonical_name": canon, "name_2015": name_2015,
                    "name_current": "茫崖市" if current == "632803" else canon,
                    "names_known": "|".join(variants)})
    return pd.DataFrame(out)


# --- the package -----------------------------------------------------------------------------


def test_load_divisions_has_every_level_and_6_digit_codes(divisions):
    assert divisions["code"].str.fullmatch(r"\d{6}").all()
    assert set(divisions["level"]) == {"province", "prefecture", "county"}
    assert len(divisions[divisions["level"] == "county"]) > 2800
    names = dict(zip(divisions["code"], divisions["name"]))
    assert names["522600"] == "黔东南苗族侗族自治州"
    assert names["520526"] == "威宁彝族回族苗族自治县"


def test_divisions_source_names_the_package():
    path, version = R.divisions_source()
    assert path.name == "adcodes.csv" and version == "0.1.2"


def test_load_divisions_rejects_bad_codes(tmp_path):
    bad = tmp_path / "adcodes.csv"
    bad.write_text("adcode,name\n52052,威宁\n", encoding="utf-8")
    with pytest.raises(InputDataError, match="not 6 digits"):
        R.load_divisions(bad)


# --- the reviewed tables ---------------------------------------------------------------------


def test_every_alias_maps_to_a_county_of_its_province(aliases, codes_2015, package_codes):
    recoded = set(zip(codes_2015["province"], codes_2015["canonical"]))
    for r in aliases.itertuples():
        assert (r.province, r.canonical) in package_codes or (r.province, r.canonical) in recoded, r
        # a variant is not itself the current name of another county of the province
        assert (r.province, R.normalize_name(r.variant)) not in package_codes or r.kind == "short_name", r


def test_every_2015_code_row_is_consistent_with_the_package(codes_2015, package_codes):
    for r in codes_2015.itertuples():
        pkg = package_codes.get((r.province, r.canonical))
        if pkg is not None:
            assert pkg == r.code_current, r
        else:   # units without a current namesake: the merged 海西 committees
            assert r.code_current == "632803", r
        assert r.code_2015[:2] == r.code_current[:2]


def test_2015_codes_do_not_collide_with_current_codes_of_other_counties(codes_2015, package_codes):
    current = {code: key for key, code in package_codes.items()}
    recoded_current = set(codes_2015["code_current"])
    for r in codes_2015.itertuples():
        other = current.get(r.code_2015)
        # a 2015 code may survive as the code of another unit only where we know it does
        if other is not None and r.code_2015 not in recoded_current:
            assert r.code_2015 in {"130705", "632857"}, (r.canonical, other)


@pytest.mark.parametrize("variant,canonical", [
    ("镇宁布衣族苗族自治县", "镇宁布依族苗族自治县"), ("湄潭", "湄潭县"), ("鄂伦春自治区旗", "鄂伦春自治旗"),
    ("大同县", "云州区"), ("云州区（大同县）", "云州区"), ("那曲县(色尼区)", "色尼区"),
    ("科右前旗", "科尔沁右翼前旗"), ("上饶县", "广信区"), ("涟源县", "涟源市"),
    ("积石山自治县", "积石山保安族东乡族撒拉族自治县"), ("冷湖行委", "冷湖行政委员会"),
])
def test_alias_table_known_mappings(aliases, variant, canonical):
    row = aliases[aliases["variant"] == variant]
    assert row["canonical"].tolist() == [canonical]


def test_read_aliases_rejects_duplicates_unknown_kind_and_chains(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("province,variant,canonical,kind,reason\n"
                    "贵州,湄潭,湄潭县,typo,x\n贵州,湄潭,湄潭县,typo,x\n"
                    "贵州,甲,乙,guess,x\n贵州,丙,湄潭,typo,x\n", encoding="utf-8")
    with pytest.raises(InputDataError) as err:
        R.read_aliases(path)
    msg = str(err.value)
    assert "variant listed twice" in msg and "unknown kind" in msg and "itself a variant" in msg


def test_read_codes_2015_rejects_bad_and_foreign_codes(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("province,canonical,name_2015,code_2015,code_current,changed_in,source\n"
                    "贵州,黔西市,黔西县,52052,520581,2021,x\n贵州,水城区,水城县,130721,520204,2020,x\n",
                    encoding="utf-8")
    with pytest.raises(InputDataError, match="not 6 digits.*outside its province"):
        R.read_codes_2015(path)


def test_read_table_rejects_unknown_province(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("province,variant,canonical,kind,reason\n贵州省,湄潭,湄潭县,typo,x\n",
                    encoding="utf-8")
    with pytest.raises(InputDataError, match="unknown province"):
        R.read_aliases(path)


# --- name rules ------------------------------------------------------------------------------


@pytest.mark.parametrize("name,short", [
    ("威宁彝族回族苗族自治县", "威宁县"), ("融水苗族自治县", "融水县"), ("三都水族自治县", "三都县"),
    ("东乡族自治县", "东乡县"), ("鄂伦春自治旗", "鄂伦春旗"), ("莫力达瓦达斡尔族自治旗", "莫力达瓦旗"),
    ("隆林各族自治县", "隆林县"), ("察布查尔锡伯自治县", "察布查尔县"), ("河南蒙古族自治县", "河南县"),
    ("积石山保安族东乡族撒拉族自治县", "积石山县"), ("平山县", None),
])
def test_autonomous_short_name(name, short):
    assert R.autonomous_short_name(name) == short


def test_name_parts_splits_bracketed_old_names():
    assert R.name_parts("云州区（大同县）") == ["云州区(大同县)", "云州区", "大同县"]
    assert R.name_parts(" 平山县 ") == ["平山县"]


@pytest.mark.parametrize("names,prefecture,province,flag,basis", [
    (["青龙满族自治县"], "秦皇岛市", "河北", 1, "autonomous county"),
    (["平山县"], "石家庄市", "河北", 0, ""),
    (["恩施市"], "恩施土家族苗族自治州", "湖北", 1, "autonomous prefecture"),
    (["林西县"], "赤峰市", "内蒙古", 1, "autonomous region 内蒙古"),
    (["突泉县"], "兴安盟", "内蒙古", 1, "autonomous prefecture 兴安盟"),
    (["岳西县"], "安庆市", "安徽", 0, ""),
    (["黔江区"], "", "重庆", 0, ""),
    (["积石山自治县", "积石山保安族东乡族撒拉族自治县"], "临夏回族自治州", "甘肃", 1, "autonomous county"),
    (["保亭黎族苗族自治县"], "", "海南", 1, "autonomous county"),
    (["五指山市"], "", "海南", 0, ""),
])
def test_ethnic_area_rule(names, prefecture, province, flag, basis):
    got_flag, got_basis = R.ethnic_area(names, prefecture, province)
    assert got_flag == flag
    assert basis in got_basis if basis else got_basis == ""


def test_region_split_covers_every_province_once():
    provinces = [p for provs in R.REGIONS.values() for p in provs]
    assert sorted(provinces) == sorted(R.PROVINCE_CODES)
    assert R.REGION_OF_PROVINCE["内蒙古"] == "west" and R.REGION_OF_PROVINCE["海南"] == "east"
    assert R.REGION_OF_PROVINCE["黑龙江"] == "central"


# --- resolve_county --------------------------------------------------------------------------


def test_resolve_county_every_alias_of_the_table(aliases, mini_reference):
    by_canon = dict(zip(zip(mini_reference["province"], mini_reference["canonical_name"]),
                        mini_reference["county_code"]))
    for r in aliases.itertuples():
        assert R.resolve_county(r.variant, mini_reference, province=r.province) == \
            by_canon[(r.province, r.canonical)], r.variant


@pytest.mark.parametrize("query,code", [
    ("宣化县", "130721"), ("宣化区", "130721"), ("那曲县(色尼区)", "542421"), ("色尼区", "542421"),
    ("540602", "542421"), ("542421", "542421"), ("540602000000", "542421"),
    ("镇宁布衣族苗族自治县", "520423"), ("湄潭", "520328"), ("黔西市", "520522"), ("黔西县", "520522"),
    ("520581", "520522"), ("开县", "500234"), ("開縣", None), (" 大同县 ", "140227"),
    ("冷湖行委", "632858"), ("632858", "632858"),
])
def test_resolve_county_names_and_codes(mini_reference, query, code):
    if code is None:
        with pytest.raises(InputDataError, match="not one of"):
            R.resolve_county(query, mini_reference)
    else:
        assert R.resolve_county(query, mini_reference) == code


def test_resolve_county_derived_autonomous_short_name(mini_reference):
    # 镇宁县 is not in the alias table: derived from 镇宁布依族苗族自治县
    assert R.resolve_county("镇宁县", mini_reference) == "520423"


def test_resolve_county_merged_unit_is_ambiguous(mini_reference):
    with pytest.raises(InputDataError, match="ambiguous: 632858 冷湖行政委员会, 632859 茫崖行政委员会"):
        R.resolve_county("632803", mini_reference)
    with pytest.raises(InputDataError, match="ambiguous"):
        R.resolve_county("茫崖市", mini_reference)


@pytest.mark.parametrize(("text", "short"), [
    *((full, short) for short, full in FULL_NAMES.items()), *((s, s) for s in FULL_NAMES),
    ("　广西壮族自治区 ", "广西"), ("Guizhou", None), ("贵洲省", None), ("", None)])
def test_province_short_name(text, short):
    assert R.province_short_name(text) == short


def test_resolve_county_province_filter_and_bad_input(mini_reference):
    assert R.resolve_county("大同县", mini_reference, province="山西省") == "140227"
    with pytest.raises(InputDataError, match="in 贵州"):
        R.resolve_county("大同县", mini_reference, province="贵州")
    for query in ("大同县", "140227"):
        with pytest.raises(InputDataError, match="province '山西县' is not a province of China"):
            R.resolve_county(query, mini_reference, province="山西县")
    with pytest.raises(InputDataError, match="not a 6-digit"):
        R.resolve_county("5205", mini_reference)
    with pytest.raises(InputDataError, match="empty"):
        R.resolve_county("  ", mini_reference)
    with pytest.raises(InputDataError, match="neither a 2015 nor a current code"):
        R.resolve_county("110101", mini_reference)


@pytest.mark.skipif(not XLSX.is_file(), reason=f"official 832-county list not found at {XLSX} "
                    "(set COUNTYSURV_COUNTIES_XLSX or put shared/ beside the repository)")
def test_every_province_of_the_832_list_selects_its_counties_by_its_full_name():
    """广西壮族自治区, 重庆市, 新疆维吾尔自治区 ... select their own counties: every county of the
    list resolves by name and by code with its province's full name, and not with another's."""
    from countysurv import realdata

    totals = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))["real"][
        "batch_totals"]
    listed = realdata.reconcile(realdata.read_workbook(XLSX), R.read_aliases(ALIASES),
                                R.read_codes_2015(CODES_2015), R.load_divisions(),
                                {int(y): n for y, n in totals.items()})
    assert set(listed["province"]) == set(FULL_NAMES)
    resolve = R.CountyResolver(listed)
    for row in listed.itertuples():
        full = FULL_NAMES[row.province]
        assert resolve(row.canonical_name, full) == row.county_code, (row.canonical_name, full)
        assert resolve(row.county_code, full) == row.county_code
    elsewhere = listed[listed["province"] != "广西"].iloc[0]
    n_guangxi = int((listed["province"] == "广西").sum())
    with pytest.raises(InputDataError, match=f"of the {n_guangxi} counties of the reference in 广西"):
        resolve(elsewhere.canonical_name, "广西壮族自治区")


# --- bulletin files named by county name -------------------------------------------------------


def _tiny_reference():
    import pandas as pd

    return pd.DataFrame({
        "county_code": ["520526", "520527"], "code_current": ["520526", "520527"],
        "province": ["贵州", "贵州"],
        "canonical_name": ["威宁彝族回族苗族自治县", "赫章县"],
        "name_2015": ["威宁彝族回族苗族自治县", "赫章县"],
        "name_current": ["威宁彝族回族苗族自治县", "赫章县"], "names_known": ["", "赫章"]})


def test_bulletin_files_resolves_names_and_keeps_codes(tmp_path):
    from pathlib import Path

    from countysurv.reference import bulletin_files

    paths = [Path("b/威宁县.csv"), Path("b/520527.csv"), Path("b/990001.csv")]
    files, names = bulletin_files(paths, _tiny_reference())
    assert files == {"520526": paths[0], "520527": paths[1], "990001": paths[2]}
    assert "威宁县" in names["520526"] and "威宁彝族回族苗族自治县" in names["520526"]
    assert names["990001"] == []


def test_bulletin_files_rejects_unknown_name_and_two_files_of_one_county():
    from pathlib import Path

    from countysurv.errors import InputDataError
    from countysurv.reference import bulletin_files

    with pytest.raises(InputDataError, match="b/毕节县.csv: the file name is not a county"):
        bulletin_files([Path("b/毕节县.csv")], _tiny_reference())
    with pytest.raises(InputDataError, match="county 520526 already has the bulletin file"):
        bulletin_files([Path("b/520526.csv"), Path("b/威宁县.csv")], _tiny_reference())
    with pytest.raises(InputDataError, match="or set data.county_reference"):
        bulletin_files([Path("b/威宁县.csv")], None)
