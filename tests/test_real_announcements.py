"""The committed table of provincial exit notices (data/reference/exit_announcements.csv)
against the reconciled list of the 832 counties: every row has a source, no date before the
policy date, every county named is one county of the list in that province and batch (or a
declared exception), no county dated twice, and every county of the list dated or undated with
a reason.

The official workbook is not in the repository. It is looked for in $COUNTYSURV_COUNTIES_XLSX, else
at ../shared/data/poverty_counties_832.xlsx beside the repository (where CI has it); these tests are
skipped, with that reason, when it is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from conftest import REPO
from countysurv import announcements as A
from countysurv import realdata
from countysurv import reference as R

XLSX = Path(os.environ.get("COUNTYSURV_COUNTIES_XLSX")
            or Path(__file__).resolve().parents[2] / "shared/data/poverty_counties_832.xlsx")
TABLE = REPO / "data" / "reference" / "exit_announcements.csv"
BATCH_TOTALS = {2016: 28, 2017: 125, 2018: 283, 2019: 344, 2020: 52}

pytestmark = pytest.mark.skipif(
    not XLSX.is_file(), reason=f"official 832-county list not found at {XLSX} "
    "(set COUNTYSURV_COUNTIES_XLSX or put shared/ beside the repository)")


@pytest.fixture(scope="module")
def counties():
    """The reconciled list as `snakemake real` writes it, codes and years as text."""
    df = realdata.reconcile(realdata.read_workbook(XLSX),
                            R.read_aliases(REPO / "data/reference/county_aliases.csv"),
                            R.read_codes_2015(REPO / "data/reference/county_codes_2015.csv"),
                            R.load_divisions(), BATCH_TOTALS)
    return df.astype({"exit_year": str})


@pytest.fixture(scope="module")
def checked(counties):
    return A.read_checked(TABLE, counties)


@pytest.fixture(scope="module")
def dates(checked, counties):
    table, matched = checked
    return A.county_dates(table, matched, counties)


def test_every_row_has_a_source_and_a_date_not_before_the_policy_date(checked):
    table, _ = checked
    assert ((table["source_url"] != "") | (table["source_title"] != "")).all()
    stated = table["announced_on"].dropna()
    assert (stated >= pd.Timestamp(A.POLICY_DATE)).all()
    assert (table["announced_on"].isna() == (table["date_basis"] == "not_stated")).all()


def test_every_county_named_is_one_county_of_its_province_and_batch(checked, counties):
    table, matched = checked
    by_code = counties.set_index("county_code")
    notice = table.set_index("notice_id")
    for row in matched.itertuples():
        assert by_code.at[row.county_code, "province"] == notice.at[row.notice_id, "province"]
        same_batch = int(by_code.at[row.county_code, "exit_year"]) == \
            notice.at[row.notice_id, "exit_batch"]
        assert same_batch or row.batch_exception, (row.notice_id, row.printed_name)
    names = sum(len(A.split_counties(c)) for c in table["counties"])
    assert len(matched) == names


def test_no_county_is_dated_twice(checked):
    _, matched = checked
    assert matched["county_code"].is_unique


def test_every_county_of_the_list_is_dated_or_undated_with_a_reason(dates):
    assert len(dates) == 832 and dates["county_code"].is_unique
    is_dated = dates["status"] == A.DATED
    assert dates.loc[is_dated, "announced_on"].notna().all()
    assert (dates.loc[is_dated, "notice_id"] != "").all()
    assert dates.loc[~is_dated, "announced_on"].isna().all()
    assert (dates.loc[~is_dated, "reason"] != "").all()


def test_coverage_adds_up_to_the_list(dates):
    cov = A.coverage(dates)
    assert cov.groupby("exit_year")["counties"].sum().to_dict() == BATCH_TOTALS
    assert (cov["dated"] + cov["undated"] == cov["counties"]).all()
    # the table dates most of the two big batches (2018: 283 counties, 2019: 344)
    by_batch = cov.groupby("exit_year")["dated"].sum()
    assert by_batch[2019] > 344 / 2


def test_known_dates_from_the_notices(dates):
    by_name = dates.set_index(["province", "canonical_name"])["announced_on"]
    assert by_name[("贵州", "正安县")] == pd.Timestamp("2020-03-03")
    assert by_name[("四川", "叙永县")] == pd.Timestamp("2020-02-18")
    assert by_name[("西藏", "措勤县")] == pd.Timestamp("2019-12-23")
