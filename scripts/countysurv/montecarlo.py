"""Monte Carlo study: how far to trust each model's estimates and CIs at n = 76 (and n = 832).

Replication ``r`` of study size ``n`` simulates a study in memory from the default
data-generating process of :mod:`countysurv.simulate` (the covariate distributions of poor
counties, exit times from a Cox model with the paper's Cox coefficients and a Weibull baseline of
shape k = 2, censoring at 2020-01-01; see :func:`simulate_replication`) and fits every model:

``cox``               the paper's Cox model (Efron ties; :mod:`countysurv.batched`)
``cox_clustered``     the same with province-clustered sandwich SEs (:mod:`countysurv.extended`)
``weibull_aft``       the Weibull AFT model (correctly specified: the DGP *is* a Weibull AFT model)
``cox_time_varying``  the Cox model on county x calendar-year intervals with lagged yearly covariates
``ols``               the paper's OLS of days to exit *or censoring* (censored counties included)
``ols_latent``        infeasible benchmark: OLS of the DGP's uncensored exit times

plus the PH test (``ph_test``: survival 3.x ``cox.zph`` port, KM transform) and a case bootstrap
(``B`` replicates, percentile 95% CIs) of OLS and Cox through the batched solvers.

What "truth" and "bias" mean per model
--------------------------------------
* Cox models: the DGP's log-hazard ratios beta (the paper's Cox column). ``cox_time_varying``
  uses lagged yearly covariates while the DGP uses the 2015 ones, so it is misspecified by design
  and its "bias" measures the cost of that mismatch.
* Weibull AFT: the DGP implies ``log T = log(scale) + c/k - x'beta/k + W/k``: coefficients
  ``-beta/k``, intercept ``log(scale) + c/k``, shape ``k``.
* OLS targets no parameter of the DGP. We compare its *implied proportional effect on the
  expected exit time*, ``b_j / mean(duration)`` (the change in expected days per unit of x_j,
  relative to the mean), with the true one, ``d log E[T | x] / d x_j = -beta_j / k`` (the AFT
  coefficient). "Bias" for ``ols`` is the mean of ``b_j / ybar`` minus ``-beta_j / k``; its CIs are
  the OLS CIs divided by ``ybar``. ``ols_latent`` shows the same statistic without censoring, so
  the gap between the two is what censoring does to OLS (toward zero: censored durations are capped).

Determinism: replication ``r`` of size ``n`` draws two seeds from
``numpy.random.default_rng([seed, n, r])``: one for :func:`simulate_study`, one for its
bootstrap (``replicate_indices(boot_seed, b, n)``). Every replication is fitted on its own, so
results do not depend on chunking, cores or executor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from . import batched, bootstrap, counting, extended, models, simulate
from .errors import StudyError
from .terms import CONST, MODEL_TERMS

MODELS = ("cox", "cox_clustered", "weibull_aft", "cox_time_varying", "ols", "ols_latent",
          "ph_test")
MODEL_LABELS = {
    "cox": "Cox (paper)", "cox_clustered": "Cox, province-clustered SE",
    "weibull_aft": "Weibull AFT", "cox_time_varying": "Time-varying Cox (lag 1)",
    "ols": "OLS (paper), implied effect", "ols_latent": "OLS on uncensored times (infeasible)",
    "ph_test": "PH test (cox.zph, km)",
}
ESTIMATE_COLUMNS = ["n", "replication", "model", "term", "truth", "estimate", "std_err",
                    "ci_lower", "ci_upper", "boot_ci_lower", "boot_ci_upper", "boot_used",
                    "failure", "censored_share"]
BOOT_MIN_SHARE = 0.9
"""A bootstrap CI is computed only when at least this share of the B replicates is usable."""

_Z = float(stats.norm.ppf(0.975))


def truth() -> dict[tuple[str, str], float]:
    """The value each (model, term) estimate is compared with (see the module docstring)."""
    beta = simulate.COEFFICIENTS
    k = simulate.WEIBULL_SHAPE
    out: dict[tuple[str, str], float] = {}
    for t in MODEL_TERMS:
        for m in ("cox", "cox_clustered", "cox_time_varying"):
            out[(m, t)] = beta[t]
        for m in ("weibull_aft", "ols", "ols_latent"):
            out[(m, t)] = -beta[t] / k
    out[("weibull_aft", CONST)] = math.log(simulate.WEIBULL_SCALE) + simulate.CENTERING / k
    out[("weibull_aft", "shape")] = k
    return out


@dataclass
class Replication:
    """One simulated study: the survival data (with province and latent exit time) and panel."""

    n: int
    replication: int
    survival: pd.DataFrame
    yearly: pd.DataFrame
    boot_seed: int


def replication_seeds(seed: int, n: int, rep: int) -> tuple[int, int]:
    """(study seed, bootstrap seed) of replication ``rep`` of size ``n``."""
    rng = np.random.default_rng([int(seed), int(n), int(rep)])
    study_seed, boot_seed = rng.integers(0, 2**31 - 1, size=2)
    return int(study_seed), int(boot_seed)


def simulate_replication(seed: int, n: int, rep: int) -> Replication:
    """Simulate replication ``rep`` of a study of ``n`` counties from the default DGP.

    The statistical part of :func:`countysurv.simulate.simulate_study`, driven by the
    replication's own stream: :func:`~countysurv.simulate.draw_counties` (province, ethnic area,
    agricultural counties), :func:`~countysurv.simulate.draw_true_panel` (2014-2019 values),
    the covariates of every year by :func:`~countysurv.simulate.compute_covariates` (2015 for
    the exit times, as the DGP), and :func:`~countysurv.simulate.draw_exit_times` (Cox model,
    paper's coefficients, Weibull baseline). The printing layer (units, rounding to bulletin
    precision, encodings and other mess) is skipped: it exercises ingestion, not the models, and
    costs ~10x the rest; covariates are therefore the unrounded values (relative differences
    ~1e-4). ``yearly`` holds each covariate per county and year for the time-varying model.
    """
    study_seed, boot_seed = replication_seeds(seed, n, rep)
    rng = np.random.default_rng(study_seed)
    counties = simulate.draw_counties(n, rng)
    panel = simulate.draw_true_panel(counties, rng)
    printed = ~((panel["indicator"] == "gdp_per_capita")
                & ~panel["county_code"].map(dict(zip(counties["county_code"],
                                                     counties["reports_gdp_pc"]))))
    rows = panel[printed].rename(columns={"indicator": "canonical_indicator",
                                          "true_value": "canonical_value"})
    yearly = pd.concat(
        [simulate.compute_covariates(rows, counties, baseline_year=y).assign(year=y)
         for y in simulate.YEARS], ignore_index=True)
    yearly["resource_endowment_derived"] = False
    base = yearly[yearly["year"] == simulate.BASELINE_YEAR].drop(
        columns=["year", "resource_endowment_derived"]).reset_index(drop=True)
    cov = simulate.draw_exit_times(base, rng)
    surv = cov[["county_code", "duration_days", "event", *MODEL_TERMS]].copy()
    surv["province"] = counties["province"].to_numpy()
    surv["latent_days"] = cov["latent_days"].to_numpy(dtype=float)
    return Replication(n=n, replication=rep, survival=surv, yearly=yearly, boot_seed=boot_seed)


def _rows(model: str, names: Sequence[str], est, se, lo, hi, boot=None, failure=None):
    boot = boot or {}
    out = []
    for j, name in enumerate(names):
        b = boot.get(name, (math.nan, math.nan, 0))
        out.append({"model": model, "term": name,
                    "estimate": float(est[j]) if est is not None else math.nan,
                    "std_err": float(se[j]) if se is not None else math.nan,
                    "ci_lower": float(lo[j]) if lo is not None else math.nan,
                    "ci_upper": float(hi[j]) if hi is not None else math.nan,
                    "boot_ci_lower": b[0], "boot_ci_upper": b[1], "boot_used": int(b[2]),
                    "failure": failure})
    return out


def _failed(model: str, names: Sequence[str], reason: str) -> list[dict[str, Any]]:
    return _rows(model, names, None, None, None, None, failure=reason)


def _percentile(values: np.ndarray, ok: np.ndarray, names: Sequence[str]):
    """Percentile 95% CIs by column over the usable replicates (NaN when too few)."""
    out = {}
    B = len(ok)
    for j, name in enumerate(names):
        v = values[ok, j]
        v = v[np.isfinite(v)]
        if B and len(v) >= BOOT_MIN_SHARE * B:
            lo, hi = np.quantile(v, [0.025, 0.975], method="linear")
            out[name] = (float(lo), float(hi), len(v))
        else:
            out[name] = (math.nan, math.nan, len(v))
    return out


def fit_replication(rep: Replication, boot_replicates: int = 199, time_varying: bool = True,
                    lag_years: int = 1) -> pd.DataFrame:
    """Fit every model on one simulated study; one row per (model, term) (see module docstring).

    A model that cannot be fitted (e.g. monotone likelihood) gives rows with ``failure`` set and
    NaN estimates; they are counted, never averaged in.
    """
    surv = rep.survival
    n = len(surv)
    X = surv[list(MODEL_TERMS)].to_numpy(dtype=float)
    time = surv["duration_days"].to_numpy(dtype=float)
    event = surv["event"].to_numpy(dtype=np.int64)
    Xc = np.column_stack([np.ones(n), X])
    ones = np.ones((1, n))
    W = (bootstrap.replicate_weights(rep.boot_seed, range(boot_replicates), n)
         if boot_replicates else None)
    rows: list[dict[str, Any]] = []

    # OLS on observed (censored) durations and on the latent ones: implied proportional effects
    q = float(stats.t.ppf(0.975, n - len(MODEL_TERMS) - 1))
    for model, y in (("ols", time), ("ols_latent", surv["latent_days"].to_numpy(dtype=float))):
        fit = batched.ols_batched(Xc, y, ones, block_size=1)
        if fit.failure[0] is not None:
            rows += _failed(model, MODEL_TERMS, str(fit.failure[0]))
            continue
        b, se, ybar = fit.coef[0, 1:], fit.se[0, 1:], y.mean()
        boot = None
        if W is not None and model == "ols":
            bf = batched.ols_batched(Xc, y, W)
            implied = bf.coef[:, 1:] / ((W @ y) / n)[:, None]
            boot = _percentile(implied, bf.failure == None, MODEL_TERMS)  # noqa: E711
        rows += _rows(model, MODEL_TERMS, b / ybar, se / ybar, (b - q * se) / ybar,
                      (b + q * se) / ybar, boot)

    # Cox (paper), its bootstrap, the PH test and the clustered SEs
    # (the batched solver needs at least one event in the full sample)
    cox = (batched.cox_efron_batched(X, time, event, ones, block_size=1, init=None)
           if event.any() else None)
    reason = "no_events" if cox is None else cox.failure[0]
    if reason is not None:
        rows += _failed("cox", MODEL_TERMS, str(reason))
        rows += _failed("cox_clustered", MODEL_TERMS, str(reason))
        rows += _failed("ph_test", ["global", *MODEL_TERMS], str(reason))
    else:
        beta, se = cox.coef[0], cox.se[0]
        boot = None
        if W is not None:
            bc = batched.cox_efron_batched(X, time, event, W, init=beta)
            boot = _percentile(bc.coef, bc.failure == None, MODEL_TERMS)  # noqa: E711
        rows += _rows("cox", MODEL_TERMS, beta, se, beta - _Z * se, beta + _Z * se, boot)
        ph = models.cox_zph(surv, beta, MODEL_TERMS, transform="km")
        pvals = [ph["global_pvalue"], *(ph["pvalue"][t] for t in MODEL_TERMS)]
        rows += _rows("ph_test", ["global", *MODEL_TERMS], pvals, None, None, None)
        try:
            design = extended.CountingDesign(X, np.zeros(n), time, event)
            var, _ = extended.robust_variance(design, beta, surv["province"].to_numpy())
            rse = np.sqrt(np.diag(var))
            rows += _rows("cox_clustered", MODEL_TERMS, beta, rse, beta - _Z * rse,
                          beta + _Z * rse)
        except (StudyError, np.linalg.LinAlgError) as err:
            rows += _failed("cox_clustered", MODEL_TERMS, f"error: {err}")

    # Weibull AFT (Newton-Raphson on the analytic likelihood)
    names = [CONST, *MODEL_TERMS, "shape"]
    try:
        theta, _, cov, _ = extended.weibull_aft_newton(Xc, time, event)
        se = np.sqrt(np.diag(cov))
        est = np.r_[theta[:-1], math.exp(-theta[-1])]
        lo = np.r_[theta[:-1] - _Z * se[:-1], math.exp(-theta[-1] - _Z * se[-1])]
        hi = np.r_[theta[:-1] + _Z * se[:-1], math.exp(-theta[-1] + _Z * se[-1])]
        rows += _rows("weibull_aft", names, est, np.r_[se[:-1], est[-1] * se[-1]], lo, hi)
    except (StudyError, np.linalg.LinAlgError) as err:
        rows += _failed("weibull_aft", names, f"error: {err}")

    # Time-varying Cox on the simulated panel
    if time_varying:
        try:
            cp, dropped = counting.build_counting_process(
                rep.yearly, surv, simulate.POLICY_DATE.isoformat(),
                simulate.CENSOR_DATE.isoformat(), lag_years=lag_years, fallback_window=1)
            tv = extended.fit_cox_time_varying(cp, check_lifelines=False)
            b = np.array([tv["coef"][t] for t in MODEL_TERMS])
            s = np.array([tv["se"][t] for t in MODEL_TERMS])
            rows += _rows("cox_time_varying", MODEL_TERMS, b, s, b - _Z * s, b + _Z * s)
        except (StudyError, np.linalg.LinAlgError) as err:
            rows += _failed("cox_time_varying", MODEL_TERMS, f"error: {err}")

    out = pd.DataFrame(rows)
    tr = truth()
    out["truth"] = [tr.get((m, t), math.nan) for m, t in zip(out["model"], out["term"])]
    out.insert(0, "replication", rep.replication)
    out.insert(0, "n", rep.n)
    out["censored_share"] = 1.0 - event.mean()
    return out[ESTIMATE_COLUMNS]


def run_chunk(seed: int, n: int, replications: Sequence[int], boot_replicates: int = 199,
              time_varying: bool = True, lag_years: int = 1) -> pd.DataFrame:
    """Simulate and fit replications ``replications`` of size ``n``; rows of every replication."""
    parts = [fit_replication(simulate_replication(seed, n, r), boot_replicates, time_varying,
                             lag_years) for r in replications]
    return sort_estimates(pd.concat(parts, ignore_index=True))


def sort_estimates(est: pd.DataFrame) -> pd.DataFrame:
    """Rows in (n, replication, model, term) order with models and terms in display order."""
    m_rank = est["model"].map({m: i for i, m in enumerate(MODELS)})
    terms = ["global", CONST, *MODEL_TERMS, "shape"]
    t_rank = est["term"].map({t: i for i, t in enumerate(terms)})
    return (est.assign(_m=m_rank, _t=t_rank)
            .sort_values(["n", "replication", "_m", "_t"], kind="mergesort")
            .drop(columns=["_m", "_t"]).reset_index(drop=True))


SUMMARY_COLUMNS = ["n", "model", "term", "truth", "n_replications", "n_failed", "mean",
                   "bias", "sd", "rmse", "mean_se", "coverage", "boot_coverage", "n_boot",
                   "rejection_rate", "censored_share"]


def summarize(est: pd.DataFrame, ph_alpha: float = 0.05) -> pd.DataFrame:
    """Per (n, model, term): bias, SD, RMSE, mean SE, 95% CI coverage (model-based and bootstrap),
    failures; for ``ph_test`` the rejection rate at ``ph_alpha``.

    Failed fits (``failure`` set) are counted in ``n_failed`` and left out of every average.
    ``coverage`` is the share of usable replications whose 95% CI contains ``truth``;
    ``boot_coverage`` the same for the bootstrap percentile CI over the ``n_boot`` replications
    that have one.
    """
    est = sort_estimates(est)
    rows = []
    for (n, model, term), g in est.groupby(["n", "model", "term"], sort=False):
        ok = g["failure"].isna() & np.isfinite(g["estimate"])
        v = g.loc[ok, "estimate"].to_numpy(dtype=float)
        tr = float(g["truth"].iloc[0])
        row = {"n": int(n), "model": model, "term": term, "truth": tr,
               "n_replications": int(g["replication"].nunique()), "n_failed": int((~ok).sum()),
               "mean": float(v.mean()) if len(v) else math.nan,
               "censored_share": float(g["censored_share"].mean())}
        row["sd"] = float(v.std(ddof=1)) if len(v) > 1 else math.nan
        if model == "ph_test":
            row.update(bias=math.nan, rmse=math.nan, mean_se=math.nan, coverage=math.nan,
                       boot_coverage=math.nan, n_boot=0,
                       rejection_rate=float((v < ph_alpha).mean()) if len(v) else math.nan)
        else:
            gg = g[ok]
            cover = (gg["ci_lower"] <= tr) & (tr <= gg["ci_upper"])
            has_boot = np.isfinite(gg["boot_ci_lower"]) & np.isfinite(gg["boot_ci_upper"])
            bcover = ((gg["boot_ci_lower"] <= tr) & (tr <= gg["boot_ci_upper"]))[has_boot]
            row.update(bias=float(v.mean() - tr) if len(v) else math.nan,
                       rmse=float(np.sqrt(((v - tr) ** 2).mean())) if len(v) else math.nan,
                       mean_se=float(gg["std_err"].mean()) if len(v) else math.nan,
                       coverage=float(cover.mean()) if len(v) else math.nan,
                       boot_coverage=float(bcover.mean()) if len(bcover) else math.nan,
                       n_boot=int(has_boot.sum()), rejection_rate=math.nan)
        rows.append(row)
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def _f(x: Any, d: int = 3) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return ""
    return "" if not math.isfinite(v) else f"{v:.{d}f}"


def render_markdown(summary: pd.DataFrame, replications: int, boot_replicates: int,
                    seed: int, ph_alpha: float = 0.05) -> str:
    """The Monte Carlo summary as Markdown: one table per study size, with the definitions."""
    lines = ["# Monte Carlo study of the models", "",
             f"{replications} replications per study size; each simulates a study from the "
             "default data-generating process (countysurv.simulate: Cox model with the paper's "
             "Cox coefficients, Weibull baseline with shape 2, censoring at 2020-01-01) and fits "
             f"every model. Seed {seed}: replication r of size n uses "
             f"default_rng([{seed}, n, r]). Bootstrap: B = {boot_replicates} case-resampling "
             "replicates per replication, percentile 95% CIs (OLS and Cox).", "",
             "- *truth*: Cox models: the DGP's log-hazard ratio beta. Weibull AFT: -beta/k "
             "(k = 2), intercept log(scale) + c/k, shape k.",
             "- *OLS has no true parameter.* Its rows compare the implied proportional effect on "
             "the expected exit time, b / mean(duration), with the true one, -beta/k; CIs are "
             "the OLS CIs divided by the mean duration. `ols_latent` is the same OLS on the "
             "uncensored exit times (infeasible in practice): the gap between the two rows is "
             "what censoring does to OLS.",
             "- The time-varying Cox model uses lagged yearly covariates while the DGP uses the "
             "2015 ones: it is misspecified by design, and its bias measures that.",
             "- *coverage*: share of replications whose Wald 95% CI contains the truth; "
             "*boot cov.*: the same for the bootstrap percentile CI. Monte Carlo SE of a "
             f"coverage near 0.95 is about {_f(math.sqrt(0.95 * 0.05 / max(replications, 1)))}.",
             f"- PH test: rejection rate at level {ph_alpha} of the cox.zph global and per-term "
             "tests (PH holds in the DGP, so this is the test's size).",
             "- Failed fits are counted (*failed*) and left out of every average.", ""]
    for n, g in summary.groupby("n", sort=False):
        lines += [f"## n = {n} counties (mean censored share "
                  f"{_f(g['censored_share'].mean(), 2)})", "",
                  "| model | term | truth | mean | bias | SD | RMSE | mean SE | coverage | "
                  "boot cov. | failed |",
                  "|:--|:--|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
        for r in g[g["model"] != "ph_test"].itertuples():
            lines.append(f"| {r.model} | {r.term} | {_f(r.truth)} | {_f(r.mean)} | {_f(r.bias)} "
                         f"| {_f(r.sd)} | {_f(r.rmse)} | {_f(r.mean_se)} | {_f(r.coverage)} | "
                         f"{_f(r.boot_coverage)} | {r.n_failed} |")
        ph = g[g["model"] == "ph_test"]
        if len(ph):
            lines += ["", "| PH test | " + " | ".join(ph["term"]) + " |",
                      "|:--" + "|--:" * len(ph) + "|",
                      f"| rejection rate at {ph_alpha} | "
                      + " | ".join(_f(v) for v in ph["rejection_rate"]) + " |"]
        lines.append("")
    return "\n".join(lines)


def plot_summary(summary: pd.DataFrame, est: pd.DataFrame, png_path, svg_path,
                 replications: int) -> None:
    """Figure: CI coverage by model and term (top), OLS vs AFT implied effects (bottom)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = list(dict.fromkeys(summary["n"]))
    fig, axes = plt.subplots(2, len(sizes), figsize=(6.5 * len(sizes), 8.5), squeeze=False)
    markers = {"cox": "o", "cox_clustered": "s", "weibull_aft": "^", "cox_time_varying": "D",
               "ols": "x", "ols_latent": "+"}
    x = np.arange(len(MODEL_TERMS))
    half = 1.96 * math.sqrt(0.95 * 0.05 / max(replications, 1))
    for col, n in enumerate(sizes):
        s = summary[summary["n"] == n]
        ax = axes[0, col]
        ax.axhspan(0.95 - half, 0.95 + half, color="0.9")
        ax.axhline(0.95, color="0.4", lw=0.8)
        series = [(m, "coverage", MODEL_LABELS[m]) for m in markers] + \
                 [("cox", "boot_coverage", "Cox, bootstrap percentile")]
        for k, (m, field, label) in enumerate(series):
            sm = s[s["model"] == m].set_index("term").reindex(list(MODEL_TERMS))
            if sm[field].notna().any():
                ax.plot(x + (k - len(series) / 2) * 0.07, sm[field], markers.get(m, "v")
                        if field == "coverage" else "v", label=label, ls="none")
        ax.set_xticks(x, [t.replace("_", "\n") for t in MODEL_TERMS], fontsize=7)
        ax.set_ylim(0, 1.02)
        ax.set_ylabel("coverage of 95% CI")
        ax.set_title(f"n = {n}: CI coverage (band: ±1.96 Monte Carlo SE)", fontsize=9)
        if col == 0:
            ax.legend(fontsize=6, loc="lower left")
        ax = axes[1, col]
        e = est[(est["n"] == n) & est["failure"].isna()]
        for k, m in enumerate(("weibull_aft", "ols", "ols_latent")):
            g = e[e["model"] == m].groupby("term")["estimate"]
            mean, sd = g.mean().reindex(list(MODEL_TERMS)), g.std().reindex(list(MODEL_TERMS))
            ax.errorbar(x + (k - 1) * 0.2, mean, yerr=sd, fmt=markers[m], capsize=2,
                        label=MODEL_LABELS[m] + " (mean ± SD)")
        tr = truth()
        ax.plot(x, [tr[("weibull_aft", t)] for t in MODEL_TERMS], "_", ms=18, mew=2, color="k",
                label="truth: -beta/k")
        ax.axhline(0, color="0.6", lw=0.6)
        ax.set_xticks(x, [t.replace("_", "\n") for t in MODEL_TERMS], fontsize=7)
        ax.set_ylabel("effect on log expected exit time")
        ax.set_title(f"n = {n}: OLS's implied effect vs the truth (censored share "
                     f"{s['censored_share'].mean():.2f})", fontsize=9)
        if col == 0:
            ax.legend(fontsize=6, loc="lower left")
    fig.tight_layout()
    from .figures import save_figure

    save_figure(fig, png_path, svg_path)  # atomic writes, deterministic bytes
    plt.close(fig)
