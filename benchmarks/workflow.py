"""Benchmark: cold run, no-op rerun and one-county rerun of the whole workflow.

Measurements and the targets they meet or miss: BENCHMARKS.md, "Whole workflow".

In one session, for each study size (default 76 and 832 simulated counties, the same seed):

1. ``scripts/generate_default_data.py --n-counties N --seed 20151129`` writes a study into a
   temporary folder (with ``config.yaml`` and the paper's table, as in the repository);
2. ``snakemake --cores 2`` is timed from nothing (cold: every job, default config, 1,000
   bootstrap replicates in one chunk job of the default ``chunk_size``);
3. the same command is timed again with nothing to do (no-op rerun);
4. one value of one county's CSV is changed (the last data line's value cell gets another
   digit) and the same command is timed again (one-county rerun: that county's ingestion and
   everything downstream of the panel); the jobs it ran are counted from the log.

``snakemake --version`` is timed in the same session as the baseline of start-up cost.
By default the runs build the paper's outputs (``--targets core``: panel, survival dataset,
both models, bootstrap summary, Table 1 and the paper comparison); ``--targets all`` runs
``rule all`` (adds the report, figures, audit, lineage and extended models).
Each timing is wall-clock seconds of the whole ``snakemake`` process. Figures go to stdout and
to JSON (default ``results/benchmarks/workflow.json``); BENCHMARKS.md quotes them.

Usage: ``.venv/bin/python benchmarks/workflow.py [--sizes 76 832] [--cores 2] [--out PATH]``
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from conftest import change_last_value, venv_env  # noqa: E402  (tests/conftest.py)

SEED = 20151129
CORE = ["results/panel/panel.parquet", "results/panel/coverage.csv",
        "results/analysis/survival.parquet", "results/analysis/survival.csv",
        "results/models/ols.json", "results/models/cox.json", "results/bootstrap/summary.csv",
        "results/tables/table1.csv", "results/tables/table1.md", "results/tables/table1.tex",
        "results/tables/table1.html", "results/tables/paper_comparison.md"]


def snakemake(work: Path | None, *args: str) -> tuple[float, str]:
    """Run snakemake (on the repository's Snakefile in ``work``); return (seconds, stderr)."""
    exe = str(Path(sys.executable).with_name("snakemake"))
    cmd = [exe, *args] if work is None else [exe, "-s", str(ROOT / "Snakefile"), "--directory",
                                              str(work), *args]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=venv_env())
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
    return elapsed, proc.stdout + proc.stderr


def make_study(work: Path, n: int) -> None:
    """A fresh study of ``n`` simulated counties in ``work``, laid out like the repository."""
    subprocess.run([sys.executable, str(ROOT / "scripts" / "generate_default_data.py"), "--out",
                    str(work / "data"), "--n-counties", str(n), "--seed", str(SEED)],
                   check=True, capture_output=True, env=venv_env())
    shutil.copytree(ROOT / "data" / "paper", work / "data" / "paper")
    shutil.copy2(ROOT / "config.yaml", work / "config.yaml")


def change_one_county(work: Path) -> str:
    """Change one digit of the last data line's value cell of one county's CSV; return its code."""
    files = sorted((work / "data" / "bulletins").glob("*.csv"))
    target = files[len(files) // 2]
    change_last_value(target)
    return target.stem


def jobs_run(log: str) -> dict[str, int]:
    """Jobs per rule from a snakemake run's 'Job stats' table."""
    table = log.split("Job stats:", 1)[-1].split("\n\n", 1)[0]
    counts = {}
    for line in table.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit() and parts[0] != "total":
            counts[parts[0]] = int(parts[1])
    return counts


def bench_size(n: int, cores: str, targets: list[str]) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"bench{n}-") as tmp:
        work = Path(tmp)
        make_study(work, n)
        cold, cold_log = snakemake(work, "--cores", cores, *targets)
        noop, noop_log = snakemake(work, "--cores", cores, *targets)
        code = change_one_county(work)
        one, one_log = snakemake(work, "--cores", cores, *targets)
        ingest_times = [float((p.read_text().splitlines()[1].split("\t")[0]))
                        for p in (work / "results" / "benchmarks" / "ingest_bulletin").glob("*.tsv")]
    return {"n_counties": n, "cold_seconds": cold, "cold_jobs": jobs_run(cold_log),
            "noop_seconds": noop, "noop_nothing_to_do": "Nothing to be done" in noop_log,
            "one_county_seconds": one, "one_county_code": code,
            "one_county_jobs": jobs_run(one_log),
            "ingest_job_seconds_median": statistics.median(ingest_times)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[76, 832])
    parser.add_argument("--cores", default="2")
    parser.add_argument("--targets", choices=["core", "all"], default="core")
    parser.add_argument("--out", default=str(ROOT / "results" / "benchmarks" / "workflow.json"))
    args = parser.parse_args()
    version = statistics.median(snakemake(None, "--version")[0] for _ in range(5))
    print(f"snakemake --version: {version:.2f} s (median of 5)", flush=True)
    sizes = []
    for n in args.sizes:
        res = bench_size(n, args.cores, CORE if args.targets == "core" else [])
        sizes.append(res)
        print(f"{n} counties: cold {res['cold_seconds']:.1f} s ({sum(res['cold_jobs'].values())} "
              f"jobs), no-op {res['noop_seconds']:.2f} s, one county changed "
              f"{res['one_county_seconds']:.1f} s ({res['one_county_jobs']}); ingestion job "
              f"median {res['ingest_job_seconds_median']:.2f} s", flush=True)
    result = {"cores": args.cores, "targets": args.targets,
              "snakemake_version_seconds": version, "sizes": sizes}
    by_n = {r["n_counties"]: r for r in sizes}
    checks = {}
    for r in sizes:
        checks[f"one_county_over_cold_{r['n_counties']}"] = r["one_county_seconds"] / r["cold_seconds"]
        checks[f"noop_over_version_{r['n_counties']}"] = r["noop_seconds"] / version
    if 76 in by_n and 832 in by_n:
        checks["cold_832_over_76"] = by_n[832]["cold_seconds"] / by_n[76]["cold_seconds"]
        checks["one_county_832_over_76"] = (by_n[832]["one_county_seconds"]
                                            / by_n[76]["one_county_seconds"])
    result["ratios"] = checks
    for name, value in checks.items():
        print(f"{name}: {value:.3f}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
