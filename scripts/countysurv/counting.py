"""Counting-process data from the yearly panel: one row per county and calendar year at risk.

A data stage (rule ``build_counting_process``, ``results/analysis/counting_process.parquet``):
follow-up is cut at calendar-year boundaries (:func:`year_intervals`) and each interval gets the
covariates of an earlier bulletin year (``lag_years``; bulletins appear after their year ends),
with the baseline covariates' fallback rule for a value missing in that year
(:func:`covariates_for_year`). Intervals still missing a covariate are dropped and returned with
their reason, never silently. The time-varying Cox model fitted to these rows is
:func:`countysurv.extended.fit_cox_time_varying`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

from .errors import InputDataError
from .indices import REFERENCE_TERMS, candidate_years, panel_terms
from .terms import KNOWN_TERMS, MODEL_TERMS, check_terms

log = logging.getLogger(__name__)

ID_COL = "county_code"
TV_MISSING = ("fallback", "drop")
"""Values of the config key ``extended.time_varying.missing``: fall back to a neighbouring year,
or drop (no fallback)."""



def cp_columns(terms: Sequence[str] = MODEL_TERMS) -> list[str]:
    """Columns of the counting-process data of a model on ``terms`` (in Table 1's order)."""
    configured = set(check_terms(terms))
    return ["county_code", "year", "covariate_year", "start", "stop", "event",
            *(t for t in KNOWN_TERMS if t in configured), "fallback"]


#: Columns of the counting-process data of the paper's model.
CP_COLUMNS = cp_columns(MODEL_TERMS)
DROPPED_COLUMNS = ["county_code", "year", "start", "stop", "event", "reason"]


def year_intervals(policy_date: str, censor_date: str) -> pd.DataFrame:
    """Calendar-year intervals of follow-up in days since ``policy_date``, as (start, stop].

    The interval of year Y holds the days of 1 Jan .. 31 Dec of Y (the first is cut at the
    policy date, the last at the censoring date): an exit announced on day d of Y falls in it.
    """
    policy = date.fromisoformat(policy_date)
    censor = date.fromisoformat(censor_date)
    if censor <= policy:
        raise InputDataError(f"censor_date {censor_date} is not after policy_date {policy_date}")
    rows = []
    for year in range(policy.year, censor.year + 1):
        first = max((date(year, 1, 1) - policy).days, 1)
        last = min((date(year, 12, 31) - policy).days, (censor - policy).days)
        if last >= first:
            rows.append({"year": year, "start": first - 1, "stop": last})
    return pd.DataFrame(rows)


def covariates_for_year(yearly: pd.DataFrame, year: int, fallback_window: int = 1,
                        terms: Sequence[str] = MODEL_TERMS) -> pd.DataFrame:
    """Each county's covariates for bulletin ``year`` with the baseline covariates' fallback rule.

    A value missing in ``year`` comes from the nearest year within ``fallback_window`` (the
    earlier wins a tie), exactly as :func:`countysurv.indices.baseline_covariates` does, but
    vectorised (one pivot per covariate); a time-invariant covariate comes from the year nearest
    ``year`` that holds it, however far. Returns one row per county: the covariates,
    ``<cov>_year`` (year used, NA when none) and ``fallback`` (any covariate from another year).
    """
    years = sorted(int(y) for y in yearly["year"].unique())
    codes = np.array(sorted(yearly[ID_COL].unique()))
    out = pd.DataFrame({ID_COL: codes})
    fallback = np.zeros(len(codes), dtype=bool)
    for cov in panel_terms(terms):
        order = candidate_years(cov, year, fallback_window, years)
        wide = yearly.pivot(index=ID_COL, columns="year", values=cov).reindex(codes)
        value = np.full(len(codes), np.nan)
        used = np.full(len(codes), -1, dtype=np.int64)
        for y in order:
            if y not in wide.columns:
                continue
            col = wide[y].to_numpy(dtype=float)
            take = np.isnan(value) & ~np.isnan(col)
            value[take] = col[take]
            used[take] = y
        out[cov] = value
        out[f"{cov}_year"] = pd.array(np.where(used >= 0, used, 0), dtype="Int64")
        out.loc[used < 0, f"{cov}_year"] = pd.NA
        fallback |= (used >= 0) & (used != year)
    out["fallback"] = fallback
    return out


def build_counting_process(yearly: pd.DataFrame, survival: pd.DataFrame, policy_date: str,
                           censor_date: str, lag_years: int = 1, fallback_window: int = 1,
                           missing: str = "fallback", terms: Sequence[str] = MODEL_TERMS
                           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counting-process rows (one per county and calendar year at risk) with lagged covariates.

    Parameters
    ----------
    yearly
        :func:`countysurv.indices.yearly_covariates` of the panel (one row per county-year).
    survival
        The survival dataset (``county_code``, ``duration_days``, ``event``, ``nation``, ...):
        who is followed, for how long, and the time-fixed ``nation``.
    lag_years
        The interval of calendar year Y uses the covariates of bulletin year Y - ``lag_years``
        (1: a year's bulletin is published after the year ends, so during Y the latest known
        figures are Y - 1's).
    fallback_window, missing
        ``"fallback"``: a covariate missing in the wanted year comes from the nearest year within
        ``fallback_window`` (the earlier wins a tie), the rule of the baseline covariates;
        ``"drop"``: no fallback. Intervals still missing a covariate are dropped and returned in
        ``dropped`` with the reason (the county is then not at risk during that year).
    terms
        The model terms (config ``models.terms``): only their covariates are looked up, and a
        reference term (``nation``) comes from the survival dataset.

    Returns
    -------
    (intervals, dropped)
        ``intervals`` has :func:`cp_columns`: ``start``/``stop`` in days (at risk on
        (start, stop]), ``event`` 1 only on the interval that ends with the exit,
        ``covariate_year`` = Y - lag (the bulletin year wanted), ``fallback`` True when a
        covariate came from another year. ``dropped`` has :data:`DROPPED_COLUMNS`.
    """
    if missing not in TV_MISSING:
        raise InputDataError(f"time_varying.missing must be one of {TV_MISSING}, got {missing!r}")
    if lag_years < 0:
        raise InputDataError(f"lag_years must be >= 0, got {lag_years}")
    terms = check_terms(terms)
    covs = list(panel_terms(terms))
    window = fallback_window if missing == "fallback" else 0
    spans = year_intervals(policy_date, censor_date)
    fixed = [t for t in REFERENCE_TERMS if t in terms]
    surv = survival[[ID_COL, "duration_days", "event", *fixed]].sort_values(ID_COL)
    grid = surv.merge(spans, how="cross")
    grid = grid[grid["start"] < grid["duration_days"]].copy()
    grid["event"] = np.where(grid["duration_days"] <= grid["stop"], grid["event"], 0)
    grid["stop"] = np.minimum(grid["stop"], grid["duration_days"])
    grid["covariate_year"] = grid["year"] - lag_years
    by_year = pd.concat([covariates_for_year(yearly, int(y) - lag_years, window, terms)
                         .assign(year=int(y)) for y in spans["year"]], ignore_index=True)
    grid = grid.merge(by_year, on=[ID_COL, "year"], how="left", validate="one_to_one")
    lacking = grid[covs].isna()
    bad = lacking.any(axis=1).to_numpy()
    reasons = [f"no {', '.join(np.array(covs)[row])} for bulletin year {cy}"
               + (f" within {window} year(s)" if window else " (no fallback)")
               for row, cy in zip(lacking.to_numpy()[bad], grid["covariate_year"].to_numpy()[bad])]
    drop = grid.loc[bad, [ID_COL, "year", "start", "stop", "event"]].assign(reason=reasons)
    out = grid.loc[~bad].copy()
    out["fallback"] = out["fallback"].astype(bool)
    for col in ("year", "covariate_year", "start", "stop", "event", "nation", "industry"):
        if col in out.columns and (col not in KNOWN_TERMS or col in terms):
            out[col] = out[col].astype("int64")
    out = out[cp_columns(terms)].sort_values([ID_COL, "year"]).reset_index(drop=True)
    drop = drop[DROPPED_COLUMNS].reset_index(drop=True)
    if len(drop):
        log.warning("counting process: %d interval(s) dropped for missing covariates "
                    "(%d with an exit): %s", len(drop), int(drop["event"].sum()),
                    "; ".join(f"{r.county_code} {r.year}: {r.reason}"
                              for r in drop.head(10).itertuples()))
    n_fb = int(out["fallback"].sum())
    if n_fb:
        log.info("counting process: %d interval(s) use a covariate from a neighbouring year",
                 n_fb)
    return out, drop
