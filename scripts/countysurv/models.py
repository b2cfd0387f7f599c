"""The two models of Table 1: OLS of the exit duration and a Cox proportional-hazards model.

Both functions take the survival DataFrame (one row per county, ``schemas.SurvivalSpell``) and
return a plain, JSON-ready ``dict`` (floats, ints, strings and dicts keyed by term), which the rule
scripts write to ``results/models/ols.json`` and ``results/models/cox.json``.

Agreement with R is part of the contract (README, "Choices the paper left open") and is tested in
``tests/test_r_agreement.py``:

* :func:`fit_ols` uses statsmodels ``OLS``; coefficients, SEs, R², F, VIF and the Breusch–Pagan
  statistic match ``lm`` / ``lmtest::bptest`` to far better than 1e-6 relative.
* :func:`fit_cox` fits with lifelines' ``CoxPHFitter`` (Efron ties, tightened convergence) and then
  *polishes* the estimate with full Efron Newton–Raphson steps written here in numpy, so that
  coefficients, SEs and the likelihood-ratio statistic match ``survival::coxph(ties="efron")`` to
  ~1e-9 relative (lifelines alone stops at ~2e-5 by default). The standard errors come from the
  observed information at the polished estimate, exactly as ``coxph`` computes them.
* :func:`cox_zph` is a numpy port of survival 3.x ``cox.zph`` (R function plus the C routine
  ``zph1``): a score test of adding ``x * g(t)`` terms, per term and globally. It is *not*
  lifelines' ``proportional_hazard_test``, which computes a different statistic (its p-values
  differ from ``cox.zph``'s on the same fit), so the transform and the method are reported.

:func:`check_inputs` rejects degenerate input before a fit; the fits of :mod:`countysurv.extended`
use it too.
statsmodels and lifelines are imported inside the functions that need them, so that importing this
module stays cheap.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from . import io
from .errors import InputDataError, ModelFitError
from .terms import CONST, MODEL_TERMS

ID_COL = "county_code"
OLS_COV_TYPES = ("nonrobust", "HC1", "HC3")
PH_TRANSFORMS = ("km", "rank", "identity", "log")

#: Newton–Raphson settings of the Cox polish step (R's coxph uses eps=1e-9 on the log-likelihood,
#: iter.max=20; we iterate to a much tighter step size so that R's answer is the less precise one).
_NR_MAX_ITER = 50
_NR_STEP_TOL = 1e-11
_NR_LL_TOL = 1e-15
#: R's coxph.control()$toler.inf: flag coefficients that may be infinite (monotone likelihood).
_TOLER_INF = math.sqrt(1e-9)
_N_SHOWN = 5  # offending county codes quoted in an error message


# ----------------------------------------------------------------------------------------------
# Pre-fit checks
# ----------------------------------------------------------------------------------------------


def _offenders(df: pd.DataFrame, mask: np.ndarray | pd.Series, id_col: str) -> str:
    """Describe the rows selected by ``mask``: their count and a few county codes (or row labels)."""
    mask = np.asarray(mask, dtype=bool)
    n_bad = int(mask.sum())
    if id_col in df.columns:
        labels = df.loc[mask, id_col].astype(str).tolist()
        what = id_col
    else:
        labels = [str(i) for i in df.index[mask]]
        what = "row"
    shown = ", ".join(labels[:_N_SHOWN]) + (", …" if n_bad > _N_SHOWN else "")
    return f"{n_bad} row{'s' if n_bad != 1 else ''} ({what} {shown})"


def check_inputs(
    df: pd.DataFrame,
    terms: Sequence[str],
    duration_col: str,
    event_col: str | None = None,
    *,
    n_params: int | None = None,
    id_col: str = ID_COL,
) -> None:
    """Reject degenerate model input before fitting, naming the column and offending counties.

    Checks, in order: the frame is non-empty and has every needed column; the columns are numeric
    and finite (no NaN or inf); durations are > 0; events are 0/1; there is at least one event (Cox
    only, ``event_col`` given); there are more rows than parameters; no term is constant; the
    design matrix (with an intercept) has full column rank.

    Raises
    ------
    InputDataError
        A value violates the data contract (missing column, NaN/inf, duration <= 0, event not 0/1).
    ModelFitError
        The data are valid but the model cannot be estimated from them (no events, too few rows,
        a constant term, perfectly collinear terms).
    """
    if not isinstance(df, pd.DataFrame):
        raise InputDataError(f"model input must be a pandas DataFrame, got {type(df).__name__}")
    terms = list(terms)
    if not terms:
        raise ModelFitError("no terms given: pass at least one covariate column in `terms`")
    if len(set(terms)) != len(terms):
        raise ModelFitError(f"terms contain duplicates: {terms}")
    needed = [*terms, duration_col] + ([event_col] if event_col is not None else [])
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise InputDataError(
            f"survival data lack column(s) {missing}; expected {needed} "
            f"(columns present: {list(df.columns)}). Rebuild results/analysis/survival.parquet."
        )
    if len(df) == 0:
        raise InputDataError("survival data have no rows; nothing to fit")

    for col in needed:
        if not (pd.api.types.is_numeric_dtype(df[col]) or pd.api.types.is_bool_dtype(df[col])):
            raise InputDataError(
                f"column {col!r} is not numeric (dtype {df[col].dtype}); convert it before fitting"
            )
        values = df[col].to_numpy(dtype=float, na_value=np.nan)
        bad = ~np.isfinite(values)
        if bad.any():
            raise InputDataError(
                f"column {col!r} has NaN or inf in {_offenders(df, bad, id_col)}; "
                "impute or drop these counties upstream (and log it) before fitting"
            )

    duration = df[duration_col].to_numpy(dtype=float)
    bad = duration <= 0
    if bad.any():
        raise InputDataError(
            f"column {duration_col!r} must be > 0 but is <= 0 in {_offenders(df, bad, id_col)}; "
            "check the exit and baseline dates of these counties"
        )

    n_events = None
    if event_col is not None:
        event = df[event_col].to_numpy(dtype=float)
        bad = ~np.isin(event, (0.0, 1.0))
        if bad.any():
            raise InputDataError(
                f"column {event_col!r} must be 0 (censored) or 1 (exit) but is "
                f"{sorted(set(event[bad].tolist()))[:_N_SHOWN]} in {_offenders(df, bad, id_col)}"
            )
        n_events = int(event.sum())
        if n_events == 0:
            raise ModelFitError(
                f"column {event_col!r} has no events (all {len(df)} rows censored); "
                "a Cox model cannot be fitted"
            )

    if n_params is None:
        n_params = len(terms)
    if len(df) <= n_params:
        raise ModelFitError(
            f"{len(df)} rows for {n_params} parameters (terms {terms}); "
            "need more rows than parameters"
        )

    for col in terms:
        values = df[col].to_numpy(dtype=float)
        if np.ptp(values) == 0:
            raise ModelFitError(
                f"term {col!r} has zero variance (every row equals {values[0]:g}); "
                "drop it from `terms` or check how it was built"
            )

    design = np.column_stack([np.ones(len(df)), df[terms].to_numpy(dtype=float)])
    scaled = design / np.abs(design).max(axis=0)
    rank = np.linalg.matrix_rank(scaled)
    if rank < design.shape[1]:
        # name the terms that are a linear combination of the others (and the intercept)
        culprits = []
        for j, col in enumerate(terms, start=1):
            rest = np.delete(scaled, j, axis=1)
            if np.linalg.matrix_rank(rest) == rank:
                culprits.append(col)
        raise ModelFitError(
            f"terms are perfectly collinear (design rank {rank} < {design.shape[1]} columns "
            f"with intercept); involved: {culprits}. Drop one of them from `terms`"
        )


# ----------------------------------------------------------------------------------------------
# OLS
# ----------------------------------------------------------------------------------------------


def _vif(exog: np.ndarray, names: Sequence[str]) -> dict[str, float]:
    """VIF_j = 1 / (1 - R²_j), R²_j from regressing column j on the other columns (``exog`` has the
    constant in column 0, which is not reported)."""
    out = {}
    for j, name in enumerate(names, start=1):
        y = exog[:, j]
        others = np.delete(exog, j, axis=1)
        coef, *_ = np.linalg.lstsq(others, y, rcond=None)
        resid = y - others @ coef
        r2 = 1.0 - float(resid @ resid) / float(((y - y.mean()) ** 2).sum())
        out[name] = float(1.0 / (1.0 - r2)) if r2 < 1.0 else math.inf
    return out


def fit_ols(
    df: pd.DataFrame,
    terms: Sequence[str] = MODEL_TERMS,
    duration_col: str = "duration_days",
    cov_type: str = "nonrobust",
    *,
    id_col: str = ID_COL,
) -> dict[str, Any]:
    """OLS of ``duration_col`` on ``terms`` plus an intercept (statsmodels), with diagnostics.

    Parameters
    ----------
    df
        Survival data, one row per county.
    terms
        Covariate columns (default :data:`~countysurv.terms.MODEL_TERMS`).
    duration_col
        Dependent variable (days from the baseline to exit or censoring).
    cov_type
        ``"nonrobust"`` (classical SEs, as in the paper), ``"HC1"`` or ``"HC3"``
        (heteroskedasticity-robust). With a robust ``cov_type`` the SEs, p-values and the overall
        F test use the robust covariance: ``f_stat`` is then the robust Wald F of all slopes = 0
        (statsmodels' ``fvalue``), not the classical ANOVA F. R², VIF and the two
        heteroskedasticity tests do not depend on ``cov_type``.

    Returns
    -------
    dict
        ``method``, ``dependent``, ``terms``, ``cov_type``; ``coef``, ``se``, ``t``, ``p``,
        ``ci_lower``, ``ci_upper`` (95 %) as dicts keyed ``const`` first, then the terms in order;
        ``r2``, ``adj_r2``, ``f_stat``, ``f_df_num``, ``f_df_denom``, ``f_pvalue``, ``n_obs``,
        ``df_model``, ``df_resid``, ``log_likelihood``, ``aic``, ``bic``; ``vif`` by term (no
        const); ``breusch_pagan`` and ``white``, each ``{stat, df, pvalue, method}``.

        ``breusch_pagan`` is the studentized (Koenker 1981) LM statistic n·R² of the auxiliary
        regression of e² on the regressors, as R's ``lmtest::bptest`` default
        (``studentize=TRUE``). ``white`` is White's (1980) test, n·R² of e² on the regressors,
        their squares and cross-products (statsmodels ``het_white``; duplicate columns such as
        the square of a dummy do not add degrees of freedom).

    Raises
    ------
    InputDataError, ModelFitError
        From :func:`check_inputs`, or for an unknown ``cov_type``.
    """
    from statsmodels.regression.linear_model import OLS
    from statsmodels.stats.diagnostic import het_breuschpagan, het_white
    from statsmodels.tools.sm_exceptions import SingularMatrixWarning

    if cov_type not in OLS_COV_TYPES:
        raise ModelFitError(f"cov_type {cov_type!r} is not one of {OLS_COV_TYPES}")
    terms = list(terms)
    check_inputs(df, terms, duration_col, None, n_params=len(terms) + 1, id_col=id_col)

    names = [CONST, *terms]
    y = df[duration_col].to_numpy(dtype=float)
    exog = np.column_stack([np.ones(len(df)), df[terms].to_numpy(dtype=float)])
    model = OLS(y, exog)
    res = model.fit() if cov_type == "nonrobust" else model.fit(cov_type=cov_type)

    bp_lm, bp_p, _, _ = het_breuschpagan(res.resid, exog, robust=True)
    with warnings.catch_warnings():
        # squares of 0/1 dummies duplicate columns of the auxiliary design; expected, and the
        # pseudo-inverse fit gives the right R² (matches R's lm, which drops aliased columns)
        warnings.simplefilter("ignore", SingularMatrixWarning)
        wh_lm, wh_p, _, _ = het_white(res.resid, exog)
    # df of White's test: rank of the auxiliary design minus the constant
    i0, i1 = np.triu_indices(exog.shape[1])
    aux = exog[:, i0] * exog[:, i1]
    # (columns scaled to a maximum of 1; an all-zero product, e.g. two dummies never both 1,
    # adds nothing to the rank and is left out rather than divided by zero)
    scale = np.abs(aux).max(axis=0)
    white_df = int(np.linalg.matrix_rank(aux[:, scale > 0] / scale[scale > 0])) - 1
    ci = np.asarray(res.conf_int(alpha=0.05))

    def by_name(values) -> dict[str, float]:
        return {n: float(v) for n, v in zip(names, np.asarray(values))}

    return {
        "method": "OLS (statsmodels); "
        + ("classical SEs" if cov_type == "nonrobust" else f"{cov_type} robust SEs, robust Wald F"),
        "dependent": duration_col,
        "terms": terms,
        "cov_type": cov_type,
        "coef": by_name(res.params),
        "se": by_name(res.bse),
        "t": by_name(res.tvalues),
        "p": by_name(res.pvalues),
        "ci_lower": by_name(ci[:, 0]),
        "ci_upper": by_name(ci[:, 1]),
        "r2": float(res.rsquared),
        "adj_r2": float(res.rsquared_adj),
        "f_stat": float(res.fvalue),
        "f_df_num": float(res.df_model),
        "f_df_denom": float(res.df_resid),
        "f_pvalue": float(res.f_pvalue),
        "n_obs": int(res.nobs),
        "df_model": float(res.df_model),
        "df_resid": float(res.df_resid),
        "log_likelihood": float(res.llf),
        "aic": float(res.aic),
        "bic": float(res.bic),
        "vif": _vif(exog, terms),
        "breusch_pagan": {
            "stat": float(bp_lm),
            "df": int(len(terms)),
            "pvalue": float(bp_p),
            "method": "studentized Breusch-Pagan (Koenker), as lmtest::bptest default",
        },
        "white": {
            "stat": float(wh_lm),
            "df": white_df,
            "pvalue": float(wh_p),
            "method": "White test: e^2 on regressors, squares and cross-products (het_white)",
        },
    }


# ----------------------------------------------------------------------------------------------
# Cox: Efron partial likelihood in numpy
# ----------------------------------------------------------------------------------------------


class RiskSets:
    """Risk sets and tied deaths at each event time, and Efron's expansion of the ties.

    The one place that computes Efron risk-set sums for a single fit: the paper's Cox model, its
    PH test (:func:`cox_zph`) and the counting-process Cox models of :mod:`countysurv.extended`
    (time-varying covariates, clustered score residuals) all take them from here; the Breslow fit
    of :mod:`countysurv.model_variants` uses its risk-set sums without the Efron expansion. A row is at
    risk at an event time t when ``start < t <= stop`` (R's counting-process convention;
    ``start=None`` is right-censored data, every row at risk from time 0 on) and dies at t when
    ``stop == t`` and its event is 1. Efron's approximation expands the ``d`` deaths tied at t
    into ``d`` terms ``k = 0..d-1`` whose denominator is the risk-set sum minus ``k / d`` of the
    deaths' sum. (Fits of B weighted replicates at once, in the bootstrap and the Monte Carlo
    study, have their own batched version: :mod:`countysurv.batched` says why.)

    Attributes: ``times`` (distinct event times, ascending), ``n_deaths`` per time,
    ``death_rows`` and their ``death_group`` (index into ``times``), and per Efron term
    ``efron_group`` and ``efron_frac`` (= k / d).
    """

    def __init__(self, stop: np.ndarray, event: np.ndarray, start: np.ndarray | None = None):
        self.stop = np.asarray(stop, dtype=float)
        self.event = np.asarray(event).astype(bool)
        self.start = None if start is None else np.asarray(start, dtype=float)
        times, d = np.unique(self.stop[self.event], return_counts=True)
        self.times, self.n_deaths = times, d
        # rows at risk at t = rows with stop >= t minus rows with start >= t (start < stop):
        # suffix sums over the rows sorted by stop and by start
        self.by_stop = np.argsort(self.stop, kind="mergesort")
        self.i_stop = np.searchsorted(self.stop[self.by_stop], times, side="left")
        if self.start is not None:
            self.by_start = np.argsort(self.start, kind="mergesort")
            self.i_start = np.searchsorted(self.start[self.by_start], times, side="left")
        self.death_rows = np.flatnonzero(self.event)
        self.death_group = np.searchsorted(times, self.stop[self.event])
        self.efron_group = np.repeat(np.arange(len(times)), d)
        within = np.arange(d.sum()) - np.repeat(np.cumsum(d) - d, d)
        self.efron_frac = within / np.repeat(d, d)

    def risk_sum(self, v: np.ndarray) -> np.ndarray:
        """Sum of the rows of ``v`` (n, ...) at risk at each event time: (G, ...)."""
        def suffix(order: np.ndarray, idx: np.ndarray) -> np.ndarray:
            cs = np.concatenate([np.cumsum(v[order][::-1], axis=0)[::-1],
                                 np.zeros((1,) + v.shape[1:])])
            return cs[idx]
        total = suffix(self.by_stop, self.i_stop)
        if self.start is None:
            return total
        return total - suffix(self.by_start, self.i_start)

    def death_sum(self, v: np.ndarray) -> np.ndarray:
        """Sum of the rows of ``v`` (n, ...) that die at each event time: (G, ...)."""
        out = np.zeros((len(self.times),) + v.shape[1:])
        np.add.at(out, self.death_group, v[self.death_rows])
        return out

    def efron_sums(self, w: np.ndarray, x: np.ndarray, xx: np.ndarray | None = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Efron's sums, one per term (death): ``(den, a, c)``, not yet divided by ``den``.

        ``w`` (n,) are the risk weights exp(eta - shift), ``x`` (n, p) the covariates and ``xx``
        (n, q) optional per-row products (e.g. x x' flattened to p * p columns). ``den`` (D,)
        = sum of w, ``a`` (D, p) = sum of w x and ``c`` (D, q) = sum of w xx over the risk set
        minus ``k / d`` of the deaths (``c`` is None without ``xx``).
        """
        k, f = self.efron_group, self.efron_frac
        den = self.risk_sum(w)[k] - f * self.death_sum(w)[k]
        wx = w[:, None] * x
        a = self.risk_sum(wx)[k] - f[:, None] * self.death_sum(wx)[k]
        if xx is None:
            return den, a, None
        wxx = w[:, None] * xx
        return den, a, self.risk_sum(wxx)[k] - f[:, None] * self.death_sum(wxx)[k]


class _EventTimes(RiskSets):
    """Right-censored data put in time order (``order``), and their risk sets.

    The fits here work on the time-sorted rows: ``risk_start[m]`` is the first sorted row at risk
    at the m-th event time (every later row is at risk too).
    """

    def __init__(self, time: np.ndarray, event: np.ndarray):
        self.order = np.argsort(time, kind="mergesort")
        self.time_sorted = time[self.order]
        self.event_sorted = event[self.order].astype(bool)
        super().__init__(self.time_sorted, self.event_sorted)
        self.risk_start = self.i_stop


def _efron_sums(x: np.ndarray, eta: np.ndarray, et: _EventTimes):
    """Per Efron term (one per death): denominator, weighted sum of x, weighted sum of x x'.

    ``x`` and ``eta`` are in time-sorted order. Returns ``(den, a, c, w)`` with shapes (D,),
    (D, p), (D, p, p) and (n,), where D is the number of deaths and w = exp(eta - max(eta)).
    """
    w = np.exp(eta - eta.max())
    n, p = x.shape
    den, a, c = et.efron_sums(w, x, (x[:, :, None] * x[:, None, :]).reshape(n, p * p))
    return den, a, c.reshape(-1, p, p), w


def _efron_derivatives(x: np.ndarray, beta: np.ndarray, et: _EventTimes):
    """Efron log partial likelihood, score and observed information at ``beta`` (sorted data)."""
    eta = x @ beta
    den, a, c, w = _efron_sums(x, eta, et)
    shift = eta.max()  # w = exp(eta - shift); log(den) is shifted by the same amount
    xbar = a / den[:, None]
    loglik = float(eta[et.event_sorted].sum() - (np.log(den) + shift).sum())
    score = x[et.event_sorted].sum(axis=0) - xbar.sum(axis=0)
    info = (c / den[:, None, None] - xbar[:, :, None] * xbar[:, None, :]).sum(axis=0)
    return loglik, score, info


def newton_raphson(derivatives, beta0: np.ndarray, max_iter: int = _NR_MAX_ITER):
    """Newton–Raphson with step halving on a concave log partial likelihood, to a tight tolerance.

    ``derivatives(beta)`` returns ``(loglik, score, information)``. Converged when the relative
    step is below 1e-11, or the log-likelihood changes by at most 1e-15 relative without step
    halving. Returns ``(beta, loglik, score, info, iterations, converged)``; ``info`` is
    evaluated at the returned ``beta`` (as in R's coxph, whose variance is the inverse
    information at the final estimate). Shared by the Cox polish here and the counting-process
    Cox of :mod:`countysurv.extended`.
    """
    beta = np.asarray(beta0, dtype=float).copy()
    loglik, score, info = derivatives(beta)
    converged = False
    it = 0
    for it in range(1, max_iter + 1):
        try:
            step = np.linalg.solve(info, score)
        except np.linalg.LinAlgError as err:
            raise ModelFitError(f"Cox information matrix is singular at iteration {it}: {err}") from err
        if not np.all(np.isfinite(step)):
            raise ModelFitError(f"Cox Newton-Raphson produced a non-finite step at iteration {it}")
        new = beta + step
        new_ll, new_score, new_info = derivatives(new)
        halvings = 0
        while not (new_ll >= loglik - 1e-12 * abs(loglik)) and halvings < 30:
            step = step / 2
            new = beta + step
            new_ll, new_score, new_info = derivatives(new)
            halvings += 1
        small_step = np.max(np.abs(step) / np.maximum(1.0, np.abs(new))) < _NR_STEP_TOL
        small_ll = abs(new_ll - loglik) <= _NR_LL_TOL * abs(new_ll)
        beta, loglik, score, info = new, new_ll, new_score, new_info
        if small_step or (small_ll and halvings == 0):
            converged = True
            break
    return beta, loglik, score, info, it, converged


def _newton_raphson(x: np.ndarray, et: _EventTimes, beta0: np.ndarray):
    """Efron Newton–Raphson (:func:`newton_raphson`) on right-censored data, from ``beta0``."""
    return newton_raphson(lambda beta: _efron_derivatives(x, beta, et), beta0)


# ----------------------------------------------------------------------------------------------
# Cox: PH test (port of survival 3.x cox.zph)
# ----------------------------------------------------------------------------------------------


def _km_left(time: np.ndarray, event: np.ndarray) -> np.ndarray:
    """1 - S(t-) per row, with S the Kaplan–Meier estimate on all rows (cox.zph's "km")."""
    uniq = np.unique(time)
    at_risk = len(time) - np.searchsorted(np.sort(time), uniq, side="left")
    deaths = np.bincount(np.searchsorted(uniq, time[event]), minlength=len(uniq))
    surv = np.cumprod(1.0 - deaths / at_risk)
    # number of distinct times strictly below each row's time (findInterval, left.open=TRUE)
    idx = np.searchsorted(uniq, time, side="left")
    return 1.0 - np.concatenate([[1.0], surv])[idx]


def _transform_time(time: np.ndarray, event: np.ndarray, transform: str) -> np.ndarray:
    if transform == "km":
        return _km_left(time, event)
    if transform == "rank":
        return stats.rankdata(time, method="average")
    if transform == "identity":
        return time.astype(float)
    if transform == "log":
        return np.log(time)
    raise ModelFitError(f"PH test transform {transform!r} is not one of {PH_TRANSFORMS}")


def _zph_pieces(x: np.ndarray, time: np.ndarray, event: np.ndarray, beta: np.ndarray, transform: str):
    """Score vector and 2p x 2p information of the model extended by x * g(t), at (beta, 0).

    Mirrors survival's C routine ``zph1`` with Efron ties: g(t) is the transformed time centred at
    its mean over events; the score of the extra terms is sum over deaths of g(t) times the
    Schoenfeld residual; the information blocks are sum V, sum g V and sum g² V over the Efron
    terms. Returns ``(u_extra, imat, schoenfeld, g_event, et)`` with Schoenfeld residuals and g(t)
    for the deaths in time order.
    """
    gtime_all = _transform_time(time, event, transform)
    gtime_all = gtime_all - gtime_all[event].mean()
    xc = x - x.mean(axis=0)  # zph1 recentres X for stability
    et = _EventTimes(time, event)
    xs = xc[et.order]
    den, a, c, _ = _efron_sums(xs, xs @ beta, et)
    xbar = a / den[:, None]
    v = c / den[:, None, None] - xbar[:, :, None] * xbar[:, None, :]
    g_sorted = gtime_all[et.order]
    # g per distinct event time (all rows tied at a time share it)
    g_group = g_sorted[et.risk_start]
    g_efron = g_group[et.efron_group]
    # Schoenfeld residual of each death: x_i minus the mean of its time's Efron means
    d = et.n_deaths
    mean_of_means = np.zeros((len(d), x.shape[1]))
    np.add.at(mean_of_means, et.efron_group, xbar)
    mean_of_means /= d[:, None]
    schoen = xs[et.event_sorted] - mean_of_means[et.death_group]
    g_event = g_group[et.death_group]
    u_extra = (g_event[:, None] * schoen).sum(axis=0)
    p = x.shape[1]
    imat = np.empty((2 * p, 2 * p))
    imat[:p, :p] = v.sum(axis=0)
    imat[:p, p:] = imat[p:, :p] = (g_efron[:, None, None] * v).sum(axis=0)
    imat[p:, p:] = ((g_efron**2)[:, None, None] * v).sum(axis=0)
    return u_extra, imat, schoen, g_event, et


def cox_zph(
    df: pd.DataFrame,
    coef: dict[str, float] | Sequence[float],
    terms: Sequence[str] = MODEL_TERMS,
    duration_col: str = "duration_days",
    event_col: str = "event",
    transform: str = "km",
) -> dict[str, Any]:
    """Test proportional hazards at a fitted Cox model, as survival 3.x ``cox.zph`` (Efron ties).

    For each term j the statistic is the score test, at (beta_hat, 0), of adding the covariate
    x_j * g(t), with g the transformed time centred at its mean over events; the global test adds
    all p such covariates at once (df = p). ``transform`` is one of ``"km"`` (1 - KM(t-), R's
    default), ``"rank"``, ``"identity"`` or ``"log"``. Each per-term test has 1 df.

    Returns
    -------
    dict
        ``stat`` and ``pvalue`` by term, ``global_stat``, ``global_df``, ``global_pvalue``,
        ``transform`` and ``method`` (``"survival 3.x cox.zph score test"``).
    """
    if transform not in PH_TRANSFORMS:
        raise ModelFitError(f"PH test transform {transform!r} is not one of {PH_TRANSFORMS}")
    terms = list(terms)
    beta = np.array([coef[t] for t in terms] if isinstance(coef, dict) else coef, dtype=float)
    x = df[terms].to_numpy(dtype=float)
    time = df[duration_col].to_numpy(dtype=float)
    event = df[event_col].to_numpy(dtype=float) == 1
    u_extra, imat, *_ = _zph_pieces(x, time, event, beta, transform)
    p = len(terms)
    stat, pval = {}, {}
    for j, name in enumerate(terms):
        kk = [*range(p), p + j]
        u = np.zeros(p + 1)
        u[-1] = u_extra[j]
        s = float(u @ np.linalg.solve(imat[np.ix_(kk, kk)], u))
        stat[name] = s
        pval[name] = float(stats.chi2.sf(s, 1))
    u = np.concatenate([np.zeros(p), u_extra])
    g_stat = float(u @ np.linalg.solve(imat, u))
    return {
        "stat": stat,
        "pvalue": pval,
        "df": {name: 1 for name in terms},
        "global_stat": g_stat,
        "global_df": p,
        "global_pvalue": float(stats.chi2.sf(g_stat, p)),
        "transform": transform,
        "method": "survival 3.x cox.zph score test",
    }


def schoenfeld_residuals(
    df: pd.DataFrame,
    coef: dict[str, float] | Sequence[float],
    terms: Sequence[str] = MODEL_TERMS,
    duration_col: str = "duration_days",
    event_col: str = "event",
    transform: str = "km",
) -> pd.DataFrame:
    """Unscaled Schoenfeld residuals (Efron ties) at ``coef``, one row per event, in time order.

    Columns: ``county_code`` (if present), ``time``, ``g_time`` (the centred transformed time used
    by :func:`cox_zph`) and one column per term. Useful for plotting the PH diagnostics.
    """
    terms = list(terms)
    beta = np.array([coef[t] for t in terms] if isinstance(coef, dict) else coef, dtype=float)
    x = df[terms].to_numpy(dtype=float)
    time = df[duration_col].to_numpy(dtype=float)
    event = df[event_col].to_numpy(dtype=float) == 1
    _, _, schoen, g_event, et = _zph_pieces(x, time, event, beta, transform)
    rows = et.order[et.event_sorted]
    out = pd.DataFrame(schoen, columns=terms)
    out.insert(0, "g_time", g_event)
    out.insert(0, "time", time[rows])
    if ID_COL in df.columns:
        out.insert(0, ID_COL, df[ID_COL].to_numpy()[rows])
    return out


# ----------------------------------------------------------------------------------------------
# Cox: the fit
# ----------------------------------------------------------------------------------------------


def fit_cox(
    df: pd.DataFrame,
    terms: Sequence[str] = MODEL_TERMS,
    duration_col: str = "duration_days",
    event_col: str = "event",
    ph_transform: str = "km",
    *,
    id_col: str = ID_COL,
) -> dict[str, Any]:
    """Cox proportional-hazards model with Efron ties, LR test, concordance and PH test.

    The model is fitted with lifelines' ``CoxPHFitter`` (Efron ties; ``fit_options`` precision
    1e-12, r_precision 1e-14, step size 1). lifelines does not apply its last Newton step and its
    stopping rules are loose, so even with these options its coefficients stay ~1e-6 relative away
    from R's ``coxph`` (measured 1.2e-6 on a 76-county dataset; 6e-6 with default options), which
    misses the 1e-6 contract. We therefore *polish*: full Efron Newton–Raphson steps in numpy (with step
    halving) from lifelines' estimate until the relative step is below 1e-11; coefficients, SEs
    (inverse observed information at the final estimate) and the log-likelihood then agree with
    R's ``coxph(ties="efron")`` to ~1e-9 relative. ``polish_max_change`` bounds how far the
    polish moved lifelines' coefficients (the power of ten just above the largest change: its
    digits are rounding noise, different on every CPU).

    Parameters
    ----------
    df
        Survival data, one row per county.
    terms, duration_col, event_col
        Covariate, time (days, > 0) and event (1 = exit, 0 = censored) columns.
    ph_transform
        Time transform of the PH test (:func:`cox_zph`): ``"km"`` (default, as R), ``"rank"``,
        ``"identity"`` or ``"log"``.

    Returns
    -------
    dict
        ``method``, ``terms``, ``ties`` (``"efron"``); by term: ``coef``, ``se``, ``z``, ``p``,
        ``hazard_ratio`` (= exp(coef)), ``ci_lower``/``ci_upper`` (95 % Wald, coefficient scale),
        ``hr_ci_lower``/``hr_ci_upper``; ``lr_stat``, ``lr_df``, ``lr_pvalue`` (likelihood ratio
        against the null model), ``log_likelihood``, ``log_likelihood_null``, ``n_obs``,
        ``n_events``, ``concordance`` (Harrell's C of the risk score, lifelines), ``converged``,
        ``iterations`` (polish steps), ``polish_max_change``, ``warnings`` (list of strings), and
        ``ph_test`` as returned by :func:`cox_zph`.

    Raises
    ------
    InputDataError, ModelFitError
        Degenerate input (see :func:`check_inputs`), a singular information matrix, or no
        convergence.
    """
    from lifelines import CoxPHFitter
    from lifelines.exceptions import ConvergenceError

    if ph_transform not in PH_TRANSFORMS:
        raise ModelFitError(f"ph_transform {ph_transform!r} is not one of {PH_TRANSFORMS}")
    terms = list(terms)
    check_inputs(df, terms, duration_col, event_col, n_params=len(terms), id_col=id_col)

    data = pd.DataFrame(
        {
            **{t: df[t].to_numpy(dtype=float) for t in terms},
            duration_col: df[duration_col].to_numpy(dtype=float),
            event_col: df[event_col].to_numpy(dtype=float).astype(int),
        }
    )
    cph = CoxPHFitter()  # Efron ties are lifelines' (only) method for CoxPHFitter
    fit_warnings: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            cph.fit(
                data,
                duration_col=duration_col,
                event_col=event_col,
                fit_options={"precision": 1e-12, "r_precision": 1e-14, "step_size": 1.0, "max_steps": 200},
            )
        except ConvergenceError as err:
            raise ModelFitError(f"lifelines Cox fit failed: {err}") from err
    for w in caught:
        fit_warnings.append(f"lifelines: {w.message}".strip())
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    beta_lifelines = cph.params_.loc[terms].to_numpy(dtype=float)

    # polish with our own Efron Newton-Raphson on centred covariates
    x = data[terms].to_numpy(dtype=float)
    x = x - x.mean(axis=0)
    time = data[duration_col].to_numpy(dtype=float)
    event = data[event_col].to_numpy() == 1
    et = _EventTimes(time, event)
    xs = x[et.order]
    beta, loglik, score, info, iterations, converged = _newton_raphson(xs, et, beta_lifelines)
    if not converged:
        raise ModelFitError(
            f"Cox Newton-Raphson did not converge in {_NR_MAX_ITER} iterations "
            f"(coefficients {dict(zip(terms, beta.round(4)))}); check for separation"
        )
    try:
        var = np.linalg.inv(info)
    except np.linalg.LinAlgError as err:
        raise ModelFitError(f"Cox information matrix is singular at the estimate: {err}") from err
    # R's check for coefficients that may be infinite (monotone likelihood, e.g. no events in a group)
    infs = np.abs(score @ var)
    flag = (infs > 1e-9) & (infs > _TOLER_INF * np.abs(beta))
    for name in np.array(terms)[flag]:
        msg = f"log-likelihood converged before coefficient {name!r}; it may be infinite"
        fit_warnings.append(msg)
        warnings.warn(msg, RuntimeWarning, stacklevel=2)

    loglik_null, _, _ = _efron_derivatives(xs, np.zeros(len(terms)), et)
    se = np.sqrt(np.diag(var))
    z = beta / se
    pvals = 2 * stats.norm.sf(np.abs(z))
    q = stats.norm.ppf(0.975)
    lr = 2.0 * (loglik - loglik_null)
    ph = cox_zph(data, beta, terms, duration_col, event_col, transform=ph_transform)

    def by_term(values) -> dict[str, float]:
        return {t: float(v) for t, v in zip(terms, values)}

    from lifelines.utils import concordance_index

    concordance = concordance_index(time, -(x @ beta), event)
    return {
        "method": "Cox PH, Efron ties (lifelines CoxPHFitter, polished by numpy Efron Newton-Raphson)",
        "terms": terms,
        "ties": "efron",
        "coef": by_term(beta),
        "se": by_term(se),
        "z": by_term(z),
        "p": by_term(pvals),
        "hazard_ratio": by_term(np.exp(beta)),
        "ci_lower": by_term(beta - q * se),
        "ci_upper": by_term(beta + q * se),
        "hr_ci_lower": by_term(np.exp(beta - q * se)),
        "hr_ci_upper": by_term(np.exp(beta + q * se)),
        "lr_stat": float(lr),
        "lr_df": len(terms),
        "lr_pvalue": float(stats.chi2.sf(lr, len(terms))),
        "log_likelihood": float(loglik),
        "log_likelihood_null": float(loglik_null),
        "n_obs": int(len(data)),
        "n_events": int(event.sum()),
        "concordance": float(concordance),
        "converged": bool(converged),
        "iterations": int(iterations),
        "polish_max_change": io.power_of_ten_above(float(np.max(np.abs(beta - beta_lifelines)))),
        "warnings": fit_warnings,
        "ph_test": ph,
    }
