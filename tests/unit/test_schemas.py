"""Every pandera model: a passing and a failing frame (duplicate keys included)."""

import pandas as pd
import pytest

from countysurv import io
from countysurv.errors import InputDataError
from countysurv.schemas import BulletinRecord, Coverage, CountyReference, RejectedRow


def record(**over):
    row = {"county_code": "990001", "county_name": "x", "year": 2015, "indicator": "gdp",
           "value": 1e9, "unit": "yuan", "raw_value": "10", "raw_unit": "亿元", "factor": 1e8,
           "line": 2, "source": None, "note": None}
    return {**row, **over}


def test_bulletin_record_accepts_valid_rows():
    io.validate(pd.DataFrame([record(), record(year=2016, line=3)]), BulletinRecord, "ok")


def test_bulletin_record_accepts_the_optional_indicators():
    rows = [record(indicator="rural_income", unit="yuan", value=6595.0, raw_unit="元", factor=1.0),
            record(indicator="terrain_relief", unit="index", value=1.14, raw_unit="index",
                   factor=1.0, line=3)]
    io.validate(pd.DataFrame(rows), BulletinRecord, "ok")


@pytest.mark.parametrize(
    ("rows", "column"),
    [
        ([record(), record(line=3)], "county_code"),            # duplicate key
        ([record(indicator="gnp")], "indicator"),
        ([record(value=-1.0)], "value"),
        ([record(indicator="population", unit="persons", value=0.0)], "positive_where_required"),
        ([record(indicator="rural_income", unit="yuan", value=0.0)], "positive_where_required"),
        ([record(unit="万元")], "unit"),
        ([record(line=1)], "line"),
    ],
)
def test_bulletin_record_rejects_bad_rows(rows, column):
    with pytest.raises(InputDataError, match=column):
        io.validate(pd.DataFrame(rows), BulletinRecord, "bad")


def test_rejected_row_schema():
    good = pd.DataFrame([{"file": "a.csv", "line": 3, "raw": "x", "reason": "r"}])
    io.validate(good, RejectedRow, "ok")
    with pytest.raises(InputDataError, match="line"):
        io.validate(good.assign(line=0), RejectedRow, "bad")
    with pytest.raises(InputDataError, match="extra"):
        io.validate(good.assign(extra=1), RejectedRow, "bad")


def test_coverage_schema():
    good = pd.DataFrame([{"county_code": "990001", "indicator": "gdp", "years_expected": 6,
                          "years_present": 5, "missing": 1, "missing_years": "2016"}])
    io.validate(good, Coverage, "ok")
    with pytest.raises(InputDataError, match="county_code"):
        io.validate(pd.concat([good, good]), Coverage, "dup")
    with pytest.raises(InputDataError, match="missing"):
        io.validate(good.assign(missing=-1), Coverage, "bad")


def test_county_reference_schema():
    good = pd.DataFrame([{"county_code": "990001", "county_name": "a", "province": "p",
                          "ethnic_area": 1, "announced_on": pd.Timestamp("2017-01-01"), "line": 2},
                         {"county_code": "990002", "county_name": "b", "province": "p",
                          "ethnic_area": 0, "announced_on": pd.NaT, "line": 3}])
    io.validate(good, CountyReference, "ok")
    with pytest.raises(InputDataError, match="county_code"):
        io.validate(good.assign(county_code="990001"), CountyReference, "dup")
    with pytest.raises(InputDataError, match="ethnic_area"):
        io.validate(good.assign(ethnic_area=3), CountyReference, "bad")
    with pytest.raises(InputDataError, match="line"):  # line 1 is the header
        io.validate(good.assign(line=1), CountyReference, "bad")
