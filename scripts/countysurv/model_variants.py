"""Two estimators beside the paper's: OLS with cluster-robust SEs and Cox with Breslow ties.

:mod:`countysurv.models` fits Table 1's models (classical or HC OLS; Cox with Efron ties). The
robustness table (:mod:`countysurv.robustness`) also needs

* :func:`fit_ols_clustered` — OLS with the CR1 cluster-robust covariance (statsmodels
  ``cov_type="cluster"``, small-sample factor ``G/(G−1) · (n−1)/(n−k)``, t with G − 1 df), equal to
  R's ``sandwich::vcovCL(fit, cluster = ~province, type = "HC1")``;
* :func:`fit_cox_breslow` — the Cox model with Breslow's approximation for tied event times,
  Newton–Raphson in numpy, equal to R's ``coxph(..., ties = "breslow")``.

Both agree with R to far below 1e-6 relative (``tests/test_r_robustness.py``).
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from . import models
from .errors import InputDataError, ModelFitError
from .terms import CONST

_Q975 = float(stats.norm.ppf(0.975))


def _by(names: Sequence[str], values: Iterable[float]) -> dict[str, float]:
    return {n: float(v) for n, v in zip(names, np.asarray(list(values), dtype=float))}




def fit_ols_clustered(df: pd.DataFrame, clusters: Sequence[Any] | pd.Series,
                      terms: Sequence[str], duration_col: str = "duration_days"
                      ) -> dict[str, Any]:
    """OLS of ``duration_col`` on ``terms`` plus a constant with cluster-robust (CR1) SEs.

    statsmodels ``OLS.fit(cov_type="cluster")`` with its default small-sample correction
    ``G/(G−1) · (n−1)/(n−k)`` (R's ``sandwich::vcovCL(type = "HC1")``); p-values and the 95 % CI
    use t with G − 1 df.

    Returns
    -------
    dict
        ``coef``, ``se``, ``t``, ``p``, ``ci_lower``, ``ci_upper`` keyed ``const`` then the terms;
        ``df`` (G − 1), ``n_clusters``, ``n_obs``, ``correction``.

    Raises
    ------
    InputDataError
        The cluster labels do not match the rows, or some are missing.
    ModelFitError
        Fewer than two clusters.
    """
    from statsmodels.regression.linear_model import OLS

    terms = list(terms)
    labels = pd.Series(np.asarray(clusters, dtype=object))
    if len(labels) != len(df):
        raise InputDataError(f"{len(labels)} cluster labels for {len(df)} rows")
    if labels.isna().any():
        raise InputDataError(f"{int(labels.isna().sum())} row(s) have no cluster label")
    codes, uniques = pd.factorize(labels.astype(str))
    n_clusters = len(uniques)
    if n_clusters < 2:
        raise ModelFitError(f"{n_clusters} cluster: clustered SEs need at least two")
    y = df[duration_col].to_numpy(dtype=float)
    X = np.column_stack([np.ones(len(df)), df[terms].to_numpy(dtype=float)])
    res = OLS(y, X).fit(cov_type="cluster", use_t=True,
                        cov_kwds={"groups": codes, "use_correction": True, "df_correction": True})
    names = [CONST, *terms]
    beta, se = np.asarray(res.params), np.asarray(res.bse)
    dof = n_clusters - 1
    t = beta / se
    q = float(stats.t.ppf(0.975, dof))
    return {
        "coef": _by(names, beta), "se": _by(names, se), "t": _by(names, t),
        "p": _by(names, 2 * stats.t.sf(np.abs(t), dof)),
        "ci_lower": _by(names, beta - q * se), "ci_upper": _by(names, beta + q * se),
        "df": dof, "n_clusters": n_clusters, "n_obs": int(len(df)),
        "correction": "G/(G-1) * (n-1)/(n-k)",
    }


class _Breslow:
    """Breslow's log partial likelihood of right-censored data, on the risk sets of
    :class:`countysurv.models.RiskSets` (the sums the Efron fits use, without Efron's expansion).
    """

    def __init__(self, x: np.ndarray, time: np.ndarray, event: np.ndarray) -> None:
        self.event = event.astype(bool)
        self.x = x - x.mean(axis=0)  # centring changes neither beta nor its variance
        self.risk = models.RiskSets(time, self.event)
        self.n_deaths = self.risk.n_deaths

    def __call__(self, beta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """Log partial likelihood, score and observed information at ``beta``.

        ``l = Σ_deaths η_i − Σ_m d_m log S0_m``, S0_m (S1_m, S2_m) the sum of ``w`` (``w x``,
        ``w x x'``) over the rows at risk at event time m, ``w = exp(η)``: every death of a tied
        time sees the whole risk set.
        """
        x = self.x
        eta = x @ beta
        shift = eta.max()
        w = np.exp(eta - shift)
        s0 = self.risk.risk_sum(w)
        s1 = self.risk.risk_sum(w[:, None] * x)
        s2 = self.risk.risk_sum(w[:, None, None] * x[:, :, None] * x[:, None, :])
        d = self.n_deaths.astype(float)
        xbar = s1 / s0[:, None]
        loglik = float(eta[self.event].sum() - (d * (np.log(s0) + shift)).sum())
        score = x[self.event].sum(axis=0) - (d[:, None] * xbar).sum(axis=0)
        info = (d[:, None, None] * (s2 / s0[:, None, None]
                                    - xbar[:, :, None] * xbar[:, None, :])).sum(axis=0)
        return loglik, score, 0.5 * (info + info.T)


def fit_cox_breslow(df: pd.DataFrame, terms: Sequence[str], duration_col: str = "duration_days",
                    event_col: str = "event", beta0: Sequence[float] | None = None
                    ) -> dict[str, Any]:
    """Cox proportional-hazards model with Breslow's approximation for tied event times.

    Newton–Raphson with step halving in numpy (:func:`countysurv.models.newton_raphson`, the
    tolerance of the Efron fit) from ``beta0`` (default 0); the variance is the inverse observed
    information at the estimate. Agrees with R's ``coxph(..., ties = "breslow")``
    (``tests/test_r_robustness.py``).

    Returns
    -------
    dict
        ``coef``, ``se``, ``z``, ``p``, ``ci_lower``, ``ci_upper`` by term; ``log_likelihood``,
        ``log_likelihood_null``, ``n_obs``, ``n_events``, ``n_tied_events`` (deaths sharing
        their time with another), ``iterations``, ``ties`` (``"breslow"``).

    Raises
    ------
    InputDataError
        A column is missing or not finite, or an event is not 0/1.
    ModelFitError
        No events, a singular information matrix, or no convergence.
    """
    terms = list(terms)
    missing = [c for c in (*terms, duration_col, event_col) if c not in df.columns]
    if missing:
        raise InputDataError(f"survival data lack column(s) {missing}")
    x = df[terms].to_numpy(dtype=float)
    time = df[duration_col].to_numpy(dtype=float)
    event = df[event_col].to_numpy(dtype=float)
    if not (np.isfinite(x).all() and np.isfinite(time).all()):
        raise InputDataError("Breslow Cox: NaN or inf in the terms or durations")
    if not np.isin(event, (0.0, 1.0)).all():
        raise InputDataError(f"Breslow Cox: {event_col!r} must be 0 or 1")
    if event.sum() == 0:
        raise ModelFitError("Breslow Cox: no events")
    breslow = _Breslow(x, time, event)
    start = np.zeros(len(terms)) if beta0 is None else np.asarray(beta0, dtype=float)
    beta, loglik, _, info, iterations, converged = models.newton_raphson(breslow, start)
    if not converged:
        raise ModelFitError(f"Breslow Cox: Newton-Raphson did not converge "
                            f"(coefficients {dict(zip(terms, np.round(beta, 4)))})")
    try:
        var = np.linalg.inv(info)
    except np.linalg.LinAlgError as err:
        raise ModelFitError(f"Breslow Cox: information matrix is singular: {err}") from err
    se = np.sqrt(np.diag(var))
    z = beta / se
    tied = breslow.n_deaths[breslow.n_deaths > 1].sum()
    return {
        "coef": _by(terms, beta), "se": _by(terms, se), "z": _by(terms, z),
        "p": _by(terms, 2 * stats.norm.sf(np.abs(z))),
        "ci_lower": _by(terms, beta - _Q975 * se), "ci_upper": _by(terms, beta + _Q975 * se),
        "log_likelihood": loglik,
        "log_likelihood_null": breslow(np.zeros(len(terms)))[0],
        "n_obs": int(len(df)), "n_events": int(event.sum()), "n_tied_events": int(tied),
        "iterations": int(iterations), "ties": "breslow",
    }

