"""Canonical indicators, their bulletin wordings (aliases) and accepted units.

This table is the single source of truth for what ingestion accepts (DESIGN section 3.1). To
accept a new wording or unit seen in real bulletins, add it here; every alias is tested.
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
                  ("农林牧渔服务业产值", "农林牧渔专业及辅助性活动产值")),
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


def normalize_text(text: str) -> str:
    """NFKC-normalise (full-width → ASCII), drop all whitespace and zero-width characters."""
    text = unicodedata.normalize("NFKC", text).replace("\u200b", "").replace("\ufeff", "")
    return _SPACE.sub("", text)


def _build_alias_map() -> dict[str, str]:
    mapping: dict[str, str] = {}
    for ind in INDICATORS.values():
        for key in (ind.name, *ind.aliases):
            norm = normalize_text(key).casefold()
            if mapping.get(norm, ind.name) != ind.name:
                raise RuntimeError(f"alias {key!r} maps to two indicators")
            mapping[norm] = ind.name
    return mapping


_ALIASES = _build_alias_map()


def canonical_indicator(text: str) -> str | None:
    """Map a bulletin wording (or a canonical name) to the canonical indicator, else ``None``.

    Matching ignores whitespace, full-width/half-width differences and ASCII case, and a
    trailing parenthesised unit such as ``地区生产总值（万元）``.
    """
    norm = normalize_text(text)
    norm = re.sub(r"\([^()]*\)$", "", norm)
    return _ALIASES.get(norm.casefold())


def unit_factor(indicator: str, unit: str) -> float | None:
    """Factor converting ``unit`` to the indicator's canonical unit, or ``None`` if not accepted."""
    return INDICATORS[indicator].units.get(normalize_text(unit))


_NUMBER = re.compile(r"^[+]?(\d+|\d{1,3}(,\d{3})+)(\.\d+)?$")
_NEGATIVE = re.compile(r"^-(\d+|\d{1,3}(,\d{3})+)(\.\d+)?$")


def parse_number(text: str) -> tuple[float | None, str | None]:
    """Parse a bulletin number; return ``(value, None)`` or ``(None, reason)``.

    Accepts full-width digits and punctuation (``１２３．４``), thousands separators in groups of
    three (``1,234.5``; also the full-width comma ``，``) and surrounding whitespace. Rejects empty
    and NaN-like cells (``NA``, ``-``, ``—``, ``…``), infinities, scientific notation, formula-like
    cells and anything else that is not a plain decimal number. Negative numbers parse (the
    indicator's own rule rejects them with a specific reason).
    """
    norm = normalize_text(text).replace("，", ",")
    if norm == "":
        return None, "empty value"
    if norm.casefold() in {"na", "n/a", "nan", "null", "none", "-", "--", "—", "——", "…", "...",
                           "/", "x", "*"}:
        return None, f"missing-value marker {text.strip()!r}"
    if norm.casefold().lstrip("+-") in {"inf", "infinity", "∞"}:
        return None, f"infinite value {text.strip()!r}"
    if norm[0] in "=@" or (norm[0] in "+-" and len(norm) > 1 and not norm[1].isdigit()):
        return None, f"formula-like cell {text.strip()!r}"
    if _NUMBER.match(norm) or _NEGATIVE.match(norm):
        return float(norm.replace(",", "")), None
    return None, f"not a number {text.strip()!r}"
