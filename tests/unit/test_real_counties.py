"""countysurv.real_counties: the real study's county reference from the 832 list and the exit
notices, under both undated rules. Small frames written here; one test builds it from the real
list and the committed notice table, skipped when the official workbook is absent."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pandas as pd
import pytest

from conftest import REPO
from countysurv import announcements as A
from countysurv import io, realdata
from countysurv import real_counties as RC
from countysurv import reference as R
from countysurv.errors import ConfigError, InputDataError
from countysurv.schemas import CountyReference

CENSOR = "2020-01-01"

#: A list in the layout of results/real/counties_832.csv (the columns read), as text like
#: reference.read_county_reference returns it. Ten counties of three provinces and four batches.
LIST = pd.DataFrame([
    # code, province, name, ethnic_area, exit_year
    ("522727", "贵州", "平塘县", "1", "2019"),        # dated GZ-2019
    ("522732", "贵州", "三都水族自治县", "1", "2019"),  # dated GZ-2019
    ("522728", "贵州", "罗甸县", "1", "2018"),        # dated GZ-2018
    ("522701", "贵州", "都匀市", "1", "2018"),        # not named by GZ-2018: batch 2018 median
    ("522729", "贵州", "长顺县", "1", "2017"),        # no notice, no dated county in batch 2017
    ("530521", "云南", "施甸县", "0", "2019"),        # dated YN-2019 (before the censor date)
    ("530524", "云南", "昌宁县", "0", "2018"),        # dated YN-2018
    ("141123", "山西", "兴县", "0", "2019"),          # no-day notice reported before the median
    ("141124", "山西", "临县", "0", "2018"),          # no-day notice reported after the median
    ("141125", "山西", "柳林县", "0", "2016"),        # no notice, only county of batch 2016
], columns=["county_code", "province", "canonical_name", "ethnic_area", "exit_year"])
LIST = LIST.assign(code_current=LIST["county_code"], name_2015=LIST["canonical_name"],
                   name_current=LIST["canonical_name"], names_known=LIST["canonical_name"])


def _notice(notice_id, province, batch, day, counties, *, reported=""):
    return {"notice_id": notice_id, "province": province, "exit_batch": batch,
            "announced_on": day, "date_basis": "not_stated" if not day else "notice_published",
            "reported_on": reported, "issuing_body": "", "document": "", "counties": counties,
            "batch_exceptions": "", "source_url": f"https://example.org/{notice_id}",
            "source_title": "", "note": ""}


NOTICES = [
    _notice("GZ-2019", "贵州", "2019", "2020-03-03", "平塘县;三都水族自治县"),
    _notice("GZ-2018", "贵州", "2018", "2019-04-25", "罗甸县"),
    _notice("YN-2019", "云南", "2019", "2019-12-20", "施甸县"),
    _notice("YN-2018", "云南", "2018", "2019-05-01", "昌宁县"),
    _notice("SX-2019", "山西", "2019", "", "兴县", reported="2020-01-15"),
    _notice("SX-2018", "山西", "2018", "", "临县", reported="2019-06-01"),
]


@pytest.fixture()
def checked(tmp_path):
    path = tmp_path / "exit_announcements.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=A.ANNOUNCEMENT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(NOTICES)
    return A.read_checked(path, LIST)


def _build(checked, rule):
    table, matched = checked
    return RC.build_real_counties(LIST, table, matched, rule, CENSOR)


def _by_code(result):
    return result.dates.set_index("county_code")


def test_build_real_counties_exclude_keeps_only_counties_a_source_dates(checked):
    result = _build(checked, "exclude")
    dates = _by_code(result)
    assert result.reference["county_code"].tolist() == ["522727", "522728", "522732", "530521",
                                                         "530524"]
    assert (dates.loc[result.reference["county_code"], "status"] == A.DATED).all()
    undated = dates[dates["status"] == A.UNDATED]
    assert sorted(undated.index) == ["141123", "141124", "141125", "522701", "522729"]
    assert (undated["announced_on"] == "").all() and (undated["reason"] != "").all()
    assert dates.at["522701", "reason"] == "not named in the notice(s) found for 贵州 2018 batch " \
                                          "(GZ-2018)"
    assert dates.at["141125", "reason"] == "no provincial notice found for 山西 2016 batch"
    assert dates.at["522727", "announced_on"] == "2020-03-03"
    assert dates.at["522727", "source"] == "https://example.org/GZ-2019"


def test_build_real_counties_batch_median_imputes_the_lower_median_of_the_batch(checked):
    result = _build(checked, "batch_median")
    dates = _by_code(result)
    # batch 2018 has two dated counties (2019-04-25, 2019-05-01): the lower median, a notice's
    # day, not the midpoint 2019-04-28
    assert dates.at["522701", "status"] == RC.IMPUTED
    assert dates.at["522701", "announced_on"] == "2019-04-25"
    assert dates.at["522701", "reason"].startswith("imputed (batch_median): not named in the")
    assert "median announcement date of the 2 dated counties of the 2018 batch" in \
        dates.at["522701", "reason"]
    assert dates.at["522701", "date_basis"] == "batch_median"
    # a no-day notice reported after the batch median: the median
    assert dates.at["141124", "announced_on"] == "2019-04-25"
    batches = result.batches.set_index("exit_batch")
    assert batches.at[2018, "imputed_on"] == pd.Timestamp("2019-04-25")
    assert batches.at[2019, "imputed_on"] == pd.Timestamp("2020-03-03")
    assert batches.at[2019, "dated_by_censor"] == 1


def test_build_real_counties_batch_median_is_capped_at_the_report_of_a_no_day_notice(checked):
    dates = _by_code(_build(checked, "batch_median"))
    # SX-2019 states no day but was reported on 2020-01-15, before the 2019 median (2020-03-03)
    assert dates.at["141123", "status"] == RC.IMPUTED
    assert dates.at["141123", "announced_on"] == "2020-01-15"
    assert "the date of the report of notice SX-2019 (2020-01-15)" in dates.at["141123", "reason"]
    assert dates.at["141123", "notice_id"] == "SX-2019"


def test_build_real_counties_batch_median_leaves_a_batch_without_dated_county_undated(checked):
    result = _build(checked, "batch_median")
    dates = _by_code(result)
    for code, batch in (("522729", 2017), ("141125", 2016)):
        assert dates.at[code, "status"] == A.UNDATED
        assert dates.at[code, "announced_on"] == ""
        assert f"not imputed: no dated county in the {batch} batch" in dates.at[code, "reason"]
        assert code not in set(result.reference["county_code"])
    assert len(result.reference) == 8


@pytest.mark.parametrize("rule", list(RC.UNDATED_RULES))
def test_build_real_counties_lists_every_county_once_and_references_dated_and_imputed(
        checked, rule, tmp_path):
    result = _build(checked, rule)
    assert result.dates["county_code"].tolist() == sorted(LIST["county_code"])
    assert tuple(result.dates.columns) == RC.DATES_COLUMNS
    in_reference = set(result.reference["county_code"])
    kept = result.dates["status"].isin([A.DATED, RC.IMPUTED])
    assert set(result.dates.loc[kept, "county_code"]) == in_reference
    assert (result.dates.loc[~kept, "reason"] != "").all()
    # the reference is a counties.csv the workflow reads, nation = ethnic_area of the list
    path = tmp_path / "counties.csv"
    io.write_csv(result.reference, path)
    back = io.read_counties_csv(path, CountyReference).set_index("county_code")
    assert set(back.index) == in_reference
    ethnic = LIST.set_index("county_code")["ethnic_area"].astype(int)
    assert (back["ethnic_area"] == ethnic[back.index]).all()
    dated = result.dates.set_index("county_code").loc[back.index, "announced_on"]
    assert (back["announced_on"] == pd.to_datetime(dated)).all()
    # the coverage counts add up per province and batch
    cov = RC.coverage_table(result.dates)
    assert (cov["dated"] + cov["undated"] == cov["counties"]).all()
    assert cov["counties"].sum() == len(LIST)
    assert cov["imputed"].sum() == int((result.dates["status"] == RC.IMPUTED).sum())


def test_build_real_counties_rejects_an_unknown_rule(checked):
    with pytest.raises(ConfigError, match="undated rule must be one of exclude, batch_median"):
        _build(checked, "latest")


@pytest.mark.parametrize("column, value, message", [
    ("ethnic_area", "2", "line 3: ethnic_area '2' is not 0 or 1"),
    ("exit_year", "2021", "line 3: exit_year '2021' is not a year from 2016 to 2020"),
    ("county_code", "522727", "county_code 522727 on lines 2, 3"),
])
def test_check_list_names_the_line_of_a_bad_row(column, value, message):
    bad = LIST.copy()
    bad.loc[1, column] = value
    with pytest.raises(InputDataError, match=f"counties_832.csv: 1 problem.*{message}"):
        RC.check_list(bad)


def test_check_list_needs_the_columns():
    with pytest.raises(InputDataError, match="missing column.*ethnic_area"):
        RC.check_list(LIST.drop(columns="ethnic_area"))


def test_render_coverage_reports_batches_without_a_source_and_notices_without_a_day(checked):
    table, _ = checked
    text = RC.render_coverage(_build(checked, "batch_median"), table, CENSOR)
    assert "Rule for undated counties: **batch_median**" in text
    assert "- 10 counties: 5 dated from a source, 3 imputed, 2 undated" in text
    assert "## Province-batches without a source (2, 2 counties)" in text
    assert "- 2016: 山西 (1)" in text and "- 2017: 贵州 (1)" in text
    assert "- SX-2019 (山西, batch 2019): 1 counties; reported on 2020-01-15" in text
    assert "| 2018 | 4 | 2 | 2 | 2 | 50% | 2019-04-25 | 2019-04-25 | 2019-05-01 | 2019-04-25 | 2 |" \
        in text
    assert "| 贵州 | 2018 | 2 | 1 | 1 | 1 |" in text
    assert "| total | | 10 | 5 | 5 | 3 |" in text
    assert "Of the imputed, 1 are named in a notice whose source states no day" in text
    assert "The share dated ranges from 0% (batch 2016) to 75% (batch 2019)." in text


# --- the real list and the committed notice table ---------------------------------------------

XLSX = Path(os.environ.get("COUNTYSURV_COUNTIES_XLSX")
            or REPO.parent / "shared/data/poverty_counties_832.xlsx")
BATCH_TOTALS = {2016: 28, 2017: 125, 2018: 283, 2019: 344, 2020: 52}


@pytest.mark.skipif(not XLSX.is_file(), reason=f"official 832-county list not found at {XLSX} "
                    "(set COUNTYSURV_COUNTIES_XLSX or put shared/ beside the repository)")
@pytest.mark.parametrize("rule", list(RC.UNDATED_RULES))
def test_real_counties_every_county_in_the_reference_or_excluded_with_a_reason(rule):
    listed = realdata.reconcile(realdata.read_workbook(XLSX),
                                R.read_aliases(REPO / "data/reference/county_aliases.csv"),
                                R.read_codes_2015(REPO / "data/reference/county_codes_2015.csv"),
                                R.load_divisions(), BATCH_TOTALS)
    table, matched = A.read_checked(REPO / "data/reference/exit_announcements.csv", listed)
    result = RC.build_real_counties(listed, table, matched, rule, CENSOR)
    dates = result.dates
    assert len(dates) == 832 and dates["county_code"].is_unique
    in_reference = dates["county_code"].isin(result.reference["county_code"])
    assert (dates.loc[in_reference, "status"].isin([A.DATED, RC.IMPUTED])).all()
    assert (dates.loc[~in_reference, "status"] == A.UNDATED).all()
    assert (dates.loc[~in_reference, "reason"] != "").all()
    assert len(result.reference) + int((~in_reference).sum()) == 832
    days = pd.to_datetime(result.reference["announced_on"])
    assert (days > pd.Timestamp(A.POLICY_DATE)).all()
    io.validate(result.reference.assign(line=range(2, len(result.reference) + 2)),
                CountyReference, "counties.csv")
    n_dated = int((dates["status"] == A.DATED).sum())
    assert n_dated == int(table.merge(matched, on="notice_id")["announced_on"].notna().sum())
    if rule == "exclude":
        assert len(result.reference) == n_dated
    else:  # every batch has a dated county: all 832 are in the reference
        assert len(result.reference) == 832
