"""Robustness of Table 1 in one table: each term under several variances, ties and PH tests.

For the two models of Table 1 (:mod:`countysurv.models`) and a list of terms, this module puts
side by side, per term:

* **OLS** — the coefficient with its standard error, p and stars under four variances:
  ``classical`` (as the paper), ``hc1`` (heteroskedasticity-robust), ``cluster`` (clustered by
  province, or another column of ``data/counties.csv``) and ``bootstrap`` (from
  ``results/bootstrap/summary.csv``);
* **Cox** — ``efron`` (the paper's model-based variance, Efron ties), ``breslow`` (the model
  refitted with Breslow ties, its own coefficient and SE), ``cluster`` (robust sandwich clustered
  by province, :func:`countysurv.extended.fit_cox_clustered`) and ``bootstrap``;
* the **proportional-hazards test** of the Efron fit (:func:`countysurv.models.cox_zph`), global
  and per term, under each time transform ``km``, ``rank``, ``identity`` and ``log``;
* the **paper's** coefficient and stars (``data/paper/paper_table1.csv``) beside ours, with a flag
  where the sign differs and where stars appear, disappear or change.

Inference, per variance (stars: p < .01 ``***``, < .05 ``**``, < .1 ``*``, as
:func:`countysurv.tables.significance_stars`):

``classical``
    σ̂²(X'X)⁻¹; t with n − k degrees of freedom (k parameters including the constant), exactly
    :func:`countysurv.models.fit_ols` and R's ``summary(lm(...))``.
``hc1``
    White's sandwich times n / (n − k); t with n − k df, as R's
    ``lmtest::coeftest(fit, vcov = sandwich::vcovHC(fit, type = "HC1"))``. (statsmodels, and so
    ``fit_ols(cov_type="HC1")``, would use the normal distribution for these p-values; the t
    keeps the three OLS columns comparable and matches R.)
``cluster`` (OLS)
    CR1: the cluster sandwich ``(X'X)⁻¹ (Σ_g X_g'e_g e_g'X_g) (X'X)⁻¹`` times the small-sample
    factor ``G/(G−1) · (n−1)/(n−k)`` (statsmodels ``cov_type="cluster"`` with its default
    correction; identical to R's ``sandwich::vcovCL(fit, cluster = ~province, type = "HC1")``);
    t with G − 1 df (G clusters), which is conservative with few clusters. With G ≤ k the
    clustered covariance matrix is singular; each SE is still defined.
``efron``, ``breslow``
    inverse observed information of the partial likelihood at the estimate; normal z, as R's
    ``coxph(ties = "efron")`` / ``coxph(ties = "breslow")``. Without tied event times the two
    likelihoods are the same function, so are their estimates.
``cluster`` (Cox)
    ``I⁻¹ (Σ_g U_g U_g') I⁻¹`` with U_g the summed Efron score residuals of cluster g, no
    small-sample factor; normal z, as R's ``coxph(..., cluster = province)``.
``bootstrap``
    the coefficient of the full sample with the bootstrap SE (SD of the replicate estimates);
    p from the normal z = coef / boot SE; the 95 % CI is the percentile interval of the summary.

A term asked for but absent from the survival data (or with no values, or constant) is reported
in every row of its term with ``status = "not_estimated"`` and the reason; the models are fitted
on the terms that remain. A bootstrap summary of another specification (its point estimates
differ from this fit's) is reported as not estimated with that reason, never used.

:func:`build_robustness_table` returns the long table (one row per section, model, term and
method), written as ``results/tables/robustness.csv``;
:func:`countysurv.robustness_report.render_markdown` renders it wide (one row per term, one
column per variance) with a plain-language
summary of where the results agree with the paper and where they contradict it
(:mod:`countysurv.robustness_report`). The clustered OLS and the Breslow Cox fits are in
:mod:`countysurv.model_variants`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from . import extended, model_variants, models
from .errors import ConfigError, InputDataError, ModelFitError
from .io import SIGNIFICANT_DIGITS
from .tables import is_finite, significance_stars
from .terms import CONST, MODEL_TERMS, TABLE_LABELS

#: The variances of each model, in the order of the table's columns.
METHODS: dict[str, tuple[str, ...]] = {
    "ols": ("classical", "hc1", "cluster", "bootstrap"),
    "cox": ("efron", "breslow", "cluster", "bootstrap"),
}
#: The variance the paper used, against which its stars are compared.
PAPER_METHOD: dict[str, str] = {"ols": "classical", "cox": "efron"}
#: Time transforms of the PH test (the order of :data:`countysurv.models.PH_TRANSFORMS`).
PH_TRANSFORMS: tuple[str, ...] = tuple(models.PH_TRANSFORMS)
#: The term name of the global PH test's rows.
GLOBAL = "global"
MODEL_NAMES: dict[str, str] = {"ols": "OLS", "cox": "Cox"}
ESTIMATED, NOT_ESTIMATED = "estimated", "not_estimated"

#: Columns of the long table (``robustness.csv``), in order.
COLUMNS: tuple[str, ...] = (
    "section",         # "coefficient" | "ph_test"
    "model",           # "ols" | "cox"
    "term",            # model term, "const" (OLS) or "global" (PH test)
    "label",           # Table 1's row label (the term itself for terms Table 1 does not print)
    "method",          # variance (coefficient rows) or time transform (ph_test rows)
    "status",          # "estimated" | "not_estimated"
    "estimate",        # coefficient (ph_test rows: empty)
    "se",
    "statistic",       # t or z (coefficients), chi-square (PH test)
    "df",              # t df (OLS), chi-square df (PH test); empty for normal z
    "p",
    "stars",
    "ci_lower",        # 95 %: t (OLS), normal (Cox), percentile (bootstrap)
    "ci_upper",
    "n_obs",
    "n_events",
    "n_clusters",
    "paper_estimate",  # the paper's printed coefficient
    "paper_stars",     # the paper's printed stars ("" = not significant)
    "paper_p",         # the paper's printed p (PH test, global rows only)
    "sign_differs",    # True where our sign and the paper's differ
    "star_change",     # "same" | "appears" | "disappears" | "more" | "fewer" vs the paper
    "note",            # how the row was computed (df, clusters, replicates)
    "reason",          # why a row is not estimated
)
_FLOAT_COLUMNS = ("estimate", "se", "statistic", "df", "p", "ci_lower", "ci_upper",
                  "paper_estimate", "paper_p")
_INT_COLUMNS = ("n_obs", "n_events", "n_clusters")
_SURVIVAL_KEYS = ("county_code", "duration_days", "event")
#: Relative tolerance between the bootstrap summary's point estimate (written with
#: io.SIGNIFICANT_DIGITS = 9 significant digits, so up to 5e-9 off) and this fit's estimate,
#: beyond which the summary is of another model.
_BOOT_POINT_RTOL = 1e-7


# ----------------------------------------------------------------------------------------------
# Terms
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TermSelection:
    """The terms asked for, split into those that can be estimated and those that cannot.

    Attributes
    ----------
    requested
        Every term asked for, in the order given.
    estimable
        The terms the models are fitted on (``requested`` minus ``not_estimated``, same order).
    not_estimated
        Term -> the reason it is not estimated.
    """

    requested: tuple[str, ...]
    estimable: tuple[str, ...]
    not_estimated: dict[str, str] = field(default_factory=dict)


def select_terms(df: pd.DataFrame, terms: Sequence[str],
                 missing_reasons: Mapping[str, str] | None = None) -> TermSelection:
    """Split ``terms`` into the estimable ones and those the data cannot give, with reasons.

    A term is not estimated when its column is absent from ``df`` (the reason is
    ``missing_reasons[term]`` when given, e.g. the indicator the panel lacks), when no row has a
    value, or when it is constant. A column with values for some counties and not others is an
    error (the survival dataset holds complete cases only), as are duplicate terms and ``const``
    (the OLS intercept is always included).

    Raises
    ------
    ConfigError
        ``terms`` is empty, has duplicates or names ``const``.
    InputDataError
        A term's column is missing for some counties only, or is not numeric.
    """
    terms = [str(t) for t in terms]
    if not terms:
        raise ConfigError("no model terms given: list at least one term (config models.terms)")
    duplicated = sorted({t for t in terms if terms.count(t) > 1})
    if duplicated:
        raise ConfigError(f"model terms listed twice: {duplicated}")
    if CONST in terms:
        raise ConfigError(f"{CONST!r} is not a term: the OLS intercept is always included")
    reasons = dict(missing_reasons or {})
    not_estimated: dict[str, str] = {}
    for term in terms:
        if term not in df.columns:
            not_estimated[term] = reasons.get(
                term, f"column {term!r} is not in the survival data")
            continue
        column = df[term]
        if not (pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)):
            raise InputDataError(f"survival data: term {term!r} is not numeric "
                                 f"(dtype {column.dtype})")
        values = column.to_numpy(dtype=float, na_value=np.nan)
        missing = ~np.isfinite(values)
        if missing.all():
            not_estimated[term] = reasons.get(term, f"no county has a value of {term!r}")
        elif missing.any():
            codes = df.loc[missing, "county_code"].astype(str).tolist() \
                if "county_code" in df.columns else [str(i) for i in df.index[missing]]
            shown = ", ".join(codes[:5]) + (", …" if len(codes) > 5 else "")
            raise InputDataError(
                f"survival data: term {term!r} has no value for {int(missing.sum())} of "
                f"{len(df)} counties ({shown}); the survival dataset must hold complete cases")
        elif np.ptp(values) == 0:
            not_estimated[term] = f"{term!r} is constant (every county has {values[0]:g})"
    estimable = tuple(t for t in terms if t not in not_estimated)
    return TermSelection(tuple(terms), estimable, not_estimated)


def check_survival(df: pd.DataFrame, source: str = "survival data") -> None:
    """Check the survival dataset's key columns: present, one row per county, rows present.

    The values of ``duration_days`` and ``event`` are checked by the model fits
    (:func:`countysurv.models.fit_ols`, :func:`countysurv.models.fit_cox`).

    Raises
    ------
    InputDataError
        Naming ``source``, the missing columns or the duplicated counties.
    """
    missing = [c for c in _SURVIVAL_KEYS if c not in df.columns]
    if missing:
        raise InputDataError(f"{source}: missing column(s) {missing}; expected "
                             f"{list(_SURVIVAL_KEYS)} and the model terms")
    if len(df) == 0:
        raise InputDataError(f"{source}: no rows; nothing to fit")
    dup = df["county_code"].astype(str)
    dup = sorted(set(dup[dup.duplicated()]))
    if dup:
        raise InputDataError(f"{source}: county_code not unique: {dup[:5]}")


# ----------------------------------------------------------------------------------------------
# Rows of the long table
# ----------------------------------------------------------------------------------------------


def _by(names: Sequence[str], values: Iterable[float]) -> dict[str, float]:
    return {n: float(v) for n, v in zip(names, np.asarray(list(values), dtype=float))}


def label_of(term: str) -> str:
    """Table 1's row label of ``term``, or the term itself when Table 1 has no such row."""
    return TABLE_LABELS.get(term, term)


def _row(model: str, term: str, method: str, section: str = "coefficient",
         **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {c: None for c in COLUMNS}
    row.update(section=section, model=model, term=term, label=label_of(term), method=method,
               status=ESTIMATED, stars="")
    row.update(values)
    return row


def _missing_row(model: str, term: str, method: str, reason: str,
                 section: str = "coefficient") -> dict[str, Any]:
    return _row(model, term, method, section, status=NOT_ESTIMATED, reason=reason)


def _coef_rows(model: str, method: str, fit: Mapping[str, Any], terms: Sequence[str],
               stat_key: str, dof: float | None, note: str, **common: Any) -> list[dict]:
    rows = []
    for term in terms:
        p = fit["p"][term]
        rows.append(_row(model, term, method, estimate=fit["coef"][term], se=fit["se"][term],
                         statistic=fit[stat_key][term], df=dof, p=p,
                         stars=significance_stars(p), ci_lower=fit["ci_lower"][term],
                         ci_upper=fit["ci_upper"][term], note=note, **common))
    return rows


def _t_inference(coef: Mapping[str, float], se: Mapping[str, float], dof: float
                 ) -> dict[str, dict[str, float]]:
    """t statistics, two-sided p and 95 % CI with ``dof`` degrees of freedom."""
    names = list(coef)
    b = np.array([coef[n] for n in names])
    s = np.array([se[n] for n in names])
    t = b / s
    q = float(stats.t.ppf(0.975, dof))
    return {"coef": _by(names, b), "se": _by(names, s), "t": _by(names, t),
            "p": _by(names, 2 * stats.t.sf(np.abs(t), dof)),
            "ci_lower": _by(names, b - q * s), "ci_upper": _by(names, b + q * s)}


def _few_clusters(n_clusters: int, n_params: int) -> str:
    """A warning for the note when there are no more clusters than parameters."""
    if n_clusters > n_params:
        return ""
    return (f"; only {n_clusters} clusters for {n_params} parameters: the clustered covariance "
            "is singular and these SEs are unreliable")


def _ols_rows(df: pd.DataFrame, terms: Sequence[str], clusters: pd.Series | None,
              cluster_name: str) -> tuple[list[dict], dict[str, float]]:
    """OLS rows under classical, HC1 and clustered variances; returns them and the coefficients."""
    names = [CONST, *terms]
    classical = models.fit_ols(df, terms, cov_type="nonrobust")
    dof = classical["df_resid"]
    n = {"n_obs": classical["n_obs"]}
    rows = _coef_rows("ols", "classical", classical, names, "t", dof,
                      f"t({dof:g}); as Table 1", **n)
    hc1 = models.fit_ols(df, terms, cov_type="HC1")
    rows += _coef_rows("ols", "hc1", _t_inference(hc1["coef"], hc1["se"], dof), names, "t", dof,
                       f"White sandwich x n/(n-k); t({dof:g})", **n)
    if clusters is None:
        rows += [_missing_row("ols", t, "cluster", "no cluster labels given") for t in names]
    else:
        try:
            cl = model_variants.fit_ols_clustered(df, clusters, terms)
        except ModelFitError as err:
            rows += [_missing_row("ols", t, "cluster", str(err)) for t in names]
        else:
            rows += _coef_rows("ols", "cluster", cl, names, "t", cl["df"],
                               f"clustered by {cluster_name}, CR1 {cl['correction']}; "
                               f"t({cl['df']})" + _few_clusters(cl["n_clusters"], len(names)),
                               n_clusters=cl["n_clusters"], **n)
    return rows, dict(classical["coef"])


def _cox_rows(df: pd.DataFrame, terms: Sequence[str], clusters: pd.Series | None,
              cluster_name: str) -> tuple[list[dict], dict[str, float]]:
    """Cox rows (Efron, Breslow, clustered) and the PH-test rows; returns them and the coefs."""
    efron = models.fit_cox(df, terms)
    n = {"n_obs": efron["n_obs"], "n_events": efron["n_events"]}
    rows = _coef_rows("cox", "efron", efron, terms, "z", None,
                      "Efron ties, model-based SE; as Table 1", **n)
    try:
        breslow = model_variants.fit_cox_breslow(df, terms,
                                                 beta0=[efron["coef"][t] for t in terms])
    except ModelFitError as err:  # a variant that cannot be fitted is reported, not fatal
        rows += [_missing_row("cox", t, "breslow", str(err)) for t in terms]
    else:
        rows += _coef_rows("cox", "breslow", breslow, terms, "z", None,
                           f"Breslow ties ({breslow['n_tied_events']} events share their day)",
                           **n)
    cl = None
    if clusters is None:
        rows += [_missing_row("cox", t, "cluster", "no cluster labels given") for t in terms]
    elif pd.Series(np.asarray(clusters, dtype=object)).astype(str).nunique() < 2:
        rows += [_missing_row("cox", t, "cluster", "1 cluster: clustered SEs need at least two")
                 for t in terms]
    else:
        try:
            cl = extended.fit_cox_clustered(df, clusters, terms, cluster_name=cluster_name)
        except np.linalg.LinAlgError as err:  # its joint Wald test, with fewer clusters than terms
            cl = None
            rows += [_missing_row("cox", t, "cluster", f"clustered variance singular ({err})")
                     for t in terms]
    if cl is not None:
        rows += _coef_rows("cox", "cluster", cl, terms, "z", None,
                           f"Efron ties, robust sandwich clustered by {cluster_name}, "
                           "no small-sample factor" + _few_clusters(cl["n_clusters"], len(terms)),
                           n_clusters=cl["n_clusters"], **n)
    for transform in PH_TRANSFORMS:
        ph = models.cox_zph(df, efron["coef"], terms, transform=transform)
        note = f"cox.zph score test at the Efron fit, {transform} time"
        for term in terms:
            rows.append(_row("cox", term, transform, "ph_test", statistic=ph["stat"][term],
                             df=ph["df"][term], p=ph["pvalue"][term], note=note, **n))
        rows.append(_row("cox", GLOBAL, transform, "ph_test", statistic=ph["global_stat"],
                         df=ph["global_df"], p=ph["global_pvalue"], note=note, **n))
    return rows, dict(efron["coef"])


def _bootstrap_rows(model: str, names: Sequence[str], coef: Mapping[str, float],
                    boot: pd.DataFrame | None, n_obs: int) -> list[dict]:
    """Bootstrap rows of one model: full-sample coefficient, bootstrap SE, percentile CI."""
    if boot is None:
        return [_missing_row(model, t, "bootstrap", "no bootstrap summary "
                             "(bootstrap.replicates is 0)") for t in names]
    needed = ["model", "term", "boot_se", "ci_lower", "ci_upper", "n_used", "n_replicates"]
    missing = [c for c in needed if c not in boot.columns]
    if missing:
        raise InputDataError(f"bootstrap summary lacks column(s) {missing}; expected {needed}")
    found = {(str(r["model"]), str(r["term"])): r for r in boot.to_dict("records")}
    # a summary of another specification (other terms or data) is of no use for any term
    for term in names:
        point = found.get((model, term), {}).get("point_estimate")
        if is_finite(point) and not math.isclose(point, coef[term], rel_tol=_BOOT_POINT_RTOL,
                                               abs_tol=1e-12):
            reason = (f"the bootstrap summary is of another specification: its {term} "
                      f"estimate {point:.6g} is not this fit's {coef[term]:.6g}")
            return [_missing_row(model, t, "bootstrap", reason) for t in names]
    rows = []
    for term in names:
        rec = found.get((model, term))
        if rec is None:
            rows.append(_missing_row(model, term, "bootstrap",
                                     "term not in the bootstrap summary"))
            continue
        se = rec["boot_se"]
        if not is_finite(se) or se <= 0:
            rows.append(_missing_row(model, term, "bootstrap",
                                     f"{int(rec['n_used'])} usable replicates: no bootstrap SE"))
            continue
        z = coef[term] / se
        p = float(2 * stats.norm.sf(abs(z)))
        rows.append(_row(model, term, "bootstrap", estimate=coef[term], se=float(se),
                         statistic=z, p=p, stars=significance_stars(p),
                         ci_lower=rec["ci_lower"], ci_upper=rec["ci_upper"], n_obs=n_obs,
                         note=f"{int(rec['n_used'])} of {int(rec['n_replicates'])} replicates "
                              "used; z = coef / bootstrap SE; percentile 95% CI"
                              + ("" if is_finite(rec.get("point_estimate")) else
                                 "; the summary has no point estimates to check against")))
    return rows


# ----------------------------------------------------------------------------------------------
# The paper beside ours
# ----------------------------------------------------------------------------------------------


def sign_of(x: Any) -> int:
    """-1, 0 or +1 for a finite number; 0 for anything else."""
    return 0 if not is_finite(x) or float(x) == 0 else (1 if float(x) > 0 else -1)


def star_change(ours: str, paper: str) -> str:
    """How our stars compare with the paper's: ``same``, ``appears``, ``disappears``, ``more``
    or ``fewer`` (the number of stars, each of ``***``/``**``/``*``/``""``)."""
    a, b = len(ours or ""), len(paper or "")
    if a == b:
        return "same"
    if b == 0:
        return "appears"
    if a == 0:
        return "disappears"
    return "more" if a > b else "fewer"


def _attach_paper(table: pd.DataFrame, paper: pd.DataFrame | None,
                  paper_ph_global_p: float | None) -> pd.DataFrame:
    """Add the paper's coefficient and stars, and the sign and star flags, to every row."""
    table = table.copy()
    if paper_ph_global_p is not None:
        is_global = (table["section"] == "ph_test") & (table["term"] == GLOBAL)
        table.loc[is_global, "paper_p"] = float(paper_ph_global_p)
    if paper is None:
        return table
    needed = ["model", "term", "coef", "stars"]
    missing = [c for c in needed if c not in paper.columns]
    if missing:
        raise InputDataError(f"paper Table 1 lacks column(s) {missing}; expected {needed}")
    printed = {(str(r["model"]), str(r["term"])): r for r in paper.to_dict("records")}
    for i, row in table.iterrows():
        rec = printed.get((row["model"], row["term"]))
        if row["section"] != "coefficient" or rec is None:
            continue
        stars = "" if rec["stars"] is None or (isinstance(rec["stars"], float)
                                               and math.isnan(rec["stars"])) else str(rec["stars"])
        table.at[i, "paper_estimate"] = float(rec["coef"])
        table.at[i, "paper_stars"] = stars.strip()
        if row["status"] == ESTIMATED:
            ours, theirs = sign_of(row["estimate"]), sign_of(rec["coef"])
            table.at[i, "sign_differs"] = bool(ours and theirs and ours != theirs)
            table.at[i, "star_change"] = star_change(row["stars"], stars.strip())
    return table


def paper_ph_pvalue(paper_fit: pd.DataFrame) -> float | None:
    """The paper's global PH-test p from its fit statistics (``data/paper/paper_table1_fit.csv``:
    model ``cox``, statistic ``ph_test_global_p``), or ``None`` when it has none."""
    needed = ["model", "statistic", "value"]
    if any(c not in paper_fit.columns for c in needed):
        raise InputDataError(f"paper fit statistics lack column(s); expected {needed}")
    value = paper_fit.loc[(paper_fit["model"] == "cox")
                          & (paper_fit["statistic"] == "ph_test_global_p"), "value"]
    return float(value.iloc[0]) if len(value) else None


# ----------------------------------------------------------------------------------------------
# The whole table
# ----------------------------------------------------------------------------------------------


def build_robustness_table(
    survival: pd.DataFrame,
    terms: Sequence[str] = MODEL_TERMS,
    clusters: Sequence[Any] | pd.Series | None = None,
    *,
    cluster_name: str = "province",
    boot: pd.DataFrame | None = None,
    paper: pd.DataFrame | None = None,
    paper_ph_global_p: float | None = None,
    missing_reasons: Mapping[str, str] | None = None,
    source: str = "survival data",
) -> pd.DataFrame:
    """The long robustness table: per model, term and variance; the PH test; the paper beside.

    Parameters
    ----------
    survival
        One row per county: ``county_code``, ``duration_days``, ``event`` and the term columns.
    terms
        The model terms, in table order (default the six of Table 1). Terms absent from
        ``survival`` (or empty, or constant) get ``not_estimated`` rows with the reason, as do
        the paper's terms that ``terms`` leaves out (placed after ``terms``).
    clusters
        One cluster label per row of ``survival`` (e.g. from
        :func:`countysurv.extended.attach_clusters`); ``None`` reports the clustered variances
        as not estimated.
    cluster_name
        What the clusters are (``province``), for the notes.
    boot
        The bootstrap summary (``results/bootstrap/summary.csv``) or ``None``.
    paper
        The paper's Table 1 (``data/paper/paper_table1.csv``: model, term, coef, stars, ...).
    paper_ph_global_p
        The paper's global PH-test p (``data/paper/paper_table1_fit.csv``), shown beside ours.
    missing_reasons
        Term -> why the data cannot give it (e.g. the indicator the panel lacks); used for terms
        absent from ``survival``.
    source
        Name of the survival data in error messages (its path).

    Returns
    -------
    pandas.DataFrame
        :data:`COLUMNS`; rows ordered by model (OLS, Cox), section (coefficients, PH test),
        method (:data:`METHODS`, :data:`PH_TRANSFORMS`) and term (``terms`` order; ``const``
        last for OLS, ``global`` last for the PH test).
    """
    check_survival(survival, source)
    selection = select_terms(survival, terms, missing_reasons)
    n_obs = len(survival)
    labels = None if clusters is None else pd.Series(np.asarray(clusters, dtype=object))
    if labels is not None and len(labels) != n_obs:
        raise InputDataError(f"{len(labels)} cluster labels for {n_obs} counties in {source}")

    fitted = list(selection.estimable)
    if fitted:
        ols_rows, ols_coef = _ols_rows(survival, fitted, labels, cluster_name)
        ols_rows += _bootstrap_rows("ols", [CONST, *fitted], ols_coef, boot, n_obs)
        cox_rows, cox_coef = _cox_rows(survival, fitted, labels, cluster_name)
        cox_rows += _bootstrap_rows("cox", fitted, cox_coef, boot, n_obs)
    else:
        ols_rows, cox_rows = [], []
    rows: list[dict] = ols_rows + cox_rows
    # the paper's terms that this run leaves out are shown too, so that its sign stays in view
    left_out = [] if paper is None or "term" not in paper.columns else [
        t for t in dict.fromkeys(paper["term"].astype(str))
        if t != CONST and t not in selection.requested]
    not_estimated = {**selection.not_estimated,
                     **{t: "not among this run's terms, config models.terms" for t in left_out}}
    for term, reason in not_estimated.items():
        for model, methods in METHODS.items():
            rows += [_missing_row(model, term, method, reason) for method in methods]
        rows += [_missing_row("cox", term, t, reason, "ph_test") for t in PH_TRANSFORMS]
    if not fitted:
        reason = "no term can be estimated"
        rows += [_missing_row("ols", CONST, m, reason) for m in METHODS["ols"]]
        rows += [_missing_row("cox", GLOBAL, t, reason, "ph_test") for t in PH_TRANSFORMS]

    table = pd.DataFrame(rows, columns=list(COLUMNS))
    table = _attach_paper(table, paper, paper_ph_global_p)
    return _order(table, [*selection.requested, *left_out])


def _order(table: pd.DataFrame, requested: Sequence[str]) -> pd.DataFrame:
    term_rank = {t: i for i, t in enumerate([*requested, CONST, GLOBAL])}
    method_rank = {m: i for i, m in enumerate([*METHODS["ols"], *METHODS["cox"], *PH_TRANSFORMS])}
    keys = pd.DataFrame({
        "m": table["model"].map({"ols": 0, "cox": 1}),
        "s": table["section"].map({"coefficient": 0, "ph_test": 1}),
        "v": table["method"].map(method_rank),
        "t": table["term"].map(term_rank),
    })
    order = keys.sort_values(["m", "s", "v", "t"], kind="mergesort").index
    out = table.loc[order].reset_index(drop=True)
    for col in _FLOAT_COLUMNS:
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64")
    for col in _INT_COLUMNS:
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("Int64")
    out["sign_differs"] = out["sign_differs"].astype("boolean")
    for col in ("stars", "paper_stars", "star_change", "note", "reason"):
        out[col] = out[col].fillna("").astype(str)
    return out


def robustness_to_csv(table: pd.DataFrame, digits: int = SIGNIFICANT_DIGITS) -> str:
    """The long table as CSV, floats rounded to ``digits`` significant digits.

    Rounding makes the file byte-identical across machines whose last-bit floating-point noise
    differs (as the bootstrap summary is written).
    """
    out = table.copy()
    for col in _FLOAT_COLUMNS:
        out[col] = [float(f"{v:.{digits}g}") if is_finite(v) else v for v in out[col]]
    return out.to_csv(index=False, lineterminator="\n")


