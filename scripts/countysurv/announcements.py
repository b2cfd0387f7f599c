"""Exit announcements: the day each province announced that a poverty county had exited.

The reconciled list of the 832 counties (``results/real/counties_832.csv``) gives each county's
exit batch (the year of the assessment) but not the day of the announcement, which the survival
outcome needs. ``data/reference/exit_announcements.csv`` is a reviewed table with one row per
provincial notice found in public sources; this module reads and checks it, matches it
to the 832 counties and reports, for every county, its date or why it has none.

Columns of the table:

* ``notice_id`` — a short key of the row (``GZ-2019``), unique;
* ``province`` — short name as in the 832 list (``贵州``);
* ``exit_batch`` — the exit batch (assessment year, 2016–2020) the notice concerns; a batch is
  usually announced in the following calendar year;
* ``announced_on`` — ISO date, or empty when the source states no day (then ``date_basis`` is
  ``not_stated`` and ``reported_on`` holds the date of the report that mentions the approval);
* ``date_basis`` — what the date is (:data:`DATE_BASES`);
* ``reported_on`` — optional ISO date of the report used as source;
* ``issuing_body``, ``document`` — who approved, and the document number or title where known;
* ``counties`` — the counties of the 832 list the notice names, as printed, ``;``-separated;
* ``batch_exceptions`` — counties of the row whose batch in the 832 list differs from
  ``exit_batch`` (``;``-separated); the reason goes in ``note``. Any other difference is an
  error;
* ``source_url``, ``source_title`` — the public source (at least one of the two);
* ``note`` — free text.

A county named in no dated notice stays undated, with the reason; nothing is inferred.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd

from .errors import InputDataError
from .io import read_text_table
from .reference import PROVINCE_CODES, CountyResolver, normalize_name

ANNOUNCEMENT_COLUMNS = (
    "notice_id", "province", "exit_batch", "announced_on", "date_basis", "reported_on",
    "issuing_body", "document", "counties", "batch_exceptions", "source_url", "source_title",
    "note",
)

#: What the date of a row is. Every basis is a day a source states, never an inferred one (when
#: a source gives the day without its year or month, they are those of the report's own date,
#: and the row's note says so).
DATE_BASES = {
    "notice_date": "the date printed on the provincial government's notice",
    "notice_published": "the day the notice was published (the source states the day)",
    "approval_reported": "the day the source states the provincial government approved the exit",
    "press_conference": "the day a provincial government press conference announced the approval",
    "not_stated": "the notice is reported but no day is stated; announced_on is empty",
}

#: The central decision on poverty alleviation (``policy_date`` in config.yaml): no exit can be
#: announced before it.
POLICY_DATE = dt.date(2015, 11, 29)
EXIT_BATCHES = range(2016, 2021)

DATED, UNDATED = "dated", "undated"


def split_counties(cell: str) -> list[str]:
    """The names of a ``counties`` (or ``batch_exceptions``) cell: ``;``-separated, stripped."""
    return [part.strip() for part in re.split(r"[;；]", cell) if part.strip()]


def _parse_date(text: str) -> dt.date | None:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def read_announcements(path: str | Path) -> pd.DataFrame:
    """Read ``exit_announcements.csv`` and check each row on its own.

    Checks: the columns; a unique, non-empty ``notice_id``; a known province; an exit batch in
    2016–2020; a source (URL or title); a known ``date_basis``; ``announced_on`` an ISO date not
    before the policy date (29 Nov 2015) — or empty exactly when the basis is ``not_stated``,
    in which case ``reported_on`` is required; ``reported_on`` (when given) an ISO date not before
    ``announced_on``; at least one county, none listed twice; batch exceptions among the row's
    counties. Every problem is collected and raised in one :class:`InputDataError` whose lines
    name the file and the line (header = line 1).

    Returns the table as text columns plus ``exit_batch`` (int), ``announced_on`` and
    ``reported_on`` (``datetime64``, NaT when empty), and ``line`` (the file line of the row).
    """
    df = read_text_table(path, ANNOUNCEMENT_COLUMNS, "exit announcements")
    df["line"] = range(2, len(df) + 2)
    problems: list[str] = []
    seen_ids: dict[str, int] = {}
    for row in df.to_dict("records"):
        where = f"{path}:{row['line']}"
        problems += [f"{where}: {p}" for p in _row_problems(row)]
        if row["notice_id"] in seen_ids:
            problems.append(f"{where}: notice_id {row['notice_id']!r} already used on line "
                            f"{seen_ids[row['notice_id']]}")
        seen_ids.setdefault(row["notice_id"], row["line"])
    if problems:
        raise InputDataError(f"{len(problems)} problem(s) in the exit announcements:\n"
                             + "\n".join(problems))
    df["exit_batch"] = df["exit_batch"].astype(int)
    for col in ("announced_on", "reported_on"):
        df[col] = pd.to_datetime(df[col].replace("", None), format="%Y-%m-%d")
    return df


def _row_problems(row: dict[str, str]) -> list[str]:
    """The problems of one row of the table on its own (text cells, as read)."""
    problems = []
    if not row["notice_id"]:
        problems.append("empty notice_id")
    if row["province"] not in PROVINCE_CODES:
        problems.append(f"unknown province {row['province']!r}; use the short name (贵州, 内蒙古)")
    batch = row["exit_batch"]
    if not (batch.isdigit() and int(batch) in EXIT_BATCHES):
        problems.append(f"exit_batch {batch!r} is not a year from {EXIT_BATCHES.start} to "
                        f"{EXIT_BATCHES.stop - 1}")
    if not row["source_url"] and not row["source_title"]:
        problems.append("no source: give source_url or source_title")
    problems += _date_problems(row)
    names = split_counties(row["counties"])
    if not names:
        problems.append("no county listed")
    norm = [normalize_name(n) for n in names]
    repeated = sorted({n for n in norm if norm.count(n) > 1})
    if repeated:
        problems.append(f"county listed twice: {', '.join(repeated)}")
    strays = [n for n in split_counties(row["batch_exceptions"]) if normalize_name(n) not in norm]
    if strays:
        problems.append(f"batch_exceptions not among the row's counties: {', '.join(strays)}")
    if row["batch_exceptions"] and not row["note"]:
        problems.append("batch_exceptions need their reason in note")
    return problems


def _date_problems(row: dict[str, str]) -> list[str]:
    """``date_basis``, ``announced_on`` and ``reported_on`` of one row, checked together."""
    problems = []
    basis, announced_text, reported_text = (row["date_basis"], row["announced_on"],
                                            row["reported_on"])
    if basis not in DATE_BASES:
        problems.append(f"date_basis {basis!r} is not one of {', '.join(DATE_BASES)}")
    announced = _parse_date(announced_text)
    if basis == "not_stated":
        if announced_text:
            problems.append(f"announced_on {announced_text!r} given with date_basis not_stated; "
                            "leave it empty or name the basis")
        if not reported_text:
            problems.append("date_basis not_stated needs reported_on (the date of the report)")
    elif announced is None:
        problems.append(f"announced_on {announced_text!r} is not an ISO date (YYYY-MM-DD)")
    elif announced < POLICY_DATE:
        problems.append(f"announced_on {announced_text} is before the policy date "
                        f"{POLICY_DATE.isoformat()}")
    if reported_text:
        reported = _parse_date(reported_text)
        if reported is None:
            problems.append(f"reported_on {reported_text!r} is not an ISO date (YYYY-MM-DD)")
        elif announced is not None and reported < announced:
            problems.append(f"reported_on {reported_text} is before announced_on "
                            f"{announced_text}")
        elif reported < POLICY_DATE:
            problems.append(f"reported_on {reported_text} is before the policy date "
                            f"{POLICY_DATE.isoformat()}")
    return problems


def match_counties(announcements: pd.DataFrame, counties_832: pd.DataFrame,
                   path: str | Path = "exit_announcements.csv") -> pd.DataFrame:
    """One row per (notice, county): each printed name resolved to its 2015 code in the 832 list.

    ``announcements`` comes from :func:`read_announcements`, ``counties_832`` is the reconciled
    list (``results/real/counties_832.csv``, read with
    :func:`countysurv.reference.read_county_reference`). Raises :class:`InputDataError`, naming
    ``path`` and the line, when a name does not resolve to exactly one county of the row's
    province, when a county's batch in the list differs from the row's ``exit_batch`` and the
    county is not in ``batch_exceptions``, and when a county is named by two rows.

    Columns: ``notice_id``, ``line``, ``printed_name``, ``county_code``, ``list_exit_year``,
    ``batch_exception`` (bool).
    """
    resolver = CountyResolver(counties_832)
    list_year = counties_832.set_index("county_code")["exit_year"].astype(int)
    rows, problems = [], []
    for ann in announcements.itertuples(index=False):
        where = f"{path}:{ann.line} ({ann.notice_id})"
        excepted = {normalize_name(n) for n in split_counties(ann.batch_exceptions)}
        for name in split_counties(ann.counties):
            try:
                code = resolver(name, province=ann.province)
            except InputDataError as err:
                problems.append(f"{where}: {err}")
                continue
            exception = normalize_name(name) in excepted
            year = int(list_year[code])
            if year != ann.exit_batch and not exception:
                problems.append(f"{where}: {name} ({code}) is in the {year} batch of the 832 "
                                f"list, not {ann.exit_batch}; list it in batch_exceptions with "
                                "the reason in note, or correct the row")
            rows.append({"notice_id": ann.notice_id, "line": ann.line, "printed_name": name,
                         "county_code": code, "list_exit_year": year,
                         "batch_exception": exception})
    matched = pd.DataFrame(rows, columns=["notice_id", "line", "printed_name", "county_code",
                                          "list_exit_year", "batch_exception"])
    twice = matched[matched.duplicated("county_code", keep=False)]
    for code, grp in twice.groupby("county_code", sort=True):
        names = ", ".join(f"{r.printed_name} on line {r.line} ({r.notice_id})"
                          for r in grp.itertuples())
        problems.append(f"{path}: county {code} is dated twice: {names}")
    if problems:
        raise InputDataError(f"{len(problems)} problem(s) matching the exit announcements to "
                             "the 832 counties:\n" + "\n".join(problems))
    return matched


def read_checked(path: str | Path, counties_832: pd.DataFrame
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`read_announcements` and :func:`match_counties` in one call: ``(table, matched)``."""
    announcements = read_announcements(path)
    return announcements, match_counties(announcements, counties_832, path)


def county_dates(announcements: pd.DataFrame, matched: pd.DataFrame,
                 counties_832: pd.DataFrame) -> pd.DataFrame:
    """One row per county of the 832: its announcement date, or why it has none.

    A county named in a notice with a stated day is ``dated`` with that day; every other county
    is ``undated`` with a reason: its notice states no day, or the notices found for its
    province and batch do not name it, or no notice was found for its province and batch.

    Columns: ``county_code``, ``province``, ``canonical_name``, ``exit_year``, ``announced_on``
    (``datetime64``, NaT when undated), ``status`` (dated/undated), ``reason`` (empty when
    dated), ``date_basis``, ``notice_id``, ``source_url``, ``source_title``, ``batch_note``
    (the row's note when the county's list batch differs from the notice's).
    """
    notices = announcements.set_index("notice_id")
    by_county = matched.set_index("county_code")
    found = announcements.groupby(["province", "exit_batch"])["notice_id"].agg(
        lambda ids: ", ".join(sorted(ids)))
    out = []
    for county in counties_832.itertuples(index=False):
        year = int(county.exit_year)
        rec = {"county_code": county.county_code, "province": county.province,
               "canonical_name": county.canonical_name, "exit_year": year,
               "announced_on": pd.NaT, "status": UNDATED, "reason": "", "date_basis": "",
               "notice_id": "", "source_url": "", "source_title": "", "batch_note": ""}
        if county.county_code in by_county.index:
            hit = by_county.loc[county.county_code]
            notice = notices.loc[hit["notice_id"]]
            rec.update(notice_id=hit["notice_id"], date_basis=notice["date_basis"],
                       source_url=notice["source_url"], source_title=notice["source_title"])
            if hit["batch_exception"]:
                rec["batch_note"] = notice["note"]
            if pd.isna(notice["announced_on"]):
                rec["reason"] = (f"notice {hit['notice_id']} names it but its source states no "
                                 f"day (reported on {notice['reported_on']:%Y-%m-%d})")
            else:
                rec.update(announced_on=notice["announced_on"], status=DATED)
        elif (county.province, year) in found.index:
            rec["reason"] = (f"not named in the notice(s) found for {county.province} {year} "
                             f"batch ({found[(county.province, year)]})")
        else:
            rec["reason"] = f"no provincial notice found for {county.province} {year} batch"
        out.append(rec)
    result = pd.DataFrame(out)
    result["announced_on"] = pd.to_datetime(result["announced_on"])
    return result.sort_values("county_code", ignore_index=True)


def coverage(dates: pd.DataFrame) -> pd.DataFrame:
    """Per province and exit batch of :func:`county_dates`: ``counties``, ``dated``, ``undated``.

    Rows are sorted by province code and batch; the counts of a row add up
    (``dated + undated == counties``).
    """
    grp = dates.assign(dated=dates["status"].eq(DATED)).groupby(["province", "exit_year"])
    table = grp.agg(counties=("county_code", "size"), dated=("dated", "sum")).reset_index()
    table["dated"] = table["dated"].astype(int)
    table["undated"] = table["counties"] - table["dated"]
    order = table["province"].map(PROVINCE_CODES)
    return (table.assign(_order=order).sort_values(["_order", "exit_year"])
            .drop(columns="_order").reset_index(drop=True))
