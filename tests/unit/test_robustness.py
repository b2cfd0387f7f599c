"""countysurv.robustness, model_variants and robustness_report on tiny simulated studies."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from countysurv import io as cs_io
from countysurv import model_variants, models, robustness, robustness_report
from countysurv.errors import ConfigError, InputDataError

TERMS = ["x1", "x2", "d"]
OLS_TRUTH = {"const": 500.0, "x1": 40.0, "x2": -25.0, "d": 60.0}
COX_TRUTH = {"x1": 0.5, "x2": -0.4, "d": 0.3}


def _study(seed: int = 0, n: int = 400, n_clusters: int = 40, tied: bool = False
           ) -> pd.DataFrame:
    """Counties in clusters; durations from a Cox model with COX_TRUTH (Weibull baseline),
    and an OLS outcome ``days`` = OLS_TRUTH'x + a cluster shock + noise."""
    rng = np.random.default_rng(seed)
    cluster = rng.integers(0, n_clusters, n)
    x1, x2 = rng.normal(0, 1, n), rng.normal(0, 1, n)
    d = (rng.random(n) < 0.4).astype(float)
    lp = COX_TRUTH["x1"] * x1 + COX_TRUTH["x2"] * x2 + COX_TRUTH["d"] * d
    t = 500 * (-np.log(rng.random(n)) / np.exp(lp)) ** (1 / 1.3)
    c = rng.uniform(200, 1500, n)
    duration = np.minimum(t, c)
    if tied:
        duration = np.maximum(np.round(duration / 30) * 30, 30)
    days = (OLS_TRUTH["const"] + OLS_TRUTH["x1"] * x1 + OLS_TRUTH["x2"] * x2
            + OLS_TRUTH["d"] * d + rng.normal(0, 20, n_clusters)[cluster] + rng.normal(0, 60, n))
    return pd.DataFrame({"county_code": [f"{990000 + i:06d}" for i in range(n)],
                         "cluster": [f"c{k:02d}" for k in cluster],
                         "duration_days": duration, "event": (t <= c).astype(int),
                         "days": days, "x1": x1, "x2": x2, "d": d})


def _ols_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The OLS outcome in duration_days (OLS regresses duration_days); events as before."""
    return df.assign(duration_days=df["days"])


def _bootstrap_summary(df: pd.DataFrame, terms: list[str], reps: int = 150, seed: int = 1
                       ) -> pd.DataFrame:
    """A bootstrap summary in the layout of results/bootstrap/summary.csv: OLS by least squares
    and Cox by the (numpy) Breslow fit, on counties resampled with replacement."""
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(len(df)), df[terms].to_numpy()])
    y = df["days"].to_numpy()
    ols, cox = [], []
    for _ in range(reps):
        idx = rng.integers(0, len(df), len(df))
        ols.append(np.linalg.lstsq(X[idx], y[idx], rcond=None)[0])
        fit = model_variants.fit_cox_breslow(df.iloc[idx].reset_index(drop=True), terms)
        cox.append([fit["coef"][t] for t in terms])
    point_ols = np.linalg.lstsq(X, y, rcond=None)[0]
    point_cox = model_variants.fit_cox_breslow(df, terms)["coef"]
    rows = []
    for model, names, est, point in (("ols", ["const", *terms], np.array(ols), point_ols),
                                     ("cox", terms, np.array(cox),
                                      [point_cox[t] for t in terms])):
        for j, term in enumerate(names):
            lo, hi = np.quantile(est[:, j], [0.025, 0.975])
            rows.append({"model": model, "term": term, "n_replicates": reps, "n_used": reps,
                         "n_failed": 0, "mean": est[:, j].mean(),
                         "boot_se": est[:, j].std(ddof=1), "ci_lower": lo, "ci_upper": hi,
                         "point_estimate": point[j]})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def study() -> pd.DataFrame:
    return _study()


@pytest.fixture(scope="module")
def table(study) -> pd.DataFrame:
    """OLS on ``days`` and Cox on the durations need one frame each; the Cox half is checked
    on the study itself, the OLS half on :func:`_ols_frame` (see the tests)."""
    return robustness.build_robustness_table(study, TERMS, study["cluster"],
                                             cluster_name="cluster")


def _rows(table: pd.DataFrame, model: str, method: str, section: str = "coefficient"
          ) -> pd.DataFrame:
    sel = table[(table["model"] == model) & (table["method"] == method)
                & (table["section"] == section)]
    return sel.set_index("term")


# ----------------------------------------------------------------------------- recovery


def test_build_robustness_table_recovers_ols_coefficients_under_each_variance(study):
    df = _ols_frame(study)
    boot = _bootstrap_summary(study, TERMS)
    table = robustness.build_robustness_table(df, TERMS, df["cluster"], cluster_name="cluster",
                                              boot=boot[boot["model"] == "ols"])
    classical = _rows(table, "ols", "classical")
    for method in robustness.METHODS["ols"]:
        rows = _rows(table, "ols", method)
        assert (rows["status"] == "estimated").all(), method
        for term, truth in OLS_TRUTH.items():
            est, se = rows.loc[term, "estimate"], rows.loc[term, "se"]
            # tolerance: 4 standard errors of this variance
            assert abs(est - truth) < 4 * se, (method, term, est, truth, se)
            # robust SEs are of the classical SE's order on these (mildly clustered) data
            assert 0.5 < se / classical.loc[term, "se"] < 2.5, (method, term)
    cluster = _rows(table, "ols", "cluster")
    assert (cluster["n_clusters"] == df["cluster"].nunique()).all()
    assert (cluster["df"] == df["cluster"].nunique() - 1).all()
    assert (classical["df"] == len(df) - 4).all()


def test_build_robustness_table_recovers_cox_coefficients_under_each_variance(study):
    boot = _bootstrap_summary(study, TERMS)
    table = robustness.build_robustness_table(study, TERMS, study["cluster"],
                                              cluster_name="cluster",
                                              boot=boot[boot["model"] == "cox"])
    for method in robustness.METHODS["cox"]:
        rows = _rows(table, "cox", method)
        assert (rows["status"] == "estimated").all(), method
        for term, truth in COX_TRUTH.items():
            est, se = rows.loc[term, "estimate"], rows.loc[term, "se"]
            assert abs(est - truth) < 4 * se, (method, term, est, truth, se)
            assert 0.05 < se < 0.3, (method, term, se)


def test_ols_hc1_and_classical_match_fit_ols_with_t_inference(study):
    df = _ols_frame(study)
    table = robustness.build_robustness_table(df, TERMS, df["cluster"])
    fit = models.fit_ols(df, TERMS, cov_type="HC1")
    hc1 = _rows(table, "ols", "hc1")
    for term in ["const", *TERMS]:
        assert hc1.loc[term, "se"] == pytest.approx(fit["se"][term], rel=1e-12)
        t = fit["coef"][term] / fit["se"][term]
        from scipy import stats
        assert hc1.loc[term, "p"] == pytest.approx(2 * stats.t.sf(abs(t), len(df) - 4),
                                                   rel=1e-10)
    classical = models.fit_ols(df, TERMS)
    rows = _rows(table, "ols", "classical")
    for term in ["const", *TERMS]:
        assert rows.loc[term, "p"] == pytest.approx(classical["p"][term], rel=1e-10)


def test_fit_ols_clustered_is_the_cr1_sandwich(study):
    df = _ols_frame(study)
    fit = model_variants.fit_ols_clustered(df, df["cluster"], TERMS)
    X = np.column_stack([np.ones(len(df)), df[TERMS].to_numpy()])
    y = df["duration_days"].to_numpy()
    beta = np.linalg.solve(X.T @ X, X.T @ y)
    e = y - X @ beta
    bread = np.linalg.inv(X.T @ X)
    groups = df["cluster"].to_numpy()
    scores = np.array([X[groups == g].T @ e[groups == g] for g in np.unique(groups)])
    n, k, g = len(df), X.shape[1], len(scores)
    v = bread @ (scores.T @ scores) @ bread * g / (g - 1) * (n - 1) / (n - k)
    assert [fit["se"][t] for t in ["const", *TERMS]] == pytest.approx(
        np.sqrt(np.diag(v)), rel=1e-10)
    assert fit["df"] == g - 1 and fit["n_clusters"] == g


# ----------------------------------------------------------------------------- ties


def test_fit_cox_breslow_equals_efron_without_ties(study):
    assert not study.loc[study["event"] == 1, "duration_days"].duplicated().any()
    efron = models.fit_cox(study, TERMS)
    breslow = model_variants.fit_cox_breslow(study, TERMS)
    for term in TERMS:
        assert breslow["coef"][term] == pytest.approx(efron["coef"][term], rel=1e-8)
        assert breslow["se"][term] == pytest.approx(efron["se"][term], rel=1e-8)
    assert breslow["log_likelihood"] == pytest.approx(efron["log_likelihood"], rel=1e-10)
    assert breslow["n_tied_events"] == 0


def test_fit_cox_breslow_differs_from_efron_with_ties_and_attenuates():
    tied = _study(seed=3, tied=True)
    assert tied.loc[tied["event"] == 1, "duration_days"].duplicated().sum() > 50
    efron = models.fit_cox(tied, TERMS)
    breslow = model_variants.fit_cox_breslow(tied, TERMS)
    assert breslow["n_tied_events"] > 50
    for term in TERMS:
        # Breslow's approximation pulls coefficients towards zero when many exits tie
        assert abs(breslow["coef"][term]) < abs(efron["coef"][term])
        assert breslow["coef"][term] != pytest.approx(efron["coef"][term], rel=1e-3)


# ----------------------------------------------------------------------------- terms


def test_missing_term_gives_not_estimated_rows_with_the_reason(study):
    df = study.drop(columns=["x2"])
    reasons = {"rural_income": "the panel has no rural disposable income"}
    table = robustness.build_robustness_table(df, ["x1", "x2", "d", "rural_income"],
                                              df["cluster"], missing_reasons=reasons)
    for term, reason in (("x2", "column 'x2' is not in the survival data"),
                         ("rural_income", reasons["rural_income"])):
        rows = table[table["term"] == term]
        # every variance of both models and every PH transform
        assert len(rows) == 4 + 4 + 4
        assert (rows["status"] == "not_estimated").all()
        assert (rows["reason"] == reason).all()
        assert rows["estimate"].isna().all()
    # the models are fitted on the terms that remain
    fit = models.fit_ols(df, ["x1", "d"])
    classical = _rows(table, "ols", "classical")
    assert classical.loc["x1", "estimate"] == pytest.approx(fit["coef"]["x1"], rel=1e-12)
    assert list(classical.index) == ["x1", "x2", "d", "rural_income", "const"]
    md = robustness_report.render_markdown(table)
    assert f"{robustness.label_of('rural_income')} (n/a" in md and reasons["rural_income"] in md
    assert "Not estimated: x2 (column 'x2' is not in the survival data); rural_income" in md


def test_constant_or_empty_term_is_not_estimated_and_partly_missing_term_is_an_error(study):
    df = study.assign(flat=1.0, empty=np.nan)
    sel = robustness.select_terms(df, ["x1", "flat", "empty"])
    assert sel.estimable == ("x1",)
    assert "constant" in sel.not_estimated["flat"]
    assert "no county has a value" in sel.not_estimated["empty"]
    partly = study.assign(x2=study["x2"].where(study.index != 5))
    with pytest.raises(InputDataError, match=r"'x2' has no value for 1 of 400 counties \(990005\)"):
        robustness.select_terms(partly, TERMS)
    with pytest.raises(ConfigError, match="listed twice"):
        robustness.select_terms(study, ["x1", "x1"])
    with pytest.raises(ConfigError, match="intercept"):
        robustness.select_terms(study, ["x1", "const"])


def test_no_estimable_term_reports_everything_not_estimated(study):
    table = robustness.build_robustness_table(study[["county_code", "duration_days", "event"]],
                                              ["x1"], None)
    assert (table["status"] == "not_estimated").all()
    assert "n/a" in robustness_report.render_markdown(table)


# ----------------------------------------------------------------------------- variances


def test_clusters_absent_or_single_give_not_estimated_cluster_rows(study):
    table = robustness.build_robustness_table(study, TERMS, None)
    cluster = table[table["method"] == "cluster"]
    assert (cluster["status"] == "not_estimated").all()
    assert (cluster["reason"] == "no cluster labels given").all()
    one = robustness.build_robustness_table(study, TERMS, ["all"] * len(study))
    assert (one.loc[one["method"] == "cluster", "status"] == "not_estimated").all()
    assert one.loc[one["method"] == "cluster", "reason"].str.contains("at least two").all()


def test_bootstrap_of_another_specification_is_not_used(study):
    boot = _bootstrap_summary(study, TERMS, reps=20)
    other = robustness.build_robustness_table(study.drop(columns="d"), ["x1", "x2"],
                                              study["cluster"], boot=boot)
    rows = other[other["method"] == "bootstrap"]
    assert (rows["status"] == "not_estimated").all()
    assert rows["reason"].str.contains("another specification").all()
    absent = robustness.build_robustness_table(study, TERMS, study["cluster"], boot=None)
    assert absent.loc[absent["method"] == "bootstrap", "reason"].str.contains(
        "no bootstrap summary").all()


def test_ph_rows_are_cox_zph_under_each_transform(table, study):
    efron = models.fit_cox(study, TERMS)
    for transform in robustness.PH_TRANSFORMS:
        rows = _rows(table, "cox", transform, section="ph_test")
        ph = models.cox_zph(study, efron["coef"], TERMS, transform=transform)
        assert rows.loc["global", "p"] == pytest.approx(ph["global_pvalue"], rel=1e-12)
        assert rows.loc["global", "df"] == len(TERMS)
        for term in TERMS:
            assert rows.loc[term, "p"] == pytest.approx(ph["pvalue"][term], rel=1e-12)


# ----------------------------------------------------------------------------- the paper


def _paper(table: pd.DataFrame) -> pd.DataFrame:
    """A 'paper' built from our classical/Efron results: x1 with the opposite sign and our
    stars; x2 with stars where we have none or with none where we have some; d unchanged."""
    rows = []
    for model in ("ols", "cox"):
        ref = _rows(table, model, robustness.PAPER_METHOD[model])
        for term in ref.index:
            est, stars = ref.loc[term, "estimate"], ref.loc[term, "stars"]
            if term == "x1":
                est = -est
            if term == "x2":
                stars = "" if stars else "***"
            rows.append({"model": model, "term": term, "coef": est, "std_err": 1.0,
                         "stars": stars, "hazard_ratio": np.nan})
    return pd.DataFrame(rows)


def test_paper_sign_and_star_flags(study):
    plain = robustness.build_robustness_table(study, TERMS, study["cluster"])
    table = robustness.build_robustness_table(study, TERMS, study["cluster"],
                                              paper=_paper(plain), paper_ph_global_p=0.669)
    for model in ("ols", "cox"):
        ref = _rows(table, model, robustness.PAPER_METHOD[model])
        assert bool(ref.loc["x1", "sign_differs"]) is True
        assert bool(ref.loc["d", "sign_differs"]) is False
        assert ref.loc["x1", "star_change"] == "same"
        assert ref.loc["x2", "star_change"] in ("appears", "disappears")
        assert ref.loc["d", "star_change"] == "same"
    # a paper term this run leaves out is shown, not estimated, with the paper's numbers
    paper = pd.concat([_paper(plain), pd.DataFrame([{"model": "ols", "term": "z", "coef": 2.0,
                                                      "std_err": 1.0, "stars": "**"}])])
    left_out = robustness.build_robustness_table(study, TERMS, study["cluster"], paper=paper)
    z = left_out[left_out["term"] == "z"]
    assert len(z) == 12 and (z["status"] == "not_estimated").all()
    assert (z["reason"] == "not among this run's terms, config models.terms").all()
    assert (z.loc[z["model"] == "ols", "paper_estimate"] == 2.0).all()
    assert "conditional on other covariates than the paper's" in " ".join(
        robustness_report.describe_agreement(left_out))
    globals_ = table[(table["section"] == "ph_test") & (table["term"] == "global")]
    assert (globals_["paper_p"] == 0.669).all()
    text = " ".join(robustness_report.describe_agreement(table))
    ols_x1 = _rows(table, "ols", "classical").loc["x1", "estimate"]
    ours, theirs = ("+", "\u2212") if ols_x1 > 0 else ("\u2212", "+")
    assert f"x1: the paper's OLS sign is {theirs}, ours is {ours}" in text
    assert "the paper reports global p = 0.669" in text
    md = robustness_report.render_markdown(table)
    assert "sign differs" in md


@pytest.mark.parametrize(("ours", "paper", "change"), [
    ("**", "**", "same"), ("*", "", "appears"), ("", "***", "disappears"),
    ("***", "*", "more"), ("*", "**", "fewer"), ("", "", "same"),
])
def test_star_change(ours, paper, change):
    assert robustness.star_change(ours, paper) == change


# ----------------------------------------------------------------------------- output


def test_robustness_csv_round_trips_the_long_table(table):
    text = robustness.robustness_to_csv(table)
    back = pd.read_csv(io.StringIO(text), keep_default_na=False, na_values={
        c: [""] for c in ("estimate", "se", "p", "statistic", "df", "ci_lower", "ci_upper")})
    assert list(back.columns) == list(robustness.COLUMNS)
    assert len(back) == len(table)
    est = table["estimate"].to_numpy()
    assert np.allclose(back["estimate"].to_numpy(dtype=float), est, rtol=1e-8, equal_nan=True)
    # 8 variances x (3 terms, + const for OLS) + 4 transforms x (3 terms + global)
    assert len(table) == 4 * 4 + 4 * 3 + 4 * 4


def test_render_markdown_has_one_row_per_term_and_a_column_per_variance(table):
    md = robustness_report.render_markdown(table)
    ols = md.split("## OLS")[1].split("## Cox")[0]
    header = next(line for line in ols.splitlines() if line.startswith("| Term"))
    for name in ("Classical", "HC1", "Clustered by cluster", "Bootstrap", "Paper"):
        assert name in header
    body = [line for line in ols.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(body) == 1 + len(TERMS) + 1  # header, terms, constant
    assert "## What the numbers say" in md


def test_describe_agreement_names_variance_dependent_stars_and_a_rejected_ph_test(table):
    edited = table.copy()
    coef = edited["section"] == "coefficient"
    # x1 (Cox): stars under Efron only; global PH test rejected under km only
    x1 = coef & (edited["model"] == "cox") & (edited["term"] == "x1")
    edited.loc[x1, "stars"] = ""
    edited.loc[x1 & (edited["method"] == "efron"), "stars"] = "**"
    glob = (edited["section"] == "ph_test") & (edited["term"] == "global")
    edited.loc[glob, "p"] = 0.5
    edited.loc[glob & (edited["method"] == "km"), "p"] = 0.01
    edited.loc[glob, "paper_p"] = 0.669
    text = " ".join(robustness_report.describe_agreement(edited))
    assert ("Cox: significance depends on the variance for x1 "
            "(stars under model-based (Efron) only)") in text
    assert "proportional hazards rejected at 5% under km (not under rank, identity and log)" in text
    assert "which these data contradict under km" in text


def test_fewer_clusters_than_parameters_is_flagged_in_the_note():
    df = _study(n=60, n_clusters=3)
    table = robustness.build_robustness_table(df, TERMS, df["cluster"])
    notes = table.loc[table["method"] == "cluster", "note"]
    assert notes.str.contains("only 3 clusters for 4 parameters").sum() == 4  # OLS rows
    assert notes.str.contains("only 3 clusters for 3 parameters").sum() == 3  # Cox rows


def test_paper_ph_pvalue_reads_the_papers_global_p():

    repo = Path(__file__).resolve().parents[2]
    fit = cs_io.load_paper_fit(repo / "data" / "paper" / "paper_table1_fit.csv")
    assert robustness.paper_ph_pvalue(fit) == 0.669
    assert robustness.paper_ph_pvalue(fit[fit["statistic"] != "ph_test_global_p"]) is None
