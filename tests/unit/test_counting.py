"""Unit tests of countysurv.counting: calendar-year intervals of follow-up, lagged covariates
with the baseline fallback rule, and the accounting of intervals kept and dropped."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from countysurv import counting, indices
from countysurv.errors import InputDataError


def test_year_intervals_tile_the_follow_up():
    spans = counting.year_intervals("2015-11-29", "2020-01-01")
    assert spans.values.tolist() == [[2015, 0, 32], [2016, 32, 398], [2017, 398, 763],
                                     [2018, 763, 1128], [2019, 1128, 1493], [2020, 1493, 1494]]
    with pytest.raises(InputDataError):
        counting.year_intervals("2020-01-01", "2015-11-29")


def _yearly(codes, years=range(2014, 2020)):
    rng = np.random.default_rng(3)
    rows = []
    for code in codes:
        for y in years:
            rows.append({"county_code": code, "year": y, "upgrading_index": 2 + 0.01 * (y - 2014),
                         "integration_12": rng.uniform(0.3, 1), "integration_13": float(y),
                         "industry": float(y % 2), "resource_endowment": 9.0,
                         "resource_endowment_derived": False})
    return pd.DataFrame(rows)


def test_build_counting_process_lags_and_accounts_for_every_day():
    surv = pd.DataFrame({"county_code": ["000001", "000002", "000003"],
                         "duration_days": [20, 500, 1494], "event": [1, 1, 0],
                         "nation": [0, 1, 0]})
    cp, dropped = counting.build_counting_process(_yearly(surv["county_code"]), surv,
                                                  "2015-11-29", "2020-01-01", lag_years=1)
    assert dropped.empty
    assert (cp["covariate_year"] == cp["year"] - 1).all()
    assert (cp["integration_13"] == cp["covariate_year"]).all()  # the lagged year's value
    by = cp.groupby("county_code")
    length = (cp["stop"] - cp["start"]).groupby(cp["county_code"]).sum()
    assert (length == surv.set_index("county_code")["duration_days"]).all()
    assert by["event"].sum().tolist() == [1, 1, 0]
    assert cp.groupby("county_code").tail(1)["event"].tolist() == [1, 1, 0]
    assert by.size().tolist() == [1, 3, 6]
    assert (cp.loc[cp["county_code"] == "000002", "nation"] == 1).all()


def test_build_counting_process_fallback_flags_and_drop_lists():
    surv = pd.DataFrame({"county_code": ["000001", "000002"], "duration_days": [900, 1494],
                         "event": [1, 0], "nation": [0, 0]})
    yearly = _yearly(surv["county_code"])
    yearly.loc[(yearly["county_code"] == "000001") & (yearly["year"] == 2016),
               "integration_12"] = np.nan
    cp, dropped = counting.build_counting_process(yearly, surv, "2015-11-29", "2020-01-01")
    row = cp[(cp["county_code"] == "000001") & (cp["year"] == 2017)]
    assert bool(row["fallback"].iloc[0]) and int(cp["fallback"].sum()) == 1
    assert dropped.empty
    cp, dropped = counting.build_counting_process(yearly, surv, "2015-11-29", "2020-01-01",
                                                  missing="drop")
    assert len(dropped) == 1 and dropped["year"].iloc[0] == 2017
    assert "integration_12" in dropped["reason"].iloc[0]
    assert len(cp) + len(dropped) == 4 + 6
    with pytest.raises(InputDataError, match="missing"):
        counting.build_counting_process(yearly, surv, "2015-11-29", "2020-01-01", missing="zero")


def test_covariates_for_year_matches_the_baseline_rule():
    yearly = _yearly(["000001", "000002", "000003"])
    yearly.loc[[0, 7, 8, 9, 13, 14], "upgrading_index"] = np.nan
    for year in (2014, 2015, 2019):
        for window in (0, 1, 2):
            ours = counting.covariates_for_year(yearly, year, window).set_index("county_code")
            ref = indices.baseline_covariates(yearly, year, window).set_index("county_code")
            for cov in indices.PANEL_COVARIATES:
                pd.testing.assert_series_equal(ours[cov], ref[cov].astype(float),
                                               check_names=False)
                assert ours[f"{cov}_year"].fillna(-1).tolist() == \
                    ref[f"{cov}_year"].fillna(-1).tolist()
