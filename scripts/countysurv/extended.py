"""Models beyond the paper: censoring-aware duration models and a time-varying Cox model.

The paper regresses durations that include censored counties by OLS and takes covariates from one
year although the panel has six. This module adds, beside the paper's two models
(:mod:`countysurv.models`):

* :func:`fit_weibull_aft` — a Weibull accelerated-failure-time model,
  ``log T = b0 + x'b + sigma W`` with W standard minimum extreme value; censoring enters the
  likelihood. Fitted with lifelines' ``WeibullAFTFitter`` and polished by Newton–Raphson on the
  analytic log-likelihood (:func:`weibull_aft_newton`), which matches R's
  ``survreg(dist = "weibull")`` far below 1e-6 relative. ``exp(b_j)`` is a *time ratio*; the
  Weibull AFT is also a proportional-hazards model with log-hazard ratios ``-b_j * shape``
  (``shape = 1 / sigma``), reported as ``cox_equivalent_coef``.
* :func:`fit_cox_clustered` — the paper's Cox model with a robust (sandwich) variance clustered
  by province: ``V I^-1 (sum_g U_g U_g') I^-1`` with ``U_g`` the sum of the Efron score residuals
  of cluster g, exactly R's ``coxph(..., cluster = province)`` (no small-sample factor).
* :func:`fit_cox_time_varying` — a Cox model on the yearly panel in counting-process form
  ``(county, start, stop, event)`` built by :func:`countysurv.counting.build_counting_process`:
  one interval per calendar year of follow-up, each with the covariates of an earlier bulletin
  year. Efron ties; Newton–Raphson in numpy (:func:`efron_counting`),
  agreeing with R's ``coxph(Surv(start, stop, event) ~ ...)`` to ~1e-10; lifelines'
  ``CoxTimeVaryingFitter`` is run as a cross-check (``lifelines_max_abs_diff``, here and for
  the Weibull AFT written as the power of ten just above the largest difference: its digits
  are rounding noise, different on every CPU).

All functions return JSON-ready dicts with the conventions of ``cox.json``: ``coef``, ``se``,
``z``, ``p`` by term, ``n_obs``, ``n_events``, ``log_likelihood``.
"""

from __future__ import annotations

import logging
import math
import warnings
from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from . import io
from .errors import InputDataError, ModelFitError
from .models import ID_COL, RiskSets, check_inputs, fit_cox, newton_raphson
from .terms import CONST, MODEL_TERMS

log = logging.getLogger(__name__)

_Q975 = float(stats.norm.ppf(0.975))
_NR_MAX_ITER = 60
_NR_STEP_TOL = 1e-11


def _by(names: Sequence[str], values: np.ndarray) -> dict[str, float]:
    return {n: float(v) for n, v in zip(names, np.asarray(values, dtype=float))}


def _wald(names: Sequence[str], beta: np.ndarray, se: np.ndarray) -> dict[str, Any]:
    z = beta / se
    return {
        "coef": _by(names, beta), "se": _by(names, se), "z": _by(names, z),
        "p": _by(names, 2 * stats.norm.sf(np.abs(z))),
        "ci_lower": _by(names, beta - _Q975 * se), "ci_upper": _by(names, beta + _Q975 * se),
    }


# ----------------------------------------------------------------------------------------------
# Efron partial likelihood for counting-process data (start, stop]
# ----------------------------------------------------------------------------------------------


class CountingDesign:
    """Counting-process data ``(start, stop]`` with their risk sets, computed once per dataset.

    A row is at risk at an event time t when ``start < t <= stop`` (R's convention); it dies at t
    when ``stop == t`` and ``event == 1``. Right-censored data are the case ``start = 0``. The
    risk-set sums are :class:`countysurv.models.RiskSets`'. Covariates are centred (this changes
    neither coefficients nor score residuals).
    """

    def __init__(self, x: np.ndarray, start: np.ndarray, stop: np.ndarray, event: np.ndarray):
        x = np.asarray(x, dtype=float)
        self.n, self.p = x.shape
        self.x = x - x.mean(axis=0)
        self.sets = RiskSets(stop, event, start)
        self.start, self.stop, self.event = self.sets.start, self.sets.stop, self.sets.event
        self.times, self.n_deaths = self.sets.times, self.sets.n_deaths
        self.xx = (self.x[:, :, None] * self.x[:, None, :]).reshape(self.n, -1)

    @property
    def risk(self) -> np.ndarray:
        """Dense (G, n) at-risk indicator (for score residuals)."""
        t = self.times[:, None]
        return ((self.start[None, :] < t) & (self.stop[None, :] >= t)).astype(float)

    @property
    def death(self) -> np.ndarray:
        """Dense (G, n) death indicator."""
        return ((self.stop[None, :] == self.times[:, None]) & self.event[None, :]).astype(float)

    def _sums(self, beta: np.ndarray, with_xx: bool = False):
        """eta, its shift, w = exp(eta - shift) and Efron's den, a / den (and c / den)."""
        eta = self.x @ beta
        shift = eta.max()
        w = np.exp(eta - shift)
        den, a, c = self.sets.efron_sums(w, self.x, self.xx if with_xx else None)
        a = a / den[:, None]
        if c is not None:
            c = c / den[:, None]
        return eta, shift, w, den, a, c

    def derivatives(self, beta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """Efron log partial likelihood, score and observed information at ``beta``."""
        eta, shift, w, den, a, c = self._sums(beta, with_xx=True)
        p = self.p
        loglik = float(eta[self.event].sum() - (np.log(den) + shift).sum())
        score = self.x[self.event].sum(axis=0) - a.sum(axis=0)
        info = c.sum(axis=0).reshape(p, p) - a.T @ a
        return loglik, score, 0.5 * (info + info.T)

    def score_residuals(self, beta: np.ndarray) -> np.ndarray:
        """Efron score residuals (n, p), as R's ``residuals(fit, type = "score")``.

        Row i: sum over event times t with i at risk of ``1{i dies at t} (x_i - mean_k a_k) -
        w_i sum_k c_ik (x_i - a_k) / den_k``, where ``c_ik = 1 - k/d`` if i dies at t and 1
        otherwise. They sum to the score (zero at the estimate).
        """
        eta, shift, w, den, a, _ = self._sums(beta)
        k, f = self.sets.efron_group, self.sets.efron_frac
        g = len(self.times)
        inv = 1.0 / den
        # per event time: sum_k 1/den, sum_k a/den and the (1 - k/d)-weighted versions
        A = np.bincount(k, weights=inv, minlength=g)
        A_d = np.bincount(k, weights=(1 - f) * inv, minlength=g)
        B = np.zeros((g, self.p))
        B_d = np.zeros((g, self.p))
        np.add.at(B, k, a * inv[:, None])
        np.add.at(B_d, k, a * ((1 - f) * inv)[:, None])
        abar = np.zeros((g, self.p))
        np.add.at(abar, k, a)
        abar /= self.n_deaths[:, None]
        risk, died = self.risk.T, self.death.T  # (n, g)
        coef_x = risk @ A - died @ (A - A_d)
        shift_a = risk @ B - died @ (B - B_d)
        resid = -w[:, None] * (self.x * coef_x[:, None] - shift_a)
        resid += self.x * died.sum(axis=1)[:, None] - died @ abar
        return resid

    def newton_raphson(self, beta0: np.ndarray | None = None):
        """:func:`countysurv.models.newton_raphson` on these data, from ``beta0`` (default 0).

        Returns ``(beta, loglik, score, info, iterations, converged)``.
        """
        start = np.zeros(self.p) if beta0 is None else np.asarray(beta0, dtype=float)
        return newton_raphson(self.derivatives, start, max_iter=_NR_MAX_ITER)


def efron_counting(x, start, stop, event, beta) -> tuple[float, np.ndarray, np.ndarray]:
    """Efron log partial likelihood, score and information of counting-process data at ``beta``."""
    return CountingDesign(x, start, stop, event).derivatives(np.asarray(beta, dtype=float))


def robust_variance(design: CountingDesign, beta: np.ndarray, clusters: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Cluster-robust (sandwich) variance ``I^-1 (sum_g U_g U_g') I^-1`` and the naive ``I^-1``.

    ``U_g`` is the sum of the Efron score residuals of cluster g's rows: R's ``coxph`` robust
    variance with ``cluster()`` (``crossprod(rowsum(dfbeta, cluster))``), no small-sample factor.
    """
    _, _, info = design.derivatives(beta)
    naive = np.linalg.inv(info)
    resid = design.score_residuals(beta)
    codes, inverse = np.unique(np.asarray(clusters), return_inverse=True)
    u = np.zeros((len(codes), design.p))
    np.add.at(u, inverse, resid)
    meat = u.T @ u
    return naive @ meat @ naive, naive


# ----------------------------------------------------------------------------------------------
# Cox with province-clustered standard errors
# ----------------------------------------------------------------------------------------------


def attach_clusters(df: pd.DataFrame, reference: pd.DataFrame, cluster_col: str = "province"
                    ) -> pd.Series:
    """The cluster label of each row of ``df`` from the county reference list.

    Raises :class:`InputDataError` naming the counties without a label.
    """
    if cluster_col not in reference.columns:
        raise InputDataError(f"county reference has no column {cluster_col!r} to cluster by; "
                             f"columns: {list(reference.columns)}")
    labels = df[ID_COL].map(dict(zip(reference[ID_COL], reference[cluster_col])))
    bad = labels.isna() | (labels.astype(str).str.strip() == "")
    if bad.any():
        shown = ", ".join(df.loc[bad, ID_COL].astype(str).head(5))
        raise InputDataError(f"{int(bad.sum())} county(ies) have no {cluster_col} in the county "
                             f"reference ({shown}); fill it in data/counties.csv")
    return labels.astype(str)


def fit_cox_clustered(df: pd.DataFrame, clusters: Sequence[str] | pd.Series,
                      terms: Sequence[str] = MODEL_TERMS, duration_col: str = "duration_days",
                      event_col: str = "event", cluster_name: str = "province",
                      ph_transform: str = "km") -> dict[str, Any]:
    """The paper's Cox model (Efron ties) with standard errors clustered by ``clusters``.

    Coefficients, log-likelihoods and the PH test are those of :func:`countysurv.models.fit_cox`
    (identical to ``cox.json``); ``se`` is the robust sandwich SE (R's ``robust se``), ``se_model``
    the model-based SE. ``z``, ``p`` and the CIs use the robust SE; ``wald_stat``/``wald_pvalue``
    is the robust Wald test of all coefficients = 0 (R's ``summary(fit)$waldtest``). With few
    clusters the sandwich is biased downwards (see the Monte Carlo study).
    """
    terms = list(terms)
    clusters = np.asarray(clusters).astype(str)
    if len(clusters) != len(df):
        raise InputDataError(f"{len(clusters)} cluster labels for {len(df)} rows")
    base = fit_cox(df, terms, duration_col, event_col, ph_transform=ph_transform)
    beta = np.array([base["coef"][t] for t in terms])
    design = CountingDesign(df[terms].to_numpy(dtype=float), np.zeros(len(df)),
                            df[duration_col].to_numpy(dtype=float), df[event_col].to_numpy())
    var, naive = robust_variance(design, beta, clusters)
    se = np.sqrt(np.diag(var))
    wald = float(beta @ np.linalg.solve(var, beta))
    sizes = pd.Series(clusters).value_counts()
    out = {
        "method": f"Cox PH, Efron ties; robust sandwich variance clustered by {cluster_name} "
                  "(Efron score residuals summed by cluster, as R coxph(..., cluster = ...))",
        "terms": terms,
        "ties": "efron",
        "cluster_col": cluster_name,
        "n_clusters": int(len(sizes)),
        "cluster_sizes": {"min": int(sizes.min()), "median": float(sizes.median()),
                          "max": int(sizes.max()), "singletons": int((sizes == 1).sum())},
        **_wald(terms, beta, se),
        "se_model": _by(terms, np.sqrt(np.diag(naive))),
        "hazard_ratio": _by(terms, np.exp(beta)),
        "wald_stat": wald,
        "wald_df": len(terms),
        "wald_pvalue": float(stats.chi2.sf(wald, len(terms))),
    }
    for key in ("lr_stat", "lr_df", "lr_pvalue", "log_likelihood", "log_likelihood_null",
                "n_obs", "n_events", "concordance", "ph_test"):
        out[key] = base[key]
    return out


# ----------------------------------------------------------------------------------------------
# Weibull accelerated failure time
# ----------------------------------------------------------------------------------------------


def _weibull_derivatives(X: np.ndarray, logt: np.ndarray, delta: np.ndarray, theta: np.ndarray):
    """Log-likelihood (time scale), gradient and Hessian of the Weibull AFT model.

    ``theta = (b, log sigma)``, ``z = (log t - X b) / sigma``; per row
    ``l = delta (z - log sigma - log t) - exp(z)``.
    """
    b, log_sigma = theta[:-1], theta[-1]
    sigma = math.exp(log_sigma)
    z = (logt - X @ b) / sigma
    with np.errstate(over="ignore", invalid="ignore"):
        return _weibull_terms(X, logt, delta, theta, sigma, log_sigma, z, np.exp(z))


def _weibull_terms(X, logt, delta, theta, sigma, log_sigma, z, ez):
    ll = float((delta * (z - log_sigma - logt) - ez).sum())
    r = delta - ez  # dl/dz
    g_b = -(X.T @ r) / sigma
    g_s = float((-delta - z * r).sum())
    h_bb = -(X.T * ez) @ X / sigma**2
    h_bs = (X.T @ (-z * ez - (ez - delta))) / sigma
    h_ss = float((z * delta - z * ez - z**2 * ez).sum())
    grad = np.r_[g_b, g_s]
    hess = np.empty((len(theta), len(theta)))
    hess[:-1, :-1] = h_bb
    hess[:-1, -1] = hess[-1, :-1] = h_bs
    hess[-1, -1] = h_ss
    return ll, grad, hess


def weibull_aft_newton(X: np.ndarray, time: np.ndarray, event: np.ndarray,
                       theta0: np.ndarray | None = None, max_iter: int = 100
                       ) -> tuple[np.ndarray, float, np.ndarray, int]:
    """Maximum likelihood of the Weibull AFT model by Newton–Raphson with step halving.

    ``X`` includes the constant column. Returns ``(theta, loglik, covariance, iterations)``,
    ``theta = (b, log sigma)``, covariance the inverse observed information. Raises
    :class:`ModelFitError` when it does not converge.
    """
    X = np.asarray(X, dtype=float)
    logt = np.log(np.asarray(time, dtype=float))
    delta = np.asarray(event, dtype=float)
    if theta0 is None:
        # start: least squares of log time on X (censored times as if exits), log sigma of
        # its residuals; Newton with step halving takes it from there
        b0, *_ = np.linalg.lstsq(X, logt, rcond=None)
        resid = logt - X @ b0
        theta = np.r_[b0, math.log(max(float(resid.std()), 0.05))]
    else:
        theta = np.asarray(theta0, dtype=float).copy()
    ll, grad, hess = _weibull_derivatives(X, logt, delta, theta)
    for it in range(1, max_iter + 1):
        try:
            step = -np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError as err:
            raise ModelFitError(f"Weibull AFT Hessian is singular at iteration {it}: {err}") from err
        neg_def = bool(np.isfinite(hess).all() and np.all(np.linalg.eigvalsh(hess) < 0))
        if not neg_def or not np.all(np.isfinite(step)):
            step = grad / max(1.0, np.abs(grad).max())  # gradient ascent when not concave here
        for _ in range(40):
            new = theta + step
            new_ll, new_grad, new_hess = _weibull_derivatives(X, logt, delta, new)
            if np.isfinite(new_ll) and new_ll >= ll - 1e-12 * abs(ll):
                break
            step = step / 2
        else:
            raise ModelFitError("Weibull AFT: step halving failed (likelihood not increasing)")
        small = np.max(np.abs(step) / np.maximum(1.0, np.abs(new))) < _NR_STEP_TOL
        theta, ll, grad, hess = new, new_ll, new_grad, new_hess
        if small and neg_def:
            cov = np.linalg.inv(-hess)
            return theta, ll, cov, it
    raise ModelFitError(f"Weibull AFT Newton-Raphson did not converge in {max_iter} iterations")


def fit_weibull_aft(df: pd.DataFrame, terms: Sequence[str] = MODEL_TERMS,
                    duration_col: str = "duration_days", event_col: str = "event",
                    *, use_lifelines: bool = True, id_col: str = ID_COL) -> dict[str, Any]:
    """Weibull accelerated-failure-time model of the exit time, censoring in the likelihood.

    ``log T = const + x'b + sigma W`` (W standard minimum extreme value), i.e.
    ``S(t | x) = exp(-(t / lambda(x))^shape)`` with ``lambda(x) = exp(const + x'b)`` and
    ``shape = 1 / sigma``. lifelines' ``WeibullAFTFitter`` gives the start (``use_lifelines``);
    Newton–Raphson on the analytic likelihood polishes it (lifelines stops at ~1e-6).

    Returns
    -------
    dict
        ``coef``, ``se``, ``z``, ``p``, ``ci_lower``/``ci_upper`` keyed ``const`` then the terms
        (log-time scale); ``time_ratio`` = exp(coef) and its CI; ``shape`` (rho = 1/sigma),
        ``shape_se``, ``log_sigma`` and its SE, ``scale`` = exp(const) (days, at x = 0);
        ``cox_equivalent_coef`` = -coef * shape (the log-hazard ratios the same model implies);
        ``log_likelihood`` (time scale, as R ``survreg``), ``log_likelihood_null``
        (intercept-only Weibull), ``lr_stat``/``lr_df``/``lr_pvalue``, ``aic``, ``n_obs``,
        ``n_events``, ``iterations``, ``lifelines_max_abs_diff``.
    """
    terms = list(terms)
    check_inputs(df, terms, duration_col, event_col, n_params=len(terms) + 2, id_col=id_col)
    names = [CONST, *terms]
    X = np.column_stack([np.ones(len(df)), df[terms].to_numpy(dtype=float)])
    time = df[duration_col].to_numpy(dtype=float)
    event = df[event_col].to_numpy(dtype=float)
    theta0, lifelines_theta = None, None
    fit_warnings: list[str] = []
    if use_lifelines:
        from lifelines import WeibullAFTFitter

        data = pd.DataFrame({**{t: df[t].to_numpy(dtype=float) for t in terms},
                             "T": time, "E": event})
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                aft = WeibullAFTFitter().fit(data, "T", "E")
                lam = aft.params_.loc["lambda_"]
                lifelines_theta = np.r_[lam["Intercept"], lam[terms].to_numpy(),
                                        -aft.params_.loc[("rho_", "Intercept")]]
                theta0 = lifelines_theta
            except Exception as err:  # lifelines raises ConvergenceError and numerical errors
                fit_warnings.append(f"lifelines WeibullAFTFitter failed ({err}); "
                                    "Newton-Raphson from the default start")
        fit_warnings += [f"lifelines: {w.message}" for w in caught]
    theta, ll, cov, iterations = weibull_aft_newton(X, time, event, theta0)
    theta_null, ll_null, _, _ = weibull_aft_newton(X[:, :1], time, event)
    b, se = theta[:-1], np.sqrt(np.diag(cov))[:-1]
    log_sigma, log_sigma_se = float(theta[-1]), float(math.sqrt(cov[-1, -1]))
    shape = math.exp(-log_sigma)
    lr = 2 * (ll - ll_null)
    wald = _wald(names, b, se)
    k = len(theta)
    return {
        "method": "Weibull AFT: log T = const + x'b + sigma W (lifelines WeibullAFTFitter, "
                  "polished by Newton-Raphson; as R survreg(dist = 'weibull'))",
        "terms": terms,
        **wald,
        "time_ratio": {n: math.exp(v) for n, v in wald["coef"].items()},
        "tr_ci_lower": {n: math.exp(v) for n, v in wald["ci_lower"].items()},
        "tr_ci_upper": {n: math.exp(v) for n, v in wald["ci_upper"].items()},
        "cox_equivalent_coef": {t: -wald["coef"][t] * shape for t in terms},
        "shape": shape,
        "shape_se": shape * log_sigma_se,
        "log_sigma": log_sigma,
        "log_sigma_se": log_sigma_se,
        "scale": math.exp(float(b[0])),
        "log_likelihood": float(ll),
        "log_likelihood_null": float(ll_null),
        "lr_stat": float(lr),
        "lr_df": len(terms),
        "lr_pvalue": float(stats.chi2.sf(lr, len(terms))),
        "aic": float(2 * k - 2 * ll),
        "n_obs": int(len(df)),
        "n_events": int(event.sum()),
        "iterations": int(iterations),
        "lifelines_max_abs_diff": (io.power_of_ten_above(float(np.max(np.abs(theta - lifelines_theta))))
                                   if lifelines_theta is not None else None),
        "warnings": fit_warnings,
    }


# ----------------------------------------------------------------------------------------------
# Cox with time-varying covariates (counting-process data of countysurv.counting)
# ----------------------------------------------------------------------------------------------


def fit_cox_time_varying(cp: pd.DataFrame, terms: Sequence[str] = MODEL_TERMS, *,
                         check_lifelines: bool = True, lag_years: int | None = None
                         ) -> dict[str, Any]:
    """Cox model with time-varying covariates on counting-process rows (Efron ties).

    Newton–Raphson in numpy on :class:`CountingDesign` from zero to a relative step of 1e-11;
    ``se`` from the inverse observed information, as R's ``coxph(Surv(start, stop, event) ~
    ...)``. With ``check_lifelines`` the same model is fitted by lifelines'
    ``CoxTimeVaryingFitter`` and the largest absolute coefficient difference is reported.
    """
    terms = list(terms)
    needed = [ID_COL, "start", "stop", "event", *terms]
    missing_cols = [c for c in needed if c not in cp.columns]
    if missing_cols:
        raise InputDataError(f"counting-process data lack column(s) {missing_cols}")
    if len(cp) == 0:
        raise InputDataError("counting-process data have no rows")
    if not (cp["stop"] > cp["start"]).all():
        bad = cp.loc[cp["stop"] <= cp["start"], ID_COL].head(5).tolist()
        raise InputDataError(f"counting-process rows with stop <= start (counties {bad})")
    x = cp[terms].to_numpy(dtype=float)
    if not np.isfinite(x).all():
        raise InputDataError("counting-process covariates contain NaN or inf")
    for j, t in enumerate(terms):
        if np.ptp(x[:, j]) == 0:
            raise ModelFitError(f"term {t!r} has zero variance in the counting-process data")
    event = cp["event"].to_numpy()
    if event.sum() == 0:
        raise ModelFitError("counting-process data have no events")
    design = CountingDesign(x, cp["start"].to_numpy(), cp["stop"].to_numpy(), event)
    beta, ll, score, info, iterations, converged = design.newton_raphson()
    if not converged:
        raise ModelFitError(f"time-varying Cox did not converge in {_NR_MAX_ITER} iterations "
                            f"(coefficients {dict(zip(terms, beta.round(4)))}); check for separation")
    var = np.linalg.inv(info)
    se = np.sqrt(np.diag(var))
    ll_null, _, _ = design.derivatives(np.zeros(len(terms)))
    lr = 2 * (ll - ll_null)
    lifelines_diff = None
    if check_lifelines:
        from lifelines import CoxTimeVaryingFitter

        data = cp[[ID_COL, "start", "stop", "event", *terms]].copy()
        data[terms] = data[terms].astype(float)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                ctv = CoxTimeVaryingFitter().fit(data, id_col=ID_COL, event_col="event",
                                                 start_col="start", stop_col="stop")
                lifelines_diff = io.power_of_ten_above(
                    float(np.max(np.abs(ctv.params_[terms].to_numpy() - beta))))
            except Exception as err:  # cross-check only; the numpy fit stands
                log.warning("lifelines CoxTimeVaryingFitter failed: %s", err)
    out = {
        "method": "Cox PH with time-varying covariates, counting process (start, stop], Efron "
                  "ties (numpy Newton-Raphson; as R coxph(Surv(start, stop, event) ~ ...))",
        "terms": terms,
        "ties": "efron",
        **_wald(terms, beta, se),
        "hazard_ratio": _by(terms, np.exp(beta)),
        "lr_stat": float(lr),
        "lr_df": len(terms),
        "lr_pvalue": float(stats.chi2.sf(lr, len(terms))),
        "log_likelihood": float(ll),
        "log_likelihood_null": float(ll_null),
        "n_obs": int(cp[ID_COL].nunique()),
        "n_intervals": int(len(cp)),
        "n_events": int(event.sum()),
        "converged": bool(converged),
        "iterations": int(iterations),
        "lifelines_max_abs_diff": lifelines_diff,
    }
    if lag_years is not None:
        out["lag_years"] = int(lag_years)
    if "fallback" in cp.columns:
        out["n_intervals_fallback"] = int(cp["fallback"].sum())
    return out
