"""Canonical indicators, their bulletin wordings (aliases) and accepted units.

This table is the single source of truth for what ingestion accepts (the raw format: README
"Using real bulletins"). To accept a new wording or unit seen in real bulletins, add it here;
every alias is tested.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable

MONEY_UNITS = {"元": 1.0, "万元": 1e4, "亿元": 1e8}
PERSON_UNITS = {"人": 1.0, "万人": 1e4}
POWER_UNITS = {"千瓦": 1.0, "万千瓦": 1e4}
#: Per-person money: a bare 万元 is not accepted (a total written in the per-capita row would
#: pass as a per-capita figure); 万元/人 says per person, as database exports state it.
PER_PERSON_MONEY_UNITS = {"元": 1.0, "元/人": 1.0, "万元/人": 1e4}
#: A dimensionless index (terrain relief): no conversion.
INDEX_UNITS = {"index": 1.0}


@dataclass(frozen=True)
class Indicator:
    """One canonical indicator: its canonical unit, accepted units and bulletin aliases."""

    name: str
    canonical_unit: str
    units: dict[str, float]
    aliases: tuple[str, ...]
    required: bool = True
    strictly_positive: bool = False


INDICATORS: dict[str, Indicator] = {
    ind.name: ind
    for ind in (
        Indicator("gdp", "yuan", MONEY_UNITS, ("地区生产总值", "生产总值", "GDP", "国内生产总值"),
                  strictly_positive=True),
        Indicator("va_primary", "yuan", MONEY_UNITS, ("第一产业增加值",)),
        Indicator("va_secondary", "yuan", MONEY_UNITS, ("第二产业增加值",)),
        Indicator("va_tertiary", "yuan", MONEY_UNITS, ("第三产业增加值",)),
        Indicator("gdp_per_capita", "yuan", PER_PERSON_MONEY_UNITS,
                  ("人均地区生产总值", "人均生产总值", "人均GDP"), strictly_positive=True),
        Indicator("population", "persons", PERSON_UNITS,
                  ("年末总人口", "年末户籍人口", "户籍总人口", "总人口"), strictly_positive=True),
        Indicator("rural_population", "persons", PERSON_UNITS, ("乡村人口", "农业人口"),
                  strictly_positive=True),
        Indicator("agri_machinery_power", "kW", POWER_UNITS, ("农业机械总动力",)),
        Indicator("agri_services_output", "yuan", MONEY_UNITS,
                  ("农林牧渔服务业产值", "农林牧渔服务业总产值", "农林牧渔专业及辅助性活动产值")),
        Indicator("agri_output", "yuan", MONEY_UNITS, ("农林牧渔业总产值",), required=False),
        # Optional extra covariates (not in the paper's models): rural residents' per-capita
        # disposable income (the NBS series since 2013; the older 农民人均纯收入, net income, is a
        # different concept and not an alias) and the terrain relief index of a county
        # (a cross-section: an import dates it to one year, see countysurv.panel_import).
        Indicator("rural_income", "yuan", PER_PERSON_MONEY_UNITS,
                  ("农村居民人均可支配收入", "农村常住居民人均可支配收入", "农民人均可支配收入"),
                  required=False, strictly_positive=True),
        Indicator("terrain_relief", "index", INDEX_UNITS, ("地形起伏度", "地势起伏度"),
                  required=False),
    )
}

#: Canonical indicator names in panel column order.
CANONICAL = tuple(INDICATORS)



def indicators_in_use(with_values: Iterable[str]) -> list[str]:
    """Canonical indicators in panel order: every required one, and an optional one only when
    it is among ``with_values`` (the indicators holding at least one value), so that a study
    without rural income or terrain relief is not shown as missing them everywhere."""
    present = set(with_values)
    return [name for name, ind in INDICATORS.items() if ind.required or name in present]


_SPACE = re.compile(r"\s+")

#: Traditional → Simplified, one character for one (so text spans stay exact): the characters
#: of the aliases and units above (bulletins of some counties, and text copied through a
#: Traditional-Chinese system, write 地區生產總值, 農業機械總動力, 鄉村人口, 萬元) and the words
#: the text extractor reads around them (filler, growth, period and year markers; mirror sites
#: serve whole bulletins in Traditional characters, see countysurv/textlayers.py). Ingestion
#: applies it to indicator names and units only, never to values.
TRADITIONAL = str.maketrans(
    "區產總業農機動漁務戶鄉國內億萬較長實現達為與減結構專輔純價計預單額數縣資貸從養規"
    "個點畝噸場據間約對應於這幣統報經濟會發劃標稅潤營電項費銷貨運輸郵財衛災險鎮並兩當"
    "時週歲餘佔貢獻準處後過陸續邊綫線鄰體質舉辦關門開稱權證類齡醫療設爭員園變絕來礎",
    "区产总业农机动渔务户乡国内亿万较长实现达为与减结构专辅纯价计预单额数县资贷从养规"
    "个点亩吨场据间约对应于这币统报经济会发划标税润营电项费销货运输邮财卫灾险镇并两当"
    "时周岁余占贡献准处后过陆续边线线邻体质举办关门开称权证类龄医疗设争员园变绝来础",
)


def normalize_text(text: str) -> str:
    """NFKC-normalise (full-width → ASCII), drop all whitespace and zero-width characters."""
    text = unicodedata.normalize("NFKC", text).replace("\u200b", "").replace("\ufeff", "")
    return _SPACE.sub("", text)


def _fold(text: str) -> str:
    """A wording or unit made comparable: :func:`normalize_text`, Traditional → Simplified."""
    return normalize_text(text).translate(TRADITIONAL)


def _build_alias_map() -> dict[str, str]:
    mapping: dict[str, str] = {}
    for ind in INDICATORS.values():
        for key in (ind.name, *ind.aliases):
            norm = _fold(key).casefold()
            if mapping.get(norm, ind.name) != ind.name:
                raise RuntimeError(f"alias {key!r} maps to two indicators")
            mapping[norm] = ind.name
    return mapping


_ALIASES = _build_alias_map()
#: 其中： ("of which", a bulletin's sub-item of the line above: 其中：乡村人口 is the county's
#: rural population) and 全县/全市/全区/全旗 ("the whole county") before a wording.
_WORDING_PREFIX = re.compile(r"^(其中:?|全(县|市|区|旗))")


def canonical_indicator(text: str) -> str | None:
    """Map a bulletin wording (or a canonical name) to the canonical indicator, else ``None``.

    Matching ignores whitespace, full-width/half-width differences, ASCII case, Traditional
    characters (地區生產總值), a trailing parenthesised unit or abbreviation such as
    ``地区生产总值（万元）`` or ``地区生产总值(GDP)``, and a leading ``其中：`` or ``全县``
    (``其中：乡村人口``, ``全县户籍总人口``).
    """
    norm = _fold(text)
    norm = re.sub(r"\([^()]*\)$", "", norm)
    norm = _WORDING_PREFIX.sub("", norm)
    return _ALIASES.get(norm.casefold())


def unit_factor(indicator: str, unit: str) -> float | None:
    """Factor converting ``unit`` to the indicator's canonical unit, or ``None`` if not accepted."""
    return INDICATORS[indicator].units.get(_fold(unit))


#: Every unit some indicator accepts: what may follow the number in a value cell (24.44亿元).
_ALL_UNITS = frozenset(u for ind in INDICATORS.values() for u in ind.units)
_NUMBER = re.compile(r"^[+]?(\d+|\d{1,3}(,\d{3})+)(\.\d+)?$")
_NEGATIVE = re.compile(r"^-(\d+|\d{1,3}(,\d{3})+)(\.\d+)?$")
#: A plain ASCII decimal (``\d`` would also match other scripts' digits, which float() reads).
_PLAIN = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_SCIENTIFIC = re.compile(r"^[+-]?\d+(\.\d+)?[eE][+-]?\d+$")
#: A trailing footnote mark, matched on the cell as written, before NFKC would turn ``①`` or
#: ``¹`` into a digit (37.2① → 37.21): [2], ［2］, circled and parenthesised numbers, superscript
#: digits, asterisks, 注/注1, (注1)/(1).
_FOOTNOTE = re.compile(
    r"(\[\s*[0-9０-９]{1,2}\s*\]|［\s*[0-9０-９]{1,2}\s*］|[\u2460-\u24ff\u2776-\u2793\u3251-\u325f"
    r"\u32b1-\u32bf]|[\u00b9\u00b2\u00b3\u2070-\u2079]|[*＊]|注\s*[0-9０-９]{0,2}"
    r"|[(（]\s*注?\s*[0-9０-９]{1,2}\s*[)）])$")
#: Cells that say "no figure": dashes, dots, ellipses, slashes, and words.
_MISSING_MARK = re.compile(r"^[-‐‑‒–—―─−~～…⋯/\\.·。]+$")
_MISSING_WORDS = frozenset({"na", "n/a", "nan", "null", "none", "x", "*", "无", "空", "暂无", "缺",
                            "不详", "未公布"})
#: A rate, not a level: a percent or per-mille sign, or the words bulletins print before one.
_RATE = re.compile(r"[%‰]|^(比上年|同比|增长|增加|下降|减少|提高|回落|上升)")
#: A spreadsheet's error value (#N/A, #VALUE!, #DIV/0!, #REF!, #NAME?, #NUM!, #NULL!).
_SHEET_ERROR = re.compile(r"^#(N/A|VALUE!|DIV/0!|REF!|NAME\?|NUM!|NULL!)$", re.IGNORECASE)
#: Spaces between digit groups of three (1 234 567, a French-style export) are separators.
_SPACE_GROUP = re.compile(r"(?<=\d)[ \u00a0\u2009\u202f](?=\d{3}(?!\d))")


def strip_footnotes(text: str) -> str:
    """The cell without trailing footnote marks (``153.1[2]`` → ``153.1``, ``37.2①`` → ``37.2``).

    A cell that is nothing but a mark (``*``) is returned unchanged: that is a missing-value
    marker, not a number with a note.
    """
    text = text.strip()
    while True:
        m = _FOOTNOTE.search(text)
        if not m or not text[: m.start()].strip():
            return text
        text = text[: m.start()].rstrip()


def printed_decimals(text: str) -> int:
    """Digits after the decimal point of a value as printed (``12.50亿元`` → 2, ``1,234`` → 0).

    Full-width digits and point count (``１２．５`` → 1); trailing footnote marks do not.
    """
    if "." not in text and "．" not in text:
        return 0
    m = re.search(r"\.([0-9]+)", unicodedata.normalize("NFKC", strip_footnotes(text)))
    return len(m.group(1)) if m else 0


def half_unit(raw_value: str, factor: float) -> float:
    """Half a unit of the last printed digit of ``raw_value``, in the canonical unit.

    A figure printed as ``12.35`` 亿元 (factor 1e8) stands for any level within ±0.005 亿元 =
    ±500,000 yuan of it: the rounding a bulletin applied.
    """
    return 0.5 * 10.0 ** -printed_decimals(raw_value) * factor


def agreement_tolerance(a: float, b: float, half_a: float, half_b: float,
                        relative: float = 1e-9) -> float:
    """The largest difference at which two printed figures ``a`` and ``b`` of one level agree.

    ``max(half_a, half_b) + relative × max(|a|, |b|)``, all in the canonical unit, where
    ``half_a`` and ``half_b`` are half a unit of each figure's last printed digit
    (:func:`half_unit`). The units' factors are powers of ten, so the decimal grids of two
    printed figures nest and two roundings of one level differ by at most half a unit of the
    coarser one: ``24.4`` 亿元 and ``24.45`` 亿元 agree (0.05 亿元 apart, the coarser half unit),
    ``24.44`` and ``24.46`` 亿元 do not. ``relative`` absorbs floating-point noise (the default)
    or is a deliberate slack (config ``sources.tolerance.relative``).
    """
    return max(half_a, half_b) + relative * max(abs(a), abs(b))


def agree_to_printed_precision(a: float, b: float, half_a: float, half_b: float,
                               relative: float = 1e-9) -> bool:
    """Whether two printed figures of one level agree: ``|a − b| <=``
    :func:`agreement_tolerance`. The one rule of ingestion's duplicate rows
    (countysurv/bulletins.py), the text extractor's repeated figures (countysurv/extract.py)
    and two sources' values of one cell (countysurv/sources.py)."""
    return abs(a - b) <= agreement_tolerance(a, b, half_a, half_b, relative)


def parse_value(text: str) -> tuple[float | None, str, str | None]:
    """Parse a value cell; return ``(value, unit in the cell, None)`` or ``(None, "", reason)``.

    On top of :func:`parse_number`'s rules: trailing footnote marks are dropped, and a unit
    written after the number (``24.44亿元``, ``24.44 億元``) is returned, normalized, for the
    caller to reconcile with the unit column (``""`` when the cell has none).
    """
    plain = text.strip()
    if _PLAIN.fullmatch(plain):  # the common case, without the checks below
        return float(plain), "", None
    cell = strip_footnotes(text)
    norm = unicodedata.normalize("NFKC", cell).replace("\u2212", "-").strip()
    norm = _SPACE_GROUP.sub("", norm)
    if re.search(r"\d\s+\d", norm):
        return None, "", f"not a number {text.strip()!r} (spaces inside the number)"
    norm = normalize_text(norm).replace("，", ",")
    if norm == "":
        return None, "", "empty value"
    if _MISSING_MARK.match(norm) or norm.casefold() in _MISSING_WORDS:
        return None, "", f"missing-value marker {text.strip()!r}"
    if _SHEET_ERROR.match(norm):
        return None, "", f"spreadsheet error value {text.strip()!r}"
    if _RATE.search(norm):
        return None, "", f"a percentage or growth rate {text.strip()!r}, not a level"
    if norm.casefold().lstrip("+-") in {"inf", "infinity", "∞"}:
        return None, "", f"infinite value {text.strip()!r}"
    if norm[0] in "=@" or (norm[0] in "+-" and len(norm) > 1 and not norm[1].isdigit()):
        return None, "", f"formula-like cell {text.strip()!r}"
    unit = ""
    m = re.fullmatch(r"(.*?\d)(\D+)", norm)
    if m and m.group(2).translate(TRADITIONAL) in _ALL_UNITS:
        norm, unit = m.group(1), m.group(2).translate(TRADITIONAL)
    if _SCIENTIFIC.match(norm):
        return None, "", (f"not a number {text.strip()!r} (scientific notation: a spreadsheet "
                          "may have rounded the digits; re-export the cell as a plain number)")
    if _NUMBER.match(norm) or _NEGATIVE.match(norm):
        return float(norm.replace(",", "")), unit, None
    return None, "", f"not a number {text.strip()!r}"


def parse_number(text: str) -> tuple[float | None, str | None]:
    """Parse a bulletin number; return ``(value, None)`` or ``(None, reason)``.

    Accepts full-width digits and punctuation (``１２３．４``), thousands separators in groups of
    three (``1,234.5``; also the full-width comma ``，`` and spaces: ``1 234.5``), the minus sign
    ``−``, surrounding whitespace and trailing footnote marks (``153.1[2]``, ``37.2①``,
    ``12.5*``, ``8.9注``). Rejects empty and NaN-like cells (``NA``, ``-``, ``—``, ``…``, ``/``,
    ``无``), spreadsheet error values, percentages and growth rates (``11.5%``, ``增长8.2%``),
    infinities, scientific notation, formula-like cells, a unit after the number (use
    :func:`parse_value` for value cells) and anything else that is not a plain decimal number.
    Negative numbers parse (the indicator's own rule rejects them with a specific reason).
    """
    value, unit, problem = parse_value(text)
    if unit:
        return None, f"not a number {text.strip()!r} (a unit after the number)"
    return value, problem
