"""Same bytes on another x86-64 machine, emulated on this one.

numpy's exp, log and power, OpenBLAS's matrix kernels and the C library's libm each choose a
code path for the CPU at run time, and the paths differ in the last bits of their results. On
one machine the choice can be narrowed from the environment:

- ``NPY_DISABLE_CPU_FEATURES``: numpy's dispatched features to ignore (numpy's documentation,
  "CPU build options", runtime dispatch); all dispatched x86 features this CPU has are turned
  off, leaving numpy's baseline (SSE4.2);
- ``OPENBLAS_CORETYPE=Nehalem``: OpenBLAS's kernels for a pre-AVX CPU;
- ``GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX2,-FMA``: glibc's libm without its FMA variants.

The first test shows that this changes raw float bits (otherwise the others prove nothing); the
others run the data generator and the toy workflow under it and compare every file with the
run on this machine's default paths. The README ("Same results on any machine") states the
promise these tests hold the code to.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import REPO, make_toy_study, snakemake_cmd, venv_env
from countysurv.io import SIGNIFICANT_DIGITS, round_significant

pytestmark = pytest.mark.workflow


def _numpy_dispatched_features() -> list[str]:
    """numpy's dispatch targets that this CPU has (the ones that can be turned off)."""
    from numpy._core import _multiarray_umath as umath

    return [name for name in umath.__cpu_dispatch__ if umath.__cpu_features__.get(name)]


#: The environment of the emulated older x86-64 machine.
OLDER_CPU = {
    "NPY_DISABLE_CPU_FEATURES": " ".join(_numpy_dispatched_features()),
    "OPENBLAS_CORETYPE": "Nehalem",
    "GLIBC_TUNABLES": "glibc.cpu.hwcaps=-AVX2,-FMA",
}

#: Files whose values may differ in a rare last kept digit across machines (README, "Same
#: results on any machine"); they are compared within one unit of that digit if their bytes
#: differ. Every other file must be byte-identical.
REPLICATE_FILES = ("results/bootstrap/chunks/", "results/bootstrap/replicates.parquet")
REPLICATE_REL_TOL = 10.0 ** (1 - SIGNIFICANT_DIGITS)

PROBE = """
import hashlib, math
import numpy as np
x = np.linspace(-30.0, 30.0, 100_001)
y = np.linspace(1e-3, 1e4, 100_001)
a = np.random.default_rng(0).normal(size=(400, 7))
parts = {
    "numpy exp/log/power": np.exp(x).tobytes() + np.log(y).tobytes() + np.power(y, 0.37).tobytes(),
    "OpenBLAS": (a.T @ a).tobytes() + np.linalg.inv(a.T @ a).tobytes(),
    "libm": b"".join(math.exp(v).hex().encode() for v in x[::7]),
}
for name, data in parts.items():
    print(name, hashlib.sha256(data).hexdigest())
"""


def _run_python(code_or_args: list[str], extra: dict[str, str], cwd: Path = REPO
                ) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, *code_or_args], cwd=cwd, capture_output=True,
                          text=True, env=venv_env(**extra), timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def test_the_emulated_cpu_changes_raw_float_bits():
    """Without rounding, numpy's transcendental functions, OpenBLAS and libm each give other
    bits under the emulated older CPU: the environment really switches code paths."""
    if not OLDER_CPU["NPY_DISABLE_CPU_FEATURES"]:
        pytest.skip("this CPU has no numpy dispatch targets beyond the baseline to turn off")
    here = _run_python(["-c", PROBE], {}).stdout.splitlines()
    older = _run_python(["-c", PROBE], OLDER_CPU).stdout.splitlines()
    assert len(here) == len(older) == 3
    assert all(a != b for a, b in zip(here, older)), (here, older)


def _generate(out: Path, extra: dict[str, str]) -> None:
    _run_python(["scripts/generate_default_data.py", "--out", str(out), "--n-counties", "76",
                 "--seed", "20151129"], extra)


LATENT = """
import hashlib
from countysurv import simulate
cov = simulate.simulate_study().covariates
print(hashlib.sha256(cov["latent_days"].to_numpy().tobytes()).hexdigest())
"""


def test_generator_writes_the_committed_bytes_on_the_emulated_cpu(tmp_path):
    """The simulator's exit times (exp, power) differ in their raw bits under the emulated CPU;
    written rounded (io.SIGNIFICANT_DIGITS), every file equals the committed data/."""
    if not OLDER_CPU["NPY_DISABLE_CPU_FEATURES"]:
        pytest.skip("this CPU has no numpy dispatch targets beyond the baseline to turn off")
    raw_here = _run_python(["-c", LATENT], {}, cwd=REPO / "scripts").stdout
    raw_older = _run_python(["-c", LATENT], OLDER_CPU, cwd=REPO / "scripts").stdout
    assert raw_here != raw_older
    _generate(tmp_path / "older", OLDER_CPU)
    written = sorted(p.relative_to(tmp_path / "older") for p in (tmp_path / "older").rglob("*")
                     if p.is_file())
    # 76 bulletin CSVs, counties.csv, truth.json, truth_covariates.csv, and the bulletin texts
    # of the simulated counties printed as texts with their labels
    folder = REPO / "data" / "bulletin_texts"
    texts = [p for p in folder.rglob("*") if p.is_file()]
    assert len(texts) > 1
    assert len(written) == 76 + 3 + len(texts)
    differ = [str(rel) for rel in written
              if (tmp_path / "older" / rel).read_bytes() != (REPO / "data" / rel).read_bytes()]
    assert differ == []


def _result_files(work: Path) -> list[str]:
    return sorted(str(p.relative_to(work)) for p in (work / "results").rglob("*")
                  if p.is_file() and not p.name.startswith(".")
                  and p.relative_to(work).parts[1] not in {"logs", "benchmarks"})


def _max_rel_diff(a: Path, b: Path) -> float:
    """The largest relative difference between two parquet files' float cells (same shape)."""
    x, y = pd.read_parquet(a), pd.read_parquet(b)
    assert list(x.columns) == list(y.columns) and len(x) == len(y)
    worst = 0.0
    for col in x.columns:
        if pd.api.types.is_float_dtype(x[col]):
            u, v = x[col].to_numpy(float), y[col].to_numpy(float)
            assert np.array_equal(np.isnan(u), np.isnan(v))
            ok = ~np.isnan(u)
            scale = np.maximum(np.abs(u[ok]), np.abs(v[ok]))
            diff = np.abs(u[ok] - v[ok]) / np.where(scale > 0, scale, 1.0)
            worst = max(worst, float(diff.max(initial=0.0)))
        else:
            assert x[col].equals(y[col]), col
    return worst


def test_workflow_writes_the_same_bytes_on_the_emulated_cpu(toy_run, tmp_path):
    """The toy study run under the emulated older CPU writes every result (parquet, CSV, JSON,
    tables, figures) byte-identical to the run on this CPU's default paths; the bootstrap
    replicate files, if not identical, within REPLICATE_REL_TOL."""
    if not OLDER_CPU["NPY_DISABLE_CPU_FEATURES"]:
        pytest.skip("this CPU has no numpy dispatch targets beyond the baseline to turn off")
    reference = toy_run[0]
    work = tmp_path / "older"
    work.mkdir()
    make_toy_study(work)
    proc = subprocess.run(snakemake_cmd(work, "--cores", "2"), capture_output=True, text=True,
                          env=venv_env(**OLDER_CPU), timeout=900)
    assert proc.returncode == 0, proc.stderr[-4000:]
    files = _result_files(reference)
    assert _result_files(work) == files
    assert sum(f.endswith((".png", ".svg")) for f in files) >= 12
    differ = [rel for rel in files if (work / rel).read_bytes() != (reference / rel).read_bytes()]
    tolerated = [rel for rel in differ if rel.startswith(REPLICATE_FILES)]
    assert sorted(set(differ) - set(tolerated)) == []
    for rel in tolerated:
        assert _max_rel_diff(work / rel, reference / rel) <= REPLICATE_REL_TOL, rel


def _floats_in_json(obj: object) -> list[float]:
    if isinstance(obj, dict):
        return [f for v in obj.values() for f in _floats_in_json(v)]
    if isinstance(obj, list):
        return [f for v in obj for f in _floats_in_json(v)]
    return [obj] if isinstance(obj, float) else []


def test_every_written_float_carries_at_most_the_stated_digits(toy_run):
    """Each float in the toy run's parquet, JSON and CSV files (typed float columns) is already
    rounded to io.SIGNIFICANT_DIGITS: no writer bypasses the rounding."""
    import json

    work = toy_run[0]
    checked = 0
    for rel in _result_files(work):
        path = work / rel
        if path.suffix == ".json":
            values = _floats_in_json(json.loads(path.read_text(encoding="utf-8")))
        elif path.suffix in {".parquet", ".csv"}:
            frame = (pd.read_parquet(path) if path.suffix == ".parquet"
                     else pd.read_csv(path, float_precision="round_trip"))
            values = [v for col in frame.columns if pd.api.types.is_float_dtype(frame[col])
                      for v in frame[col].dropna().tolist()]
        else:
            continue
        bad = [v for v in values if round_significant(v) != v]
        assert bad == [], (rel, bad[:5])
        checked += len(values)
    assert checked > 5_000
