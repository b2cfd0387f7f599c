"""Ingestion of one raw bulletin CSV (the format: README "Using real bulletins").

A bulletin file is decoded (UTF-8 with or without BOM, or GB18030/GBK), parsed with its line
numbers kept, and every data row ends either in the normalized records or in the rejects with a
reason: ``rows_in == rows_kept + rows_rejected`` always holds, and :func:`ingest_bulletin`
checks it. Problems that make the whole file unusable (undecodable bytes, no header, missing
columns, no data rows, a second header with other columns) or show it is not this county's
(most rows carry another county's code, or name another place) raise
:class:`~countysurv.errors.InputDataError` naming the file and line.

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
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from .errors import InputDataError
from .indicators import (INDICATORS, agree_to_printed_precision, canonical_indicator, half_unit,
                         normalize_text, parse_value, unit_factor)
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


#: Unicode's private-use area: what Big5 (Traditional Chinese) bytes often become when they are
#: decoded as GB18030, which accepts most of them without an error.
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
#: Delimiters tried on the header line, in this order: a CSV saved by a spreadsheet in a
#: European locale uses semicolons, "Unicode text" or a database export tabs.
DELIMITERS = (",", ";", "\t")


def _delimiter(first_line: str) -> str:
    """The delimiter under which the header line holds every required column (default ``,``)."""
    for delim in DELIMITERS:
        cells = {normalize_text(c).lower() for c in first_line.split(delim)}
        if all(c in cells for c in REQUIRED_COLUMNS):
            return delim
    return ","


def _read_rows(text: str, source: str
               ) -> tuple[list[str], int, list[tuple[int, str, list[str]]]]:
    """Split decoded text into the header, its width and ``(line_number, raw_text, cells)`` records.

    Line numbers are 1-based physical lines of the file (the header is line 1); a quoted record
    spanning several lines is numbered by its first line. Blank lines, and lines of delimiters
    only (a spreadsheet's empty rows), are not records. The delimiter is the first of
    :data:`DELIMITERS` under which the header names every required column. Empty header cells at
    the end of the line (a spreadsheet's empty columns) are dropped from the header; the width
    returned counts them.
    """
    if text.strip() == "":
        raise InputDataError(f"{source}: file is empty; expected a header line "
                             f"{','.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)}")
    lines = text.splitlines()
    first = next(line for line in lines if line.strip())
    delim = _delimiter(first)
    if delim != ",":
        log.info("%s: fields are separated by %r", source, delim)
    reader = csv.reader(_io.StringIO(text, newline=""), strict=True, delimiter=delim)
    header: list[str] | None = None
    width = 0
    records: list[tuple[int, str, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            end = reader.line_num
            if header is None:
                if any(c.strip() for c in cells):
                    header, width = _header_cells(cells), len(cells)
            elif any(c.strip() for c in cells):
                records.append((start, "\n".join(lines[start - 1:end]), cells))
            start = end + 1
    except csv.Error as err:
        raise InputDataError(f"{source}: line {reader.line_num}: malformed CSV ({err})") from None
    return header or [], width, records


def _header_cells(cells: list[str]) -> list[str]:
    """Column names of a header line: normalized, lower case, trailing empty cells dropped."""
    names = [normalize_text(c).lower() for c in cells]
    while names and names[-1] == "":
        names.pop()
    return names


def _check_header(header: list[str], source: str) -> dict[str, int]:
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise InputDataError(
            f"{source}: line 1: missing column(s) {', '.join(missing)}; the header is "
            f"{','.join(header)!s} but must contain {','.join(REQUIRED_COLUMNS)} "
            f"(optional: {','.join(OPTIONAL_COLUMNS)})")
    dupes = sorted({c for c in header if c and header.count(c) > 1})
    if dupes:
        raise InputDataError(f"{source}: line 1: duplicated column(s) {', '.join(dupes)}")
    extra = [c or "(empty)" for c in header if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if extra:
        log.warning("%s: ignoring unknown column(s) %s", source, ", ".join(extra))
    return {c: header.index(c) for c in REQUIRED_COLUMNS + OPTIONAL_COLUMNS if c in header}


def _repeated_header(cells: list[str], header: list[str], line: int, source: str) -> str | None:
    """The reject reason of a header line repeated among the data (two exports joined), or None.

    A repeat with other columns than line 1 would have the rows below it read under the wrong
    columns: that stops the file with an error naming the line.
    """
    value_col = header.index("value")
    if value_col >= len(cells) or normalize_text(cells[value_col]).lower() != "value":
        return None  # a data row (checked on one cell: this runs for every row)
    names = _header_cells(cells)
    if not all(c in names for c in REQUIRED_COLUMNS):
        return None
    if names == header:
        return "a repeat of the header line 1 (files joined together?)"
    raise InputDataError(
        f"{source}: line {line}: a second header with other columns than line 1 "
        f"({','.join(names)} vs {','.join(header)}); the rows below it would be read under the "
        f"wrong columns: split the file at this line or give both parts the same column order")


#: Reasons given before a row's code is known to be the file's county (see _parse_record):
#: such rows do not vote on the file's county name.
_NOT_THIS_COUNTY = ("has ", "county_code ")
#: The reason of a row with another county's valid code (see _parse_code).
_OTHER_CODE = re.compile(r"county_code ([0-9]{6}) differs from the file name's code")
_SCIENTIFIC_CODE = re.compile(r"[0-9](\.[0-9]+)?[eE]\+?[0-9]+")
_YEAR = re.compile(r"([0-9]{4})(\.0+)?(年度?)?")


def _parse_code(text: str, county_code: str, names: frozenset[str]
                ) -> tuple[str | None, str | None]:
    """The row's county code, or the reason it is not this file's county.

    A name of the county (``names``) stands for its code; ``522727.0`` (a code column that a
    spreadsheet or pandas stored as floats) is the code 522727; a code in scientific notation
    (``5.22727E+05``) is refused: the digits a spreadsheet kept cannot be trusted.
    """
    if text == county_code:  # the common case
        return county_code, None
    code = normalize_text(text)
    if code in names:
        return county_code, None
    if _SCIENTIFIC_CODE.fullmatch(code):
        return None, (f"county_code {text.strip()!r} is in scientific notation (a spreadsheet "
                      f"turned the codes into numbers); re-export the column as text")
    code = re.sub(r"^([0-9]{6})\.0+$", r"\1", code)
    if not re.fullmatch(r"[0-9]{6}", code):
        known = " nor a name of this county in the county reference" if names else ""
        return None, f"county_code {text.strip()!r} is not a 6-digit code{known}"
    if code != county_code:
        level = (" (a prefecture- or province-level code: a row of the prefecture, not the "
                 "county?)" if code.endswith("00") else "")
        return None, f"county_code {code} differs from the file name's code {county_code}{level}"
    return code, None


def _parse_record(cells: list[str], cols: dict[str, int], n_header: int, county_code: str,
                  years: tuple[int, int], names: frozenset[str] = frozenset(),
                  width: int = 0) -> tuple[dict | None, str | None]:
    """Parse one data record; return ``(record, None)`` or ``(None, reason)``.

    ``names``: normalized county names that may stand in the ``county_code`` cell for the
    file's code (bulletins transcribed with names; see :func:`read_bulletin`). ``width``: the
    header line's width with its trailing empty cells; a row's cells past the last column name
    are ignored when they are empty and within that width (a spreadsheet's empty columns).
    """
    if n_header < len(cells) <= width and not any(c.strip() for c in cells[n_header:]):
        cells = cells[:n_header]
    if len(cells) != n_header:
        return None, f"has {len(cells)} field(s), the header has {n_header} (truncated or shifted line?)"

    def cell(name: str) -> str:
        return cells[cols[name]] if name in cols else ""

    code, problem = _parse_code(cell("county_code"), county_code, names)
    if problem:
        return None, problem
    year_text = cell("year")
    year_match = _YEAR.fullmatch(year_text if year_text.isascii() and year_text.isdigit()
                                 else normalize_text(year_text))  # 2015年, 2015年度, 2015.0
    if not year_match:
        return None, f"year {cell('year').strip()!r} is not a 4-digit year"
    year = int(year_match.group(1))
    if not years[0] <= year <= years[1]:
        return None, f"year {year} outside the study years {years[0]}-{years[1]}"
    indicator = canonical_indicator(cell("indicator"))
    if indicator is None:
        return None, f"unknown indicator {cell('indicator').strip()!r}"
    value, cell_unit, problem = parse_value(cell("value"))
    if problem:
        return None, f"{indicator}: {problem}"
    spec = INDICATORS[indicator]
    unit = cell("unit").strip()
    if cell_unit and not unit:
        unit = cell_unit
    elif cell_unit and unit_factor(indicator, unit) != unit_factor(indicator, cell_unit):
        return None, (f"{indicator}: the value {cell('value').strip()!r} carries the unit "
                      f"{cell_unit} but the unit column says {unit!r}")
    factor = unit_factor(indicator, unit)
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
        "raw_unit": unit,
        "factor": factor,
        "source": cell("source").strip() or None,
        "note": cell("note").strip() or None,
        "_half_unit": half_unit(cell("value"), factor),
    }, None


# --------------------------------------------------------------------------- county names

_ADMIN_SUFFIX = re.compile(r"(自治县|自治旗|特区|林区|县|市|区|旗)$")


@lru_cache(maxsize=None)
def _name_forms(name: str) -> tuple[tuple[str, str], ...]:
    """``(name, stem)`` pairs of a county name made comparable: normalized, and without its
    designation (县, 市, 区, 旗, 自治县); ``A（B）`` (new name with the old) gives A and B."""
    norm = normalize_text(name)
    m = re.fullmatch(r"(.+?)\((.+?)\)", norm)
    forms = (m.group(1), m.group(2)) if m else (norm,)
    return tuple((f, _ADMIN_SUFFIX.sub("", f)) for f in forms)


@lru_cache(maxsize=None)
def same_county(a: str, b: str) -> bool:
    """Whether two county names can name the same county, without a county list.

    Equal after normalization (spaces, full-width forms); equal but for the designation
    (县, 市, 区, 旗, 自治县: a county that became a city or district keeps its stem); or one the
    short form of the other's autonomous name (威宁县 and 威宁彝族回族苗族自治县). A
    sub-county (城关镇, 其中：城镇) or a prefecture (黔东南州) is not the county.
    """
    for x, sx in _name_forms(a):
        for y, sy in _name_forms(b):
            if x == y or (sx and sx == sy):
                return True
            for short, full in ((sx, y), (sy, x)):
                if (len(short) >= 2 and re.search(r"自治(县|旗)$", full)
                        and full.startswith(short)):
                    return True
    return False


def _check_names(rows: list[tuple[int, str]], parsed: list[dict], county_code: str,
                 names: frozenset[str], source: str) -> tuple[list[dict], list[tuple[int, str]]]:
    """Reject parsed rows whose ``county_name`` names another place than the file's county.

    ``rows`` are ``(line, county_name cell)`` of the data rows whose code is the file's county.
    With ``names`` (the county's names in the county reference) a row's name must agree with
    one of them; without, with the name most of these rows carry (:func:`same_county` decides
    agreement; an empty name agrees). When most named rows disagree with the reference, or no
    name is on most rows, the file is about another county (or several): that is an
    :class:`InputDataError` naming a line, not a quarantine of most of the file.
    """
    tally = Counter(name.strip() for _, name in rows if normalize_text(name))
    n_named = sum(tally.values())
    if not n_named:
        return parsed, []
    if names:
        def agrees(name: str) -> bool:
            return any(same_county(name, n) for n in names)
        shown = ", ".join(sorted(names)[:3])
        expected = f"a name of county {county_code} in the county reference ({shown})"
        n_against = sum(k for name, k in tally.items() if not agrees(name))
        broken = 2 * n_against > n_named
    else:
        share = {c: sum(k for n, k in tally.items() if same_county(c, n)) for c in tally}
        best = max(tally, key=lambda c: share[c])  # the first of equals: Counter keeps order

        def agrees(name: str) -> bool:
            return same_county(best, name)
        expected = f"the file's county {best!r} (on {share[best]} of {n_named} named rows)"
        n_against = n_named - share[best]
        broken = 2 * share[best] <= n_named
    if broken:
        line, name = next((ln, n.strip()) for ln, n in rows
                          if normalize_text(n) and not agrees(n.strip()))
        raise InputDataError(
            f"{source}: line {line}: county_name {name!r} is not {expected}, nor are "
            f"{n_against} of the file's {n_named} named rows: a bulletin file holds one county "
            f"(is the file mislabelled, or are two counties' files joined?)")
    kept: list[dict] = []
    rejected: list[tuple[int, str]] = []
    for rec in parsed:
        name = rec["county_name"] or ""
        if not name or agrees(name):
            kept.append(rec)
        elif normalize_text(name).startswith("其中"):
            rejected.append((rec["line"], f"county_name {name!r} is a sub-item (其中, of which) of "
                                          f"the county, not the county itself"))
        else:
            rejected.append((rec["line"], f"county_name {name!r} names another place: not "
                                          f"{expected}"))
    return kept, rejected


def _check_other_codes(other: list[tuple[int, str]], n_rows: int, county_code: str,
                       source: str) -> None:
    """Refuse a file most of whose rows carry another county's code (a mislabelled file).

    ``other`` are ``(line, code)`` of the rows with a valid code that is not ``county_code``.
    A few such rows are quarantined one by one; when they are more than half the file, the file
    is another county's, and quarantining it whole would hide that.
    """
    if 2 * len(other) <= n_rows:
        return
    code, n_code = Counter(c for _, c in other).most_common(1)[0]
    line = next(ln for ln, c in other if c == code)
    raise InputDataError(
        f"{source}: line {line}: {len(other)} of the file's {n_rows} rows carry another county's "
        f"code ({n_code} of them {code}), not the file name's {county_code}: is the file "
        f"mislabelled?")


def _resolve_duplicates(records: list[dict]) -> tuple[list[dict], list[tuple[int, str]]]:
    """Collapse agreeing duplicates of a (year, indicator); reject all rows of a conflict.

    Identical values keep the first row. Values that differ only by rounding (12.5 亿元 and
    124,589 万元: every two of them differ by at most half a unit of the coarser one's last
    digit, :func:`countysurv.indicators.agree_to_printed_precision`) keep the most precisely
    printed one. Any other difference is a conflict: none is kept.
    """
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
        shown = "; ".join(f"line {g['line']}: {g['raw_value']} {g['raw_unit']}" for g in group)
        if all(abs(v - values[0]) <= 1e-9 * max(abs(values[0]), 1.0) for v in values):
            kept.append(first)
            rejected += [(g["line"], f"identical duplicate of line {first['line']} "
                                     f"({indicator} {year}); collapsed") for g in group[1:]]
        elif all(agree_to_printed_precision(g["value"], h["value"], g["_half_unit"],
                                            h["_half_unit"]) for g in group for h in group):
            best = min(group, key=lambda g: g["_half_unit"])
            kept.append(best)
            rejected += [(g["line"], f"agrees with line {best['line']} to the printed precision "
                                     f"({indicator} {year}: {shown}); collapsed, the more "
                                     f"precise line {best['line']} kept")
                         for g in group if g is not best]
        else:
            rejected += [(g["line"], f"conflicting values for {indicator} {year} on lines {lines} "
                                     f"({shown}); none kept") for g in group]
    return kept, rejected


def ingest_bulletin(data: bytes, source: str, county_code: str,
                    years: tuple[int, int] = (1949, 2100), names: Iterable[str] = (),
                    allow_empty: bool = False) -> IngestResult:
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
        ``county_code`` instead of the code; they are resolved to ``county_code``. When given,
        a row's ``county_name`` must be one of them too; else it must agree with the name most
        of the file's rows carry (see :func:`_check_names`).
    allow_empty:
        Accept a header without data rows (zero rows in, kept and rejected). A hand-made file
        without rows is an error; a raw CSV written by the workflow (the values extracted from
        a county's bulletin texts, when none was read unambiguously) may be empty.

    Returns
    -------
    IngestResult
        Kept records in canonical units (sorted by year and indicator) and rejects (sorted by
        line), with ``rows_in == len(records) + len(rejects)`` guaranteed.
    """
    text, encoding = decode_bytes(data, source)
    if encoding == "gb18030" and (private := _PRIVATE_USE.search(text)):
        line = text.count("\n", 0, private.start()) + 1
        raise InputDataError(
            f"{source}: line {line}: decoded as GB18030 but holds a private-use character "
            f"(U+{ord(private.group()):04X}), which no printed text has: the file is in another "
            f"encoding (Big5, used for Traditional characters?); re-save it as UTF-8")
    header, width, rows = _read_rows(text, source)
    cols = _check_header(header, source)
    if not rows and not allow_empty:
        raise InputDataError(f"{source}: has a header but no data rows")
    name_set = frozenset(normalize_text(n) for n in names)
    parsed: list[dict] = []
    rejected: list[tuple[int, str]] = []
    row_names: list[tuple[int, str]] = []
    other_codes: list[tuple[int, str]] = []
    raw_by_line = {line: raw for line, raw, _ in rows}
    for line, _raw, cells in rows:
        reason = _repeated_header(cells, header, line, source)
        if reason is None:
            rec, reason = _parse_record(cells, cols, len(header), county_code, years, name_set,
                                        width)
            if rec is not None or not reason.startswith(_NOT_THIS_COUNTY):
                row_names.append((line, cells[cols["county_name"]]))
            elif other := _OTHER_CODE.match(reason):
                other_codes.append((line, other.group(1)))
        if reason is not None:
            rejected.append((line, reason))
        else:
            rec["line"] = line
            parsed.append(rec)
    _check_other_codes(other_codes, len(rows), county_code, source)
    named_ok, name_rejects = _check_names(row_names, parsed, county_code, name_set, source)
    kept, dup_rejects = _resolve_duplicates(named_ok)
    rejected += name_rejects + dup_rejects
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
                  names: Iterable[str] = (), allow_empty: bool = False) -> IngestResult:
    """Read and normalize the bulletin file at ``path``.

    ``county_code`` defaults to the file's name (``<county_code>.csv``); a file named by county
    name gets its code from the workflow, which resolved the name against the county reference,
    together with the county's ``names`` that rows may carry instead of the code.
    ``allow_empty``: see :func:`ingest_bulletin`.
    """
    if county_code is None:
        county_code = check_file_name(path)
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise InputDataError(f"{path}: cannot read the file ({err.strerror})") from None
    result = ingest_bulletin(data, str(path), county_code, years, names, allow_empty)
    log.info("%s: encoding %s; %d rows in = %d kept + %d rejected (%d agreeing duplicates "
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
