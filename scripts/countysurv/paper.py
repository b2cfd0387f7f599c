"""This run's Table 1 beside the paper's printed Table 1, cell by cell.

:func:`render_paper_comparison` takes the Table 1 frame of this run (the output of
:func:`countysurv.tables.build_table1`, or ``results/tables/table1.csv`` read back with
:func:`countysurv.tables.read_table1_csv`) and the paper's printed numbers
(``data/paper/paper_table1.csv`` and ``paper_table1_fit.csv``, read with
:func:`countysurv.io.load_paper_table1` and :func:`countysurv.io.load_paper_fit`), and writes a
Markdown report: every coefficient, standard error, star and fit statistic of this run beside the
paper's, the recovery of the simulation truth when one is given, and two checks of the paper's own
consistency (HR = exp(coef.), opposite OLS/Cox signs with the stars the printed coef./SE imply).
A term this run did not estimate (not in config ``models.terms``; its Table 1 row has status
``not estimated``) is marked *not estimated* in every table instead of being compared.

The module reads no files; ``scripts/compare_with_paper.py`` does.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import pandas as pd

from .errors import InputDataError
from .tables import (MODEL_NAMES, NOT_ESTIMATED, coefficient_rows, format_number,
                     has_bootstrap, is_finite, is_not_estimated, md_escape,
                     not_estimated_notes, significance_stars)
from .terms import MODEL_TERMS, OLS_TERMS, TABLE_TERMS

#: Rows of a Table 1 frame keyed by ``term`` (each row a dict of its columns).
Rows = dict[str, dict[str, Any]]

Z_975 = 1.959964  # two-sided 95% normal quantile, as used for the Wald CI coverage check

#: This run's fit statistics as (model, paper statistic, label, Table 1 row, column, decimals
#: printed by the paper).
_FIT_ROWS: tuple[tuple[str, str, str, str, str, int], ...] = (
    ("ols", "prob_f", "Prob > F", "prob_f_chi2", "ols_value", 2),
    ("ols", "r2", "R²", "r2", "ols_value", 2),
    ("ols", "n_obs", "Obs", "n_obs", "ols_value", 0),
    ("cox", "prob_chi2", "Prob > Chi2 (LR test)", "prob_f_chi2", "cox_value", 2),
    ("cox", "n_obs", "Obs", "n_obs", "cox_value", 0),
    ("cox", "ph_test_global_p", "PH test, global p", "ph_test_global_p", "cox_value", 3),
)


def _md_stars(stars: str) -> str:
    return f"`{stars}`" if stars else "n.s."


def _signed(x: float, decimals: int = 4) -> str:
    if not is_finite(x):
        return ""
    text = format_number(x, decimals)
    return text if text.startswith("-") or float(text) == 0 else "+" + text


def _sign(x: float) -> int:
    return 0 if not is_finite(x) or x == 0 else (1 if x > 0 else -1)


def _paper_stars(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _paper_lookup(paper_coefs: pd.DataFrame) -> dict[tuple[str, str], dict[str, Any]]:
    needed = ["model", "term", "coef", "std_err", "stars", "hazard_ratio"]
    missing = [c for c in needed if c not in paper_coefs.columns]
    if missing:
        raise InputDataError(f"paper Table 1 coefficients lack column(s) {missing}; "
                             f"expected {needed}")
    return {(str(r["model"]), str(r["term"])): r for r in paper_coefs.to_dict("records")}


def _table_rows(table: pd.DataFrame) -> tuple[Rows, Rows]:
    """(term rows, fit rows) of a Table 1 frame keyed by ``term``; a missing row is an error."""
    needed = ["section", "term", "ols_coef", "ols_se", "ols_p", "ols_stars", "cox_coef", "cox_se",
              "cox_p", "cox_stars", "cox_hr", "ols_value", "cox_value"]
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise InputDataError(f"Table 1 lacks column(s) {missing}; expected the frame that "
                             "countysurv.tables.build_table1 builds")
    coef_rows = {r["term"]: r for r in coefficient_rows(table).to_dict("records")}
    fit_rows = {r["term"]: r for r in table[table["section"] == "fit"].to_dict("records")}
    absent = ({*TABLE_TERMS} - set(coef_rows)) | ({f[3] for f in _FIT_ROWS} - set(fit_rows))
    if absent:
        raise InputDataError(f"Table 1 lacks row(s) {sorted(absent)}")
    return coef_rows, fit_rows


def _hr_consistent(coef: float, hr: float) -> bool:
    """Whether printed coef and HR (each rounded to 2 decimals) can come from one estimate."""
    lo, hi = math.exp(coef - 0.005), math.exp(coef + 0.005)
    return hi >= hr - 0.005 and lo <= hr + 0.005


def _implied_stars(model: str, coef: float, se: float, n_obs: float) -> str:
    """Stars implied by the printed coef/SE (t with n-7 df for OLS, normal for Cox)."""
    from scipy import stats

    if not (is_finite(coef) and is_finite(se)) or se <= 0:
        return ""
    z = abs(coef / se)
    if model == "ols" and is_finite(n_obs):
        p = 2 * stats.t.sf(z, df=int(n_obs) - len(OLS_TERMS))
    else:
        p = 2 * stats.norm.sf(z)
    return significance_stars(p)


def render_paper_comparison(
    table: pd.DataFrame,
    paper_coefs: pd.DataFrame,
    paper_fit: pd.DataFrame,
    truth: Mapping[str, float] | None = None,
) -> str:
    """Markdown report: every cell of this run beside the paper's printed Table 1.

    Parameters
    ----------
    table
        This run's Table 1 (:func:`countysurv.tables.build_table1`, or ``table1.csv`` read back
        with :func:`countysurv.tables.read_table1_csv`). When it was built with a bootstrap
        summary, its percentile CIs are checked against ``truth`` too.
    paper_coefs, paper_fit
        ``data/paper/paper_table1.csv`` (model, term, coef, std_err, stars, hazard_ratio) and
        ``data/paper/paper_table1_fit.csv`` (model, statistic, value).
    truth
        Optional map term -> true Cox coefficient (simulated default study). Adds the true value
        and whether this run's Wald 95% CI (coef ± 1.959964·se) and, with bootstrap columns in
        ``table``, the bootstrap percentile CI cover it.
    """
    coef_rows, fit_rows = _table_rows(table)
    paper = _paper_lookup(paper_coefs)
    fit_needed = ["model", "statistic", "value"]
    if any(c not in paper_fit.columns for c in fit_needed):
        raise InputDataError(f"paper Table 1 fit statistics need columns {fit_needed}")
    paper_fit_map = {(str(r["model"]), str(r["statistic"])): float(r["value"])
                     for r in paper_fit.to_dict("records")}

    out: list[str] = ["# This run compared with the paper's Table 1", ""]
    out += [
        "Every cell of this run's Table 1 (`results/tables/table1.csv`) is set beside the value "
        "printed in the paper's Table 1 (\"Results of OLS and Cox Regression\"; "
        "`data/paper/paper_table1*.csv`). *Difference* is this run minus the paper. "
        "Stars for this run are recomputed from its p-values (p < 0.01 `***`, < 0.05 `**`, "
        "< 0.1 `*`); the paper's stars are as printed. *Sign change* flags a coefficient whose "
        "sign differs from the paper's; *star change* flags a different significance level.",
        "",
        "The paper's table is not internally consistent, so no run can match all of it: the "
        "industrial upgrading index has Cox coef. 0.23 but HR 1.02 although HR = exp(coef) "
        "(exp(0.23) = 1.26); the Nation control has the same sign in the OLS duration model and "
        "the Cox exit-hazard model, which contradict each other (a longer duration means a "
        "lower hazard). The check tables at the end show both.",
        "",
    ]
    skipped = [t for t in TABLE_TERMS if is_not_estimated(coef_rows[t])]
    if skipped:
        out += [
            "**Not estimated in this run**: " + ", ".join(f"`{t}`" for t in skipped) + " (not in "
            "config `models.terms`). Their cells read *" + NOT_ESTIMATED + "*, and they are left "
            "out of the counts below.", ""]
        out += [f"- {md_escape(n)}" for n in not_estimated_notes(table)] + [""]
    extra = [r for r in coef_rows.values() if r["section"] == "additional"]
    if extra:
        out += [
            "**Additional controls** (not in the paper's model, so not compared): "
            + ", ".join(f"`{r['term']}`" for r in extra) + "; their estimates are in "
            "`results/tables/table1.csv`.", ""]
    if truth is not None:
        out += [
            "**The data of this run are simulated** (the embedded default study): exit times "
            "were drawn from a Cox model whose coefficients are the paper's Cox column, with "
            "synthetic covariates. Agreement with the paper's numbers is therefore *not* "
            "expected, except that this run's Cox coefficients should lie near the paper's Cox "
            "column (the truth) within sampling error — see *Recovery of the simulation truth*. "
            "The OLS column, standard errors, fit statistics and stars of the paper carry no "
            "information about these data.",
            "",
        ]

    # --- coefficient cells
    for model, title in (("ols", "OLS (duration in days)"), ("cox", "Cox (hazard of exit)")):
        out += [f"## {title}", ""]
        head = ["Term", "Coef. (run)", "Coef. (paper)", "Difference", "Std.Err (run)",
                "Std.Err (paper)", "Difference", "p (run)", "Stars (run)", "Stars (paper)",
                "Sign change", "Star change"]
        if model == "cox":
            head += ["HR (run)", "HR (paper)", "Difference"]
        out += ["| " + " | ".join(head) + " |", "|:--" + "|--:" * (len(head) - 1) + "|"]
        for term in (TABLE_TERMS if model == "ols" else MODEL_TERMS):
            r = coef_rows[term]
            pp = paper.get((model, term))
            if is_not_estimated(r):
                cells = [f"`{term}`", f"*{NOT_ESTIMATED}*"] + [""] * (len(head) - 2)
                if pp is not None:
                    cells[2] = format_number(float(pp["coef"]), 2)
                    cells[5] = format_number(float(pp["std_err"]), 2)
                    cells[9] = _md_stars(_paper_stars(pp["stars"]))
                    cells[10] = cells[11] = "n/a"
                    if model == "cox":
                        cells[13] = format_number(float(pp["hazard_ratio"]), 2)
                out.append("| " + " | ".join(cells) + " |")
                continue
            p_coef = float(pp["coef"]) if pp is not None else float("nan")
            p_se = float(pp["std_err"]) if pp is not None else float("nan")
            p_stars = _paper_stars(pp["stars"]) if pp is not None else ""
            run_coef, run_se, run_stars = r[f"{model}_coef"], r[f"{model}_se"], r[f"{model}_stars"]
            sign_change = (_sign(run_coef) != _sign(p_coef)) if pp is not None else False
            star_change = (run_stars != p_stars) if pp is not None else False
            cells = [
                f"`{term}`",
                format_number(run_coef, 4), format_number(p_coef, 2), _signed(run_coef - p_coef),
                format_number(run_se, 4), format_number(p_se, 2), _signed(run_se - p_se),
                format_number(r[f"{model}_p"], 4), _md_stars(run_stars),
                _md_stars(p_stars) if pp is not None else "",
                "**yes**" if sign_change else "no",
                "**yes**" if star_change else "no",
            ]
            if model == "cox":
                p_hr = float(pp["hazard_ratio"]) if pp is not None else float("nan")
                cells += [format_number(r["cox_hr"], 4), format_number(p_hr, 2),
                          _signed(r["cox_hr"] - p_hr)]
            out.append("| " + " | ".join(cells) + " |")
        out.append("")

    # --- fit statistics
    out += ["## Fit statistics", "",
            "| Model | Statistic | This run | Paper | Difference |",
            "|:--|:--|--:|--:|--:|"]
    for model, stat, label, row, column, dec in _FIT_ROWS:
        value = fit_rows[row][column]
        pv = paper_fit_map.get((model, stat), float("nan"))
        run_dec = 0 if dec == 0 else 4
        diff = _signed(value - pv, run_dec) if is_finite(pv) and is_finite(value) else ""
        out.append(f"| {MODEL_NAMES[model]} | {md_escape(label)} (`{stat}`) "
                   f"| {format_number(value, run_dec)} "
                   f"| {format_number(pv, dec)} | {diff} |")
    out.append("")

    # --- truth recovery
    if truth is not None:
        with_boot = has_bootstrap(table)
        head = ["Term", "True coef.", "Coef. (run)", "Wald 95% CI (run)", "Covers truth"]
        if with_boot:
            head += ["Boot. 95% CI (run)", "Boot. covers truth"]
        out += ["## Recovery of the simulation truth (Cox)", "",
                f"Wald CI = coef ± {Z_975}·se; bootstrap CI = percentile interval.", "",
                "| " + " | ".join(head) + " |", "|:--" + "|--:" * (len(head) - 1) + "|"]
        n_cover = n_boot_cover = n_truth = 0
        for term in MODEL_TERMS:
            if term not in truth:
                continue
            t = float(truth[term])
            r = coef_rows[term]
            if is_not_estimated(r):
                cells = [f"`{term}`", format_number(t, 4), f"*{NOT_ESTIMATED}*", "", "n/a"]
                out.append("| " + " | ".join(cells + (["", "n/a"] if with_boot else [])) + " |")
                continue
            n_truth += 1
            lo = r["cox_coef"] - Z_975 * r["cox_se"]
            hi = r["cox_coef"] + Z_975 * r["cox_se"]
            covers = is_finite(lo) and lo <= t <= hi
            n_cover += covers
            cells = [f"`{term}`", format_number(t, 4), format_number(r["cox_coef"], 4),
                     f"[{format_number(lo, 4)}, {format_number(hi, 4)}]",
                     "yes" if covers else "**no**"]
            if with_boot:
                b_lo, b_hi = r["cox_boot_ci_lower"], r["cox_boot_ci_upper"]
                if is_finite(b_lo) and is_finite(b_hi):
                    bc = b_lo <= t <= b_hi
                    n_boot_cover += bc
                    cells += [f"[{format_number(b_lo, 4)}, {format_number(b_hi, 4)}]",
                              "yes" if bc else "**no**"]
                else:
                    cells += ["", "n/a"]
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
        summary = f"Wald CIs cover the truth for {n_cover} of {n_truth} terms"
        if with_boot:
            summary += f"; bootstrap CIs for {n_boot_cover} of {n_truth}"
        out += [summary + " (about 95% of terms are expected to be covered).", ""]

    # --- internal consistency of the paper (and of this run)
    out += ["## Check: HR = exp(coef) in the paper's Cox column", "",
            "Printed coef. and HR are rounded to two decimals; a row is *consistent* when "
            "some coef. within ±0.005 of the printed one has exp(coef) within ±0.005 of the "
            "printed HR.",
            "",
            "| Term | Coef. (paper) | exp(coef. paper) | HR (paper) | ln(HR paper) | Consistent |",
            "|:--|--:|--:|--:|--:|:--|"]
    for term in MODEL_TERMS:
        pp = paper.get(("cox", term))
        if pp is None:
            continue
        c, h = float(pp["coef"]), float(pp["hazard_ratio"])
        ok = _hr_consistent(c, h) if is_finite(c) and is_finite(h) and h > 0 else False
        ln_h = format_number(math.log(h), 4) if is_finite(h) and h > 0 else ""
        out.append(f"| `{term}` | {format_number(c, 2)} | {format_number(math.exp(c), 4)} "
                   f"| {format_number(h, 2)} | {ln_h} | {'yes' if ok else '**no**'} |")
    out.append("")

    n_paper = paper_fit_map.get(("ols", "n_obs"), float("nan"))
    out += ["## Check: OLS and Cox signs, and stars implied by the printed coef./SE", "",
            "A longer duration (OLS coef. > 0) means a lower exit hazard (Cox coef. < 0), so the "
            "two columns should have opposite signs. *Implied stars* recompute significance "
            "from the printed coef./SE (t with n − 7 df for OLS, normal for Cox); rounding to "
            "two decimals can move a borderline case.", "",
            "| Term | Opposite signs (paper) | Opposite signs (run) | OLS stars printed / implied "
            "| Cox stars printed / implied |",
            "|:--|:--|:--|:--|:--|"]
    for term in MODEL_TERMS:
        po, pc = paper.get(("ols", term)), paper.get(("cox", term))
        r = coef_rows[term]
        if po is None or pc is None:
            continue
        opp_paper = _sign(float(po["coef"])) * _sign(float(pc["coef"])) < 0
        opp_run = _sign(r["ols_coef"]) * _sign(r["cox_coef"]) < 0
        run_text = (f"*{NOT_ESTIMATED}*" if is_not_estimated(r)
                    else "yes" if opp_run else "**no**")
        ols_imp = _implied_stars("ols", float(po["coef"]), float(po["std_err"]), n_paper)
        cox_imp = _implied_stars("cox", float(pc["coef"]), float(pc["std_err"]), n_paper)
        out.append(
            f"| `{term}` | {'yes' if opp_paper else '**no**'} | {run_text} "
            f"| {_md_stars(_paper_stars(po['stars']))} / {_md_stars(ols_imp)} "
            f"| {_md_stars(_paper_stars(pc['stars']))} / {_md_stars(cox_imp)} |")
    out.append("")
    return "\n".join(out)
