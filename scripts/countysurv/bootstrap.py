"""Case-resampling bootstrap of the OLS and Cox models: resampling, chunks and the summary.

Replicate ``r`` resamples the ``n`` counties (rows sorted by ``county_code``) with replacement
using ``np.random.default_rng([seed, r])``. A replicate is represented by its vector of
*frequency weights* (how often each county was drawn), so every replicate shares one sorted
design matrix, and the B fits of a chunk are done at once by the batched solvers of
:mod:`countysurv.batched` (:func:`~countysurv.batched.cox_efron_batched`, Efron ties with
weights meaning duplicated rows, and :func:`~countysurv.batched.ols_batched`).

Determinism. Replicate ``r``'s fit is a function of ``(seed, r, n, data, block_size)`` only:

- its sample comes from its own RNG stream (:func:`replicate_indices`);
- :func:`run_chunk` always places replicate ``r`` at row ``r % block_size`` of block
  ``r // block_size`` of the weight matrix, padding unused rows with the full sample, and the
  solvers never mix rows of different replicates (see :mod:`countysurv.batched`). Every array
  operation therefore sees the same shapes and the same position for replicate ``r`` whatever
  the chunking, so BLAS/SIMD code paths cannot change a single bit.

On one machine (one BLAS build, CPU kind and ``OPENBLAS_NUM_THREADS``) ``run_chunk`` output is
therefore bitwise independent of chunking. Across different CPUs OpenBLAS may pick different
kernels; use :func:`format_summary` (12 significant digits) before writing summary files that
are compared by bytes.

Failed replicates (reasons :data:`~countysurv.batched.FAILURE_REASONS`, per replicate and
model) are reported in the estimates and counted in the summary, never averaged in.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .batched import DEFAULT_BLOCK_SIZE, FAILURE_REASONS, cox_efron_batched, ols_batched
from .errors import InputDataError, ModelFitError
from .io import SIGNIFICANT_DIGITS
from .terms import MODEL_TERMS, check_terms, ols_terms

MODELS = ("ols", "cox")
ESTIMATE_COLUMNS = ["replicate", "model", "term", "estimate", "std_err", "converged", "failure"]

CI_LEVEL = 0.95
QUANTILE_METHOD = "linear"



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
# Chunks of replicates and their summary
# --------------------------------------------------------------------------------------------

def _check_survival(df: pd.DataFrame, terms: Sequence[str] = MODEL_TERMS) -> pd.DataFrame:
    """The columns the models use (``county_code``, ``duration_days``, ``event``, ``terms``),
    checked and sorted by ``county_code``."""
    terms = list(check_terms(terms))
    needed = ["county_code", "duration_days", "event", *terms]
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise InputDataError(
            f"survival data: missing column(s) {missing}; expected {needed}")
    if len(df) < 2:
        raise InputDataError(f"survival data: need at least 2 counties, got {len(df)}")
    dup = df["county_code"][df["county_code"].duplicated()]
    if len(dup):
        raise InputDataError(f"survival data: duplicated county_code {dup.head(5).tolist()}")
    numeric = df[["duration_days", "event", *terms]].apply(pd.to_numeric, errors="coerce")
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
              block_size: int = DEFAULT_BLOCK_SIZE, max_iter: int = 50, tol: float = 1e-10,
              terms: Sequence[str] = MODEL_TERMS) -> pd.DataFrame:
    """Fit OLS and Cox on bootstrap replicates ``reps``; one row per (replicate, model, term).

    ``df`` is the survival data set (one row per county); rows are put in ``county_code``
    order before resampling, so replicate samples do not depend on the input row order.
    OLS: ``duration_days`` on a constant and ``terms`` (config ``models.terms``; classical SEs).
    Cox: Efron ties. Columns :data:`ESTIMATE_COLUMNS`; rows sorted by replicate, model (ols,
    cox) and term (the constant and ``terms`` for OLS, ``terms`` for Cox). ``failure`` is
    ``None`` for a usable fit.
    The result for replicate r is bitwise the same whatever other replicates share the call.
    """
    terms = check_terms(terms)
    data = _check_survival(df, terms)
    reps_arr = np.asarray(list(reps), dtype=np.int64)
    if reps_arr.ndim != 1 or len(reps_arr) == 0:
        raise InputDataError("run_chunk: reps must be a non-empty sequence of replicate numbers")
    if (reps_arr < 0).any() or len(np.unique(reps_arr)) != len(reps_arr):
        raise InputDataError(
            f"run_chunk: replicate numbers must be unique and >= 0, got {reps_arr[:10]}")
    reps_arr = np.sort(reps_arr)
    n = len(data)
    W, rows = _aligned_weights(seed, reps_arr, n, block_size)
    X = data[list(terms)].to_numpy(dtype=np.float64)
    cox = cox_efron_batched(X, data["duration_days"].to_numpy(float), data["event"].to_numpy(int),
                            W, max_iter=max_iter, tol=tol, block_size=block_size)
    ols = ols_batched(np.column_stack([np.ones(n), X]), data["duration_days"].to_numpy(float), W,
                      block_size=block_size)
    parts = []
    for model, names, res in (("ols", ols_terms(terms), ols), ("cox", terms, cox)):
        p = len(names)
        parts.append(pd.DataFrame({
            "replicate": np.repeat(reps_arr, p),
            "model_order": MODELS.index(model),
            "model": model,
            "term_order": np.tile(np.arange(p), len(reps_arr)),
            "term": np.tile(np.array(names, dtype=object), len(reps_arr)),
            "estimate": res.coef[rows].ravel(),
            "std_err": res.se[rows].ravel(),
            "converged": np.repeat(res.converged[rows], p),
            "failure": np.repeat(res.failure[rows], p),
        }))
    out = pd.concat(parts, ignore_index=True)
    out = out.sort_values(["replicate", "model_order", "term_order"], kind="mergesort")
    return out[ESTIMATE_COLUMNS].reset_index(drop=True)


def _term_rank(model: pd.Series, term: pd.Series, terms: Sequence[str] = MODEL_TERMS
               ) -> np.ndarray:
    order = {("ols", t): i for i, t in enumerate(ols_terms(terms))}
    order.update({("cox", t): i for i, t in enumerate(terms)})
    return np.array([order.get(key, len(order)) for key in zip(model, term)])


def collect_chunks(chunks: Sequence[pd.DataFrame], terms: Sequence[str] = MODEL_TERMS
                   ) -> pd.DataFrame:
    """Concatenate chunk tables and sort them by replicate, model and term (in ``terms`` order).

    Raises :class:`InputDataError` when a (replicate, model, term) appears twice, e.g. two
    chunk files covering the same replicates.
    """
    if not chunks:
        raise InputDataError("collect_chunks: no chunk tables given")
    est = pd.concat(list(chunks), ignore_index=True)
    return _sorted_estimates(est, terms)


def _sorted_estimates(est: pd.DataFrame, terms: Sequence[str] = MODEL_TERMS) -> pd.DataFrame:
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
        _term=_term_rank(est["model"], est["term"], terms),
    )
    est = est.sort_values(["replicate", "_model", "model", "_term", "term"], kind="mergesort")
    return est[ESTIMATE_COLUMNS].reset_index(drop=True)


SUMMARY_COLUMNS = [
    "model", "term", "n_replicates", "n_used", "n_failed",
    *(f"failed_{reason}" for reason in FAILURE_REASONS),
    "mean", "boot_se", "ci_lower", "ci_upper",
]


def summarize(estimates: pd.DataFrame, point: dict | None = None,
              terms: Sequence[str] = MODEL_TERMS) -> pd.DataFrame:
    """Bootstrap summary per model and term (rows in the order of the model ``terms``).

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
    est = _sorted_estimates(estimates, terms)
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
    rank = pd.Series(_term_rank(out["model"], out["term"], terms), index=out.index)
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

def expand_replicate(df: pd.DataFrame, seed: int, rep: int,
                     terms: Sequence[str] = MODEL_TERMS) -> pd.DataFrame:
    """The resampled data set of replicate ``rep`` as explicit rows (counties repeated)."""
    data = _check_survival(df, terms)
    return data.iloc[replicate_indices(seed, rep, len(data))].reset_index(drop=True)


def fit_replicate_reference(df: pd.DataFrame, seed: int, rep: int,
                            precision: float = 1e-24, terms: Sequence[str] = MODEL_TERMS
                            ) -> dict[str, pd.DataFrame]:
    """Fit replicate ``rep`` the slow, obvious way (for tests and benchmarks).

    Cox: lifelines ``CoxPHFitter`` (Efron) on the expanded rows. lifelines stops when its Newton
    decrement falls below ``precision`` *without* taking the last step, so its default (1e-7)
    leaves errors near 1e-7; the tiny default here makes it agree with R to ~1e-14. OLS:
    statsmodels ``OLS`` on the expanded rows. Returns ``{"cox": ..., "ols": ...}``, each a
    frame indexed by term with columns ``estimate`` and ``std_err``.
    """
    from lifelines import CoxPHFitter
    import statsmodels.api as sm

    terms = list(check_terms(terms))
    rows = expand_replicate(df, seed, rep, terms)
    cph = CoxPHFitter()
    try:
        cph.fit(rows[["duration_days", "event", *terms]], duration_col="duration_days",
                event_col="event",
                fit_options={"precision": precision, "r_precision": 0.0, "max_steps": 200})
    except Exception as err:  # lifelines raises ConvergenceError and linear-algebra errors
        raise ModelFitError(f"replicate {rep}: lifelines failed ({err})") from err
    cox = pd.DataFrame({"estimate": cph.params_[terms], "std_err": cph.standard_errors_[terms]})
    ols_fit = sm.OLS(rows["duration_days"], sm.add_constant(rows[terms], has_constant="add")).fit()
    names = list(ols_terms(terms))
    ols = pd.DataFrame({"estimate": ols_fit.params[names], "std_err": ols_fit.bse[names]})
    return {"cox": cox, "ols": ols}
