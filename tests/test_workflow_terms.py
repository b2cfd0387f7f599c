"""End-to-end: the toy study with four model terms, on bulletins that lack the agricultural
indicators (as the CSMAR county panel does), from panel to report.

The two integration indices need agricultural machinery power, agri-services output and rural
population; the bulletins here have none of them, and config models.terms leaves the indices
out. No county may be excluded for them, every output is written, Table 1 prints the two rows as
n/a with a footnote naming the missing indicators, and the report builds.
"""

from __future__ import annotations

import csv
import io as _stdio
import json

import pandas as pd
import pytest

from conftest import make_toy_study, run_snakemake
from countysurv.indicators import canonical_indicator
from countysurv.io import decode_bytes
from countysurv.schemas import survival_schema

pytestmark = [pytest.mark.workflow, pytest.mark.slow]

FOUR = ["upgrading_index", "nation", "industry", "resource_endowment"]
ABSENT = {"agri_machinery_power", "agri_services_output", "rural_population"}


def drop_indicators(path, dropped: set[str]) -> int:
    """Rewrite a raw bulletin CSV (any accepted encoding) as UTF-8 without the rows of
    ``dropped`` indicators; return how many rows were dropped."""
    text, _ = decode_bytes(path.read_bytes(), str(path))
    rows = list(csv.reader(_stdio.StringIO(text)))
    col = rows[0].index("indicator")
    kept = [rows[0]] + [r for r in rows[1:] if not r or canonical_indicator(r[col]) not in dropped]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(kept)
    return len(rows) - len(kept)


@pytest.fixture(scope="module")
def four_term_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("toy_four_terms")
    codes = make_toy_study(work)
    dropped = sum(drop_indicators(work / "data" / "bulletins" / f"{c}.csv", ABSENT)
                  for c in codes)
    assert dropped > 0
    (work / "terms.yaml").write_text("models:\n  terms: [" + ", ".join(FOUR) + "]\n",
                                     encoding="utf-8")
    args = ("--configfile", str(work / "config.yaml"), str(work / "terms.yaml"))
    run_snakemake(work, "--cores", "2", *args)
    report = run_snakemake(work, "--cores", "1", *args, "--report",
                           str(work / "results" / "report.html"))
    return work, codes, report


def test_no_county_is_excluded_for_indicators_of_terms_not_in_the_model(four_term_run):
    work, codes, _ = four_term_run
    panel = pd.read_parquet(work / "results/panel/panel.parquet")
    assert panel[sorted(ABSENT)].isna().all().all()
    assert pd.read_csv(work / "results/analysis/excluded.csv").empty
    covariates = pd.read_csv(work / "results/analysis/covariates.csv")
    assert not any(c.startswith("integration") for c in covariates.columns)
    survival = pd.read_parquet(work / "results/analysis/survival.parquet")
    assert len(survival) == len(codes)
    assert list(survival.columns) == ["county_code", "duration_days", "event",
                                      "upgrading_index", "integration_12", "integration_13",
                                      "nation", "industry", "resource_endowment"]
    assert survival[["integration_12", "integration_13"]].isna().all().all()
    survival_schema(FOUR).validate(survival)


def test_every_model_is_fitted_on_the_configured_terms(four_term_run):
    work, _, _ = four_term_run
    for name in ("ols", "cox", "weibull_aft", "cox_clustered", "cox_time_varying"):
        fit = json.loads((work / "results" / "models" / f"{name}.json").read_text())
        assert fit["terms"] == FOUR, name
    summary = pd.read_csv(work / "results/bootstrap/summary.csv")
    assert summary.loc[summary["model"] == "cox", "term"].tolist() == FOUR
    lineage = pd.read_csv(work / "results/analysis/lineage.csv")
    assert sorted(set(lineage["covariate"])) == sorted(FOUR)


def test_table1_prints_the_integration_indices_as_na_with_the_missing_indicators(four_term_run):
    work, codes, _ = four_term_run
    md = (work / "results/tables/table1.md").read_text(encoding="utf-8")
    row = next(line for line in md.splitlines()
               if line.startswith("| First and Second Industry Integration Index"))
    assert set(c.strip() for c in row.strip("|").split("|")[1:]) == {"n/a"}
    assert (f"integration\\_12 needs agri\\_machinery\\_power and rural\\_population; the panel "
            f"has agri\\_machinery\\_power for 0 of {len(codes)} counties and rural\\_population "
            f"for 0 of {len(codes)} counties") in md
    table = pd.read_csv(work / "results/tables/table1.csv", keep_default_na=False)
    rows = table.set_index("term")
    assert rows.loc["integration_13", "status"] == "not estimated"
    assert rows.loc["integration_13", "ols_coef"] == ""
    assert rows.loc["nation", "status"] == "estimated"
    tex = (work / "results/tables/table1.tex").read_text(encoding="utf-8")
    assert "First and Third Industry Integration Index & n/a" in tex
    assert ">n/a</td>" in (work / "results/tables/table1.html").read_text(encoding="utf-8")
    comparison = (work / "results/tables/paper_comparison.md").read_text(encoding="utf-8")
    assert "| `integration_12` | *not estimated* |" in comparison
    extended = (work / "results/tables/table_extended.md").read_text(encoding="utf-8")
    assert "| First and Third Industry Integration Index | n/a |" in extended


def test_figures_and_report_are_built(four_term_run):
    work, _, report = four_term_run
    for name in ("km_nation", "km_industry", "forest_cox", "schoenfeld", "index_distributions",
                 "panel_coverage"):
        for ext in ("png", "svg"):
            assert (work / "results" / "figures" / f"{name}.{ext}").stat().st_size > 0
    html = (work / "results/report.html").read_text(encoding="utf-8")
    assert "Report created" in report.stderr + report.stdout
    assert "system-message" not in html  # every link of the report text resolves
