"""Benchmark: B = 10,000 bootstrap replicates end to end through snakemake vs a lifelines loop.

In one session, on the default 76-county study copied into a temporary folder:

1. the data stages run once (untimed here) up to ``results/analysis/survival.parquet``;
2. ``snakemake --cores 2 results/bootstrap/summary.csv`` with ``bootstrap.replicates: 10000``
   and ``chunk_size: 2500`` is timed end to end (process start-up, DAG, 4 chunk jobs, the
   OLS/Cox point fits the summary needs, the summary job);
3. a lifelines ``CoxPHFitter`` refit loop of B = 1,000 on the same survival dataset is timed
   in this process (the baseline: the obvious Python way, Cox only).

Usage: ``.venv/bin/python benchmarks/bootstrap_workflow.py [--out PATH] [--lifelines-reps N]``.
Prints the figures and writes JSON (default ``results/benchmarks/bootstrap_workflow.json``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bootstrap import time_lifelines  # noqa: E402  (benchmarks/bootstrap.py)
from conftest import make_toy_study, venv_env  # noqa: E402


def snakemake(work: Path, *args: str) -> float:
    """Run snakemake on the repository's Snakefile in ``work``; return wall seconds."""
    exe = Path(sys.executable).with_name("snakemake")
    start = time.perf_counter()
    proc = subprocess.run([str(exe), "-s", str(ROOT / "Snakefile"), "--directory", str(work),
                           *args], capture_output=True, text=True, env=venv_env())
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"snakemake {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "results" / "benchmarks" /
                                             "bootstrap_workflow.json"))
    parser.add_argument("--replicates", type=int, default=10_000)
    parser.add_argument("--chunk-size", type=int, default=2_500)
    parser.add_argument("--lifelines-reps", type=int, default=1_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        make_toy_study(work, n=10**6)
        cfg = (work / "config.yaml").read_text(encoding="utf-8")
        cfg = cfg.replace("replicates: 20", f"replicates: {args.replicates}")
        cfg = cfg.replace("chunk_size: 8", f"chunk_size: {args.chunk_size}")
        (work / "config.yaml").write_text(cfg, encoding="utf-8")
        data_stages = snakemake(work, "--cores", "2", "results/analysis/survival.parquet")
        boot = snakemake(work, "--cores", "2", "results/bootstrap/summary.csv")
        summary = pd.read_csv(work / "results" / "bootstrap" / "summary.csv")
        spells = pd.read_parquet(work / "results" / "analysis" / "survival.parquet")
    lifelines_per_rep = time_lifelines(spells, args.lifelines_reps)
    lifelines_total = lifelines_per_rep * args.lifelines_reps
    result = {
        "n_counties": len(spells),
        "data_stages_seconds": data_stages,
        "snakemake_bootstrap": {"replicates": args.replicates, "chunk_size": args.chunk_size,
                                "seconds": boot,
                                "cox_used": int(summary.loc[summary.model == "cox", "n_used"].iloc[0]),
                                "cox_failed": int(summary.loc[summary.model == "cox", "n_failed"].iloc[0])},
        "lifelines_loop": {"replicates": args.lifelines_reps, "seconds": lifelines_total},
        "ratio_lifelines_over_snakemake": lifelines_total / boot,
    }
    print(f"n = {len(spells)} counties")
    print(f"snakemake bootstrap, B = {args.replicates:,} (chunks of {args.chunk_size:,}), "
          f"end to end: {boot:.1f} s")
    print(f"lifelines refit loop, B = {args.lifelines_reps:,}: {lifelines_total:.1f} s")
    print(f"lifelines B={args.lifelines_reps:,} / snakemake B={args.replicates:,}: "
          f"{result['ratio_lifelines_over_snakemake']:.2f}x")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
