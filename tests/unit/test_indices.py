"""Covariates at the baseline year, with fallback."""

import math

import numpy as np
import pandas as pd
import pytest

from countysurv.errors import ConfigError, InputDataError
from countysurv.indices import (baseline_covariates, check_complete, incomplete_counties,
                                yearly_covariates)
from countysurv.panels import build_panel


def panel_from(values):
    rows = [{"county_code": c, "year": y, "indicator": k, "value": v}
            for (c, y), d in values.items() for k, v in d.items()]
    codes = sorted({c for c, _ in values})
    return build_panel(pd.DataFrame(rows), codes, (2014, 2016))


FULL = {"gdp": 1000.0, "va_primary": 400.0, "va_secondary": 300.0, "va_tertiary": 300.0,
        "population": 10.0, "rural_population": 8.0, "agri_machinery_power": 4.0,
        "agri_services_output": 240.0}


def test_yearly_covariates_follow_design_definitions():
    panel = panel_from({("990001", 2015): {**FULL, "gdp_per_capita": 120.0}})
    row = yearly_covariates(panel).set_index("year").loc[2015]
    assert row["upgrading_index"] == pytest.approx(1 * 0.4 + 2 * 0.3 + 3 * 0.3)
    assert row["integration_12"] == pytest.approx(0.5)
    assert row["integration_13"] == pytest.approx(30.0)
    assert row["industry"] == 1.0
    assert row["resource_endowment"] == pytest.approx(math.log(120.0))
    assert not row["resource_endowment_derived"]


def test_yearly_covariates_derive_per_capita_gdp_and_ratio_variant():
    panel = panel_from({("990001", 2015): FULL})
    row = yearly_covariates(panel, "tertiary_secondary_ratio").set_index("year").loc[2015]
    assert row["resource_endowment"] == pytest.approx(math.log(100.0))
    assert row["resource_endowment_derived"]
    assert row["upgrading_index"] == pytest.approx(1.0)


def test_yearly_covariates_industry_needs_primary_strictly_largest():
    panel = panel_from({("990001", 2015): {**FULL, "va_secondary": 400.0}})
    assert yearly_covariates(panel).set_index("year").loc[2015, "industry"] == 0.0


def test_yearly_covariates_rejects_unknown_method():
    with pytest.raises(ConfigError, match="upgrading"):
        yearly_covariates(panel_from({("990001", 2015): FULL}), "entropy")


def test_baseline_covariates_falls_back_to_nearest_year_and_flags_it():
    no_machinery = {k: v for k, v in FULL.items() if k != "agri_machinery_power"}
    panel = panel_from({("990001", 2014): {**FULL, "agri_machinery_power": 2.0},
                        ("990001", 2015): no_machinery,
                        ("990001", 2016): {**FULL, "agri_machinery_power": 6.0}})
    cov = baseline_covariates(yearly_covariates(panel), 2015, 1).iloc[0]
    assert cov["integration_12"] == pytest.approx(2.0 / 8.0)   # earlier year wins the tie
    assert cov["integration_12_year"] == 2014
    assert cov["integration_12_fallback"]
    assert cov["integration_13_year"] == 2015
    assert not cov["integration_13_fallback"]


def test_baseline_covariates_without_window_leaves_missing_and_check_names_it():
    no_machinery = {k: v for k, v in FULL.items() if k != "agri_machinery_power"}
    panel = panel_from({("990001", 2014): FULL, ("990001", 2015): no_machinery})
    cov = baseline_covariates(yearly_covariates(panel), 2015, 0)
    assert np.isnan(cov.loc[0, "integration_12"])
    assert pd.isna(cov.loc[0, "integration_12_year"])
    with pytest.raises(InputDataError, match="990001: no value within the fallback window for "
                                             "integration_12"):
        check_complete(cov, "covariates")


def test_check_complete_passes_when_every_covariate_is_there():
    panel = panel_from({("990001", 2015): FULL})
    cov = baseline_covariates(yearly_covariates(panel), 2015, 0)
    assert incomplete_counties(cov).empty
    assert list(incomplete_counties(cov).columns) == ["county_code", "reason"]
    check_complete(cov, "covariates")   # no error
