"""The survival dataset: one row per county, time from the policy date to exit.

Its columns: README "What you get" (``results/analysis/survival``) and
:func:`countysurv.schemas.survival_columns`; the duration's definition: README "Choices the paper
left open".
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import pandas as pd

from .errors import ConfigError, InputDataError
from .indices import check_complete, missing_reason, panel_terms
from .schemas import survival_columns
from .terms import MODEL_TERMS, check_terms

log = logging.getLogger(__name__)

#: Values of config ``indices.missing_covariate``: what to do with a county that lacks a
#: covariate at the baseline year even after the fallback window.
MISSING_COVARIATE = ("exclude", "error")
#: What to do with a county that has bulletins but no row in the reference list.
COUNTIES_MISSING = ("error", "exclude")

#: The 0/1 terms: integer columns of the survival dataset (nullable when not in the model).
BINARY_TERMS = ("nation", "industry")


def durations(announced_on: pd.Series, policy_date: str, censor_date: str
              ) -> tuple[pd.Series, pd.Series]:
    """Days from the policy date to exit (event 1), or to the censoring date (event 0).

    As in README "Choices the paper left open" (duration): an exit announced on or before
    ``censor_date`` is an event at ``announced_on − policy_date``; a later or missing
    announcement is censored at ``censor_date − policy_date``.
    """
    policy = pd.Timestamp(policy_date)
    censor = pd.Timestamp(censor_date)
    event = announced_on.notna() & (announced_on <= censor)
    end = announced_on.where(event, censor)
    days = (end - policy).dt.days
    return days.astype("int64"), event.astype("int64")


def build_survival(covariates: pd.DataFrame, reference: pd.DataFrame, policy_date: str,
                   censor_date: str, *, missing_covariate: str = "exclude",
                   counties_missing: str = "error",
                   reference_source: str = "counties.csv",
                   covariates_source: str = "covariates.parquet",
                   terms: Sequence[str] = MODEL_TERMS
                   ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Join covariates with the reference list into the survival dataset.

    The dataset has the contract's columns (:func:`countysurv.schemas.survival_columns`): a
    paper's term that is not among ``terms`` is an all-null column, and a county is excluded
    only for lacking a covariate of ``terms``.

    Parameters
    ----------
    covariates
        Baseline-year covariates, one row per county (``covariates.parquet``).
    reference
        The county reference list (:func:`countysurv.io.read_counties_csv`).
    policy_date, censor_date
        ISO dates: the start of every spell and the censoring date (see :func:`durations`).
    missing_covariate
        A county lacking a covariate even after the fallback window is listed in ``excluded``
        (``"exclude"``) or stops the run with an error naming the counties and covariates
        (``"error"``); config ``indices.missing_covariate``.
    counties_missing
        A county with covariates but no row in ``reference`` stops the run (``"error"``: a
        typo or a forgotten row) or is listed in ``excluded`` with the reason (``"exclude"``:
        the real study's dated-only run leaves undated counties out of its reference list);
        config ``data.counties_missing``.
    reference_source, covariates_source
        The files the two frames were read from, as error messages name them.
    terms
        The model terms (config ``models.terms``).

    Returns
    -------
    (survival, excluded)
        ``excluded`` lists counties of either input that are not in the survival dataset, with
        the reason (no bulletin file; covariate missing).

    Raises
    ------
    ConfigError
        ``missing_covariate`` is not one of :data:`MISSING_COVARIATE`.
    InputDataError
        Counties with bulletins that the reference does not know, announcement dates on or
        before the policy date, or (with ``missing_covariate="error"``) a missing covariate,
        naming the counties.
    """
    if counties_missing not in COUNTIES_MISSING:
        raise ConfigError(f"data.counties_missing must be one of {COUNTIES_MISSING}, got "
                          f"{counties_missing!r}")
    if missing_covariate not in MISSING_COVARIATE:
        raise ConfigError(f"indices.missing_covariate must be one of {MISSING_COVARIATE}, got "
                          f"{missing_covariate!r}")
    terms = check_terms(terms)
    covs = list(panel_terms(terms))
    absent = [c for c in covs if c not in covariates.columns]
    if absent:
        raise InputDataError(f"{covariates_source}: no column for model term(s) "
                             f"{', '.join(absent)}; recompute the covariates with the same "
                             "config models.terms")
    if missing_covariate == "error":
        check_complete(covariates, covariates_source, terms)
    policy = pd.Timestamp(policy_date)
    if pd.Timestamp(censor_date) <= policy:
        raise InputDataError(f"censor_date {censor_date} is not after policy_date {policy_date}")
    unknown = sorted(set(covariates["county_code"]) - set(reference["county_code"]))
    if unknown and counties_missing == "exclude":
        covariates = covariates[~covariates["county_code"].isin(unknown)]
    elif unknown:
        raise InputDataError(f"{reference_source}: {len(unknown)} county(ies) with bulletins are "
                             f"not in the reference list: {', '.join(unknown[:10])}; add them "
                             f"with province, ethnic_area and announced_on")
    early = reference[reference["announced_on"].notna() & (reference["announced_on"] <= policy)]
    if len(early):
        listed = ", ".join(f"{r.county_code} ({r.announced_on.date()})" for r in early.head(5).itertuples())
        raise InputDataError(f"{reference_source}: {len(early)} announcement date(s) on or before "
                             f"the policy date {policy_date}: {listed}; check announced_on")
    merged = covariates.merge(reference, on="county_code", how="inner", validate="one_to_one")
    complete = merged[covs].notna().all(axis=1)
    excluded = [{"county_code": c, "reason": "in the reference list but has no bulletin file"}
                for c in sorted(set(reference["county_code"]) - set(covariates["county_code"])
                                - set(unknown))]
    excluded += [{"county_code": c, "reason": f"not in the county reference list "
                  f"{reference_source} (data.counties_missing: exclude)"} for c in unknown]
    for _, row in merged[~complete].iterrows():
        excluded.append({"county_code": row["county_code"],
                         "reason": missing_reason(row, terms)})
    merged = merged[complete].copy()
    merged["duration_days"], merged["event"] = durations(merged["announced_on"], policy_date,
                                                        censor_date)
    merged["nation"] = merged["ethnic_area"].astype("int64")
    for term in MODEL_TERMS:
        if term not in terms:  # the contract keeps the column, empty: not estimated
            merged[term] = (pd.array([pd.NA] * len(merged), dtype="Int64")
                            if term in BINARY_TERMS else float("nan"))
        elif term in BINARY_TERMS:
            merged[term] = merged[term].astype("int64")
    columns = survival_columns(terms)
    survival = merged[columns].sort_values("county_code").reset_index(drop=True)
    excluded_df = pd.DataFrame(excluded, columns=["county_code", "reason"]).sort_values(
        "county_code").reset_index(drop=True)
    return survival, excluded_df
