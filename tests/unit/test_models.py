"""Unit tests of countysurv.models: recovery on simulated data, PH test behaviour, pre-fit checks."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from countysurv import models
from countysurv.errors import InputDataError, ModelFitError, StudyError
from countysurv.terms import MODEL_TERMS

#: true coefficients used by the simulations (in MODEL_TERMS order)
BETA = np.array([0.8, 0.5, -0.6, -0.4, 0.3, 0.25])
#: recovery tolerance, in standard errors (two-sided 3 SE: ~0.3 % per coefficient by chance)
N_SE = 3.0


def _covariates(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Covariates on the scales of the real data: indices near 0.5, two dummies, a skewed count."""
    i12 = rng.normal(0.3, 0.3, n)
    return pd.DataFrame(
        {
            "county_code": [f"{100000 + i:06d}" for i in range(n)],
            "upgrading_index": rng.normal(0.5, 0.4, n),
            "integration_12": i12,
            "integration_13": 0.5 * i12 + rng.normal(0.1, 0.3, n),
            "nation": (rng.random(n) < 0.35).astype(float),
            "industry": (rng.random(n) < 0.4).astype(float),
            "resource_endowment": rng.gamma(2.0, 0.5, n),
        }
    )


def _simulate_cox(n: int, seed: int = 0, shape: float = 1.5, scale: float = 900.0) -> pd.DataFrame:
    """Weibull proportional-hazards data: H0(t) = (t/scale)^shape, uniform censoring (~25 %)."""
    rng = np.random.default_rng(seed)
    df = _covariates(rng, n)
    lp = df[list(MODEL_TERMS)].to_numpy() @ BETA
    t = scale * (-np.log(rng.random(n)) / np.exp(lp)) ** (1.0 / shape)
    c = rng.uniform(0.0, 4.0 * scale, n)
    df["duration_days"] = np.maximum(np.ceil(np.minimum(t, c) * 10), 1).astype(int)
    df["event"] = (t <= c).astype(int)
    return df


def _simulate_non_ph(n: int, seed: int = 0) -> pd.DataFrame:
    """`nation` flips its effect: log-HR +1 before day 600 and -1 after (piecewise
    exponential), the other terms act proportionally."""
    rng = np.random.default_rng(seed)
    df = _covariates(rng, n)
    other = df[list(MODEL_TERMS)].to_numpy() @ np.where(np.array(MODEL_TERMS) == "nation", 0.0, BETA)
    lam, t0, b_early, b_late = 1 / 2000, 600.0, 1.0, -1.0
    x = df["nation"].to_numpy()
    h_early = lam * np.exp(other + b_early * x)
    h_late = lam * np.exp(other + b_late * x)
    target = -np.log(rng.random(n))  # cumulative hazard at the event time
    t = np.where(target <= h_early * t0, target / h_early, t0 + (target - h_early * t0) / h_late)
    c = rng.uniform(0.0, 6000.0, n)
    df["duration_days"] = np.maximum(np.ceil(np.minimum(t, c)), 1).astype(int)
    df["event"] = (t <= c).astype(int)
    return df


@pytest.fixture(scope="module")
def cox_data() -> pd.DataFrame:
    return _simulate_cox(2000)


@pytest.fixture(scope="module")
def cox_fit(cox_data) -> dict:
    return models.fit_cox(cox_data)


@pytest.fixture
def small() -> pd.DataFrame:
    """A valid 40-row survival frame with ties, for the pre-fit checks."""
    df = _simulate_cox(40, seed=1)
    df["duration_days"] = (df["duration_days"] // 300 + 1) * 30
    return df


# ---------------------------------------------------------------------------------------------
# OLS
# ---------------------------------------------------------------------------------------------


def test_fit_ols_recovers_coefficients_within_3_se():
    rng = np.random.default_rng(0)
    n = 5000
    df = _covariates(rng, n)
    true = {"const": 1500.0, **dict(zip(MODEL_TERMS, [-300.0, 120.0, -80.0, 60.0, -40.0, 25.0]))}
    df["duration_days"] = (
        true["const"] + df[list(MODEL_TERMS)].to_numpy() @ np.array([true[t] for t in MODEL_TERMS]) + rng.normal(0, 200, n)
    )
    fit = models.fit_ols(df)
    assert list(fit["coef"]) == ["const", *MODEL_TERMS]
    for name, value in true.items():
        assert abs(fit["coef"][name] - value) < N_SE * fit["se"][name], name
    assert fit["n_obs"] == n and fit["df_model"] == len(MODEL_TERMS) and fit["df_resid"] == n - len(MODEL_TERMS) - 1
    assert 0 < fit["r2"] < 1 and fit["f_pvalue"] < 1e-10
    # homoskedastic errors: neither test should reject at 1 %
    assert fit["breusch_pagan"]["pvalue"] > 0.01 and fit["white"]["pvalue"] > 0.01
    assert set(fit["vif"]) == set(MODEL_TERMS) and all(v >= 1 for v in fit["vif"].values())


def test_fit_ols_white_df_ignores_a_product_of_dummies_that_is_never_one():
    # No county is both an ethnic area and primary-sector led (as in the real data of some
    # provinces): nation x industry is all zero in White's auxiliary design. It adds nothing to
    # the test's degrees of freedom, and must not stop the fit.
    rng = np.random.default_rng(3)
    df = _covariates(rng, 200)
    df.loc[df["nation"] == 1, "industry"] = 0.0
    df["duration_days"] = 1200 + 50 * df["nation"] + rng.normal(0, 100, 200)
    fit = models.fit_ols(df)
    k = 1 + len(MODEL_TERMS)
    # all squares and cross-products: k(k+1)/2 columns, less the two dummies' squares (equal to
    # the dummies) and the all-zero nation x industry, less the constant
    assert fit["white"]["df"] == k * (k + 1) // 2 - 3 - 1
    assert 0 <= fit["white"]["pvalue"] <= 1


def test_fit_ols_vif_matches_formula():
    rng = np.random.default_rng(0)
    df = _covariates(rng, 300)
    df["duration_days"] = 1000 + rng.normal(0, 100, 300)
    fit = models.fit_ols(df)
    x = df[list(MODEL_TERMS)].to_numpy()
    j = MODEL_TERMS.index("integration_13")
    others = np.column_stack([np.ones(len(x)), np.delete(x, j, axis=1)])
    resid = x[:, j] - others @ np.linalg.lstsq(others, x[:, j], rcond=None)[0]
    r2 = 1 - resid @ resid / ((x[:, j] - x[:, j].mean()) ** 2).sum()
    assert fit["vif"]["integration_13"] == pytest.approx(1 / (1 - r2), rel=1e-10)


def test_fit_ols_robust_cov_changes_se_not_coef():
    rng = np.random.default_rng(0)
    df = _covariates(rng, 500)
    # heteroskedastic errors: variance grows with upgrading_index
    df["duration_days"] = 1000 + 200 * df["upgrading_index"] + rng.normal(0, 1, 500) * 100 * np.exp(
        df["upgrading_index"]
    )
    plain = models.fit_ols(df)
    for cov in ("HC1", "HC3"):
        robust = models.fit_ols(df, cov_type=cov)
        assert robust["cov_type"] == cov
        assert robust["coef"] == pytest.approx(plain["coef"], rel=1e-12)
        assert robust["se"]["upgrading_index"] != pytest.approx(plain["se"]["upgrading_index"], rel=1e-3)
        assert robust["f_stat"] != pytest.approx(plain["f_stat"], rel=1e-3)  # robust Wald F
    assert plain["breusch_pagan"]["pvalue"] < 0.01


def test_fit_ols_rejects_unknown_cov_type(small):
    with pytest.raises(ModelFitError, match="cov_type"):
        models.fit_ols(small, cov_type="HC7")


# ---------------------------------------------------------------------------------------------
# Cox
# ---------------------------------------------------------------------------------------------


def test_fit_cox_recovers_coefficients_within_3_se(cox_data, cox_fit):
    assert cox_fit["converged"] and cox_fit["ties"] == "efron"
    for name, value in zip(MODEL_TERMS, BETA):
        assert abs(cox_fit["coef"][name] - value) < N_SE * cox_fit["se"][name], name
    assert cox_fit["n_obs"] == len(cox_data)
    assert cox_fit["n_events"] == int(cox_data["event"].sum())
    assert cox_fit["lr_df"] == len(MODEL_TERMS) and cox_fit["lr_pvalue"] < 1e-10
    assert 0.5 < cox_fit["concordance"] < 1
    assert cox_fit["warnings"] == []


def test_fit_cox_hazard_ratio_is_exp_coef(cox_fit):
    for name in MODEL_TERMS:
        assert cox_fit["hazard_ratio"][name] == pytest.approx(math.exp(cox_fit["coef"][name]), rel=1e-14)
        assert cox_fit["hr_ci_lower"][name] == pytest.approx(math.exp(cox_fit["ci_lower"][name]), rel=1e-14)
        assert cox_fit["ci_lower"][name] < cox_fit["coef"][name] < cox_fit["ci_upper"][name]


def test_fit_cox_result_is_plain_json(cox_fit):
    text = json.dumps(cox_fit, allow_nan=False)
    assert json.loads(text)["ph_test"]["method"] == "survival 3.x cox.zph score test"


def test_fit_cox_score_is_zero_at_estimate(cox_data, cox_fit):
    """The Schoenfeld residuals sum to the score, which is zero at the MLE."""
    resid = models.schoenfeld_residuals(cox_data, cox_fit["coef"])
    assert len(resid) == cox_fit["n_events"]
    assert np.abs(resid[list(MODEL_TERMS)].sum().to_numpy()).max() < 1e-8


def test_cox_zph_does_not_reject_on_ph_data(cox_data, cox_fit):
    ph = cox_fit["ph_test"]
    assert ph["transform"] == "km" and ph["global_df"] == len(MODEL_TERMS)
    assert ph["global_pvalue"] > 0.01
    assert min(ph["pvalue"].values()) > 0.01


def test_cox_zph_rejects_on_flipping_effect():
    df = _simulate_non_ph(1500)
    fit = models.fit_cox(df)
    ph = fit["ph_test"]
    assert ph["pvalue"]["nation"] < 0.01
    assert ph["global_pvalue"] < 0.01


@pytest.mark.parametrize("transform", models.PH_TRANSFORMS)
def test_cox_zph_supports_every_transform(cox_data, cox_fit, transform):
    ph = models.cox_zph(cox_data, cox_fit["coef"], transform=transform)
    assert ph["transform"] == transform
    assert set(ph["stat"]) == set(MODEL_TERMS) and all(s >= 0 for s in ph["stat"].values())
    assert 0 <= ph["global_pvalue"] <= 1


def test_fit_cox_rejects_unknown_transform(small):
    with pytest.raises(ModelFitError, match="transform"):
        models.fit_cox(small, ph_transform="sqrt")


def test_fit_cox_handles_tied_times(small):
    assert small["duration_days"].duplicated().any()
    fit = models.fit_cox(small)
    assert fit["converged"] and all(np.isfinite(list(fit["se"].values())))


# ---------------------------------------------------------------------------------------------
# Pre-fit checks: every one raises, naming the column (and offending counties)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fit", [models.fit_ols, models.fit_cox])
def test_check_inputs_missing_column(small, fit):
    with pytest.raises(InputDataError, match="industry"):
        fit(small.drop(columns="industry"))


@pytest.mark.parametrize("fit", [models.fit_ols, models.fit_cox])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_check_inputs_nan_or_inf(small, fit, bad):
    df = small.copy()
    df.loc[[3, 7], "resource_endowment"] = bad
    with pytest.raises(InputDataError, match=r"resource_endowment.*2 rows.*100003, 100007"):
        fit(df)


@pytest.mark.parametrize("fit", [models.fit_ols, models.fit_cox])
def test_check_inputs_zero_variance(small, fit):
    df = small.assign(nation=1.0)
    with pytest.raises(ModelFitError, match="nation.*zero variance"):
        fit(df)


@pytest.mark.parametrize("fit", [models.fit_ols, models.fit_cox])
@pytest.mark.parametrize("bad", [0, -5])
def test_check_inputs_nonpositive_duration(small, fit, bad):
    df = small.copy()
    df.loc[5, "duration_days"] = bad
    with pytest.raises(InputDataError, match=r"duration_days.*> 0.*100005"):
        fit(df)


def test_check_inputs_event_not_binary(small):
    df = small.copy()
    df.loc[2, "event"] = 2
    with pytest.raises(InputDataError, match=r"event.*0 \(censored\) or 1.*100002"):
        models.fit_cox(df)


def test_check_inputs_no_events(small):
    with pytest.raises(ModelFitError, match="event.*no events"):
        models.fit_cox(small.assign(event=0))


@pytest.mark.parametrize("fit, n_rows", [(models.fit_ols, 7), (models.fit_cox, 6)])
def test_check_inputs_too_few_rows(small, fit, n_rows):
    with pytest.raises(ModelFitError, match=f"{n_rows} rows for {n_rows} parameters"):
        fit(small.head(n_rows))


def test_check_inputs_non_numeric_column(small):
    with pytest.raises(InputDataError, match="upgrading_index.*not numeric"):
        models.fit_ols(small.assign(upgrading_index="high"))


def test_check_inputs_collinear_terms(small):
    df = small.assign(integration_13=2 * small["integration_12"] + 1)
    with pytest.raises(ModelFitError, match=r"collinear.*integration_12.*integration_13"):
        models.fit_cox(df)


def test_check_inputs_errors_are_study_errors(small):
    with pytest.raises(StudyError):
        models.fit_ols(small.drop(columns="duration_days"))


def test_check_inputs_is_public_and_checks_any_model_input(small):
    # the Weibull AFT of countysurv.extended calls it with one more parameter (log sigma)
    models.check_inputs(small, MODEL_TERMS, "duration_days", "event")  # valid: no error
    with pytest.raises(ModelFitError, match=f"{len(MODEL_TERMS) + 2} rows"):
        models.check_inputs(small.head(len(MODEL_TERMS) + 2), MODEL_TERMS, "duration_days",
                            "event", n_params=len(MODEL_TERMS) + 2)


# ---------------------------------------------------------------------------------------------
# Efron risk-set sums (RiskSets): the one scalar implementation, checked row by row
# ---------------------------------------------------------------------------------------------


def test_risk_sets_efron_sums_match_the_definition():
    rng = np.random.default_rng(5)
    n = 40
    stop = rng.integers(2, 9, n).astype(float)  # few distinct times: many ties
    start = np.where(rng.random(n) < 0.5, 0.0, stop - rng.integers(1, 3, n))
    event = rng.random(n) < 0.6
    x, w = rng.normal(size=(n, 2)), rng.uniform(0.5, 2.0, n)
    xx = x[:, :1] * x
    den, a, c = models.RiskSets(stop, event, start).efron_sums(w, x, xx)
    term = 0
    for t in np.unique(stop[event]):
        at_risk, dies = (start < t) & (stop >= t), (stop == t) & event
        d = int(dies.sum())
        for k in range(d):  # Efron: the k-th of d tied deaths sees the risk set minus k/d of them
            for got, v in ((den, w), (a, w[:, None] * x), (c, w[:, None] * xx)):
                want = v[at_risk].sum(axis=0) - k / d * v[dies].sum(axis=0)
                np.testing.assert_allclose(got[term], want, rtol=1e-13)
            term += 1
    assert term == len(den) == event.sum()


def test_risk_sets_right_censored_is_start_zero():
    rng = np.random.default_rng(6)
    stop, event = rng.integers(1, 6, 30).astype(float), rng.random(30) < 0.5
    w, x = rng.uniform(0.5, 2.0, 30), rng.normal(size=(30, 3))
    right = models.RiskSets(stop, event).efron_sums(w, x)
    counting = models.RiskSets(stop, event, np.zeros(30)).efron_sums(w, x)
    for got, want in zip(right[:2], counting[:2]):
        np.testing.assert_array_equal(got, want)
    assert right[2] is None
