"""Tests of countysurv.bootstrap and the batched solvers it drives (countysurv.batched): determinism,
agreement with lifelines/statsmodels/R, failures, the summary."""

from __future__ import annotations

import io
import shutil
import subprocess
import warnings

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

from countysurv import batched
from countysurv import bootstrap as bs
from countysurv.errors import InputDataError
from countysurv.terms import MODEL_TERMS, OLS_TERMS

SEED = 20151129
RTOL_REFERENCE = 1e-6  # coefficients and SEs vs lifelines / R (brief: 1e-6 relative)
RTOL_OLS = 1e-9  # vs statsmodels on duplicated rows


def _counties(n: int = 60, seed: int = 0) -> pd.DataFrame:
    """Synthetic survival data set shaped like the study's (tied exit dates, ~40% censored)."""
    rng = np.random.default_rng(seed)
    nation = (rng.random(n) < 0.4).astype(float)
    industry = (rng.random(n) < 0.35).astype(float)
    x = np.column_stack([
        rng.normal(2.15, 0.12, n),  # upgrading_index = s1 + 2 s2 + 3 s3
        rng.lognormal(np.log(0.6), 0.5, n),  # kW per rural person
        rng.lognormal(np.log(60.0), 0.6, n),  # yuan per rural person
        nation,
        industry,
        rng.normal(9.6, 0.45, n),  # ln GDP per capita
    ])
    beta = np.array([0.23, 1.06, -0.006, 1.01, -0.92, 0.99])
    lp = (x - x.mean(axis=0)) @ beta
    latent = 1300.0 * (-np.log(rng.random(n)) / np.exp(lp)) ** (1 / 2.5)
    announce = np.array([350.0, 700.0, 1050.0, 1150.0, 1400.0, 1480.0])  # batch announcements
    event = (latent <= announce[-1]).astype(int)
    snapped = announce[np.minimum(np.searchsorted(announce, latent), len(announce) - 1)]
    frame = pd.DataFrame(x, columns=list(MODEL_TERMS))
    frame.insert(0, "event", event)
    frame.insert(0, "duration_days", np.where(event == 1, snapped, 1494.0))
    frame.insert(0, "county_code", [f"{990001 + i}" for i in range(n)])
    return frame


@pytest.fixture(scope="module")
def counties() -> pd.DataFrame:
    return _counties()


@pytest.fixture(scope="module")
def estimates(counties) -> pd.DataFrame:
    return bs.run_chunk(counties, SEED, range(20))


def _rel(a, b) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b) / np.abs(b)))


# ---------------------------------------------------------------- resampling and determinism


def test_replicate_indices_deterministic():
    a = bs.replicate_indices(SEED, 7, 76)
    np.testing.assert_array_equal(a, bs.replicate_indices(SEED, 7, 76))
    np.testing.assert_array_equal(a, np.random.default_rng([SEED, 7]).integers(0, 76, size=76))
    assert a.min() >= 0 and a.max() < 76 and a.shape == (76,)
    assert not np.array_equal(a, bs.replicate_indices(SEED, 8, 76))
    assert not np.array_equal(a, bs.replicate_indices(SEED + 1, 7, 76))


def test_replicate_indices_independent_of_chunking():
    whole = bs.replicate_weights(SEED, list(range(20)), 76)
    parts = np.concatenate([bs.replicate_weights(SEED, list(r), 76)
                            for r in (range(0, 7), range(7, 14), range(14, 20))])
    np.testing.assert_array_equal(whole, parts)
    assert (whole.sum(axis=1) == 76).all()


def test_run_chunk_shape_and_order(estimates):
    assert list(estimates.columns) == bs.ESTIMATE_COLUMNS
    assert len(estimates) == 20 * (len(OLS_TERMS) + len(MODEL_TERMS))
    first = estimates[estimates["replicate"] == 0]
    assert first["model"].tolist() == ["ols"] * 7 + ["cox"] * 6
    assert first["term"].tolist() == [*OLS_TERMS, *MODEL_TERMS]
    assert estimates["replicate"].is_monotonic_increasing


@pytest.mark.parametrize("block_size", [batched.DEFAULT_BLOCK_SIZE, 8])
def test_run_chunk_independent_of_chunking(counties, block_size):
    whole = bs.run_chunk(counties, SEED, range(20), block_size=block_size)
    parts = [bs.run_chunk(counties, SEED, list(r), block_size=block_size)
             for r in (range(0, 7), range(7, 14), range(14, 20))]
    pdt.assert_frame_equal(whole, pd.concat(parts, ignore_index=True), check_exact=True)
    # Gathering shuffled chunk files gives the same table again.
    pdt.assert_frame_equal(whole, bs.collect_chunks(parts[::-1]), check_exact=True)


def test_run_chunk_independent_of_input_row_order(counties, estimates):
    shuffled = counties.sample(frac=1.0, random_state=3)
    pdt.assert_frame_equal(bs.run_chunk(shuffled, SEED, range(20)), estimates, check_exact=True)


def test_summarize_byte_identical_across_chunkings(counties, estimates):
    parts = [bs.run_chunk(counties, SEED, list(r)) for r in (range(14, 20), range(0, 14))]
    a = bs.format_summary(bs.summarize(estimates)).to_csv(index=False)
    b = bs.format_summary(bs.summarize(pd.concat(parts, ignore_index=True))).to_csv(index=False)
    assert a == b


# ---------------------------------------------------------------- agreement with references


def test_cox_efron_batched_matches_lifelines_expanded_rows(counties, estimates):
    worst_coef = worst_se = 0.0
    for rep in (0, 3, 11, 17):
        got = estimates[(estimates["replicate"] == rep) & (estimates["model"] == "cox")]
        assert got["failure"].isna().all()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = bs.fit_replicate_reference(counties, SEED, rep)["cox"]
        worst_coef = max(worst_coef, _rel(got["estimate"], ref["estimate"]))
        worst_se = max(worst_se, _rel(got["std_err"], ref["std_err"]))
    assert worst_coef < RTOL_REFERENCE, worst_coef
    assert worst_se < RTOL_REFERENCE, worst_se


def test_cox_efron_batched_full_sample_has_ties_and_matches_lifelines(counties):
    # The test data must exercise Efron's tie handling.
    dead = counties[counties["event"] == 1]
    assert dead["duration_days"].value_counts().max() >= 5
    from lifelines import CoxPHFitter

    res = batched.cox_efron_batched(counties[list(MODEL_TERMS)], counties["duration_days"], counties["event"],
                               np.ones((1, len(counties))))
    ref = CoxPHFitter().fit(counties[["duration_days", "event", *MODEL_TERMS]], "duration_days",
                            "event", fit_options={"precision": 1e-24, "r_precision": 0.0})
    assert res.converged[0] and res.failure[0] is None
    assert _rel(res.coef[0], ref.params_[list(MODEL_TERMS)]) < RTOL_REFERENCE
    assert _rel(res.se[0], ref.standard_errors_[list(MODEL_TERMS)]) < RTOL_REFERENCE
    assert res.loglik[0] == pytest.approx(ref.log_likelihood_, rel=1e-10)


R_FORMULA = "Surv(duration_days, event) ~ " + " + ".join(MODEL_TERMS)


def _rscript(code: str) -> pd.DataFrame:
    if shutil.which("Rscript") is None:
        pytest.fail("Rscript is not installed; the R comparison tests need R with survival")
    proc = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        pytest.fail(f"Rscript failed:\n{proc.stderr}")
    return pd.read_csv(io.StringIO(proc.stdout))


@pytest.mark.r
def test_cox_efron_batched_matches_r_coxph(tmp_path, counties, estimates):
    """R coxph on the expanded (duplicated) rows of 4 replicates, tight convergence."""
    reps = [1, 4, 9, 15]
    pd.concat([bs.expand_replicate(counties, SEED, r).assign(rep=r) for r in reps]
              ).to_csv(tmp_path / "rows.csv", index=False)
    ref = _rscript(f"""
        suppressMessages(library(survival))
        d <- read.csv("{tmp_path / 'rows.csv'}")
        ctl <- coxph.control(eps = 1e-14, toler.chol = 1e-15, iter.max = 100)
        out <- do.call(rbind, lapply(unique(d$rep), function(r) {{
          m <- coxph({R_FORMULA}, data = d[d$rep == r, ], ties = "efron", control = ctl)
          data.frame(replicate = r, term = names(coef(m)), estimate = unname(coef(m)),
                     std_err = unname(sqrt(diag(vcov(m)))))
        }}))
        write.csv(format(out, digits = 17), stdout(), row.names = FALSE)
    """)
    got = estimates[estimates["model"] == "cox"].merge(ref, on=["replicate", "term"],
                                                       suffixes=("", "_r"))
    assert len(got) == len(reps) * len(MODEL_TERMS)
    assert _rel(got["estimate"], got["estimate_r"]) < RTOL_REFERENCE
    assert _rel(got["std_err"], got["std_err_r"]) < RTOL_REFERENCE


@pytest.mark.r
def test_r_case_weights_differ_from_duplicated_rows_under_ties(tmp_path, counties, estimates):
    """coxph(weights = counts) is not the case bootstrap when exits are tied.

    survival's Efron code treats a death record of weight w as one death of weight w, whereas
    resampling creates w tied deaths. Without tied deaths (Breslow) the two coincide, which this
    test checks too.
    """
    reps = [1, 4, 9]
    data = counties.sort_values("county_code").reset_index(drop=True)
    w = bs.replicate_weights(SEED, reps, len(data))
    wide = data.assign(**{f"w{r}": w[i] for i, r in enumerate(reps)})
    wide.to_csv(tmp_path / "wide.csv", index=False)
    ref = _rscript(f"""
        suppressMessages(library(survival))
        d <- read.csv("{tmp_path / 'wide.csv'}")
        ctl <- coxph.control(eps = 1e-14, toler.chol = 1e-15, iter.max = 100)
        out <- do.call(rbind, lapply(c({", ".join(map(str, reps))}), function(r) {{
          w <- d[[paste0("w", r)]]; k <- w > 0
          rows <- d[rep(seq_len(nrow(d)), w), ]
          do.call(rbind, lapply(c("efron", "breslow"), function(ties) {{
            a <- coxph({R_FORMULA}, data = d[k, ], weights = w[k], ties = ties, control = ctl)
            b <- coxph({R_FORMULA}, data = rows, ties = ties, control = ctl)
            data.frame(replicate = r, ties = ties, term = names(coef(a)),
                       weighted = unname(coef(a)), duplicated = unname(coef(b)))
          }}))
        }}))
        write.csv(format(out, digits = 17), stdout(), row.names = FALSE)
    """)
    efron = ref[ref["ties"] == "efron"]
    breslow = ref[ref["ties"] == "breslow"]
    assert _rel(breslow["weighted"], breslow["duplicated"]) < 1e-8
    assert _rel(efron["weighted"], efron["duplicated"]) > 1e-3
    ours = estimates[estimates["model"] == "cox"].merge(efron, on=["replicate", "term"])
    assert _rel(ours["estimate"], ours["duplicated"]) < RTOL_REFERENCE


def test_ols_batched_matches_statsmodels_duplicated_rows(counties, estimates):
    import statsmodels.api as sm

    data = counties.sort_values("county_code").reset_index(drop=True)
    for rep in (0, 5, 12, 19):
        rows = data.iloc[bs.replicate_indices(SEED, rep, len(data))]
        fit = sm.OLS(rows["duration_days"], sm.add_constant(rows[list(MODEL_TERMS)])).fit()
        got = estimates[(estimates["replicate"] == rep) & (estimates["model"] == "ols")]
        assert got["term"].tolist() == list(OLS_TERMS)
        assert _rel(got["estimate"], fit.params[list(OLS_TERMS)]) < RTOL_OLS
        assert _rel(got["std_err"], fit.bse[list(OLS_TERMS)]) < RTOL_OLS
        # Frequency weights in statsmodels WLS give the same point estimates.
        w = bs.replicate_weights(SEED, [rep], len(data))[0]
        wls = sm.WLS(data["duration_days"], sm.add_constant(data[list(MODEL_TERMS)]), weights=w).fit()
        assert _rel(got["estimate"], wls.params[list(OLS_TERMS)]) < RTOL_OLS
        res = batched.ols_batched(sm.add_constant(data[list(MODEL_TERMS)]).to_numpy(), data["duration_days"],
                             w[None, :])
        assert res.r2[0] == pytest.approx(fit.rsquared, rel=RTOL_OLS)


def test_ols_batched_constant_term_fails():
    x = np.array([0.0, 0.0, 1.0, 1.0, 0.0, 1.0])
    X = np.column_stack([np.ones(6), x, np.arange(6.0)])
    y = np.array([1.0, 2.0, 3.0, 5.0, 4.0, 6.0])
    W = np.array([[1, 1, 1, 1, 1, 1], [2, 2, 0, 0, 2, 0]], dtype=float)
    res = batched.ols_batched(X, y, W)
    assert res.failure.tolist() == [None, "constant_term"]
    assert res.converged.tolist() == [True, False]
    assert np.isnan(res.coef[1]).all()


# ---------------------------------------------------------------- failures


def _separation_data() -> pd.DataFrame:
    """nation == 1 counties rarely exit: one of six. Replicates that miss that county have a
    monotone likelihood in the nation coefficient (towards minus infinity)."""
    data = _counties(n=40, seed=5)
    nation_rows = data.index[data["nation"] == 1.0]
    data.loc[nation_rows, "event"] = 0
    data.loc[nation_rows, "duration_days"] = 1494.0
    data.loc[nation_rows[0], ["event", "duration_days"]] = [1, 700.0]
    return data


def test_separation_reported_as_monotone_likelihood_and_excluded():
    data = _separation_data()
    ordered = data.sort_values("county_code").reset_index(drop=True)
    exiter = ordered.index[(ordered["nation"] == 1.0) & (ordered["event"] == 1)][0]
    reps = list(range(30))
    separated = [r for r in reps if exiter not in bs.replicate_indices(SEED, r, len(ordered))]
    assert 0 < len(separated) < len(reps)  # the construction has both kinds of replicate
    est = bs.run_chunk(data, SEED, reps)
    cox = est[est["model"] == "cox"]
    failed = cox.groupby("replicate")["failure"].first()
    assert set(failed[separated]) == {"monotone_likelihood"}
    ok = [r for r in reps if r not in separated]
    assert failed[ok].isna().all()

    summary = bs.summarize(est).set_index(["model", "term"])
    row = summary.loc[("cox", "nation")]
    assert row["n_replicates"] == 30
    assert row["n_failed"] == len(separated) == row["failed_monotone_likelihood"]
    assert row["n_used"] == len(ok)
    used = cox[(cox["term"] == "nation") & cox["replicate"].isin(ok)]["estimate"]
    assert row["boot_se"] == pytest.approx(used.std(ddof=1), rel=1e-12)
    assert summary.loc[("ols", "nation"), "n_failed"] == 0


def test_cox_numeric_guard_on_combined_separation():
    """Deaths always have the largest x1 + x2 in their risk set, but neither x1 nor x2 alone:
    the data-level check cannot see it; the |coef| guard must."""
    rng = np.random.default_rng(0)
    n = 30
    time = np.arange(1.0, n + 1)
    z = -time + rng.normal(0, 0.01, n)  # earlier deaths have larger z
    x1 = rng.normal(0, 5, n)
    X = np.column_stack([x1, z - x1])
    res = batched.cox_efron_batched(X, time, np.ones(n, dtype=int), np.ones((1, n)))
    assert res.failure[0] == "monotone_likelihood"
    assert not np.isfinite(res.se[0]).any()


def test_cox_no_events_and_constant_term():
    X = np.column_stack([np.array([0.0, 1.0, 0.0, 1.0, 1.0]), np.arange(5.0)])
    time = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    event = np.array([1, 0, 1, 1, 0])
    W = np.array([[0, 2, 0, 0, 3],  # only censored rows: no events
                  [1, 0, 2, 0, 2],  # the only x1 == 1 row is censored: monotone
                  [2, 0, 3, 0, 0]], dtype=float)  # x1 constant (0)
    res = batched.cox_efron_batched(X, time, event, W)
    assert res.failure[0] == "no_events"
    assert res.failure[1] == "monotone_likelihood"
    assert res.failure[2] == "constant_term"
    assert not res.converged[[0, 2]].any()


def test_cox_recovers_known_coefficients():
    rng = np.random.default_rng(0)
    n = 3000
    X = np.column_stack([rng.normal(size=n), (rng.random(n) < 0.5).astype(float)])
    truth = np.array([0.7, -0.5])
    latent = -np.log(rng.random(n)) / np.exp(X @ truth)
    censor = rng.exponential(2.0, n)
    time = np.ceil(np.minimum(latent, censor) * 20) / 20 + 0.05  # rounded: many ties
    event = (latent <= censor).astype(int)
    res = batched.cox_efron_batched(X, time, event, np.ones((1, n)))
    assert np.all(np.abs(res.coef[0] - truth) < 4 * res.se[0])  # 4 SEs: within tolerance


def test_cox_risk_sum_paths_and_start_agree(counties):
    data = counties.sort_values("county_code").reset_index(drop=True)
    args = (data[list(MODEL_TERMS)].to_numpy(), data["duration_days"], data["event"],
            bs.replicate_weights(SEED, list(range(12)), len(data)))
    gemm = batched.cox_efron_batched(*args, risk_sums="gemm")
    cumsum = batched.cox_efron_batched(*args, risk_sums="cumsum")
    cold = batched.cox_efron_batched(*args, init=None)
    for other in (cumsum, cold):
        assert (other.failure == gemm.failure).all()
        np.testing.assert_allclose(other.coef, gemm.coef, rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(other.se, gemm.se, rtol=1e-7)


def test_cox_constant_continuous_term_named_from_data():
    """A continuous term constant among the resampled rows is not caught before iterating
    (only 0/1 terms are); the fit fails numerically and the data check names the reason."""
    x = np.array([1.5, 1.5, 2.5, 3.5, 1.5, 4.5, 1.5, 1.5])
    X = np.column_stack([x, np.array([0, 1, 0, 1, 1, 0, 0, 1.0])])
    time = np.arange(1.0, 9.0)
    event = np.array([1, 1, 0, 1, 1, 0, 1, 1])
    W = np.array([[2, 1, 0, 0, 2, 0, 1, 2], [1, 1, 1, 1, 1, 1, 1, 1]], dtype=float)
    res = batched.cox_efron_batched(X, time, event, W)
    assert res.failure[0] == "constant_term"
    assert res.failure[1] is None


def test_run_chunk_parquet_round_trip(tmp_path, estimates):
    from countysurv import io

    io.write_parquet(estimates, tmp_path / "chunk.parquet")
    back = pd.read_parquet(tmp_path / "chunk.parquet")
    # written floats are rounded to io.SIGNIFICANT_DIGITS; otherwise the round trip is exact
    pdt.assert_frame_equal(bs.collect_chunks([back]), io.round_floats(estimates),
                           check_exact=True)


def test_cox_rejects_bad_weights(counties):
    X = counties[list(MODEL_TERMS)].to_numpy()
    with pytest.raises(InputDataError, match="weights"):
        batched.cox_efron_batched(X, counties["duration_days"], counties["event"],
                             np.full((1, len(counties)), 0.5))
    with pytest.raises(InputDataError, match="missing column"):
        bs.run_chunk(counties.drop(columns="nation"), SEED, [0])


# ---------------------------------------------------------------- summary


def test_summarize_hand_computed():
    values = [4.0, 1.0, 10.0, 3.0, 2.0]
    est = pd.DataFrame({
        "replicate": [4, 0, 2, 3, 1, 5],
        "model": "cox",
        "term": "nation",
        "estimate": [*values, -23.9],
        "std_err": 0.1,
        "converged": [True] * 5 + [False],
        "failure": [None] * 5 + ["monotone_likelihood"],
    })
    row = bs.summarize(est).iloc[0]
    assert (row["n_replicates"], row["n_used"], row["n_failed"]) == (6, 5, 1)
    assert row["failed_monotone_likelihood"] == 1 and row["failed_not_converged"] == 0
    assert row["mean"] == pytest.approx(4.0)
    assert row["boot_se"] == pytest.approx(np.sqrt(12.5))  # squares 9+4+1+0+36 = 50, / 4
    # numpy "linear" (R type 7): position 0.025 * 4 = 0.1 -> 1.1; 0.975 * 4 = 3.9 -> 4 + 0.9 * 6
    assert row["ci_lower"] == pytest.approx(1.1)
    assert row["ci_upper"] == pytest.approx(9.4)


def test_summarize_point_and_duplicates():
    est = pd.DataFrame({"replicate": [0, 1, 2], "model": "ols", "term": "const",
                        "estimate": [1.0, 2.0, 3.0], "std_err": 1.0, "converged": True,
                        "failure": None})
    out = bs.summarize(est, point={"ols": {"const": 1.5}})
    assert out.loc[0, "bias"] == pytest.approx(0.5)
    with pytest.raises(InputDataError, match="duplicated"):
        bs.summarize(pd.concat([est, est.iloc[[0]]]))


def test_format_summary_rounds_to_the_written_significant_digits():
    out = bs.format_summary(pd.DataFrame({"x": [0.1 + 0.2, 1.0 / 3.0, np.nan], "n": [1, 2, 3]}))
    assert out.to_csv(index=False) == "x,n\n0.3,1\n0.333333333,2\n,3\n"   # 9 digits


def test_cox_efron_batched_reports_no_events_when_the_data_have_none():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 2))
    time = rng.integers(1, 100, 20).astype(float)
    result = batched.cox_efron_batched(X, time, np.zeros(20), np.ones((3, 20)))
    assert list(result.failure) == ["no_events"] * 3
    assert np.isnan(result.coef).all() and not result.converged.any()
