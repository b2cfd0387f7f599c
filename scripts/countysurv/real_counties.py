"""The county reference list of the real study from the 832 list and the exit notices.

Inputs: the reconciled list of the 832 poverty counties (``results/real/counties_832.csv``,
written by ``snakemake real``: 2015 code, province, canonical name, ethnic area, exit batch) and
the reviewed table of provincial exit notices (``data/reference/exit_announcements.csv``, read,
checked and matched by :mod:`countysurv.announcements`). Outputs:

* the reference list in the format of ``data/counties.csv`` (``county_code``, ``county_name``,
  ``province``, ``ethnic_area``, ``announced_on``; :func:`countysurv.io.read_counties_csv`
  reads it): ``county_name`` is the canonical name, ``province`` the short name of the 832 list
  (贵州), ``ethnic_area`` that of the list (so the model's ``nation`` = ``ethnic_area``) and
  ``announced_on`` the notice's date;
* one row per county of the 832 with its date and status (:data:`DATES_COLUMNS`): ``dated``
  (a notice states the day), ``imputed`` (no stated day; dated by the rule below) or
  ``undated`` (no date; left out of the reference), with the reason and the notice's source;
* a Markdown coverage report per province and exit batch (:func:`render_coverage`).

A county whose notice was not found, or whose notice states no day, is never silently dated.
What happens to it is the ``undated_rule`` (:data:`UNDATED_RULES`):

``exclude``
    It is left out of the reference, with its reason in the dates file, so the study runs on the
    dated counties only: every duration is a day a source states. The price is selection on
    the outcome: whether a county is dated depends on its province and batch (a notice was
    found or not), and the batch fixes most of the duration, so when the share dated differs
    between batches the dated-only sample over- or under-represents early exits. The coverage
    report prints the share dated per batch; read the dated-only estimates beside the
    all-counties ones.

``batch_median``
    It is given the median announcement date of the *dated* counties of its exit batch (all
    provinces together; the batch is the county's exit year in the 832 list), status
    ``imputed``, so the study runs on all counties. Why this rule:

    - The outcome is days from the policy date (2015-11-29) to the announcement, censored at
      the censor date (config ``censor_date``, 2020-01-01). Batch *Y* (the assessment year) is
      announced by the provinces in year *Y*+1: in the table the dated notices of batch 2016
      fall in 2017, of 2017 in Aug–Oct 2018, of 2018 in Apr–May 2019, of 2019 from late
      December 2019 to May 2020 and of 2020 in November 2020. The batch therefore fixes a
      county's duration to within the spread of its batch's notices (weeks to months), while
      the batches are a year apart; the coverage report prints each batch's earliest and latest
      dated notice, which bound the error of an imputed day.
    - For batches 2019 and 2020 the batch median (a day of 2020) lies after the censor date, so
      an imputed county is censored whatever the day; the imputation only says "not announced
      before the censor date", which holds for every dated county of those batches except the
      few a province announced in December 2019 (the report counts the dated counties of each
      batch announced by the censor date, so the risk is visible). For batches 2016–2018 the
      batch median is an event in the batch's year of announcement, as every dated county of
      those batches is.
    - Most undated counties are in a province and batch for which no notice was found at all,
      so a same-province rule would have nothing to draw on; provinces announced a batch within
      weeks of each other in the large batches (2018, 2019).
    - The median of the counties' dates (the lower median when their number is even) is a day
      some notice actually carries, and one late or early province does not move it as it
      would move a mean.
    - A county named in a notice whose source states no day has a bound: the approval is not
      later than the report of it (``reported_on``). Its imputed day is the batch median or
      that report's date, whichever is earlier.
    - Every batch keeps its size, so the selection of the dated-only sample is avoided; the
      cost is within-batch error in the imputed days.
    - Weakness, visible in the report: a batch with few dated counties (in the committed
      table, 2016 and 2017) has an imputed day that rests on a few notices; the dated-only
      analysis does not depend on it. A batch with no dated county cannot be imputed: its
      counties stay ``undated`` and are left out, with that reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .announcements import DATED, EXIT_BATCHES, UNDATED, county_dates, split_counties
from .errors import ConfigError, InputDataError
from .io import COUNTIES_CSV_COLUMNS
from .reference import PROVINCE_CODES

IMPUTED = "imputed"

#: What to do with a county that has no stated announcement day (config of the rule).
UNDATED_RULES = {
    "exclude": "counties without a stated announcement day are left out (dated counties only)",
    "batch_median": "counties without a stated announcement day get the median announcement "
                    "date of the dated counties of their exit batch (all provinces), or the "
                    "date of the report of the notice naming them when that is earlier, "
                    "flagged as imputed",
}

#: Columns of the per-county dates file.
DATES_COLUMNS = ("county_code", "name", "province", "exit_batch", "announced_on", "status",
                 "reason", "notice_id", "date_basis", "source")

#: Columns of the reconciled 832 list this module needs.
LIST_COLUMNS = ("county_code", "province", "canonical_name", "ethnic_area", "exit_year")


@dataclass(frozen=True)
class RealCounties:
    """The result of :func:`build_real_counties`.

    ``reference``: the counties CSV rows (:data:`countysurv.io.COUNTIES_CSV_COLUMNS`,
    ``announced_on`` as ``YYYY-MM-DD`` text). ``dates``: one row per county of the 832
    (:data:`DATES_COLUMNS`). ``batches``: per exit batch the counties, dated, undated and
    imputed counts, the earliest, median and latest dated day, the imputed day (NaT unless the
    rule imputes and the batch has a dated county) and how many dated counties were announced
    by the censor date. ``rule``: the undated rule applied.
    """

    reference: pd.DataFrame
    dates: pd.DataFrame
    batches: pd.DataFrame
    rule: str


def check_list(counties_832: pd.DataFrame, source: str = "counties_832.csv") -> pd.DataFrame:
    """The reconciled 832 list with ``ethnic_area`` and ``exit_year`` as integers, checked.

    The list may come as text (as :func:`countysurv.reference.read_county_reference` reads it).
    Raises :class:`InputDataError` naming ``source`` and the file lines (header = line 1) for a
    missing column, a duplicated code, an ``ethnic_area`` that is not 0/1 or an ``exit_year``
    outside 2016–2020.
    """
    missing = [c for c in LIST_COLUMNS if c not in counties_832.columns]
    if missing:
        raise InputDataError(f"{source}: missing column(s) {', '.join(missing)} of the "
                             "reconciled 832 list (written by `snakemake real`)")
    df = counties_832.reset_index(drop=True).copy()
    problems = []
    for i, row in enumerate(df[list(LIST_COLUMNS)].astype(str).itertuples(index=False), start=2):
        if row.ethnic_area not in {"0", "1"}:
            problems.append(f"line {i}: ethnic_area {row.ethnic_area!r} is not 0 or 1")
        if not (row.exit_year.isdigit() and int(row.exit_year) in EXIT_BATCHES):
            problems.append(f"line {i}: exit_year {row.exit_year!r} is not a year from "
                            f"{EXIT_BATCHES.start} to {EXIT_BATCHES.stop - 1}")
    codes = df["county_code"].astype(str)
    for code in sorted(codes[codes.duplicated()].unique()):
        lines = ", ".join(str(i + 2) for i in codes.index[codes == code])
        problems.append(f"county_code {code} on lines {lines}")
    if problems:
        raise InputDataError(f"{source}: {len(problems)} problem(s): " + "; ".join(problems[:5]))
    return df.astype({"county_code": str, "ethnic_area": int, "exit_year": int})


def _lower_median(days: pd.Series) -> pd.Timestamp:
    """The lower median of dates: a day of the series itself (NaT for an empty series)."""
    ordered = days.dropna().sort_values(ignore_index=True)
    return ordered.iat[(len(ordered) - 1) // 2] if len(ordered) else pd.NaT


def batch_summary(dates: pd.DataFrame, censor_date: str) -> pd.DataFrame:
    """Per exit batch of the source dates: counties, dated, the dated days' range and median.

    ``dates`` is :func:`countysurv.announcements.county_dates`' frame (status dated/undated).
    ``dated_by_censor`` counts the dated counties announced on or before ``censor_date``.
    """
    censor = pd.Timestamp(censor_date)
    rows = []
    for batch, grp in dates.groupby("exit_year", sort=True):
        days = grp.loc[grp["status"] == DATED, "announced_on"]
        rows.append({"exit_batch": int(batch), "counties": len(grp), "dated": len(days),
                     "undated": len(grp) - len(days), "earliest": days.min(),
                     "median": _lower_median(days), "latest": days.max(),
                     "dated_by_censor": int((days <= censor).sum())})
    return pd.DataFrame(rows, columns=["exit_batch", "counties", "dated", "undated", "earliest",
                                       "median", "latest", "dated_by_censor"])


def apply_undated_rule(dates: pd.DataFrame, batches: pd.DataFrame, rule: str,
                       reported_on: dict[str, pd.Timestamp] | None = None
                       ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply ``rule`` to the undated counties; return ``(dates, batches)`` with the outcome.

    ``dates`` gains status ``imputed`` (with the imputed day and a reason that keeps why the
    county had no stated day) under ``batch_median``; ``batches`` gains ``imputed_on`` (the
    batch median) and ``imputed``. ``reported_on`` maps a notice that states no day to the date
    of the report of it: a county such a notice names gets that date when it is earlier than
    the batch median. Under ``exclude`` nothing is imputed.
    """
    if rule not in UNDATED_RULES:
        raise ConfigError(f"undated rule must be one of {', '.join(UNDATED_RULES)}, got {rule!r}")
    out = dates.copy()
    batches = batches.copy()
    batches["imputed_on"] = pd.NaT if rule == "exclude" else batches["median"]
    batches["imputed_on"] = pd.to_datetime(batches["imputed_on"])
    batches["imputed"] = 0
    if rule == "exclude":
        return out, batches
    by_batch = batches.set_index("exit_batch")
    for i in out.index[out["status"] == UNDATED]:
        batch = int(out.at[i, "exit_year"])
        info = by_batch.loc[batch]
        if info["dated"] == 0:
            out.at[i, "reason"] += (f"; not imputed: no dated county in the {batch} batch to take "
                                    "a median from")
            continue
        day = info["imputed_on"]
        how = (f"given the median announcement date of the {info['dated']} dated counties of "
               f"the {batch} batch (dated days {info['earliest']:%Y-%m-%d} to "
               f"{info['latest']:%Y-%m-%d})")
        bound = (reported_on or {}).get(out.at[i, "notice_id"], pd.NaT)
        if pd.notna(bound) and bound < day:
            how = (f"given the date of the report of notice {out.at[i, 'notice_id']} "
                   f"({bound:%Y-%m-%d}), earlier than the {batch} batch median "
                   f"({day:%Y-%m-%d}): the approval is not later than its report")
            day = bound
        out.at[i, "announced_on"] = day
        out.at[i, "status"] = IMPUTED
        out.at[i, "reason"] = f"imputed ({rule}): {out.at[i, 'reason']}; {how}"
    counts = out[out["status"] == IMPUTED].groupby("exit_year").size()
    batches["imputed"] = batches["exit_batch"].map(counts).fillna(0).astype(int)
    return out, batches


def build_real_counties(counties_832: pd.DataFrame, announcements: pd.DataFrame,
                        matched: pd.DataFrame, undated_rule: str, censor_date: str,
                        source: str = "counties_832.csv") -> RealCounties:
    """The real study's county reference, per-county dates and per-batch summary.

    Parameters
    ----------
    counties_832
        The reconciled list (``results/real/counties_832.csv``; text or typed columns).
    announcements, matched
        :func:`countysurv.announcements.read_checked` of ``exit_announcements.csv`` against the
        same list.
    undated_rule
        One of :data:`UNDATED_RULES` (see the module docstring for why ``batch_median``).
    censor_date
        ISO date; only reported (dated counties per batch announced by then).
    source
        The file ``counties_832`` was read from, as errors name it.

    Every county of the list is in ``dates`` exactly once; it is in ``reference`` exactly when
    its status is dated or imputed.
    """
    if undated_rule not in UNDATED_RULES:
        raise ConfigError(f"undated rule must be one of {', '.join(UNDATED_RULES)}, got "
                          f"{undated_rule!r}")
    counties = check_list(counties_832, source)
    raw = county_dates(announcements, matched, counties)
    batches = batch_summary(raw, censor_date)
    no_day = announcements[announcements["announced_on"].isna()]
    dates, batches = apply_undated_rule(raw, batches, undated_rule,
                                        dict(zip(no_day["notice_id"], no_day["reported_on"])))
    names = counties.set_index("county_code")
    kept = dates[dates["status"].isin([DATED, IMPUTED])]
    reference = pd.DataFrame({
        "county_code": kept["county_code"],
        "county_name": kept["canonical_name"],
        "province": kept["province"],
        "ethnic_area": kept["county_code"].map(names["ethnic_area"]).astype(int),
        "announced_on": kept["announced_on"].dt.strftime("%Y-%m-%d"),
    }, columns=list(COUNTIES_CSV_COLUMNS)).sort_values("county_code", ignore_index=True)
    table = pd.DataFrame({
        "county_code": dates["county_code"], "name": dates["canonical_name"],
        "province": dates["province"], "exit_batch": dates["exit_year"].astype(int),
        "announced_on": dates["announced_on"].dt.strftime("%Y-%m-%d").fillna(""),
        "status": dates["status"], "reason": dates["reason"], "notice_id": dates["notice_id"],
        "date_basis": dates["date_basis"].where(dates["status"] != IMPUTED, undated_rule),
        "source": dates["source_url"].where(dates["source_url"] != "", dates["source_title"]),
    }, columns=list(DATES_COLUMNS)).sort_values("county_code", ignore_index=True)
    return RealCounties(reference=reference, dates=table, batches=batches, rule=undated_rule)


def coverage_table(dates: pd.DataFrame) -> pd.DataFrame:
    """Per province and exit batch of a dates table (:data:`DATES_COLUMNS`): the counts.

    Columns ``province``, ``exit_batch``, ``counties``, ``dated`` (a source states the day),
    ``undated`` (no stated day; ``dated + undated == counties``) and ``imputed`` (of the
    undated, those the rule dated). Sorted by province code, then batch.
    """
    flags = dates.assign(dated=dates["status"].eq(DATED), imputed=dates["status"].eq(IMPUTED))
    table = (flags.groupby(["province", "exit_batch"])
             .agg(counties=("county_code", "size"), dated=("dated", "sum"),
                  imputed=("imputed", "sum")).reset_index())
    table["undated"] = table["counties"] - table["dated"]
    table = table.astype({"dated": int, "imputed": int})
    order = table["province"].map(PROVINCE_CODES)
    return (table.assign(_order=order).sort_values(["_order", "exit_batch"])
            .drop(columns="_order").reset_index(drop=True)
            [["province", "exit_batch", "counties", "dated", "undated", "imputed"]])


def _day(value: object) -> str:
    return "" if pd.isna(value) else f"{pd.Timestamp(value):%Y-%m-%d}"


def render_coverage(result: RealCounties, announcements: pd.DataFrame, censor_date: str,
                    announcements_source: str = "data/reference/exit_announcements.csv") -> str:
    """``date_coverage.md``: dated and undated counties per province and batch, and the rule.

    Sections: the rule applied; per exit batch (counties, dated, undated, imputed, the dated
    days' range, the imputed day, dated counties announced by the censor date); per province
    and batch with a total row; the province-batches no notice was found for; the notices that
    state no day; and the counts of the reference list written.
    """
    dates, batches = result.dates, result.batches
    cov = coverage_table(dates)
    n = len(dates)
    n_dated = int((dates["status"] == DATED).sum())
    n_imputed = int((dates["status"] == IMPUTED).sum())
    n_undated = n - n_dated - n_imputed
    median = dates["exit_batch"].map(batches.set_index("exit_batch")["imputed_on"])
    imputed = dates["status"] == IMPUTED
    n_capped = int((pd.to_datetime(dates.loc[imputed, "announced_on"])
                    < median[imputed]).sum())
    lines = [
        "# Exit dates of the 832 poverty counties", "",
        f"Sources: the provincial exit notices of `{announcements_source}` "
        f"({len(announcements)} notices), matched to the reconciled 832 list. A county is "
        "*dated* when a notice naming it states the day; otherwise it is *undated*, with the "
        "reason in the dates file.", "",
        f"Rule for undated counties: **{result.rule}**: {UNDATED_RULES[result.rule]}.", "",
        f"- {n} counties: {n_dated} dated from a source, {n_imputed} imputed, {n_undated} "
        f"undated (left out of the reference list).",
        f"- The reference list has {len(result.reference)} counties.",
        *([f"- Of the imputed, {n_capped} are named in a notice whose source states no day and "
           "took the date of the report of it, which is earlier than their batch median (the "
           "approval is not later than its report); the others took the batch median."]
          if n_imputed else []), "",
        "## Per exit batch", "",
        f"Censor date {censor_date}: a county announced later is censored in the models.", "",
        "| batch | counties | dated | undated | imputed | share dated | earliest dated | "
        "median dated | latest dated | imputed day (batch median) | dated by censor date |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for b in batches.itertuples():
        share = f"{b.dated / b.counties:.0%}" if b.counties else ""
        lines.append(f"| {b.exit_batch} | {b.counties} | {b.dated} | {b.undated} | {b.imputed} "
                     f"| {share} | {_day(b.earliest)} | {_day(b.median)} | {_day(b.latest)} | "
                     f"{_day(b.imputed_on)} | {b.dated_by_censor} |")
    lines.append(f"| total | {n} | {n_dated} | {n - n_dated} | {n_imputed} | "
                 f"{n_dated / n:.0%} | | | | | {int(batches['dated_by_censor'].sum())} |"
                 if n else "| total | 0 | 0 | 0 | 0 | | | | | | 0 |")
    shares = batches[batches["counties"] > 0]
    if len(shares):
        share = shares["dated"] / shares["counties"]
        low, high = shares.loc[share.idxmin()], shares.loc[share.idxmax()]
        lines += ["", f"The share dated ranges from {share.min():.0%} (batch {low['exit_batch']}) "
                  f"to {share.max():.0%} (batch {high['exit_batch']}). The batch fixes most of "
                  "a county's duration, so a dated-only sample in which batches are dated "
                  "unequally is selected on the outcome; read it beside the all-counties "
                  "analysis."]
    lines += ["", "## Per province and exit batch", "",
              "| province | batch | counties | dated | undated | imputed |",
              "|---|---|---|---|---|---|",
              *[f"| {r.province} | {r.exit_batch} | {r.counties} | {r.dated} | {r.undated} | "
                f"{r.imputed} |" for r in cov.itertuples()],
              f"| total | | {int(cov['counties'].sum())} | {int(cov['dated'].sum())} | "
              f"{int(cov['undated'].sum())} | {int(cov['imputed'].sum())} |", ""]
    noticed = set(zip(announcements["province"], announcements["exit_batch"].astype(int)))
    missing = cov[[(p, b) not in noticed for p, b in zip(cov["province"], cov["exit_batch"])]]
    lines += [f"## Province-batches without a source ({len(missing)}, "
              f"{int(missing['counties'].sum())} counties)", "",
              "No notice of the province for the batch was found; its counties are undated.", ""]
    for batch, grp in missing.groupby("exit_batch", sort=True):
        lines.append(f"- {batch}: " + ", ".join(f"{r.province} ({r.counties})"
                                                for r in grp.itertuples()))
    no_day = announcements[announcements["announced_on"].isna()]
    lines += ["", f"## Notices found that state no day ({len(no_day)})", "",
              "The counties they name are undated.", ""]
    for r in no_day.sort_values("notice_id").itertuples():
        lines.append(f"- {r.notice_id} ({r.province}, batch {r.exit_batch}): "
                     f"{len(split_counties(r.counties))} counties; reported on "
                     f"{_day(r.reported_on)}")
    return "\n".join(lines) + "\n"
