"""Extraction of indicator values from bulletin texts: phrasings, traps, spans, files, outputs.

Every text here is written for this test (in the styles of county bulletins); the labelled
files under tests/data/bulletin_texts/ are checked against their labels at the end.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

from countysurv import extract, extract_targets, textlayers
from countysurv.bulletins import ingest_bulletin
from countysurv.errors import InputDataError
from countysurv.indicators import INDICATORS, canonical_indicator, unit_factor

TEXTS = Path(__file__).resolve().parents[1] / "data" / "bulletin_texts"


def run(text: str, year: int = 2015, html: bool = False):
    """``({indicator: (value, unit)}, {indicator: [reasons]})`` of one text."""
    written, review = extract.extract_text(text, year, html)
    values = {f.key: (f.raw, f.unit) for f in written}
    assert len(values) == len(written), "one written value per indicator"
    reasons: dict[str, list[str]] = {}
    for f in review:
        reasons.setdefault(f.key, []).append(f.reason)
    return values, reasons


# --- phrasings ------------------------------------------------------------------------------


def test_gdp_sentence_with_gdp_in_parentheses_and_a_growth_rate():
    values, reasons = run("全县实现地区生产总值（GDP）24.44亿元，按可比价格计算，比上年增长11.5%。")
    assert values == {"gdp": ("24.44", "亿元")}
    assert reasons == {}


def test_sectors_after_qizhong():
    values, _ = run("地区生产总值30.1亿元。其中：第一产业增加值6.29亿元，增长5.2%；"
                    "第二产业增加值10.2亿元；第三产业增加值13.61亿元。")
    assert values["va_primary"] == ("6.29", "亿元")
    assert values["va_secondary"] == ("10.2", "亿元")
    assert values["va_tertiary"] == ("13.61", "亿元")


def test_bare_sectors_after_fenchanye_kan():
    values, _ = run("全县地区生产总值15.73亿元。分产业看，第一产业增加值3.12亿元，增长5.4%；"
                    "第二产业5.19亿元，增长10.6%；第三产业完成7.42亿元。")
    assert values["va_primary"] == ("3.12", "亿元")
    assert values["va_secondary"] == ("5.19", "亿元")
    assert values["va_tertiary"] == ("7.42", "亿元")


@pytest.mark.parametrize("listing", ["按产业划分，", "按产业分，", "按产业看，", "分产业看，"])
def test_bare_sectors_after_other_sector_listing_phrases(listing):
    values, _ = run(f"全县完成地区生产总值（现价）62.18亿元，增长7.2%。{listing}第一产业完成15.06亿元，"
                    "增长4.1%；第二产业完成17.30亿元；第三产业完成29.82亿元。")
    assert values == {"gdp": ("62.18", "亿元"), "va_primary": ("15.06", "亿元"),
                      "va_secondary": ("17.30", "亿元"), "va_tertiary": ("29.82", "亿元")}


def test_bare_sectors_in_a_qizhong_sentence_after_the_gdp_sentence():
    values, _ = run("全年完成地区生产总值210.40亿元，同比增长5%。其中第一产业完成38.60亿元，"
                    "同比增长4.3%；第二产业完成75.20亿元；第三产业完成96.60亿元。")
    assert values["va_primary"] == ("38.60", "亿元")
    assert values["va_secondary"] == ("75.20", "亿元")
    assert values["va_tertiary"] == ("96.60", "亿元")


@pytest.mark.parametrize("before", [
    "全年完成固定资产投资88.10亿元。",  # not about value added
    "全年地区生产总值210.40亿元。全年一般公共预算收入9.10亿元。",  # GDP two sentences back
])
def test_bare_sectors_after_qizhong_need_a_gdp_sentence_just_before(before):
    values, _ = run(before + "其中第一产业完成8.60亿元；第二产业完成45.20亿元。")
    assert "va_primary" not in values and "va_secondary" not in values


def test_a_qizhong_sentence_of_investment_after_gdp_is_not_value_added():
    values, _ = run("全年地区生产总值210.40亿元。其中第一产业投资8.60亿元，第二产业45.20亿元。")
    assert not set(values) & {"va_primary", "va_secondary"}


@pytest.mark.parametrize("note, key, expected", [
    ("（不含农林牧渔服务业）", "va_primary", ("37.94", "亿元")),
    ("（公安口径）", "population", ("39.13", "万人")),
])
def test_a_note_in_parentheses_between_wording_and_figure(note, key, expected):
    wording = {"va_primary": "第一产业完成增加值", "population": "年末户籍人口"}[key]
    values, _ = run(f"{wording}{note}{expected[0]}{expected[1]}，增长4.1%。")
    assert values[key] == expected


@pytest.mark.parametrize("note", ["（按可比价格计算）", "（比上年增加）", "（2014年）", "（占比）"])
def test_a_note_about_prices_growth_years_or_shares_is_not_filler(note):
    values, _ = run(f"第一产业增加值{note}37.94亿元。")
    assert "va_primary" not in values


@pytest.mark.parametrize("text", [
    "全县实现地区生产总值306.54亿元，增长4.4%。其中一产36.32亿元，增长2.1%；二产139.74亿元；"
    "三产130.48亿元。",
    "全县实现地区生产总值306.54亿元。一产增加值36.32亿元，二产增加值139.74亿元，"
    "三产增加值130.48亿元。",
    "全年实现地区生产总值306.54亿元。其中一、二、三产业分别实现36.32亿元、139.74亿元、130.48亿元。",
])
def test_short_sector_names(text):
    values, _ = run(text)
    assert values == {"gdp": ("306.54", "亿元"), "va_primary": ("36.32", "亿元"),
                      "va_secondary": ("139.74", "亿元"), "va_tertiary": ("130.48", "亿元")}


@pytest.mark.parametrize("text", ["地区生产总值增加值中，统一产品12.4亿元。",
                                  "全县地区生产总值30亿元，唯一产粮大县粮食产值12.4亿元。",
                                  "第三产业增加值中，一产业化项目投入2.1亿元。"])
def test_short_sector_names_inside_other_words_are_not_sectors(text):
    values, _ = run(text)
    assert not set(values) & {"va_primary", "va_secondary", "va_tertiary"}


def test_sectors_of_another_years_gdp_go_to_review_with_it():
    values, reasons = run(
        "全年全县生产总值316.80亿元，增长6.2%。其中：第一产业增加值52.27亿元；第二产业增加值82.96亿元；"
        "第三产业增加值181.58亿元。\n2023年经济普查结果：生产总值296.80亿元，其中：第一产业增加值50.24亿元；"
        "第二产业增加值77.58亿元；第三产业增加值168.97亿元。", year=2024)
    assert values == {"gdp": ("316.80", "亿元"), "va_primary": ("52.27", "亿元"),
                      "va_secondary": ("82.96", "亿元"), "va_tertiary": ("181.58", "亿元")}
    for key in ("va_primary", "va_secondary", "va_tertiary"):
        assert reasons[key] == ["a breakdown of a GDP figure that is not the year's level "
                                "(a figure of another year (2023))"]


def test_constant_price_figures_and_their_sectors_go_to_review():
    values, reasons = run(
        "全年实现生产总值534001万元（2010年可比价，下同），比上年增长11.1%。其中，第一产业增加值"
        "223291万元；第二产业增加值178211万元；第三产业增加值132499万元。现价生产总值520744万元。",
        year=2011)
    assert values == {"gdp": ("520744", "万元")}
    assert len(reasons["gdp"]) == 1 and reasons["gdp"][0].startswith(
        "a figure at constant prices ((2010年可比价")
    for key in ("va_primary", "va_secondary", "va_tertiary"):
        assert reasons[key][0].startswith("a breakdown of a GDP figure that is not the year's")


@pytest.mark.parametrize("text,written", [
    ("全年农林牧渔业总产值47.39亿元（可比价），比上年增长5.9%。", None),
    ("全年农林牧渔业总产值47.39亿元（不变价）。", None),
    # a note about the growth rate's price basis says nothing against the level
    ("全年农林牧渔业总产值47.39亿元（按可比价格计算，比上年增长5.9%）。", ("47.39", "亿元")),
    ("全年农林牧渔业总产值47.39亿元，按可比价格计算，比上年增长5.9%。", ("47.39", "亿元")),
])
def test_a_constant_price_note_after_a_figure(text, written):
    values, _ = run(text)
    assert values.get("agri_output") == written


@pytest.mark.parametrize("text,written", [
    ("全县完成国内生产总值245.39亿元，增长6.8%。", ("245.39", "亿元")),
    ("全国国内生产总值990865亿元，全县地区生产总值245.39亿元。", ("245.39", "亿元")),
    ("全省国内生产总值46363.8亿元。", None),
])
def test_guonei_shengchan_zongzhi_is_the_countys_gdp_unless_the_nations(text, written):
    values, _ = run(text, year=2019)
    assert values.get("gdp") == written


def test_a_price_base_year_is_not_another_years_figure():
    values, reasons = run("全年地区生产总值123.21亿元（按当年价格计算），比上年增长2.1%（按2015年不变价格计算，"
                          "下同），其中第一产业增加值48.07亿元，增长3.9%；第二产业增加值20.60亿元；"
                          "第三产业增加值54.54亿元。", year=2020)
    assert values["va_primary"] == ("48.07", "亿元")
    assert "va_primary" not in reasons
    values, reasons = run("2015年第一产业增加值48.07亿元。", year=2020)
    assert reasons["va_primary"] == ["a figure of another year (2015)"]


def test_sectors_that_do_not_add_up_because_of_a_unit_slip():
    """One sector's 万元 for 亿元: only that figure goes to review, the rest are written."""
    values, reasons = run("全县完成地区生产总值224.8亿元，同比增长10.3%。第一产业完成增加值27.0亿元。"
                          "第二产业完成增加值100.4万元。第三产业完成增加值97.4亿元。")
    assert values == {"gdp": ("224.8", "亿元"), "va_primary": ("27.0", "亿元"),
                      "va_tertiary": ("97.4", "亿元")}
    assert "10000 times what it says" in reasons["va_secondary"][0]


def test_sectors_that_do_not_add_up_otherwise_all_go_to_review():
    values, reasons = run("全县完成地区生产总值224.8亿元。其中第一产业增加值27.0亿元，"
                          "第二产业增加值80.4亿元，第三产业增加值97.4亿元。")
    assert not set(values) & {"gdp", "va_primary", "va_secondary", "va_tertiary"}
    for key in ("gdp", "va_primary", "va_secondary", "va_tertiary"):
        assert "do not add up to GDP" in reasons[key][0] and "9% apart" in reasons[key][0]


def test_sectors_within_rounding_of_gdp_are_written():
    values, _ = run("全县完成地区生产总值44.66亿元。其中第一产业增加值10.21亿元，"
                    "第二产业增加值9.86亿元，第三产业增加值24.52亿元。")  # sum 44.59: 0.16 % apart
    assert set(values) == {"gdp", "va_primary", "va_secondary", "va_tertiary"}


def test_bare_sectors_in_an_investment_sentence_are_not_value_added():
    values, _ = run("全年固定资产投资20.6亿元，其中第一产业投资1.2亿元，第二产业4.8亿元，"
                    "第三产业14.6亿元。")
    assert not set(values) & {"va_primary", "va_secondary", "va_tertiary"}


def test_sectors_listed_respectively():
    values, _ = run("全县地区生产总值165.4亿元，第一、二、三产业增加值分别为22.6亿元、75.3亿元和"
                    "67.5亿元。")
    assert values["va_primary"] == ("22.6", "亿元")
    assert values["va_secondary"] == ("75.3", "亿元")
    assert values["va_tertiary"] == ("67.5", "亿元")


def test_flattened_table_under_a_unit_line():
    text = "表1 地区生产总值\n单位：亿元\n指标 | 绝对数 | 比上年增长(%)\n地区生产总值 | 153.1 | 8.1\n" \
           "第一产业 | 21.4 | 4.2\n  #工业 | 61.0 | 9.2\n"
    values, reasons = run(text)
    assert values == {"gdp": ("153.1", "亿元"), "va_primary": ("21.4", "亿元")}
    assert reasons == {}


def test_flattened_table_without_a_header_takes_the_first_number():
    values, _ = run("单位：亿元\n地区生产总值 | 153.1 | 8.1\n")
    assert values == {"gdp": ("153.1", "亿元")}


def test_text_table_laid_out_with_spaces():
    values, _ = run("单位：亿元\n指标            绝对数      比上年增长%\n地区生产总值    153.1       8.1\n")
    assert values == {"gdp": ("153.1", "亿元")}


def test_bare_rural_row_of_a_population_table_is_rural_population():
    text = ("2018年末人口数及其构成\n单位：万人\n指标 | 年末数 | 比重(%)\n年末户籍人口 | 41.27 | \n"
            "其中：城镇 | 12.90 | 31.26\n乡村 | 28.37 | 68.74\n")
    values, reasons = run(text, year=2018)
    assert values == {"population": ("41.27", "万人"), "rural_population": ("28.37", "万人")}
    assert reasons == {}


@pytest.mark.parametrize("text", [
    "城乡居民就业人口\n单位：万人\n指标 | 年末数\n其中：城镇 | 6.1\n乡村 | 9.8\n",
    "人口构成\n单位：万人\n指标 | 年末数\n城镇 | 6.1\n乡村 | 9.8\n户籍人口：城镇 | 5.9\n乡村 | 11.2\n",
    "2018年末人口\n单位：万人\n指标 | 年末数\n乡村 | 9.8\n",
])
def test_bare_rural_row_outside_an_unambiguous_population_split_is_not_read(text):
    values, _ = run(text, year=2018)
    assert "rural_population" not in values


def test_table_unit_from_a_unit_column_or_the_label():
    text = ("指标 | 单位 | 2016年 | 比上年增长(%)\n第一产业增加值 | 万元 | 30,215 | 5.0\n"
            "农业机械总动力（万千瓦） | | 9.62 | 3.1\n")
    values, _ = run(text, 2016)
    assert values == {"va_primary": ("30215", "万元"), "agri_machinery_power": ("9.62", "万千瓦")}


def test_table_picks_the_bulletin_years_column_and_current_prices():
    text = ("指标 | 2014年 | 2015年\n农业机械总动力（万千瓦） | 40.2 | 41.7\n\n"
            "单位：万元\n指标 | 现价 | 不变价 | 增速(%)\n地区生产总值 | 529757 | 520278 | 13.1\n")
    values, _ = run(text, 2015)
    assert values == {"agri_machinery_power": ("41.7", "万千瓦"), "gdp": ("529757", "万元")}


def test_table_with_only_another_years_column_goes_to_review():
    values, reasons = run("单位：亿元\n指标 | 2014年 | 增长(%)\n地区生产总值 | 22.1 | 7.0\n", 2015)
    assert values == {}
    assert reasons["gdp"] == ["a figure of another year (2014)"]


@pytest.mark.parametrize("header", ["指标 | 现价(亿元) | 增速\n | 2014年 | 2015年",
                                    "指标 | 上年 | 本年\n | 绝对数"])
def test_table_whose_columns_cannot_be_aligned_with_other_years_goes_to_review(header):
    values, reasons = run(f"表1 地区生产总值\n{header}\n第一产业 | 5.1 | 6.29 | 5.2\n", 2015)
    assert values == {}
    assert reasons["va_primary"][0].startswith("table columns not identified")


def test_traditional_characters_and_full_width_digits():
    values, _ = run("全縣實現地區生產總值（ＧＤＰ）１７．０５億元，比上年增長８．６％。"
                    "其中：第一產業增加值３．３０億元。年末戶籍人口２１．２９萬人，其中鄉村人口"
                    "１７．８８萬人。人均地區生產總值８，０２４元。", 2016)
    assert values == {"gdp": ("17.05", "亿元"), "va_primary": ("3.30", "亿元"),
                      "population": ("21.29", "万人"), "rural_population": ("17.88", "万人"),
                      "gdp_per_capita": ("8024", "元")}


@pytest.mark.parametrize("text", ["全年地區(qū)生產(chǎn)總值(GDP)完成529757萬元。",
                                  "全年地(di)區(qu)(qu)生產總值完成529757萬(wan)元。"])
def test_pinyin_glosses_of_mirror_sites_are_ignored(text):
    values, _ = run(text)
    assert values == {"gdp": ("529757", "万元")}


@pytest.mark.parametrize("mark", ["①", "¹", "[1]", "※", "（注1）"])
def test_footnote_marks_between_wording_and_value(mark):
    values, _ = run(f"全县地区生产总值{mark}达165.4亿元。")
    assert values == {"gdp": ("165.4", "亿元")}


@pytest.mark.parametrize("text,key,raw,unit", [
    ("地区生产总值244394万元。", "gdp", "244394", "万元"),
    ("地区生产总值2,443,940,000元。", "gdp", "2443940000", "元"),
    ("年末户籍人口351,206人。", "population", "351206", "人"),
    ("年末户籍人口35.12万人。", "population", "35.12", "万人"),
    ("农业机械总动力215,300千瓦。", "agri_machinery_power", "215300", "千瓦"),
    ("农业机械总动力21.53万千瓦。", "agri_machinery_power", "21.53", "万千瓦"),
    ("人均生产总值2.35万元。", "gdp_per_capita", "23500", "元"),
    ("农林牧渔业总产值10.21亿元。", "agri_output", "10.21", "亿元"),
    ("农、林、牧、渔业总产值10.21亿元。", "agri_output", "10.21", "亿元"),
    ("农林牧渔服务业产值3,215万元。", "agri_services_output", "3215", "万元"),
    ("农林牧渔专业及辅助性活动产值1.52亿元。", "agri_services_output", "1.52", "亿元"),
    ("其中农业人口298,871人，非农业人口52,335人。", "rural_population", "298871", "人"),
    ("全年农林牧渔业实现总产值18.64亿元，增长3.9%。", "agri_output", "18.64", "亿元"),
    ("年末乡村常住人口15.08万人，比上年末减少0.31万人。", "rural_population", "15.08", "万人"),
    ("年末農村常住人口15.08萬人。", "rural_population", "15.08", "万人"),
    ("农村常住居民人均可支配收入7,236元。", "rural_income", "7236", "元"),
    ("全年农村居民人均可支配收入9856元，增长8.9%。", "rural_income", "9856", "元"),
    ("农民人均可支配收入1.12万元。", "rural_income", "11200", "元"),
])
def test_units_and_wordings(text, key, raw, unit):
    values, _ = run(text)
    assert values == {key: (raw, unit)}
    assert unit_factor(key, unit) is not None


def test_net_income_is_not_disposable_income():
    """农民人均纯收入 (net income, before 2013) is another concept than ``rural_income``."""
    values, reasons = run("全年农民人均纯收入6,850元，比上年增长12.1%。")
    assert values == {} and reasons == {}


def test_written_wordings_are_canonical():
    for target in extract_targets.TARGETS:
        if target.canonical:
            assert canonical_indicator(target.wording) == target.key
            assert target.key in INDICATORS


# --- traps ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "全县地区生产总值比上年增长8.2%。",
    "第三产业增加值占地区生产总值的比重为45.1%。",
    "全县地区生产总值比上年增加1.31亿元。",
    "三次产业结构比为25.7:32.1:42.2。",
    "全县工业增加值6.2亿元，建筑业增加值2.1亿元。",
    "第二产业中工业增加值12.08亿元。",
    "农林牧渔服务业增加值0.41亿元。",
    "全社会用电量2.8亿千瓦时，农村用电量3,560万千瓦时。",
    "年末户籍人口城镇化率38.2%。",
    "全年农业总产值25.36亿元。",
    "全年农业生产总值25.36亿元，民营经济生产总值12.1亿元。",
    "全县地区生产总值突破30亿元，达到30.12亿元。",
    "全县地区生产总值首次突破50亿元。",
    "全县地区生产总值增量为2.6亿元。",
    "全县地区生产总值较上年净增加为2.6亿元。",
    "地区生产总值（比上年）2.6亿元。",
    "全县城镇户籍人口8.21万人，非农业户籍人口7.9万人。",
])
def test_never_a_level(text):
    values, _ = run(text)
    assert values == {}


@pytest.mark.parametrize("text,key,reason", [
    ("1-9月，全县地区生产总值12.35亿元。", "gdp", "a figure for part of the year (1-9月)"),
    ("一季度，全县第一产业增加值0.71亿元。", "va_primary",
     "a figure for part of the year (一季度)"),
    ("上半年第三产业增加值4.02亿元。", "va_tertiary", "a figure for part of the year (上半年)"),
    ("2014年全县地区生产总值为17.60亿元。", "gdp", "a figure of another year (2014)"),
    ("力争到2020年全县地区生产总值达到60亿元。", "gdp", "a plan or target (力争)"),
    ("全县平均每个农户拥有农业机械总动力1.8千瓦。", "agri_machinery_power",
     "a per-capita figure where a total is wanted"),
    ("户均第一产业增加值1.1万元。", "va_primary", "a per-capita figure where a total is wanted"),
    ("城关镇地区生产总值8.3亿元。", "gdp", "a figure of a part of the county"),
    ("全县地区生产总值24.4，增长7%。", "gdp", "no unit stated for the figure"),
    ("第一产业增加值5.2亿。", "va_primary", "unit '亿' not accepted for 第一产业增加值"),
    ("年末常住人口28.37万人。", "resident_population",
     "not a canonical indicator (常住人口; see indicators.py)"),
])
def test_figures_that_go_to_review(text, key, reason):
    values, reasons = run(text)
    assert key not in values
    assert reasons[key] == [reason]


def test_sectors_of_the_non_public_economy_are_not_the_countys():
    values, reasons = run("地区生产总值601.44亿元。其中，第一产业增加值93.30亿元；第二产业增加值"
                          "293.39亿元。非公有制经济增加值357.64亿元，占GDP的比重为59.5%。其中，"
                          "第一产业增加值37.33亿元；第二产业增加值186.13亿元。")
    assert values == {"gdp": ("601.44", "亿元"), "va_primary": ("93.30", "亿元"),
                      "va_secondary": ("293.39", "亿元")}
    assert reasons == {key: ["a part of another aggregate (非公有制经济)"]
                       for key in ("va_primary", "va_secondary")}


def test_gdp_of_sub_regions_is_not_the_areas():
    values, reasons = run("全省地区生产总值48598.8亿元。分区域看，成都平原经济区地区生产总值"
                          "29523.3亿元，川南经济区地区生产总值7883.7亿元。")
    assert values == {"gdp": ("48598.8", "亿元")}
    assert reasons == {"gdp": 2 * ["a figure of a part of the county"]}


def test_a_unit_line_belongs_to_its_own_table():
    text = ("单位：亿元\n指标 | 绝对数\n地区生产总值 | 24.44\n工业 | 6.1\n\n单位：%\n"
            "指标 | 比重\n第一产业增加值 | 25.7\n\n表3 人口\n指标 | 年末数\n年末户籍人口 | 32.5\n")
    values, reasons = run(text)
    assert values == {"gdp": ("24.44", "亿元")}
    assert reasons == {"population": ["no unit stated for the figure"]}


def test_comparison_with_another_year_is_not_another_years_figure():
    values, _ = run("与2015年相比，全年农业机械总动力15.2万千瓦。", 2016)
    assert values == {"agri_machinery_power": ("15.2", "万千瓦")}


def test_another_years_figure_does_not_block_the_years_own():
    values, reasons = run("全县实现地区生产总值19.26亿元；2015年全县地区生产总值为17.60亿元。", 2016)
    assert values == {"gdp": ("19.26", "亿元")}
    assert reasons == {"gdp": ["a figure of another year (2015)"]}


def test_two_different_values_go_to_review_and_none_is_written():
    values, reasons = run("全年全县地区生产总值34.12亿元。据州统计局反馈，全县地区生产总值33.87亿元。")
    assert "gdp" not in values
    assert reasons["gdp"] == 2 * ["conflicting values for 地区生产总值 (34.12 亿元; 33.87 亿元); "
                                  "none written"]


def test_the_same_value_printed_twice_agrees_within_rounding():
    values, reasons = run("全县地区生产总值24.44亿元。\n单位：万元\n地区生产总值 | 244394 | 8.1\n")
    assert values == {"gdp": ("244394", "万元")}   # the more precise of the two
    assert reasons == {}


@pytest.mark.parametrize(("unit", "table", "written"), [
    ("万元", "244450", ("244450", "万元")),   # 24.4450 亿元: the edge of 24.44's interval
    ("万元", "244460", None),                 # 0.006 亿元 apart: beyond half of 0.01 亿元
    ("亿元", "24.45", None),                  # one unit of the last digit apart: two levels
    ("亿元", "24.4", ("24.44", "亿元")),      # within the coarser 24.4's ±0.05 亿元
])
def test_figures_printed_twice_agree_to_half_a_unit_of_the_coarser(unit, table, written):
    values, reasons = run(f"全县地区生产总值24.44亿元。\n单位：{unit}\n地区生产总值 | {table} | 8.1\n")
    assert values.get("gdp") == written
    assert ("gdp" in reasons) is (written is None)


def test_a_quarterly_report_is_read_as_part_of_the_year_throughout():
    values, reasons = run("一季度，全县实现地区生产总值56.82亿元。其中，第一产业增加值5.32亿元。"
                          "全县实现农林牧渔总产值9.48亿元。年末户籍人口18.6万人。")
    assert values == {"population": ("18.6", "万人")}   # says 年末: kept
    # the sector breaks down the quarter's GDP; 农林牧渔总产值 is caught as part of the year
    assert "(a figure for part of the year (一季度))" in reasons["va_primary"][0]
    assert reasons["agri_output"][0].endswith("the text reports part of the year (no annual GDP)")
    assert set(reasons) == {"gdp", "va_primary", "agri_output"}


@pytest.mark.parametrize("text,raw", [
    ("初步核算，全年地区生产总值（GDP）跨过百亿台阶，实现108.35亿元，增长6.1%。", "108.35"),
    ("全年全县地区生产总值（GDP，现价）64.27亿元，同比增长4.8%。", "64.27"),
])
def test_gdp_after_words_without_a_digit(text, raw):
    values, reasons = run(text)
    assert values == {"gdp": (raw, "亿元")}
    assert reasons == {}


def test_urban_and_rural_registered_population_are_not_the_total():
    values, reasons = run("年末全县户籍人口52.36万人，其中城镇户籍人口17.02万人，占全县户籍人口的"
                          "比重为32.51%；乡村户籍人口35.34万人，占67.49%。")
    assert values == {"population": ("52.36", "万人"), "rural_population": ("35.34", "万人")}
    assert reasons == {}


def test_rural_population_registered_figure_before_the_resident_one():
    values, reasons = run("年末户籍人口52.36万人，其中乡村户籍人口35.34万人。年末常住人口40.1万人，"
                          "其中乡村常住人口21.7万人。")
    assert values == {"population": ("52.36", "万人"), "rural_population": ("35.34", "万人")}
    assert reasons["rural_population"] == [
        "a 常住 figure where the 户籍 one is given (乡村人口)"]


def test_two_resident_rural_figures_that_disagree_go_to_review():
    values, reasons = run("乡村常住人口21.7万人。农村常住人口22.4万人。")
    assert "rural_population" not in values
    assert len(reasons["rural_population"]) == 2


def test_urban_resident_population_is_not_resident_population():
    _, reasons = run("年末全县常住人口13.6万人。其中城镇常住人口6.32万人。")
    assert reasons == {"resident_population": [
        "not a canonical indicator (常住人口; see indicators.py)"]}


# --- spans, notes, HTML ------------------------------------------------------------------------


def test_source_span_and_note_refer_to_the_original_text():
    text = "一、综合\n\u3000\u30002015年，全县实现地区生产总值（ＧＤＰ）２４．４４亿元，比上年增长11.5%。"
    written, _ = extract.extract_text(text, 2015)
    (gdp,) = written
    assert text[gdp.start:gdp.end] == "地区生产总值（ＧＤＰ）２４．４４亿元"
    assert gdp.note == "2015年，全县实现地区生产总值（ＧＤＰ）２４．４４亿元，比上年增长11.5%"


def test_html_is_reduced_to_text_with_spans_in_the_html():
    page = ("<html><head><script>var x='地区生产总值99亿元';</script></head><body>"
            "<p>全年地区生产总值<sup>1</sup>26.92亿元&#65292;增长10.2%。</p>"
            "<table><tr><td>指标</td><td>绝对数</td></tr>\n<tr>\n <td><p>第一产业</p></td>\n"
            " <td>6.71</td></tr></table><p>单位：亿元</p></body></html>")
    written, review = extract.extract_text(page, 2016, html_input=True)
    spans = {f.key: page[f.start:f.end] for f in written}
    assert spans == {"gdp": "地区生产总值<sup>1</sup>26.92亿元"}
    # the unit line follows the table: the row's figure has no unit and is not written
    assert [(f.key, f.reason) for f in review] == [("va_primary", "no unit stated for the figure")]
    layer = textlayers.html_to_text(page)
    assert "\n指标|绝对数\n第一产业|6.71\n" in textlayers.normalise(layer.text).text
    assert "99亿元" not in layer.text


def test_html_table_with_a_unit_line_before_it():
    page = ("<p>表1 地区生产总值构成</p><p>单位：亿元</p><table><tr><td>指标</td><td>绝对数</td><td>增长(%)</td></tr>"
            "<tr><td>　第一产业</td><td>6.71</td><td>5.8</td></tr></table>")
    written, _ = extract.extract_text(page, 2016, html_input=True)
    assert [(f.key, f.raw, f.unit) for f in written] == [("va_primary", "6.71", "亿元")]
    assert page[written[0].start:written[0].end] == "第一产业</td><td>6.71"


# --- files, folders, outputs -------------------------------------------------------------------


def test_bulletin_text_names_must_be_years(tmp_path):
    bad = tmp_path / "report.txt"
    bad.write_text("地区生产总值1亿元", encoding="utf-8")
    with pytest.raises(InputDataError, match="report.txt: bulletin texts must be named <year>"):
        extract.extract_paths([bad], "990001")


def test_two_texts_of_one_year_stop_with_a_clear_error(tmp_path):
    paths = []
    for name in ("2015.txt", "2015.html"):
        (tmp_path / name).write_text("地区生产总值1亿元", encoding="utf-8")
        paths.append(tmp_path / name)
    with pytest.raises(InputDataError, match="two texts for the year 2015"):
        extract.extract_paths(paths, "990001")


def test_gb18030_text_is_decoded(tmp_path):
    path = tmp_path / "2015.txt"
    path.write_bytes("全县地区生产总值24.44亿元。".encode("gb18030"))
    result = extract.extract_paths([path], "990001", "模拟县")
    assert [(r["indicator"], r["value"], r["unit"]) for r in result.records] == [
        ("地区生产总值", "24.44", "亿元")]
    assert result.records[0]["source"] == f"{path}:2-15"


def test_text_folders_by_code_and_by_name(tmp_path):
    for folder in ("990001", "模拟县"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "2015.txt").write_text("x", encoding="utf-8")
    with pytest.raises(InputDataError, match="模拟县: bulletin text folders must be named"):
        extract.text_folders(tmp_path)
    codes, names = extract.text_folders(tmp_path, {"模拟县": "990002"}.__getitem__)
    assert codes == {"990001": tmp_path / "990001", "990002": tmp_path / "模拟县"}
    assert names == {"990001": "", "990002": "模拟县"}
    with pytest.raises(InputDataError, match="already has the text folder"):
        extract.text_folders(tmp_path, {"模拟县": "990001"}.__getitem__)


def test_text_folder_without_texts_stops(tmp_path):
    (tmp_path / "990001").mkdir()
    with pytest.raises(InputDataError, match="990001: no bulletin texts"):
        extract.text_folders(tmp_path)


def test_outputs_are_raw_bulletin_csvs_that_ingestion_accepts(tmp_path):
    result = extract.extract_paths(
        sorted((TEXTS / "990101").iterdir()), "990101", "模拟县一")
    records, review = tmp_path / "990101.csv", tmp_path / "990101.review.csv"
    extract.write_outputs(result, records, review)
    ingested = ingest_bulletin(records.read_bytes(), str(records), "990101", (2014, 2019))
    assert ingested.rejects.empty
    got = {(r.year, r.indicator): r.value for r in ingested.records.itertuples()}
    assert got[(2015, "gdp")] == pytest.approx(2.444e9)
    assert got[(2016, "va_tertiary")] == pytest.approx(1.141e9)
    with open(review, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert got[(2015, "rural_income")] == 7236.0
    assert list(rows[0]) == list(extract.REVIEW_COLUMNS)
    assert {r["indicator"] for r in rows} == {"常住人口"}


def test_labelled_texts_match_their_labels():
    """Every labelled value is written, and nothing is written where a label says absent."""
    labels: dict[tuple[str, int], dict[str, float | None]] = {}
    with open(TEXTS / "labels.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            value = None if row["value"] == "absent" else float(row["value"])
            labels.setdefault((row["county"], int(row["year"])), {})[row["indicator"]] = value
    assert len(labels) >= 15
    for folder in sorted(p for p in TEXTS.iterdir() if p.is_dir()):
        for path in extract.text_files(folder):
            result = extract.extract_paths([path], folder.name)
            got = {}
            for row in result.records + result.review:
                key = next(t.key for t in extract_targets.TARGETS if t.wording == row["indicator"])
                if row in result.records or \
                        str(row["reason"]).startswith(extract_targets.NOT_CANONICAL):
                    factor = extract_targets.target_unit_factor(key, str(row["unit"]))
                    got[key] = float(row["value"]) * factor
            for key, value in labels[(folder.name, extract.year_of(path))].items():
                if value is None:
                    assert key not in got, f"{path}: {key} written but labelled absent"
                else:
                    assert math.isclose(got.get(key, math.nan), value, rel_tol=1e-9), \
                        f"{path}: {key} = {got.get(key)}, label {value}"
