"""Tests of countysurv.paper (this run's Table 1 beside the paper's, cell by cell) and of the
loaders of model, bootstrap, paper and truth files in countysurv.io."""

from __future__ import annotations

import io
import math

import pandas as pd
import pytest

from countysurv import paper, tables
from countysurv.errors import InputDataError
from countysurv.io import (load_bootstrap_summary, load_model_result, load_paper_fit,
                          load_paper_table1, load_truth)
from countysurv.terms import MODEL_TERMS, TABLE_TERMS
from table1_cases import PAPER_DIR, REPO, bootstrap_summary, results_like_paper


@pytest.fixture
def paper_coefs() -> pd.DataFrame:
    return load_paper_table1(PAPER_DIR / "paper_table1.csv")


@pytest.fixture
def paper_fit() -> pd.DataFrame:
    return load_paper_fit(PAPER_DIR / "paper_table1_fit.csv")


@pytest.fixture
def results(paper_coefs):
    return results_like_paper(paper_coefs)


@pytest.fixture
def boot() -> pd.DataFrame:
    return bootstrap_summary()


# --------------------------------------------------------------------------- the comparison


def _md_section_table(md: str, heading: str) -> list[dict[str, str]]:
    """Rows of the first pipe table under ``## heading`` as dicts keyed by header."""
    section = md.split(f"## {heading}", 1)[1]
    lines = [ln for ln in section.split("\n## ", 1)[0].splitlines() if ln.startswith("|")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    rows = []
    for ln in lines[2:]:
        cells = [c.strip() for c in ln.strip("|").split("|")]
        keys = []
        for h in header:  # repeated headers ("Difference") get a suffix
            keys.append(h if h not in keys else f"{h}#{keys.count(h) + 1}")
        rows.append(dict(zip(keys, cells)))
    return rows


def _row(rows, term):
    return next(r for r in rows if r["Term"] == f"`{term}`")


def test_render_paper_comparison_flags_sign_and_star_change(results, paper_coefs, paper_fit):
    ols, cox = results
    cox["coef"]["nation"] = -0.5          # paper: +1.01 -> sign change
    ols["p"]["integration_12"] = 0.2      # paper: *** -> star change
    md = paper.render_paper_comparison(tables.build_table1(ols, cox), paper_coefs, paper_fit)
    cox_nation = _row(_md_section_table(md, "Cox (hazard of exit)"), "nation")
    assert cox_nation["Sign change"] == "**yes**"
    assert cox_nation["Star change"] == "no"
    assert cox_nation["Coef. (run)"] == "-0.5000" and cox_nation["Coef. (paper)"] == "1.01"
    assert cox_nation["Difference"] == "-1.5100"
    ols_rows = _md_section_table(md, "OLS (duration in days)")
    i12 = _row(ols_rows, "integration_12")
    assert i12["Star change"] == "**yes**" and i12["Sign change"] == "no"
    assert i12["Stars (run)"] == "n.s." and i12["Stars (paper)"] == "`***`"
    unchanged = _row(ols_rows, "upgrading_index")
    assert unchanged["Sign change"] == "no" and unchanged["Star change"] == "no"
    assert _row(ols_rows, "const")["Coef. (paper)"] == "4212.99"


def test_render_paper_comparison_lists_fit_statistics(results, paper_coefs, paper_fit):
    md = paper.render_paper_comparison(tables.build_table1(*results), paper_coefs, paper_fit)
    fit = {r["Statistic"].split("(`")[-1].rstrip("`)"): r
           for r in _md_section_table(md, "Fit statistics")
           if r["Model"] == "OLS"}
    assert set(fit) == {"prob_f", "r2", "n_obs"}
    assert fit["r2"]["This run"] == "0.2012" and fit["r2"]["Paper"] == "0.20"
    assert fit["r2"]["Difference"] == "+0.0012"
    for stat in ("prob_chi2", "ph_test_global_p"):
        assert f"(`{stat}`)" in md
    assert "| 0.6691 | 0.669 |" in md


def test_render_paper_comparison_checks_paper_hr_and_signs(results, paper_coefs, paper_fit):
    md = paper.render_paper_comparison(tables.build_table1(*results), paper_coefs, paper_fit)
    assert "0.23 but HR 1.02" in md
    hr = _md_section_table(md, "Check: HR = exp(coef)")
    assert _row(hr, "upgrading_index")["Consistent"] == "**no**"
    assert _row(hr, "upgrading_index")["exp(coef. paper)"] == f"{math.exp(0.23):.4f}"
    assert _row(hr, "integration_12")["Consistent"] == "yes"
    signs = _md_section_table(md, "Check: OLS and Cox signs")
    assert _row(signs, "nation")["Opposite signs (paper)"] == "**no**"
    assert _row(signs, "integration_12")["Opposite signs (paper)"] == "yes"


def test_render_paper_comparison_truth_coverage_yes_and_no(results, paper_coefs, paper_fit,
                                                           boot):
    ols, cox = results
    cox["coef"]["nation"], cox["se"]["nation"] = 1.0, 0.1         # Wald CI [0.804, 1.196]
    cox["coef"]["industry"], cox["se"]["industry"] = -0.9, 0.01   # Wald CI [-0.920, -0.880]
    truth = {"nation": 1.19, "industry": -0.95}
    # bootstrap percentile CIs: nation [-3.5, 3.25] covers 1.19, industry [-4.5, 4.25] covers
    boot = boot.copy()
    boot.loc[(boot["model"] == "cox") & (boot["term"] == "nation"), ["ci_lower", "ci_upper"]] = (
        1.2, 1.5)
    md = paper.render_paper_comparison(tables.build_table1(ols, cox, boot), paper_coefs,
                                       paper_fit, truth=truth)
    assert "simulated" in md and "*not*" in md
    rows = _md_section_table(md, "Recovery of the simulation truth")
    assert [r["Term"] for r in rows] == ["`nation`", "`industry`"]
    nation, industry = _row(rows, "nation"), _row(rows, "industry")
    assert nation["True coef."] == "1.1900" and nation["Covers truth"] == "yes"
    assert industry["Covers truth"] == "**no**"
    assert nation["Boot. covers truth"] == "**no**"     # [1.2, 1.5] misses 1.19
    assert industry["Boot. covers truth"] == "yes"
    assert "Wald CIs cover the truth for 1 of 2 terms; bootstrap CIs for 1 of 2" in md


def test_render_paper_comparison_without_truth_has_no_simulation_note(results, paper_coefs,
                                                                      paper_fit):
    md = paper.render_paper_comparison(tables.build_table1(*results), paper_coefs, paper_fit)
    assert "simulated" not in md
    assert "Recovery of the simulation truth" not in md


def test_render_paper_comparison_reads_the_same_from_table1_csv(results, paper_coefs, paper_fit,
                                                                boot):
    """The rule passes table1.csv read back; the report must equal the one of the built frame."""
    truth = {"nation": 1.19, "industry": -0.95}
    built = tables.build_table1(*results, boot=boot)
    back = tables.read_table1_csv(io.StringIO(tables.table1_to_csv(built)))
    assert back.attrs.get("notes") is None  # the CSV carries no footnotes; the report needs none
    assert (paper.render_paper_comparison(back, paper_coefs, paper_fit, truth)
            == paper.render_paper_comparison(built, paper_coefs, paper_fit, truth))


def test_render_paper_comparison_without_bootstrap_has_no_bootstrap_columns(results,
                                                                            paper_coefs,
                                                                            paper_fit):
    md = paper.render_paper_comparison(tables.build_table1(*results), paper_coefs, paper_fit,
                                       truth={"nation": 1.19})
    rows = _md_section_table(md, "Recovery of the simulation truth")
    assert "Boot. covers truth" not in rows[0]
    assert "Wald CIs cover the truth for" in md and "bootstrap CIs for" not in md


def test_render_paper_comparison_needs_a_table1_frame(results, paper_coefs, paper_fit):
    table = tables.build_table1(*results)
    with pytest.raises(InputDataError, match=r"Table 1 lacks column\(s\) \['cox_hr'\]"):
        paper.render_paper_comparison(table.drop(columns="cox_hr"), paper_coefs, paper_fit)
    with pytest.raises(InputDataError, match=r"Table 1 lacks row\(s\) \['nation', 'r2'\]"):
        paper.render_paper_comparison(table[~table["term"].isin(["nation", "r2"])],
                                      paper_coefs, paper_fit)


def test_render_paper_comparison_rejects_paper_files_without_their_columns(results, paper_coefs,
                                                                           paper_fit):
    table = tables.build_table1(*results)
    with pytest.raises(InputDataError, match="lack column"):
        paper.render_paper_comparison(table, paper_coefs.drop(columns="stars"), paper_fit)
    with pytest.raises(InputDataError, match="fit statistics need columns"):
        paper.render_paper_comparison(table, paper_coefs, paper_fit.drop(columns="value"))


# --------------------------------------------------------------------------- repository data


def test_paper_data_files_match_the_printed_table(paper_coefs, paper_fit):
    assert len(paper_coefs) == 13
    by = paper_coefs.set_index(["model", "term"])
    assert by.loc[("ols", "integration_12"), "coef"] == -152.85
    assert by.loc[("ols", "upgrading_index"), "stars"] == ""
    assert by.loc[("cox", "upgrading_index"), "hazard_ratio"] == 1.02
    assert set(paper_coefs["term"]) == set(TABLE_TERMS)
    fit = paper_fit.set_index(["model", "statistic"])["value"]
    assert fit[("cox", "ph_test_global_p")] == 0.669 and fit[("ols", "n_obs")] == 76


# --------------------------------------------------------------------------- loaders (io)


def test_load_truth_reads_the_simulated_study_and_a_flat_map(tmp_path):
    truth = load_truth(REPO / "data" / "truth.json")
    assert set(truth) == set(MODEL_TERMS)
    flat = tmp_path / "truth.json"
    flat.write_text('{"coefficients": {"nation": 1.01}}', encoding="utf-8")
    assert load_truth(flat) == {"nation": 1.01}
    flat.write_text('{"exit_model": {}}', encoding="utf-8")
    with pytest.raises(InputDataError, match=f"{flat}: expected a JSON object"):
        load_truth(flat)


def test_loaders_name_the_file_they_cannot_read(tmp_path):
    missing = tmp_path / "absent.csv"
    for load, what in ((load_paper_table1, "the paper's Table 1"),
                       (load_paper_fit, "the paper's fit statistics")):
        with pytest.raises(InputDataError, match=f"{missing}: cannot read {what}"):
            load(missing)


def test_load_model_result_wants_a_json_object(tmp_path):
    path = tmp_path / "cox.json"
    path.write_text('{"coef": {"nation": 1.5}}', encoding="utf-8")
    assert load_model_result(path) == {"coef": {"nation": 1.5}}
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(InputDataError, match=f"{path}: expected a JSON object"):
        load_model_result(path)


def test_load_bootstrap_summary_keeps_floats_exact(tmp_path):
    summary = bootstrap_summary()
    summary.loc[0, "ci_lower"] = 0.1 + 0.2
    path = tmp_path / "summary.csv"
    summary.to_csv(path, index=False)
    pd.testing.assert_frame_equal(load_bootstrap_summary(path), summary, check_exact=True)
    with pytest.raises(InputDataError, match="cannot read bootstrap summary"):
        load_bootstrap_summary(tmp_path / "absent.csv")
