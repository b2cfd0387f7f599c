"""End-to-end: the workflow on a toy copy of the default study, and its rerun contract."""

from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest

from conftest import REPO, change_last_value, run_snakemake
from countysurv.io import SIGNIFICANT_DIGITS

pytestmark = pytest.mark.workflow

OUTPUTS = [
    "results/panel/panel.parquet", "results/panel/coverage.csv", "results/panel/ingestion.csv",
    "results/analysis/survival.parquet", "results/analysis/survival.csv",
    "results/analysis/covariates.csv", "results/analysis/excluded.csv",
    "results/models/ols.json", "results/models/cox.json", "results/bootstrap/summary.csv",
    "results/tables/table1.csv", "results/tables/table1.md", "results/tables/table1.tex",
    "results/tables/table1.html", "results/tables/paper_comparison.md",
]


def planned_jobs(stdout: str) -> list[tuple[str, str]]:
    """(rule, county-or-"") of every job in a dry-run's output."""
    jobs = []
    for block in re.split(r"\n(?=(?:local)?rule \w+:)", stdout):
        m = re.match(r"(?:local)?rule (\w+):", block.strip())
        if m:
            w = re.search(r"wildcards: .*?county=(\d{6})", block)
            jobs.append((m.group(1), w.group(1) if w else ""))
    return jobs


def test_workflow_produces_every_output(toy_run):
    work, codes, _ = toy_run
    for rel in OUTPUTS:
        assert (work / rel).stat().st_size > 0, rel
    for code in codes:
        assert (work / "results" / "bulletins" / f"{code}.parquet").exists()
        assert (work / "results" / "bulletins" / f"{code}.rejects.csv").exists()


def test_workflow_accounts_for_every_raw_row(toy_run):
    work, codes, _ = toy_run
    ingestion = pd.read_csv(work / "results/panel/ingestion.csv")
    assert len(ingestion) == len(codes)
    kept = rejected = 0
    for code in codes:
        kept += len(pd.read_parquet(work / "results" / "bulletins" / f"{code}.parquet"))
        rejected += len(pd.read_csv(work / "results" / "bulletins" / f"{code}.rejects.csv"))
    raw_rows = 0
    for code in codes:
        data = (work / "data" / "bulletins" / f"{code}.csv").read_bytes()
        text = data.decode("utf-8-sig") if data[:3] == b"\xef\xbb\xbf" else (
            data.decode("utf-8") if _is_utf8(data) else data.decode("gb18030"))
        raw_rows += sum(1 for line in text.splitlines()[1:] if line.strip())
    assert ingestion["rows_in"].sum() == raw_rows
    assert ingestion["rows_kept"].sum() == kept
    assert ingestion["rows_rejected"].sum() == rejected
    assert raw_rows == kept + rejected


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_workflow_panel_has_every_county_and_year(toy_run):
    work, codes, _ = toy_run
    panel = pd.read_parquet(work / "results/panel/panel.parquet")
    assert sorted(panel["county_code"].unique()) == sorted(codes)
    assert sorted(panel["year"].unique()) == list(range(2014, 2020))
    assert len(panel) == len(codes) * 6


def test_workflow_table1_has_the_papers_rows(toy_run):
    work, codes, _ = toy_run
    table = pd.read_csv(work / "results/tables/table1.csv")
    assert table["term"].tolist() == [
        "upgrading_index", "integration_12", "integration_13", "nation", "industry",
        "resource_endowment", "const", "prob_f_chi2", "r2", "n_obs", "ph_test_global_p"]
    obs = table.set_index("term").loc["n_obs"]
    assert obs["ols_value"] == obs["cox_value"] == len(codes)
    md = (work / "results/tables/table1.md").read_text(encoding="utf-8")
    for label in table["label"]:
        assert label.replace(">", "\\>") in md, label


def test_workflow_noop_rerun_plans_nothing(toy_run):
    work, _, _ = toy_run
    proc = run_snakemake(work, "-n", "--cores", "2")
    assert "Nothing to be done" in proc.stdout + proc.stderr


def test_workflow_changed_county_reruns_only_its_ingestion(toy_run, tmp_path):
    work, codes, _ = toy_run
    clone = tmp_path / "clone"
    shutil.copytree(work, clone, symlinks=True)   # copy2 keeps mtimes and .snakemake metadata
    change_last_value(clone / "data" / "bulletins" / f"{codes[3]}.csv")
    proc = run_snakemake(clone, "-n", "--cores", "2")
    jobs = planned_jobs(proc.stdout)
    ingest = [county for rule, county in jobs if rule == "ingest_bulletin"]
    assert ingest == [codes[3]], proc.stdout
    assert {"build_panel", "compute_covariates", "build_survival", "fit_cox"} <= {
        rule for rule, _ in jobs}


def test_workflow_covariates_equal_the_generators_truth(toy_run):
    """Ingestion undoes every unit, encoding and format of the mess: the covariates the workflow
    computes equal those the generator drew exit times from (fallback counties excepted, whose
    2015 input was withheld on purpose), and the durations and events are the generator's."""
    work, codes, _ = toy_run
    surv = pd.read_parquet(work / "results/analysis/survival.parquet")
    truth = pd.read_csv(REPO / "data" / "truth_covariates.csv", dtype={"county_code": str})
    merged = surv.merge(truth, on="county_code", suffixes=("", "_true"))
    assert len(merged) == len(codes)
    exact = merged[merged["workflow_fallback"] == 0]
    for col in ("upgrading_index", "integration_12", "integration_13", "resource_endowment"):
        # both files hold SIGNIFICANT_DIGITS digits: equal to one unit in the last digit kept
        assert (exact[col] - exact[f"{col}_true"]).abs().max() <= \
            10.0 ** (1 - SIGNIFICANT_DIGITS) * exact[col].abs().max()
    for col in ("nation", "industry", "duration_days", "event"):
        assert (merged[col] == merged[f"{col}_true"]).all(), col


@pytest.mark.parametrize(("chunk_size", "cores"), [(7, "1"), (250, "2")])
def test_workflow_bootstrap_identical_whatever_chunks_and_cores(toy_run, tmp_path, chunk_size,
                                                                 cores):
    """Replicate r draws from default_rng([seed, r]): the summary and the tables are
    byte-identical to the toy run's (chunk size 8, 2 cores)."""
    work, _, _ = toy_run
    clone = tmp_path / "clone"
    shutil.copytree(work, clone, symlinks=True)
    config = (clone / "config.yaml").read_text(encoding="utf-8")
    (clone / "config.yaml").write_text(config.replace("chunk_size: 8", f"chunk_size: {chunk_size}"),
                                       encoding="utf-8")
    shutil.rmtree(clone / "results" / "bootstrap")
    run_snakemake(clone, "--cores", cores)
    n_chunks = len(list((clone / "results" / "bootstrap" / "chunks").glob("*.parquet")))
    assert n_chunks == -(-20 // chunk_size)
    for rel in ("results/bootstrap/summary.csv", "results/tables/table1.csv",
                "results/tables/table1.md", "results/tables/paper_comparison.md"):
        assert (clone / rel).read_bytes() == (work / rel).read_bytes(), rel


def test_workflow_combines_the_bulletin_csvs_and_the_texts(toy_run, tmp_path):
    """The toy study with the simulated texts of its counties: extraction runs, every cell of
    the CSVs keeps its value (the CSVs come first and agree within the printed precision), the
    texts add rural income (which the CSVs do not print), the one deliberate disagreement is
    listed with both sources; with the texts first, the panel holds the text's figure and the
    lineage names the source."""
    work, codes, _ = toy_run
    clone = tmp_path / "clone"
    shutil.copytree(work, clone, symlinks=True)
    folders = [d for d in sorted((REPO / "data" / "bulletin_texts").iterdir()) if d.name in codes]
    assert folders, "no text county among the toy counties"
    for folder in folders:
        shutil.copytree(folder, clone / "data" / "bulletin_texts" / folder.name)
    extra = clone / "texts.yaml"
    extra.write_text("data:\n  bulletin_texts_dir: data/bulletin_texts\n", encoding="utf-8")
    targets = ("results/panel/conflicts.csv", "results/analysis/lineage.csv")
    run_snakemake(clone, *targets, "--cores", "2", "--configfile", str(extra))
    for folder in folders:
        assert (clone / "results" / "extracted" / f"{folder.name}.review.csv").is_file()
        assert (clone / "results" / "bulletins" / "extracted" / f"{folder.name}.parquet").is_file()
    rel = "results/panel/panel.parquet"
    panel = pd.read_parquet(clone / rel)
    alone = pd.read_parquet(work / rel)
    assert alone["rural_income"].isna().all()
    pd.testing.assert_frame_equal(panel.drop(columns="rural_income"),
                                  alone.drop(columns="rural_income"))
    labels = pd.read_csv(REPO / "data/bulletin_texts/labels.csv", dtype={"county": str})
    income = labels[(labels["indicator"] == "rural_income") & labels["county"].isin(codes)]
    got = panel.set_index(["county_code", "year"])["rural_income"].dropna()
    assert sorted(got.index) == sorted(zip(income["county"], income["year"]))
    assert got.loc[list(zip(income["county"], income["year"]))].tolist() == \
        income["value"].tolist()
    conflicts = pd.read_csv(clone / "results/panel/conflicts.csv", dtype={"county_code": str})
    wrong = labels[labels["comment"].str.contains("deliberately")
                   & labels["county"].isin(codes)]
    assert conflicts[["county_code", "year", "indicator"]].values.tolist() == \
        wrong[["county", "year", "indicator"]].values.tolist()
    assert conflicts[["used", "source_a", "source_b"]].values.tolist() == \
        [["bulletins", "bulletins", "extracted"]] * len(wrong)
    assert conflicts["cited_b"].str.match(r"data/bulletin_texts/\d{6}/\d{4}\.txt:\d+-\d+$").all()
    lineage = pd.read_csv(clone / "results/analysis/lineage.csv", dtype={"county_code": str})
    assert set(lineage["panel_source"]) == {"bulletins", "reference"}

    extra.write_text("data:\n  bulletin_texts_dir: data/bulletin_texts\n"
                     "sources:\n  precedence: [extracted, bulletins]\n", encoding="utf-8")
    run_snakemake(clone, *targets, "--cores", "2", "--configfile", str(extra))
    panel = pd.read_parquet(clone / rel).set_index(["county_code", "year"])
    for row in wrong.itertuples():
        assert panel.at[(row.county, row.year), row.indicator] == pytest.approx(row.value)
    lineage = pd.read_csv(clone / "results/analysis/lineage.csv", dtype={"county_code": str})
    from_texts = lineage[lineage["panel_source"] == "extracted"]
    assert set(from_texts["county_code"]) == {f.name for f in folders}
    assert from_texts["file"].str.startswith("results/extracted/").all()
    assert from_texts["source"].str.startswith("data/bulletin_texts/").all()
