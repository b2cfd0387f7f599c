"""Determinism: two runs into two folders, one on 1 core and one on 2, write the same bytes.

Every parquet, CSV, JSON, Markdown, LaTeX and HTML file under results/ (logs and benchmarks
excluded) of a fresh ``--cores 1`` run of the paper's outputs equals the shared toy run's
(``--cores 2``, other folder, other time). Parquet files are written with fixed options and
without timestamps, so the comparison is on bytes, not on values.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import make_toy_study, run_snakemake
from test_interrupt import FINAL

pytestmark = pytest.mark.workflow

SUFFIXES = {".parquet", ".csv", ".json", ".md", ".tex", ".html"}


def result_files(work: Path) -> list[str]:
    return sorted(str(p.relative_to(work)) for p in (work / "results").rglob("*")
                  if p.suffix in SUFFIXES and p.parts[len(work.parts) + 1] not in
                  {"logs", "benchmarks"})


def test_one_core_and_two_cores_in_two_folders_write_identical_bytes(toy_run, tmp_path):
    reference, codes, _ = toy_run
    work = tmp_path / "cores1"
    work.mkdir()
    make_toy_study(work)
    run_snakemake(work, "--cores", "1", *FINAL)
    files = result_files(work)
    assert len([f for f in files if f.endswith(".parquet")]) >= len(codes) + 5
    assert set(FINAL) <= set(files)
    differ = [rel for rel in files if (work / rel).read_bytes() != (reference / rel).read_bytes()]
    assert differ == []
