"""Ingestion of one raw bulletin CSV (DESIGN section 3.1).

A bulletin file is decoded (UTF-8 with or without BOM, or GB18030/GBK), parsed with its line
numbers kept, and every data row ends either in the normalized records or in the rejects with a
reason: ``rows_in == rows_kept + rows_rejected`` always holds, and :func:`ingest_bulletin`
checks it. Problems that make the whole file unusable (undecodable bytes, no header, missing
columns, no data rows) raise :class:`~countysurv.errors.InputDataError` naming the file.

This module imports neither pandas nor pandera: it runs once per county in its own job, and
start-up is most of such a job's cost. The kept rows are validated against
:class:`~countysurv.schemas.BulletinRecord` in the panel job, which names the file and line of
any failure. :attr:`IngestResult.records` / ``rejects`` build DataFrames on demand.
"""

from __future__ import annotations

import csv
import io as _io
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from .errors import InputDataError
from .indicators import INDICATORS, canonical_indicator, normalize_text, parse_number, unit_factor
from .io import decode_bytes, escape_cell, write_json, write_rows_csv
from .parquet import write_rows as write_rows_parquet

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

REQUIRED_COLUMNS = ("county_code", "county_name", "year", "indicator", "value", "unit")
OPTIONAL_COLUMNS = ("source", "note")
RECORD_COLUMNS = ["county_code", "county_name", "year", "indicator", "value", "unit", "raw_value",
                  "raw_unit", "factor", "line", "source", "note"]
REJECT_COLUMNS = ["file", "line", "raw", "reason"]
#: Column types of ``results/bulletins/<code>.parquet`` (the BulletinRecord schema's columns).
RECORD_SCHEMA = [("county_code", "string"), ("county_name", "string"), ("year", "int64"),
                 ("indicator", "string"), ("value", "float64"), ("unit", "string"),
                 ("raw_value", "string"), ("raw_unit", "string"), ("factor", "float64"),
                 ("line", "int64"), ("source", "string"), ("note", "string")]
FILE_NAME = re.compile(r"^[0-9]{6}\.csv$")  # ASCII digits only: \d also matches ９ or ٩


@dataclass
class IngestResult:
    """The outcome of ingesting one file: kept records, rejects and counts.

    ``record_rows`` are dicts keyed by :data:`RECORD_COLUMNS` (sorted by year and indicator);
    ``reject_rows`` are ``(file, line, raw, reason)`` tuples sorted by line, with ``raw`` and
    ``reason`` formula-escaped.
    """

    record_rows: list[dict[str, Any]]
    reject_rows: list[tuple[str, int, str, str]]
    encoding: str
    rows_in: int
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def records(self) -> pd.DataFrame:
        """The kept rows as a DataFrame (imports pandas)."""
        import pandas as pd

        return pd.DataFrame(self.record_rows, columns=RECORD_COLUMNS)

    @property
    def rejects(self) -> pd.DataFrame:
        """The rejected rows as a DataFrame (imports pandas)."""
        import pandas as pd

        return pd.DataFrame(self.reject_rows, columns=REJECT_COLUMNS)


def _read_rows(text: str, source: str) -> tuple[list[str], list[tuple[int, str, list[str]]]]:
    """Split decoded text into the header and ``(line_number, raw_text, cells)`` data records.

    Line numbers are 1-based physical lines of the file (the header is line 1); a quoted record
    spanning several lines is numbered by its first line. Blank lines are not records.
    """
    if text.strip() == "":
        raise InputDataError(f"{source}: file is empty; expected a header line "
                             f"{','.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)}")
    lines = text.splitlines()
    reader = csv.reader(_io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    records: list[tuple[int, str, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            end = reader.line_num
            if header is None:
                header = [normalize_text(c).lower() for c in cells]
            elif any(c.strip() for c in cells):
                records.append((start, "\n".join(lines[start - 1:end]), cells))
            start = end + 1
    except csv.Error as err:
        raise InputDataError(f"{source}: line {reader.line_num}: malformed CSV ({err})") from None
    return header or [], records


def _check_header(header: list[str], source: str) -> dict[str, int]:
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise InputDataError(
            f"{source}: line 1: missing column(s) {', '.join(missing)}; the header is "
            f"{','.join(header)!s} but must contain {','.join(REQUIRED_COLUMNS)} "
            f"(optional: {','.join(OPTIONAL_COLUMNS)})")
    dupes = sorted({c for c in header if header.count(c) > 1})
    if dupes:
        raise InputDataError(f"{source}: line 1: duplicated column(s) {', '.join(dupes)}")
    extra = [c for c in header if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if extra:
        log.warning("%s: ignoring unknown column(s) %s", source, ", ".join(extra))
    return {c: header.index(c) for c in REQUIRED_COLUMNS + OPTIONAL_COLUMNS if c in header}


def _parse_record(cells: list[str], cols: dict[str, int], n_header: int, county_code: str,
                  years: tuple[int, int], names: frozenset[str] = frozenset()
                  ) -> tuple[dict | None, str | None]:
    """Parse one data record; return ``(record, None)`` or ``(None, reason)``.

    ``names``: normalized county names that may stand in the ``county_code`` cell for the
    file's code (bulletins transcribed with names; see :func:`read_bulletin`).
    """
    if len(cells) != n_header:
        return None, f"has {len(cells)} field(s), the header has {n_header} (truncated or shifted line?)"

    def cell(name: str) -> str:
        return cells[cols[name]] if name in cols else ""

    code = normalize_text(cell("county_code"))
    if code in names:
        code = county_code
    if not re.fullmatch(r"[0-9]{6}", code):
        known = " nor a name of this county in the county reference" if names else ""
        return None, f"county_code {cell('county_code').strip()!r} is not a 6-digit code{known}"
    if code != county_code:
        return None, f"county_code {code} differs from the file name's code {county_code}"
    year_text = normalize_text(cell("year")).removesuffix("年")  # "2015年" is the year 2015
    if not re.fullmatch(r"[0-9]{4}", year_text):
        return None, f"year {cell('year').strip()!r} is not a 4-digit year"
    year = int(year_text)
    if not years[0] <= year <= years[1]:
        return None, f"year {year} outside the study years {years[0]}-{years[1]}"
    indicator = canonical_indicator(cell("indicator"))
    if indicator is None:
        return None, f"unknown indicator {cell('indicator').strip()!r}"
    value, problem = parse_number(cell("value"))
    if problem:
        return None, f"{indicator}: {problem}"
    spec = INDICATORS[indicator]
    factor = unit_factor(indicator, cell("unit"))
    if factor is None:
        return None, (f"unit {cell('unit').strip()!r} not accepted for {indicator}; expected "
                      f"{' or '.join(spec.units)}")
    if value < 0 or (spec.strictly_positive and value == 0):
        return None, f"{indicator}: value {cell('value').strip()} must be " + (
            "positive" if spec.strictly_positive else "non-negative")
    return {
        "county_code": code,
        "county_name": cell("county_name").strip() or None,
        "year": year,
        "indicator": indicator,
        "value": value * factor,
        "unit": spec.canonical_unit,
        "raw_value": cell("value").strip(),
        "raw_unit": cell("unit").strip(),
        "factor": factor,
        "source": cell("source").strip() or None,
        "note": cell("note").strip() or None,
    }, None


def _resolve_duplicates(records: list[dict]) -> tuple[list[dict], list[tuple[int, str]]]:
    """Collapse identical duplicates of a (year, indicator); reject all rows of a conflict."""
    groups: dict[tuple[int, str], list[dict]] = {}
    for rec in records:
        groups.setdefault((rec["year"], rec["indicator"]), []).append(rec)
    kept: list[dict] = []
    rejected: list[tuple[int, str]] = []
    for (year, indicator), group in groups.items():
        first = group[0]
        if len(group) == 1:
            kept.append(first)
            continue
        values = [g["value"] for g in group]
        lines = ", ".join(str(g["line"]) for g in group)
        if all(abs(v - values[0]) <= 1e-9 * max(abs(values[0]), 1.0) for v in values):
            kept.append(first)
            rejected += [(g["line"], f"identical duplicate of line {first['line']} "
                                     f"({indicator} {year}); collapsed") for g in group[1:]]
        else:
            shown = "; ".join(f"line {g['line']}: {g['raw_value']} {g['raw_unit']}" for g in group)
            rejected += [(g["line"], f"conflicting values for {indicator} {year} on lines {lines} "
                                     f"({shown}); none kept") for g in group]
    return kept, rejected


def ingest_bulletin(data: bytes, source: str, county_code: str,
                    years: tuple[int, int] = (1949, 2100), names: Iterable[str] = ()
                    ) -> IngestResult:
    """Normalize one bulletin file's bytes.

    Parameters
    ----------
    data:
        The raw bytes of the file.
    source:
        The file's path as shown in messages and in the rejects' ``file`` column.
    county_code:
        The 6-digit code the file is named after; rows with another code are rejected.
    years:
        Inclusive range of accepted years; rows outside are rejected.
    names:
        Names of the county (any variant the county reference knows) that rows may carry in
        ``county_code`` instead of the code; they are resolved to ``county_code``.

    Returns
    -------
    IngestResult
        Kept records in canonical units (sorted by year and indicator) and rejects (sorted by
        line), with ``rows_in == len(records) + len(rejects)`` guaranteed.
    """
    text, encoding = decode_bytes(data, source)
    header, rows = _read_rows(text, source)
    cols = _check_header(header, source)
    if not rows:
        raise InputDataError(f"{source}: has a header but no data rows")
    name_set = frozenset(normalize_text(n) for n in names)
    parsed: list[dict] = []
    rejected: list[tuple[int, str]] = []
    raw_by_line = {line: raw for line, raw, _ in rows}
    for line, _raw, cells in rows:
        rec, reason = _parse_record(cells, cols, len(header), county_code, years, name_set)
        if rec is None:
            rejected.append((line, reason))
        else:
            rec["line"] = line
            parsed.append(rec)
    kept, dup_rejects = _resolve_duplicates(parsed)
    rejected += dup_rejects
    order = {name: i for i, name in enumerate(INDICATORS)}
    records = sorted(({c: rec.get(c) for c in RECORD_COLUMNS} for rec in kept),
                     key=lambda r: (r["year"], order[r["indicator"]]))
    rejects = [(source, line, escape_cell(raw_by_line[line]), escape_cell(reason))
               for line, reason in sorted(rejected)]
    if len(records) + len(rejects) != len(rows):
        raise AssertionError(f"{source}: row accounting broken: {len(rows)} in, "
                             f"{len(records)} kept, {len(rejects)} rejected")
    counts = {"rows_in": len(rows), "rows_kept": len(records), "rows_rejected": len(rejects),
              "duplicates_collapsed": sum("collapsed" in r for _, r in dup_rejects),
              "conflicts": sum("conflicting" in r for _, r in dup_rejects)}
    return IngestResult(records, rejects, encoding, len(rows), counts)


def check_file_name(path: str | Path) -> str:
    """Return the county code a bulletin file is named after, or raise naming the file."""
    name = Path(path).name
    if not FILE_NAME.fullmatch(name):
        raise InputDataError(
            f"{path}: bulletin files must be named <6-digit county code>.csv (e.g. 522727.csv)")
    return name[:-4]


def read_bulletin(path: str | Path, years: tuple[int, int], county_code: str | None = None,
                  names: Iterable[str] = ()) -> IngestResult:
    """Read and normalize the bulletin file at ``path``.

    ``county_code`` defaults to the file's name (``<county_code>.csv``); a file named by county
    name gets its code from the workflow, which resolved the name against the county reference,
    together with the county's ``names`` that rows may carry instead of the code.
    """
    if county_code is None:
        county_code = check_file_name(path)
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise InputDataError(f"{path}: cannot read the file ({err.strerror})") from None
    result = ingest_bulletin(data, str(path), county_code, years, names)
    log.info("%s: encoding %s; %d rows in = %d kept + %d rejected (%d identical duplicates "
             "collapsed, %d rows in conflicts)", path, result.encoding, result.rows_in,
             result.counts["rows_kept"], result.counts["rows_rejected"],
             result.counts["duplicates_collapsed"], result.counts["conflicts"])
    for _file, line, _raw, reason in result.reject_rows:
        log.info("%s: line %d rejected: %s", path, line, reason)
    return result


def write_outputs(result: IngestResult, csv_path: str | Path, records_path: str | Path,
                  rejects_path: str | Path, counts_path: str | Path) -> None:
    """Write one file's kept rows (parquet), rejects (CSV) and row accounting (JSON).

    Each file is written atomically; the counts last, so they never describe outputs that are
    not there.
    """
    write_rows_parquet(result.record_rows, RECORD_SCHEMA, records_path)
    write_rows_csv(REJECT_COLUMNS, result.reject_rows, rejects_path)
    write_json({"file": str(csv_path), "encoding": result.encoding, **result.counts}, counts_path)
