"""The survival dataset: one row per county, time from the policy date to exit (DESIGN 4, 5)."""

from __future__ import annotations

import csv
import io as _io
import logging
import re
from pathlib import Path

import pandas as pd

from .bulletins import decode_bytes
from .errors import InputDataError
from .indices import PANEL_COVARIATES
from .io import validate
from .schemas import SURVIVAL_COLUMNS, CountyReference

log = logging.getLogger(__name__)

REFERENCE_COLUMNS = ("county_code", "county_name", "province", "ethnic_area", "announced_on")


def read_reference(path: str | Path) -> pd.DataFrame:
    """Read the county reference list (``data/counties.csv``), checking every row.

    Raises :class:`InputDataError` naming the file, the line and the problem for: missing
    columns, a code that is not 6 digits, a duplicated code, ``ethnic_area`` not 0/1, or an
    ``announced_on`` that is not an ISO date (YYYY-MM-DD) or empty.
    """
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise InputDataError(f"{path}: cannot read the county reference ({err.strerror})") from None
    text, _ = decode_bytes(data, str(path))
    rows = list(csv.reader(_io.StringIO(text, newline="")))
    if not rows:
        raise InputDataError(f"{path}: file is empty; expected columns {','.join(REFERENCE_COLUMNS)}")
    header = [h.strip().lower() for h in rows[0]]
    missing = [c for c in REFERENCE_COLUMNS if c not in header]
    if missing:
        raise InputDataError(f"{path}: line 1: missing column(s) {', '.join(missing)}")
    problems: list[str] = []
    records = []
    seen: dict[str, int] = {}
    for line, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            problems.append(f"line {line}: {len(cells)} fields, header has {len(header)}")
            continue
        rec = {c: cells[header.index(c)].strip() for c in REFERENCE_COLUMNS}
        if not re.fullmatch(r"[0-9]{6}", rec["county_code"]):
            problems.append(f"line {line}: county_code {rec['county_code']!r} is not 6 digits")
        elif rec["county_code"] in seen:
            problems.append(f"line {line}: county_code {rec['county_code']} repeats line "
                            f"{seen[rec['county_code']]}")
        else:
            seen[rec["county_code"]] = line
        if rec["ethnic_area"] not in {"0", "1"}:
            problems.append(f"line {line}: ethnic_area {rec['ethnic_area']!r} is not 0 or 1")
        date = rec["announced_on"]
        parsed = pd.to_datetime(date, format="%Y-%m-%d", errors="coerce") if date else pd.NaT
        if date and pd.isna(parsed):
            problems.append(f"line {line}: announced_on {date!r} is not a date (YYYY-MM-DD)")
        rec["announced_on"] = parsed
        rec["ethnic_area"] = 1 if rec["ethnic_area"] == "1" else 0
        records.append(rec)
    if problems:
        raise InputDataError(f"{path}: {len(problems)} problem(s): " + "; ".join(problems[:5]))
    return validate(pd.DataFrame(records, columns=list(REFERENCE_COLUMNS)), CountyReference, path)


def durations(announced_on: pd.Series, policy_date: str, censor_date: str
              ) -> tuple[pd.Series, pd.Series]:
    """Days from the policy date to exit (event 1), or to the censoring date (event 0).

    As in DESIGN section 4: an exit announced on or before ``censor_date`` is an event at
    ``announced_on − policy_date``; a later or missing announcement is censored at
    ``censor_date − policy_date``.
    """
    policy = pd.Timestamp(policy_date)
    censor = pd.Timestamp(censor_date)
    event = announced_on.notna() & (announced_on <= censor)
    end = announced_on.where(event, censor)
    days = (end - policy).dt.days
    return days.astype("int64"), event.astype("int64")


def build_survival(covariates: pd.DataFrame, reference: pd.DataFrame, policy_date: str,
                   censor_date: str, reference_source: str = "counties.csv"
                   ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Join covariates with the reference list into the survival dataset.

    Returns ``(survival, excluded)``. ``excluded`` lists counties of either input that are not in
    the survival dataset, with the reason (no bulletin file; covariate missing). Raises for
    counties with bulletins that the reference does not know, and for announcement dates on or
    before the policy date, naming the counties.
    """
    policy = pd.Timestamp(policy_date)
    if pd.Timestamp(censor_date) <= policy:
        raise InputDataError(f"censor_date {censor_date} is not after policy_date {policy_date}")
    unknown = sorted(set(covariates["county_code"]) - set(reference["county_code"]))
    if unknown:
        raise InputDataError(f"{reference_source}: {len(unknown)} county(ies) with bulletins are "
                             f"not in the reference list: {', '.join(unknown[:10])}; add them "
                             f"with province, ethnic_area and announced_on")
    early = reference[reference["announced_on"].notna() & (reference["announced_on"] <= policy)]
    if len(early):
        listed = ", ".join(f"{r.county_code} ({r.announced_on.date()})" for r in early.head(5).itertuples())
        raise InputDataError(f"{reference_source}: {len(early)} announcement date(s) on or before "
                             f"the policy date {policy_date}: {listed}; check announced_on")
    merged = covariates.merge(reference, on="county_code", how="inner", validate="one_to_one")
    complete = merged[list(PANEL_COVARIATES)].notna().all(axis=1)
    excluded = [{"county_code": c, "reason": "in the reference list but has no bulletin file"}
                for c in sorted(set(reference["county_code"]) - set(covariates["county_code"]))]
    for row in merged[~complete].itertuples():
        missing = [c for c in PANEL_COVARIATES if pd.isna(getattr(row, c))]
        excluded.append({"county_code": row.county_code,
                         "reason": "no value within the fallback window for " + ", ".join(missing)})
    merged = merged[complete].copy()
    merged["duration_days"], merged["event"] = durations(merged["announced_on"], policy_date,
                                                        censor_date)
    merged["nation"] = merged["ethnic_area"].astype("int64")
    merged["industry"] = merged["industry"].astype("int64")
    survival = merged[SURVIVAL_COLUMNS].sort_values("county_code").reset_index(drop=True)
    excluded_df = pd.DataFrame(excluded, columns=["county_code", "reason"]).sort_values(
        "county_code").reset_index(drop=True)
    return survival, excluded_df
