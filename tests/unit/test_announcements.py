"""countysurv.announcements: reading and checking the table of provincial exit notices, matching it
to the 832 counties, county_dates and coverage. Small frames written here; the committed table is
checked against the real list in tests/test_real_announcements.py."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from countysurv import announcements as A
from countysurv.errors import InputDataError

#: A reference in the layout of results/real/counties_832.csv (only the columns the module reads):
#: five counties of two provinces, one with an autonomous name, one renamed since 2015.
REFERENCE = pd.DataFrame([
    ("522727", "522727", "贵州", "平塘县", "平塘县", "平塘县", "平塘县", "2019"),
    ("522732", "522732", "贵州", "三都水族自治县", "三都水族自治县", "三都水族自治县",
     "三都水族自治县", "2019"),
    ("520221", "520204", "贵州", "水城区", "水城县", "水城区", "水城县|水城区", "2019"),
    ("522728", "522728", "贵州", "罗甸县", "罗甸县", "罗甸县", "罗甸县", "2018"),
    ("141123", "141123", "山西", "兴县", "兴县", "兴县", "兴县", "2019"),
], columns=["county_code", "code_current", "province", "canonical_name", "name_2015",
            "name_current", "names_known", "exit_year"])

GOOD = {
    "notice_id": "GZ-2019", "province": "贵州", "exit_batch": "2019", "announced_on": "2020-03-03",
    "date_basis": "notice_published", "reported_on": "", "issuing_body": "贵州省人民政府",
    "document": "", "counties": "平塘县;三都县;水城县", "batch_exceptions": "",
    "source_url": "https://example.org/gz-2019", "source_title": "", "note": "",
}


def _write(path: Path, rows: list[dict]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=A.ANNOUNCEMENT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _table(tmp_path: Path, *changes: dict) -> Path:
    """A table of GOOD with each dict of ``changes`` applied to a copy (one row per dict)."""
    rows = [{**GOOD, **c} for c in changes] if changes else [GOOD]
    return _write(tmp_path / "exit_announcements.csv", rows)


# --- read_announcements: one check per row --------------------------------------------------


def test_read_announcements_accepts_a_good_row_and_types_it(tmp_path):
    df = A.read_announcements(_table(tmp_path))
    assert df.loc[0, "exit_batch"] == 2019
    assert df.loc[0, "announced_on"] == pd.Timestamp("2020-03-03")
    assert pd.isna(df.loc[0, "reported_on"])
    assert df.loc[0, "line"] == 2


@pytest.mark.parametrize("change, message", [
    ({"source_url": "", "source_title": ""}, "no source"),
    ({"announced_on": "2020-3-3"}, "not an ISO date"),
    ({"announced_on": "2020-02-30"}, "not an ISO date"),
    ({"announced_on": ""}, "not an ISO date"),
    ({"announced_on": "2015-11-28"}, "before the policy date 2015-11-29"),
    ({"date_basis": "guessed"}, "date_basis 'guessed' is not one of"),
    ({"province": "贵州省"}, "unknown province"),
    ({"exit_batch": "2015"}, "exit_batch '2015'"),
    ({"counties": ""}, "no county listed"),
    ({"counties": "平塘县;平塘县"}, "county listed twice: 平塘县"),
    ({"date_basis": "not_stated"}, "given with date_basis not_stated"),
    ({"date_basis": "not_stated", "announced_on": ""}, "needs reported_on"),
    ({"reported_on": "2020-03-01"}, "reported_on 2020-03-01 is before announced_on"),
    ({"batch_exceptions": "罗甸县", "note": "x"}, "batch_exceptions not among the row's counties"),
    ({"batch_exceptions": "平塘县"}, "batch_exceptions need their reason in note"),
    ({"notice_id": ""}, "empty notice_id"),
])
def test_read_announcements_rejects_a_bad_row_naming_file_and_line(tmp_path, change, message):
    path = _table(tmp_path, {"notice_id": "GZ-2018", "exit_batch": "2018", "counties": "罗甸县"},
                  change)
    with pytest.raises(InputDataError) as err:
        A.read_announcements(path)
    text = str(err.value)
    assert message in text
    assert f"{path}:3:" in text          # the second data row is line 3
    assert f"{path}:2:" not in text      # the good row is not blamed


def test_read_announcements_collects_every_problem_at_once(tmp_path):
    path = _table(tmp_path, {"source_url": ""}, {"notice_id": "B", "announced_on": "2014-01-01"})
    with pytest.raises(InputDataError) as err:
        A.read_announcements(path)
    assert "2 problem(s)" in str(err.value)


def test_read_announcements_rejects_a_repeated_notice_id(tmp_path):
    with pytest.raises(InputDataError, match=r":3: notice_id 'GZ-2019' already used on line 2"):
        A.read_announcements(_table(tmp_path, {}, {}))


def test_read_announcements_accepts_an_undated_row_with_its_report_date(tmp_path):
    df = A.read_announcements(_table(tmp_path, {"announced_on": "", "date_basis": "not_stated",
                                                "reported_on": "2020-03-05"}))
    assert pd.isna(df.loc[0, "announced_on"])
    assert df.loc[0, "reported_on"] == pd.Timestamp("2020-03-05")


def test_read_announcements_names_missing_columns(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("notice_id,province\nA,贵州\n", encoding="utf-8")
    with pytest.raises(InputDataError, match=r"t\.csv: the exit announcements lacks column\(s\) exit_batch"):
        A.read_announcements(path)


# --- match_counties: against the 832 list ---------------------------------------------------


def test_match_counties_resolves_short_and_2015_names(tmp_path):
    path = _table(tmp_path)
    matched = A.match_counties(A.read_announcements(path), REFERENCE, path)
    assert matched["county_code"].tolist() == ["522727", "522732", "520221"]
    assert matched["printed_name"].tolist() == ["平塘县", "三都县", "水城县"]
    assert not matched["batch_exception"].any()


def test_match_counties_rejects_a_name_outside_the_province(tmp_path):
    path = _table(tmp_path, {"counties": "平塘县;兴县"})
    with pytest.raises(InputDataError, match=r":2 \(GZ-2019\): county '兴县' is not one of the 4 "
                                             r"counties of the reference in 贵州"):
        A.match_counties(A.read_announcements(path), REFERENCE, path)


def test_match_counties_rejects_a_county_of_another_batch(tmp_path):
    path = _table(tmp_path, {"counties": "平塘县;罗甸县"})
    with pytest.raises(InputDataError, match=r"罗甸县 \(522728\) is in the 2018 batch of the 832 "
                                             r"list, not 2019"):
        A.match_counties(A.read_announcements(path), REFERENCE, path)


def test_match_counties_accepts_a_declared_batch_exception(tmp_path):
    path = _table(tmp_path, {"counties": "平塘县;罗甸县", "batch_exceptions": "罗甸县",
                             "note": "the notice dates 罗甸县 a year after the list"})
    matched = A.match_counties(A.read_announcements(path), REFERENCE, path)
    assert matched.set_index("county_code")["batch_exception"].to_dict() == {
        "522727": False, "522728": True}


def test_match_counties_rejects_a_county_dated_twice(tmp_path):
    path = _table(tmp_path, {}, {"notice_id": "GZ-2019b", "counties": "水城区"})
    with pytest.raises(InputDataError, match=r"county 520221 is dated twice: 水城县 on line 2 "
                                             r"\(GZ-2019\), 水城区 on line 3 \(GZ-2019b\)"):
        A.match_counties(A.read_announcements(path), REFERENCE, path)


# --- county_dates and coverage --------------------------------------------------------------


@pytest.fixture()
def dated(tmp_path):
    path = _table(tmp_path, {"counties": "平塘县;三都县"},
                  {"notice_id": "SX-2019", "province": "山西", "announced_on": "",
                   "date_basis": "not_stated", "reported_on": "2020-02-27", "counties": "兴县"})
    table, matched = A.read_checked(path, REFERENCE)
    return A.county_dates(table, matched, REFERENCE)


def test_county_dates_one_row_per_county_of_the_list(dated):
    assert sorted(dated["county_code"]) == sorted(REFERENCE["county_code"])
    assert dated["county_code"].is_unique


def test_county_dates_dates_only_counties_a_dated_notice_names(dated):
    by = dated.set_index("county_code")
    assert by.loc["522727", "status"] == "dated"
    assert by.loc["522727", "announced_on"] == pd.Timestamp("2020-03-03")
    assert by.loc["522727", "notice_id"] == "GZ-2019"
    assert by.loc["522727", "reason"] == ""
    assert (dated["status"] == "dated").sum() == 2


def test_county_dates_gives_the_reason_of_every_undated_county(dated):
    by = dated.set_index("county_code")
    assert by.loc["520221", "reason"] == ("not named in the notice(s) found for 贵州 2019 batch "
                                          "(GZ-2019)")
    assert by.loc["522728", "reason"] == "no provincial notice found for 贵州 2018 batch"
    assert by.loc["141123", "reason"] == ("notice SX-2019 names it but its source states no day "
                                          "(reported on 2020-02-27)")
    undated = dated[dated["status"] == "undated"]
    assert undated["announced_on"].isna().all()
    assert (undated["reason"] != "").all()


def test_county_dates_carries_the_note_of_a_batch_exception(tmp_path):
    path = _table(tmp_path, {"counties": "平塘县;罗甸县", "batch_exceptions": "罗甸县",
                             "note": "listed in the 2018 batch"})
    table, matched = A.read_checked(path, REFERENCE)
    by = A.county_dates(table, matched, REFERENCE).set_index("county_code")
    assert by.loc["522728", "batch_note"] == "listed in the 2018 batch"
    assert by.loc["522727", "batch_note"] == ""


def test_coverage_counts_add_up_per_province_and_batch(dated):
    cov = A.coverage(dated)
    assert cov[["province", "exit_year", "counties", "dated", "undated"]].values.tolist() == [
        ["山西", 2019, 1, 0, 1],
        ["贵州", 2018, 1, 0, 1],
        ["贵州", 2019, 3, 2, 1],
    ]
    assert (cov["dated"] + cov["undated"] == cov["counties"]).all()


def test_county_dates_with_no_notice_leaves_every_county_undated_with_its_reason(tmp_path):
    path = _write(tmp_path / "empty.csv", [])
    table, matched = A.read_checked(path, REFERENCE)
    dates = A.county_dates(table, matched, REFERENCE)
    assert (dates["status"] == "undated").all()
    assert set(dates["reason"]) == {"no provincial notice found for 贵州 2019 batch",
                                    "no provincial notice found for 贵州 2018 batch",
                                    "no provincial notice found for 山西 2019 batch"}
    assert A.coverage(dates)["dated"].sum() == 0
