"""Workflow code quality in CI: snakefmt, snakemake --lint, a dry run.

`snakemake --lint` reports two kinds of lint that this workflow keeps on purpose; every other
lint fails the test:

- "Specify a conda environment or container for each rule": the environment is the pinned
  virtualenv that `make run`/`make test` build from requirements.lock (README, Dependencies).
- "Shell command directly uses variable PYTHON" (rules ingest_bulletin, ingest_source and
  extract_bulletin_text, one job per county each, in the default study and in the two
  real-study runs, which reuse the study's rules as a module): the interpreter is a global, not
  a param, because Snakemake tracks params and would rerun every county when it is started
  through another path to the same environment (rules/bulletins.smk, tests/test_rerun.py).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, venv_env

pytestmark = pytest.mark.workflow

BIN = Path(sys.executable).parent
KEPT = {
    "Specify a conda environment or container for each rule.": None,   # every rule
    "Shell command directly uses variable PYTHON from outside of the rule": {
        f"{study}{rule}"
        for study in ("", "real_study_", "real_study_all_")
        for rule in ("ingest_bulletin", "ingest_source", "extract_bulletin_text")},
}


def run(*cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, env=venv_env(),
                          timeout=300)


def parse_lints(text: str) -> list[tuple[str, str]]:
    """(context, title) of every lint in `snakemake --lint` text output."""
    lints, context = [], None
    for line in text.splitlines():
        head = re.match(r"Lints for (rule (\w+)|snakefile (\S+))", line)
        if head:
            context = head.group(2) or head.group(3).rstrip(":")
        elif (item := re.match(r"\s+\* (.+?):?$", line)) and context:
            lints.append((context, item.group(1).rstrip(":")))
    return lints


def test_rule_files_are_formatted_with_snakefmt():
    proc = run(str(BIN / "snakefmt"), "--check", "Snakefile", "rules")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_snakemake_lint_reports_only_the_lints_kept_on_purpose():
    proc = run(str(BIN / "snakemake"), "--lint")
    lints = parse_lints(proc.stdout + proc.stderr)
    assert any(context == "ingest_bulletin" for context, _ in lints)   # the parse found rules
    unexpected = [(context, title) for context, title in lints
                  if not any(title.startswith(kept) and (rules is None or context in rules)
                             for kept, rules in KEPT.items())]
    assert not unexpected, unexpected


def test_lint_parser_reads_rule_and_snakefile_lints():
    text = ("Lints for snakefile /x/rules/common.smk:\n"
            "    * Mixed rules and functions in same snakefile.:\n"
            "      Small one-liner functions ...\n"
            "Lints for rule fit_cox (line 3, /x/rules/models.smk):\n"
            "    * Specify a conda environment or container for each rule.:\n")
    assert parse_lints(text) == [
        ("/x/rules/common.smk", "Mixed rules and functions in same snakefile."),
        ("fit_cox", "Specify a conda environment or container for each rule.")]


def test_dry_run_of_the_default_workflow_plans_every_stage():
    proc = run(str(BIN / "snakemake"), "-n", "--cores", "2", "--forceall", "--quiet", "rules")
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout + proc.stderr
    for rule in ("ingest_bulletin", "build_panel", "fit_ols", "fit_cox", "bootstrap_chunk",
                 "render_table1", "plot_km", "fit_weibull_aft"):
        assert re.search(rf"^{rule}\s+\d+", out, re.M), out[-3000:]
