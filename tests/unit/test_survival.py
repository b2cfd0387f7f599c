"""County reference list and the survival dataset."""

import pandas as pd
import pytest

from countysurv import io
from countysurv.errors import ConfigError, InputDataError
from countysurv.schemas import CountyReference, SurvivalSpell
from countysurv.survival import build_survival, durations

REF_HEADER = "county_code,county_name,province,ethnic_area,announced_on\n"


def covariates(codes):
    return pd.DataFrame({"county_code": codes, "upgrading_index": 2.1, "integration_12": 0.5,
                         "integration_13": 30.0, "industry": 1.0, "resource_endowment": 9.5})


def reference(tmp_path, body):
    path = tmp_path / "counties.csv"
    path.write_text(REF_HEADER + body, encoding="utf-8")
    return io.read_counties_csv(path, CountyReference)


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


def test_build_survival_excludes_county_missing_from_reference_when_asked(tmp_path):
    ref = reference(tmp_path, "990001,a,p,1,2017-06-01\n990003,c,p,0,\n")
    surv, excluded = build_survival(covariates(["990001", "990002"]), ref, "2015-11-29",
                                    "2020-01-01", counties_missing="exclude",
                                    reference_source="real/counties.csv")
    assert surv["county_code"].tolist() == ["990001"]
    assert excluded.to_dict("records") == [
        {"county_code": "990002", "reason": "not in the county reference list real/counties.csv "
                                            "(data.counties_missing: exclude)"},
        {"county_code": "990003", "reason": "in the reference list but has no bulletin file"}]


def test_build_survival_rejects_unknown_counties_missing_mode(tmp_path):
    ref = reference(tmp_path, "990001,a,p,1,2017-06-01\n")
    with pytest.raises(ConfigError, match="counties_missing"):
        build_survival(covariates(["990001"]), ref, "2015-11-29", "2020-01-01",
                       counties_missing="drop")


def test_build_survival_excludes_incomplete_county_with_reason(tmp_path):
    ref = reference(tmp_path, "990001,a,p,1,2017-06-01\n990002,b,p,0,\n")
    cov = covariates(["990001", "990002"])
    cov.loc[1, "integration_12"] = float("nan")
    surv, excluded = build_survival(cov, ref, "2015-11-29", "2020-01-01")
    assert surv["county_code"].tolist() == ["990001"]
    assert "integration_12" in excluded.loc[0, "reason"]
    same = build_survival(cov, ref, "2015-11-29", "2020-01-01", missing_covariate="exclude")
    pd.testing.assert_frame_equal(same[0], surv)
    pd.testing.assert_frame_equal(same[1], excluded)


def test_build_survival_missing_covariate_error_names_county_and_covariate(tmp_path):
    ref = reference(tmp_path, "990001,a,p,1,2017-06-01\n990002,b,p,0,\n")
    cov = covariates(["990001", "990002"])
    cov.loc[1, "integration_12"] = float("nan")
    with pytest.raises(InputDataError, match=r"^cov.parquet: 1 county\(ies\) lack a covariate "
                       r"at the baseline year \(990002: no value within the fallback window for "
                       r"integration_12\)"):
        build_survival(cov, ref, "2015-11-29", "2020-01-01", missing_covariate="error",
                       covariates_source="cov.parquet")
    surv, excluded = build_survival(cov.iloc[:1], ref, "2015-11-29", "2020-01-01",
                                    missing_covariate="error")
    assert surv["county_code"].tolist() == ["990001"]   # complete covariates pass


def test_build_survival_rejects_unknown_missing_covariate_value(tmp_path):
    ref = reference(tmp_path, "990001,a,p,1,2017-06-01\n")
    with pytest.raises(ConfigError, match="indices.missing_covariate must be one of "
                       r"\('exclude', 'error'\), got 'drop'"):
        build_survival(covariates(["990001"]), ref, "2015-11-29", "2020-01-01",
                       missing_covariate="drop")


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
