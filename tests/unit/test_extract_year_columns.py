"""Extraction from tables with years as columns whose cells are separated by single spaces.

Every table here is written for this test, in the layout some county bulletins print: a header
``项目 单位 2017年 2018年 …`` and rows ``地区生产总值 亿元 45.10 48.62 …``, one space between
cells, so that text normalisation (which drops single spaces between words) glues label, unit
and first figure together.
"""

from __future__ import annotations

import pytest

from countysurv import extract, extract_tables, textlayers

TABLE = """某县2017年-2020年主要经济指标
项目 单位 2017年 2018年 2019年 2020年
一、年末户籍人口 万人 31.02 31.25 31.40 31.61
其中：城镇人口 万人 6.10 6.33 6.52 6.80
农村人口 万人 24.92 24.92 24.88 24.81
二、地区生产总值 亿元 45.10 48.62 52.37 54.90
地区生产总值增速 (%) 7.1 6.8 -1.2 3.5
人均地区生产总值 元 14520 15610 16680 17370
三、农林牧渔业总产值 万元 203150 211620 220480 236710
社会消费品零售总额 亿元 9.85 10.41 11.02 10.66
"""


def run(text: str, year: int):
    """``(written, review)`` of one text as ``{indicator: (value, unit)}`` and
    ``{indicator: [(value, reason)]}``."""
    written, review = extract.extract_text(text, year)
    values = {f.key: (f.raw, f.unit) for f in written}
    reasons: dict[str, list[tuple[str, str]]] = {}
    for f in review:
        reasons.setdefault(f.key, []).append((f.raw, f.reason))
    return values, reasons


def tokens(line: str) -> list[tuple[str, bool]]:
    norm = textlayers.normalise(line)
    return [(t.text, t.spaced) for t in extract_tables.line_tokens(norm, line, 0, len(norm.text))]


# --- tokens and headers ---------------------------------------------------------------------


def test_tokens_split_at_single_spaces_that_normalisation_drops():
    assert textlayers.normalise("项目 单位 2019年  2020年").text == "项目单位2019年|2020年"
    assert tokens("项目 单位 2019年  2020年") == [
        ("项目", False), ("单位", True), ("2019年", True), ("2020年", False)]
    assert tokens("增速 (%) 0.1 -10.6\t3") == [
        ("增速", False), ("(%)", True), ("0.1", True), ("-10.6", True), ("3", False)]


@pytest.mark.parametrize("line,years", [
    ("项目 单位 2017年 2018年 2019年", [2017, 2018, 2019]),
    ("项  目  名  称 单位 2019年 2020年", [2019, 2020]),
    ("指标 2019 2020 2021", [2019, 2020, 2021]),
    ("2020年 2021年", [2020, 2021]),
    ("指标 2021年 2020年", [2021, 2020]),  # read, then refused by year_column
    ("指标  2019年  2020年", None),  # wide spaces: cells, read by the cell-by-cell reader
    ("指标 | 2019年 | 2020年", None),
    ("人均可支配收入 1985 2011", None),  # a row whose figures look like years
    ("项目 2020年", None),
    ("全县2019年 2020年 连续增长", None),
])
def test_year_header(line, years):
    norm = textlayers.normalise(line)
    tokens = extract_tables.line_tokens(norm, line, 0, len(norm.text))
    assert extract_tables.year_header(tokens) == years


# --- the rule: the bulletin year's column, the unit before the figures ------------------------


def test_years_as_columns_table_takes_the_bulletin_years_column():
    values, reasons = run(TABLE, 2020)
    assert values == {"population": ("31.61", "万人"), "rural_population": ("24.81", "万人"),
                      "gdp": ("54.90", "亿元"), "gdp_per_capita": ("17370", "元"),
                      "agri_output": ("236710", "万元")}
    assert reasons == {}
    values, reasons = run(TABLE, 2018)
    assert values["gdp"] == ("48.62", "亿元")
    assert values["rural_population"] == ("24.92", "万人")
    assert reasons == {}


def test_source_span_runs_from_the_label_to_the_years_figure():
    written, _ = extract.extract_text(TABLE, 2020)
    gdp = next(f for f in written if f.key == "gdp")
    assert TABLE[gdp.start:gdp.end] == "二、地区生产总值 亿元 45.10 48.62 52.37 54.90"
    assert gdp.note == "二、地区生产总值 亿元 45.10 48.62 52.37 54.90"


def test_unit_from_the_tables_unit_line_when_the_header_has_no_unit_column():
    text = ("地区生产总值及三次产业\n单位：亿元\n项目 2019年 2020年 2021年\n"
            "地区生产总值 38.2 40.1 43.7\n第一产业 10.2 11.0 12.4\n")
    values, reasons = run(text, 2021)
    assert values == {"gdp": ("43.7", "亿元"), "va_primary": ("12.4", "亿元")}
    assert reasons == {}


def test_row_without_a_unit_under_a_unit_column_goes_to_review_with_the_years_figure():
    text = "项目 单位 2019年 2020年 2021年\n人均地区生产总值 14210 15030 16480\n"
    values, reasons = run(text, 2021)
    assert values == {}
    assert reasons == {"gdp_per_capita": [("16480", "no unit stated for the figure")]}


def test_a_dash_or_a_negative_figure_in_the_years_column_is_no_value():
    text = "项目 单位 2019年 2020年 2021年\n地区生产总值 亿元 38.2 40.1 —\n" \
           "年末户籍人口 万人 21.3 21.1 -\n"
    assert run(text, 2021) == ({}, {})


def test_prose_after_the_table_is_read_and_agrees():
    text = TABLE + "\n全县实现地区生产总值54.9亿元，比上年增长3.5%。\n"
    values, reasons = run(text, 2020)
    assert values["gdp"] == ("54.90", "亿元")  # the more precise of two agreeing figures
    assert reasons == {}


def test_a_note_line_ends_the_table_and_is_read_as_prose():
    text = TABLE + "注：2019年地区生产总值按经济普查结果修订为52.4亿元。\n"
    values, reasons = run(text, 2020)
    assert values["gdp"] == ("54.90", "亿元")
    assert reasons["gdp"] == [("52.4", "a figure of another year (2019)")]


# --- traps: layouts that cannot be read with certainty go to review --------------------------


def test_table_without_the_bulletin_year_goes_to_review_with_the_latest_earlier_year():
    values, reasons = run(TABLE, 2021)
    assert values == {}
    reason = "a figure of another year (2020); the table's year columns (2017–2020) " \
             "do not include 2021"
    assert reasons["gdp"] == [("54.90", reason)]
    assert reasons["population"] == [("31.61", reason)]


def test_ragged_row_goes_to_review():
    text = "项目 单位 2017年 2018年 2019年 2020年\n地区生产总值 亿元 45.10 48.62 54.90\n" \
           "年末户籍人口 万人 31.02 31.25 31.40 31.61\n"
    values, reasons = run(text, 2020)
    assert values == {"population": ("31.61", "万人")}
    assert reasons == {"gdp": [("54.90", "table columns not identified (a row of 3 figures "
                                         "under 4 year columns 2017–2020)")]}


def test_years_that_do_not_increase_go_to_review():
    text = "项目 单位 2020年 2019年\n地区生产总值 亿元 54.90 52.37\n"
    values, reasons = run(text, 2020)
    assert values == {}
    assert reasons == {"gdp": [("54.90", "table columns not identified (the header's years "
                                         "2020, 2019 do not increase)")]}


def test_single_spaces_that_could_split_a_number_go_to_review():
    text = "项目 单位 2019年 2020年\n年末户籍人口 人 325 106\n"  # 325 106 or 325,106?
    values, reasons = run(text, 2020)
    assert values == {}
    assert reasons == {"population": [("106", "table columns not identified (single spaces "
                                                "between figures could split a number: "
                                                "325 106)")]}


def test_a_table_of_another_period_goes_to_review():
    text = "1-9月主要指标\n项目 单位 2019年 2020年\n地区生产总值 亿元 30.2 31.8\n"
    values, reasons = run(text, 2020)
    assert values == {}
    assert reasons == {"gdp": [("31.8", "a figure for part of the year (1-9月)")]}


def test_rates_and_other_indicators_of_the_table_are_not_levels():
    values, _ = run(TABLE, 2020)
    assert set(values) == {"population", "rural_population", "gdp", "gdp_per_capita",
                           "agri_output"}  # not 城镇人口, 增速 or 社会消费品零售总额


# --- wordings read with this change ------------------------------------------------------------


@pytest.mark.parametrize("text,key,raw,unit", [
    ("年末农村人口24.81万人。", "rural_population", "24.81", "万人"),
    ("农林牧渔业及其农林牧渔服务业总产值12.6亿元。", "agri_output", "12.6", "亿元"),
    ("农林牧渔及服务业总产值12.6亿元。", "agri_output", "12.6", "亿元"),
])
def test_wordings(text, key, raw, unit):
    assert run(text, 2020) == ({key: (raw, unit)}, {})


@pytest.mark.parametrize("text", [
    "农村人口占总人口的比重为78.5%。",
    "全年减少农村贫困人口0.82万人。",
    "解决农村人口饮水安全问题1.2万人。",
    "农林牧渔服务业总产值0.42亿元，农村人口比上年减少0.3万人。",
])
def test_rural_wordings_that_are_no_rural_population(text):
    values, _ = run(text, 2020)
    assert "rural_population" not in values and "agri_output" not in values


def test_ideographic_spaces_separate_cells_too():
    text = "项目\u3000单位\u30002019年\u30002020年\n地区生产总值\u3000亿元\u300052.37\u300054.90\n"
    assert run(text, 2020) == ({"gdp": ("54.90", "亿元")}, {})


def test_a_row_stating_two_different_units_goes_to_review():
    text = "项目 单位 2019年 2020年\n地区生产总值（万元） 亿元 52.37 54.90\n"
    values, reasons = run(text, 2020)
    assert values == {}
    assert reasons == {"gdp": [("54.90", "units disagree (万元, 亿元)")]}


def test_html_paragraphs_with_single_spaces_and_spans_in_the_html():
    page = ("<html><body><p>项目 单位 2019年 2020年</p><p>地区生产总值 亿元 52.37 54.90</p>"
            "<p>年末户籍人口&nbsp;万人 21.3 21.6</p></body></html>")
    written, review = extract.extract_text(page, 2020, html_input=True)
    assert {f.key: f.raw for f in written} == {"gdp": "54.90", "population": "21.6"}
    assert review == []
    population = next(f for f in written if f.key == "population")
    assert page[population.start:population.end] == "年末户籍人口&nbsp;万人 21.3 21.6"
