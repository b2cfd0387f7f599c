"""Covariates of the survival model computed from the panel at the baseline year (DESIGN 4).

Each covariate is first computed for every county-year from inputs of that same year, then the
baseline year's value is taken; when it is missing, the nearest year within ``fallback_window``
is used (the earlier year wins a tie, so a fallback never reaches further past the policy date
than needed) and flagged per county and covariate in ``<covariate>_year`` / ``<covariate>_fallback``.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from .errors import ConfigError, InputDataError

log = logging.getLogger(__name__)

PANEL_COVARIATES = ("upgrading_index", "integration_12", "integration_13", "industry",
                    "resource_endowment")
UPGRADING_METHODS = ("weighted_shares", "tertiary_secondary_ratio")


def yearly_covariates(panel: pd.DataFrame, upgrading: str = "weighted_shares") -> pd.DataFrame:
    """Compute each panel-based covariate for every county-year (NaN where an input is missing).

    - ``upgrading_index``: ``weighted_shares`` = 1·s1 + 2·s2 + 3·s3 with s_i each sector's share
      of va_primary + va_secondary + va_tertiary; ``tertiary_secondary_ratio`` = va_tertiary /
      va_secondary.
    - ``integration_12`` = agri_machinery_power (kW) / rural_population (persons).
    - ``integration_13`` = agri_services_output (yuan) / rural_population (persons).
    - ``industry`` = 1 when va_primary is strictly the largest sector, else 0.
    - ``resource_endowment`` = ln(gdp_per_capita), from gdp / population where per-capita GDP is
      not reported (``resource_endowment_derived`` says which).
    """
    if upgrading not in UPGRADING_METHODS:
        raise ConfigError(f"indices.upgrading must be one of {UPGRADING_METHODS}, got {upgrading!r}")
    p1, p2, p3 = panel["va_primary"], panel["va_secondary"], panel["va_tertiary"]
    total = p1 + p2 + p3
    out = panel[["county_code", "year"]].copy()
    if upgrading == "weighted_shares":
        out["upgrading_index"] = (p1 + 2 * p2 + 3 * p3) / total
    else:
        out["upgrading_index"] = p3 / p2.where(p2 > 0)
    rural = panel["rural_population"].where(panel["rural_population"] > 0)
    out["integration_12"] = panel["agri_machinery_power"] / rural
    out["integration_13"] = panel["agri_services_output"] / rural
    sectors_known = p1.notna() & p2.notna() & p3.notna()
    out["industry"] = np.where(sectors_known, ((p1 > p2) & (p1 > p3)).astype(float), np.nan)
    derived_pc = panel["gdp"] / panel["population"]
    per_capita = panel["gdp_per_capita"].fillna(derived_pc)
    out["resource_endowment"] = np.log(per_capita.where(per_capita > 0))
    out["resource_endowment_derived"] = panel["gdp_per_capita"].isna() & derived_pc.notna()
    return out


def baseline_covariates(yearly: pd.DataFrame, baseline_year: int, fallback_window: int = 1
                        ) -> pd.DataFrame:
    """Pick each covariate at the baseline year, falling back to the nearest year in the window.

    Returns one row per county with each covariate, ``<cov>_year`` (the year used, NA when none)
    and ``<cov>_fallback`` (True when the year used is not the baseline year).
    """
    if fallback_window < 0:
        raise ConfigError(f"fallback_window must be >= 0, got {fallback_window}")
    # Candidate years in order of preference: baseline, then -1, +1, -2, +2, ...
    order = [baseline_year] + [baseline_year + s * d for d in range(1, fallback_window + 1)
                               for s in (-1, 1)]
    rows = []
    for code, block in yearly.groupby("county_code", sort=True):
        by_year = block.set_index("year")
        row: dict[str, object] = {"county_code": code}
        for cov in PANEL_COVARIATES:
            year_used = next((y for y in order if y in by_year.index
                              and pd.notna(by_year.at[y, cov])), None)
            row[cov] = by_year.at[year_used, cov] if year_used is not None else np.nan
            row[f"{cov}_year"] = year_used
            row[f"{cov}_fallback"] = year_used is not None and year_used != baseline_year
            if cov == "resource_endowment":
                row["resource_endowment_derived"] = (
                    bool(by_year.at[year_used, "resource_endowment_derived"])
                    if year_used is not None else False)
        rows.append(row)
    out = pd.DataFrame(rows)
    for cov in PANEL_COVARIATES:
        out[f"{cov}_year"] = out[f"{cov}_year"].astype("Int64")
        n_fb = int(out[f"{cov}_fallback"].sum())
        if n_fb:
            log.warning("%s: %d county(ies) use a year other than %d: %s", cov, n_fb,
                        baseline_year, ", ".join(
                            f"{r.county_code}→{getattr(r, cov + '_year')}"
                            for r in out[out[f"{cov}_fallback"]].itertuples()))
    return out


def incomplete_counties(covariates: pd.DataFrame) -> pd.DataFrame:
    """Counties with a covariate missing even after fallback, with the covariates named."""
    missing = covariates[list(PANEL_COVARIATES)].isna()
    bad = missing.any(axis=1)
    # A comprehension, not DataFrame.apply(axis=1): on no rows that returns a frame, not a Series.
    reasons = ["no value within the fallback window for " + ", ".join(row.index[row])
               for _, row in missing[bad].iterrows()]
    return pd.DataFrame({"county_code": covariates.loc[bad, "county_code"].tolist(),
                         "reason": reasons}, columns=["county_code", "reason"])


def check_complete(covariates: pd.DataFrame, source: str) -> None:
    """Raise naming the counties and covariates when any covariate is missing."""
    bad = incomplete_counties(covariates)
    if len(bad):
        listed = "; ".join(f"{r.county_code}: {r.reason}" for r in bad.head(5).itertuples())
        raise InputDataError(f"{source}: {len(bad)} county(ies) lack a covariate at the baseline "
                             f"year ({listed}); widen fallback_window or set "
                             f"indices.missing_covariate: exclude")
