"""Unit tests of countysurv.extended_tables: the extended table's content and its renderings."""

from __future__ import annotations

import html
import io
import math
import shutil
import subprocess

import pandas as pd
import pytest

from countysurv import extended, extended_tables, models, simulate, tables
from countysurv.terms import MODEL_TERMS

TERMS = list(MODEL_TERMS)


@pytest.fixture(scope="module")
def results():
    study = simulate.simulate_study(76, seed=2)
    df = study.covariates[["county_code", "duration_days", "event", *TERMS]].copy()
    cp = df.assign(start=0, stop=df["duration_days"], year=2016)
    out = {
        "ols": models.fit_ols(df),
        "cox": models.fit_cox(df),
        "cox_clustered": extended.fit_cox_clustered(df, study.counties["province"]),
        "weibull_aft": extended.fit_weibull_aft(df, use_lifelines=False),
        "cox_time_varying": extended.fit_cox_time_varying(cp, check_lifelines=False,
                                                          lag_years=1),
    }
    return out


def test_build_extended_table_rows_and_values(results):
    table = extended_tables.build_extended_table(results)
    assert table["term"].tolist() == [*TERMS, "const"] + [k for k, _, _ in
                                                         extended_tables.FIT_ROWS]
    t = table.set_index("term")
    for model in extended_tables.MODEL_KEYS:
        for term in TERMS:
            assert t.loc[term, f"{model}_coef"] == results[model]["coef"][term]
            assert t.loc[term, f"{model}_se"] == results[model]["se"][term]
            assert t.loc[term, f"{model}_stars"] == tables.significance_stars(
                results[model]["p"][term])
    # same Cox coefficients, robust SEs; AFT has its intercept in the constant row
    assert (table["cox_coef"].iloc[:6] == table["cox_clustered_coef"].iloc[:6]).all()
    assert t.loc["const", "weibull_aft_coef"] == results["weibull_aft"]["coef"]["const"]
    assert math.isnan(t.loc["const", "cox_coef"]) and math.isnan(t.loc["const", "weibull_aft_ratio"])
    assert t.loc["nation", "weibull_aft_ratio"] == pytest.approx(
        math.exp(results["weibull_aft"]["coef"]["nation"]))
    assert t.loc["n_clusters", "cox_clustered_value"] == results["cox_clustered"]["n_clusters"]
    assert t.loc["prob_f_chi2", "cox_clustered_value"] == results["cox_clustered"]["wald_pvalue"]
    assert t.loc["shape", "weibull_aft_value"] == results["weibull_aft"]["shape"]
    assert t.loc["n_intervals", "cox_time_varying_value"] == 76


def test_build_extended_table_names_a_missing_model(results):
    partial = {k: v for k, v in results.items() if k != "weibull_aft"}
    with pytest.raises(Exception, match="weibull_aft"):
        extended_tables.build_extended_table(partial)


def test_extended_csv_round_trips(results):
    table = extended_tables.build_extended_table(results)
    back = pd.read_csv(io.StringIO(extended_tables.table_to_csv(table)), keep_default_na=False,
                       na_values=[""])
    assert list(back.columns) == list(table.columns)
    assert back["cox_coef"].iloc[0] == table["cox_coef"].iloc[0]


def test_render_markdown_and_html_have_every_label(results):
    table = extended_tables.build_extended_table(results)
    md = extended_tables.render_markdown(table)
    page = extended_tables.render_html(table)
    for label in table["label"]:
        assert label in md and html.escape(label) in page
    for _, header, _ in extended_tables.MODELS:
        assert header in md and html.escape(header) in page
    n_cols = 1 + sum(3 if ratio else 2 for _, _, ratio in extended_tables.MODELS)
    for line in md.splitlines():
        if line.startswith("| ") and "*" not in line[:4]:
            assert line.replace("\\|", "").count("|") == n_cols + 1, line
    assert "<script" not in page


def test_render_latex_compiles_with_pdflatex(results, tmp_path):
    pdflatex = shutil.which("pdflatex")
    if pdflatex is None:
        pytest.fail("pdflatex not found: install texlive-latex-base (make system-deps)")
    tex = extended_tables.render_latex(extended_tables.build_extended_table(results))
    (tmp_path / "t.tex").write_text(tables.standalone_latex_document(tex), encoding="utf-8")
    proc = subprocess.run([pdflatex, "-interaction=nonstopmode", "-halt-on-error",
                           "-no-shell-escape", "t.tex"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert (tmp_path / "t.pdf").stat().st_size > 0
    log = (tmp_path / "t.log").read_text(errors="replace")
    assert "Missing character" not in log
    assert "Overfull" not in log
