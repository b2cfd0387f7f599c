"""Table 1 of the paper, rebuilt from this run's model fits, and a cell-by-cell comparison.

The paper (``data/paper/``, Table 1 "Results of OLS and Cox Regression") prints, per model,
Coef. (with significance stars attached), Std.Err and, for Cox, the hazard ratio; then the rows
Prob > F/Chi2, R2 and Obs. This module reproduces that layout from plain result dicts:

* :func:`build_table1` turns the ``ols.json``/``cox.json`` dicts (and, optionally, the bootstrap
  summary) into one tidy, full-precision DataFrame, written as ``results/tables/table1.csv``;
* :func:`render_markdown`, :func:`render_latex` and :func:`render_html` render that DataFrame in the
  paper's layout with two decimals;
* :func:`render_paper_comparison` puts every cell of this run beside the paper's printed value.

The core functions read no files. The ``load_*`` helpers at the bottom read the on-disk forms.

CSV shape of ``table1.csv`` (one row per table row, in display order)
----------------------------------------------------------------------
``section``
    ``independent`` | ``control`` | ``constant`` | ``fit``.
``term``
    machine name: a model term (``upgrading_index`` ... ``const``) or, for ``fit`` rows,
    ``prob_f_chi2``, ``r2``, ``n_obs``, ``ph_test_global_p``.
``label``
    the paper's row label (``Industrial Upgrading Index`` ... ``Obs``).
``ols_coef, ols_se, ols_p, ols_stars, cox_coef, cox_se, cox_p, cox_stars, cox_hr``
    coefficient rows only; stars are ``***``/``**``/``*`` or empty; Cox cells of ``const`` empty.
``ols_boot_se, ols_boot_ci_lower, ols_boot_ci_upper, ols_boot_n_used`` and the same for ``cox_``
    present only when a bootstrap summary was given (percentile 95% CI on the coefficient scale).
``ols_value, cox_value``
    ``fit`` rows only: Prob > F (OLS) / Prob > Chi2 (LR test, Cox), R2, Obs, PH-test global p.

Floats are written with Python's shortest round-trip repr, so reading the CSV back gives the
identical binary values; :func:`read_table1_csv` restores the dtypes. Notes for the footnote (SE
type, ties, PH-test method, bootstrap B and failures) travel in ``table.attrs["notes"]``; they are
not part of the CSV, and the renderers omit any note that is missing.
"""

from __future__ import annotations

import html
import io as _stdio
import math
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from .errors import InputDataError
from .terms import CONST, MODEL_TERMS

#: Model terms in the paper's row order (``const`` is OLS only).
TERMS: tuple[str, ...] = (
    *MODEL_TERMS,
    CONST,
)
COX_TERMS: tuple[str, ...] = TERMS[:-1]

#: Row labels exactly as printed in the paper's Table 1.
TERM_LABELS: dict[str, str] = {
    "upgrading_index": "Industrial Upgrading Index",
    "integration_12": "First and Second Industry Integration Index",
    "integration_13": "First and Third Industry Integration Index",
    "nation": "Nation",
    "industry": "Industry",
    "resource_endowment": "Resource Endowment",
    "const": "Constant",
}
TERM_SECTIONS: dict[str, str] = {
    "upgrading_index": "independent",
    "integration_12": "independent",
    "integration_13": "independent",
    "nation": "control",
    "industry": "control",
    "resource_endowment": "control",
    "const": "constant",
}
SECTION_HEADINGS: dict[str, str] = {
    "independent": "Independent Variables",
    "control": "Control Variables",
}

FIT_TERMS: tuple[str, ...] = ("prob_f_chi2", "r2", "n_obs", "ph_test_global_p")
FIT_LABELS: dict[str, str] = {
    "prob_f_chi2": "Prob > F/Chi2",
    "r2": "R²",
    "n_obs": "Obs",
    "ph_test_global_p": "PH test (global p)",
}
#: LaTeX forms of labels that are not plain text.
_LATEX_LABELS: dict[str, str] = {"r2": "$R^2$"}
#: Decimals shown per fit row (the paper prints the PH-test p in the text with three).
_FIT_DECIMALS: dict[str, int] = {"prob_f_chi2": 2, "r2": 2, "n_obs": 0, "ph_test_global_p": 3}

#: Star thresholds, strictest first: p < 0.01 ***, p < 0.05 **, p < 0.1 *.
STAR_THRESHOLDS: tuple[tuple[float, str], ...] = ((0.01, "***"), (0.05, "**"), (0.1, "*"))
Z_975 = 1.959964  # two-sided 95% normal quantile, as used for the Wald CI coverage check

_MODEL_NAMES = {"ols": "OLS", "cox": "Cox"}
TITLE = "Table 1: Results of OLS and Cox Regression."
_COEF_COLS = ("coef", "se", "p", "stars")
_BOOT_COLS = ("boot_se", "boot_ci_lower", "boot_ci_upper", "boot_n_used")
_DASH = "—"


# --------------------------------------------------------------------------- small helpers


def significance_stars(p: float | None) -> str:
    """Return the paper's stars for p-value ``p``: ``***`` < .01, ``**`` < .05, ``*`` < .1.

    The thresholds are strict (p = 0.05 gets ``*``); a missing or NaN p gives ``""``.
    """
    if p is None or not _finite(p):
        return ""
    for threshold, stars in STAR_THRESHOLDS:
        if p < threshold:
            return stars
    return ""


def _finite(x: Any) -> bool:
    try:
        return x is not None and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def _get(mapping: Mapping[str, Any] | None, key: str) -> float:
    """``mapping[key]`` as a float, NaN when the map or key is missing or the value is null."""
    if not mapping or key not in mapping or mapping[key] is None:
        return float("nan")
    return float(mapping[key])


def _fmt(x: Any, decimals: int = 2) -> str:
    """Format a number with fixed decimals; NaN/None give ``""``; ``-0.00`` prints as ``0.00``."""
    if not _finite(x):
        return ""
    text = f"{float(x):.{decimals}f}"
    if text.startswith("-") and float(text) == 0.0:
        text = text[1:]
    return text


def _require(d: Mapping[str, Any], keys: tuple[str, ...], what: str) -> None:
    missing = [k for k in keys if k not in d]
    if missing:
        raise InputDataError(
            f"{what} result is missing key(s) {missing}; expected the results/models/{what}.json "
            "contract (DESIGN.md section 5)"
        )


# --------------------------------------------------------------------------- build


def build_table1(
    ols: Mapping[str, Any],
    cox: Mapping[str, Any],
    boot: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Build the tidy, full-precision Table 1 (the content of ``table1.csv``).

    Parameters
    ----------
    ols, cox
        The dicts of ``results/models/ols.json`` and ``cox.json`` (DESIGN.md section 5).
    boot
        Optional bootstrap summary with columns ``model`` (``ols``/``cox``), ``term``,
        ``n_replicates``, ``n_used``, ``n_failed``, ``boot_se``, ``ci_lower``, ``ci_upper``.

    Returns
    -------
    DataFrame
        One row per displayed row (terms, then fit rows); see the module docstring for the
        columns. ``attrs["notes"]`` holds what the footnote needs.
    """
    _require(ols, ("coef", "se", "p", "r2", "f_pvalue", "n_obs"), "ols")
    _require(cox, ("coef", "se", "p", "lr_pvalue", "n_obs"), "cox")
    boot_idx = _boot_index(boot)

    rows: list[dict[str, Any]] = []
    for term in TERMS:
        row: dict[str, Any] = {
            "section": TERM_SECTIONS[term],
            "term": term,
            "label": TERM_LABELS[term],
        }
        for model, res in (("ols", ols), ("cox", cox)):
            in_model = not (model == "cox" and term == "const")
            coef = _get(res["coef"], term) if in_model else float("nan")
            se = _get(res["se"], term) if in_model else float("nan")
            p = _get(res["p"], term) if in_model else float("nan")
            row[f"{model}_coef"] = coef
            row[f"{model}_se"] = se
            row[f"{model}_p"] = p
            row[f"{model}_stars"] = significance_stars(p)
            if model == "cox":
                hr = _get(res.get("hazard_ratio"), term) if in_model else float("nan")
                if not _finite(hr) and _finite(coef):
                    hr = math.exp(coef)
                row["cox_hr"] = hr
            if boot_idx is not None:
                b = boot_idx.get((model, term))
                row[f"{model}_boot_se"] = b["boot_se"] if b is not None else float("nan")
                row[f"{model}_boot_ci_lower"] = b["ci_lower"] if b is not None else float("nan")
                row[f"{model}_boot_ci_upper"] = b["ci_upper"] if b is not None else float("nan")
                row[f"{model}_boot_n_used"] = b["n_used"] if b is not None else pd.NA
        rows.append(row)

    ph = cox.get("ph_test") or {}
    fit_values = {
        "prob_f_chi2": (float(ols["f_pvalue"]), float(cox["lr_pvalue"])),
        "r2": (float(ols["r2"]), float("nan")),
        "n_obs": (float(ols["n_obs"]), float(cox["n_obs"])),
        "ph_test_global_p": (float("nan"), _get(ph, "global_pvalue")),
    }
    for term in FIT_TERMS:
        ols_value, cox_value = fit_values[term]
        rows.append({"section": "fit", "term": term, "label": FIT_LABELS[term],
                     "ols_value": ols_value, "cox_value": cox_value})

    table = pd.DataFrame(rows, columns=_columns(boot_idx is not None))
    table = _coerce_dtypes(table)
    table.attrs["notes"] = _notes(ols, cox, boot)
    return table


def _columns(with_boot: bool) -> list[str]:
    cols = ["section", "term", "label"]
    for model in ("ols", "cox"):
        cols += [f"{model}_{c}" for c in _COEF_COLS]
        if model == "cox":
            cols.append("cox_hr")
        if with_boot:
            cols += [f"{model}_{c}" for c in _BOOT_COLS]
    return cols + ["ols_value", "cox_value"]


def _coerce_dtypes(table: pd.DataFrame) -> pd.DataFrame:
    """Fix column dtypes so that the CSV and the in-memory table agree exactly."""
    table = table.copy()
    for col in table.columns:
        if col in ("section", "term", "label") or col.endswith("_stars"):
            table[col] = table[col].fillna("").astype(str)
        elif col.endswith("_n_used"):
            table[col] = pd.array(table[col].tolist(), dtype="Int64")
        else:
            table[col] = table[col].astype("float64")
    return table


def _boot_index(boot: pd.DataFrame | None) -> dict[tuple[str, str], dict[str, Any]] | None:
    if boot is None:
        return None
    needed = ["model", "term", "n_replicates", "n_used", "n_failed", "boot_se", "ci_lower",
              "ci_upper"]
    missing = [c for c in needed if c not in boot.columns]
    if missing:
        raise InputDataError(f"bootstrap summary is missing column(s) {missing}; expected {needed}")
    dup = boot.duplicated(["model", "term"])
    if dup.any():
        raise InputDataError(
            "bootstrap summary has duplicate (model, term) rows: "
            f"{boot.loc[dup, ['model', 'term']].values.tolist()[:5]}"
        )
    return {(str(r["model"]), str(r["term"])): r for r in boot.to_dict("records")}


def _notes(ols: Mapping[str, Any], cox: Mapping[str, Any], boot: pd.DataFrame | None
           ) -> dict[str, Any]:
    ph = cox.get("ph_test") or {}
    notes: dict[str, Any] = {
        "ols_cov_type": ols.get("cov_type"),
        "ols_f_stat": ols.get("f_stat"),
        "cox_ties": cox.get("ties"),
        "cox_lr_stat": cox.get("lr_stat"),
        "cox_n_events": cox.get("n_events"),
        "cox_concordance": cox.get("concordance"),
        "ph_method": ph.get("method"),
        "ph_transform": ph.get("transform"),
        "ph_global_p": ph.get("global_pvalue"),
    }
    if boot is not None:
        per_model = {}
        for model, grp in boot.groupby("model", sort=True):
            per_model[str(model)] = {
                "n_replicates": sorted({int(v) for v in grp["n_replicates"]}),
                "n_failed": sorted({int(v) for v in grp["n_failed"]}),
            }
        notes["bootstrap"] = per_model
    return notes


# --------------------------------------------------------------------------- common layout


def _coef_rows(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["section"] != "fit"]


def _fit_rows(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["section"] == "fit"]


def sectioned_rows(table: pd.DataFrame):
    """The coefficient rows in order, each with the heading of the section it opens (or None).

    Yields ``(heading, row)``: ``heading`` is the SECTION_HEADINGS text when ``row`` is the first
    of a section that has one; fit-statistic rows are left out.
    """
    section = None
    for row in _coef_rows(table).to_dict("records"):
        heading = None
        if row["section"] != section:
            section = row["section"]
            heading = SECTION_HEADINGS.get(section)
        yield heading, row


def _has_boot(table: pd.DataFrame) -> bool:
    return "ols_boot_ci_lower" in table.columns


def _ci_text(lower: Any, upper: Any) -> str:
    if not (_finite(lower) and _finite(upper)):
        return ""
    return f"[{_fmt(lower)}, {_fmt(upper)}]"


def _cells(row: Mapping[str, Any], with_boot: bool) -> list[tuple[str, str]]:
    """The numeric cells of one coefficient row as (number, stars) pairs, in column order.

    Column order: OLS Coef., OLS Std.Err, [OLS Boot. 95% CI], Cox Coef., Cox Std.Err, HR,
    [Cox Boot. 95% CI]. A cell that does not apply (Cox ``const``) is the dash.
    """
    out: list[tuple[str, str]] = []
    for model in ("ols", "cox"):
        absent = not _finite(row[f"{model}_coef"])
        out.append((_DASH if absent else _fmt(row[f"{model}_coef"]),
                    "" if absent else row[f"{model}_stars"]))
        out.append((_DASH if absent else _fmt(row[f"{model}_se"]), ""))
        if model == "cox":
            out.append((_DASH if absent else _fmt(row["cox_hr"]), ""))
        if with_boot:
            ci = _ci_text(row[f"{model}_boot_ci_lower"], row[f"{model}_boot_ci_upper"])
            out.append((ci or _DASH, ""))
    return out


def _fit_cells(row: Mapping[str, Any], with_boot: bool) -> list[str]:
    """Cells of one fit row: the value goes in each model's Coef. column, the rest stay empty."""
    dec = _FIT_DECIMALS[row["term"]]
    n_ols = 3 if with_boot else 2
    n_cox = 4 if with_boot else 3
    ols_cells = [""] * n_ols
    cox_cells = [""] * n_cox
    ols_cells[0] = _fmt(row["ols_value"], dec) if _finite(row["ols_value"]) else ""
    cox_cells[0] = _fmt(row["cox_value"], dec) if _finite(row["cox_value"]) else ""
    if row["term"] == "r2" and not cox_cells[0]:
        cox_cells[0] = _DASH  # the paper prints a dash for the Cox R2
    return ols_cells + cox_cells


def _header(with_boot: bool) -> tuple[list[str], list[str]]:
    """(model header, column header) for the numeric columns."""
    ols_cols = ["Coef.", "Std.Err"] + (["Boot. 95% CI"] if with_boot else [])
    cox_cols = ["Coef.", "Std.Err", "HR"] + (["Boot. 95% CI"] if with_boot else [])
    return (["OLS Model"] * len(ols_cols) + ["Cox Model"] * len(cox_cols), ols_cols + cox_cols)


def _note_lines(table: pd.DataFrame) -> list[str]:
    """Footnote sentences (plain text, unescaped)."""
    notes: Mapping[str, Any] = table.attrs.get("notes", {}) or {}
    lines = ["Significance: p < 0.01 ***, p < 0.05 **, p < 0.1 * (two-sided; stars on Coef.)."]
    cov = notes.get("ols_cov_type")
    if cov:
        kind = "classical" if cov == "nonrobust" else "heteroskedasticity-robust"
        lines.append(f"OLS: dependent variable duration in days; {kind} standard errors "
                     f"({cov}); Prob > F is the overall F test"
                     + (f" (F = {_fmt(notes.get('ols_f_stat'))})." if _finite(
                         notes.get("ols_f_stat")) else "."))
    cox_bits = []
    if notes.get("cox_ties"):
        cox_bits.append(f"ties: {notes['cox_ties']}")
    if _finite(notes.get("cox_n_events")):
        cox_bits.append(f"{int(notes['cox_n_events'])} events")
    if _finite(notes.get("cox_concordance")):
        cox_bits.append(f"concordance {_fmt(notes['cox_concordance'], 3)}")
    if _finite(notes.get("cox_lr_stat")):
        cox_bits.append(f"Prob > Chi2 from the likelihood-ratio test (Chi2 = "
                        f"{_fmt(notes['cox_lr_stat'])})")
    if cox_bits:
        lines.append("Cox: hazard of exit from poverty; HR = exp(Coef.); " + "; ".join(cox_bits)
                     + ".")
    if _finite(notes.get("ph_global_p")):
        how = "; ".join(f"{prefix}{notes[k]}" for k, prefix in
                        (("ph_method", ""), ("ph_transform", "time transform ")) if notes.get(k))
        lines.append("Proportional-hazards test"
                     + (f" ({how})" if how else "")
                     + f": global p = {_fmt(notes['ph_global_p'], 3)}.")
    bootstrap = notes.get("bootstrap")
    if bootstrap:
        parts = []
        for model in ("ols", "cox"):
            if model in bootstrap:
                b = bootstrap[model]
                reps = "/".join(str(v) for v in b["n_replicates"])
                failed = "–".join(str(v) for v in sorted({min(b["n_failed"]),
                                                           max(b["n_failed"])}))
                parts.append(f"{_MODEL_NAMES[model]} B = {reps}, failed {failed}")
        lines.append("Boot. 95% CI: percentile interval over county-resampling bootstrap "
                     "replicates on the coefficient scale (" + "; ".join(parts) + ").")
    return lines


# --------------------------------------------------------------------------- markdown


def _md_escape(text: str) -> str:
    """Backslash-escape characters with meaning in GitHub Markdown tables."""
    out = []
    for ch in str(text):
        if ch in "\\`*_|<>":
            out.append("\\" + ch)
        elif ch == "&":
            out.append("&amp;")
        else:
            out.append(ch)
    return "".join(out)


def render_markdown(table: pd.DataFrame) -> str:
    """Render Table 1 as a GitHub pipe table in the paper's layout, followed by notes."""
    with_boot = _has_boot(table)
    models, cols = _header(with_boot)
    head = [""] + [f"{m.split()[0]} {c}" for m, c in zip(models, cols)]
    lines = [f"**{_md_escape(TITLE)}**", "",
             "| " + " | ".join(_md_escape(h) for h in head) + " |",
             "|:--" + "|--:" * (len(head) - 1) + "|"]
    width = len(head)
    for heading, row in sectioned_rows(table):
        if heading:
            lines.append(f"| *{_md_escape(heading)}* " + "| " * (width - 1) + "|")
        cells = [_md_escape(num) + _md_escape(stars) for num, stars in _cells(row, with_boot)]
        lines.append("| " + " | ".join([_md_escape(row["label"])] + cells) + " |")
    for row in _fit_rows(table).to_dict("records"):
        cells = [_md_escape(c) for c in _fit_cells(row, with_boot)]
        lines.append("| " + " | ".join([_md_escape(row["label"])] + cells) + " |")
    lines.append("")
    lines += [f"- {_md_escape(n)}" for n in _note_lines(table)]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- LaTeX

_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    "—": "---",
    "–": "--",
    "²": r"\textsuperscript{2}",
}


def latex_escape(text: str) -> str:
    """Escape text for LaTeX text mode (base LaTeX, no extra packages needed)."""
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in str(text))


def _latex_number(num: str, stars: str = "") -> str:
    """A formatted number in math mode (true minus sign) with stars as a superscript."""
    if num in ("", _DASH):
        return "---" if num == _DASH else ""
    if num.startswith("["):  # a CI "[a, b]"
        return "$" + num.replace(", ", ",\\ ") + "$"
    return "$" + num + (f"^{{{stars}}}" if stars else "") + "$"


def render_latex(table: pd.DataFrame) -> str:
    """Render Table 1 as a complete ``tabular`` (plain ``\\hline``; compiles with base LaTeX)."""
    with_boot = _has_boot(table)
    models, cols = _header(with_boot)
    n_ols = models.count("OLS Model")
    n_cox = models.count("Cox Model")
    ncol = 1 + len(cols)
    out = [f"% {latex_escape(TITLE)}",
           "\\begin{tabular}{l" + "r" * len(cols) + "}",
           "\\hline",
           f" & \\multicolumn{{{n_ols}}}{{c}}{{OLS Model}} & "
           f"\\multicolumn{{{n_cox}}}{{c}}{{Cox Model}} \\\\",
           " & " + " & ".join(latex_escape(c) for c in cols) + " \\\\",
           "\\hline"]
    for heading, row in sectioned_rows(table):
        if heading:
            out.append(f"\\multicolumn{{{ncol}}}{{l}}"
                       f"{{\\textit{{{latex_escape(heading)}}}}} \\\\")
        cells = [_latex_number(num, stars) for num, stars in _cells(row, with_boot)]
        out.append(" & ".join([latex_escape(row["label"])] + cells) + " \\\\")
    out.append("\\hline")
    for row in _fit_rows(table).to_dict("records"):
        label = _LATEX_LABELS.get(row["term"], latex_escape(row["label"]))
        cells = [_latex_number(c) for c in _fit_cells(row, with_boot)]
        out.append(" & ".join([label] + cells) + " \\\\")
    out.append("\\hline")
    for note in _note_lines(table):
        out.append(f"\\multicolumn{{{ncol}}}{{l}}{{\\footnotesize {latex_escape(note)}}} \\\\")
    out.append("\\end{tabular}")
    return "\n".join(out) + "\n"


def standalone_latex_document(tabular: str) -> str:
    """Wrap a ``tabular`` in a minimal ``article`` document (base LaTeX only) for compiling."""
    return ("\\documentclass{article}\n"
            "\\pagestyle{empty}\n"
            "\\setlength{\\paperwidth}{11in}\\setlength{\\paperheight}{8.5in}\n"
            "\\ifdefined\\pdfpagewidth\\setlength{\\pdfpagewidth}{\\paperwidth}"
            "\\setlength{\\pdfpageheight}{\\paperheight}\\fi\n"
            "\\setlength{\\textwidth}{10in}\\setlength{\\oddsidemargin}{-0.5in}\n"
            "\\setlength{\\topmargin}{-0.5in}\\setlength{\\textheight}{7in}\n"
            "\\begin{document}\n"
            "\\begin{center}\n"
            "\\scriptsize\n"
            f"{tabular}"
            "\\end{center}\n"
            "\\end{document}\n")


# --------------------------------------------------------------------------- HTML


def render_html(table: pd.DataFrame) -> str:
    """Render Table 1 as a self-contained ``<table>`` with a ``<caption>``; all text escaped."""
    esc = html.escape
    with_boot = _has_boot(table)
    models, cols = _header(with_boot)
    n_ols = models.count("OLS Model")
    n_cox = models.count("Cox Model")
    ncol = 1 + len(cols)
    td = 'style="text-align:right;padding:0 0.6em"'
    out = ['<table class="table1" style="border-collapse:collapse">',
           f"<caption>{esc(TITLE)}</caption>",
           '<thead style="border-top:2px solid;border-bottom:1px solid">',
           f'<tr><th></th><th colspan="{n_ols}">OLS Model</th>'
           f'<th colspan="{n_cox}">Cox Model</th></tr>',
           "<tr><th></th>" + "".join(f"<th {td}>{esc(c)}</th>" for c in cols) + "</tr>",
           "</thead>",
           "<tbody>"]
    for heading, row in sectioned_rows(table):
        if heading:
            out.append(f'<tr><th colspan="{ncol}" style="text-align:left">'
                       f"<em>{esc(heading)}</em></th></tr>")
        cells = "".join(f"<td {td}>{esc(num + stars)}</td>"
                        for num, stars in _cells(row, with_boot))
        out.append(f'<tr><th scope="row" style="text-align:left;font-weight:normal">'
                   f"{esc(row['label'])}</th>{cells}</tr>")
    out.append("</tbody>")
    out.append('<tbody style="border-top:1px solid;border-bottom:2px solid">')
    for row in _fit_rows(table).to_dict("records"):
        cells = "".join(f"<td {td}>{esc(c)}</td>" for c in _fit_cells(row, with_boot))
        out.append(f'<tr><th scope="row" style="text-align:left;font-weight:normal">'
                   f"{esc(row['label'])}</th>{cells}</tr>")
    out.append("</tbody>")
    out.append("<tfoot>")
    for note in _note_lines(table):
        out.append(f'<tr><td colspan="{ncol}" style="font-size:smaller">{esc(note)}</td></tr>')
    out.append("</tfoot>")
    out.append("</table>")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- CSV


def table1_to_csv(table: pd.DataFrame) -> str:
    """Serialise :func:`build_table1`'s output to CSV text (shortest round-trip float repr)."""
    buf = _stdio.StringIO()
    table.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()


def read_table1_csv(path_or_buffer: Any) -> pd.DataFrame:
    """Read ``table1.csv`` back with the dtypes :func:`build_table1` produces."""
    text_cols = {"section": str, "term": str, "label": str, "ols_stars": str, "cox_stars": str}
    # float_precision="round_trip": pandas' default fast parser can be off by one ulp.
    df = pd.read_csv(path_or_buffer, dtype=text_cols, keep_default_na=False,
                     na_values={c: [""] for c in _all_numeric_columns()},
                     float_precision="round_trip")
    return _coerce_dtypes(df)


def _all_numeric_columns() -> list[str]:
    return [c for c in _columns(True)
            if c not in ("section", "term", "label", "ols_stars", "cox_stars")]


# --------------------------------------------------------------------------- paper comparison


def _md_stars(stars: str) -> str:
    return f"`{stars}`" if stars else "n.s."


def _signed(x: float, decimals: int = 4) -> str:
    if not _finite(x):
        return ""
    text = _fmt(x, decimals)
    return text if text.startswith("-") or float(text) == 0 else "+" + text


def _sign(x: float) -> int:
    return 0 if not _finite(x) or x == 0 else (1 if x > 0 else -1)


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


def _hr_consistent(coef: float, hr: float) -> bool:
    """Whether printed coef and HR (each rounded to 2 decimals) can come from one estimate."""
    lo, hi = math.exp(coef - 0.005), math.exp(coef + 0.005)
    return hi >= hr - 0.005 and lo <= hr + 0.005


def _implied_stars(model: str, coef: float, se: float, n_obs: float) -> str:
    """Stars implied by the printed coef/SE (t with n-7 df for OLS, normal for Cox)."""
    from scipy import stats

    if not (_finite(coef) and _finite(se)) or se <= 0:
        return ""
    z = abs(coef / se)
    if model == "ols" and _finite(n_obs):
        p = 2 * stats.t.sf(z, df=int(n_obs) - len(TERMS))
    else:
        p = 2 * stats.norm.sf(z)
    return significance_stars(p)


def render_paper_comparison(
    ols: Mapping[str, Any],
    cox: Mapping[str, Any],
    paper_coefs: pd.DataFrame,
    paper_fit: pd.DataFrame,
    truth: Mapping[str, float] | None = None,
    boot: pd.DataFrame | None = None,
) -> str:
    """Markdown report: every cell of this run beside the paper's printed Table 1.

    Parameters
    ----------
    ols, cox
        This run's model dicts (``ols.json``, ``cox.json``).
    paper_coefs, paper_fit
        ``data/paper/paper_table1.csv`` (model, term, coef, std_err, stars, hazard_ratio) and
        ``data/paper/paper_table1_fit.csv`` (model, statistic, value).
    truth
        Optional map term -> true Cox coefficient (simulated default study). Adds the true value
        and whether this run's Wald 95% CI (coef ± 1.959964·se) and, with ``boot``, the bootstrap
        percentile CI cover it.
    boot
        Optional bootstrap summary (see :func:`build_table1`).
    """
    table = build_table1(ols, cox, boot)
    paper = _paper_lookup(paper_coefs)
    fit_needed = ["model", "statistic", "value"]
    if any(c not in paper_fit.columns for c in fit_needed):
        raise InputDataError(f"paper Table 1 fit statistics need columns {fit_needed}")
    paper_fit_map = {(str(r["model"]), str(r["statistic"])): float(r["value"])
                     for r in paper_fit.to_dict("records")}
    coef_rows = {r["term"]: r for r in _coef_rows(table).to_dict("records")}

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
        for term in (TERMS if model == "ols" else COX_TERMS):
            r = coef_rows[term]
            pp = paper.get((model, term))
            p_coef = float(pp["coef"]) if pp is not None else float("nan")
            p_se = float(pp["std_err"]) if pp is not None else float("nan")
            p_stars = _paper_stars(pp["stars"]) if pp is not None else ""
            run_coef, run_se, run_stars = r[f"{model}_coef"], r[f"{model}_se"], r[f"{model}_stars"]
            sign_change = (_sign(run_coef) != _sign(p_coef)) if pp is not None else False
            star_change = (run_stars != p_stars) if pp is not None else False
            cells = [
                f"`{term}`",
                _fmt(run_coef, 4), _fmt(p_coef, 2), _signed(run_coef - p_coef),
                _fmt(run_se, 4), _fmt(p_se, 2), _signed(run_se - p_se),
                _fmt(r[f"{model}_p"], 4), _md_stars(run_stars),
                _md_stars(p_stars) if pp is not None else "",
                "**yes**" if sign_change else "no",
                "**yes**" if star_change else "no",
            ]
            if model == "cox":
                p_hr = float(pp["hazard_ratio"]) if pp is not None else float("nan")
                cells += [_fmt(r["cox_hr"], 4), _fmt(p_hr, 2), _signed(r["cox_hr"] - p_hr)]
            out.append("| " + " | ".join(cells) + " |")
        out.append("")

    # --- fit statistics
    ph = cox.get("ph_test") or {}
    fit_run = [
        ("ols", "prob_f", "Prob > F", float(ols["f_pvalue"]), 2),
        ("ols", "r2", "R²", float(ols["r2"]), 2),
        ("ols", "n_obs", "Obs", float(ols["n_obs"]), 0),
        ("cox", "prob_chi2", "Prob > Chi2 (LR test)", float(cox["lr_pvalue"]), 2),
        ("cox", "n_obs", "Obs", float(cox["n_obs"]), 0),
        ("cox", "ph_test_global_p", "PH test, global p", _get(ph, "global_pvalue"), 3),
    ]
    out += ["## Fit statistics", "",
            "| Model | Statistic | This run | Paper | Difference |",
            "|:--|:--|--:|--:|--:|"]
    for model, stat, label, value, dec in fit_run:
        pv = paper_fit_map.get((model, stat), float("nan"))
        run_dec = 0 if dec == 0 else 4
        diff = _signed(value - pv, run_dec) if _finite(pv) and _finite(value) else ""
        out.append(f"| {_MODEL_NAMES[model]} | {_md_escape(label)} (`{stat}`) "
                   f"| {_fmt(value, run_dec)} "
                   f"| {_fmt(pv, dec)} | {diff} |")
    out.append("")

    # --- truth recovery
    if truth is not None:
        boot_idx = _boot_index(boot) if boot is not None else None
        head = ["Term", "True coef.", "Coef. (run)", "Wald 95% CI (run)", "Covers truth"]
        if boot_idx is not None:
            head += ["Boot. 95% CI (run)", "Boot. covers truth"]
        out += ["## Recovery of the simulation truth (Cox)", "",
                f"Wald CI = coef ± {Z_975}·se; bootstrap CI = percentile interval.", "",
                "| " + " | ".join(head) + " |", "|:--" + "|--:" * (len(head) - 1) + "|"]
        n_cover = n_boot_cover = n_truth = 0
        for term in COX_TERMS:
            if term not in truth:
                continue
            n_truth += 1
            t = float(truth[term])
            r = coef_rows[term]
            lo = r["cox_coef"] - Z_975 * r["cox_se"]
            hi = r["cox_coef"] + Z_975 * r["cox_se"]
            covers = _finite(lo) and lo <= t <= hi
            n_cover += covers
            cells = [f"`{term}`", _fmt(t, 4), _fmt(r["cox_coef"], 4),
                     f"[{_fmt(lo, 4)}, {_fmt(hi, 4)}]", "yes" if covers else "**no**"]
            if boot_idx is not None:
                b = boot_idx.get(("cox", term))
                if b is not None and _finite(b["ci_lower"]) and _finite(b["ci_upper"]):
                    bc = b["ci_lower"] <= t <= b["ci_upper"]
                    n_boot_cover += bc
                    cells += [f"[{_fmt(b['ci_lower'], 4)}, {_fmt(b['ci_upper'], 4)}]",
                              "yes" if bc else "**no**"]
                else:
                    cells += ["", "n/a"]
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
        summary = f"Wald CIs cover the truth for {n_cover} of {n_truth} terms"
        if boot_idx is not None:
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
    for term in COX_TERMS:
        pp = paper.get(("cox", term))
        if pp is None:
            continue
        c, h = float(pp["coef"]), float(pp["hazard_ratio"])
        ok = _hr_consistent(c, h) if _finite(c) and _finite(h) and h > 0 else False
        ln_h = _fmt(math.log(h), 4) if _finite(h) and h > 0 else ""
        out.append(f"| `{term}` | {_fmt(c, 2)} | {_fmt(math.exp(c), 4)} | {_fmt(h, 2)} | {ln_h} "
                   f"| {'yes' if ok else '**no**'} |")
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
    for term in COX_TERMS:
        po, pc = paper.get(("ols", term)), paper.get(("cox", term))
        r = coef_rows[term]
        if po is None or pc is None:
            continue
        opp_paper = _sign(float(po["coef"])) * _sign(float(pc["coef"])) < 0
        opp_run = _sign(r["ols_coef"]) * _sign(r["cox_coef"]) < 0
        ols_imp = _implied_stars("ols", float(po["coef"]), float(po["std_err"]), n_paper)
        cox_imp = _implied_stars("cox", float(pc["coef"]), float(pc["std_err"]), n_paper)
        out.append(
            f"| `{term}` | {'yes' if opp_paper else '**no**'} | {'yes' if opp_run else '**no**'} "
            f"| {_md_stars(_paper_stars(po['stars']))} / {_md_stars(ols_imp)} "
            f"| {_md_stars(_paper_stars(pc['stars']))} / {_md_stars(cox_imp)} |")
    out.append("")
    return "\n".join(out)


# --------------------------------------------------------------------------- loaders


def load_model_result(path: str | Path) -> dict[str, Any]:
    """Read ``results/models/ols.json`` or ``cox.json``."""
    from .io import read_json

    result = read_json(path)
    if not isinstance(result, dict):
        raise InputDataError(f"{path}: expected a JSON object with model results")
    return result


def load_bootstrap_summary(path: str | Path) -> pd.DataFrame:
    """Read ``results/bootstrap/summary.csv``."""
    try:
        return pd.read_csv(path, dtype={"model": str, "term": str}, float_precision="round_trip")
    except (OSError, ValueError) as err:
        raise InputDataError(f"{path}: cannot read bootstrap summary ({err})") from None


def load_paper_table1(path: str | Path) -> pd.DataFrame:
    """Read ``data/paper/paper_table1.csv``; empty stars become ``""``."""
    try:
        df = pd.read_csv(path, dtype={"model": str, "term": str, "stars": str},
                         keep_default_na=False,
                         na_values={"coef": [""], "std_err": [""], "hazard_ratio": [""]},
                         float_precision="round_trip")
    except (OSError, ValueError) as err:
        raise InputDataError(f"{path}: cannot read the paper's Table 1 ({err})") from None
    for col in ("coef", "std_err", "hazard_ratio"):
        df[col] = df[col].astype("float64")
    return df


def load_paper_fit(path: str | Path) -> pd.DataFrame:
    """Read ``data/paper/paper_table1_fit.csv``."""
    try:
        return pd.read_csv(path, dtype={"model": str, "statistic": str, "value": np.float64},
                           float_precision="round_trip")
    except (OSError, ValueError) as err:
        raise InputDataError(f"{path}: cannot read the paper's fit statistics ({err})") from None


def load_truth(path: str | Path) -> dict[str, float]:
    """Read the true Cox coefficients of a simulated study from ``data/truth.json``.

    The generator (:mod:`countysurv.simulate`) writes them under ``exit_model.coefficients``;
    a top-level ``coefficients`` map is accepted too, for hand-written truth files.
    """
    from .io import read_json

    data = read_json(path)
    coefs = None
    if isinstance(data, dict):
        coefs = data.get("coefficients")
        if coefs is None and isinstance(data.get("exit_model"), dict):
            coefs = data["exit_model"].get("coefficients")
    if not isinstance(coefs, dict):
        raise InputDataError(f"{path}: expected a JSON object with an 'exit_model.coefficients' "
                             f"(or 'coefficients') map of term -> true Cox coefficient")
    return {str(k): float(v) for k, v in coefs.items()}
