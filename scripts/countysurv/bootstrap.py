"""Case-resampling bootstrap of the OLS and Cox models, all replicates fitted at once.

Replicate ``r`` resamples the ``n`` counties (rows sorted by ``county_code``) with replacement
using ``np.random.default_rng([seed, r])``. A replicate is represented by its vector of
*frequency weights* (how often each county was drawn), so every replicate shares one sorted
design matrix and B fits become a few matrix products instead of B model objects.

Cox model: Efron ties with frequency weights defined as *duplicated rows*, i.e. exactly what
fitting the resampled data set row by row gives (lifelines on expanded rows, or R ``coxph`` on
expanded rows). Note that R ``coxph(weights = w)`` is *not* the same thing when events are tied:
survival's weighted Efron counts death *records* at a time (a record of weight 2 is one death
counted twice, not two tied deaths), so its estimates differ from the duplicated-rows fit (by
up to 26% of a coefficient in our tests; with Breslow ties the two coincide). Duplicated rows
is what the case bootstrap means; ``tests/unit/test_bootstrap.py`` shows both facts against R.

Determinism. Replicate ``r``'s fit is a function of ``(seed, r, n, data, block_size)`` only:

- its sample comes from its own RNG stream;
- the solvers work on fixed-size blocks of ``block_size`` replicates and :func:`run_chunk`
  always places replicate ``r`` at row ``r % block_size`` of block ``r // block_size``, padding
  unused rows with the full sample. Every array operation therefore sees the same shapes and the
  same position for replicate ``r`` whatever the chunking, and no operation mixes rows of
  different replicates (sums run along the county axis; Efron's sums over tied deaths are
  sequential per replicate and time, ``np.bincount``), so BLAS/SIMD code paths cannot change a
  single bit;
- converged replicates are frozen while others keep iterating;
- the Newton start is the full-sample fit, which depends on the data only.

On one machine (one BLAS build, CPU kind and ``OPENBLAS_NUM_THREADS``) ``run_chunk`` output is
therefore bitwise independent of chunking. Across different CPUs OpenBLAS may pick different
kernels; use :func:`format_summary` (12 significant digits) before writing summary files that
are compared by bytes.

Failure reasons (per replicate and model; failed replicates are reported, never averaged in):

``no_events``            no exit among the resampled counties (Cox only)
``constant_term``        a term is constant among the resampled counties
``monotone_likelihood``  the Cox partial likelihood increases without bound along a coefficient
                         (e.g. no county with ``nation == 1`` exits in the replicate), found from
                         the data directly or by |coef| x range(term) > 20 during iterations
``singular_information`` information (Cox) or cross-product (OLS) matrix not positive definite
``not_converged``        Newton-Raphson did not converge within ``max_iter`` iterations
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import InputDataError, ModelFitError
from .io import SIGNIFICANT_DIGITS
from .terms import MODEL_TERMS

TERMS = list(MODEL_TERMS)
"""Regressors of both models, in table order."""

OLS_TERMS = ["const", *TERMS]
MODELS = ("ols", "cox")
FAILURE_REASONS = (
    "no_events",
    "constant_term",
    "monotone_likelihood",
    "singular_information",
    "not_converged",
)
ESTIMATE_COLUMNS = ["replicate", "model", "term", "estimate", "std_err", "converged", "failure"]

DEFAULT_BLOCK_SIZE = 128
"""Replicates per internal block. Part of the determinism contract: changing it can change the
last bits of estimates, so all chunks of one bootstrap must use the same value."""

SEPARATION_BOUND = 20.0
"""|coef| x range(term) beyond which a Cox replicate is declared monotone (HR > e^20 across the
observed range of the term)."""

CI_LEVEL = 0.95
QUANTILE_METHOD = "linear"

# Integer codes of failure reasons inside the solvers; 0 means no failure.
_CODE = {reason: i + 1 for i, reason in enumerate(FAILURE_REASONS)}
_REASON = np.array([None, *FAILURE_REASONS], dtype=object)

_SURVIVAL_COLUMNS = ["county_code", "duration_days", "event", *TERMS]


# --------------------------------------------------------------------------------------------
# Resampling
# --------------------------------------------------------------------------------------------

def replicate_indices(seed: int, rep: int, n: int) -> np.ndarray:
    """Row positions (0..n-1, with replacement) drawn for replicate ``rep``.

    The stream is ``np.random.default_rng([seed, rep])``, so the sample depends only on
    ``(seed, rep, n)``: never on which chunk, process or machine draws it.
    """
    if n < 1:
        raise InputDataError(f"replicate_indices: n must be >= 1, got {n}")
    if rep < 0 or seed < 0:
        raise InputDataError(f"replicate_indices: seed and rep must be >= 0, got {seed}, {rep}")
    return np.random.default_rng([int(seed), int(rep)]).integers(0, n, size=n)


def replicate_weights(seed: int, reps: Sequence[int], n: int) -> np.ndarray:
    """Frequency weights, shape ``(len(reps), n)``: how often each row is drawn per replicate."""
    out = np.empty((len(reps), n), dtype=np.float64)
    for i, rep in enumerate(reps):
        out[i] = np.bincount(replicate_indices(seed, rep, n), minlength=n)
    return out


# --------------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------------

def _check_design(X: np.ndarray, weights: np.ndarray, what: str) -> tuple[np.ndarray, np.ndarray]:
    X = np.ascontiguousarray(X, dtype=np.float64)
    W = np.ascontiguousarray(weights, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
        raise InputDataError(f"{what}: X must be a non-empty (n, p) matrix, got shape {X.shape}")
    if W.ndim == 1:
        W = W[None, :]
    if W.ndim != 2 or W.shape[1] != X.shape[0]:
        raise InputDataError(
            f"{what}: weights must have shape (B, n={X.shape[0]}), got {np.shape(weights)}")
    if not np.isfinite(X).all():
        bad = np.argwhere(~np.isfinite(X))[:5].tolist()
        raise InputDataError(f"{what}: X has NaN/inf at (row, column) {bad}; impute or drop first")
    if not np.isfinite(W).all() or (W < 0).any() or (W != np.round(W)).any():
        raise InputDataError(
            f"{what}: weights must be finite non-negative integers (bootstrap counts)")
    return X, W


def _blocks(n_rows: int, block_size: int) -> list[tuple[int, int]]:
    if block_size < 1:
        raise InputDataError(f"block_size must be >= 1, got {block_size}")
    return [(s, min(s + block_size, n_rows)) for s in range(0, n_rows, block_size)]


def _pad_block(W: np.ndarray, block_size: int) -> np.ndarray:
    """Pad a partial block with unit weights (the full sample) to exactly ``block_size`` rows."""
    if W.shape[0] == block_size:
        return W
    pad = np.ones((block_size - W.shape[0], W.shape[1]))
    return np.concatenate([W, pad], axis=0)


def _constant_columns(X: np.ndarray, W: np.ndarray, skip: np.ndarray) -> np.ndarray:
    """(B, p) bool: column constant among rows with positive weight (``skip`` columns False)."""
    pos = (W > 0)[:, None, :]
    Xt = np.ascontiguousarray(X.T)[None]
    hi = np.where(pos, Xt, -np.inf).max(axis=2)
    lo = np.where(pos, Xt, np.inf).min(axis=2)
    return (hi == lo) & ~skip[None, :]


def _spd_solve(M: np.ndarray, rhs: np.ndarray, active: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Solve ``M x = rhs`` per replicate where ``M`` is positive definite.

    Rows not ``active`` are replaced by the identity so the shapes (and thus the arithmetic of
    every other row) never change. Returns ``(x, inverse, ok)``; ``ok`` is False where ``M``
    is not positive definite.
    """
    p = M.shape[-1]
    eye = np.eye(p)
    Mu = np.where(active[:, None, None], M, eye)
    ok = np.ones(M.shape[0], dtype=bool)
    try:
        np.linalg.cholesky(Mu)
    except np.linalg.LinAlgError:
        for i in range(M.shape[0]):  # rare path: find the offending replicates
            try:
                np.linalg.cholesky(Mu[i])
            except np.linalg.LinAlgError:
                ok[i] = False
        Mu = np.where(ok[:, None, None], Mu, eye)
    inv = np.linalg.inv(Mu)
    x = np.matmul(inv, rhs[:, :, None])[:, :, 0]
    return x, inv, ok


def _reasons(codes: np.ndarray) -> np.ndarray:
    return _REASON[codes]


# --------------------------------------------------------------------------------------------
# Cox, Efron ties, frequency weights
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CoxBatchResult:
    """B Cox fits. Arrays have a leading replicate axis of length B.

    ``coef``/``se`` are NaN where the fit was not attempted (no events, constant term, monotone
    likelihood found from the data); for numerical failures they hold the last iterate.
    ``failure`` holds ``None`` or one of :data:`FAILURE_REASONS`.
    """

    coef: np.ndarray
    se: np.ndarray
    loglik: np.ndarray
    iterations: np.ndarray
    converged: np.ndarray
    failure: np.ndarray


GEMM_MAX_GROUPS = 32
"""Up to this many distinct event times, risk-set sums are one matrix product with indicator
matrices; beyond it, cumulative sums over the time-sorted rows (cheaper when ties are rare)."""


class _CoxDesign:
    """Time-sorted design and risk-set structure shared by all replicates."""

    def __init__(self, X: np.ndarray, time: np.ndarray, event: np.ndarray,
                 risk_sums: str = "auto") -> None:
        n, p = X.shape
        # Sort by time descending, events first within a tie: risk sets are then prefixes and
        # the deaths of one time are contiguous.
        self.order = np.lexsort((1 - event, -time))
        ts = time[self.order]
        es = event[self.order].astype(bool)
        self.X = np.ascontiguousarray(X[self.order] - X.mean(axis=0))
        self.n, self.p = n, p
        self.event = es
        self.XX = np.einsum("ni,nj->nij", self.X, self.X).reshape(n, p * p)
        scale = X.std(axis=0)
        self.scale = np.where(scale > 0, scale, 1.0)
        spread = X.max(axis=0) - X.min(axis=0)
        self.range = np.where(spread > 0, spread, 1.0)

        new_time = np.r_[True, ts[1:] != ts[:-1]]
        time_group = np.cumsum(new_time) - 1
        group_end = np.r_[np.flatnonzero(new_time)[1:] - 1, n - 1]
        self.ev_rows = np.flatnonzero(es)
        ev_time_groups, ev_group = np.unique(time_group[self.ev_rows], return_inverse=True)
        G = self.G = len(ev_time_groups)
        self.ev_group = ev_group
        self.risk_end = group_end[ev_time_groups]
        self.gstart = np.r_[0, np.flatnonzero(np.diff(ev_group)) + 1].astype(np.int64)
        eg_times = ts[self.ev_rows][self.gstart] if G else np.array([])
        # Event groups whose risk set holds row i: those with index >= row_k[i].
        self.row_k = np.searchsorted(-eg_times, -ts, side="left")
        self.ev_risk_end = self.risk_end[ev_group]
        # Stretches of rows between consecutive risk-set ends (the last one runs to row n-1).
        seg_ends = np.unique(np.r_[self.risk_end, n - 1])
        self.seg_starts = np.r_[0, seg_ends[:-1] + 1].astype(np.int64)
        self.ev_seg = np.searchsorted(seg_ends, self.ev_risk_end)
        self.signed_xt = np.ascontiguousarray(np.concatenate([self.X.T, -self.X.T]))
        raw = X[self.order]
        self.binary = np.flatnonzero(np.isin(raw, (0.0, 1.0)).all(axis=0))
        risk = (np.arange(n)[:, None] <= self.risk_end[None, :]).astype(np.float64)
        death = np.zeros((n, G))
        death[self.ev_rows, ev_group] = 1.0
        xb = raw[:, self.binary]
        # W @ binary_sums -> [at risk (G), deaths (G), at risk with 1 (nb*G), deaths with 1
        # (nb*G), rows with 1 (nb)]: exact integer counts.
        self.binary_sums = np.ascontiguousarray(np.concatenate([
            risk, death,
            (xb.T[:, :, None] * risk[None]).transpose(1, 0, 2).reshape(n, -1),
            (xb.T[:, :, None] * death[None]).transpose(1, 0, 2).reshape(n, -1),
            xb,
        ], axis=1))

        if risk_sums not in ("auto", "gemm", "cumsum"):
            raise InputDataError(f"risk_sums must be auto, gemm or cumsum, got {risk_sums!r}")
        self.use_gemm = risk_sums == "gemm" or (risk_sums == "auto" and G <= GEMM_MAX_GROUPS)
        if self.use_gemm:
            self.indicators = np.ascontiguousarray(np.concatenate([risk, death], axis=1))
            # we @ sums -> [R (G), D (G), A (G*p), Ad (G*p)] per replicate.
            self.sums = np.ascontiguousarray(np.concatenate([
                risk, death,
                (risk[:, :, None] * self.X[:, None, :]).reshape(n, G * p),
                (death[:, :, None] * self.X[:, None, :]).reshape(n, G * p),
            ], axis=1))
            self.indicators_t = np.ascontiguousarray(self.indicators.T)


class _CoxBlock:
    """Per-block constants and the Efron log-likelihood, score and information."""

    def __init__(self, design: _CoxDesign, W: np.ndarray) -> None:
        self.d = design
        self.W = W
        self.pos = W > 0
        self.Wd = W * design.event
        self.U0 = self.Wd @ design.X
        K, G = W.shape[0], design.G
        deaths = (np.add.reduceat(W[:, design.ev_rows], design.gstart, axis=1) if G
                  else np.zeros((K, 0)))
        self.deaths = deaths
        self.total_deaths = deaths.sum(axis=1)
        # Efron: the k-th (k = 0..m-1) of the m tied deaths at a time sees R - (k/m) D. One flat
        # entry per (replicate, time, k); segments of one (replicate, time) are summed in
        # order (np.bincount), so no entry of another replicate can affect the sum.
        m = deaths.ravel()
        seg = np.flatnonzero(m >= 1)
        counts = m[seg].astype(np.int64)
        seg_start = np.r_[0, np.cumsum(counts)[:-1]].astype(np.int64)
        self.flat = np.repeat(seg, counts)
        k = np.arange(counts.sum()) - np.repeat(seg_start, counts)
        self.frac = k / np.repeat(counts, counts)

    def evaluate(self, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Log partial likelihood, score (B, p) and information (B, p, p) at ``beta``."""
        d = self.d
        K, G, p = beta.shape[0], d.G, d.p
        eta = beta @ d.X.T
        shift = eta.max(axis=1)
        we = self.W * np.exp(eta - shift[:, None])
        if d.use_gemm:
            sums = we @ d.sums
            R, Dsum = sums[:, :G], sums[:, G:2 * G]
            A = sums[:, 2 * G:(2 + p) * G].reshape(K, G, p)
            Ad = sums[:, (2 + p) * G:].reshape(K, G, p)
        else:
            wex = we[:, :, None] * d.X[None]
            R = np.cumsum(we, axis=1)[:, d.risk_end]
            A = np.cumsum(wex, axis=1)[:, d.risk_end, :]
            Dsum = np.add.reduceat(we[:, d.ev_rows], d.gstart, axis=1)
            Ad = np.add.reduceat(wex[:, d.ev_rows, :], d.gstart, axis=1)

        f = self.frac
        den = R.ravel()[self.flat] - f * Dsum.ravel()[self.flat]
        inv = 1.0 / den
        inv2 = inv * inv
        fi2 = f * inv2
        KG = K * G
        # bincount adds each (replicate, time)'s entries in order, starting from zero.
        s1, sf, s2, sf2, sff2, slog = (
            np.bincount(self.flat, weights=term, minlength=KG).reshape(K, G)
            for term in (inv, f * inv, inv2, fi2, f * fi2, np.log(den)))

        loglik = (self.Wd * eta).sum(axis=1) - slog.sum(axis=1) - shift * self.total_deaths
        # Row weights c_i = we_i * (sum of s1 over the risk sets holding i - sf of i's death
        # time if i dies): score and the first information term are products with X and X x X.
        if d.use_gemm:
            c = we * (np.concatenate([s1, -sf], axis=1) @ d.indicators_t)
        else:
            s1_suffix = np.concatenate([np.cumsum(s1[:, ::-1], axis=1)[:, ::-1],
                                        np.zeros((K, 1))], axis=1)
            c = we * s1_suffix[:, d.row_k]
            c[:, d.ev_rows] -= we[:, d.ev_rows] * sf[:, d.ev_group]
        score = self.U0 - c @ d.X
        # Efron's sum over k of a_k a_k' with a_k = (A - f_k Ad) / den_k:
        # A'(s2 A - sf2 Ad) + Ad'(sff2 Ad - sf2 A), summed over death times.
        A = np.ascontiguousarray(A)
        Ad = np.ascontiguousarray(Ad)
        P = s2[:, :, None] * A
        P -= sf2[:, :, None] * Ad
        Q = sff2[:, :, None] * Ad
        Q -= sf2[:, :, None] * A
        outer = np.matmul(A.transpose(0, 2, 1), P) + np.matmul(Ad.transpose(0, 2, 1), Q)
        info = (c @ d.XX).reshape(K, p, p) - outer
        info = 0.5 * (info + info.transpose(0, 2, 1))
        return loglik, score, info

    def binary_failures(self) -> np.ndarray:
        """Failure codes from the resampled data for the 0/1 terms (exact counts, one product).

        With ``r1``/``r0`` the resampled counties at risk with the term 1/0 and ``d1``/``d0``
        the deaths, per death time: the likelihood rises for ever in the coefficient when no
        death has 0 while a 1 is at risk (``d0 == 0 or r1 == 0`` at every time; e.g. no
        ``nation == 1`` county exits, mirrored), and is flat when no risk set at a death mixes
        0 and 1. Other terms are checked by :meth:`data_failures` when a fit fails.
        """
        d = self.d
        K = self.W.shape[0]
        codes = np.zeros(K, dtype=np.int64)
        if d.G and d.binary.size:
            G, nb = d.G, d.binary.size
            counts = self.W @ d.binary_sums
            R, D = counts[:, :G], counts[:, G:2 * G]
            r1 = counts[:, 2 * G:(2 + nb) * G].reshape(K, nb, G)
            d1 = counts[:, (2 + nb) * G:(2 + 2 * nb) * G].reshape(K, nb, G)
            ones = counts[:, (2 + 2 * nb) * G:]
            r0, d0 = R[:, None, :] - r1, D[:, None, :] - d1
            up = ((d0 == 0) | (r1 == 0)).all(axis=2)
            down = ((d1 == 0) | (r0 == 0)).all(axis=2)
            flat = up & down
            codes[flat.any(axis=1)] = _CODE["singular_information"]
            codes[((up | down) & ~flat).any(axis=1)] = _CODE["monotone_likelihood"]
            total = self.W.sum(axis=1)[:, None]
            codes[((ones == 0) | (ones == total)).any(axis=1)] = _CODE["constant_term"]
        codes[self.total_deaths == 0] = _CODE["no_events"]
        return codes

    def data_failures(self, rows: np.ndarray) -> np.ndarray:
        """Failure codes decided from the resampled data alone, any kind of term.

        A term is monotone upward when every death has the largest value of the term in its
        risk set (downward: the smallest) and at least one risk set holds another value: the
        partial likelihood then increases strictly along that coefficient for ever. When every
        risk set at a death is constant in the term, the likelihood is flat in it. Only exact
        comparisons are involved, so the result for a replicate does not depend on ``rows``.
        """
        d = self.d
        p = d.p
        W, pos = self.W[rows], self.pos[rows]
        codes = np.zeros(len(rows), dtype=np.int64)
        if d.G:
            # Max of (x, -x) over the resampled rows of each stretch between consecutive risk
            # set ends (contiguous along the last axis), then running max: risk-set max/min.
            masked = np.where(pos[:, None, :], d.signed_xt[None], -np.inf)
            seg = np.maximum.reduceat(masked, d.seg_starts, axis=2)
            running = np.maximum.accumulate(seg, axis=2)
            hi, lo = running[:, :p], -running[:, p:]
            const = hi[:, :, -1] == lo[:, :, -1]
            rmax = hi[:, :, d.ev_seg]  # (rows, p, deaths): risk-set max at each death
            rmin = lo[:, :, d.ev_seg]
            xev = d.X[d.ev_rows].T[None]
            live = pos[:, None, d.ev_rows]
            up = np.where(live, xev >= rmax, True).all(axis=2)
            down = np.where(live, xev <= rmin, True).all(axis=2)
            flat = up & down
            codes[flat.any(axis=1)] = _CODE["singular_information"]
            codes[((up | down) & ~flat).any(axis=1)] = _CODE["monotone_likelihood"]
            codes[const.any(axis=1)] = _CODE["constant_term"]
        codes[(W * d.event).sum(axis=1) == 0] = _CODE["no_events"]
        return codes


def _solve(M: np.ndarray, rhs: np.ndarray, active: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Solve ``M x = rhs`` per replicate; inactive rows use the identity (shapes never change).

    Returns ``(x, ok)`` with ``ok`` False where ``M`` is exactly singular.
    """
    eye = np.eye(M.shape[-1])
    Mu = np.where(active[:, None, None], M, eye)
    ok = np.ones(M.shape[0], dtype=bool)
    try:
        return np.linalg.solve(Mu, rhs[:, :, None])[:, :, 0], ok
    except np.linalg.LinAlgError:
        for i in range(M.shape[0]):  # rare path: find the offending replicates
            try:
                np.linalg.solve(Mu[i], rhs[i])
            except np.linalg.LinAlgError:
                ok[i] = False
        Mu = np.where(ok[:, None, None], Mu, eye)
        return np.linalg.solve(Mu, rhs[:, :, None])[:, :, 0], ok


def _cox_fit_block(design: _CoxDesign, W: np.ndarray, max_iter: int, tol: float,
                   init: np.ndarray) -> tuple[np.ndarray, ...]:
    """Newton-Raphson with step halving for one block; see :func:`cox_efron_batched`."""
    block = _CoxBlock(design, W)
    K, p = W.shape[0], design.p
    codes = block.binary_failures()
    active = codes == 0
    attempted = active.copy()
    converged = np.zeros(K, dtype=bool)
    iterations = np.zeros(K, dtype=np.int64)
    beta = np.where(active[:, None], init[None, :], 0.0)
    nan = np.full((K, p), np.nan)
    if not active.any():
        return nan, nan, np.full(K, np.nan), iterations, converged, codes
    loglik, score, info = block.evaluate(beta)
    bound = SEPARATION_BOUND / design.range
    small_step = tol ** 0.7

    while True:
        step, ok = _solve(info, score, active)
        codes[active & ~ok] = _CODE["singular_information"]
        active &= ok
        scaled_step = np.abs(step * design.scale).max(axis=1)
        done = active & (scaled_step <= tol)
        converged |= done
        active &= ~done
        active &= iterations < max_iter
        if not active.any():
            break
        step = np.where(active[:, None], step, 0.0)
        # Close to the maximum (predicted gain below 1e-9 relative) the full Newton step is
        # taken without an ascent check: there the log-likelihood is flat to rounding error.
        gain = 0.5 * (score * step).sum(axis=1)
        checked = active & (gain > 1e-9 * (1.0 + np.abs(loglik)))
        cand = beta + step
        ll_c, score_c, info_c = block.evaluate(cand)
        halved = np.zeros(K, dtype=bool)
        for _halving in range(30):
            worse = checked & ~(ll_c >= loglik)  # also catches NaN
            if not worse.any():
                break
            halved |= worse
            cand = np.where(worse[:, None], 0.5 * (beta + cand), cand)
            ll_h, score_h, info_h = block.evaluate(cand)
            ll_c = np.where(worse, ll_h, ll_c)
            score_c = np.where(worse[:, None], score_h, score_c)
            info_c = np.where(worse[:, None, None], info_h, info_c)
        stuck = checked & ~(ll_c >= loglik)
        codes[stuck] = _CODE["not_converged"]
        active &= ~stuck
        beta = np.where(active[:, None], cand, beta)
        loglik = np.where(active, ll_c, loglik)
        score = np.where(active[:, None], score_c, score)
        info = np.where(active[:, None, None], info_c, info)
        iterations += active
        # A full Newton step of at most tol**0.7 (1e-7 at the default) leaves an error of
        # order tol**1.4 by quadratic convergence: stop without another evaluation.
        done = active & ~halved & (scaled_step <= small_step)
        converged |= done
        active &= ~done
        # |coef| x range(term) > 20 while iterating: the likelihood keeps rising along a
        # direction (found from the data below, or a combination of terms).
        diverged = active & (np.abs(beta) > bound).any(axis=1)
        codes[diverged] = _CODE["monotone_likelihood"]
        active &= ~diverged

    codes[~converged & (codes == 0)] = _CODE["not_converged"]
    # Numerical guards on the solution itself.
    large = converged & (np.abs(beta) > bound).any(axis=1)
    codes[large & (codes == 0)] = _CODE["monotone_likelihood"]
    # Information of the standardised coefficients (coef x sd).
    eye = np.eye(p)
    scaled = info / design.scale[None, :, None] / design.scale[None, None, :]
    eig = np.linalg.eigvalsh(np.where(converged[:, None, None], scaled, eye))
    near_singular = converged & (eig[:, 0] <= 1e-10 * eig[:, -1])
    codes[near_singular & (codes == 0)] = _CODE["singular_information"]
    # Name the data condition behind numerical failures where there is one.
    failed = np.flatnonzero(attempted & (codes != 0))
    if failed.size:
        found = block.data_failures(failed)
        codes[failed] = np.where(found != 0, found, codes[failed])
    usable = converged & (codes == 0)
    inverse = np.linalg.inv(np.where(usable[:, None, None], info, eye))
    se = np.where(usable[:, None], np.sqrt(np.diagonal(inverse, axis1=1, axis2=2)), np.nan)
    beta = np.where(attempted[:, None], beta, np.nan)
    loglik = np.where(attempted, loglik, np.nan)
    return beta, se, loglik, iterations, converged, codes


def cox_efron_batched(
    X: np.ndarray,
    time: np.ndarray,
    event: np.ndarray,
    weights: np.ndarray,
    max_iter: int = 50,
    tol: float = 1e-10,
    *,
    block_size: int = DEFAULT_BLOCK_SIZE,
    risk_sums: str = "auto",
    init: str | np.ndarray | None = "full_sample",
) -> CoxBatchResult:
    """Fit B Cox models (Efron ties) that differ only in their frequency weights.

    Parameters
    ----------
    X : (n, p) covariates; time : (n,) durations > 0; event : (n,) 0/1.
    weights : (B, n) non-negative integer frequency weights (bootstrap counts). A weight w is
        equivalent to w copies of the row, including in Efron's handling of tied deaths.
    max_iter : Newton-Raphson iterations.
    tol : convergence when the next Newton step is below ``tol`` for every coefficient, in
        units of the term's standard deviation.
    block_size : replicates processed together; see the module docstring on determinism.
    risk_sums : "gemm" (indicator-matrix products), "cumsum" (cumulative sums over sorted
        rows) or "auto" (gemm up to :data:`GEMM_MAX_GROUPS` distinct event times). Same
        results up to rounding; the choice depends on the data only, never on the block.
    init : starting coefficients of every replicate: "full_sample" (the fit with all weights
        1, itself started from zero; zero if that fit fails), None (zero, as R and lifelines
        do) or a (p,) array. Bootstrap fits start close to the full-sample estimate, which
        saves one or two Newton iterations; the converged values agree to ~tol either way.

    Newton-Raphson from zero with step halving (skipped once the predicted gain is below 1e-9
    relative, where the likelihood is flat to rounding). Each iteration is a handful of
    matrix products over the time-sorted rows, vectorised over replicates: risk-set sums
    (S0, S1) are products with risk/death indicator matrices or cumulative sums, and S2 never
    materialises per time: it enters the information as ``c @ (X x X)`` with per-row weights
    ``c``. Efron's tie terms are summed per (replicate, time) over flat arrays. Standard errors
    come from the inverse information at the solution.
    """
    X, W = _check_design(X, weights, "cox_efron_batched")
    time = np.asarray(time, dtype=np.float64)
    event = np.asarray(event)
    n = X.shape[0]
    if time.shape != (n,) or event.shape != (n,):
        raise InputDataError(f"cox_efron_batched: time and event must have shape ({n},)")
    if not np.isfinite(time).all() or (time <= 0).any():
        raise InputDataError("cox_efron_batched: durations must be finite and > 0")
    if not np.isin(event, (0, 1)).all():
        raise InputDataError("cox_efron_batched: event must be 0 or 1")
    if max_iter < 1 or not tol > 0:
        raise InputDataError(f"cox_efron_batched: need max_iter >= 1, tol > 0 ({max_iter}, {tol})")
    event = event.astype(np.int64)
    p = X.shape[1]
    B = W.shape[0]
    if not event.any():
        # No event in the data at all: every replicate fails the same way (the risk-set
        # structure below needs at least one death).
        nan = np.full((B, p), np.nan)
        return CoxBatchResult(coef=nan, se=nan.copy(), loglik=np.full(B, np.nan),
                              iterations=np.zeros(B, dtype=np.int64),
                              converged=np.zeros(B, dtype=bool),
                              failure=_reasons(np.full(B, _CODE["no_events"], dtype=np.int64)))
    design = _CoxDesign(X, time, event, risk_sums)
    if isinstance(init, str):
        if init != "full_sample":
            raise InputDataError(
                f"cox_efron_batched: init must be 'full_sample', None or an array, got {init!r}")
        full = _cox_fit_block(design, np.ones((1, n)), max_iter, tol, np.zeros(p))
        start = full[0][0] if full[5][0] == 0 else np.zeros(p)
    elif init is None:
        start = np.zeros(p)
    else:
        start = np.asarray(init, dtype=np.float64)
        if start.shape != (p,) or not np.isfinite(start).all():
            raise InputDataError(f"cox_efron_batched: init must be finite with shape ({p},)")
    Ws = W[:, design.order]
    out = {
        "coef": np.empty((B, p)), "se": np.empty((B, p)), "loglik": np.empty(B),
        "iterations": np.empty(B, dtype=np.int64), "converged": np.empty(B, dtype=bool),
        "codes": np.empty(B, dtype=np.int64),
    }
    for lo, hi in _blocks(B, block_size):
        res = _cox_fit_block(design, _pad_block(Ws[lo:hi], block_size), max_iter, tol, start)
        for key, value in zip(out, res):
            out[key][lo:hi] = value[: hi - lo]
    return CoxBatchResult(coef=out["coef"], se=out["se"], loglik=out["loglik"],
                          iterations=out["iterations"], converged=out["converged"],
                          failure=_reasons(out["codes"]))


# --------------------------------------------------------------------------------------------
# OLS
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class OLSBatchResult:
    """B weighted least-squares fits (classical standard errors)."""

    coef: np.ndarray
    se: np.ndarray
    r2: np.ndarray
    converged: np.ndarray
    failure: np.ndarray


def _ols_block(Z: np.ndarray, ZZ: np.ndarray, y: np.ndarray, W: np.ndarray, is_const: np.ndarray
               ) -> tuple[np.ndarray, ...]:
    """One block of fits on the standardised design: (beta_Z, cov_Z, r2, ok, codes)."""
    K, p = W.shape[0], Z.shape[1]
    codes = np.zeros(K, dtype=np.int64)
    codes[_constant_columns(Z, W, is_const).any(axis=1)] = _CODE["constant_term"]
    nobs = W.sum(axis=1)
    codes[(nobs <= p) & (codes == 0)] = _CODE["singular_information"]
    gram = (W @ ZZ).reshape(K, p, p)
    gram = 0.5 * (gram + gram.transpose(0, 2, 1))
    active = codes == 0
    beta, inv, ok = _spd_solve(gram, W @ (Z * y[:, None]), active)
    diag = np.sqrt(np.where(active[:, None], np.diagonal(gram, axis1=1, axis2=2), 1.0))
    eig = np.linalg.eigvalsh(np.where(active[:, None, None],
                                      gram / diag[:, :, None] / diag[:, None, :], np.eye(p)))
    ok &= eig[:, 0] > 1e-12 * eig[:, -1]
    codes[active & ~ok] = _CODE["singular_information"]
    active &= ok
    resid = y[None, :] - beta @ Z.T
    rss = (W * resid * resid).sum(axis=1)
    if is_const.any():
        ybar = (W @ y) / nobs
        dev = y[None, :] - ybar[:, None]
        tss = (W * dev * dev).sum(axis=1)
    else:
        tss = (W * y * y).sum(axis=1)
    dof = np.where(active, nobs - p, 1.0)
    cov = (rss / dof)[:, None, None] * inv
    with np.errstate(invalid="ignore", divide="ignore"):
        r2 = 1.0 - rss / tss
    return beta, cov, r2, active, codes


def ols_batched(X: np.ndarray, y: np.ndarray, weights: np.ndarray, *,
                block_size: int = DEFAULT_BLOCK_SIZE) -> OLSBatchResult:
    """B least-squares fits of ``y`` on ``X`` with frequency weights (rows of ``weights``).

    ``X`` should contain the constant column if an intercept is wanted. The fits use the normal
    equations on columns centred and scaled by their full-sample moments (the constant column
    is kept), solved per replicate through a Cholesky check and the inverse cross-product, and
    mapped back, which keeps the cross-product matrix well conditioned. Standard errors are
    classical: ``sigma^2 = RSS / (sum(w) - p)``. ``r2`` is centred when ``X`` has a constant
    column. A replicate fails with ``constant_term`` when a non-constant column of ``X`` is
    constant among its resampled rows, and with ``singular_information`` for any other rank
    deficiency (or fewer resampled rows than coefficients). Failed fits hold NaN.
    """
    X, W = _check_design(X, weights, "ols_batched")
    y = np.asarray(y, dtype=np.float64)
    n, p = X.shape
    if y.shape != (n,) or not np.isfinite(y).all():
        raise InputDataError(f"ols_batched: y must be finite with shape ({n},)")
    is_const = (X == X[0]).all(axis=0) & (X[0] != 0)
    has_const = bool(is_const.any())
    centre = np.where(is_const | (not has_const), 0.0, X.mean(axis=0))
    spread = X.std(axis=0)
    spread = np.where(is_const | (spread == 0), 1.0, spread)
    Z = np.ascontiguousarray((X - centre) / spread)
    ZZ = np.einsum("ni,nj->nij", Z, Z).reshape(n, p * p)
    # beta_X = T beta_Z because Z = (X - centre) / spread column by column (constant kept).
    T = np.diag(1.0 / spread)
    if has_const:
        j = int(np.flatnonzero(is_const)[0])
        T[j] = -centre / spread / X[0, j]
        T[j, j] = 1.0
    B = W.shape[0]
    coef, se = np.empty((B, p)), np.empty((B, p))
    r2, ok, codes = np.empty(B), np.empty(B, dtype=bool), np.empty(B, dtype=np.int64)
    for start, stop in _blocks(B, block_size):
        k = stop - start
        bz, cov_z, r2b, okb, codesb = _ols_block(Z, ZZ, y, _pad_block(W[start:stop], block_size),
                                                 is_const)
        var = np.einsum("ij,bjl,il->bi", T, cov_z, T)
        coef[start:stop] = np.where(okb[:, None], bz @ T.T, np.nan)[:k]
        se[start:stop] = np.where(okb[:, None], np.sqrt(np.abs(var)), np.nan)[:k]
        r2[start:stop] = np.where(okb, r2b, np.nan)[:k]
        ok[start:stop], codes[start:stop] = okb[:k], codesb[:k]
    return OLSBatchResult(coef=coef, se=se, r2=r2, converged=ok, failure=_reasons(codes))


# --------------------------------------------------------------------------------------------
# Chunks of replicates and their summary
# --------------------------------------------------------------------------------------------

def _check_survival(df: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in _SURVIVAL_COLUMNS if c not in df.columns]
    if missing:
        raise InputDataError(
            f"survival data: missing column(s) {missing}; expected {_SURVIVAL_COLUMNS}")
    if len(df) < 2:
        raise InputDataError(f"survival data: need at least 2 counties, got {len(df)}")
    dup = df["county_code"][df["county_code"].duplicated()]
    if len(dup):
        raise InputDataError(f"survival data: duplicated county_code {dup.head(5).tolist()}")
    numeric = df[["duration_days", "event", *TERMS]].apply(pd.to_numeric, errors="coerce")
    bad = numeric.columns[~np.isfinite(numeric.to_numpy(dtype=float)).all(axis=0)].tolist()
    if bad:
        raise InputDataError(f"survival data: non-numeric, missing or infinite values in {bad}")
    if (numeric["duration_days"] <= 0).any():
        rows = df["county_code"][numeric["duration_days"] <= 0].head(5).tolist()
        raise InputDataError(f"survival data: duration_days <= 0 for counties {rows}")
    if not numeric["event"].isin([0, 1]).all():
        raise InputDataError("survival data: event must be 0 or 1")
    out = numeric.assign(county_code=df["county_code"].to_numpy())
    return out.sort_values("county_code", kind="mergesort").reset_index(drop=True)


def _aligned_weights(seed: int, reps: np.ndarray, n: int, block_size: int
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Weight matrix with replicate r at row (r // block_size) * block_size + r % block_size,
    counting only blocks that hold a requested replicate; other rows are the full sample."""
    blocks = np.unique(reps // block_size)
    W = np.ones((len(blocks) * block_size, n))
    rows = np.searchsorted(blocks, reps // block_size) * block_size + reps % block_size
    W[rows] = replicate_weights(seed, reps.tolist(), n)
    return W, rows


def run_chunk(df: pd.DataFrame, seed: int, reps: Sequence[int], *,
              block_size: int = DEFAULT_BLOCK_SIZE, max_iter: int = 50, tol: float = 1e-10
              ) -> pd.DataFrame:
    """Fit OLS and Cox on bootstrap replicates ``reps``; one row per (replicate, model, term).

    ``df`` is the survival data set (one row per county); rows are put in ``county_code``
    order before resampling, so replicate samples do not depend on the input row order.
    OLS: ``duration_days`` on a constant and :data:`TERMS` (classical SEs). Cox: Efron ties.
    Columns :data:`ESTIMATE_COLUMNS`; rows sorted by replicate, model (ols, cox) and term
    (``const`` first for OLS, then :data:`TERMS`). ``failure`` is ``None`` for a usable fit.
    The result for replicate r is bitwise the same whatever other replicates share the call.
    """
    data = _check_survival(df)
    reps_arr = np.asarray(list(reps), dtype=np.int64)
    if reps_arr.ndim != 1 or len(reps_arr) == 0:
        raise InputDataError("run_chunk: reps must be a non-empty sequence of replicate numbers")
    if (reps_arr < 0).any() or len(np.unique(reps_arr)) != len(reps_arr):
        raise InputDataError(
            f"run_chunk: replicate numbers must be unique and >= 0, got {reps_arr[:10]}")
    reps_arr = np.sort(reps_arr)
    n = len(data)
    W, rows = _aligned_weights(seed, reps_arr, n, block_size)
    X = data[TERMS].to_numpy(dtype=np.float64)
    cox = cox_efron_batched(X, data["duration_days"].to_numpy(float), data["event"].to_numpy(int),
                            W, max_iter=max_iter, tol=tol, block_size=block_size)
    ols = ols_batched(np.column_stack([np.ones(n), X]), data["duration_days"].to_numpy(float), W,
                      block_size=block_size)
    parts = []
    for model, terms, res in (("ols", OLS_TERMS, ols), ("cox", TERMS, cox)):
        p = len(terms)
        parts.append(pd.DataFrame({
            "replicate": np.repeat(reps_arr, p),
            "model_order": MODELS.index(model),
            "model": model,
            "term_order": np.tile(np.arange(p), len(reps_arr)),
            "term": np.tile(np.array(terms, dtype=object), len(reps_arr)),
            "estimate": res.coef[rows].ravel(),
            "std_err": res.se[rows].ravel(),
            "converged": np.repeat(res.converged[rows], p),
            "failure": np.repeat(res.failure[rows], p),
        }))
    out = pd.concat(parts, ignore_index=True)
    out = out.sort_values(["replicate", "model_order", "term_order"], kind="mergesort")
    return out[ESTIMATE_COLUMNS].reset_index(drop=True)


def _term_rank(model: pd.Series, term: pd.Series) -> np.ndarray:
    order = {("ols", t): i for i, t in enumerate(OLS_TERMS)}
    order.update({("cox", t): i for i, t in enumerate(TERMS)})
    return np.array([order.get(key, len(order)) for key in zip(model, term)])


def collect_chunks(chunks: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate chunk tables and sort them by replicate, model and term.

    Raises :class:`InputDataError` when a (replicate, model, term) appears twice, e.g. two
    chunk files covering the same replicates.
    """
    if not chunks:
        raise InputDataError("collect_chunks: no chunk tables given")
    est = pd.concat(list(chunks), ignore_index=True)
    return _sorted_estimates(est)


def _sorted_estimates(est: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in ESTIMATE_COLUMNS if c not in est.columns]
    if missing:
        raise InputDataError(f"bootstrap estimates: missing column(s) {missing}")
    key = ["replicate", "model", "term"]
    dup = est[est.duplicated(key, keep=False)]
    if len(dup):
        raise InputDataError(
            f"bootstrap estimates: {len(dup)} duplicated (replicate, model, term) rows, e.g. "
            f"{dup[key].head(3).to_dict('records')}; were two chunks given the same replicates?")
    est = est.assign(
        _model=est["model"].map({m: i for i, m in enumerate(MODELS)}).fillna(len(MODELS)),
        _term=_term_rank(est["model"], est["term"]),
    )
    est = est.sort_values(["replicate", "_model", "model", "_term", "term"], kind="mergesort")
    return est[ESTIMATE_COLUMNS].reset_index(drop=True)


SUMMARY_COLUMNS = [
    "model", "term", "n_replicates", "n_used", "n_failed",
    *(f"failed_{reason}" for reason in FAILURE_REASONS),
    "mean", "boot_se", "ci_lower", "ci_upper",
]


def summarize(estimates: pd.DataFrame, point: dict | None = None) -> pd.DataFrame:
    """Bootstrap summary per model and term.

    A replicate is *used* when its ``failure`` is null and its estimate is finite; all others
    are counted in ``n_failed`` and by reason in ``failed_<reason>`` (a non-finite estimate
    without a reason counts as ``not_converged``). ``boot_se`` is the
    standard deviation (ddof=1) of the used estimates; ``ci_lower``/``ci_upper`` the 2.5% and
    97.5% percentiles, ``numpy.quantile(..., method="linear")`` (type 7, R's default).
    Values are computed from the estimates sorted by replicate, so the output does not depend
    on how replicates were chunked or concatenated.

    ``point`` (optional): full-sample estimates as ``{model: {term: value}}``; adds columns
    ``point_estimate`` and ``bias`` (= mean - point_estimate).
    """
    est = _sorted_estimates(estimates)
    failure = est["failure"].where(est["failure"].notna(), None)
    used = failure.isna() & np.isfinite(est["estimate"].to_numpy(dtype=float))
    alpha = (1.0 - CI_LEVEL) / 2.0
    rows = []
    for (model, term), grp in est.groupby(["model", "term"], sort=False):
        g_used = used.loc[grp.index]
        values = grp["estimate"].to_numpy(dtype=float)[g_used.to_numpy()]
        reasons = failure.loc[grp.index][~g_used].fillna("not_converged")
        row = {
            "model": model, "term": term,
            "n_replicates": int(grp["replicate"].nunique()),
            "n_used": int(len(values)),
            "n_failed": int((~g_used).sum()),
        }
        for reason in FAILURE_REASONS:
            row[f"failed_{reason}"] = int((reasons == reason).sum())
        unknown = set(reasons) - set(FAILURE_REASONS)
        if unknown:
            raise InputDataError(
                f"bootstrap estimates: unknown failure reason(s) {sorted(unknown)}")
        row["mean"] = float(values.mean()) if len(values) else math.nan
        row["boot_se"] = float(values.std(ddof=1)) if len(values) > 1 else math.nan
        if len(values):
            lo, hi = np.quantile(values, [alpha, 1.0 - alpha], method=QUANTILE_METHOD)
            row["ci_lower"], row["ci_upper"] = float(lo), float(hi)
        else:
            row["ci_lower"] = row["ci_upper"] = math.nan
        rows.append(row)
    out = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    rank = pd.Series(_term_rank(out["model"], out["term"]), index=out.index)
    model_rank = out["model"].map({m: i for i, m in enumerate(MODELS)}).fillna(len(MODELS))
    out = (out.assign(_m=model_rank, _t=rank)
           .sort_values(["_m", "model", "_t", "term"], kind="mergesort")
           .drop(columns=["_m", "_t"]).reset_index(drop=True))
    if point is not None:
        out["point_estimate"] = [float(point.get(m, {}).get(t, math.nan))
                                 for m, t in zip(out["model"], out["term"])]
        out["bias"] = out["mean"] - out["point_estimate"]
    return out


def format_summary(summary: pd.DataFrame, digits: int = SIGNIFICANT_DIGITS) -> pd.DataFrame:
    """Round float columns to ``digits`` significant digits for byte-stable CSV output
    (the writers in io round to io.SIGNIFICANT_DIGITS in any case).

    Python's shortest float repr of a value rounded this way has at most ``digits`` digits,
    so last-bit differences (e.g. from another CPU's BLAS kernels) do not change the file.
    """
    out = summary.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = [float(f"{v:.{digits}g}") if math.isfinite(v) else v for v in out[col]]
    return out


# --------------------------------------------------------------------------------------------
# Reference path: one replicate, rows expanded, fitted by lifelines and statsmodels
# --------------------------------------------------------------------------------------------

def expand_replicate(df: pd.DataFrame, seed: int, rep: int) -> pd.DataFrame:
    """The resampled data set of replicate ``rep`` as explicit rows (counties repeated)."""
    data = _check_survival(df)
    return data.iloc[replicate_indices(seed, rep, len(data))].reset_index(drop=True)


def fit_replicate_reference(df: pd.DataFrame, seed: int, rep: int,
                            precision: float = 1e-24) -> dict[str, pd.DataFrame]:
    """Fit replicate ``rep`` the slow, obvious way (for tests and benchmarks).

    Cox: lifelines ``CoxPHFitter`` (Efron) on the expanded rows. lifelines stops when its Newton
    decrement falls below ``precision`` *without* taking the last step, so its default (1e-7)
    leaves errors near 1e-7; the tiny default here makes it agree with R to ~1e-14. OLS:
    statsmodels ``OLS`` on the expanded rows. Returns ``{"cox": ..., "ols": ...}``, each a
    frame indexed by term with columns ``estimate`` and ``std_err``.
    """
    from lifelines import CoxPHFitter
    import statsmodels.api as sm

    rows = expand_replicate(df, seed, rep)
    cph = CoxPHFitter()
    try:
        cph.fit(rows[["duration_days", "event", *TERMS]], duration_col="duration_days",
                event_col="event",
                fit_options={"precision": precision, "r_precision": 0.0, "max_steps": 200})
    except Exception as err:  # lifelines raises ConvergenceError and linear-algebra errors
        raise ModelFitError(f"replicate {rep}: lifelines failed ({err})") from err
    cox = pd.DataFrame({"estimate": cph.params_[TERMS], "std_err": cph.standard_errors_[TERMS]})
    ols_fit = sm.OLS(rows["duration_days"], sm.add_constant(rows[TERMS], has_constant="add")).fit()
    ols = pd.DataFrame({"estimate": ols_fit.params[OLS_TERMS], "std_err": ols_fit.bse[OLS_TERMS]})
    return {"cox": cox, "ols": ols}
