"""countysurv.sample_flow: the 832 counties followed to the models, every exclusion with one reason.
Small frames written here: ten counties, each leaving (or not) at a chosen step."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from countysurv import sample_flow as SF
from countysurv.errors import InputDataError

NAN = np.nan
TERMS = ["upgrading_index", "nation", "industry", "resource_endowment"]

LIST = pd.DataFrame([
    ("520101", "甲县", "贵州"),   # not in the panel
    ("520102", "乙县", "贵州"),   # in the panel, no covariates row
    ("520103", "丙县", "贵州"),   # no upgrading index
    ("520104", "丁县", "贵州"),   # no integration_12 (only needed when it is a term)
    ("520105", "戊县", "贵州"),   # undated
    ("520106", "己县", "贵州"),   # imputed date, in the models (exit)
    ("530101", "庚县", "云南"),   # dated, not in the survival dataset
    ("530102", "辛县", "云南"),   # dated, a term missing in the survival dataset
    ("530103", "壬县", "云南"),   # dated, in the models (censored), upgrading index fallback
    ("530104", "癸县", "云南"),   # dated, in the models (exit)
], columns=["county_code", "canonical_name", "province"])
CODES = LIST["county_code"].tolist()
PANEL = CODES[1:]


def _covariates() -> pd.DataFrame:
    rows = []
    for code in CODES[2:]:
        row = {"county_code": code}
        for cov, value in (("upgrading_index", 2.1), ("integration_12", 0.5),
                           ("integration_13", 30.0), ("industry", 0.0),
                           ("resource_endowment", 9.5)):
            row[cov], row[f"{cov}_year"], row[f"{cov}_fallback"] = value, 2015, False
        rows.append(row)
    df = pd.DataFrame(rows).set_index("county_code")
    df.loc["520103", ["upgrading_index", "upgrading_index_year"]] = NAN
    df.loc["520104", ["integration_12", "integration_12_year"]] = NAN
    df.loc["530103", ["upgrading_index_year", "upgrading_index_fallback"]] = (2016, True)
    return df.reset_index()


COVARIATES = _covariates()
DATES = pd.DataFrame({
    "county_code": CODES,
    "status": ["undated", "dated", "dated", "dated", "undated", "imputed", "dated", "dated",
               "dated", "dated"],
    "reason": ["no provincial notice found for 贵州 2018 batch", "", "", "",
               "no provincial notice found for 贵州 2017 batch", "imputed (batch_median): x",
               "", "", "", ""],
})
REFERENCE = pd.DataFrame({"county_code": [c for c, s in zip(CODES, DATES["status"])
                                          if s != "undated"]})
IN_SURVIVAL = ["520104", "520106", "530102", "530103", "530104"]
SURVIVAL = pd.DataFrame({
    "county_code": IN_SURVIVAL, "duration_days": [1492, 1000, 1250, 1492, 900],
    "event": [0, 1, 1, 0, 1], "upgrading_index": 2.0, "integration_12": 0.5, "nation": 1,
    "industry": 0, "resource_endowment": [9.1, 9.2, NAN, 9.4, 9.5]})
SURVIVAL_EXCLUDED = pd.DataFrame({"county_code": ["530101"],
                                  "reason": "no value within the fallback window for industry"})


def _flow(**changes) -> SF.SampleFlow:
    args = dict(counties_832=LIST, panel_codes=PANEL, covariates=COVARIATES,
                reference=REFERENCE, dates=DATES, survival=SURVIVAL, terms=TERMS,
                baseline_year=2015, fallback_window=1, survival_excluded=SURVIVAL_EXCLUDED)
    args.update(changes)
    return SF.build_sample_flow(**args)


def test_build_sample_flow_counts_every_step():
    steps = _flow().steps.set_index("step")
    assert steps.index.tolist() == list(SF.STEPS)
    assert steps[["counties_in", "kept", "excluded"]].values.tolist() == [
        [10, 9, 1], [9, 7, 2], [7, 6, 1], [6, 4, 2]]


WITH_INTEGRATION = [*TERMS[:1], "integration_12", *TERMS[1:]]
#: The survival dataset of a run with integration_12 as a term: 丁县 (no integration_12) not in it.
SURVIVAL_WITH_INTEGRATION = SURVIVAL[SURVIVAL["county_code"] != "520104"]


@pytest.mark.parametrize("terms, survival", [(TERMS, SURVIVAL),
                                             (WITH_INTEGRATION, SURVIVAL_WITH_INTEGRATION)])
def test_build_sample_flow_counts_add_up_and_each_county_leaves_once(terms, survival):
    flow = _flow(terms=terms, survival=survival)
    steps = flow.steps
    assert (steps["counties_in"] == steps["kept"] + steps["excluded"]).all()
    assert steps["counties_in"].iat[0] == len(LIST)
    assert steps["kept"].iloc[:-1].tolist() == steps["counties_in"].iloc[1:].tolist()
    assert flow.excluded["county_code"].is_unique
    assert len(flow.excluded) + steps["kept"].iat[-1] == len(LIST)
    assert (flow.excluded["reason"] != "").all()
    assert tuple(flow.excluded.columns) == SF.EXCLUDED_COLUMNS
    assert flow.provinces["in_models"].sum() == steps["kept"].iat[-1]


def test_build_sample_flow_lists_each_exclusion_at_its_first_failed_step():
    excluded = _flow().excluded.set_index("county_code")
    assert excluded.loc["520101", ["name", "province", "step"]].tolist() == \
        ["甲县", "贵州", "in_panel"]
    assert excluded.at["520101", "reason"] == \
        "not in the imported panel: no row of the export resolved to it"
    assert excluded.at["520102", "step"] == "indicators"
    assert excluded.at["520102", "reason"] == "no row in covariates.csv (not ingested)"
    assert excluded.at["520103", "reason"] == ("no value in 2015 or within 1 year(s) of it for "
                                               "upgrading_index (from va_primary, va_secondary and "
                                               "va_tertiary)")
    assert excluded.at["520105", "step"] == "dated"
    assert excluded.at["520105", "reason"] == \
        "no exit date: no provincial notice found for 贵州 2017 batch"
    assert excluded.at["530101", "step"] == "in_models"
    assert excluded.at["530101", "reason"] == ("not in the survival dataset: no value within "
                                               "the fallback window for industry")
    assert excluded.at["530102", "reason"] == "missing resource_endowment in the survival dataset"
    assert sorted(excluded.index) == ["520101", "520102", "520103", "520105", "530101", "530102"]


def test_build_sample_flow_needs_only_the_covariates_of_the_terms():
    # 丁县 lacks integration_12: kept without that term, excluded at the indicators step with it
    assert "520104" not in set(_flow().excluded["county_code"])
    flow = _flow(terms=WITH_INTEGRATION, survival=SURVIVAL_WITH_INTEGRATION)
    row = flow.excluded.set_index("county_code").loc["520104"]
    assert row["step"] == "indicators"
    assert "integration_12 (from agri_machinery_power and rural_population)" in row["reason"]


def test_build_sample_flow_counts_exits_imputed_dates_and_fallbacks():
    flow = _flow()
    assert flow.events == 2              # 己县 and 癸县; 丁县 and 壬县 are censored
    assert flow.imputed == 1             # 己县
    assert flow.fallbacks["upgrading_index"] == 1
    assert flow.fallbacks["resource_endowment"] == 0
    prov = flow.provinces.set_index("province")
    assert prov.loc["贵州", ["list", "in_panel", "indicators", "dated", "in_models", "exits"]
                    ].tolist() == [6, 5, 3, 2, 2, 1]
    assert prov.loc["云南", ["list", "in_models", "exits"]].tolist() == [4, 2, 1]
    assert prov.index.tolist() == ["贵州", "云南"]  # province code order: 52 before 53


def test_build_sample_flow_without_survival_reasons_still_names_the_step():
    excluded = _flow(survival_excluded=None).excluded.set_index("county_code")
    assert excluded.at["530101", "reason"] == "not in the survival dataset"


@pytest.mark.parametrize("changes, message", [
    ({"panel_codes": [*PANEL, "999999"]}, "the imported panel: 1 county code.*not in the 832 "
                                          "list: 999999"),
    ({"terms": [*TERMS, "rural_income"]}, "covariates.csv: no column for model term.*rural_income"),
    ({"survival": SURVIVAL.drop(columns="industry")}, "survival dataset: no column for industry"),
    ({"survival": pd.concat([SURVIVAL, SURVIVAL.iloc[:1].assign(county_code="520105")])},
     "1 county.*that an earlier step of the sample flow excluded are in it \\(520105\\)"),
])
def test_build_sample_flow_rejects_inconsistent_inputs(changes, message):
    with pytest.raises(InputDataError, match=message):
        _flow(**changes)


def test_render_sample_md_prints_the_flow_the_exclusions_and_the_provinces():
    text = SF.render_sample_md(_flow())
    assert "| the 832-county list | | 10 | |" in text
    assert "| in the imported panel | 10 | 9 | 1 |" in text
    assert ("| with upgrading_index, industry, resource_endowment in 2015 or within 1 year(s) "
            "of it | 9 | 7 | 2 |") in text
    assert "| in the models (survival dataset, every term present) | 6 | 4 | 2 |" in text
    assert "- In the models: 4 counties, 2 exits announced by the censor date, 2 censored." in text
    assert "### Step 3 (`dated`), with an exit date in the county reference: 1 excluded" in text
    assert ("- no exit date: no provincial notice found for 贵州 2017 batch (1): 520105 戊县 "
            "(贵州)") in text
    assert "| 贵州 | 6 | 5 | 3 | 2 | 2 | 1 |" in text
    assert "| total | 10 | 9 | 7 | 6 | 4 | 2 |" in text


def test_codes_of_files_reads_the_import_file_names():
    assert SF.codes_of_files(["a/b/522727.csv", "522728.csv"]) == ["522727", "522728"]
    with pytest.raises(InputDataError, match="平塘县.csv: a bulletin file of the import"):
        SF.codes_of_files(["平塘县.csv"])


def test_counties_outside_the_selected_provinces_leave_at_the_first_step_with_that_reason():
    yunnan = LIST.loc[LIST["province"] == "云南", "county_code"].tolist()
    flow = _flow(covariates=COVARIATES[COVARIATES["county_code"].isin(yunnan)],
                 survival=SURVIVAL[SURVIVAL["county_code"].isin(yunnan)], provinces=["云南"])
    first = flow.excluded[flow.excluded["step"] == "in_panel"]
    assert sorted(first["county_code"]) == LIST.loc[LIST["province"] == "贵州",
                                                    "county_code"].tolist()
    assert set(first["reason"]) == {"outside the provinces this run is restricted to "
                                    "(real_study.provinces: 云南)"}
    steps = flow.steps.set_index("step")
    assert steps.loc["in_panel", ["counties_in", "kept", "excluded"]].tolist() == [10, 4, 6]
