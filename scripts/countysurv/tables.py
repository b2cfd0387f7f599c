"""Table 1 of the paper, rebuilt from this run's model fits and rendered in the paper's layout.

The paper (``data/paper/``, Table 1 "Results of OLS and Cox Regression") prints, per model,
Coef. (with significance stars attached), Std.Err and, for Cox, the hazard ratio; then the rows
Prob > F/Chi2, R2 and Obs. This module reproduces that layout from plain result dicts:

* :func:`build_table1` turns the ``ols.json``/``cox.json`` dicts (and, optionally, the bootstrap
  summary) into one tidy, full-precision DataFrame, written as ``results/tables/table1.csv``;
* :func:`render_markdown`, :func:`render_latex` and :func:`render_html` render that DataFrame in the
  paper's layout with two decimals.

Apart from :func:`read_table1_csv` (this module's own CSV), the functions read no files: the
loaders of the model and bootstrap files are in :mod:`countysurv.io`, and the cell-by-cell
comparison of this table with the paper's is :mod:`countysurv.paper`. Row names, labels and sections come from :mod:`countysurv.terms`.

CSV shape of ``table1.csv`` (one row per table row, in display order)
----------------------------------------------------------------------
``section``
    ``independent`` | ``control`` | ``additional`` | ``constant`` | ``fit``.
``term``
    machine name: a model term (``upgrading_index`` ... ``const``) or, for ``fit`` rows,
    ``prob_f_chi2``, ``r2``, ``n_obs``, ``ph_test_global_p``.
``label``
    the paper's row label (``Industrial Upgrading Index`` ... ``Obs``).
``status, reason``
    present only when a term of the paper's table was not estimated (not in config
    ``models.terms``): ``status`` is ``not estimated`` on its row (every number of the row is
    then empty) and ``estimated`` on the other coefficient rows, empty on fit rows; ``reason``
    says what the term needs and what the panel holds. Empty numbers plus a status keep every
    numeric column numeric for a reader (pandas, R, Stata), where an ``n/a`` text would turn it
    into a text column; the md, tex and html tables print ``n/a`` in those cells, with the
    reason as a footnote.
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
from typing import Any, Mapping, Sequence

import pandas as pd

from .errors import InputDataError
from .terms import (CONST, MODEL_TERMS, SECTION_HEADINGS, TABLE_LABELS, TABLE_SECTIONS,
                    check_terms, table_terms)

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

#: Display names of the two models.
MODEL_NAMES: dict[str, str] = {"ols": "OLS", "cox": "Cox"}
TITLE = "Table 1: Results of OLS and Cox Regression."
_COEF_COLS = ("coef", "se", "p", "stars")
_BOOT_COLS = ("boot_se", "boot_ci_lower", "boot_ci_upper", "boot_n_used")
_DASH = "—"
#: The text of a cell of a term that was not estimated, and the ``status`` of its row.
NA_TEXT = "n/a"
NOT_ESTIMATED = "not estimated"
ESTIMATED = "estimated"
_STATUS_COLS = ("status", "reason")


# --------------------------------------------------------------------------- small helpers


def significance_stars(p: float | None) -> str:
    """Return the paper's stars for p-value ``p``: ``***`` < .01, ``**`` < .05, ``*`` < .1.

    The thresholds are strict (p = 0.05 gets ``*``); a missing or NaN p gives ``""``.
    """
    if p is None or not is_finite(p):
        return ""
    for threshold, stars in STAR_THRESHOLDS:
        if p < threshold:
            return stars
    return ""


def is_finite(x: Any) -> bool:
    """Whether ``x`` is a finite number (``None``, NaN, inf and non-numbers are not)."""
    try:
        return x is not None and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def _get(mapping: Mapping[str, Any] | None, key: str) -> float:
    """``mapping[key]`` as a float, NaN when the map or key is missing or the value is null."""
    if not mapping or key not in mapping or mapping[key] is None:
        return float("nan")
    return float(mapping[key])


def format_number(x: Any, decimals: int = 2) -> str:
    """Format a number with fixed decimals; NaN/None give ``""``; ``-0.00`` prints as ``0.00``."""
    if not is_finite(x):
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
            "that countysurv.models writes"
        )


# --------------------------------------------------------------------------- build


def build_table1(
    ols: Mapping[str, Any],
    cox: Mapping[str, Any],
    boot: pd.DataFrame | None = None,
    terms: Sequence[str] = MODEL_TERMS,
    not_estimated: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Build the tidy, full-precision Table 1 (the content of ``table1.csv``).

    Parameters
    ----------
    ols, cox
        The dicts of ``results/models/ols.json`` and ``cox.json`` (:func:`countysurv.models.fit_ols`
        and :func:`countysurv.models.fit_cox` write them).
    boot
        Optional bootstrap summary with columns ``model`` (``ols``/``cox``), ``term``,
        ``n_replicates``, ``n_used``, ``n_failed``, ``boot_se``, ``ci_lower``, ``ci_upper``.
    terms
        The model terms (config ``models.terms``); the fits must be of these terms. Rows:
        :func:`countysurv.terms.table_terms` (a paper's term not in ``terms`` is a row of a term
        not estimated; an extra term has a row only when configured).
    not_estimated
        Optional reason per term not estimated (what it needs and what the panel holds,
        :func:`countysurv.indices.coverage_reason`), printed in the footnote.

    Returns
    -------
    DataFrame
        One row per displayed row (terms, then fit rows); see the module docstring for the
        columns. ``attrs["notes"]`` holds what the footnote needs.
    """
    _require(ols, ("coef", "se", "p", "r2", "f_pvalue", "n_obs"), "ols")
    _require(cox, ("coef", "se", "p", "lr_pvalue", "n_obs"), "cox")
    terms = check_terms(terms)
    for what, res in (("ols", ols), ("cox", cox)):
        fitted = res.get("terms")
        if fitted is not None and list(fitted) != list(terms):
            raise InputDataError(f"{what} result was fitted on terms {', '.join(fitted)}, but "
                                 f"config models.terms is {', '.join(terms)}; rerun the model")
    boot_idx = _boot_index(boot)
    missing = [t for t in table_terms(terms) if t != CONST and t not in terms]
    reasons = dict(not_estimated or {})

    rows: list[dict[str, Any]] = []
    for term in table_terms(terms):
        row: dict[str, Any] = {
            "section": TABLE_SECTIONS[term],
            "term": term,
            "label": TABLE_LABELS[term],
        }
        if missing:
            row["status"] = NOT_ESTIMATED if term in missing else ESTIMATED
            row["reason"] = reasons.get(term, "") if term in missing else ""
        for model, res in (("ols", ols), ("cox", cox)):
            in_model = not (model == "cox" and term == CONST) and term not in missing
            coef = _get(res["coef"], term) if in_model else float("nan")
            se = _get(res["se"], term) if in_model else float("nan")
            p = _get(res["p"], term) if in_model else float("nan")
            row[f"{model}_coef"] = coef
            row[f"{model}_se"] = se
            row[f"{model}_p"] = p
            row[f"{model}_stars"] = significance_stars(p)
            if model == "cox":
                hr = _get(res.get("hazard_ratio"), term) if in_model else float("nan")
                if not is_finite(hr) and is_finite(coef):
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

    table = pd.DataFrame(rows, columns=_columns(boot_idx is not None, bool(missing)))
    table = _coerce_dtypes(table)
    table.attrs["notes"] = _notes(ols, cox, boot)
    return table


def _columns(with_boot: bool, with_status: bool = False) -> list[str]:
    cols = ["section", "term", "label"] + (list(_STATUS_COLS) if with_status else [])
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
        if col in ("section", "term", "label", *_STATUS_COLS) or col.endswith("_stars"):
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


def coefficient_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The term rows of a Table 1 frame (every section but ``fit``), in display order."""
    return table[table["section"] != "fit"]


def _fit_rows(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["section"] == "fit"]


def sectioned_rows(table: pd.DataFrame):
    """The coefficient rows in order, each with the heading of the section it opens (or None).

    Yields ``(heading, row)``: ``heading`` is the SECTION_HEADINGS text when ``row`` is the first
    of a section that has one; fit-statistic rows are left out.
    """
    section = None
    for row in coefficient_rows(table).to_dict("records"):
        heading = None
        if row["section"] != section:
            section = row["section"]
            heading = SECTION_HEADINGS.get(section)
        yield heading, row


def is_not_estimated(row: Mapping[str, Any]) -> bool:
    """Whether a coefficient row is of a term the model did not estimate."""
    return row.get("status") == NOT_ESTIMATED


def estimated_terms(table: pd.DataFrame) -> list[str]:
    """The model terms a Table 1 frame holds estimates of (no constant, no term not estimated)."""
    return [r["term"] for r in coefficient_rows(table).to_dict("records")
            if r["term"] != CONST and not is_not_estimated(r)]


def has_bootstrap(table: pd.DataFrame) -> bool:
    """Whether the table was built with a bootstrap summary (it then has the CI columns)."""
    return "ols_boot_ci_lower" in table.columns


def _ci_text(lower: Any, upper: Any) -> str:
    if not (is_finite(lower) and is_finite(upper)):
        return ""
    return f"[{format_number(lower)}, {format_number(upper)}]"


def _cells(row: Mapping[str, Any], with_boot: bool) -> list[tuple[str, str]]:
    """The numeric cells of one coefficient row as (number, stars) pairs, in column order.

    Column order: OLS Coef., OLS Std.Err, [OLS Boot. 95% CI], Cox Coef., Cox Std.Err, HR,
    [Cox Boot. 95% CI]. A cell that does not apply (Cox ``const``) is the dash.
    """
    out: list[tuple[str, str]] = []
    if is_not_estimated(row):
        return [(NA_TEXT, "")] * (len(_header(with_boot)[1]))
    for model in ("ols", "cox"):
        absent = not is_finite(row[f"{model}_coef"])
        out.append((_DASH if absent else format_number(row[f"{model}_coef"]),
                    "" if absent else row[f"{model}_stars"]))
        out.append((_DASH if absent else format_number(row[f"{model}_se"]), ""))
        if model == "cox":
            out.append((_DASH if absent else format_number(row["cox_hr"]), ""))
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
    ols_cells[0] = format_number(row["ols_value"], dec) if is_finite(row["ols_value"]) else ""
    cox_cells[0] = format_number(row["cox_value"], dec) if is_finite(row["cox_value"]) else ""
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
                     + (f" (F = {format_number(notes.get('ols_f_stat'))})." if is_finite(
                         notes.get("ols_f_stat")) else "."))
    cox_bits = []
    if notes.get("cox_ties"):
        cox_bits.append(f"ties: {notes['cox_ties']}")
    if is_finite(notes.get("cox_n_events")):
        cox_bits.append(f"{int(notes['cox_n_events'])} events")
    if is_finite(notes.get("cox_concordance")):
        cox_bits.append(f"concordance {format_number(notes['cox_concordance'], 3)}")
    if is_finite(notes.get("cox_lr_stat")):
        cox_bits.append(f"Prob > Chi2 from the likelihood-ratio test (Chi2 = "
                        f"{format_number(notes['cox_lr_stat'])})")
    if cox_bits:
        lines.append("Cox: hazard of exit from poverty; HR = exp(Coef.); " + "; ".join(cox_bits)
                     + ".")
    if is_finite(notes.get("ph_global_p")):
        how = "; ".join(f"{prefix}{notes[k]}" for k, prefix in
                        (("ph_method", ""), ("ph_transform", "time transform ")) if notes.get(k))
        lines.append("Proportional-hazards test"
                     + (f" ({how})" if how else "")
                     + f": global p = {format_number(notes['ph_global_p'], 3)}.")
    bootstrap = notes.get("bootstrap")
    if bootstrap:
        parts = []
        for model in ("ols", "cox"):
            if model in bootstrap:
                b = bootstrap[model]
                reps = "/".join(str(v) for v in b["n_replicates"])
                failed = "–".join(str(v) for v in sorted({min(b["n_failed"]),
                                                           max(b["n_failed"])}))
                parts.append(f"{MODEL_NAMES[model]} B = {reps}, failed {failed}")
        lines.append("Boot. 95% CI: percentile interval over county-resampling bootstrap "
                     "replicates on the coefficient scale (" + "; ".join(parts) + ").")
    lines += not_estimated_notes(table)
    return lines


def not_estimated_notes(table: pd.DataFrame) -> list[str]:
    """One footnote per term not estimated: ``n/a: <label> not estimated (...); <reason>.``"""
    if "status" not in table.columns:
        return []
    lines = []
    for row in coefficient_rows(table).to_dict("records"):
        if is_not_estimated(row):
            reason = str(row.get("reason") or "").strip().rstrip(".")
            lines.append(f"{NA_TEXT}: {row['label']} not estimated (not in config models.terms)"
                         + (f"; {reason}." if reason else "."))
    return lines


# --------------------------------------------------------------------------- markdown


def md_escape(text: str) -> str:
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
    with_boot = has_bootstrap(table)
    models, cols = _header(with_boot)
    head = [""] + [f"{m.split()[0]} {c}" for m, c in zip(models, cols)]
    lines = [f"**{md_escape(TITLE)}**", "",
             "| " + " | ".join(md_escape(h) for h in head) + " |",
             "|:--" + "|--:" * (len(head) - 1) + "|"]
    width = len(head)
    for heading, row in sectioned_rows(table):
        if heading:
            lines.append(f"| *{md_escape(heading)}* " + "| " * (width - 1) + "|")
        cells = [md_escape(num) + md_escape(stars) for num, stars in _cells(row, with_boot)]
        lines.append("| " + " | ".join([md_escape(row["label"])] + cells) + " |")
    for row in _fit_rows(table).to_dict("records"):
        cells = [md_escape(c) for c in _fit_cells(row, with_boot)]
        lines.append("| " + " | ".join([md_escape(row["label"])] + cells) + " |")
    lines.append("")
    lines += [f"- {md_escape(n)}" for n in _note_lines(table)]
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
    if num in ("", _DASH, NA_TEXT):
        return {"": "", _DASH: "---", NA_TEXT: NA_TEXT}[num]
    if num.startswith("["):  # a CI "[a, b]"
        return "$" + num.replace(", ", ",\\ ") + "$"
    return "$" + num + (f"^{{{stars}}}" if stars else "") + "$"


def render_latex(table: pd.DataFrame) -> str:
    """Render Table 1 as a complete ``tabular`` (plain ``\\hline``; compiles with base LaTeX)."""
    with_boot = has_bootstrap(table)
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
    with_boot = has_bootstrap(table)
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
    text_cols = {"section": str, "term": str, "label": str, "ols_stars": str, "cox_stars": str,
                 **{c: str for c in _STATUS_COLS}}
    # float_precision="round_trip": pandas' default fast parser can be off by one ulp.
    df = pd.read_csv(path_or_buffer, dtype=text_cols, keep_default_na=False,
                     na_values={c: [""] for c in _all_numeric_columns()},
                     float_precision="round_trip")
    return _coerce_dtypes(df)


def _all_numeric_columns() -> list[str]:
    return [c for c in _columns(True)
            if c not in ("section", "term", "label", "ols_stars", "cox_stars")]
