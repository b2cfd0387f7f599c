"""File I/O: atomic writes, deterministic parquet/CSV/JSON, validated reads.

Every output is written to a temporary file in the destination folder and then renamed over the
target, so an interrupted job never leaves a half-written file that looks complete.
"""

from __future__ import annotations

import json
import logging
import math
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pandas as pd

from .errors import InputDataError

log = logging.getLogger(__name__)


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` if the block succeeds."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_text(text: str, path: str | Path) -> None:
    """Write UTF-8 text atomically (LF line endings)."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")


def write_parquet(df: pd.DataFrame, path: str | Path) -> None:
    """Write ``df`` to parquet atomically and byte-reproducibly (no index, fixed codec)."""
    with atomic_path(path) as tmp:
        df.to_parquet(tmp, index=False, engine="pyarrow", compression="zstd")


def write_csv(df: pd.DataFrame, path: str | Path, **kwargs: Any) -> None:
    """Write ``df`` to CSV (UTF-8, LF, no index) atomically."""
    kwargs.setdefault("index", False)
    kwargs.setdefault("lineterminator", "\n")
    with atomic_path(path) as tmp:
        df.to_csv(tmp, encoding="utf-8", **kwargs)


def _json_default(obj: Any) -> Any:
    if hasattr(obj, "item"):
        return obj.item()
    if isinstance(obj, (pd.Timestamp,)):
        return obj.isoformat()
    raise TypeError(f"cannot serialize {type(obj).__name__} to JSON")


def _clean_floats(obj: Any) -> Any:
    """Replace NaN/inf by None: JSON has no such numbers and R/JS readers choke on them."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _clean_floats(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean_floats(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, (str, bytes)):
        return _clean_floats(obj.item())
    return obj


def write_json(obj: Any, path: str | Path) -> None:
    """Write ``obj`` as pretty, key-ordered JSON atomically; non-finite floats become null."""
    text = json.dumps(_clean_floats(obj), indent=2, sort_keys=False, ensure_ascii=False,
                      default=_json_default)
    write_text(text + "\n", path)


def read_json(path: str | Path) -> Any:
    """Read a JSON file, naming the file on failure."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise InputDataError(f"{path}: cannot read JSON ({err})") from None


def validate(df: pd.DataFrame, model: Any, source: str | Path, logger: logging.Logger | None = None
             ) -> pd.DataFrame:
    """Validate ``df`` against a pandera model lazily; raise one :class:`InputDataError`.

    All failures are collected (``lazy=True``); the failure cases are logged in full and the
    error message names ``source`` and summarises the first few failures.
    """
    import pandera.errors

    logger = logger or log
    try:
        # A fresh RangeIndex: failure cases then point at row positions, and pandera's unique
        # check does not trip over duplicated index labels.
        return model.validate(df.reset_index(drop=True), lazy=True)
    except pandera.errors.SchemaErrors as err:
        cases = err.failure_cases
        logger.error("%s: %d schema failures against %s:\n%s", source, len(cases),
                     model.__name__, cases.to_string())
        summary = "; ".join(
            f"{row.check} on column {row.column} (index {row.index}, value {row.failure_case!r})"
            for row in cases.head(5).itertuples()
        )
        raise InputDataError(
            f"{source}: {len(cases)} value(s) fail the {model.__name__} schema: {summary}"
        ) from None


def read_parquet(path: str | Path, model: Any = None, logger: logging.Logger | None = None
                 ) -> pd.DataFrame:
    """Read a parquet file (and validate it against ``model`` when given)."""
    try:
        df = pd.read_parquet(path)
    except (OSError, ValueError) as err:
        raise InputDataError(f"{path}: cannot read parquet ({err})") from None
    return validate(df, model, path, logger) if model is not None else df
