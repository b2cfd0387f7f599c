"""Unit tests of countysurv.extended: Weibull AFT, clustered Cox, counting process, time-varying Cox.

Known answers: parameter recovery on data simulated from the model, identities that must hold
exactly (a county's follow-up split into pieces with the same covariates leaves the Cox fit
unchanged; one interval per county is the ordinary Cox model; score residuals sum to the score),
and agreement with lifelines. Agreement with R is in tests/test_r_extended.py.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from countysurv import extended, models, simulate
from countysurv.errors import InputDataError, ModelFitError

TERMS = models.TERMS
N_SE = 3.0  # recovery tolerance in standard errors


def _covariates(rng: np.random.Generator, n: int) -> pd.DataFrame:
    return pd.DataFrame({
        "county_code": [f"{100000 + i:06d}" for i in range(n)],
        "upgrading_index": rng.normal(2.1, 0.1, n),
        "integration_12": rng.lognormal(np.log(0.6), 0.4, n),
        "integration_13": rng.normal(30, 8, n),
        "nation": (rng.random(n) < 0.35).astype(int),
        "industry": (rng.random(n) < 0.3).astype(int),
        "resource_endowment": rng.normal(9.6, 0.3, n),
    })


@pytest.fixture(scope="module")
def aft_data():
    """Weibull AFT data: log T = 5 + x'b + sigma W, sigma = 0.5, uniform censoring (~30 %)."""
    rng = np.random.default_rng(0)
    df = _covariates(rng, 3000)
    b = np.array([0.4, -0.3, 0.01, -0.5, 0.4, -0.2])
    x = df[TERMS].to_numpy(float) - df[TERMS].to_numpy(float).mean(axis=0)
    w = np.log(-np.log(rng.uniform(size=len(df))))  # standard minimum extreme value
    t = np.exp(5.0 + x @ b + 0.5 * w)
    c = rng.uniform(0, np.quantile(t, 0.95) * 1.6, len(df))
    df["duration_days"] = np.minimum(t, c)
    df["event"] = (t <= c).astype(int)
    return df, b


def test_fit_weibull_aft_recovers_known_parameters(aft_data):
    df, b = aft_data
    fit = extended.fit_weibull_aft(df)
    for j, t in enumerate(TERMS):
        assert abs(fit["coef"][t] - b[j]) < N_SE * fit["se"][t], t
    assert abs(fit["shape"] - 2.0) < N_SE * fit["shape_se"]
    assert fit["time_ratio"]["nation"] == pytest.approx(math.exp(fit["coef"]["nation"]))
    assert fit["cox_equivalent_coef"]["nation"] == pytest.approx(-fit["coef"]["nation"] * fit["shape"])
    assert fit["lifelines_max_abs_diff"] <= 1e-3   # a bound: the power of ten above the diff
    assert fit["n_events"] == int(df["event"].sum())


def test_weibull_aft_newton_same_from_any_start(aft_data):
    df, _ = aft_data
    X = np.column_stack([np.ones(len(df)), df[TERMS].to_numpy(float)])
    a, ll_a, _, _ = extended.weibull_aft_newton(X, df["duration_days"], df["event"])
    b, ll_b, _, _ = extended.weibull_aft_newton(X, df["duration_days"], df["event"],
                                                theta0=a + 0.05)
    assert np.max(np.abs(a - b)) < 1e-8
    assert ll_a == pytest.approx(ll_b, rel=1e-12)


@pytest.fixture(scope="module")
def cox_data():
    study = simulate.simulate_study(150, seed=5)
    df = study.covariates[["county_code", "duration_days", "event", *TERMS]].copy()
    df["province"] = study.counties["province"].to_numpy()
    return df


def _design(df):
    return extended.CountingDesign(df[TERMS].to_numpy(float), np.zeros(len(df)),
                                   df["duration_days"].to_numpy(float), df["event"].to_numpy())


def test_score_residuals_sum_to_the_score(cox_data):
    d = _design(cox_data)
    beta = np.full(len(TERMS), 0.1)
    _, score, _ = d.derivatives(beta)
    np.testing.assert_allclose(d.score_residuals(beta).sum(axis=0), score, atol=1e-10)


def test_singleton_clusters_give_the_lifelines_robust_variance(cox_data):
    from lifelines import CoxPHFitter

    data = cox_data[["duration_days", "event", *TERMS]].astype(float)
    cph = CoxPHFitter().fit(data, "duration_days", "event", robust=True)
    fit = extended.fit_cox_clustered(cox_data, cox_data["county_code"])
    # lifelines' robust variance treats the tied exit days differently from R's Efron score
    # residuals (ours match R to 1e-6, tests/test_r_extended.py): agreement to ~1e-3 only
    for t in TERMS:
        assert fit["se"][t] == pytest.approx(cph.standard_errors_[t], rel=2e-3), t


def test_fit_cox_clustered_keeps_the_cox_estimate(cox_data):
    fit = extended.fit_cox_clustered(cox_data, cox_data["province"])
    cox = models.fit_cox(cox_data)
    assert fit["coef"] == cox["coef"]
    assert fit["se_model"] == pytest.approx(cox["se"], rel=1e-9)
    assert fit["n_clusters"] == cox_data["province"].nunique()
    # relabelling the clusters changes nothing
    relabel = cox_data["province"].map(lambda p: f"x{hash(p) % 1000}-{p}")
    again = extended.fit_cox_clustered(cox_data, relabel)
    assert again["se"] == pytest.approx(fit["se"], rel=1e-12)


def test_attach_clusters_names_counties_without_a_province(cox_data):
    ref = pd.DataFrame({"county_code": cox_data["county_code"][1:], "province": "甲省"})
    with pytest.raises(InputDataError, match=cox_data["county_code"].iloc[0]):
        extended.attach_clusters(cox_data, ref)


def test_time_varying_cox_with_one_interval_per_county_is_the_cox_model(cox_data):
    cp = cox_data.assign(start=0, stop=cox_data["duration_days"])
    tv = extended.fit_cox_time_varying(cp, check_lifelines=False)
    cox = models.fit_cox(cox_data)
    for t in TERMS:
        assert tv["coef"][t] == pytest.approx(cox["coef"][t], rel=1e-8)
        assert tv["se"][t] == pytest.approx(cox["se"][t], rel=1e-8)
    assert tv["log_likelihood"] == pytest.approx(cox["log_likelihood"], rel=1e-10)


def test_time_varying_cox_invariant_to_splitting_follow_up(cox_data):
    """Cutting each county's follow-up at fixed days (same covariates) changes no estimate."""
    pieces = []
    for cut_lo, cut_hi in ((0, 300), (300, 900), (900, 10_000)):
        part = cox_data[cox_data["duration_days"] > cut_lo].copy()
        part["start"] = cut_lo
        part["stop"] = np.minimum(part["duration_days"], cut_hi)
        part["event"] = np.where(part["duration_days"] <= cut_hi, part["event"], 0)
        pieces.append(part)
    cp = pd.concat(pieces, ignore_index=True)
    whole = extended.fit_cox_time_varying(cox_data.assign(start=0, stop=cox_data["duration_days"]),
                                          check_lifelines=False)
    split = extended.fit_cox_time_varying(cp)
    assert split["n_intervals"] > len(cox_data)
    for t in TERMS:
        assert split["coef"][t] == pytest.approx(whole["coef"][t], rel=1e-9)
        assert split["se"][t] == pytest.approx(whole["se"][t], rel=1e-9)
    assert split["lifelines_max_abs_diff"] <= 1e-5   # a bound: the power of ten above the diff


def test_fit_cox_time_varying_rejects_bad_intervals(cox_data):
    cp = cox_data.assign(start=0, stop=cox_data["duration_days"])
    cp.loc[cp.index[0], "start"] = cp["stop"].iloc[0]
    with pytest.raises(InputDataError, match="stop <= start"):
        extended.fit_cox_time_varying(cp)
    with pytest.raises(ModelFitError, match="no events"):
        extended.fit_cox_time_varying(cox_data.assign(start=0, stop=cox_data["duration_days"],
                                                      event=0))


def test_year_intervals_tile_the_follow_up():
    spans = extended.year_intervals("2015-11-29", "2020-01-01")
    assert spans.values.tolist() == [[2015, 0, 32], [2016, 32, 398], [2017, 398, 763],
                                     [2018, 763, 1128], [2019, 1128, 1493], [2020, 1493, 1494]]
    with pytest.raises(InputDataError):
        extended.year_intervals("2020-01-01", "2015-11-29")


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
    cp, dropped = extended.build_counting_process(_yearly(surv["county_code"]), surv,
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
    cp, dropped = extended.build_counting_process(yearly, surv, "2015-11-29", "2020-01-01")
    row = cp[(cp["county_code"] == "000001") & (cp["year"] == 2017)]
    assert bool(row["fallback"].iloc[0]) and int(cp["fallback"].sum()) == 1
    assert dropped.empty
    cp, dropped = extended.build_counting_process(yearly, surv, "2015-11-29", "2020-01-01",
                                                  missing="drop")
    assert len(dropped) == 1 and dropped["year"].iloc[0] == 2017
    assert "integration_12" in dropped["reason"].iloc[0]
    assert len(cp) + len(dropped) == 4 + 6
    with pytest.raises(InputDataError, match="missing"):
        extended.build_counting_process(yearly, surv, "2015-11-29", "2020-01-01", missing="zero")


def test_covariates_for_year_matches_the_baseline_rule():
    from countysurv import indices

    yearly = _yearly(["000001", "000002", "000003"])
    yearly.loc[[0, 7, 8, 9, 13, 14], "upgrading_index"] = np.nan
    for year in (2014, 2015, 2019):
        for window in (0, 1, 2):
            ours = extended.covariates_for_year(yearly, year, window).set_index("county_code")
            ref = indices.baseline_covariates(yearly, year, window).set_index("county_code")
            for cov in indices.PANEL_COVARIATES:
                pd.testing.assert_series_equal(ours[cov], ref[cov].astype(float),
                                               check_names=False)
                assert ours[f"{cov}_year"].fillna(-1).tolist() == \
                    ref[f"{cov}_year"].fillna(-1).tolist()
