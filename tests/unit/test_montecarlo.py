"""Unit tests of countysurv.montecarlo: the machinery (seeding, chunk invariance, failure
accounting, summary arithmetic, figure), not the Monte Carlo numbers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from countysurv import montecarlo as mc
from countysurv import simulate
from countysurv.terms import MODEL_TERMS

N = 60
B = 10


def test_truth_maps_every_model_to_the_dgp():
    tr = mc.truth()
    k = simulate.WEIBULL_SHAPE
    for term, beta in simulate.COEFFICIENTS.items():
        assert tr[("cox", term)] == tr[("cox_time_varying", term)] == beta
        assert tr[("weibull_aft", term)] == tr[("ols", term)] == pytest.approx(-beta / k)
    assert tr[("weibull_aft", "shape")] == k


def test_simulate_replication_is_seeded_per_replication():
    a = mc.simulate_replication(7, N, 3)
    b = mc.simulate_replication(7, N, 3)
    c = mc.simulate_replication(7, N, 4)
    pd.testing.assert_frame_equal(a.survival, b.survival)
    assert not a.survival["duration_days"].equals(c.survival["duration_days"])
    assert len(a.survival) == N and set(a.yearly["year"]) == set(simulate.YEARS)
    assert a.survival["province"].notna().all()
    # the replication's latent exit time gives its observed duration
    s = a.survival
    assert (np.where(s["event"] == 1, np.maximum(1, np.ceil(s["latent_days"])),
                     simulate.MAX_FOLLOW_UP_DAYS) == s["duration_days"]).all()


@pytest.fixture(scope="module")
def chunk():
    return mc.run_chunk(7, N, [0, 1, 2], boot_replicates=B)


def test_run_chunk_does_not_depend_on_chunking(chunk):
    parts = pd.concat([mc.run_chunk(7, N, [2], boot_replicates=B),
                       mc.run_chunk(7, N, [0, 1], boot_replicates=B)], ignore_index=True)
    pd.testing.assert_frame_equal(mc.sort_estimates(parts), chunk)


def test_run_chunk_has_every_model_and_term(chunk):
    assert list(chunk.columns) == mc.ESTIMATE_COLUMNS
    per_rep = chunk.groupby("replication").size()
    assert per_rep.nunique() == 1
    models = set(chunk["model"])
    assert models == set(mc.MODELS)
    aft_terms = chunk.loc[chunk["model"] == "weibull_aft", "term"].unique().tolist()
    assert aft_terms == ["const", *MODEL_TERMS, "shape"]
    cox = chunk[(chunk["model"] == "cox") & chunk["failure"].isna()]
    assert (cox["ci_lower"] < cox["estimate"]).all() and (cox["estimate"] < cox["ci_upper"]).all()
    assert (cox["boot_used"] <= B).all()
    ph = chunk[chunk["model"] == "ph_test"]
    assert ph["estimate"].between(0, 1).all()


def test_fit_replication_counts_a_failed_fit_and_keeps_going():
    rep = mc.simulate_replication(7, N, 0)
    rep.survival["event"] = 0  # nobody exits: no Cox model, no PH test
    rep.survival["duration_days"] = simulate.MAX_FOLLOW_UP_DAYS
    est = mc.fit_replication(rep, boot_replicates=0, time_varying=True)
    for model in ("cox", "cox_clustered", "ph_test", "cox_time_varying"):
        rows = est[est["model"] == model]
        assert rows["failure"].notna().all() and rows["estimate"].isna().all(), model
    summary = mc.summarize(est)
    assert (summary.loc[summary["model"] == "cox", "n_failed"] == 1).all()


def test_summarize_arithmetic_on_constructed_estimates():
    rows = []
    for r, (est, lo, hi, failure) in enumerate([(1.0, 0.5, 1.5, None), (2.0, 1.8, 2.2, None),
                                                (np.nan, np.nan, np.nan, "no_events")]):
        rows.append({"n": 10, "replication": r, "model": "cox", "term": "nation", "truth": 1.2,
                     "estimate": est, "std_err": 0.2, "ci_lower": lo, "ci_upper": hi,
                     "boot_ci_lower": lo, "boot_ci_upper": np.nan if r else hi, "boot_used": 5,
                     "failure": failure, "censored_share": 0.5})
        rows.append({"n": 10, "replication": r, "model": "ph_test", "term": "global",
                     "truth": np.nan, "estimate": [0.01, 0.5, 0.03][r], "std_err": np.nan,
                     "ci_lower": np.nan, "ci_upper": np.nan, "boot_ci_lower": np.nan,
                     "boot_ci_upper": np.nan, "boot_used": 0, "failure": None,
                     "censored_share": 0.5})
    s = mc.summarize(pd.DataFrame(rows), ph_alpha=0.05).set_index("model")
    cox = s.loc["cox"]
    assert cox["n_replications"] == 3 and cox["n_failed"] == 1
    assert cox["mean"] == pytest.approx(1.5) and cox["bias"] == pytest.approx(0.3)
    assert cox["rmse"] == pytest.approx(math.sqrt((0.2**2 + 0.8**2) / 2))
    assert cox["coverage"] == 0.5 and cox["boot_coverage"] == 1.0 and cox["n_boot"] == 1
    assert s.loc["ph_test", "rejection_rate"] == pytest.approx(2 / 3)


def test_render_and_plot(chunk, tmp_path):
    summary = mc.summarize(chunk)
    md = mc.render_markdown(summary, 3, B, 7)
    assert f"## n = {N} counties" in md and "OLS has no true parameter" in md
    mc.plot_summary(summary, chunk, tmp_path / "c.png", tmp_path / "c.svg", 3)
    assert (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"
    assert "<svg" in (tmp_path / "c.svg").read_text()
