"""Covariates of the survival model computed from the panel at the baseline year.

The formulas the paper left open, and their config keys: README "Choices the paper left open".

:data:`COVARIATES` is the one table of how each panel-based model term is computed and from which
panel indicators (``nation`` comes from the county reference list, :data:`REFERENCE_TERMS`).
Only the configured terms (config ``models.terms``) are computed, so a county is never excluded
for lacking an indicator of a term the model does not use.

Each covariate is first computed for every county-year from inputs of that same year, then the
baseline year's value is taken; when it is missing, the nearest year within ``fallback_window``
is used (the earlier year wins a tie, so a fallback never reaches further past the policy date
than needed) and flagged per county and covariate in ``<covariate>_year`` / ``<covariate>_fallback``.

A time-invariant term (``terrain_relief``: a county's terrain does not change, and a database
gives it as one cross-section that the import dates to one year) is taken from the year nearest
the wanted year in which the panel holds it, however far (the fallback window does not apply);
``<covariate>_year`` names that year. A county whose panel gives it different values in
different years is named in a warning, and the value nearest the wanted year is used.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import ConfigError, InputDataError
from .terms import KNOWN_TERMS, MODEL_TERMS, check_terms

log = logging.getLogger(__name__)

UPGRADING_METHODS = ("weighted_shares", "tertiary_secondary_ratio")


@dataclass(frozen=True)
class Formula:
    """One way of computing a covariate: its formula as text and the indicators it reads."""

    text: str
    indicators: tuple[str, ...]


@dataclass(frozen=True)
class Covariate:
    """How one panel-based model term is computed.

    ``formulas`` are the alternatives in order of preference (``resource_endowment`` uses the
    printed per-capita GDP, else GDP / population); ``compute`` maps the panel (one row per
    county-year) to the term's yearly values, NaN where an input is missing; ``derived``, for a
    term with alternatives, marks the county-years that used a later one
    (``<term>_derived`` in the covariates). ``time_invariant``: see the module docstring.
    """

    term: str
    formulas: tuple[Formula, ...]
    compute: Callable[[pd.DataFrame], pd.Series]
    derived: Callable[[pd.DataFrame], pd.Series] | None = None
    time_invariant: bool = False

    @property
    def indicators(self) -> tuple[str, ...]:
        """Every panel indicator any of the formulas reads, in order of first use."""
        return tuple(dict.fromkeys(i for f in self.formulas for i in f.indicators))

    def needs(self) -> str:
        """The indicators the term needs, as text: ``gdp_per_capita, or gdp and population``."""
        return ", or ".join(_and(f.indicators) for f in self.formulas)


def _and(names: Sequence[str]) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _sectors(panel: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    return panel["va_primary"], panel["va_secondary"], panel["va_tertiary"]


def _weighted_shares(panel: pd.DataFrame) -> pd.Series:
    p1, p2, p3 = _sectors(panel)
    total = p1 + p2 + p3
    return (p1 + 2 * p2 + 3 * p3) / total


def _tertiary_secondary_ratio(panel: pd.DataFrame) -> pd.Series:
    _, p2, p3 = _sectors(panel)
    return p3 / p2.where(p2 > 0)


def _per_rural_person(indicator: str) -> Callable[[pd.DataFrame], pd.Series]:
    def compute(panel: pd.DataFrame) -> pd.Series:
        rural = panel["rural_population"].where(panel["rural_population"] > 0)
        return panel[indicator] / rural
    return compute


def _industry(panel: pd.DataFrame) -> pd.Series:
    p1, p2, p3 = _sectors(panel)
    sectors_known = p1.notna() & p2.notna() & p3.notna()
    return pd.Series(np.where(sectors_known, ((p1 > p2) & (p1 > p3)).astype(float), np.nan),
                     index=panel.index)


def _derived_per_capita(panel: pd.DataFrame) -> pd.Series:
    return panel["gdp"] / panel["population"]


def _resource_endowment(panel: pd.DataFrame) -> pd.Series:
    per_capita = panel["gdp_per_capita"].fillna(_derived_per_capita(panel))
    return np.log(per_capita.where(per_capita > 0))


def _resource_endowment_derived(panel: pd.DataFrame) -> pd.Series:
    return panel["gdp_per_capita"].isna() & _derived_per_capita(panel).notna()


def _rural_income(panel: pd.DataFrame) -> pd.Series:
    income = panel["rural_income"]
    return np.log(income.where(income > 0))


def _terrain_relief(panel: pd.DataFrame) -> pd.Series:
    return panel["terrain_relief"].astype(float)


#: The industrial-upgrading index by config ``indices.upgrading``.
UPGRADING: dict[str, Covariate] = {
    "weighted_shares": Covariate(
        "upgrading_index",
        (Formula("(1·va_primary + 2·va_secondary + 3·va_tertiary) / "
                 "(va_primary + va_secondary + va_tertiary)",
                 ("va_primary", "va_secondary", "va_tertiary")),),
        _weighted_shares),
    "tertiary_secondary_ratio": Covariate(
        "upgrading_index", (Formula("va_tertiary / va_secondary", ("va_secondary", "va_tertiary")),),
        _tertiary_secondary_ratio),
}

#: Every panel-based term: its formulas, the indicators they read and how it is computed
#: (``upgrading_index`` with the default method; :func:`covariate_table` for another).
COVARIATES: dict[str, Covariate] = {
    "upgrading_index": UPGRADING["weighted_shares"],
    "integration_12": Covariate(
        "integration_12",
        (Formula("agri_machinery_power / rural_population",
                 ("agri_machinery_power", "rural_population")),),
        _per_rural_person("agri_machinery_power")),
    "integration_13": Covariate(
        "integration_13",
        (Formula("agri_services_output / rural_population",
                 ("agri_services_output", "rural_population")),),
        _per_rural_person("agri_services_output")),
    "industry": Covariate(
        "industry",
        (Formula("1 if va_primary > va_secondary and va_primary > va_tertiary else 0",
                 ("va_primary", "va_secondary", "va_tertiary")),),
        _industry),
    "resource_endowment": Covariate(
        "resource_endowment",
        (Formula("ln(gdp_per_capita)", ("gdp_per_capita",)),
         Formula("ln(gdp / population)", ("gdp", "population"))),
        _resource_endowment, derived=_resource_endowment_derived),
    "rural_income": Covariate(
        "rural_income", (Formula("ln(rural_income)", ("rural_income",)),), _rural_income),
    "terrain_relief": Covariate(
        "terrain_relief", (Formula("terrain_relief", ("terrain_relief",)),), _terrain_relief,
        time_invariant=True),
}

#: Terms taken from the county reference list, not the panel: term -> (column, formula text).
REFERENCE_TERMS: dict[str, tuple[str, str]] = {
    "nation": ("ethnic_area", "ethnic_area of the county reference list"),
}


def covariate_table(upgrading: str = "weighted_shares") -> dict[str, Covariate]:
    """:data:`COVARIATES` with the upgrading index of method ``upgrading``."""
    if upgrading not in UPGRADING_METHODS:
        raise ConfigError(f"indices.upgrading must be one of {UPGRADING_METHODS}, got {upgrading!r}")
    return {**COVARIATES, "upgrading_index": UPGRADING[upgrading]}


def panel_terms(terms: Sequence[str] = MODEL_TERMS) -> tuple[str, ...]:
    """The panel-based terms among ``terms``, in Table 1's order (the covariates' column order)."""
    configured = set(check_terms(terms))
    return tuple(t for t in KNOWN_TERMS if t in configured and t not in REFERENCE_TERMS)


#: The panel-based covariates of the paper's model.
PANEL_COVARIATES = panel_terms(MODEL_TERMS)


def term_needs(term: str, upgrading: str = "weighted_shares") -> str:
    """What a term is computed from, as text (its panel indicators, or the reference column)."""
    if term in REFERENCE_TERMS:
        return REFERENCE_TERMS[term][1]
    return covariate_table(upgrading)[term].needs()


def yearly_covariates(panel: pd.DataFrame, upgrading: str = "weighted_shares",
                      terms: Sequence[str] = MODEL_TERMS, source: str = "panel") -> pd.DataFrame:
    """Compute each configured panel-based covariate for every county-year (NaN where an input
    is missing), as :data:`COVARIATES` defines them:

    - ``upgrading_index``: ``weighted_shares`` = 1·s1 + 2·s2 + 3·s3 with s_i each sector's share
      of va_primary + va_secondary + va_tertiary; ``tertiary_secondary_ratio`` = va_tertiary /
      va_secondary.
    - ``integration_12`` = agri_machinery_power (kW) / rural_population (persons).
    - ``integration_13`` = agri_services_output (yuan) / rural_population (persons).
    - ``industry`` = 1 when va_primary is strictly the largest sector, else 0.
    - ``resource_endowment`` = ln(gdp_per_capita), from gdp / population where per-capita GDP is
      not reported (``resource_endowment_derived`` says which).
    - ``rural_income`` = ln(rural residents' per-capita disposable income, yuan).
    - ``terrain_relief`` = the terrain relief index as the panel gives it.

    Raises :class:`InputDataError` naming ``source`` when the panel has no column for an
    indicator a configured term needs.
    """
    table = covariate_table(upgrading)
    wanted = panel_terms(terms)
    for term in wanted:
        absent = [i for i in table[term].indicators if i not in panel.columns]
        if absent:
            raise InputDataError(f"{source}: no column {', '.join(absent)}, which the model term "
                                 f"{term} needs ({table[term].needs()}); import the indicator "
                                 "or remove the term from config models.terms")
    out = panel[["county_code", "year"]].copy()
    for term in wanted:
        out[term] = table[term].compute(panel)
        if table[term].derived is not None:
            out[f"{term}_derived"] = table[term].derived(panel)
    return out


def candidate_years(term: str, year: int, fallback_window: int, years: Sequence[int]
                    ) -> list[int]:
    """The years a term's value for ``year`` may come from, in order of preference.

    ``year`` first, then -1, +1, -2, +2, ... within ``fallback_window``; for a time-invariant
    term every year of ``years`` by distance to ``year`` (the earlier wins a tie).
    """
    if COVARIATES[term].time_invariant:
        return sorted(years, key=lambda y: (abs(y - year), y))
    return [year] + [year + s * d for d in range(1, fallback_window + 1) for s in (-1, 1)]


def baseline_covariates(yearly: pd.DataFrame, baseline_year: int, fallback_window: int = 1,
                        terms: Sequence[str] = MODEL_TERMS) -> pd.DataFrame:
    """Pick each covariate at the baseline year, falling back to the nearest year in the window.

    Returns one row per county with each configured panel-based covariate, ``<cov>_year`` (the
    year used, NA when none) and ``<cov>_fallback`` (True when the year used is not the baseline
    year), and ``<cov>_derived`` for a covariate with alternative formulas. A time-invariant
    covariate is taken as the module docstring says.
    """
    if fallback_window < 0:
        raise ConfigError(f"fallback_window must be >= 0, got {fallback_window}")
    covariates = panel_terms(terms)
    absent = [c for c in covariates if c not in yearly.columns]
    if absent:
        raise InputDataError(f"yearly covariates lack {', '.join(absent)}; compute them with "
                             "the same model terms")
    years = sorted(int(y) for y in yearly["year"].unique())
    order = {cov: candidate_years(cov, baseline_year, fallback_window, years)
             for cov in covariates}
    rows = []
    inconsistent: dict[str, list[str]] = {}
    for code, block in yearly.groupby("county_code", sort=True):
        by_year = block.set_index("year")
        row: dict[str, object] = {"county_code": code}
        for cov in covariates:
            year_used = next((y for y in order[cov] if y in by_year.index
                              and pd.notna(by_year.at[y, cov])), None)
            row[cov] = by_year.at[year_used, cov] if year_used is not None else np.nan
            row[f"{cov}_year"] = year_used
            row[f"{cov}_fallback"] = year_used is not None and year_used != baseline_year
            if f"{cov}_derived" in by_year.columns:
                row[f"{cov}_derived"] = (bool(by_year.at[year_used, f"{cov}_derived"])
                                         if year_used is not None else False)
            if COVARIATES[cov].time_invariant and by_year[cov].nunique(dropna=True) > 1:
                inconsistent.setdefault(cov, []).append(str(code))
        rows.append(row)
    out = pd.DataFrame(rows)
    for cov in covariates:
        out[f"{cov}_year"] = out[f"{cov}_year"].astype("Int64")
        n_fb = int(out[f"{cov}_fallback"].sum())
        if n_fb:
            log.warning("%s: %d county(ies) use a year other than %d: %s", cov, n_fb,
                        baseline_year, ", ".join(
                            f"{r.county_code}→{getattr(r, cov + '_year')}"
                            for r in out[out[f"{cov}_fallback"]].itertuples()))
    for cov, codes in inconsistent.items():
        log.warning("%s is time-invariant but %d county(ies) have different values in different "
                    "years (the year nearest %d is used): %s", cov, len(codes), baseline_year,
                    ", ".join(codes[:20]))
    return out


def check_terms_have_values(covariates: pd.DataFrame, terms: Sequence[str], source: str,
                            upgrading: str = "weighted_shares") -> None:
    """Raise when a configured panel-based term has no value for any county.

    Every county would then be excluded and no model could be fitted: the message names the
    term and the indicators it needs, so the study can drop it from config ``models.terms``.
    """
    table = covariate_table(upgrading)
    empty = [t for t in panel_terms(terms) if covariates[t].isna().all()]
    if empty:
        listed = "; ".join(f"{t} (needs {table[t].needs()})" for t in empty)
        raise InputDataError(f"{source}: no county has a value of model term(s) {listed} at the "
                             "baseline year or a fallback year; the panel lacks those indicators. "
                             "Remove the term(s) from config models.terms (Table 1 then prints "
                             "them as not estimated)")


def missing_reason(row: pd.Series, terms: Sequence[str] = MODEL_TERMS) -> str | None:
    """Why one county's covariates row is incomplete (None when it is complete)."""
    missing = [c for c in panel_terms(terms) if pd.isna(row[c])]
    if not missing:
        return None
    windowed = [c for c in missing if not COVARIATES[c].time_invariant]
    invariant = [c for c in missing if COVARIATES[c].time_invariant]
    parts = []
    if windowed:
        parts.append("no value within the fallback window for " + ", ".join(windowed))
    if invariant:
        parts.append("no value in any year for " + ", ".join(invariant))
    return "; ".join(parts)


def incomplete_counties(covariates: pd.DataFrame, terms: Sequence[str] = MODEL_TERMS
                        ) -> pd.DataFrame:
    """Counties with a covariate missing even after fallback, with the covariates named."""
    reasons = [(code, missing_reason(row, terms)) for code, (_, row)
               in zip(covariates["county_code"], covariates.iterrows())]
    bad = [(code, why) for code, why in reasons if why is not None]
    return pd.DataFrame({"county_code": [c for c, _ in bad], "reason": [w for _, w in bad]},
                        columns=["county_code", "reason"])


def check_complete(covariates: pd.DataFrame, source: str, terms: Sequence[str] = MODEL_TERMS
                   ) -> None:
    """Raise naming the counties and covariates when any covariate is missing."""
    bad = incomplete_counties(covariates, terms)
    if len(bad):
        listed = "; ".join(f"{r.county_code}: {r.reason}" for r in bad.head(5).itertuples())
        raise InputDataError(f"{source}: {len(bad)} county(ies) lack a covariate at the baseline "
                             f"year ({listed}); widen fallback_window or set "
                             f"indices.missing_covariate: exclude")


def coverage_reason(term: str, coverage: pd.DataFrame, upgrading: str = "weighted_shares"
                    ) -> str:
    """Why a term left out of the model could or could not be computed, from the panel coverage.

    ``coverage`` is ``results/panel/coverage.csv`` (``county_code``, ``indicator``,
    ``years_present``). Returns e.g. ``integration_12 needs agri_machinery_power and
    rural_population; the panel has agri_machinery_power for 0 of 76 counties and
    rural_population for 0 of 76 counties``.
    """
    needs = term_needs(term, upgrading)
    if term in REFERENCE_TERMS:
        return f"{term} is {needs}"
    n = int(coverage["county_code"].nunique())
    held = coverage[coverage["years_present"] > 0].groupby("indicator")["county_code"].nunique()
    counts = [f"{ind} for {int(held.get(ind, 0))} of {n} counties"
              for ind in covariate_table(upgrading)[term].indicators]
    return f"{term} needs {needs}; the panel has {_and(counts)} (in any year)"
