"""County-year panel from normalized bulletin records (README "What you get": results/panel/)."""

from __future__ import annotations

import csv
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from .indicators import CANONICAL

log = logging.getLogger(__name__)

SECTORS = ("va_primary", "va_secondary", "va_tertiary")


def build_panel(records: pd.DataFrame, counties: list[str], years: tuple[int, int],
                sector_tolerance: float = 0.02, jump_factor: float = 100.0) -> pd.DataFrame:
    """Pivot long records into one row per county and year with indicators as columns.

    Every (county, year) in ``counties`` × ``years`` gets a row, with NaN where the bulletin
    had no figure, so missing data stay visible. Two data-quality flags are added rather than
    rows dropped: ``sector_sum_ok`` (the three sectors sum to GDP within ``sector_tolerance``;
    NA when any of the four is missing) with the relative gap ``sector_gap``, and
    ``gdp_jump_flag`` (GDP at least ``jump_factor`` times, or at most its inverse, the nearest
    earlier year's: the signature of a 万元 entered as 元 or vice versa).
    """
    year_range = range(years[0], years[1] + 1)
    index = pd.MultiIndex.from_product([sorted(counties), list(year_range)],
                                       names=["county_code", "year"])
    wide = (records.pivot(index=["county_code", "year"], columns="indicator", values="value")
            if len(records) else pd.DataFrame(index=index))
    wide = wide.reindex(index=index, columns=list(CANONICAL)).astype("float64")
    panel = wide.reset_index()
    total = panel[list(SECTORS)].sum(axis=1, min_count=3)
    gap = (total - panel["gdp"]).abs() / panel["gdp"]
    panel["sector_gap"] = gap
    panel["sector_sum_ok"] = pd.array(np.where(gap.isna(), pd.NA, gap <= sector_tolerance),
                                      dtype="boolean")
    prev = panel.groupby("county_code")["gdp"].transform(lambda s: s.ffill().shift(1))
    ratio = panel["gdp"] / prev
    panel["gdp_jump_flag"] = ((ratio >= jump_factor) | (ratio <= 1.0 / jump_factor)).fillna(False)
    n_gap = int((panel["sector_sum_ok"] == False).sum())  # noqa: E712 (nullable boolean)
    if n_gap:
        log.warning("%d county-years whose sectors do not sum to GDP within %.0f%%: %s", n_gap,
                    100 * sector_tolerance,
                    ", ".join(f"{r.county_code}/{r.year}" for r in
                              panel[panel["sector_sum_ok"] == False].head(10).itertuples()))  # noqa: E712
    if panel["gdp_jump_flag"].any():
        log.warning("GDP jumps of %g× or more (likely unit slips): %s", jump_factor,
                    ", ".join(f"{r.county_code}/{r.year}" for r in
                              panel[panel["gdp_jump_flag"]].itertuples()))
    return panel


def coverage_table(panel: pd.DataFrame) -> pd.DataFrame:
    """Missing cells per county and indicator, with the missing years listed."""
    rows = []
    years = panel["year"].to_numpy()
    missing = panel[list(CANONICAL)].isna().to_numpy()
    positions = panel.groupby("county_code", sort=True).indices  # rows of each county, in order
    for code in sorted(positions):
        idx = positions[code]
        county_years, county_missing = years[idx], missing[idx]
        n_years = len(np.unique(county_years))
        for j, ind in enumerate(CANONICAL):
            missing_years = county_years[county_missing[:, j]].tolist()
            rows.append({
                "county_code": code,
                "indicator": ind,
                "years_expected": n_years,
                "years_present": n_years - len(missing_years),
                "missing": len(missing_years),
                "missing_years": " ".join(map(str, missing_years)) or None,
            })
    return pd.DataFrame(rows)


def ingestion_summary(counts: list[dict]) -> pd.DataFrame:
    """One row per bulletin file with its row accounting; raises if any file's rows do not add up."""
    table = pd.DataFrame(counts, columns=["file", "encoding", "rows_in", "rows_kept",
                                          "rows_rejected", "duplicates_collapsed", "conflicts"])
    broken = table[table["rows_in"] != table["rows_kept"] + table["rows_rejected"]]
    if len(broken):
        from .errors import InputDataError

        raise InputDataError(f"row accounting does not add up for {', '.join(broken['file'])}")
    return table.sort_values("file").reset_index(drop=True)


def _count_csv_rows(path: str | Path) -> int:
    """Data rows of a CSV written by this package (header excluded; quoted newlines allowed)."""
    with open(path, encoding="utf-8", newline="") as fh:
        return max(sum(1 for _ in csv.reader(fh)) - 1, 0)


def load_bulletins(record_paths: list[str], reject_paths: list[str], count_paths: list[str],
                   logger: logging.Logger | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every county's normalized rows, validated, and the row accounting of every file.

    The rows gain a ``file`` column: the raw CSV each was read from (as its counts name it).
    The ingestion jobs do not import pandera (start-up cost); their rows are validated here
    against :class:`~countysurv.schemas.BulletinRecord`, lazily, and a failure names the raw
    CSV file and line of each offending row. The accounting is checked against the files on
    disk: the parquet holds ``rows_kept`` rows and the rejects CSV ``rows_rejected`` rows, and
    ``rows_in == rows_kept + rows_rejected`` for every file.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .errors import InputDataError
    from .io import read_json, validate
    from .schemas import BulletinRecord

    counts = [read_json(p) for p in count_paths]
    tables = []
    for rec_path, rej_path, count in zip(record_paths, reject_paths, counts, strict=True):
        try:  # ParquetFile.read: half the time of read_table, which goes through datasets
            with pq.ParquetFile(rec_path) as parquet_file:
                table = parquet_file.read().replace_schema_metadata(None)
        except (OSError, pa.ArrowException) as err:
            raise InputDataError(f"{rec_path}: cannot read parquet ({err})") from None
        n_rejected = _count_csv_rows(rej_path)
        if table.num_rows != count["rows_kept"] or n_rejected != count["rows_rejected"]:
            raise InputDataError(
                f"{count['file']}: its outputs disagree with its row counts ({table.num_rows} "
                f"rows in {rec_path}, {count['rows_kept']} counted; {n_rejected} in {rej_path}, "
                f"{count['rows_rejected']} counted); rerun its ingestion")
        tables.append(table)
    ingestion = ingestion_summary(counts)
    records = (pa.concat_tables(tables, promote_options="permissive").to_pandas()
               if tables else pd.DataFrame(columns=list(BulletinRecord.to_schema().columns)))
    files = {Path(p).stem: c["file"] for p, c in zip(record_paths, counts)}  # code -> raw CSV

    def locate(i: int) -> str:
        code = records["county_code"].iat[i]
        return f"{files.get(code, code)} line {records['line'].iat[i]}"

    records = validate(records, BulletinRecord, "normalized bulletin rows", logger, locate)
    records["file"] = [files.get(code, code) for code in records["county_code"]]
    return records, ingestion
