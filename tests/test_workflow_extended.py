"""End-to-end: the extended models in the toy run, and a tiny `snakemake montecarlo` run."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from conftest import make_toy_study, run_snakemake

pytestmark = pytest.mark.workflow

EXTENDED = [
    "results/analysis/counting_process.parquet", "results/analysis/counting_process_dropped.csv",
    "results/models/weibull_aft.json", "results/models/cox_clustered.json",
    "results/models/cox_time_varying.json", "results/tables/table_extended.csv",
    "results/tables/table_extended.md", "results/tables/table_extended.tex",
    "results/tables/table_extended.html",
]


def test_workflow_builds_the_extended_models(toy_run):
    work, codes, _ = toy_run
    for rel in EXTENDED[:2] + EXTENDED[2:]:
        assert (work / rel).exists(), rel
    cox = json.loads((work / "results/models/cox.json").read_text())
    cl = json.loads((work / "results/models/cox_clustered.json").read_text())
    aft = json.loads((work / "results/models/weibull_aft.json").read_text())
    tv = json.loads((work / "results/models/cox_time_varying.json").read_text())
    assert cl["coef"] == cox["coef"] and cl["n_obs"] == len(codes)
    assert cl["cluster_col"] == "province" and cl["n_clusters"] >= 2
    assert set(aft["coef"]) == {"const", *cox["coef"]} and aft["shape"] > 0
    assert tv["n_obs"] == len(codes) and tv["lag_years"] == 1
    cp = pd.read_parquet(work / "results/analysis/counting_process.parquet")
    dropped = pd.read_csv(work / "results/analysis/counting_process_dropped.csv")
    surv = pd.read_parquet(work / "results/analysis/survival.parquet")
    assert tv["n_intervals"] == len(cp)
    assert int(cp["event"].sum()) + int(dropped["event"].sum()) == int(surv["event"].sum())
    table = pd.read_csv(work / "results/tables/table_extended.csv")
    assert table.set_index("term").loc["n_obs", "cox_time_varying_value"] == len(codes)


def test_workflow_montecarlo_target_is_separate_and_runs(toy_run, tmp_path):
    work, _, _ = toy_run
    assert not (work / "results" / "montecarlo").exists()  # not part of rule all
    make_toy_study(tmp_path, n=5)
    (tmp_path / "mc.yaml").write_text(
        "montecarlo:\n  replications: 3\n  chunk_size: 2\n  sizes: [40, 60]\n"
        "  bootstrap_replicates: 5\n", encoding="utf-8")
    run_snakemake(tmp_path, "montecarlo", "--cores", "2", "--configfile",
                  str(tmp_path / "mc.yaml"))
    out = tmp_path / "results" / "montecarlo"
    assert sorted(p.name for p in (out / "chunks").iterdir()) == ["n40", "n60"]
    assert len(list((out / "chunks").glob("*/*.parquet"))) == 4
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary["n"]) == {40, 60}
    assert (summary["n_replications"] == 3).all()
    assert {"cox", "weibull_aft", "cox_clustered", "cox_time_varying", "ols",
            "ph_test"} <= set(summary["model"])
    for name in ("summary.md", "coverage.png", "coverage.svg"):
        assert (out / name).stat().st_size > 0
    assert not (tmp_path / "results" / "models").exists()  # needs none of the study's data
