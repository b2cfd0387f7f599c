"""`make run`'s terminal: progress counter, closing summary, one line per failed job."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from conftest import REPO, make_toy_study, run_snakemake, venv_env
from countysurv import console

# What Snakemake 9 prints for a failed shell job (abridged to the lines the parser reads).
FAILED_JOB_OUTPUT = """\
Select jobs to execute...
3 of 20 steps (15%) done
Error in rule ingest_bulletin:
    message: None
    jobid: 6
    input: data/bulletins/990005.csv, scripts/ingest_bulletin.py
    output: results/bulletins/990005.parquet, results/bulletins/990005.rejects.csv
    log: results/logs/ingest_bulletin/990005.log (check log file(s) for error details)
    shell:
        python scripts/ingest_bulletin.py --csv data/bulletins/990005.csv
        (command exited with non-zero exit code)
ERROR: data/bulletins/990005.csv: contains a NUL byte at offset 24, line 2
Exiting because a job execution failed. Look above for error messages
Complete log(s): /tmp/x/.snakemake/log/2026-12-03T000000.snakemake.log
"""


def test_parse_line_collects_progress_failed_job_and_log():
    record = console.RunRecord()
    progress = [p for line in FAILED_JOB_OUTPUT.splitlines()
                if (p := console.parse_line(line, record))]
    assert progress == ["3 of 20 steps (15%) done"]
    assert record.failed == [{"rule": "ingest_bulletin",
                              "log": "results/logs/ingest_bulletin/990005.log"}]
    assert record.snakemake_log.endswith(".snakemake.log")
    assert record.messages == ["ERROR: data/bulletins/990005.csv: contains a NUL byte at offset "
                               "24, line 2"]


def test_failure_summary_names_the_error_once_with_the_job_log(tmp_path):
    log = tmp_path / "990005.log"
    log.write_text("2026-12-03 06:32:30,766 ERROR countysurv: data/bulletins/990005.csv: "
                   "contains a NUL byte\n", encoding="utf-8")
    record = console.RunRecord(failed=[{"rule": "ingest_bulletin", "log": str(log),
                                        "wildcards": "county=990005"}],
                               messages=["ERROR: data/bulletins/990005.csv: contains a NUL byte"])
    text = console.failure_summary(record, "results/logs/snakemake/run.log")
    assert text.splitlines() == [
        "ERROR in ingest_bulletin (county=990005): data/bulletins/990005.csv: contains a NUL byte",
        f"  log: {log}",
        "  Snakemake's own output: results/logs/snakemake/run.log",
    ]


def test_failure_summary_keeps_a_parse_time_error_line():
    record = console.RunRecord(messages=["ERROR: config years.first (2019) is after years.last"])
    text = console.failure_summary(record, "run.log")
    assert text.splitlines()[0] == "ERROR: config years.first (2019) is after years.last"


def test_ingestion_counts_sums_every_file(tmp_path):
    path = tmp_path / "ingestion.csv"
    path.write_text("file,encoding,rows_in,rows_kept,rows_rejected,duplicates_collapsed,conflicts\n"
                    "a.csv,utf-8,10,8,2,0,0\nb.csv,gb18030,5,5,0,0,0\n", encoding="utf-8")
    assert console.ingestion_counts(path) == {"files": 2, "rows_in": 15, "rows_kept": 13,
                                              "rows_rejected": 2}


def test_success_summary_counts_the_conflicts_between_sources(tmp_path):
    panel = tmp_path / "panel"
    panel.mkdir()
    header = "county_code,year,indicator,used,source_a,value_a\n"
    (panel / "conflicts.csv").write_text(header, encoding="utf-8")
    assert "conflict" not in console.success_summary(tmp_path, "run.log")
    (panel / "conflicts.csv").write_text(header + "990009,2015,va_tertiary,bulletins,x,1\n",
                                         encoding="utf-8")
    assert "Sources: 1 conflict(s) between sources" in console.success_summary(tmp_path,
                                                                               "run.log")


def test_plain_removes_markdown_escapes_only():
    assert console._plain(r"10.73\* | p \< 0.01 \*\*\* | Prob \> F") == \
        "10.73* | p < 0.01 *** | Prob > F"


def _console(work, *snakemake_args):
    cmd = [sys.executable, "-m", "countysurv.console", "--results", str(work / "results"), "--",
           "-s", str(REPO / "Snakefile"), "--directory", str(work), *snakemake_args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=900, cwd=work,
                          env=venv_env(PYTHONPATH=str(REPO / "scripts")))


@pytest.mark.workflow
@pytest.mark.slow
def test_console_run_prints_progress_and_summary_then_one_line_on_failure(tmp_path):
    codes = make_toy_study(tmp_path)
    proc = _console(tmp_path, "--cores", "2")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout
    lines = out.splitlines()
    assert len(lines) < 60, out  # not the ~700 lines of job records
    assert "Error" not in out and "rule ingest_bulletin" not in out
    assert any(line.endswith("steps (100%) done") for line in lines)
    assert "**Table 1: Results of OLS and Cox Regression.**" in out
    assert "| Nation |" in out and "\\*" not in out
    assert "read from 30 files" in out and " kept, 0 rejected" in out
    assert "make report" in out
    run_log = tmp_path / "results" / "logs" / "snakemake" / "run.log"
    assert "rule ingest_bulletin" in run_log.read_text(encoding="utf-8")

    # One county's file becomes unreadable: one line naming it, its log, the full log.
    bad = tmp_path / "data" / "bulletins" / f"{codes[4]}.csv"
    bad.write_bytes(b"county_code,county_name\n\x00\x00garbage\n")
    proc = _console(tmp_path, "--cores", "2")
    assert proc.returncode != 0
    errors = [line for line in proc.stdout.splitlines() if "ERROR" in line]
    assert errors == [f"ERROR in ingest_bulletin: data/bulletins/{codes[4]}.csv: contains a NUL "
                      "byte at offset 24, line 2 (a binary or UTF-16 file?); re-save it as UTF-8 "
                      "text"], proc.stdout
    assert f"  log: results/logs/ingest_bulletin/{codes[4]}.log" in proc.stdout
    assert len(proc.stdout.splitlines()) < 10

    # The failed job's outputs are gone; the next run must not call the old tables up to date.
    dry = run_snakemake(tmp_path, "-n", check=False)
    assert "Nothing to be done" not in dry.stdout + dry.stderr
    assert "ingest_bulletin" in dry.stdout
