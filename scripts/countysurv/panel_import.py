"""Import of a county panel exported from a database into raw bulletin CSVs.

The raw bulletin format is that of README "Using real bulletins" (``BULLETIN_COLUMNS`` below).

A database export (CSMAR's county-economy tables, an EPS yearbook transcription) holds one file
per topic and one row per county and year, with a column per indicator. :func:`import_panel`
turns such files into the long raw bulletin rows that ingestion reads, one CSV per county, so
that ingestion, validation, the panel and the lineage apply unchanged: every value's ``source``
names the panel file and its physical line (``county_gdp.csv:1234``), and the lineage of a
covariate therefore reaches the row of the export it came from.

What is what lives in a *layout* (config ``real_study.layouts.<name>``), not in code: per file,
its key columns (year, county code, name, province) and, per value column, the indicator
wording and the unit written into the bulletin row (``万元``, ``万人``, ``万元/人``, ``元``).
The unit is passed on as printed; ingestion converts it with the indicator table of
:mod:`countysurv.indicators` (1 万元 = 10,000 元), so the raw value and its factor stay visible
in the lineage. Another export is another layout.

A file without a year column (``year: null`` in the layout) is a cross-section of time-invariant
county attributes (the terrain relief index): its values are dated to one year, the study's
baseline year, and their bulletin rows say so in ``note``.

Counties resolve to the 2015 code of the reconciled list (``results/real/counties_832.csv``):
by a code of either vintage (2015 or current), else by name within the province (every name
variant the list and :mod:`countysurv.reference` know). Every data row of every file ends in
exactly one of four places, and the counts add up per file::

    rows_read = rows_imported + rows_not_poverty + rows_outside_years + rows_quarantined

* *outside_years*: its year is outside the study years (counted, not looked at further);
* *not_poverty*: a well-formed code that is not one of the 832 counties, and a name that is not
  one of them in its province either (counted, with the number of such counties);
* *quarantined*: a malformed line, a year that is not a year (``2015.0`` is 2015), a county
  that does not resolve (no usable code and an unknown name, an ambiguous code or name, a code
  and a name that point at two different counties);
* *imported*: the row's value cells are taken, and each of them ends in exactly one place::

    cells_in = cells_written + cells_empty + cells_quarantined + cells_duplicate

  An empty cell (or a missing-value marker such as ``NA`` or ``-``) is a missing value, not an
  error. A cell that is not a number is quarantined. Two cells for the same county, year and
  indicator (two rows of one county, e.g. under codes of two vintages) are a duplicate: equal
  values are collapsed into the first (the others quarantined as "identical duplicate"),
  different values are all quarantined (none kept).

The quarantine file lists every quarantined row or cell with the file, line, column (empty for a
whole row), reason and the raw line.

The workflow calls :func:`list_counties` at parse time (the counties whose CSVs the rule
``import_panel`` in rules/real_study.smk declares) and :func:`run_import` plus
:func:`write_outputs` in the rule's job; both run the same import, so they agree.
"""

from __future__ import annotations

import csv
import io as _io
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Mapping, Sequence

from .bulletins import decode_bytes
from .errors import ConfigError, InputDataError
from .indicators import INDICATORS, canonical_indicator, normalize_text, parse_number, unit_factor
from .io import escape_cell, write_json, write_rows_csv, write_text
from .reference import (name_index, name_parts, normalize_name, province_short_name,
                        read_county_reference)

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

#: Columns of a raw bulletin CSV (README "Using real bulletins"), as written by the import.
BULLETIN_COLUMNS = ("county_code", "county_name", "year", "indicator", "value", "unit", "source",
                    "note")
#: Columns of the quarantine file.
QUARANTINE_COLUMNS = ("file", "line", "column", "reason", "raw")

_YEAR = re.compile(r"^([0-9]{4})(\.0*)?$")          # 2015, 2015.0 (exports write floats), 2015年
_CODE = re.compile(r"^([0-9]{6})((0{6})?(\.0*)?)$")  # 522636, 522636.0, 522636000000
_PLAIN = re.compile(r"^[0-9]+(\.[0-9]+)?$")         # a number parse_number reads as float(text)
_MISSING = ("empty value", "missing-value marker")  # parse_number reasons that mean "no value"


# --- the layout -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ValueColumn:
    """One value column of a panel file: the indicator wording and unit its cells are written with.

    ``canonical`` is the indicator it maps to and ``factor`` the conversion of ``unit`` to the
    indicator's canonical unit (both from the indicator table; used to compare duplicates).
    """

    column: str
    indicator: str
    unit: str
    canonical: str
    factor: float


@dataclass(frozen=True)
class PanelFile:
    """One file of a layout: its name, key columns and value columns.

    ``year`` is ``None`` for a cross-section (time-invariant attributes). ``code``, ``name`` and
    ``province`` name the key columns (``None`` when the export lacks one; a code or a name is
    needed).
    """

    key: str
    file: str
    year: str | None
    code: str | None
    name: str | None
    province: str | None
    columns: tuple[ValueColumn, ...]


def parse_layout(layout: Mapping[str, Any], where: str = "layout") -> tuple[PanelFile, ...]:
    """Check a layout (``real_study.layouts.<name>`` of config.yaml) and return its files.

    Every value column must map to an indicator the indicator table knows, in a unit accepted
    for it; otherwise :class:`ConfigError` names the config key and the accepted units.
    ``where`` is the config path shown in messages (e.g. ``real_study.layouts.csmar``).
    """
    files = layout.get("files") or {}
    if not files:
        raise ConfigError(f"config {where}.files: no panel files")
    out = []
    for key, spec in files.items():
        here = f"{where}.files.{key}"
        if "year" not in spec:
            raise ConfigError(f"config {here}: give the year column, or year: null for a "
                              "cross-section of time-invariant attributes")
        if not spec.get("code") and not spec.get("name"):
            raise ConfigError(f"config {here}: needs a code column or a name column (or both)")
        columns = []
        for column, target in (spec.get("columns") or {}).items():
            canonical = canonical_indicator(str(target["indicator"]))
            if canonical is None:
                raise ConfigError(
                    f"config {here}.columns.{column}: indicator {target['indicator']!r} is not "
                    f"a canonical indicator or an alias of one (countysurv/indicators.py)")
            factor = unit_factor(canonical, str(target["unit"]))
            if factor is None:
                raise ConfigError(
                    f"config {here}.columns.{column}: unit {target['unit']!r} is not accepted "
                    f"for {canonical}; expected {' or '.join(INDICATORS[canonical].units)}")
            columns.append(ValueColumn(column, str(target["indicator"]), str(target["unit"]),
                                       canonical, factor))
        if not columns:
            raise ConfigError(f"config {here}.columns: no value columns")
        out.append(PanelFile(key, str(spec["file"]), spec.get("year") or None,
                             spec.get("code") or None, spec.get("name") or None,
                             spec.get("province") or None, tuple(columns)))
    names = [f.file for f in out]
    if len(set(names)) != len(names):
        raise ConfigError(f"config {where}.files: a file is listed twice ({names})")
    return tuple(out)


def layout_paths(panel_dir: str | Path, layout: Mapping[str, Any]) -> list[str]:
    """The paths of a layout's files under ``panel_dir`` (the import rule's inputs)."""
    return [str(Path(panel_dir) / spec["file"]) for spec in (layout.get("files") or {}).values()]


# --- county resolution ----------------------------------------------------------------------


@dataclass(frozen=True)
class Resolution:
    """Where a row's county went: ``status`` and, when resolved, the 2015 code.

    ``status`` is ``code_2015``, ``code_current``, ``name`` (name within province) — the three
    resolved cases — or ``not_poverty`` or ``unresolved``; ``reason`` explains the last two and
    resolutions by name.
    """

    status: str
    county_code: str | None = None
    reason: str = ""


class PanelCountyResolver:
    """Resolve a row's (code, name, province) cells against the reconciled 832-county list.

    The rules, in order: a code of either vintage that names one county resolves, unless the
    row's name names another county in its province (then the row is unresolved: code and
    name disagree); a code shared by two counties (a merger) resolves only when the name picks
    one; without a poverty-county code, a name that names exactly one county in its province
    resolves; otherwise a well-formed code is a county outside the 832 (``not_poverty``) and
    anything else is unresolved. Results are cached per distinct key (an export repeats each
    county once per year).
    """

    def __init__(self, reference: pd.DataFrame) -> None:
        self.reference = reference
        self.names = dict(zip(reference["county_code"], reference["canonical_name"]))
        self._by_2015 = set(reference["county_code"])
        self._by_current: dict[str, set[str]] = {}
        for code_2015, code_current in zip(reference["county_code"], reference["code_current"]):
            if code_current:
                self._by_current.setdefault(code_current, set()).add(code_2015)
        self._index = {province: name_index(reference[reference["province"] == province])
                       for province in sorted(set(reference["province"]))}
        self._index[None] = name_index(reference)
        self._cache: dict[tuple[str, str, str], Resolution] = {}

    def _name_hits(self, name: str, province: str | None) -> set[str]:
        index = self._index.get(province, {})
        for part in name_parts(name):
            if part in index:
                return set(index[part])
        return set()

    def _label(self, codes: set[str]) -> str:
        return ", ".join(f"{c} {self.names[c]}" for c in sorted(codes))

    def __call__(self, code_cell: str, name_cell: str, province_cell: str) -> Resolution:
        key = (code_cell, name_cell, province_cell)
        if key not in self._cache:
            self._cache[key] = self._resolve(code_cell, name_cell, province_cell)
        return self._cache[key]

    def _resolve(self, code_cell: str, name_cell: str, province_cell: str) -> Resolution:
        match = _CODE.fullmatch(normalize_text(code_cell))
        code = match.group(1) if match else None
        name = normalize_name(name_cell)
        province = province_short_name(province_cell) if province_cell.strip() else None
        if province_cell.strip() and province is None:
            where = f" (province {province_cell.strip()!r} not recognised)"
            name_hits: set[str] = set()
        else:
            where = f" in {province}" if province else ""
            name_hits = self._name_hits(name, province) if name else set()
        if code in self._by_2015:
            code_hits, status = {code}, "code_2015"
        else:
            code_hits, status = self._by_current.get(code or "", set()), "code_current"
        if len(code_hits) == 1:
            if name_hits and code_hits.isdisjoint(name_hits):
                return Resolution("unresolved", reason=(
                    f"code {code} is {self._label(code_hits)} but name {name_cell.strip()!r}"
                    f"{where} is {self._label(name_hits)}; correct the row"))
            return Resolution(status, next(iter(code_hits)))
        if len(code_hits) > 1:
            picked = code_hits & name_hits
            if len(picked) == 1:
                return Resolution("name", next(iter(picked)), (
                    f"code {code} is shared by {self._label(code_hits)}; name "
                    f"{name_cell.strip()!r} picks one"))
            return Resolution("unresolved", reason=(
                f"code {code} is shared by {self._label(code_hits)} and name "
                f"{name_cell.strip()!r}{where} does not pick one"))
        if len(name_hits) == 1:
            shown = f"code {code}" if code else f"code cell {code_cell.strip()!r}"
            return Resolution("name", next(iter(name_hits)), (
                f"resolved by name {name_cell.strip()!r}{where}; {shown} is not a "
                "poverty-county code"))
        if len(name_hits) > 1:
            return Resolution("unresolved", reason=(
                f"name {name_cell.strip()!r}{where} is ambiguous: {self._label(name_hits)}, and "
                f"code cell {code_cell.strip()!r} does not pick one"))
        if code:
            return Resolution("not_poverty")
        return Resolution("unresolved", reason=(
            f"code cell {code_cell.strip()!r} is not a 6-digit code and name "
            f"{name_cell.strip()!r}{where} is not one of the {len(self._by_2015)} counties"))


# --- reading a panel file -------------------------------------------------------------------


def _read_records(path: Path) -> tuple[list[str], list[str], Iterator[tuple[int, int, list[str]]]]:
    """Decode a panel file; return its header, its lines and ``(first, last, cells)`` per record.

    ``first`` and ``last`` are the 1-based physical lines of a record (the header is line 1;
    a quoted record may span lines; ``lines[first - 1:last]`` is its raw text); blank lines
    are not records.
    """
    try:
        data = path.read_bytes()
    except OSError as err:
        raise InputDataError(f"{path}: cannot read the panel file ({err.strerror}); check "
                             "config real_study.panel_dir") from None
    text, _encoding = decode_bytes(data, str(path))
    reader = csv.reader(_io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise InputDataError(f"{path}: file is empty; expected a header line") from None
    except csv.Error as err:
        raise InputDataError(f"{path}: line 1: malformed CSV ({err})") from None
    header = [normalize_text(c) for c in header]

    def records() -> Iterator[tuple[int, int, list[str]]]:
        start = reader.line_num + 1
        try:
            for cells in reader:
                end = reader.line_num
                if any(cells):
                    yield start, end, cells
                start = end + 1
        except csv.Error as err:
            raise InputDataError(f"{path}: line {reader.line_num}: malformed CSV ({err})"
                                 ) from None

    return header, text.splitlines(), records()


def _column_positions(header: list[str], spec: PanelFile, path: Path) -> dict[str, int]:
    wanted = [c for c in (spec.year, spec.code, spec.name, spec.province) if c]
    wanted += [v.column for v in spec.columns]
    folded = [h.casefold() for h in header]
    missing = [c for c in wanted if normalize_text(c).casefold() not in folded]
    if missing:
        raise InputDataError(f"{path}: line 1: missing column(s) {', '.join(missing)} of layout "
                             f"file {spec.key!r}; the header is {','.join(header)}")
    return {c: folded.index(normalize_text(c).casefold()) for c in wanted}


# --- the import -----------------------------------------------------------------------------


@dataclass(slots=True)
class _Cell:
    county: str
    year: int
    column: ValueColumn
    text: str
    value: float
    file_order: tuple[int, int, int]  # (file, line, column): the order rows are written in
    source: str
    note: str
    file: str
    line: int
    raw: str


@dataclass
class ImportResult:
    """The outcome of an import: bulletin rows per county, quarantine rows and counts.

    ``bulletins`` maps a 2015 county code to its rows (tuples in :data:`BULLETIN_COLUMNS`
    order, sorted by year and then by file, line and column); ``quarantine`` holds
    ``(file, line, column, reason, raw)`` tuples sorted by file, line and column; ``counts`` is
    the accounting written to ``counts.json``.
    """

    bulletins: dict[str, list[tuple[Any, ...]]]
    quarantine: list[tuple[Any, ...]]
    counts: dict[str, Any] = field(default_factory=dict)

    def csv_text(self, county: str) -> str:
        """One county's bulletin CSV, exactly as :func:`write_outputs` writes it."""
        return bulletin_csv_text(self.bulletins[county])


def bulletin_csv_text(rows: Sequence[Sequence[Any]]) -> str:
    """The text of a raw bulletin CSV with these rows (UTF-8, LF, formula-escaped cells)."""
    buffer = _io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(BULLETIN_COLUMNS)
    writer.writerows([escape_cell(c) if isinstance(c, str) else c for c in row] for row in rows)
    return buffer.getvalue()


_ROW_KEYS = ("rows_read", "rows_imported", "rows_not_poverty", "rows_outside_years",
             "rows_quarantined")
_CELL_KEYS = ("cells_in", "cells_written", "cells_empty", "cells_quarantined", "cells_duplicate")


def import_panel(panel_dir: str | Path, files: Sequence[PanelFile], reference: pd.DataFrame,
                 years: tuple[int, int], cross_section_year: int) -> ImportResult:
    """Turn a county panel into raw bulletin rows per county (see the module docstring).

    Parameters
    ----------
    panel_dir:
        Folder holding the layout's files.
    files:
        The layout, from :func:`parse_layout`.
    reference:
        The reconciled county list (:func:`countysurv.reference.read_county_reference`).
    years:
        Inclusive study years; rows of other years are counted as ``rows_outside_years``.
    cross_section_year:
        The year a cross-section file's values are dated to (the study's baseline year).

    Returns
    -------
    ImportResult
        Per file, ``rows_read`` equals imported + not-poverty + outside-years + quarantined rows
        and ``cells_in`` equals written + empty + quarantined + duplicate cells; checked here.
    """
    if not years[0] <= cross_section_year <= years[1]:
        raise ConfigError(f"cross-section year {cross_section_year} is outside the study years "
                          f"{years[0]}-{years[1]}")
    resolver = PanelCountyResolver(reference)
    quarantine: list[tuple[tuple[int, int, int], tuple[Any, ...]]] = []
    cells: list[_Cell] = []
    per_file: dict[str, dict[str, Any]] = {}
    for f_index, spec in enumerate(files):
        path = Path(panel_dir) / spec.file
        counts, file_cells, file_quarantine = _import_file(
            path, f_index, spec, resolver, years, cross_section_year)
        per_file[spec.key] = counts
        cells += file_cells
        quarantine += file_quarantine
    kept, dup_quarantine, dup_counts = _resolve_duplicates(cells)
    quarantine += dup_quarantine
    for f_index, n in dup_counts.items():
        per_file[files[f_index].key]["cells_duplicate"] += n
        per_file[files[f_index].key]["cells_written"] -= n
    bulletins: dict[str, list[tuple[Any, ...]]] = {}
    for cell in sorted(kept, key=lambda c: (c.county, c.year, c.file_order)):
        bulletins.setdefault(cell.county, []).append((
            cell.county, resolver.names[cell.county], cell.year, cell.column.indicator,
            cell.text, cell.column.unit, cell.source, cell.note))
    for spec in files:
        _check_accounting(per_file[spec.key], spec.file)
    totals = {k: sum(c[k] for c in per_file.values()) for k in _ROW_KEYS + _CELL_KEYS}
    missing = sorted(set(reference["county_code"]) - set(bulletins))
    counts = {
        "years": list(years),
        "cross_section_year": cross_section_year,
        "files": per_file,
        "totals": totals,
        "quarantine_rows": len(quarantine),
        "counties_imported": len(bulletins),
        "bulletin_rows": sum(len(rows) for rows in bulletins.values()),
        "reference_counties": len(reference),
        "reference_counties_without_values": len(missing),
        "reference_counties_without_values_list": missing,
    }
    if totals["rows_quarantined"] + totals["cells_quarantined"] + totals["cells_duplicate"] \
            != len(quarantine):
        raise AssertionError(f"quarantine accounting broken: {len(quarantine)} quarantine rows, "
                             f"counts {totals}")
    return ImportResult(bulletins, [row for _, row in sorted(quarantine, key=lambda q: q[0])],
                        counts)


def _import_file(path: Path, f_index: int, spec: PanelFile, resolver: PanelCountyResolver,
                 years: tuple[int, int], cross_section_year: int
                 ) -> tuple[dict[str, Any], list[_Cell], list[tuple[tuple[int, int, int], tuple]]]:
    """One file's rows: its counts, its value cells and its quarantined rows and cells."""
    header, lines, records = _read_records(path)
    pos = _column_positions(header, spec, path)
    counts: dict[str, Any] = {"file": spec.file, **{k: 0 for k in _ROW_KEYS + _CELL_KEYS}}
    resolved_by: Counter[str] = Counter()
    counties: dict[str, set[str]] = {"poverty": set(), "not_poverty": set()}
    cells: list[_Cell] = []
    quarantine: list[tuple[tuple[int, int, int], tuple]] = []
    cs_note = (f"time-invariant county attribute (a cross-section without a year), dated to "
               f"the baseline year {cross_section_year}")

    def cell_of(cells_: list[str], column: str | None) -> str:
        return cells_[pos[column]] if column else ""

    def reject(line: int, col: int, column: str, reason: str, raw: str) -> None:
        quarantine.append(((f_index, line, col), (spec.file, line, column, reason,
                                                   escape_cell(raw))))

    for line, last, row in records:
        raw = "\n".join(lines[line - 1:last]) if last > line else lines[line - 1]
        counts["rows_read"] += 1
        if len(row) != len(header):
            counts["rows_quarantined"] += 1
            reject(line, -1, "", f"has {len(row)} field(s), the header has {len(header)} "
                                 "(truncated or shifted line?)", raw)
            continue
        if spec.year is None:
            year = cross_section_year
        else:
            year_cell = cell_of(row, spec.year)
            match = (_YEAR.fullmatch(year_cell)
                     or _YEAR.fullmatch(normalize_text(year_cell).removesuffix("年")))
            if not match:
                counts["rows_quarantined"] += 1
                reject(line, -1, spec.year, f"year {cell_of(row, spec.year).strip()!r} is not "
                                            "a 4-digit year", raw)
                continue
            year = int(match.group(1))
            if not years[0] <= year <= years[1]:
                counts["rows_outside_years"] += 1
                continue
        code_cell, name_cell = cell_of(row, spec.code), cell_of(row, spec.name)
        res = resolver(code_cell, name_cell, cell_of(row, spec.province))
        if res.status == "not_poverty":
            counts["rows_not_poverty"] += 1
            counties["not_poverty"].add(normalize_text(code_cell)[:6])
            continue
        if res.status == "unresolved":
            counts["rows_quarantined"] += 1
            reject(line, -1, spec.code or spec.name or "", f"county not resolved: {res.reason}",
                   raw)
            continue
        counts["rows_imported"] += 1
        resolved_by[res.status] += 1
        counties["poverty"].add(res.county_code)
        note = "; ".join(n for n in (res.reason, cs_note if spec.year is None else "") if n)
        for c_index, column in enumerate(spec.columns):
            counts["cells_in"] += 1
            text = row[pos[column.column]].strip()
            if _PLAIN.fullmatch(text):  # fast path for what exports write: 244394.0
                value, problem = float(text), None
            else:
                value, problem = parse_number(text)
            if problem is not None and problem.startswith(_MISSING):
                counts["cells_empty"] += 1
                continue
            if problem is not None:
                counts["cells_quarantined"] += 1
                reject(line, c_index, column.column, f"{column.column} ({column.canonical}): "
                                                     f"{problem}", raw)
                continue
            counts["cells_written"] += 1
            cells.append(_Cell(res.county_code, year, column, text, value * column.factor,
                               (f_index, line, c_index), f"{spec.file}:{line}", note, spec.file,
                               line, raw))
    counts["resolved_by"] = {k: resolved_by[k] for k in ("code_2015", "code_current", "name")}
    counts["poverty_counties"] = len(counties["poverty"])
    counts["not_poverty_counties"] = len(counties["not_poverty"])
    log.info("%s: %d rows = %d imported (%d by 2015 code, %d by current code, %d by name) + %d "
             "not poverty counties (%d counties) + %d outside %d-%d + %d quarantined; cells %d = "
             "%d written + %d empty + %d quarantined (duplicates counted after all files)",
             path, counts["rows_read"], counts["rows_imported"], resolved_by["code_2015"],
             resolved_by["code_current"], resolved_by["name"], counts["rows_not_poverty"],
             counts["not_poverty_counties"], counts["rows_outside_years"], years[0], years[1],
             counts["rows_quarantined"], counts["cells_in"], counts["cells_written"],
             counts["cells_empty"], counts["cells_quarantined"])
    return counts, cells, quarantine


def _resolve_duplicates(cells: list[_Cell]
                        ) -> tuple[list[_Cell], list[tuple[tuple[int, int, int], tuple]],
                                   Counter[int]]:
    """Keep one cell per (county, year, indicator): collapse equal duplicates, drop conflicts.

    Returns the kept cells, the quarantine rows of the others and the number of quarantined
    duplicate cells per file (keyed by the file's position in the layout).
    """
    first_of: dict[tuple[str, int, str], _Cell] = {}
    groups: dict[tuple[str, int, str], list[_Cell]] = {}
    for cell in cells:
        key = (cell.county, cell.year, cell.column.canonical)
        if key in first_of:
            groups.setdefault(key, [first_of[key]]).append(cell)
        else:
            first_of[key] = cell
    kept = [cell for key, cell in first_of.items() if key not in groups]
    quarantine: list[tuple[tuple[int, int, int], tuple]] = []
    per_file: Counter[int] = Counter()
    for (county, year, indicator), group in groups.items():
        group.sort(key=lambda c: c.file_order)
        first = group[0]
        same = all(abs(c.value - first.value) <= 1e-9 * max(abs(first.value), 1.0) for c in group)
        if same:
            kept.append(first)
            dropped = group[1:]
            reason = (f"identical duplicate of {first.source} ({indicator} {year} of county "
                      f"{county}); collapsed")
        else:
            dropped = group
            shown = "; ".join(f"{c.source} {c.column.column}={c.text}" for c in group)
            reason = f"conflicting values for {indicator} {year} of county {county} ({shown}); none kept"
        for c in dropped:
            per_file[c.file_order[0]] += 1
            quarantine.append((c.file_order, (c.file, c.line, c.column.column, reason,
                                              escape_cell(c.raw))))
    return kept, quarantine, per_file


def _check_accounting(counts: dict[str, Any], file: str) -> None:
    rows = counts["rows_imported"] + counts["rows_not_poverty"] + counts["rows_outside_years"] \
        + counts["rows_quarantined"]
    cells = counts["cells_written"] + counts["cells_empty"] + counts["cells_quarantined"] \
        + counts["cells_duplicate"]
    if rows != counts["rows_read"] or cells != counts["cells_in"]:
        raise AssertionError(f"{file}: accounting broken: {counts}")


# --- the workflow's entry points ------------------------------------------------------------


def run_import(panel_dir: str | Path, layout: Mapping[str, Any], layout_name: str,
               reference_path: str | Path, years: tuple[int, int], cross_section_year: int
               ) -> ImportResult:
    """Read the reference, check the layout and import the panel (what the rule and the
    parse-time county list both run, so that they agree)."""
    files = parse_layout(layout, f"real_study.layouts.{layout_name}")
    return import_panel(panel_dir, files, read_county_reference(reference_path), years,
                        cross_section_year)


def list_counties(panel_dir: str | Path, layout: Mapping[str, Any], layout_name: str,
                  reference_path: str | Path, years: tuple[int, int], cross_section_year: int
                  ) -> list[str]:
    """The 2015 codes of the counties an import will write a bulletin CSV for, sorted.

    For the workflow at parse time (the import rule's outputs and the per-county ingestion
    jobs). It runs the same import in memory, nothing written, rather than reading only the key
    columns: a county whose rows hold no usable value in the study years gets no file (ingestion
    refuses a file without data rows), and only the import knows which those are.
    """
    return sorted(run_import(panel_dir, layout, layout_name, reference_path, years,
                             cross_section_year).bulletins)


def write_folder(result: ImportResult, folder: str | Path, quarantine_path: str | Path,
                 counts_path: str | Path) -> None:
    """Write one CSV per imported county into ``folder`` (``<county_code>.csv``), the
    quarantine and the counts: the outputs of the workflow's checkpoint ``import_panel``, whose
    county files are known only once the import has run."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    write_outputs(result, [folder / f"{code}.csv" for code in sorted(result.bulletins)],
                  quarantine_path, counts_path)


def write_outputs(result: ImportResult, bulletin_paths: Sequence[str | Path],
                  quarantine_path: str | Path, counts_path: str | Path) -> None:
    """Write one CSV per county to ``bulletin_paths`` (named ``<county_code>.csv``), the
    quarantine and the counts (last, so they never describe files that are not there).

    The paths are the rule's declared outputs, listed when the workflow was parsed; when they
    are not exactly the counties of the import (the panel or the county list changed since),
    raises :class:`InputDataError` saying which and to rerun.
    """
    by_code = {Path(p).stem: Path(p) for p in bulletin_paths}
    extra, absent = sorted(set(result.bulletins) - set(by_code)), sorted(set(by_code) - set(result.bulletins))
    if extra or absent:
        raise InputDataError(
            f"the import yields {len(result.bulletins)} counties but the workflow declared "
            f"{len(by_code)} bulletin files (not declared: {extra[:5]}; declared without data: "
            f"{absent[:5]}): the panel files or the county list changed after the workflow "
            "was parsed; run snakemake again")
    for code, path in sorted(by_code.items()):
        write_text(result.csv_text(code), path)
    write_rows_csv(QUARANTINE_COLUMNS, result.quarantine, quarantine_path)
    write_json(result.counts, counts_path)
    totals = result.counts["totals"]
    log.info("all files: %d rows = %d imported + %d not poverty counties + %d outside the study "
             "years + %d quarantined; %d cells = %d written + %d empty + %d quarantined + %d "
             "duplicates; %d bulletin rows for %d counties; %d quarantine rows; %d of the %d "
             "reference counties without any value", totals["rows_read"],
             totals["rows_imported"], totals["rows_not_poverty"], totals["rows_outside_years"],
             totals["rows_quarantined"], totals["cells_in"], totals["cells_written"],
             totals["cells_empty"], totals["cells_quarantined"], totals["cells_duplicate"],
             result.counts["bulletin_rows"], len(result.bulletins), len(result.quarantine),
             result.counts["reference_counties_without_values"],
             result.counts["reference_counties"])
