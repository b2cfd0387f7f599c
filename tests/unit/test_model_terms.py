"""Model terms from config (models.terms): covariates only for the configured terms, the optional
extra terms (rural income, terrain relief), and terms not estimated in the survival dataset,
Table 1 in every format, the paper comparison, the extended table, the bootstrap, the counting
process and the lineage.

The panels of this branch have no rural_income or terrain_relief column (the CSMAR import adds
those indicators); the tests add the columns to the panel directly.
"""

from __future__ import annotations

import logging
import math
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from countysurv import bootstrap, counting, extended_tables, indices, lineage, paper, tables
from countysurv.errors import ConfigError, InputDataError
from countysurv.io import load_paper_fit, load_paper_table1, read_coverage_csv
from countysurv.panels import build_panel, coverage_table
from countysurv.schemas import SurvivalSpell, counting_process_schema, survival_schema
from countysurv.simulate import simulate_study
from countysurv.survival import build_survival
from countysurv.terms import (CONST, EXTRA_TERMS, KNOWN_TERMS, MODEL_TERMS, TABLE_TERMS,
                              check_terms, not_estimated, ols_terms, table_terms)

from table1_cases import PAPER_DIR, results_like_paper
from test_survival import reference

#: The real study's terms: the panel has no agricultural machinery power, agri-services output
#: or rural population, so the two integration indices are left out.
FOUR = ["upgrading_index", "nation", "industry", "resource_endowment"]

FULL = {"gdp": 1000.0, "va_primary": 400.0, "va_secondary": 300.0, "va_tertiary": 300.0,
        "population": 10.0, "rural_population": 8.0, "agri_machinery_power": 4.0,
        "agri_services_output": 240.0}
#: What the CSMAR panel holds: GDP, sectors, per-capita GDP and population, nothing agricultural.
CSMAR_LIKE = {"gdp": 1000.0, "va_primary": 400.0, "va_secondary": 300.0, "va_tertiary": 300.0,
              "gdp_per_capita": 100.0, "population": 10.0}


def panel_from(values: dict, years: tuple[int, int] = (2014, 2016)) -> pd.DataFrame:
    rows = [{"county_code": c, "year": y, "indicator": k, "value": v}
            for (c, y), d in values.items() for k, v in d.items()]
    codes = sorted({c for c, _ in values})
    return build_panel(pd.DataFrame(rows), codes, years)


def with_extra(panel: pd.DataFrame, column: str, values: dict) -> pd.DataFrame:
    """The panel with an extra indicator column: {(county, year): value}, NaN elsewhere."""
    out = panel.copy()
    out[column] = [values.get((c, int(y)), np.nan) for c, y in zip(out["county_code"],
                                                                   out["year"])]
    return out


# --------------------------------------------------------------------------- vocabulary


def test_check_terms_rejects_empty_unknown_and_repeated_terms():
    assert check_terms(FOUR) == tuple(FOUR)
    with pytest.raises(ConfigError, match="no model term"):
        check_terms([])
    with pytest.raises(ConfigError, match="unknown term.*'rainfall'"):
        check_terms(["nation", "rainfall"])
    with pytest.raises(ConfigError, match="named twice: nation"):
        check_terms(["nation", "industry", "nation"])


def test_table_rows_keep_the_papers_six_and_add_extra_terms_only_when_configured():
    assert table_terms(MODEL_TERMS) == TABLE_TERMS
    assert table_terms(FOUR) == TABLE_TERMS  # left-out terms stay as rows (printed n/a)
    rows = table_terms(["terrain_relief", *FOUR, "rural_income"])
    assert rows == (*MODEL_TERMS, "rural_income", "terrain_relief", CONST)
    assert table_terms([*FOUR, "terrain_relief"]) == (*MODEL_TERMS, "terrain_relief", CONST)
    assert not_estimated(FOUR) == ("integration_12", "integration_13")
    assert ols_terms(FOUR) == (CONST, *FOUR)
    assert KNOWN_TERMS == (*MODEL_TERMS, *EXTRA_TERMS)


def test_every_known_term_has_a_computation_or_a_reference_column():
    for term in KNOWN_TERMS:
        assert (term in indices.COVARIATES) != (term in indices.REFERENCE_TERMS), term
    assert indices.term_needs("integration_12") == "agri_machinery_power and rural_population"
    assert indices.term_needs("resource_endowment") == "gdp_per_capita, or gdp and population"
    assert indices.term_needs("upgrading_index", "tertiary_secondary_ratio") == \
        "va_secondary and va_tertiary"
    assert indices.COVARIATES["terrain_relief"].time_invariant
    assert not any(indices.COVARIATES[t].time_invariant for t in indices.PANEL_COVARIATES)


# --------------------------------------------------------------------------- covariates


def test_only_configured_terms_are_computed_so_no_county_is_lost_to_unused_indicators(tmp_path):
    panel = panel_from({("990001", 2015): CSMAR_LIKE, ("990002", 2015): CSMAR_LIKE})
    yearly = indices.yearly_covariates(panel, terms=FOUR)
    assert list(yearly.columns) == ["county_code", "year", "upgrading_index", "industry",
                                    "resource_endowment", "resource_endowment_derived"]
    cov = indices.baseline_covariates(yearly, 2015, 1, FOUR)
    assert "integration_12" not in cov.columns
    assert indices.incomplete_counties(cov, FOUR).empty
    ref = reference(tmp_path, "990001,甲县,贵州,1,2018-09-29\n990002,乙县,贵州,0,\n")
    spells, excluded = build_survival(cov, ref, "2015-11-29", "2020-01-01", terms=FOUR)
    assert excluded.empty and len(spells) == 2
    # The same panel with the paper's six terms excludes both counties, naming the indices.
    full = indices.baseline_covariates(indices.yearly_covariates(panel), 2015, 1)
    _, excluded6 = build_survival(full, ref, "2015-11-29", "2020-01-01")
    assert excluded6["reason"].tolist() == [
        "no value within the fallback window for integration_12, integration_13"] * 2


def test_a_panel_without_the_indicator_column_fails_only_for_a_term_that_needs_it():
    panel = panel_from({("990001", 2015): CSMAR_LIKE}).drop(
        columns=["agri_machinery_power", "rural_population"])
    assert len(indices.yearly_covariates(panel, terms=FOUR)) == 3
    with pytest.raises(InputDataError, match="panel.parquet: no column agri_machinery_power, "
                       "rural_population, which the model term integration_12 needs"):
        indices.yearly_covariates(panel, source="panel.parquet")


def test_a_term_without_a_value_for_any_county_stops_with_the_indicators_it_needs():
    panel = panel_from({("990001", 2015): CSMAR_LIKE})
    cov = indices.baseline_covariates(indices.yearly_covariates(panel), 2015, 1)
    with pytest.raises(InputDataError, match=r"integration_12 \(needs agri_machinery_power and "
                       r"rural_population\); integration_13 .*models.terms"):
        indices.check_terms_have_values(cov, MODEL_TERMS, "panel.parquet")
    indices.check_terms_have_values(cov, FOUR, "panel.parquet")  # nothing missing: no error


def test_rural_income_is_the_log_of_income_in_yuan():
    panel = with_extra(panel_from({("990001", 2015): FULL, ("990002", 2015): FULL}),
                       "rural_income", {("990001", 2015): 8640.5, ("990002", 2014): 7000.0})
    terms = [*FOUR, "rural_income"]
    yearly = indices.yearly_covariates(panel, terms=terms)
    row = yearly.set_index(["county_code", "year"]).loc[("990001", 2015)]
    assert row["rural_income"] == math.log(8640.5)
    cov = indices.baseline_covariates(yearly, 2015, 1, terms).set_index("county_code")
    assert cov.at["990002", "rural_income"] == math.log(7000.0)
    assert cov.at["990002", "rural_income_year"] == 2014
    assert cov.at["990002", "rural_income_fallback"]
    # a window of 0 leaves 990002 without it, excluded for rural_income alone
    narrow = indices.baseline_covariates(yearly, 2015, 0, terms)
    assert indices.incomplete_counties(narrow, terms)["reason"].tolist() == [
        "no value within the fallback window for rural_income"]


def test_terrain_relief_is_time_invariant_taken_from_whatever_year_it_is_dated(caplog):
    values = {(c, y): FULL for c in ("990001", "990002", "990003") for y in (2014, 2015, 2016)}
    panel = with_extra(panel_from(values, (2014, 2019)), "terrain_relief",
                       {("990001", 2015): 1.25, ("990002", 2019): 0.4,
                        ("990003", 2014): 2.0, ("990003", 2016): 2.5})
    terms = [*FOUR, "terrain_relief"]
    yearly = indices.yearly_covariates(panel, terms=terms)
    with caplog.at_level(logging.WARNING, logger="countysurv.indices"):
        cov = indices.baseline_covariates(yearly, 2015, 0, terms).set_index("county_code")
    assert cov.at["990001", "terrain_relief"] == 1.25
    # dated four years after the baseline: still taken, though the fallback window is 0
    assert cov.at["990002", "terrain_relief"] == 0.4
    assert cov.at["990002", "terrain_relief_year"] == 2019
    # two different values: the nearest year (the earlier on a tie) wins, with a warning
    assert cov.at["990003", "terrain_relief"] == 2.0
    assert "terrain_relief is time-invariant but 1 county(ies) have different values" in caplog.text
    assert "990003" in caplog.text
    # a county with no value in any year is excluded with that reason
    none = with_extra(panel_from({("990004", 2015): FULL}), "terrain_relief", {})
    cov4 = indices.baseline_covariates(indices.yearly_covariates(none, terms=terms), 2015, 1,
                                       terms)
    assert indices.incomplete_counties(cov4, terms)["reason"].tolist() == [
        "no value in any year for terrain_relief"]


# --------------------------------------------------------------------------- survival dataset


def _survival(tmp_path, terms, extra=None):
    panel = panel_from({("990001", 2015): CSMAR_LIKE, ("990002", 2015): CSMAR_LIKE})
    for column, values in (extra or {}).items():
        panel = with_extra(panel, column, values)
    cov = indices.baseline_covariates(indices.yearly_covariates(panel, terms=terms), 2015, 1,
                                      terms)
    ref = reference(tmp_path, "990001,甲县,贵州,1,2018-09-29\n990002,乙县,贵州,0,\n")
    return build_survival(cov, ref, "2015-11-29", "2020-01-01", terms=terms)[0]


def test_survival_keeps_the_contract_columns_with_terms_not_in_the_model_all_null(tmp_path):
    spells = _survival(tmp_path, FOUR)
    assert list(spells.columns) == list(SurvivalSpell.to_schema().columns)
    assert spells[["integration_12", "integration_13"]].isna().all().all()
    validated = survival_schema(FOUR).validate(spells)
    assert validated["nation"].tolist() == [1, 0]
    # the default schema (all six terms required) rejects it: nulls in the integration indices
    with pytest.raises(Exception, match="integration_12"):
        SurvivalSpell.validate(spells, lazy=True)
    # a value in a column of a term not in the model is an error, not silently kept
    bad = spells.assign(integration_12=[0.5, np.nan])
    with pytest.raises(Exception, match="a term not in config models.terms has no values"):
        survival_schema(FOUR).validate(bad, lazy=True)


def test_survival_without_nation_has_an_empty_integer_column(tmp_path):
    terms = ["upgrading_index", "resource_endowment"]
    spells = survival_schema(terms).validate(_survival(tmp_path, terms))
    assert spells["nation"].isna().all() and spells["industry"].isna().all()
    assert str(spells["nation"].dtype) == "Int64"


def test_survival_adds_configured_extra_terms_after_the_contract_columns(tmp_path):
    terms = ["terrain_relief", *FOUR, "rural_income"]
    spells = _survival(tmp_path, terms, {
        "rural_income": {("990001", 2015): 9000.0, ("990002", 2015): 8000.0},
        "terrain_relief": {("990001", 2015): 1.5, ("990002", 2015): 0.5}})
    assert list(spells.columns) == [*SurvivalSpell.to_schema().columns, "rural_income",
                                    "terrain_relief"]
    spells = survival_schema(terms).validate(spells)
    assert spells["rural_income"].tolist() == [math.log(9000.0), math.log(8000.0)]
    assert spells["terrain_relief"].tolist() == [1.5, 0.5]


# --------------------------------------------------------------------------- Table 1


@pytest.fixture(scope="module")
def paper_coefs():
    return load_paper_table1(PAPER_DIR / "paper_table1.csv")


def four_term_results(paper_coefs, terms=FOUR):
    """The paper-like fits with the integration indices dropped (and extra terms added)."""
    ols, cox = results_like_paper(paper_coefs)
    for res in (ols, cox):
        for key in ("coef", "se", "p", "hazard_ratio"):
            if key in res:
                for term in ("integration_12", "integration_13"):
                    res[key].pop(term, None)
                for i, term in enumerate(t for t in terms if t in EXTRA_TERMS):
                    res[key][term] = 0.5 + i if key != "p" else 0.03
        res["terms"] = list(terms)
    return ols, cox


REASONS = {"integration_12": "integration_12 needs agri_machinery_power and rural_population; "
                             "the panel has agri_machinery_power for 0 of 76 counties and "
                             "rural_population for 0 of 76 counties (in any year)",
           "integration_13": "integration_13 needs agri_services_output and rural_population"}


@pytest.fixture()
def na_table(paper_coefs):
    ols, cox = four_term_results(paper_coefs)
    boot = pd.DataFrame([{"model": m, "term": t, "n_replicates": 50, "n_used": 50,
                          "n_failed": 0, "boot_se": 1.0, "ci_lower": -1.0, "ci_upper": 1.0}
                         for m in ("ols", "cox") for t in (ols_terms(FOUR) if m == "ols"
                                                           else FOUR)])
    return tables.build_table1(ols, cox, boot, FOUR, REASONS)


def test_terms_not_estimated_have_a_status_and_empty_numbers_in_the_frame(na_table):
    rows = na_table.set_index("term")
    assert rows.loc["integration_12", "status"] == "not estimated"
    assert rows.loc["nation", "status"] == "estimated"
    assert rows.loc["r2", "status"] == ""
    assert rows.loc["integration_12", "reason"] == REASONS["integration_12"]
    numbers = [c for c in na_table.columns if c.startswith(("ols_", "cox_"))
               and not c.endswith(("_stars", "_value"))]
    assert rows.loc[["integration_12", "integration_13"], numbers].isna().all().all()
    assert rows.loc["nation", "ols_coef"] == pytest.approx(153.453)
    assert list(na_table.columns[:5]) == ["section", "term", "label", "status", "reason"]


def test_table_with_all_terms_has_no_status_column(paper_coefs):
    ols, cox = results_like_paper(paper_coefs)
    assert "status" not in tables.build_table1(ols, cox).columns


def test_csv_keeps_numbers_numeric_and_round_trips_the_status(na_table, tmp_path):
    text = tables.table1_to_csv(na_table)
    line = next(row for row in text.splitlines() if row.split(",")[1] == "integration_12")
    assert "n/a" not in text
    assert ",not estimated,integration_12 needs agri_machinery_power" in line
    path = tmp_path / "table1.csv"
    path.write_text(text, encoding="utf-8")
    back = tables.read_table1_csv(path)
    pd.testing.assert_frame_equal(back, na_table, check_like=False)
    assert back["ols_coef"].dtype == "float64"
    assert tables.estimated_terms(back) == FOUR


def test_markdown_prints_na_cells_and_the_footnote_naming_the_indicators(na_table):
    md = tables.render_markdown(na_table)
    row = next(line for line in md.splitlines()
               if line.startswith("| First and Second Industry Integration Index"))
    assert row.count("| n/a") == 7  # OLS coef., SE, CI; Cox coef., SE, HR, CI
    assert ("- n/a: First and Second Industry Integration Index not estimated (not in config "
            "models.terms); integration\\_12 needs agri\\_machinery\\_power and "
            "rural\\_population; the panel has agri\\_machinery\\_power for 0 of 76") in md
    assert "First and Third Industry Integration Index not estimated" in md


def test_html_prints_na_cells_and_the_footnote(na_table):
    html = tables.render_html(na_table)
    assert html.count("<td style=\"text-align:right;padding:0 0.6em\">n/a</td>") == 14
    assert "integration_12 needs agri_machinery_power and rural_population" in html


def test_latex_prints_na_cells_and_compiles(na_table, tmp_path):
    tex = tables.render_latex(na_table)
    line = next(row for row in tex.splitlines()
                if row.startswith("First and Second Industry Integration Index"))
    assert line.count("& n/a") == 7 and "$" not in line
    assert r"integration\_12 needs agri\_machinery\_power" in tex
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed; the LaTeX text was checked above")
    (tmp_path / "t.tex").write_text(tables.standalone_latex_document(tex), encoding="utf-8")
    proc = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "t.tex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert (tmp_path / "t.pdf").stat().st_size > 0


def test_extra_terms_get_rows_in_additional_controls_after_the_papers_rows(paper_coefs):
    terms = [*FOUR, "terrain_relief", "rural_income"]
    ols, cox = four_term_results(paper_coefs, terms)
    table = tables.build_table1(ols, cox, None, terms, REASONS)
    coef = tables.coefficient_rows(table)
    assert coef["term"].tolist() == [*MODEL_TERMS, "rural_income", "terrain_relief", CONST]
    assert coef.set_index("term").loc["rural_income", "section"] == "additional"
    md = tables.render_markdown(table)
    assert md.index("*Additional Controls*") < md.index("| Rural Disposable Income | 1.50") \
        < md.index("| Terrain Relief | 0.50") < md.index("| Constant")
    # an extra term not configured has no row
    assert "Rural Disposable Income" not in tables.render_markdown(
        tables.build_table1(*four_term_results(paper_coefs), None, FOUR))


def test_a_fit_of_other_terms_is_rejected(paper_coefs):
    ols, cox = four_term_results(paper_coefs)
    with pytest.raises(InputDataError, match="fitted on terms .* config models.terms"):
        tables.build_table1(ols, cox, None, MODEL_TERMS)


def test_coverage_reason_counts_the_counties_holding_each_needed_indicator():
    panel = panel_from({("990001", 2015): CSMAR_LIKE,
                        ("990002", 2015): {**CSMAR_LIKE, "rural_population": 5.0}})
    coverage = coverage_table(panel)
    assert indices.coverage_reason("integration_12", coverage) == (
        "integration_12 needs agri_machinery_power and rural_population; the panel has "
        "agri_machinery_power for 0 of 2 counties and rural_population for 1 of 2 counties "
        "(in any year)")
    assert indices.coverage_reason("nation", coverage) == \
        "nation is ethnic_area of the county reference list"


def test_read_coverage_csv_names_a_file_without_the_columns(tmp_path):
    path = tmp_path / "coverage.csv"
    path.write_text("county_code,indicator\n990001,gdp\n", encoding="utf-8")
    with pytest.raises(InputDataError, match="coverage.csv: missing column\\(s\\) years_present"):
        read_coverage_csv(path)


def test_paper_comparison_marks_terms_not_estimated(na_table, paper_coefs):
    fit = load_paper_fit(PAPER_DIR / "paper_table1_fit.csv")
    text = paper.render_paper_comparison(na_table, paper_coefs, fit,
                                         {t: 0.1 for t in MODEL_TERMS})
    assert "**Not estimated in this run**: `integration_12`, `integration_13`" in text
    ols_row = next(line for line in text.splitlines()
                   if line.startswith("| `integration_12` | *not estimated* | -152.85"))
    assert "n/a | n/a" in ols_row
    assert "Wald CIs cover the truth" in text and "of 4 terms" in text
    assert "| `integration_13` | yes | *not estimated* |" in text


def test_extended_table_prints_terms_not_estimated_as_na(paper_coefs):
    ols, cox = four_term_results(paper_coefs)
    other = {"coef": dict(cox["coef"]), "se": dict(cox["se"]), "p": dict(cox["p"]),
             "n_obs": 76, "n_intervals": 400, "terms": FOUR}
    results = {"ols": ols, "cox": cox, "cox_clustered": other, "weibull_aft": other,
               "cox_time_varying": other}
    table = extended_tables.build_extended_table(results, FOUR)
    assert table.set_index("term").loc["integration_13", "status"] == "not estimated"
    md = extended_tables.render_markdown(table)
    row = next(line for line in md.splitlines() if line.startswith("| First and Second"))
    assert row.count("| n/a") == 14
    assert "n/a: not estimated (not in config models.terms)" in md
    assert "& n/a" in extended_tables.render_latex(table)


# --------------------------------------------------------------------------- models downstream


@pytest.fixture(scope="module")
def study():
    data = simulate_study(76, seed=3).covariates
    return data[["county_code", "duration_days", "event", *MODEL_TERMS]].copy()


def test_bootstrap_fits_the_configured_terms_only(study):
    spells = study.assign(integration_12=np.nan, integration_13=np.nan)
    est = bootstrap.run_chunk(spells, 11, range(3), terms=FOUR)
    first = est[est["replicate"] == 0]
    assert first["term"].tolist() == [*ols_terms(FOUR), *FOUR]
    ref = bootstrap.fit_replicate_reference(spells, 11, 0, terms=FOUR)
    got = first[first["model"] == "ols"].set_index("term")["estimate"]
    np.testing.assert_allclose(got[list(ols_terms(FOUR))], ref["ols"]["estimate"], rtol=1e-8)
    summary = bootstrap.summarize(est, terms=FOUR)
    assert summary.loc[summary["model"] == "cox", "term"].tolist() == FOUR
    with pytest.raises(InputDataError, match="non-numeric, missing or infinite values in "
                       r"\['integration_12'"):
        bootstrap.run_chunk(spells, 11, range(2))


def test_counting_process_has_the_configured_terms_and_a_constant_terrain_relief():
    values = {(c, y): FULL for c in ("990001", "990002") for y in range(2014, 2020)}
    panel = with_extra(panel_from(values, (2014, 2019)), "terrain_relief",
                       {("990001", 2015): 1.5, ("990002", 2015): 0.5})
    terms = ["upgrading_index", "terrain_relief"]
    yearly = indices.yearly_covariates(panel, terms=terms)
    spells = pd.DataFrame({"county_code": ["990001", "990002"], "duration_days": [1400, 1494],
                           "event": [1, 0]})
    cp, dropped = counting.build_counting_process(yearly, spells, "2015-11-29", "2020-01-01",
                                                  1, 0, "drop", terms)
    assert list(cp.columns) == counting.cp_columns(terms) == [
        "county_code", "year", "covariate_year", "start", "stop", "event", "upgrading_index",
        "terrain_relief", "fallback"]
    assert dropped.empty  # terrain relief dated 2015 serves every year, even with no fallback
    assert cp.groupby("county_code")["terrain_relief"].unique().map(list).to_dict() == {
        "990001": [1.5], "990002": [0.5]}
    counting_process_schema(terms).validate(cp)


def test_lineage_traces_the_configured_terms_including_rural_income():
    terms = ["industry", "rural_income"]
    survival = pd.DataFrame({"county_code": ["990001"], "duration_days": [900], "event": [1],
                             "industry": [1], "rural_income": [math.log(8000.0)]})
    cov = pd.DataFrame([{"county_code": "990001", "industry_year": 2015,
                         "industry_fallback": False, "rural_income_year": 2014,
                         "rural_income_fallback": True}])
    values = {"va_primary": 3.0, "va_secondary": 1.0, "va_tertiary": 1.0, "rural_income": 8000.0}
    recs = pd.DataFrame([{"county_code": "990001", "year": y, "indicator": k, "value": v,
                          "unit": "yuan", "raw_value": str(v), "raw_unit": "元", "factor": 1.0,
                          "line": 2 + i, "source": "export", "note": None,
                          "file": "990001.csv", "panel_source": "bulletins"}
                         for y in (2014, 2015) for i, (k, v) in enumerate(values.items())])
    ref = pd.DataFrame({"county_code": ["990001"], "ethnic_area": [1], "line": [2]})
    table = lineage.build_lineage(survival, cov, recs, ref, "counties.csv", terms=terms)
    assert sorted(set(table["covariate"])) == ["industry", "rural_income"]
    income = table[table["covariate"] == "rural_income"]
    assert income["formula"].tolist() == ["ln(rural_income)"] and income["year"].tolist() == [2014]
    assert lineage.recompute(income) == pytest.approx(math.log(8000.0))
