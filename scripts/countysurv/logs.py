"""Logging set-up for rule scripts: one log file per job, warnings captured."""

from __future__ import annotations

import logging
import sys
from pathlib import Path


def start_log(log_path: str | Path, name: str = "countysurv") -> logging.Logger:
    """Send this process's logging (and Python warnings) to ``log_path``.

    lifelines' ``ConvergenceWarning`` and pandas' warnings therefore end up in the job's log
    instead of disappearing. Returns the package logger.
    """
    path = Path(log_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.FileHandler(path, mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.captureWarnings(True)
    return logging.getLogger(name)


def run_main(main, *args, **kwargs) -> None:
    """Call ``main`` and turn a :class:`~countysurv.errors.StudyError` into one clear line.

    The rule scripts end with ``run_main(main, snakemake....)``: a data problem prints
    ``ERROR: <message>`` on stderr and exits with status 1, with no Python traceback; the
    message is also written to the job's log. Any other exception is a bug and keeps its
    traceback.
    """
    from .errors import StudyError

    try:
        main(*args, **kwargs)
    except StudyError as err:
        logging.getLogger("countysurv").error("%s", err)
        print(f"ERROR: {err}", file=sys.stderr)
        raise SystemExit(1) from None
