"""File I/O: atomic writes, deterministic parquet/CSV/JSON, text decoding, validated reads.

Every output is written to a temporary file in the destination folder and then renamed over the
target, so an interrupted job never leaves a half-written file that looks complete.

Every float written to CSV, JSON or Parquet is first rounded to :data:`SIGNIFICANT_DIGITS`
significant digits (:func:`round_significant`, :func:`round_floats`). numpy's exp, log and
power, OpenBLAS's kernels and the C library's libm each pick a CPU-specific code path at run
time, so the last one to a few bits of a result differ between x86-64 machines; rounded away,
the same inputs give the same bytes on any of them (README, "Same results on any machine", says
what this does and does not guarantee). Every CSV
cell that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR at the start,
and not a plain number) is written with a leading ``'`` (:func:`escape_cell`).

Raw text inputs (bulletin files, the county reference list) are decoded by one function,
:func:`decode_bytes`, and the county reference list ``counties.csv`` has one reader,
:func:`read_counties_csv`.

pandas, pandera and pyarrow are imported inside the functions that need them: the per-county
ingestion job imports this module and must start in a fraction of a second (see BENCHMARKS.md).
"""

from __future__ import annotations

import csv
import glob
import io as _io
import json
import logging
import math
import os
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping, Sequence

from .errors import InputDataError

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

_UMASK = os.umask(0o022)
os.umask(_UMASK)


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` if the block succeeds."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    # A job killed mid-write (SIGKILL, power loss) leaves its temporary file behind; the rerun
    # that writes the same target removes it. Snakemake never runs two jobs for one output.
    for stale in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
        stale.unlink(missing_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; give outputs the usual permissions
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^-?(inf|nan)$")


def escape_cell(text: str) -> str:
    """Neutralise spreadsheet formula injection: prefix ``'`` to a cell that starts like a formula.

    A plain number (``-5``, ``+1.5e3``) is left alone; anything else starting with ``=``, ``+``,
    ``-``, ``@``, a tab or a carriage return is prefixed.
    """
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text


def decode_bytes(data: bytes, source: str) -> tuple[str, str]:
    """Decode a raw text file (a bulletin, the county reference list); return ``(text, encoding)``.

    Tries UTF-8 with BOM, plain UTF-8, then GB18030 (a superset of GBK and GB2312). Raises
    :class:`InputDataError` naming ``source`` and the first undecodable byte when none of them
    fits, and for UTF-16 files and NUL bytes (a binary or UTF-16 file, which GB18030 would decode
    to garbage).
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputDataError(
            f"{source}: cannot decode as UTF-8 or GB18030: it starts with a UTF-16/UTF-32 "
            f"byte-order mark (0x{data[0]:02x} 0x{data[1]:02x}); re-save the file as UTF-8")
    text, encoding = _decode(data, source)
    if "\x00" in text:
        offset = data.index(b"\x00")
        line = data[:offset].count(b"\n") + 1
        raise InputDataError(
            f"{source}: contains a NUL byte at offset {offset}, line {line} (a binary or "
            f"UTF-16 file?); re-save it as UTF-8 text")
    return text, encoding


def _decode(data: bytes, source: str) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as err:
            raise InputDataError(
                f"{source}: starts with a UTF-8 byte-order mark but byte {err.start + 3} is not "
                f"valid UTF-8; re-save the file as UTF-8") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf_err:
        try:
            return data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError:
            line = data[: utf_err.start].count(b"\n") + 1
            raise InputDataError(
                f"{source}: cannot decode as UTF-8 or GB18030 (invalid byte "
                f"0x{data[utf_err.start]:02x} at offset {utf_err.start}, line {line}); "
                f"re-save the file as UTF-8") from None


def escape_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells are passed through :func:`escape_cell`."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or str(out[col].dtype).startswith("string"):
            out[col] = out[col].map(lambda v: escape_cell(v) if isinstance(v, str) else v)
    return out


#: Significant digits kept in every float the workflow writes (a double carries 15-17). Between
#: this machine's default code paths and an emulated older x86-64 (tests/test_cross_machine.py),
#: the default study's raw results differ by up to 2e-12 relative (bootstrap replicates of
#: near-degenerate resamples: 4e-12). A value whose two versions straddle a rounding boundary is
#: written differently; at 9 digits the expected number of such values is ~0.01 per pair of
#: machines over the final results, ~0.02 over the bootstrap replicates (10 digits: 0.08 and
#: 0.16). A value is kept to within 5e-9 relative, far below what any printed figure carries.
SIGNIFICANT_DIGITS = 9


def round_significant(value: float, digits: int = SIGNIFICANT_DIGITS) -> float:
    """``value`` rounded to ``digits`` significant digits (correctly rounded, as Python's
    ``format`` does it on every machine); NaN and infinities are returned unchanged.

    Python's shortest repr of the result has at most ``digits`` digits, so a value computed on
    two machines with different last bits is written the same, unless the two lie on either side
    of a rounding boundary (README, "Same results on any machine", gives the odds).
    """
    return float(f"{value:.{digits}g}") if math.isfinite(value) else value


def power_of_ten_above(value: float) -> float:
    """The smallest power of ten greater than ``|value|`` (0 for 0, NaN for NaN).

    For a figure that is itself rounding noise, such as the largest difference between two
    solvers' answers (~1e-13, its digits different on every CPU), only the order of magnitude
    is reproducible: this writes it as a bound ("agree to within 1e-12"). Computed from the
    decimal exponent, without a logarithm.
    """
    from decimal import Decimal

    if not math.isfinite(value) or value == 0:
        return abs(value)
    return float(f"1e{Decimal(abs(value)).adjusted() + 1}")


def _round_cell(value: Any) -> Any:
    if isinstance(value, float):  # numpy.float64 is a float; bool and int are left alone
        return round_significant(value)
    return value


def round_floats(obj: Any) -> Any:
    """``obj`` with every float rounded by :func:`round_significant`.

    A DataFrame gives a copy with its float columns (and floats in object columns) rounded,
    dtypes kept; dicts, lists and tuples are rounded recursively; other values are returned as
    they are.
    """
    import pandas as pd

    if isinstance(obj, pd.DataFrame):
        out = obj.copy()
        for col in out.columns:
            series = out[col]
            if pd.api.types.is_float_dtype(series.dtype) or series.dtype == object:
                out[col] = pd.array([_round_cell(v) for v in series], dtype=series.dtype)
        return out
    if isinstance(obj, dict):
        return {k: round_floats(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(round_floats(v) for v in obj)
    return _round_cell(obj)


def write_text(text: str, path: str | Path) -> None:
    """Write UTF-8 text atomically (LF line endings)."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")


def write_parquet(df: pd.DataFrame, path: str | Path) -> None:
    """Write ``df`` to parquet atomically and byte-reproducibly (no index, fixed codec, floats
    rounded by :func:`round_floats`)."""
    df = round_floats(df)
    with atomic_path(path) as tmp:
        df.to_parquet(tmp, index=False, engine="pyarrow", compression="zstd")


def write_csv(df: pd.DataFrame, path: str | Path, **kwargs: Any) -> None:
    """Write ``df`` to CSV (UTF-8, LF, no index) atomically; text cells are formula-escaped.

    Floats are rounded by :func:`round_floats` and written in their shortest repr.
    """
    kwargs.setdefault("index", False)
    kwargs.setdefault("lineterminator", "\n")
    with atomic_path(path) as tmp:
        escape_frame(round_floats(df)).to_csv(tmp, encoding="utf-8", **kwargs)


def write_rows_csv(header: Sequence[str], rows: Iterable[Sequence[Any]], path: str | Path) -> None:
    """Write rows to CSV with the csv module (no pandas), atomically; formula-escaped.

    The bytes equal :func:`write_csv` of the same table (UTF-8, LF, minimal quoting, floats
    rounded by :func:`round_significant`).
    """
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(header)
            writer.writerows([escape_cell(c) if isinstance(c, str) else _round_cell(c)
                              for c in row]
                             for row in rows)


def _json_default(obj: Any) -> Any:
    if hasattr(obj, "item"):
        return obj.item()
    if hasattr(obj, "isoformat"):  # datetime, date, pandas.Timestamp
        return obj.isoformat()
    raise TypeError(f"cannot serialize {type(obj).__name__} to JSON")


def _clean_floats(obj: Any) -> Any:
    """Replace NaN/inf by None (JSON has no such numbers and R/JS readers choke on them) and round
    the other floats by :func:`round_significant`."""
    if isinstance(obj, float):
        return round_significant(obj) if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _clean_floats(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean_floats(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, (str, bytes)):
        return _clean_floats(obj.item())
    return obj


def write_json(obj: Any, path: str | Path) -> None:
    """Write ``obj`` as pretty, key-ordered JSON atomically; non-finite floats become null, the
    others are rounded by :func:`round_significant`."""
    text = json.dumps(_clean_floats(obj), indent=2, sort_keys=False, ensure_ascii=False,
                      default=_json_default)
    write_text(text + "\n", path)


def read_json(path: str | Path) -> Any:
    """Read a JSON file, naming the file on failure."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise InputDataError(f"{path}: cannot read JSON ({err})") from None


#: The columns of the county reference list ``counties.csv`` (config ``data.counties``).
COUNTIES_CSV_COLUMNS = ("county_code", "county_name", "province", "ethnic_area", "announced_on")


def read_text_table(path: str | Path, columns: Sequence[str], what: str) -> pd.DataFrame:
    """A reviewed reference table (CSV, UTF-8 with or without BOM) as text columns.

    Returns ``columns`` in that order, every cell a stripped string ("" when empty). Raises
    :class:`InputDataError` naming the file when it cannot be read or lacks a column; ``what``
    says what the file is in that message.
    """
    import pandas as pd

    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, ValueError) as err:
        raise InputDataError(f"{path}: cannot read the {what} ({err})") from None
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputDataError(f"{path}: the {what} lacks column(s) {', '.join(missing)}; "
                             f"expected {', '.join(columns)}")
    return df[list(columns)].apply(lambda s: s.str.strip())


def read_counties_csv(path: str | Path, model: Any = None) -> pd.DataFrame:
    """Read the county reference list (``data/counties.csv``), checking every row.

    Returns one row per county with :data:`COUNTIES_CSV_COLUMNS` (``ethnic_area`` as 0/1,
    ``announced_on`` a date or NaT) and ``line``, the physical line of the file the row starts
    on (the header is line 1; a quoted cell spanning lines is counted), which the lineage cites.
    The file may be UTF-8 (with or without BOM) or GB18030 (:func:`decode_bytes`); blank lines
    are skipped. When ``model`` (a pandera model) is given the frame is validated against it.

    Raises :class:`InputDataError` naming the file, the line and the problem for: missing
    columns, a row whose field count differs from the header's, a code that is not 6 digits, a
    duplicated code, ``ethnic_area`` not 0/1, or an ``announced_on`` that is not an ISO date
    (YYYY-MM-DD) or empty.
    """
    import pandas as pd

    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise InputDataError(f"{path}: cannot read the county reference ({err.strerror})") from None
    text, _ = decode_bytes(data, str(path))
    reader = csv.reader(_io.StringIO(text, newline=""))
    first = next(reader, None)
    if first is None:
        raise InputDataError(f"{path}: file is empty; expected columns "
                             f"{','.join(COUNTIES_CSV_COLUMNS)}")
    header = [h.strip().lower() for h in first]
    missing = [c for c in COUNTIES_CSV_COLUMNS if c not in header]
    if missing:
        raise InputDataError(f"{path}: line 1: missing column(s) {', '.join(missing)}")
    problems: list[str] = []
    records = []
    seen: dict[str, int] = {}
    line = reader.line_num + 1
    for cells in reader:
        start, line = line, reader.line_num + 1
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            problems.append(f"line {start}: {len(cells)} fields, header has {len(header)}")
            continue
        rec: dict[str, Any] = {c: cells[header.index(c)].strip() for c in COUNTIES_CSV_COLUMNS}
        if not re.fullmatch(r"[0-9]{6}", rec["county_code"]):
            problems.append(f"line {start}: county_code {rec['county_code']!r} is not 6 digits")
        elif rec["county_code"] in seen:
            problems.append(f"line {start}: county_code {rec['county_code']} repeats line "
                            f"{seen[rec['county_code']]}")
        else:
            seen[rec["county_code"]] = start
        if rec["ethnic_area"] not in {"0", "1"}:
            problems.append(f"line {start}: ethnic_area {rec['ethnic_area']!r} is not 0 or 1")
        date = rec["announced_on"]
        parsed = pd.to_datetime(date, format="%Y-%m-%d", errors="coerce") if date else pd.NaT
        if date and pd.isna(parsed):
            problems.append(f"line {start}: announced_on {date!r} is not a date (YYYY-MM-DD)")
        rec["announced_on"] = parsed
        rec["ethnic_area"] = 1 if rec["ethnic_area"] == "1" else 0
        rec["line"] = start
        records.append(rec)
    if problems:
        raise InputDataError(f"{path}: {len(problems)} problem(s): " + "; ".join(problems[:5]))
    df = pd.DataFrame(records, columns=[*COUNTIES_CSV_COLUMNS, "line"])
    if model is None:
        return df
    return validate(df, model, path, locate=lambda i: f"line {df['line'].iat[i]}")


def validate(df: pd.DataFrame, model: Any, source: str | Path, logger: logging.Logger | None = None,
             locate: Any = None) -> pd.DataFrame:
    """Validate ``df`` against a pandera model lazily; raise one :class:`InputDataError`.

    All failures are collected (``lazy=True``); the failure cases are logged in full and the
    error message names ``source`` and summarises the first few failures. ``locate``, when
    given, maps a row position of ``df`` to where that row came from (e.g. ``file line 12``),
    and the message names it.
    """
    import pandera.errors

    logger = logger or log
    try:
        # A fresh RangeIndex: failure cases then point at row positions, and pandera's unique
        # check does not trip over duplicated index labels.
        return model.validate(df.reset_index(drop=True), lazy=True)
    except pandera.errors.SchemaErrors as err:
        cases = err.failure_cases
        name = getattr(model, "__name__", None) or getattr(model, "name", None) or "schema"
        logger.error("%s: %d schema failures against %s:\n%s", source, len(cases), name,
                     cases.to_string())
        def where(index: Any) -> str:
            if locate is not None and isinstance(index, int) and 0 <= index < len(df):
                return locate(index)
            return f"index {index}"

        summary = "; ".join(
            f"{row.check} on column {row.column} ({where(row.index)}, value {row.failure_case!r})"
            for row in cases.head(5).itertuples()
        )
        raise InputDataError(
            f"{source}: {len(cases)} value(s) fail the {name} schema: {summary}"
        ) from None


def read_parquet(path: str | Path, model: Any = None, logger: logging.Logger | None = None
                 ) -> pd.DataFrame:
    """Read a parquet file (and validate it against ``model`` when given)."""
    import pandas as pd

    try:
        df = pd.read_parquet(path)
    except (OSError, ValueError) as err:
        raise InputDataError(f"{path}: cannot read parquet ({err})") from None
    return validate(df, model, path, logger) if model is not None else df


# ----------------------------------------------- loaders of model, bootstrap, paper and truth files


def load_model_result(path: str | Path) -> dict[str, Any]:
    """Read a model result, e.g. ``results/models/ols.json`` or ``cox.json``."""
    result = read_json(path)
    if not isinstance(result, dict):
        raise InputDataError(f"{path}: expected a JSON object with model results")
    return result


def model_terms(result: Mapping[str, Any], terms: Sequence[str], path: str | Path) -> list[str]:
    """The terms of a model result file, checked against the configured ``terms``.

    Raises :class:`InputDataError` naming ``path`` when the file was fitted on other terms (a
    result of another config), so a figure or table never mixes two models.
    """
    fitted = list(result.get("terms") or [t for t in result["coef"] if t != "const"])
    if fitted != list(terms):
        raise InputDataError(f"{path}: fitted on terms {', '.join(fitted)}, but config "
                             f"models.terms is {', '.join(terms)}; rerun the model")
    return fitted


def load_bootstrap_summary(path: str | Path) -> pd.DataFrame:
    """Read ``results/bootstrap/summary.csv`` (floats exactly as written)."""
    import pandas as pd

    try:
        return pd.read_csv(path, dtype={"model": str, "term": str}, float_precision="round_trip")
    except (OSError, ValueError) as err:
        raise InputDataError(f"{path}: cannot read bootstrap summary ({err})") from None


def load_paper_table1(path: str | Path) -> pd.DataFrame:
    """Read ``data/paper/paper_table1.csv``; empty stars become ``""``, empty numbers NaN."""
    import pandas as pd

    try:
        df = pd.read_csv(path, dtype={"model": str, "term": str, "stars": str},
                         keep_default_na=False,
                         na_values={"coef": [""], "std_err": [""], "hazard_ratio": [""]},
                         float_precision="round_trip")
    except (OSError, ValueError) as err:
        raise InputDataError(f"{path}: cannot read the paper's Table 1 ({err})") from None
    for col in ("coef", "std_err", "hazard_ratio"):
        df[col] = df[col].astype("float64")
    return df


def load_paper_fit(path: str | Path) -> pd.DataFrame:
    """Read ``data/paper/paper_table1_fit.csv`` (model, statistic, value)."""
    import pandas as pd

    try:
        return pd.read_csv(path, dtype={"model": str, "statistic": str, "value": "float64"},
                           float_precision="round_trip")
    except (OSError, ValueError) as err:
        raise InputDataError(f"{path}: cannot read the paper's fit statistics ({err})") from None


def read_coverage_csv(path: str | Path) -> pd.DataFrame:
    """Read ``results/panel/coverage.csv`` (county_code, indicator, years_present, ...)."""
    import pandas as pd

    needed = ["county_code", "indicator", "years_present"]
    try:
        df = pd.read_csv(path, dtype={"county_code": str, "indicator": str})
    except (OSError, ValueError) as err:
        raise InputDataError(f"{path}: cannot read the panel coverage ({err})") from None
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise InputDataError(f"{path}: missing column(s) {', '.join(missing)}; expected the "
                             "coverage.csv that rule build_panel writes")
    return df


def load_truth(path: str | Path) -> dict[str, float]:
    """Read the true Cox coefficients of a simulated study from ``data/truth.json``.

    The generator (:mod:`countysurv.simulate`) writes them under ``exit_model.coefficients``;
    a top-level ``coefficients`` map is accepted too, for hand-written truth files.
    """
    data = read_json(path)
    coefs = None
    if isinstance(data, dict):
        coefs = data.get("coefficients")
        if coefs is None and isinstance(data.get("exit_model"), dict):
            coefs = data["exit_model"].get("coefficients")
    if not isinstance(coefs, dict):
        raise InputDataError(f"{path}: expected a JSON object with an 'exit_model.coefficients' "
                             f"(or 'coefficients') map of term -> true Cox coefficient")
    return {str(k): float(v) for k, v in coefs.items()}
