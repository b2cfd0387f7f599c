"""County reference list and the survival dataset."""

import pandas as pd
import pytest

from countysurv import io
from countysurv.errors import InputDataError
from countysurv.schemas import SurvivalSpell
from countysurv.survival import build_survival, durations, read_reference

REF_HEADER = "county_code,county_name,province,ethnic_area,announced_on\n"


def covariates(codes):
    return pd.DataFrame({"county_code": codes, "upgrading_index": 2.1, "integration_12": 0.5,
                         "integration_13": 30.0, "industry": 1.0, "resource_endowment": 9.5})


def reference(tmp_path, body):
    path = tmp_path / "counties.csv"
    path.write_text(REF_HEADER + body, encoding="utf-8")
    return read_reference(path)


def test_durations_follow_design_rule():
    ann = pd.Series(pd.to_datetime(["2016-11-29", "2020-01-01", "2020-03-01", None]))
    days, event = durations(ann, "2015-11-29", "2020-01-01")
    assert days.tolist() == [366, 1494, 1494, 1494]
    assert event.tolist() == [1, 1, 0, 0]


def test_build_survival_produces_design_columns(tmp_path):
    ref = reference(tmp_path, "990001,a,p,1,2017-03-01\n990002,b,p,0,\n990003,c,p,0,\n")
    surv, excluded = build_survival(covariates(["990001", "990002"]), ref, "2015-11-29",
                                    "2020-01-01")
    io.validate(surv, SurvivalSpell, "survival")
    assert list(surv.columns) == ["county_code", "duration_days", "event", "upgrading_index",
                                  "integration_12", "integration_13", "nation", "industry",
                                  "resource_endowment"]
    assert surv["nation"].tolist() == [1, 0]
    assert surv["event"].tolist() == [1, 0]
    assert excluded.to_dict("records") == [
        {"county_code": "990003", "reason": "in the reference list but has no bulletin file"}]


def test_build_survival_rejects_announcement_before_policy_date(tmp_path):
    ref = reference(tmp_path, "990001,a,p,1,2015-06-01\n")
    with pytest.raises(InputDataError, match=r"990001 \(2015-06-01\)"):
        build_survival(covariates(["990001"]), ref, "2015-11-29", "2020-01-01")


def test_build_survival_rejects_county_missing_from_reference(tmp_path):
    ref = reference(tmp_path, "990001,a,p,1,2017-06-01\n")
    with pytest.raises(InputDataError, match="not in the reference list: 990002"):
        build_survival(covariates(["990001", "990002"]), ref, "2015-11-29", "2020-01-01")


def test_build_survival_excludes_incomplete_county_with_reason(tmp_path):
    ref = reference(tmp_path, "990001,a,p,1,2017-06-01\n990002,b,p,0,\n")
    cov = covariates(["990001", "990002"])
    cov.loc[1, "integration_12"] = float("nan")
    surv, excluded = build_survival(cov, ref, "2015-11-29", "2020-01-01")
    assert surv["county_code"].tolist() == ["990001"]
    assert "integration_12" in excluded.loc[0, "reason"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("990001,a,p,1,2017/06/01\n", "line 2: announced_on '2017/06/01' is not a date"),
        ("990001,a,p,2,\n", "line 2: ethnic_area '2' is not 0 or 1"),
        ("99001,a,p,1,\n", "line 2: county_code '99001' is not 6 digits"),
        ("990001,a,p,1,\n990001,b,p,0,\n", "line 3: county_code 990001 repeats line 2"),
        ("990001,a,p,1\n", "line 2: 4 fields"),
    ],
)
def test_read_reference_names_line_and_problem(tmp_path, body, message):
    with pytest.raises(InputDataError, match="counties.csv") as err:
        reference(tmp_path, body)
    assert message in str(err.value)


def test_survival_schema_rejects_bad_rows():
    good = pd.DataFrame({"county_code": ["990001"], "duration_days": [10], "event": [1],
                         "upgrading_index": [2.0], "integration_12": [0.5],
                         "integration_13": [30.0], "nation": [0], "industry": [1],
                         "resource_endowment": [9.0]})
    io.validate(good, SurvivalSpell, "ok")
    for column, value in (("duration_days", 0), ("event", 2), ("county_code", "99001")):
        bad = good.copy()
        bad[column] = value
        with pytest.raises(InputDataError, match=column):
            io.validate(bad, SurvivalSpell, "bad")
    with pytest.raises(InputDataError, match="county_code"):
        io.validate(pd.concat([good, good]), SurvivalSpell, "dup")
