"""The terminal side of `make run`: Snakemake's progress, then a short summary or one error line.

Snakemake prints a record of every job (rule, inputs, outputs, wildcards, timestamps): some
1,700 lines for the default study. A researcher running the workflow wants to see that it is
moving, what came out, and where to look. :func:`run` starts Snakemake with the arguments it is
given, writes everything Snakemake prints to a log file (``results/logs/snakemake/run.log``,
kept next to the jobs' own logs), shows only the progress counter in the terminal and ends with

- on success: Table 1 (its Markdown), the rows read / kept / rejected over all bulletin files,
  where the results and logs are, and the command that builds the report;
- on failure: one line per failed job with the error its script wrote (``ERROR: ...``, see
  :func:`countysurv.logs.run_main`), the job's log file, and the full Snakemake log.

Usage (what the Makefile runs)::

    PYTHONPATH=scripts python -m countysurv.console [--results results] -- --cores 2

It uses the standard library only (it starts before, and independently of, the workflow).
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterable, Sequence

_PROGRESS = re.compile(r"^(\d+) of (\d+) steps \((\d+)%\) done")
_ERROR_IN_RULE = re.compile(r"^Error in rule (\S+?):?$")
_LOG_LINE = re.compile(r"^\s+log: (.+?)(?: \(check log file\(s\) for error details\))?$")
_WILDCARDS = re.compile(r"^\s+wildcards: (.+)$")
_COMPLETE_LOG = re.compile(r"^Complete log\(s\): (.+)$")

#: Lines Snakemake prints that a user needs to see as they are.
_PASS_THROUGH = (
    re.compile(r"^Nothing to be done"),
    re.compile(r"^ERROR: "),  # a parse-time error from rules/common.smk: already one line
)


@dataclass
class RunRecord:
    """What the terminal needs from Snakemake's output: progress, failed jobs, messages."""

    failed: list[dict[str, str]] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    snakemake_log: str = ""
    last_progress: str = ""
    nothing_to_do: bool = False


def parse_line(line: str, record: RunRecord) -> str | None:
    """Update ``record`` from one line of Snakemake's output; return a progress line, if any."""
    text = line.rstrip("\n")
    m = _PROGRESS.match(text)
    if m:
        record.last_progress = text
        return text
    m = _ERROR_IN_RULE.match(text)
    if m:
        record.failed.append({"rule": m.group(1)})
        return None
    if record.failed:
        for key, pattern in (("log", _LOG_LINE), ("wildcards", _WILDCARDS)):
            m = pattern.match(text)
            if m and key not in record.failed[-1]:
                record.failed[-1][key] = m.group(1).strip()
                return None
    m = _COMPLETE_LOG.match(text)
    if m:
        record.snakemake_log = m.group(1).strip()
        return None
    if text.startswith("Nothing to be done"):
        record.nothing_to_do = True
    if any(p.match(text) for p in _PASS_THROUGH) and text not in record.messages:
        record.messages.append(text)
    return None


def error_line(log_path: str | Path) -> str:
    """The error a failed job's script reported: its ``ERROR`` line, else its last line."""
    path = Path(log_path)
    try:
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8", errors="replace")
                 .splitlines() if ln.strip()]
    except OSError:
        return f"(log {path} not readable)"
    for ln in reversed(lines):
        m = re.search(r"\bERROR\b:? ?(?:countysurv: )?(.*)$", ln)
        if m and m.group(1):
            return m.group(1)
    return lines[-1] if lines else "(empty log)"


def ingestion_counts(ingestion_csv: str | Path) -> dict[str, int] | None:
    """Rows read, kept and rejected over all bulletin files (``results/panel/ingestion.csv``)."""
    path = Path(ingestion_csv)
    if not path.is_file():
        return None
    totals = {"files": 0, "rows_in": 0, "rows_kept": 0, "rows_rejected": 0}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            totals["files"] += 1
            for key in ("rows_in", "rows_kept", "rows_rejected"):
                totals[key] += int(row[key])
    return totals


def _plain(markdown: str) -> str:
    """Markdown as read in a terminal: backslash escapes (``\\*``, ``\\>``) removed."""
    return re.sub(r"\\([\\`*_{}\[\]()#+\-.!<>])", r"\1", markdown)


DEFAULT_REPORT = "make report   (or: snakemake --report results/report.html)"


def success_summary(results: str | Path, run_log: str | Path,
                    report: str = DEFAULT_REPORT) -> str:
    """The closing summary of a successful run of the study whose outputs are in ``results``."""
    results = Path(results)
    parts: list[str] = []
    table1 = results / "tables" / "table1.md"
    if table1.is_file():
        parts.append(_plain(table1.read_text(encoding="utf-8").rstrip()))
    counts = ingestion_counts(results / "panel" / "ingestion.csv")
    if counts:
        parts.append(
            f"Bulletin rows: {counts['rows_in']:,} read from {counts['files']} files, "
            f"{counts['rows_kept']:,} kept, {counts['rows_rejected']:,} rejected "
            f"(each with its reason in {results}/bulletins/<county>.rejects.csv)."
        )
    conflicts = results / "panel" / "conflicts.csv"
    if conflicts.is_file():
        with conflicts.open(encoding="utf-8", newline="") as fh:
            n_conflicts = sum(1 for _ in csv.DictReader(fh))
        if n_conflicts:
            parts.append(f"Sources: {n_conflicts} conflict(s) between sources, each resolved by "
                         f"sources.precedence and listed in {conflicts}.")
    parts.append(
        "\n".join([
            f"Results: {results}/ (tables/, models/, figures/, analysis/, bootstrap/)",
            f"Logs:    {results}/logs/<rule>/ ; Snakemake's own output: {run_log}",
            f"Report:  {report}",
        ])
    )
    return "\n\n".join(parts)


def failure_summary(record: RunRecord, run_log: str | Path) -> str:
    """One line per failed job (rule, wildcards, the script's error) and where the logs are."""
    lines: list[str] = []
    for job in record.failed:
        where = f"{job['rule']} ({job['wildcards']})" if job.get("wildcards") else job["rule"]
        if job.get("log"):
            first_log = job["log"].split(",")[0].strip()
            lines.append(f"ERROR in {where}: {error_line(first_log)}")
            lines.append(f"  log: {first_log}")
        else:
            lines.append(f"ERROR in {where}")
    # A script's own "ERROR: ..." line also reaches Snakemake's output: show each message once.
    lines += [m for m in record.messages
              if m.startswith("ERROR") and not any(m[len("ERROR: "):] in ln for ln in lines)]
    if not lines:
        lines.append("ERROR: Snakemake stopped; see its output below the progress counter")
    lines.append(f"  Snakemake's own output: {run_log}")
    return "\n".join(lines)


def _snakemake_command(args: Sequence[str]) -> list[str]:
    exe = shutil.which("snakemake")
    return [exe, *args] if exe else [sys.executable, "-m", "snakemake", *args]


def _show_progress(out: IO[str], text: str, tty: bool, shown: list[int]) -> None:
    """On a terminal, one line rewritten in place; otherwise a line at every 10 %."""
    m = _PROGRESS.match(text)
    if tty:
        out.write("\r" + text)
        out.flush()
        return
    percent = int(m.group(3)) if m else 0
    if percent // 10 > shown[0] or percent == 100:
        shown[0] = percent // 10
        out.write(text + "\n")
        out.flush()


def run(snakemake_args: Sequence[str], results: str | Path = "results",
        report: str = DEFAULT_REPORT,
        out: IO[str] = sys.stdout) -> int:
    """Run Snakemake quietly (see the module docstring); return its exit status."""
    run_log = Path(results) / "logs" / "snakemake" / "run.log"
    run_log.parent.mkdir(parents=True, exist_ok=True)
    record = RunRecord()
    tty = out.isatty()
    shown = [-1]
    with run_log.open("w", encoding="utf-8") as log:
        proc = subprocess.Popen(_snakemake_command(snakemake_args), stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, bufsize=1,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
        for line in proc.stdout or ():
            log.write(line)
            progress = parse_line(line, record)
            if progress:
                _show_progress(out, progress, tty, shown)
        status = proc.wait()
    if tty and record.last_progress:
        out.write("\n")
    for message in record.messages:
        if not message.startswith("ERROR"):
            out.write(message + "\n")
    if status == 0:
        if not record.nothing_to_do or (Path(results) / "tables" / "table1.md").is_file():
            out.write("\n" + success_summary(results, run_log, report) + "\n")
    else:
        out.write("\n" + failure_summary(record, run_log) + "\n")
    out.flush()
    return status


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m countysurv.console",
        description="Run the workflow with a progress counter and a closing summary; "
                    "arguments after -- go to snakemake.")
    parser.add_argument("--results", default="results",
                        help="the study's results folder (default: results)")
    parser.add_argument("--report", default=DEFAULT_REPORT,
                        help="the command that builds this study's report, for the summary")
    parser.add_argument("snakemake_args", nargs=argparse.REMAINDER)
    ns = parser.parse_args(list(argv) if argv is not None else None)
    args = ns.snakemake_args
    if args and args[0] == "--":
        args = args[1:]
    return run(args, ns.results, ns.report)


if __name__ == "__main__":
    raise SystemExit(main())
