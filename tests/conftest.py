"""Shared fixtures: a toy copy of the default study run through snakemake in a temporary folder."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TOY_COUNTIES = 30


def venv_env(**extra: str) -> dict[str, str]:
    """The environment for subprocesses: this venv's bin first on PATH, plus ``extra``."""
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            **extra}


def snakemake_cmd(workdir: Path, *args: str) -> list[str]:
    """The snakemake command of this environment, run on the repository's Snakefile in workdir."""
    exe = Path(sys.executable).with_name("snakemake")
    return [str(exe), "-s", str(REPO / "Snakefile"), "--directory", str(workdir), *args]


def run_snakemake(workdir: Path, *args: str, check: bool = True, timeout: int = 900
                  ) -> subprocess.CompletedProcess:
    proc = subprocess.run(snakemake_cmd(workdir, *args), capture_output=True, text=True,
                          env=venv_env(), timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed ({proc.returncode}):\n"
                             f"{proc.stdout[-4000:]}\n{proc.stderr[-6000:]}")
    return proc


def make_toy_study(dest: Path, n: int = TOY_COUNTIES) -> list[str]:
    """Copy the first ``n`` default counties, the reference list, truth and paper into ``dest``."""
    src = REPO / "data"
    files = sorted((src / "bulletins").glob("*.csv"))[:n]
    (dest / "data" / "bulletins").mkdir(parents=True)
    for f in files:
        shutil.copy2(f, dest / "data" / "bulletins" / f.name)
    codes = [f.stem for f in files]
    with open(src / "counties.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    with open(dest / "data" / "counties.csv", "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(
            [rows[0]] + [r for r in rows[1:] if r[0] in codes])
    shutil.copy2(src / "truth.json", dest / "data" / "truth.json")
    shutil.copytree(src / "paper", dest / "data" / "paper")
    shutil.copy2(REPO / "tests" / "config.yaml", dest / "config.yaml")
    return codes


def change_last_value(path: Path) -> None:
    """Change one digit of the value cell on the last line of a bulletin CSV, in place.

    Works on the raw bytes, so it keeps the file's encoding (UTF-8, BOM, GB18030) and needs no
    parsing; the file's content, and so its checksum, changes.
    """
    import re

    lines = path.read_bytes().rstrip(b"\r\n").split(b"\n")
    fields = lines[-1].split(b",")
    idx = next(i for i in range(4, len(fields)) if re.search(rb"[1-9]", fields[i]))
    fields[idx] = re.sub(rb"[1-9]", lambda m: str(int(m.group()) % 9 + 1).encode(), fields[idx],
                         count=1)
    lines[-1] = b",".join(fields)
    path.write_bytes(b"\n".join(lines) + b"\n")


@pytest.fixture(scope="session")
def toy_run(tmp_path_factory):
    """A completed toy workflow run (shared by the workflow tests; do not modify it)."""
    work = tmp_path_factory.mktemp("toy")
    codes = make_toy_study(work)
    proc = run_snakemake(work, "--cores", "2")
    return work, codes, proc
