"""Deterministic generator of the embedded synthetic default study (``data/``).

**The default data are simulated.** The counties (codes ``99xxxx``, a prefix no Chinese province
uses; names ``模拟县NNN``, "simulated county NNN") do not exist, and every number in their
"bulletins" was drawn by this module from a documented data-generating process (DGP). Nothing
here is, or estimates, a real county's statistics.

Data-generating process
-----------------------
One ``numpy.random.default_rng(seed)`` stream drives everything (default seed 20151129,
76 counties). For each county:

1. **Reference data.** A province drawn with the real 832 poverty counties' provincial shares;
   ``ethnic_area`` ~ Bernoulli(p) with p = 0.85 in the autonomous regions and Qinghai, 0.30 in the
   south-western and central provinces with many autonomous prefectures, 0.03 elsewhere (about
   35 % overall). Exactly ``round(0.3 n)`` counties are agricultural: their primary sector is
   the largest in 2015; ``round(0.6 n)`` counties print per-capita GDP in their bulletins.
2. **Latent panel, 2014–2019, canonical units** (yuan, persons, kW), anchored in 2015:
   registered population log-normal (median 280,000, log-sd 0.5, clipped to 75,000–950,000),
   growth ~N(0.4 %, 0.6 %) a year; rural share U(0.63, 0.84) in 2015, falling 0.5 pp a year;
   per-capita GDP log-normal (median 15,500 yuan, 10 % lower in ethnic and agricultural
   counties, log-sd 0.33, clipped to 9,000–27,000) and nominal GDP growth ~N(8 %, 1.5 %) a
   year; sector shares (primary, secondary, tertiary) uniform on the box 15–40 / 20–45 / 30–50 %
   (with primary the largest by ≥ 1 pp in agricultural counties and not the largest by ≥ 1 pp in
   the others), primary share falling 0.6 pp a year towards tertiary; agricultural machinery
   power = rural population × log-normal(median 0.6, log-sd 0.45) kW per person clipped to
   0.2–1.5 and to 5.6–48 万千瓦, growing ~2 % a year; agri-services output = rural population ×
   N(30, 8) yuan per person (clipped 10–60), growing ~6 % a year; gross agricultural output =
   primary value added / U(0.55, 0.65). Printed per-capita GDP is GDP over the (unpublished)
   resident population, i.e. GDP / registered population × U(1.00, 1.10).
3. **Printed bulletins.** Every value is printed at bulletin precision (亿元 2 decimals,
   万元 0–2 decimals per county, 元/人/千瓦 integers, 万人/万千瓦 2 decimals), with the mess of
   real bulletins (see :data:`INDICATOR_ALIASES` and ``truth.json``): alias indicator names,
   units that change across years within a county, GB18030 and UTF-8-with-BOM files, CRLF line
   endings, thousands separators, full-width digits, a few absent indicator-years outside 2015,
   and exactly two counties that each lack one covariate input in 2015 (the workflow must fall
   back to a neighbouring year).
4. **Covariates** are computed from the *printed, rounded* 2015 values converted to canonical
   units (``float(printed) × unit factor``) with the workflow's definitions
   (:func:`countysurv.indices.yearly_covariates`; README, "Choices the paper left open"):
   ``upgrading_index = s1 + 2 s2 + 3 s3`` (shares of the sum of the three value-added figures),
   ``integration_12`` = kW / rural person, ``integration_13`` = agri-services yuan / rural
   person, ``nation`` = ethnic_area, ``industry`` = 1 if primary value added is strictly the
   largest, ``resource_endowment`` = ln(printed per-capita GDP, else GDP / population). For the
   two counties whose input is absent in 2015 the DGP uses the value that would have been
   printed (the true 2015 value); ``truth_covariates.csv`` flags them.
5. **Exit times.** Cox proportional hazards with Weibull baseline, time in days since the
   policy date 2015-11-29::

       h(t | x) = (k / λ) (t / λ)^(k-1) · exp(x'β − c)
       S(t | x) = exp(−(t / λ)^k · exp(x'β − c))

   with β the paper's Cox column (upgrading_index 0.23, integration_12 1.06, integration_13
   −0.06, nation 1.01, industry −0.92, resource_endowment 0.99), shape k = 2, scale
   λ = :data:`WEIBULL_SCALE` days and centring constant c = :data:`CENTERING` (≈ the population
   mean of x'β, fixed, so a county's time does not depend on the others). Draw
   U ~ Uniform(0, 1), t = λ (−ln U / exp(x'β − c))^(1/k), ``days = max(1, ceil(t))``.
   ``announced_on = 2015-11-29 + days`` when that is on or before 2020-01-01, else empty
   (censored; 1,494 days of follow-up). λ was chosen by trial so that about half of the
   counties are announced.

Outputs of :func:`write_study`: ``bulletins/<code>.csv``, ``counties.csv``, ``truth.json`` and
``truth_covariates.csv``, all byte-reproducible from ``(n_counties, seed)`` on any x86-64
machine: computed floats are written rounded to ``io.SIGNIFICANT_DIGITS`` significant digits,
so the CPU-specific last bits of numpy's exp/log/power do not reach the files.
Some counties' bulletins are also printed as texts, from a stream of their own, by
countysurv/simulate_texts.py (not imported here: the Monte Carlo study uses this module).
"""

from __future__ import annotations

import csv
import io as _stdio
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import io
from .errors import ConfigError
from .terms import MODEL_TERMS

# --------------------------------------------------------------------------------------------
# Constants of the data-generating process
# --------------------------------------------------------------------------------------------

DEFAULT_N_COUNTIES: int = 76
DEFAULT_SEED: int = 20151129
YEARS: tuple[int, ...] = (2014, 2015, 2016, 2017, 2018, 2019)
BASELINE_YEAR: int = 2015
POLICY_DATE: date = date(2015, 11, 29)
CENSOR_DATE: date = date(2020, 1, 1)
MAX_FOLLOW_UP_DAYS: int = (CENSOR_DATE - POLICY_DATE).days  # 1494
CODE_PREFIX: str = "99"

#: The paper's Cox column (Table 1), used as the true log-hazard ratios. Keyed by the terms of
#: :data:`countysurv.terms.MODEL_TERMS` in that order (tests/unit/test_simulate.py checks it):
#: the linear predictor sums in this order and the truth files list the terms in that one.
COEFFICIENTS: dict[str, float] = {
    "upgrading_index": 0.23,
    "integration_12": 1.06,
    "integration_13": -0.06,
    "nation": 1.01,
    "industry": -0.92,
    "resource_endowment": 0.99,
}
WEIBULL_SHAPE: float = 2.0
#: Weibull scale in days, chosen by trial (large-n announced share ≈ 0.5).
WEIBULL_SCALE: float = 1870.0
#: Centring constant c in exp(x'β − c): the population mean of x'β (large-n simulation, rounded).
CENTERING: float = 8.98

#: Canonical indicators in file order.
INDICATORS: tuple[str, ...] = (
    "gdp", "va_primary", "va_secondary", "va_tertiary", "gdp_per_capita", "population",
    "rural_population", "agri_machinery_power", "agri_services_output", "agri_output",
)
#: Chinese wording used in the files, with the probability that a county's file uses it.
INDICATOR_ALIASES: dict[str, dict[str, float]] = {
    "gdp": {"地区生产总值": 0.6, "生产总值": 0.3, "GDP": 0.1},
    "va_primary": {"第一产业增加值": 1.0},
    "va_secondary": {"第二产业增加值": 1.0},
    "va_tertiary": {"第三产业增加值": 1.0},
    "gdp_per_capita": {"人均地区生产总值": 0.6, "人均生产总值": 0.4},
    "population": {"年末总人口": 0.5, "年末户籍人口": 0.3, "户籍总人口": 0.2},
    "rural_population": {"乡村人口": 0.6, "农业人口": 0.4},
    "agri_machinery_power": {"农业机械总动力": 1.0},
    "agri_services_output": {"农林牧渔服务业产值": 0.6, "农林牧渔专业及辅助性活动产值": 0.4},
    "agri_output": {"农林牧渔业总产值": 1.0},
}
#: Unit → factor to the canonical unit (yuan, persons, kW).
UNIT_FACTORS: dict[str, float] = {
    "元": 1.0, "万元": 1e4, "亿元": 1e8, "人": 1.0, "万人": 1e4, "千瓦": 1.0, "万千瓦": 1e4,
}
GDP_FAMILY: tuple[str, ...] = ("gdp", "va_primary", "va_secondary", "va_tertiary")
#: Inputs that may be missing in the baseline year for the two fallback counties.
FALLBACK_CANDIDATES: tuple[str, ...] = (
    "va_primary", "va_secondary", "va_tertiary", "rural_population", "agri_machinery_power",
    "agri_services_output",
)

#: Number of the 832 national poverty counties per province (drawing weights).
PROVINCE_COUNTS: dict[str, int] = {
    "云南省": 88, "西藏自治区": 74, "贵州省": 66, "四川省": 66, "甘肃省": 58, "陕西省": 56,
    "河北省": 45, "青海省": 42, "湖南省": 40, "河南省": 38, "山西省": 36, "广西壮族自治区": 33,
    "新疆维吾尔自治区": 32, "内蒙古自治区": 31, "湖北省": 28, "江西省": 24, "安徽省": 20,
    "黑龙江省": 20, "重庆市": 14, "宁夏回族自治区": 8, "吉林省": 8, "海南省": 5,
}
_ETHNIC_HIGH = {"西藏自治区", "新疆维吾尔自治区", "广西壮族自治区", "宁夏回族自治区", "青海省"}
_ETHNIC_MEDIUM = {"云南省", "贵州省", "四川省", "内蒙古自治区", "甘肃省", "湖南省", "湖北省",
                  "重庆市"}
ETHNIC_PROBABILITY: dict[str, float] = {"high": 0.85, "medium": 0.30, "low": 0.03}

AGRICULTURAL_SHARE: float = 0.30
GDP_PC_REPORTED_SHARE: float = 0.60
#: Mess rates per 76 counties (scaled with n; at least one each when n allows).
_MESS_PER_76: dict[str, int] = {
    "gb18030": 8, "utf-8-sig": 8, "crlf": 4, "separators": 11, "full_width": 8, "missing": 10,
}
N_BASELINE_FALLBACKS: int = 2

FULL_WIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")
CSV_COLUMNS: tuple[str, ...] = (
    "county_code", "county_name", "year", "indicator", "value", "unit", "source", "note",
)
COUNTY_COLUMNS: tuple[str, ...] = (
    "county_code", "county_name", "province", "ethnic_area", "announced_on",
)
_STALE_FILE = re.compile(rf"^{CODE_PREFIX}\d{{4}}\.csv$")


@dataclass
class SimulatedStudy:
    """A simulated study held in memory.

    Attributes
    ----------
    counties : pandas.DataFrame
        One row per county: ``county_code``, ``county_name``, ``province``, ``ethnic_area``,
        ``announced_on`` (ISO date or ``""``).
    rows : pandas.DataFrame
        Every printed bulletin cell: the CSV columns plus ``canonical_value`` (the printed value
        in yuan/persons/kW), ``published`` (False for rows absent from the files),
        ``separator`` and ``full_width`` flags.
    file_format : pandas.DataFrame
        One row per county: ``county_code``, ``encoding`` (Python codec name) and
        ``line_ending`` (``"\\n"`` or ``"\\r\\n"``).
    covariates : pandas.DataFrame
        The DGP's covariates, linear predictor, uniform draw, latent and observed durations.
    truth : dict
        Everything else of the data-generating process (``truth.json``).
    """

    counties: pd.DataFrame
    rows: pd.DataFrame
    file_format: pd.DataFrame
    covariates: pd.DataFrame
    truth: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------

def county_code(i: int) -> str:
    """Return the fake code of the ``i``-th simulated county (1-based): ``99`` + 4 digits."""
    return f"{CODE_PREFIX}{i:04d}"


def county_name(i: int, n: int) -> str:
    """Return the simulated county's name, ``模拟县`` + zero-padded number (≥ 3 digits)."""
    return f"模拟县{i:0{max(3, len(str(n)))}d}"


def mess_count(kind: str, n: int) -> int:
    """Return how many files/cells get mess of ``kind`` in a study of ``n`` counties.

    Scales the rates fixed for 76 counties (:data:`_MESS_PER_76`) proportionally, with at least
    one when ``n`` > 0.
    """
    return max(1, round(_MESS_PER_76[kind] * n / DEFAULT_N_COUNTIES)) if n > 0 else 0


def format_value(x: float, decimals: int) -> str:
    """Print ``x`` with ``decimals`` decimals, as a bulletin would (no separators)."""
    return f"{x:.{decimals}f}"


def add_separators(text: str) -> str:
    """Insert thousands separators into a plain printed number (``1234.5`` → ``1,234.5``)."""
    whole, dot, frac = text.partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return ",".join(groups) + dot + frac


def to_full_width(text: str) -> str:
    """Replace ASCII digits and the decimal point by full-width ones (``12.3`` → ``１２．３``)."""
    return text.translate(FULL_WIDTH)


def _check_arguments(n_counties: int, seed: int) -> None:
    if not 1 <= n_counties <= 9999:
        raise ConfigError(f"n_counties must be between 1 and 9999 (codes are 99 + 4 digits); "
                          f"got {n_counties}")
    if seed < 0:
        raise ConfigError(f"seed must be a non-negative integer; got {seed}")


# --------------------------------------------------------------------------------------------
# 1. Reference data
# --------------------------------------------------------------------------------------------

def _exact_flags(rng: np.random.Generator, n: int, share: float) -> np.ndarray:
    """Boolean array with exactly ``round(share * n)`` True values at random positions."""
    flags = np.zeros(n, dtype=bool)
    flags[rng.choice(n, size=round(share * n), replace=False)] = True
    return flags


def draw_counties(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Draw the reference data of ``n`` simulated counties.

    Parameters
    ----------
    n : int
        Number of counties.
    rng : numpy.random.Generator
        The study's random stream (advanced in place).

    Returns
    -------
    pandas.DataFrame
        ``county_code``, ``county_name``, ``province``, ``ethnic_area`` (0/1), ``agricultural``
        (primary sector largest in 2015) and ``reports_gdp_pc`` (bulletin prints per-capita GDP).
    """
    provinces = np.array(list(PROVINCE_COUNTS))
    weights = np.array(list(PROVINCE_COUNTS.values()), dtype=float)
    province = rng.choice(provinces, size=n, p=weights / weights.sum())
    group = np.where(np.isin(province, list(_ETHNIC_HIGH)), "high",
                     np.where(np.isin(province, list(_ETHNIC_MEDIUM)), "medium", "low"))
    p_ethnic = np.array([ETHNIC_PROBABILITY[g] for g in group])
    ethnic = (rng.uniform(size=n) < p_ethnic).astype(int)
    agricultural = _exact_flags(rng, n, AGRICULTURAL_SHARE)
    reports = _exact_flags(rng, n, GDP_PC_REPORTED_SHARE)
    return pd.DataFrame({
        "county_code": [county_code(i) for i in range(1, n + 1)],
        "county_name": [county_name(i, n) for i in range(1, n + 1)],
        "province": province.astype(str),
        "ethnic_area": ethnic,
        "agricultural": agricultural,
        "reports_gdp_pc": reports,
    })


# --------------------------------------------------------------------------------------------
# 2. Latent (true) panel
# --------------------------------------------------------------------------------------------

def _draw_shares(rng: np.random.Generator, agricultural: np.ndarray) -> np.ndarray:
    """Draw 2015 sector shares (n × 3) by rejection on the admissible box."""
    n = len(agricultural)
    shares = np.empty((n, 3))
    for i in range(n):
        while True:
            if agricultural[i]:
                s1, s3 = rng.uniform(0.33, 0.40), rng.uniform(0.30, 0.40)
            else:
                s1, s3 = rng.uniform(0.15, 0.33), rng.uniform(0.30, 0.50)
            s2 = 1.0 - s1 - s3
            if not 0.20 <= s2 <= 0.45:
                continue
            largest_other = max(s2, s3)
            if agricultural[i] and s1 >= largest_other + 0.01:
                break
            if not agricultural[i] and s1 <= largest_other - 0.01:
                break
        shares[i] = (s1, s2, s3)
    return shares


def _growth_path(rng: np.random.Generator, n: int, mean: float, sd: float, low: float,
                 high: float) -> np.ndarray:
    """Cumulative index (n × len(YEARS)) equal to 1 in the baseline year, yearly growth ~N."""
    rates = np.clip(rng.normal(mean, sd, size=(n, len(YEARS) - 1)), low, high)
    log_index = np.concatenate([np.zeros((n, 1)), np.cumsum(np.log1p(rates), axis=1)], axis=1)
    log_index -= log_index[:, [YEARS.index(BASELINE_YEAR)]]
    return np.exp(log_index)


def draw_true_panel(counties: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Draw every county's true values for 2014–2019 in canonical units.

    Parameters
    ----------
    counties : pandas.DataFrame
        Output of :func:`draw_counties`.
    rng : numpy.random.Generator
        The study's random stream.

    Returns
    -------
    pandas.DataFrame
        Long frame ``county_code``, ``year``, ``indicator``, ``true_value`` (yuan, persons, kW),
        one row per county, year and indicator (per-capita GDP is the figure a bulletin would
        print, on resident population).
    """
    n = len(counties)
    t = np.array(YEARS) - BASELINE_YEAR
    ethnic = counties["ethnic_area"].to_numpy()
    agri = counties["agricultural"].to_numpy()

    pop15 = np.clip(np.exp(rng.normal(np.log(280_000), 0.5, size=n)), 75_000, 950_000)
    pop = pop15[:, None] * _growth_path(rng, n, 0.004, 0.006, -0.01, 0.015)
    rural_share15 = rng.uniform(0.63, 0.84, size=n)
    rural_share = rural_share15[:, None] - 0.005 * t + rng.normal(0, 0.001, size=(n, len(t)))
    rural = pop * rural_share

    log_gdp_pc15 = rng.normal(np.log(15_500) - 0.1 * ethnic - 0.1 * agri, 0.33)
    gdp_pc15 = np.clip(np.exp(log_gdp_pc15), 9_000, 27_000)
    gdp = (gdp_pc15 * pop15)[:, None] * _growth_path(rng, n, 0.08, 0.015, 0.05, 0.11)
    resident_factor = rng.uniform(1.00, 1.10, size=n)
    gdp_pc = gdp / pop * resident_factor[:, None]

    shares15 = _draw_shares(rng, agri)
    s1 = shares15[:, [0]] - 0.006 * t + rng.normal(0, 0.003, size=(n, len(t)))
    s2 = shares15[:, [1]] + rng.normal(0, 0.004, size=(n, len(t)))
    s1[:, YEARS.index(BASELINE_YEAR)] = shares15[:, 0]
    s2[:, YEARS.index(BASELINE_YEAR)] = shares15[:, 1]
    s3 = 1.0 - s1 - s2

    rural15 = rural[:, YEARS.index(BASELINE_YEAR)]
    i12 = np.exp(rng.normal(np.log(0.6), 0.45, size=n))
    i12 = np.clip(i12, np.maximum(0.2, 56_000 / rural15), np.minimum(1.5, 480_000 / rural15))
    power = (i12 * rural15)[:, None] * _growth_path(rng, n, 0.02, 0.015, -0.01, 0.05)
    i13 = np.clip(rng.normal(30.0, 8.0, size=n), 10.0, 60.0)
    services = (i13 * rural15)[:, None] * _growth_path(rng, n, 0.06, 0.03, 0.0, 0.12)
    va_ratio = rng.uniform(0.55, 0.65, size=n)[:, None] + rng.normal(0, 0.005, size=(n, len(t)))
    agri_output = gdp * s1 / va_ratio

    values = {
        "gdp": gdp, "va_primary": gdp * s1, "va_secondary": gdp * s2, "va_tertiary": gdp * s3,
        "gdp_per_capita": gdp_pc, "population": pop, "rural_population": rural,
        "agri_machinery_power": power, "agri_services_output": services,
        "agri_output": agri_output,
    }
    codes = counties["county_code"].to_numpy()
    frames = [
        pd.DataFrame({
            "county_code": np.repeat(codes, len(YEARS)),
            "year": np.tile(YEARS, n),
            "indicator": name,
            "true_value": values[name].reshape(-1),
        })
        for name in INDICATORS
    ]
    panel = pd.concat(frames, ignore_index=True)
    order = {name: k for k, name in enumerate(INDICATORS)}
    panel["_order"] = panel["indicator"].map(order)
    return (panel.sort_values(["county_code", "year", "_order"], kind="stable")
            .drop(columns="_order").reset_index(drop=True))


# --------------------------------------------------------------------------------------------
# 3. Printing styles and the mess
# --------------------------------------------------------------------------------------------

def _pick(rng: np.random.Generator, options: dict[str, float]) -> str:
    names = list(options)
    cum = np.cumsum(list(options.values()))
    k = int(np.searchsorted(cum / cum[-1], rng.uniform(), side="right"))
    return names[min(k, len(names) - 1)]


def _unit_path(rng: np.random.Generator, base: dict[str, float], switch: tuple[str, str] | None
               ) -> tuple[list[str], int | None]:
    """Units by year: ``switch=(old, new)`` changes unit at a random year ≥ 2015."""
    if switch is None:
        return [_pick(rng, base)] * len(YEARS), None
    old, new = switch
    first_new = int(rng.choice(YEARS[1:]))
    return [old if y < first_new else new for y in YEARS], first_new


def draw_styles(counties: pd.DataFrame, rng: np.random.Generator) -> dict[str, dict[str, Any]]:
    """Draw each county's printing style: aliases, units by year, decimals, notes.

    Parameters
    ----------
    counties : pandas.DataFrame
        Output of :func:`draw_counties`.
    rng : numpy.random.Generator
        The study's random stream.

    Returns
    -------
    dict
        ``{county_code: {"alias": {indicator: str}, "units": {indicator: [unit by year]},
        "switch_year": {indicator: year}, "wan_decimals": int, "preliminary_2019": bool}}``.
    """
    styles: dict[str, dict[str, Any]] = {}
    for code in counties["county_code"]:
        alias = {ind: _pick(rng, INDICATOR_ALIASES[ind]) for ind in INDICATORS}
        roll = rng.uniform(size=3)
        money_switch = (("万元", "亿元") if rng.uniform() < 0.8 else ("亿元", "万元")) \
            if roll[0] < 0.18 else None
        gdp_units, gdp_switch = _unit_path(rng, {"亿元": 0.6, "万元": 0.4}, money_switch)
        pop_switch = ("人", "万人") if roll[1] < 0.06 else None
        pop_units, pop_switch_year = _unit_path(rng, {"万人": 0.6, "人": 0.4}, pop_switch)
        power_switch = ("千瓦", "万千瓦") if roll[2] < 0.06 else None
        power_units, power_switch_year = _unit_path(rng, {"万千瓦": 0.7, "千瓦": 0.3},
                                                    power_switch)
        services_unit = _pick(rng, {"万元": 0.85, "元": 0.15})
        agri_output_unit = _pick(rng, {"亿元": 0.5, "万元": 0.5})
        units = {ind: gdp_units for ind in GDP_FAMILY}
        units.update({
            "gdp_per_capita": ["元"] * len(YEARS),
            "population": pop_units, "rural_population": pop_units,
            "agri_machinery_power": power_units,
            "agri_services_output": [services_unit] * len(YEARS),
            "agri_output": [agri_output_unit] * len(YEARS),
        })
        switch_year = {}
        for inds, year in ((GDP_FAMILY, gdp_switch),
                           (("population", "rural_population"), pop_switch_year),
                           (("agri_machinery_power",), power_switch_year)):
            if year is not None:
                switch_year.update({ind: year for ind in inds})
        styles[code] = {
            "alias": alias, "units": units, "switch_year": switch_year,
            "wan_decimals": int(rng.choice([0, 1, 2])),
            "preliminary_2019": bool(rng.uniform() < 0.3),
        }
    return styles


def _decimals(unit: str, wan_decimals: int) -> int:
    return {"亿元": 2, "万元": wan_decimals, "万人": 2, "万千瓦": 2}.get(unit, 0)


def render_rows(counties: pd.DataFrame, panel: pd.DataFrame, styles: dict[str, dict[str, Any]]
                ) -> pd.DataFrame:
    """Print every true value as its county's bulletin would (before any mess is injected).

    Parameters
    ----------
    counties : pandas.DataFrame
        Output of :func:`draw_counties`.
    panel : pandas.DataFrame
        Output of :func:`draw_true_panel`.
    styles : dict
        Output of :func:`draw_styles`.

    Returns
    -------
    pandas.DataFrame
        The CSV columns plus ``true_value``, ``plain_value`` (printed number without mess) and
        ``canonical_value`` = ``float(plain_value) × unit factor``. Counties that do not print
        per-capita GDP have no such rows.
    """
    names = dict(zip(counties["county_code"], counties["county_name"]))
    reports = dict(zip(counties["county_code"], counties["reports_gdp_pc"]))
    records = []
    for code, year, ind, true_value in panel.itertuples(index=False, name=None):
        if ind == "gdp_per_capita" and not reports[code]:
            continue
        style = styles[code]
        unit = style["units"][ind][YEARS.index(year)]
        decimals = _decimals(unit, style["wan_decimals"])
        plain = format_value(true_value / UNIT_FACTORS[unit], decimals)
        note = ""
        if style["switch_year"].get(ind) == year:
            old = style["units"][ind][YEARS.index(year) - 1]
            note = f"计量单位由{old}调整为{unit}"
        elif ind == "gdp" and year == YEARS[-1] and style["preliminary_2019"]:
            note = "初步核算数"
        records.append({
            "county_code": code, "county_name": names[code], "year": int(year),
            "indicator": style["alias"][ind], "value": plain, "unit": unit,
            "source": f"{names[code]} {year}年国民经济和社会发展统计公报（模拟数据）",
            "note": note, "canonical_indicator": ind, "true_value": float(true_value),
            "plain_value": plain, "canonical_value": float(plain) * UNIT_FACTORS[unit],
        })
    return pd.DataFrame.from_records(records)


def inject_mess(rows: pd.DataFrame, counties: pd.DataFrame, rng: np.random.Generator
                ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Inject the file- and cell-level mess of real bulletins (point 3 of the module docstring).

    Parameters
    ----------
    rows : pandas.DataFrame
        Output of :func:`render_rows`.
    counties : pandas.DataFrame
        Output of :func:`draw_counties`.
    rng : numpy.random.Generator
        The study's random stream.

    Returns
    -------
    rows : pandas.DataFrame
        ``rows`` with ``value`` rewritten where mess was injected and the columns ``published``
        (False: row absent from the file), ``baseline_fallback`` (the absent 2015 row of a
        fallback county), ``separator`` and ``full_width``.
    file_format : pandas.DataFrame
        ``county_code``, ``encoding`` (``utf-8``, ``utf-8-sig`` or ``gb18030``), ``line_ending``.
    """
    rows = rows.copy()
    n = len(counties)
    codes = counties["county_code"].to_numpy()

    # File encodings and line endings.
    order = rng.permutation(n)
    n_gb, n_bom = mess_count("gb18030", n), mess_count("utf-8-sig", n)
    n_gb, n_bom = min(n_gb, n), min(n_bom, max(0, n - n_gb))
    encoding = np.full(n, "utf-8", dtype=object)
    encoding[order[:n_gb]] = "gb18030"
    encoding[order[n_gb:n_gb + n_bom]] = "utf-8-sig"
    crlf = rng.choice(n, size=min(n, mess_count("crlf", n)), replace=False)
    line_ending = np.full(n, "\n", dtype=object)
    line_ending[crlf] = "\r\n"
    file_format = pd.DataFrame({"county_code": codes, "encoding": encoding,
                                "line_ending": line_ending})

    # Exactly two counties lack one covariate input in the baseline year.
    rows["published"] = True
    rows["baseline_fallback"] = False
    n_fallback = min(N_BASELINE_FALLBACKS, n)
    fb_codes = codes[np.sort(rng.choice(n, size=n_fallback, replace=False))]
    fb_inds = rng.choice(FALLBACK_CANDIDATES, size=n_fallback, replace=False)
    protected = np.zeros(len(rows), dtype=bool)
    for code, ind in zip(fb_codes, fb_inds):
        same = (rows["county_code"] == code) & (rows["canonical_indicator"] == ind)
        rows.loc[same & (rows["year"] == BASELINE_YEAR), ["published", "baseline_fallback"]] = (
            False, True)
        protected |= (same & rows["year"].isin([BASELINE_YEAR - 1, BASELINE_YEAR + 1])).to_numpy()

    # A few absent indicator-years outside the baseline year.
    candidates = np.flatnonzero((rows["year"] != BASELINE_YEAR).to_numpy() & ~protected)
    missing = rng.choice(candidates, size=min(len(candidates), mess_count("missing", n)),
                         replace=False)
    rows.loc[rows.index[missing], "published"] = False

    # Thousands separators: every printed number ≥ 1000 in the chosen counties' files.
    sep_codes = codes[rng.choice(n, size=min(n, mess_count("separators", n)), replace=False)]
    whole = rows["plain_value"].str.split(".").str[0]
    rows["separator"] = (rows["county_code"].isin(sep_codes) & (whole.str.len() > 3)
                         & rows["published"])
    rows.loc[rows["separator"], "value"] = rows.loc[rows["separator"], "plain_value"].map(
        add_separators)

    # Full-width digits: one to three cells in each chosen county's file.
    full_width = np.zeros(len(rows), dtype=bool)
    fw_codes = codes[np.sort(rng.choice(n, size=min(n, mess_count("full_width", n)),
                                        replace=False))]
    eligible = (rows["published"] & ~rows["separator"]).to_numpy()
    positions = rows.groupby("county_code", sort=False).indices
    for code in fw_codes:
        cells = positions[code][eligible[positions[code]]]
        chosen = rng.choice(cells, size=min(len(cells), int(rng.integers(1, 4))), replace=False)
        full_width[chosen] = True
    rows["full_width"] = full_width
    fw = rows["full_width"]
    rows.loc[fw, "value"] = rows.loc[fw, "plain_value"].map(to_full_width)
    return rows, file_format


# --------------------------------------------------------------------------------------------
# 4. Covariates and 5. exit times
# --------------------------------------------------------------------------------------------

def compute_covariates(rows: pd.DataFrame, counties: pd.DataFrame,
                       baseline_year: int = BASELINE_YEAR) -> pd.DataFrame:
    """Compute the six covariates from the printed baseline-year values (point 4 of the module
    docstring).

    Uses ``canonical_value`` of every rendered row of ``baseline_year``, *including* rows left
    out of the files (the DGP knows the value a bulletin would have printed).

    Parameters
    ----------
    rows : pandas.DataFrame
        Rendered rows (:func:`render_rows` or :func:`inject_mess` output).
    counties : pandas.DataFrame
        ``county_code`` and ``ethnic_area``.
    baseline_year : int
        Year the covariates are taken from.

    Returns
    -------
    pandas.DataFrame
        ``county_code`` and the terms of :data:`COEFFICIENTS`, in county order.
    """
    base = rows[rows["year"] == baseline_year]
    wide = base.pivot(index="county_code", columns="canonical_indicator",
                      values="canonical_value").reindex(counties["county_code"])
    va = wide[["va_primary", "va_secondary", "va_tertiary"]].to_numpy()
    shares = va / va.sum(axis=1, keepdims=True)
    gdp_pc = wide["gdp_per_capita"] if "gdp_per_capita" in wide else pd.Series(np.nan,
                                                                                  wide.index)
    gdp_pc = gdp_pc.where(gdp_pc.notna(), wide["gdp"] / wide["population"])
    out = pd.DataFrame({
        "county_code": counties["county_code"].to_numpy(),
        "upgrading_index": shares @ np.array([1.0, 2.0, 3.0]),
        "integration_12": (wide["agri_machinery_power"] / wide["rural_population"]).to_numpy(),
        "integration_13": (wide["agri_services_output"] / wide["rural_population"]).to_numpy(),
        "nation": counties["ethnic_area"].to_numpy().astype(int),
        "industry": ((va[:, 0] > va[:, 1]) & (va[:, 0] > va[:, 2])).astype(int),
        "resource_endowment": np.log(gdp_pc.to_numpy()),
    })
    return out


def draw_exit_times(covariates: pd.DataFrame, rng: np.random.Generator,
                    coefficients: dict[str, float] | None = None,
                    shape: float = WEIBULL_SHAPE, scale: float = WEIBULL_SCALE,
                    centering: float = CENTERING) -> pd.DataFrame:
    """Draw exit times from the Cox model with Weibull baseline by inversion.

    ``S(t|x) = exp(-(t/scale)^shape · exp(x'β − centering))``, so with U ~ Uniform(0, 1)
    ``t = scale · (−ln U / exp(x'β − centering))^(1/shape)``; the duration is
    ``max(1, ceil(t))`` days after :data:`POLICY_DATE`, observed (``event`` = 1) when the
    announcement date is on or before :data:`CENSOR_DATE`.

    Parameters
    ----------
    covariates : pandas.DataFrame
        Output of :func:`compute_covariates`.
    rng : numpy.random.Generator
        The study's random stream.
    coefficients : dict, optional
        True log-hazard ratios by term; default :data:`COEFFICIENTS`.
    shape, scale, centering : float
        Weibull shape, scale (days) and the centring constant.

    Returns
    -------
    pandas.DataFrame
        ``covariates`` plus ``linear_predictor`` (x'β − centering), ``uniform``,
        ``latent_days``, ``exit_days`` (ceil), ``duration_days``, ``event`` and
        ``announced_on`` (ISO date or ``""``).
    """
    beta = COEFFICIENTS if coefficients is None else coefficients
    x = covariates[list(beta)].to_numpy(dtype=float)
    lp = x @ np.array(list(beta.values())) - centering
    u = rng.uniform(size=len(covariates))
    latent = scale * (-np.log(u) / np.exp(lp)) ** (1.0 / shape)
    exit_days = np.maximum(1, np.ceil(latent)).astype(np.int64)
    event = (exit_days <= MAX_FOLLOW_UP_DAYS).astype(int)
    out = covariates.copy()
    out["linear_predictor"] = lp
    out["uniform"] = u
    out["latent_days"] = latent
    out["exit_days"] = exit_days
    out["duration_days"] = np.where(event == 1, exit_days, MAX_FOLLOW_UP_DAYS)
    out["event"] = event
    out["announced_on"] = [
        (POLICY_DATE + timedelta(days=int(d))).isoformat() if e else ""
        for d, e in zip(exit_days, event)
    ]
    return out


# --------------------------------------------------------------------------------------------
# The whole study
# --------------------------------------------------------------------------------------------

def simulate_study(n_counties: int = DEFAULT_N_COUNTIES, seed: int = DEFAULT_SEED
                   ) -> SimulatedStudy:
    """Simulate the whole default study in memory.

    Parameters
    ----------
    n_counties : int
        Number of counties (1–9999).
    seed : int
        Seed of the single ``numpy.random.default_rng`` stream.

    Returns
    -------
    SimulatedStudy
        Counties, printed rows, file formats, the DGP's covariates and durations, and the truth.

    Raises
    ------
    ConfigError
        If ``n_counties`` or ``seed`` is out of range.

    Examples
    --------
    >>> study = simulate_study(10, seed=1)
    >>> len(study.counties)
    10
    """
    _check_arguments(n_counties, seed)
    rng = np.random.default_rng(seed)
    counties = draw_counties(n_counties, rng)
    panel = draw_true_panel(counties, rng)
    styles = draw_styles(counties, rng)
    rows = render_rows(counties, panel, styles)
    rows, file_format = inject_mess(rows, counties, rng)
    covariates = compute_covariates(rows, counties)
    durations = draw_exit_times(covariates, rng)

    fallback = rows[rows["baseline_fallback"]]
    fb_ind = dict(zip(fallback["county_code"], fallback["canonical_indicator"]))
    durations["workflow_fallback"] = durations["county_code"].isin(fb_ind).astype(int)
    durations["fallback_indicator"] = durations["county_code"].map(fb_ind).fillna("")

    reference = counties[["county_code", "county_name", "province", "ethnic_area"]].copy()
    reference["announced_on"] = durations["announced_on"].to_numpy()
    truth = build_truth(n_counties, seed, counties, rows, file_format, styles, durations)
    return SimulatedStudy(counties=reference, rows=rows, file_format=file_format,
                          covariates=durations, truth=truth)


def _cells(frame: pd.DataFrame, with_value: bool = False) -> list[dict[str, Any]]:
    cols = ["county_code", "year", "canonical_indicator", "indicator"]
    cols += ["value"] if with_value else []
    return [{"county_code": r[0], "year": int(r[1]), "indicator": r[2], "alias": r[3],
             **({"value": r[4]} if with_value else {})}
            for r in frame[cols].itertuples(index=False, name=None)]


def build_truth(n: int, seed: int, counties: pd.DataFrame, rows: pd.DataFrame,
                file_format: pd.DataFrame, styles: dict[str, dict[str, Any]],
                durations: pd.DataFrame) -> dict[str, Any]:
    """Assemble ``truth.json``: the data-generating process and every piece of injected mess.

    Parameters
    ----------
    n, seed : int
        Study size and seed.
    counties, rows, file_format, styles, durations : pandas.DataFrame or dict
        Intermediate results of :func:`simulate_study`.

    Returns
    -------
    dict
        JSON-serialisable, deterministic (no timestamps).
    """
    published = rows[rows["published"]]
    unit_changes = []
    for code, style in styles.items():
        for ind, year in style["switch_year"].items():
            units = style["units"][ind]
            unit_changes.append({"county_code": code, "indicator": ind, "first_year": year,
                                 "from": units[YEARS.index(year) - 1],
                                 "to": units[YEARS.index(year)]})
    alias_use = {ind: {a: int(sum(s["alias"][ind] == a for s in styles.values()))
                       for a in INDICATOR_ALIASES[ind]} for ind in INDICATORS}
    fallbacks = []
    for r in rows[rows["baseline_fallback"]].itertuples():
        avail = published[(published["county_code"] == r.county_code)
                          & (published["canonical_indicator"] == r.canonical_indicator)]
        fallbacks.append({
            "county_code": r.county_code, "indicator": r.canonical_indicator,
            "missing_year": BASELINE_YEAR, "value_used_by_dgp": r.plain_value,
            "unit": r.unit, "canonical_value_used_by_dgp": r.canonical_value,
            "years_available": sorted(int(y) for y in avail["year"]),
        })
    not_fallback = rows[~rows["published"] & ~rows["baseline_fallback"]]
    cov_summary = {
        term: {"mean": float(durations[term].mean()), "sd": float(durations[term].std()),
               "min": float(durations[term].min()), "max": float(durations[term].max())}
        for term in MODEL_TERMS
    }
    n_events = int(durations["event"].sum())
    enc = file_format.set_index("county_code")
    return {
        "simulated": True,
        "statement": (
            "These data are SIMULATED. The counties (codes 99xxxx, names 模拟县NNN) do not "
            "exist and every figure in data/bulletins was drawn by countysurv.simulate from the "
            "data-generating process below; they are not real statistics of any Chinese county."
        ),
        "generator": "scripts/generate_default_data.py (countysurv.simulate.simulate_study)",
        "seed": seed,
        "n_counties": n,
        "rng": "numpy.random.default_rng(seed), one stream, no global seed",
        "county_codes": f"{county_code(1)}..{county_code(n)}",
        "years": list(YEARS),
        "baseline_year": BASELINE_YEAR,
        "policy_date": POLICY_DATE.isoformat(),
        "censor_date": CENSOR_DATE.isoformat(),
        "max_follow_up_days": MAX_FOLLOW_UP_DAYS,
        "exit_model": {
            "type": "Cox proportional hazards, Weibull baseline, time in days since policy_date",
            "hazard": "h(t|x) = (shape/scale) * (t/scale)^(shape-1) * exp(x'beta - centering)",
            "baseline_survival": "S0(t) = exp(-(t/scale)^shape)",
            "survival": "S(t|x) = exp(-(t/scale)^shape * exp(x'beta - centering))",
            "draw": ("U ~ Uniform(0,1); t = scale * (-ln U / exp(x'beta - centering))^(1/shape);"
                     " exit_days = max(1, ceil(t))"),
            "announced_on": "policy_date + exit_days if that is <= censor_date, else empty",
            "duration_days": "exit_days if announced, else censor_date - policy_date (1494)",
            "coefficients": dict(COEFFICIENTS),
            "coefficients_source": "the paper's Cox column (Table 1)",
            "weibull_shape": WEIBULL_SHAPE,
            "weibull_scale": WEIBULL_SCALE,
            "weibull_scale_choice": "fixed by trial so that about half the counties exit by "
                                    "censor_date (large-n share about 0.5)",
            "centering": CENTERING,
            "centering_choice": "population mean of x'beta under the covariate distributions "
                                "(large-n simulation, rounded); fixed, not the sample mean",
        },
        "outcome": {
            "n_announced": n_events,
            "n_censored": n - n_events,
            "announced_share": n_events / n,
        },
        "covariate_definitions": {
            "source": ("printed (rounded) values of baseline_year converted to canonical units "
                       "as float(printed number) * unit factor; per-county values in "
                       "truth_covariates.csv"),
            "upgrading_index": ("1*s1 + 2*s2 + 3*s3, "
                                "s_i = va_i / (va_primary+va_secondary+va_tertiary)"),
            "integration_12": "agri_machinery_power (kW) / rural_population (persons)",
            "integration_13": "agri_services_output (yuan) / rural_population (persons)",
            "nation": "ethnic_area",
            "industry": "1 if va_primary is strictly the largest of the three sectors else 0",
            "resource_endowment": ("ln(gdp_per_capita in yuan) if printed, "
                                   "else ln(gdp / population)"),
            "baseline_fallback_counties": "the DGP uses the value that would have been printed "
                                          "in baseline_year (see mess.baseline_fallbacks)",
        },
        "covariate_distributions": {
            "province": "drawn with the 832 poverty counties' provincial counts as weights",
            "province_weights": dict(PROVINCE_COUNTS),
            "ethnic_area": {"probability_by_province_group": dict(ETHNIC_PROBABILITY),
                            "high": sorted(_ETHNIC_HIGH), "medium": sorted(_ETHNIC_MEDIUM),
                            "low": "all other provinces"},
            "agricultural_counties": f"exactly round({AGRICULTURAL_SHARE} n) counties have "
                                     "primary value added the largest sector in 2015",
            "population_2015": "lognormal(ln 280000, 0.5) clipped to [75000, 950000]; yearly "
                               "growth N(0.004, 0.006) clipped to [-0.01, 0.015]",
            "rural_share": "U(0.63, 0.84) in 2015, -0.005 a year, noise N(0, 0.001)",
            "gdp_per_capita_2015": "lognormal(ln 15500 - 0.1 ethnic - 0.1 agricultural, 0.33) "
                                   "clipped to [9000, 27000] yuan; GDP = that * population",
            "gdp_growth": "nominal, yearly N(0.08, 0.015) clipped to [0.05, 0.11]",
            "printed_gdp_per_capita": "GDP / population * U(1.00, 1.10) (resident population); "
                                      f"printed by exactly round({GDP_PC_REPORTED_SHARE} n) "
                                      "counties",
            "sector_shares_2015": ("agricultural: s1 ~ U(0.33, 0.40), s3 ~ U(0.30, 0.40), "
                                   "s2 = 1-s1-s3 in [0.20, 0.45], s1 >= max(s2, s3) + 0.01; "
                                   "others: s1 ~ U(0.15, 0.33), s3 ~ U(0.30, 0.50), s2 in "
                                   "[0.20, 0.45], s1 <= max(s2, s3) - 0.01 (rejection)"),
            "sector_shares_other_years": "s1 - 0.006 per year + N(0, 0.003); s2 + N(0, 0.004); "
                                         "s3 = 1 - s1 - s2",
            "integration_12_2015": "lognormal(ln 0.6, 0.45) kW per rural person clipped to "
                                   "[0.2, 1.5] and to power in [56000, 480000] kW; power grows "
                                   "N(0.02, 0.015) a year clipped to [-0.01, 0.05]",
            "integration_13_2015": "N(30, 8) yuan per rural person clipped to [10, 60]; output "
                                   "grows N(0.06, 0.03) a year clipped to [0, 0.12]",
            "agri_output": "va_primary / (U(0.55, 0.65) + N(0, 0.005))",
            "realized_summary": cov_summary,
        },
        "indicators": {
            "aliases": {ind: list(INDICATOR_ALIASES[ind]) for ind in INDICATORS},
            "unit_factors": dict(UNIT_FACTORS),
            "print_decimals": {"亿元": 2, "万元": "0, 1 or 2 (per county)", "元": 0, "人": 0,
                               "万人": 2, "千瓦": 0, "万千瓦": 2},
            "gdp_per_capita_printed_by": sorted(
                counties.loc[counties["reports_gdp_pc"], "county_code"]),
        },
        "mess": {
            "encodings": dict(zip(enc.index, enc["encoding"])),
            "gb18030_files": sorted(enc.index[enc["encoding"] == "gb18030"]),
            "utf8_bom_files": sorted(enc.index[enc["encoding"] == "utf-8-sig"]),
            "crlf_files": sorted(enc.index[enc["line_ending"] == "\r\n"]),
            "full_width_characters": "digits U+FF10..U+FF19 (０..９) and U+FF0E (．) as the "
                                     "decimal point; never combined with separators",
            "thousands_separator_files": sorted(rows.loc[rows["separator"], "county_code"]
                                                .unique()),
            "thousands_separator_cells": _cells(rows[rows["separator"]], with_value=True),
            "full_width_cells": _cells(rows[rows["full_width"]], with_value=True),
            "unit_changes": unit_changes,
            "alias_use_by_county_count": alias_use,
            "missing_rows": _cells(not_fallback),
            "baseline_fallbacks": fallbacks,
        },
    }


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------

def format_bulletin_csv(rows: pd.DataFrame, line_ending: str = "\n") -> str:
    """Return one county's bulletin CSV text (header + published rows, QUOTE_MINIMAL)."""
    buf = _stdio.StringIO()
    writer = csv.writer(buf, lineterminator=line_ending, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(CSV_COLUMNS)
    writer.writerows(rows[list(CSV_COLUMNS)].itertuples(index=False, name=None))
    return buf.getvalue()


def encode_text(text: str, encoding: str) -> bytes:
    """Encode ``text`` with ``encoding`` (``utf-8-sig`` writes the BOM)."""
    return text.encode(encoding)


def _write_bytes(data: bytes, path: Path) -> None:
    with io.atomic_path(path) as tmp:
        tmp.write_bytes(data)


def _frame_csv(frame: pd.DataFrame) -> str:
    buf = _stdio.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(frame.columns)
    for row in frame.itertuples(index=False, name=None):
        writer.writerow([repr(io.round_significant(float(v)))
                         if isinstance(v, (float, np.floating)) else v
                         for v in row])
    return buf.getvalue()


def write_study(study: SimulatedStudy, out_dir: str | Path) -> list[Path]:
    """Write ``study`` into ``out_dir`` atomically and byte-reproducibly.

    Writes ``bulletins/<code>.csv`` (in each file's encoding and line ending),
    ``counties.csv``, ``truth.json`` and ``truth_covariates.csv``. Stale simulated bulletins
    (``99NNNN.csv`` not part of this study, e.g. from an earlier run with more counties) are
    removed so the folder holds exactly this study; other files are left alone.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    out = Path(out_dir)
    bulletins = out / "bulletins"
    bulletins.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    published = study.rows[study.rows["published"]]
    by_county = dict(tuple(published.groupby("county_code", sort=False)))
    for code, encoding, line_ending in study.file_format.itertuples(index=False, name=None):
        path = bulletins / f"{code}.csv"
        text = format_bulletin_csv(by_county[code], line_ending)
        _write_bytes(encode_text(text, encoding), path)
        written.append(path)
    keep = {p.name for p in written}
    for stale in sorted(bulletins.iterdir()):
        if _STALE_FILE.match(stale.name) and stale.name not in keep:
            stale.unlink()
    io.write_text(_frame_csv(study.counties[list(COUNTY_COLUMNS)]), out / "counties.csv")
    io.write_json(study.truth, out / "truth.json")
    cov_cols = ["county_code", *MODEL_TERMS, "linear_predictor", "uniform", "latent_days",
                "exit_days", "duration_days", "event", "announced_on", "workflow_fallback",
                "fallback_indicator"]
    io.write_text(_frame_csv(study.covariates[cov_cols]), out / "truth_covariates.csv")
    written += [out / "counties.csv", out / "truth.json", out / "truth_covariates.csv"]
    return written


def generate(out_dir: str | Path, n_counties: int = DEFAULT_N_COUNTIES,
             seed: int = DEFAULT_SEED) -> SimulatedStudy:
    """Simulate a study and write it into ``out_dir``; return the study."""
    study = simulate_study(n_counties, seed)
    write_study(study, out_dir)
    return study


__all__ = [
    "COEFFICIENTS", "CENTERING", "WEIBULL_SCALE", "WEIBULL_SHAPE", "INDICATOR_ALIASES",
    "SimulatedStudy", "simulate_study", "write_study", "generate", "compute_covariates",
    "draw_exit_times",
]
