"""The rerun contract: after a full run, Snakemake plans exactly what a change invalidates.

- a changed county CSV: that county's ingestion and what depends on it
  (test_workflow.py::test_workflow_changed_county_reruns_only_its_ingestion);
- a changed model option in config: that model and what depends on it, no ingestion;
- files touched without changing their content: nothing;
- an edited package module or rule script: the rules that import it and what depends on them;
- the checkout moved or copied elsewhere with its results: nothing, and a changed county CSV
  there plans exactly that county's branch.

The first three use clones of the shared toy run; the last two need their own copy of the
workflow's code (Snakefile, rules, scripts, schemas): so that an edit never touches the
repository, and so that code and results move together, as in a moved checkout.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, change_last_value, make_toy_study, venv_env
from test_workflow import planned_jobs

pytestmark = pytest.mark.workflow

UPSTREAM_OF_MODELS = {"ingest_bulletin", "build_panel", "compute_covariates", "build_survival",
                      "bootstrap_chunk"}
CORE_TARGETS = ["results/tables/table1.csv", "results/tables/paper_comparison.md",
                "results/bootstrap/summary.csv"]


def clone(work: Path, dest: Path) -> Path:
    shutil.copytree(work, dest, symlinks=True)  # copy2: keeps mtimes and .snakemake metadata
    return dest


def dry_run(work: Path, snakefile: Path = REPO / "Snakefile", *targets: str) -> str:
    exe = Path(sys.executable).with_name("snakemake")
    proc = subprocess.run([str(exe), "-s", str(snakefile), "--directory", str(work), "-n",
                           "--cores", "2", *targets], capture_output=True, text=True,
                          env=venv_env(), timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def rules_planned(out: str) -> list[str]:
    return sorted(rule for rule, _ in planned_jobs(out))


def test_model_option_change_reruns_the_model_and_no_ingestion(toy_run, tmp_path):
    work = clone(toy_run[0], tmp_path / "clone")
    with open(work / "config.yaml", "a", encoding="utf-8") as fh:
        fh.write("models:\n  ols:\n    cov_type: HC3\n")
    rules = rules_planned(dry_run(work))
    assert "fit_ols" in rules
    assert not UPSTREAM_OF_MODELS & set(rules), rules
    assert "fit_cox" not in rules


def test_touching_inputs_without_changing_them_reruns_nothing(toy_run, tmp_path):
    work = clone(toy_run[0], tmp_path / "clone")
    later = time.time() + 60
    touched = [p for p in (work / "data").rglob("*") if p.is_file()] + [work / "config.yaml"]
    for path in touched:
        os.utime(path, (later, later))
    assert len(touched) > 30
    out = dry_run(work)
    assert "Nothing to be done" in out, rules_planned(out)


def test_starting_snakemake_through_another_interpreter_path_reruns_nothing(toy_run):
    """`python -m snakemake` through another name of the same environment's Python (here
    .venv/bin/python3.11 instead of the entry point's interpreter) plans nothing: the interpreter
    path is not a tracked param of the ingestion jobs."""
    work = toy_run[0]
    entry = Path(sys.executable).with_name("snakemake")
    shebang = entry.read_text(encoding="utf-8").splitlines()[0][2:].strip()
    other = next(p for p in sorted(Path(sys.executable).parent.glob("python3*"))
                 if str(p) != shebang and p.name != Path(shebang).name)
    proc = subprocess.run([str(other), "-m", "snakemake", "-s", str(REPO / "Snakefile"),
                           "--directory", str(work), "-n", "--cores", "2"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout + proc.stderr
    assert "Nothing to be done" in out, rules_planned(out)


# ------------------------------------------------------------------ edits to the workflow's code


@pytest.fixture(scope="module")
def code_copy_run(tmp_path_factory):
    """A toy run of a private copy of the workflow's code (the core targets only)."""
    work = tmp_path_factory.mktemp("codecopy")
    for name in ("rules", "scripts", "schemas"):
        shutil.copytree(REPO / name, work / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(REPO / "Snakefile", work / "Snakefile")
    codes = make_toy_study(work)
    exe = Path(sys.executable).with_name("snakemake")
    proc = subprocess.run([str(exe), "-s", str(work / "Snakefile"), "--directory", str(work),
                           "--cores", "2", *CORE_TARGETS], capture_output=True, text=True,
                          env=venv_env(), timeout=900)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return work, codes


class edited:
    """Append a comment to a file for the duration of a with block; restore bytes and times."""

    def __init__(self, path: Path, change: bool = True):
        self.path, self.change = path, change

    def __enter__(self):
        self.data, st = self.path.read_bytes(), self.path.stat()
        self.times = (st.st_atime, st.st_mtime)
        if self.change:
            self.path.write_bytes(self.data + b"\n# edited by test_rerun.py\n")
        later = time.time() + 60
        os.utime(self.path, (later, later))
        return self.path

    def __exit__(self, *exc):
        self.path.write_bytes(self.data)
        os.utime(self.path, self.times)


def test_edited_model_module_reruns_the_models_and_nothing_upstream(code_copy_run):
    work, _ = code_copy_run
    with edited(work / "scripts" / "countysurv" / "models.py"):
        rules = rules_planned(dry_run(work, work / "Snakefile", *CORE_TARGETS))
    assert {"fit_ols", "fit_cox", "summarize_bootstrap", "render_table1",
            "compare_with_paper"} <= set(rules), rules
    assert not UPSTREAM_OF_MODELS & set(rules), rules


def test_edited_ingestion_module_reruns_every_ingestion(code_copy_run):
    work, codes = code_copy_run
    with edited(work / "scripts" / "countysurv" / "bulletins.py"):
        jobs = planned_jobs(dry_run(work, work / "Snakefile", *CORE_TARGETS))
    assert sorted(c for r, c in jobs if r == "ingest_bulletin") == sorted(codes)
    assert {"build_panel", "fit_cox"} <= {r for r, _ in jobs}


def test_edited_rule_script_reruns_its_rule(code_copy_run):
    work, codes = code_copy_run
    with edited(work / "scripts" / "ingest_bulletin.py"):
        jobs = planned_jobs(dry_run(work, work / "Snakefile", *CORE_TARGETS))
    assert sorted(c for r, c in jobs if r == "ingest_bulletin") == sorted(codes)
    with edited(work / "scripts" / "compute_covariates.py"):
        rules = rules_planned(dry_run(work, work / "Snakefile", *CORE_TARGETS))
    assert "compute_covariates" in rules and "ingest_bulletin" not in rules
    assert "build_panel" not in rules


def test_touched_module_without_changes_reruns_nothing(code_copy_run):
    work, _ = code_copy_run
    with edited(work / "scripts" / "countysurv" / "models.py", change=False), \
            edited(work / "scripts" / "countysurv" / "bulletins.py", change=False):
        out = dry_run(work, work / "Snakefile", *CORE_TARGETS)
    assert "Nothing to be done" in out, rules_planned(out)


# ------------------------------------------------------------------ a moved or copied checkout


def dry_run_here(checkout: Path, *targets: str) -> str:
    """`snakemake -n` started inside ``checkout``, as a user would (no -s, no --directory)."""
    exe = Path(sys.executable).with_name("snakemake")
    proc = subprocess.run([str(exe), "-n", "--cores", "2", *targets], cwd=checkout,
                          capture_output=True, text=True, env=venv_env(), timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def test_moved_checkout_reruns_nothing_and_one_changed_county_reruns_its_branch(code_copy_run,
                                                                               tmp_path):
    """A checkout with its results copied elsewhere preserving times (``cp -a``, ``rsync -a``),
    then moved to a folder of another name and depth, plans nothing: every input Snakemake
    records (bulletins, rule scripts, package modules) is a path relative to the checkout.
    The interpreter running the shell rules ({PYTHON} in rules/bulletins.smk) is not a recorded
    input or param (test_starting_snakemake_through_another_interpreter_path_reruns_nothing),
    so a moved environment does not rerun anything either. (A study folder whose code lives
    elsewhere names the code by its absolute path, so it can be moved alone: the clones of the
    toy run in the tests above, at another depth than the original, rely on that.)"""
    work, codes = code_copy_run
    copied = clone(work, tmp_path / "rsynced" / "study")
    recorded = "".join(p.read_text(encoding="utf-8", errors="replace")
                       for p in (copied / ".snakemake" / "metadata").iterdir())
    assert "countysurv/models.py" in recorded          # the records name the package modules...
    assert str(work) not in recorded                   # ...and never by the old absolute path
    out = dry_run_here(copied, *CORE_TARGETS)
    assert "Nothing to be done" in out, rules_planned(out)

    moved = tmp_path / "elsewhere" / "deeper" / "renamed"
    moved.parent.mkdir(parents=True)
    copied.rename(moved)
    out = dry_run_here(moved, *CORE_TARGETS)
    assert "Nothing to be done" in out, rules_planned(out)

    change_last_value(moved / "data" / "bulletins" / f"{codes[2]}.csv")
    jobs = planned_jobs(dry_run_here(moved, *CORE_TARGETS))
    assert [c for r, c in jobs if r == "ingest_bulletin"] == [codes[2]]
    assert {"build_panel", "compute_covariates", "build_survival", "fit_ols", "fit_cox",
            "render_table1"} <= {r for r, _ in jobs}
