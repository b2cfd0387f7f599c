"""Benchmark: per-replicate cost of the bootstrap Cox refit, three ways, in one run.

(a) lifelines ``CoxPHFitter`` refit loop on expanded rows (the obvious Python way);
(b) R ``survival::coxph`` loop, run and timed inside one Rscript process (``proc.time``),
    on the very same resampled rows (indices are passed from Python);
(c) ``countysurv.batched.cox_efron_batched``: all replicates at once, B = 1,000 and 10,000;
    plus ``run_chunk`` (OLS + Cox + long table) at B = 1,000 for the whole chunk-job cost;
(d) the package's scalar Efron path (``models.RiskSets`` through ``extended.CountingDesign``,
    Newton-Raphson from zero) in a loop on expanded rows: what the bootstrap would cost if it
    shared the single-fit risk-set sums instead of having its own batched ones.

Data are simulated here with a seeded generator: covariates with the study's magnitudes,
exit times from a Cox model with the paper's coefficients and a Weibull baseline, announced on
one date per province and year (so exits are heavily tied, as in the real data), censored on
2020-01-01. n = 76 (the study) and n = 832 (all poverty counties).

BLAS runs single-threaded (``OPENBLAS_NUM_THREADS=1`` unless already set), as in a Snakemake
job with ``threads: 1`` (Snakemake exports ``OPENBLAS_NUM_THREADS={threads}``) and as the
lifelines and R loops run; on a busy 2-core machine, BLAS threads only contend.

Usage (from anywhere): ``.venv/bin/python benchmarks/bootstrap.py [--out PATH] [--quick]``.
Prints a table and writes JSON (default ``results/benchmarks/bootstrap.json`` in the repo).
Timings are medians of a few repeats where cheap; compare ratios within one run only.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy is imported

import argparse
import json
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from countysurv import batched, extended  # noqa: E402
from countysurv import bootstrap as bs  # noqa: E402
from countysurv.terms import MODEL_TERMS  # noqa: E402

SEED = 20151129
CENSOR_DAY = 1494  # 2015-11-29 -> 2020-01-01
PAPER_COX = np.array([0.23, 1.06, -0.06, 1.01, -0.92, 0.99])


def simulate_counties(n: int, seed: int) -> pd.DataFrame:
    """One row per county, shaped like the study's survival data set."""
    rng = np.random.default_rng([seed, n])
    province = rng.integers(0, 22, n)
    nation = (rng.random(n) < 0.4).astype(float)
    industry = (rng.random(n) < 0.35).astype(float)
    x = np.column_stack([
        rng.normal(2.15, 0.12, n),  # upgrading_index = s1 + 2 s2 + 3 s3
        rng.lognormal(np.log(0.6), 0.5, n),  # integration_12: kW per rural person
        rng.lognormal(np.log(6.0), 0.6, n),  # integration_13: yuan per rural person / 10
        nation,
        industry,
        rng.normal(9.6, 0.45, n),  # ln GDP per capita
    ])
    lp = (x - x.mean(axis=0)) @ PAPER_COX
    latent = 1600.0 * (-np.log(rng.random(n)) / np.exp(lp)) ** (1 / 2.0)  # Weibull baseline
    # One announcement per province and year 2016-2019 (days since 2015-11-29).
    year_end = np.array([398, 763, 1128, 1494])[None, :]
    dates = (year_end - rng.integers(0, 300, (22, 4))).astype(float)
    dates.sort(axis=1)
    own = dates[province]
    first = (own >= latent[:, None]).argmax(axis=1)
    event = (own >= latent[:, None]).any(axis=1) & (latent <= CENSOR_DAY)
    duration = np.where(event, own[np.arange(n), first], CENSOR_DAY)
    frame = pd.DataFrame(x, columns=list(MODEL_TERMS))
    frame.insert(0, "event", event.astype(int))
    frame.insert(0, "duration_days", duration.astype(int))
    frame.insert(0, "county_code", [f"{900001 + i}" for i in range(n)])
    return frame


def time_lifelines(data: pd.DataFrame, reps: int) -> float:
    """Seconds per replicate of expand-rows + CoxPHFitter().fit (lifelines defaults)."""
    from lifelines import CoxPHFitter

    cols = ["duration_days", "event", *MODEL_TERMS]
    start = time.perf_counter()
    for r in range(reps):
        rows = data.iloc[bs.replicate_indices(SEED, r, len(data))][cols]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            CoxPHFitter().fit(rows, "duration_days", "event")
    return (time.perf_counter() - start) / reps


R_LOOP = r"""
suppressMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1]); idx <- as.matrix(read.csv(args[2], header = FALSE)) + 1L
f <- Surv(duration_days, event) ~ upgrading_index + integration_12 + integration_13 +
  nation + industry + resource_endowment
fits <- vector("list", nrow(idx))
t0 <- proc.time()[["elapsed"]]
for (r in seq_len(nrow(idx))) fits[[r]] <- coef(coxph(f, data = d[idx[r, ], ], ties = "efron"))
elapsed <- proc.time()[["elapsed"]] - t0
cat("elapsed", format(elapsed, digits = 17), "\n")
for (r in seq_len(min(5, nrow(idx)))) cat("coef", r - 1, format(fits[[r]], digits = 17), "\n")
"""


def time_r(data: pd.DataFrame, reps: int) -> tuple[float, dict[int, np.ndarray]] | None:
    """Seconds per replicate of an R coxph loop (timed inside R), and R's first coefficients."""
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data.to_csv(tmp / "d.csv", index=False)
        idx = np.stack([bs.replicate_indices(SEED, r, len(data)) for r in range(reps)])
        np.savetxt(tmp / "idx.csv", idx, fmt="%d", delimiter=",")
        (tmp / "loop.R").write_text(R_LOOP)
        proc = subprocess.run(["Rscript", str(tmp / "loop.R"), str(tmp / "d.csv"),
                               str(tmp / "idx.csv")], capture_output=True, text=True, check=True)
    coefs, elapsed = {}, None
    for line in proc.stdout.splitlines():
        parts = line.split()
        if parts[0] == "elapsed":
            elapsed = float(parts[1])
        elif parts[0] == "coef":
            coefs[int(parts[1])] = np.array(parts[2:], dtype=float)
    return elapsed / reps, coefs


def time_batched(data: pd.DataFrame, B: int, repeats: int) -> tuple[float, batched.CoxBatchResult]:
    """Seconds per replicate of cox_efron_batched on B replicates (weights drawn beforehand)."""
    X = data[list(MODEL_TERMS)].to_numpy(float)
    W = bs.replicate_weights(SEED, list(range(B)), len(data))
    times, res = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        res = batched.cox_efron_batched(X, data["duration_days"].to_numpy(float),
                                        data["event"].to_numpy(int), W)
        times.append(time.perf_counter() - start)
    return float(np.median(times)) / B, res


def time_scalar(data: pd.DataFrame, reps: int) -> float:
    """Seconds per replicate of the scalar Efron Newton-Raphson on each replicate's rows."""
    X = data[list(MODEL_TERMS)].to_numpy(float)
    time_, event = data["duration_days"].to_numpy(float), data["event"].to_numpy(int)
    idx = [bs.replicate_indices(SEED, r, len(data)) for r in range(reps)]
    start = time.perf_counter()
    for rows in idx:
        extended.CountingDesign(X[rows], np.zeros(len(rows)), time_[rows],
                                event[rows]).newton_raphson()
    return (time.perf_counter() - start) / reps


def time_run_chunk(data: pd.DataFrame, B: int) -> float:
    start = time.perf_counter()
    bs.run_chunk(data, SEED, range(B))
    return (time.perf_counter() - start) / B


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "results" / "benchmarks" / "bootstrap.json"))
    parser.add_argument("--quick", action="store_true", help="fewer loop replicates (smoke run)")
    args = parser.parse_args()
    n_lifelines = {76: 100, 832: 50} if not args.quick else {76: 10, 832: 5}
    n_r = {76: 500, 832: 200} if not args.quick else {76: 20, 832: 10}
    n_scalar = {76: 200, 832: 50} if not args.quick else {76: 20, 832: 5}
    sizes = (1000, 10000) if not args.quick else (1000,)

    rows, checks = [], []
    for n in (76, 832):
        data = simulate_counties(n, SEED).sort_values("county_code").reset_index(drop=True)
        exits = data.loc[data["event"] == 1, "duration_days"]
        info = {"n": n, "events": int(data["event"].sum()),
                "distinct_event_times": int(exits.nunique())}
        ms = {}
        ms["lifelines_loop"] = time_lifelines(data, n_lifelines[n]) * 1e3
        rows.append({**info, "method": "lifelines_loop", "replicates": n_lifelines[n],
                     "ms_per_replicate": ms["lifelines_loop"]})
        r_out = time_r(data, n_r[n])
        if r_out is not None:
            ms["r_coxph_loop"] = r_out[0] * 1e3
            rows.append({**info, "method": "r_coxph_loop", "replicates": n_r[n],
                         "ms_per_replicate": ms["r_coxph_loop"]})
        for B in sizes:
            per, res = time_batched(data, B, repeats=3 if B <= 1000 else 1)
            row = {**info, "method": "batched_cox", "replicates": B, "ms_per_replicate": per * 1e3,
                   "failed": int(pd.notna(res.failure).sum()),
                   "median_iterations": float(np.median(res.iterations))}
            rows.append(row)
            if r_out is not None and B == sizes[0]:
                diffs = [np.max(np.abs(res.coef[r] / c - 1)) for r, c in r_out[1].items()
                         if res.failure[r] is None]
                checks.append({"n": n, "replicates_compared": len(diffs),
                               "max_rel_diff_coef_vs_r": float(max(diffs))})
        rows.append({**info, "method": "scalar_efron_loop", "replicates": n_scalar[n],
                     "ms_per_replicate": time_scalar(data, n_scalar[n]) * 1e3})
        rows.append({**info, "method": "run_chunk_ols_cox", "replicates": sizes[0],
                     "ms_per_replicate": time_run_chunk(data, sizes[0]) * 1e3})

    table = pd.DataFrame(rows)
    base = table[table["method"].isin(["lifelines_loop", "r_coxph_loop"])]
    for ref in ("lifelines_loop", "r_coxph_loop"):
        ref_ms = base[base["method"] == ref].set_index("n")["ms_per_replicate"]
        table[f"speedup_vs_{ref}"] = table["n"].map(ref_ms) / table["ms_per_replicate"]

    target = None
    at76 = table[(table["n"] == 76) & (table["method"] == "batched_cox")]
    if "speedup_vs_r_coxph_loop" in table and at76["speedup_vs_r_coxph_loop"].notna().all():
        worst = float(at76["speedup_vs_r_coxph_loop"].min())
        target = {"batched_vs_r_at_n76_min_speedup": worst, "required": 30.0,
                  "met": bool(worst >= 30.0)}

    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    for check in checks:
        print(f"agreement n={check['n']}: max rel diff of batched coef vs R coxph over "
              f"{check['replicates_compared']} replicates = {check['max_rel_diff_coef_vs_r']:.2e}")
    if target:
        verdict = "met" if target["met"] else "NOT met"
        print(f"target (batched >= 30x faster than R coxph loop at n=76): {verdict} "
              f"({target['batched_vs_r_at_n76_min_speedup']:.0f}x)")

    out = {
        "machine": {"platform": platform.platform(), "python": platform.python_version(),
                    "numpy": np.__version__, "cpus": os.cpu_count(),
                    "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
                    "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS")},
        "seed": SEED, "block_size": batched.DEFAULT_BLOCK_SIZE,
        "results": table.to_dict("records"), "agreement_with_r": checks, "target": target,
    }
    path = Path(args.out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2, default=float) + "\n", encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
