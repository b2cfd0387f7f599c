"""Parsing of numbers, indicator names and units."""

import pytest

from countysurv.indicators import (CANONICAL, INDICATORS, agree_to_printed_precision,
                                   agreement_tolerance, canonical_indicator, half_unit,
                                   indicators_in_use, normalize_text, parse_number, parse_value,
                                   unit_factor)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("123", 123.0),
        ("1,234.5", 1234.5),
        ("12,345,678", 12345678.0),
        (" 45.60 ", 45.6),
        ("１２３．４", 123.4),
        ("１，２３４", 1234.0),
        ("1，234", 1234.0),
        ("+7", 7.0),
        ("-3.5", -3.5),
        ("0", 0.0),
    ],
)
def test_parse_number_accepts_bulletin_formats(text, expected):
    value, problem = parse_number(text)
    assert problem is None
    assert value == pytest.approx(expected, rel=0, abs=0)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty value"),
        ("   ", "empty value"),
        ("NA", "missing-value marker"),
        ("nan", "missing-value marker"),
        ("-", "missing-value marker"),
        ("—", "missing-value marker"),
        ("…", "missing-value marker"),
        ("inf", "infinite value"),
        ("-Infinity", "infinite value"),
        ("1e5", "not a number"),
        ("12,34", "not a number"),
        ("1.2.3", "not a number"),
        ("abc", "not a number"),
        ("=cmd|' /C calc'!A0", "formula-like cell"),
        ("@SUM(A1)", "formula-like cell"),
        ("+A1", "formula-like cell"),
    ],
)
def test_parse_number_rejects_with_reason(text, reason):
    value, problem = parse_number(text)
    assert value is None
    assert problem.startswith(reason)


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("地区生产总值", "gdp"),
        ("生产总值", "gdp"),
        ("GDP", "gdp"),
        ("ｇｄｐ", "gdp"),
        ("地区 生产总值", "gdp"),
        ("地区生产总值（万元）", "gdp"),
        ("第一产业增加值", "va_primary"),
        ("第二产业增加值", "va_secondary"),
        ("第三产业增加值", "va_tertiary"),
        ("人均地区生产总值", "gdp_per_capita"),
        ("人均生产总值", "gdp_per_capita"),
        ("年末总人口", "population"),
        ("年末户籍人口", "population"),
        ("户籍总人口", "population"),
        ("乡村人口", "rural_population"),
        ("农业人口", "rural_population"),
        ("农业机械总动力", "agri_machinery_power"),
        ("农林牧渔服务业产值", "agri_services_output"),
        ("农林牧渔专业及辅助性活动产值", "agri_services_output"),
        ("农林牧渔业总产值", "agri_output"),
        ("农村居民人均可支配收入", "rural_income"),
        ("农村常住居民人均可支配收入", "rural_income"),
        ("农民人均可支配收入", "rural_income"),
        ("地形起伏度", "terrain_relief"),
        ("地势起伏度", "terrain_relief"),
        ("va_tertiary", "va_tertiary"),
    ],
)
def test_canonical_indicator_maps_aliases(text, canonical):
    assert canonical_indicator(text) == canonical


# 农民人均纯收入 (net income) is an older, different concept from disposable income
@pytest.mark.parametrize("text", ["工业增加值", "粮食产量", "", "gdp2", "第四产业增加值",
                                  "农民人均纯收入"])
def test_canonical_indicator_unknown_is_none(text):
    assert canonical_indicator(text) is None


def test_every_alias_of_every_indicator_is_recognised():
    for ind in INDICATORS.values():
        for alias in ind.aliases:
            assert canonical_indicator(alias) == ind.name


@pytest.mark.parametrize(
    ("indicator", "unit", "factor"),
    [
        ("gdp", "元", 1.0),
        ("gdp", "万元", 1e4),
        ("gdp", "亿元", 1e8),
        ("gdp", " 亿元 ", 1e8),
        ("population", "人", 1.0),
        ("population", "万人", 1e4),
        ("rural_population", "万人", 1e4),
        ("agri_machinery_power", "千瓦", 1.0),
        ("agri_machinery_power", "万千瓦", 1e4),
        ("gdp_per_capita", "元", 1.0),
        ("gdp_per_capita", "元/人", 1.0),
        ("gdp_per_capita", "万元/人", 1e4),
        ("agri_services_output", "万元", 1e4),
        ("rural_income", "元", 1.0),
        ("rural_income", "万元/人", 1e4),
        ("terrain_relief", "index", 1.0),
    ],
)
def test_unit_factor_converts_to_canonical(indicator, unit, factor):
    assert unit_factor(indicator, unit) == factor


@pytest.mark.parametrize(
    ("indicator", "unit"),
    [("gdp", "万吨"), ("gdp", "千瓦"), ("population", "万元"), ("agri_machinery_power", "人"),
     ("gdp_per_capita", "万元"), ("gdp", ""), ("rural_income", "万元"), ("rural_income", "万人"),
     ("terrain_relief", ""), ("terrain_relief", "元")],
)
def test_unit_factor_rejects_unit_that_does_not_fit(indicator, unit):
    assert unit_factor(indicator, unit) is None


def test_normalize_text_folds_full_width_and_whitespace():
    assert normalize_text(" １２ ３\u3000ＡＢ\ufeff") == "123AB"


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("153.1[2]", 153.1, ""),
        ("37.2①", 37.2, ""),          # NFKC alone would make it 37.21
        ("32.5¹", 32.5, ""),          # and this 32.51
        ("12.5*", 12.5, ""),
        ("8.9注", 8.9, ""),
        ("25.1（注2）", 25.1, ""),
        ("12.5(1)*", 12.5, ""),
        ("24.44亿元", 24.44, "亿元"),
        ("24.44 億元", 24.44, "亿元"),
        ("65.44万千瓦", 65.44, "万千瓦"),
        ("19967元/人", 19967.0, "元/人"),
        ("1 250 000", 1250000.0, ""),
        ("−3.1", -3.1, ""),
    ],
)
def test_parse_value_drops_footnotes_and_returns_the_cell_unit(text, value, unit):
    assert parse_value(text) == (pytest.approx(value, rel=1e-15), unit, None)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("……", "missing-value marker"),
        ("/", "missing-value marker"),
        ("－", "missing-value marker"),
        ("–", "missing-value marker"),
        ("无", "missing-value marker"),
        ("*", "missing-value marker"),
        ("\u3000", "empty value"),
        ("#N/A", "spreadsheet error value"),
        ("#VALUE!", "spreadsheet error value"),
        ("11.5%", "a percentage or growth rate"),
        ("增长8.2%", "a percentage or growth rate"),
        ("下降1.3", "a percentage or growth rate"),
        ("-3.19‰", "a percentage or growth rate"),
        ("1.25E+09", "not a number '1.25E+09' (scientific notation"),
        ("12 5", "not a number '12 5' (spaces inside the number)"),
        ("13.5左右", "not a number"),
        ("25.72:26.84:47.44", "not a number"),
        ("٣٫٥", "not a number"),       # Arabic-Indic digits: float() would read them
    ],
)
def test_parse_value_rejects_with_reason(text, reason):
    value, unit, problem = parse_value(text)
    assert value is None and unit == ""
    assert problem.startswith(reason), problem


def test_parse_number_refuses_a_unit_in_the_cell():
    assert parse_number("24.44亿元") == (None, "not a number '24.44亿元' (a unit after the number)")


TRADITIONAL = str.maketrans("区产总户乡农业机动渔务专辅国内万亿", "區產總戶鄉農業機動漁務專輔國內萬億")


def test_every_alias_is_recognised_in_traditional_characters_and_with_prefixes():
    for ind in INDICATORS.values():
        for alias in ind.aliases:
            assert canonical_indicator(alias.translate(TRADITIONAL)) == ind.name, alias
            assert canonical_indicator(f"其中：{alias}") == ind.name, alias
            assert canonical_indicator(f"全县{alias}（GDP）") == ind.name, alias
        for unit, factor in ind.units.items():
            assert unit_factor(ind.name, unit.translate(TRADITIONAL)) == factor


@pytest.mark.parametrize("text", ["其中：城镇", "城镇人口", "年末常住人口", "全省生产总值", "其中"])
def test_sub_items_and_other_populations_are_not_indicators(text):
    assert canonical_indicator(text) is None


def test_indicators_in_use_keeps_required_ones_and_optional_ones_with_values():
    required = [name for name in CANONICAL if INDICATORS[name].required]
    assert indicators_in_use([]) == required
    assert "rural_income" not in required and "terrain_relief" not in required
    assert indicators_in_use(["terrain_relief", "gdp"]) == required + ["terrain_relief"]
    assert indicators_in_use(CANONICAL) == list(CANONICAL)


def _printed(raw: str, unit: str) -> tuple[float, float]:
    """A printed figure's level in yuan and half a unit of its last digit."""
    factor = unit_factor("gdp", unit)
    return float(raw.replace(",", "")) * factor, half_unit(raw, factor)


@pytest.mark.parametrize(("a", "b", "agree"), [
    # one level at two precisions: 60,000 yuan apart, within 0.005 亿元 = 500,000 yuan
    (("24.44", "亿元"), ("244,394", "万元"), True),
    # exactly half a unit of the coarser figure apart (0.05 亿元): the boundary agrees
    (("24.4", "亿元"), ("24.45", "亿元"), True),
    (("24.4", "亿元"), ("24.46", "亿元"), False),
    # two figures printed to 0.01 亿元 are two levels when they differ at all; 24.44 and 24.45
    # are 0.01 apart, within the sum of their half units but beyond the larger one
    (("24.44", "亿元"), ("24.46", "亿元"), False),
    (("24.44", "亿元"), ("24.45", "亿元"), False),
    # 244,450 万元 is 24.4450 亿元: the end of 24.44's interval; 244,460 is beyond it
    (("24.44", "亿元"), ("244,450", "万元"), True),
    (("24.44", "亿元"), ("244,460", "万元"), False),
])
def test_agree_to_printed_precision_at_the_boundary(a, b, agree):
    (va, ha), (vb, hb) = _printed(*a), _printed(*b)
    assert agree_to_printed_precision(va, vb, ha, hb) is agree
    assert agree_to_printed_precision(vb, va, hb, ha) is agree            # symmetric
    assert agreement_tolerance(va, vb, ha, hb) == pytest.approx(max(ha, hb)
                                                                + 1e-9 * max(va, vb))


def test_agreement_relative_slack_is_configurable():
    (va, ha), (vb, hb) = _printed("41.90", "亿元"), _printed("41.95", "亿元")
    assert not agree_to_printed_precision(va, vb, ha, hb)
    assert agree_to_printed_precision(va, vb, ha, hb, relative=0.002)
    assert agreement_tolerance(va, vb, ha, hb, 0.002) == pytest.approx(5e5 + 0.002 * 41.95e8)
