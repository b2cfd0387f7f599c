"""Interruption: a run killed with SIGKILL mid-way, then rerun, gives byte-identical results.

The whole snakemake process group is killed (as an out-of-memory killer, a lost ssh session
or a cluster pre-emption would), once during ingestion and once during the bootstrap. The runs
build the paper's outputs (Table 1, the comparison, the bootstrap summary and the survival
dataset; the report and extended stages are left out to keep the suite fast). Every
output is written to a temporary file and renamed (countysurv.io.atomic_path), so no half
written file can pass for a finished one; the rerun (``snakemake --unlock`` then the same
command; the default profile sets ``rerun-incomplete``) finishes the work and the final tables
equal those of the uninterrupted toy run byte for byte. Also: no code path writes an output in
place (checked on the source).
"""

from __future__ import annotations

import ast
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from conftest import REPO, make_toy_study, run_snakemake, snakemake_cmd, venv_env

pytestmark = pytest.mark.workflow

FINAL = ["results/tables/table1.csv", "results/tables/table1.md", "results/tables/table1.tex",
         "results/tables/table1.html", "results/tables/paper_comparison.md",
         "results/bootstrap/summary.csv", "results/analysis/survival.csv"]


def run_until_killed(work: Path, condition, timeout: float = 600) -> bool:
    """Start a full run in its own process group; SIGKILL the group once ``condition()``.

    Returns True if the run was killed, False if it finished first.
    """
    with open(work / "interrupted.out", "w") as out:
        proc = subprocess.Popen(snakemake_cmd(work, "--cores", "2", *FINAL), stdout=out,
                                stderr=subprocess.STDOUT, env=venv_env(), start_new_session=True)
        deadline = time.monotonic() + timeout
        try:
            while proc.poll() is None and time.monotonic() < deadline:
                if condition():
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
                    return True
                time.sleep(0.02)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    return False


def assert_no_torn_outputs(work: Path) -> None:
    """Every parquet present after the kill is complete: readable to the end."""
    for path in (work / "results").rglob("*.parquet"):
        pq.read_table(path)


def rerun_and_compare(work: Path, reference: Path) -> None:
    run_snakemake(work, "--unlock")
    run_snakemake(work, "--cores", "2", *FINAL)
    for rel in FINAL:
        assert (work / rel).read_bytes() == (reference / rel).read_bytes(), rel
    assert [p for p in (work / "results").rglob("*.tmp")] == [], "temporary files left behind"


def test_kill_during_ingestion_then_rerun_gives_identical_results(toy_run, tmp_path):
    reference, codes, _ = toy_run
    work = tmp_path / "work"
    work.mkdir()
    make_toy_study(work)
    done = work / "results" / "bulletins"

    def some_but_not_all_ingested():
        n = len(list(done.glob("*.parquet"))) if done.exists() else 0
        return 3 <= n < len(codes) - 3

    assert run_until_killed(work, some_but_not_all_ingested), "the run finished before the kill"
    assert not (work / "results" / "panel" / "panel.parquet").exists()
    assert_no_torn_outputs(work)
    rerun_and_compare(work, reference)


def test_kill_during_bootstrap_then_rerun_gives_identical_results(toy_run, tmp_path):
    reference, _, _ = toy_run
    work = tmp_path / "clone"
    shutil.copytree(reference, work, symlinks=True)
    shutil.rmtree(work / "results" / "bootstrap")
    chunks = work / "results" / "bootstrap" / "chunks"

    def a_chunk_done():
        return chunks.exists() and any(chunks.glob("*.parquet"))

    assert run_until_killed(work, a_chunk_done), "the run finished before the kill"
    assert not (work / "results" / "bootstrap" / "summary.csv").exists()
    assert_no_torn_outputs(work)
    rerun_and_compare(work, reference)


# ------------------------------------------------------------------ atomic writes, on the source

WRITERS = {"to_parquet", "to_csv", "to_json", "to_excel", "to_html", "to_latex", "savefig",
           "write_text", "write_bytes", "write_table", "dump"}


def _source(node: ast.AST, text: str) -> str:
    """The source text of ``node`` (ast.unparse cannot render every f-string on Python 3.11)."""
    return ast.get_source_segment(text, node) or ast.dump(node)


def _non_atomic_writes(path: Path) -> list[str]:
    """Calls that write a file, outside ``with ...atomic_path(...)`` blocks (and io.py)."""
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    found: list[str] = []

    def visit(node, atomic: bool) -> None:
        if isinstance(node, ast.With) and any(
                isinstance(item.context_expr, ast.Call)
                and "atomic_path" in _source(item.context_expr.func, text) for item in node.items):
            atomic = True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and not atomic:
            name = node.func.attr
            first = node.args[0] if node.args else None
            to_buffer = first is not None and ("buf" in _source(first, text) or
                                               "StringIO" in _source(first, text))
            via_io = _source(node.func.value, text) == "io"   # countysurv.io: atomic already
            if name in WRITERS and not to_buffer and not via_io and (node.args or
                                                                      name == "to_parquet"):
                found.append(f"{path.relative_to(REPO)}:{node.lineno}: {_source(node, text)[:80]}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                node.func.id == "open" and not atomic and len(node.args) > 1 and \
                isinstance(node.args[1], ast.Constant) and "w" in str(node.args[1].value):
            found.append(f"{path.relative_to(REPO)}:{node.lineno}: {_source(node, text)[:80]}")
        for child in ast.iter_child_nodes(node):
            visit(child, atomic)

    visit(tree, False)
    return found


# Modules of stages in progress elsewhere that still save figures in place (strict: this test
# fails once they are fixed, so the marker gets removed).
KNOWN_NON_ATOMIC: set[str] = set()


@pytest.mark.parametrize("module", sorted(
    str(p.relative_to(REPO)) for p in (REPO / "scripts").rglob("*.py")
    if p.name != "io.py" and "__pycache__" not in p.parts))
def test_no_code_path_writes_an_output_in_place(module, request):
    if module in KNOWN_NON_ATOMIC:
        request.applymarker(pytest.mark.xfail(strict=True, reason="saves figures in place"))
    assert _non_atomic_writes(REPO / module) == []
