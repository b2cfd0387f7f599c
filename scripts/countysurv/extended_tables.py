"""The extended table: the paper's two models beside the censoring-aware and time-varying ones.

Table 1 stays as the paper printed it (:mod:`countysurv.tables`); this table adds three column
groups: the Cox model with province-clustered SEs, a Weibull AFT model and a Cox model with
time-varying (lagged yearly) covariates. :func:`build_extended_table` makes one tidy,
full-precision DataFrame (``results/tables/table_extended.csv``); the renderers print it with two
decimals as Markdown, LaTeX (base LaTeX only) and HTML.

CSV shape: one row per displayed row. ``section`` (``independent``, ``control``, ``constant``,
``fit``), ``term``, ``label``; per model m in :data:`MODELS`: ``m_coef``, ``m_se``, ``m_p``,
``m_stars`` and ``m_ratio`` (HR for the Cox models, time ratio for the AFT, empty for OLS) on
coefficient rows, ``m_value`` on fit rows. As in Table 1 (:mod:`countysurv.tables`), a paper's
term not in config ``models.terms`` is a row with ``status`` ``not estimated`` (the column is
present only then), printed ``n/a``, and an extra term has a row only when configured.
"""

from __future__ import annotations

import html
import io as _stdio
import math
from typing import Any, Mapping, Sequence

import pandas as pd

from .errors import InputDataError
from .tables import (ESTIMATED, NA_TEXT, NOT_ESTIMATED, format_number, is_not_estimated,
                     latex_escape, sectioned_rows, significance_stars)
from .terms import CONST, MODEL_TERMS, TABLE_LABELS, TABLE_SECTIONS, check_terms, table_terms

#: Models in column order: (key, header, ratio label).
MODELS: tuple[tuple[str, str, str], ...] = (
    ("ols", "OLS (paper)", ""),
    ("cox", "Cox (paper)", "HR"),
    ("cox_clustered", "Cox, clustered SE", "HR"),
    ("weibull_aft", "Weibull AFT", "TR"),
    ("cox_time_varying", "Time-varying Cox", "HR"),
)
MODEL_KEYS = tuple(m for m, _, _ in MODELS)
TITLE = "Table 2: Table 1's models beside censoring-aware and time-varying duration models."

FIT_ROWS: tuple[tuple[str, str, int], ...] = (
    ("prob_f_chi2", "Prob > F/Chi2", 3),
    ("log_likelihood", "Log-likelihood", 2),
    ("shape", "Weibull shape", 2),
    ("n_obs", "Obs (counties)", 0),
    ("n_events", "Events", 0),
    ("n_intervals", "County-year intervals", 0),
    ("n_clusters", "Clusters (provinces)", 0),
)
_DASH = "—"
#: Width of the notes below the LaTeX table (wrapped paragraphs; the numeric part is ~7in wide).
NOTE_WIDTH = "6.5in"


def _num(x: Any) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return math.nan
    return v


def _fit_value(model: str, res: Mapping[str, Any], key: str) -> float:
    if key == "prob_f_chi2":
        if model == "ols":
            return _num(res.get("f_pvalue"))
        if model == "cox_clustered":
            return _num(res.get("wald_pvalue"))
        return _num(res.get("lr_pvalue"))
    if key == "shape":
        return _num(res.get("shape")) if model == "weibull_aft" else math.nan
    if key == "n_intervals":
        return _num(res.get("n_intervals"))
    if key == "n_clusters":
        return _num(res.get("n_clusters"))
    return _num(res.get(key))


def build_extended_table(results: Mapping[str, Mapping[str, Any]],
                         terms: Sequence[str] = MODEL_TERMS) -> pd.DataFrame:
    """Tidy extended table from the model dicts keyed as :data:`MODEL_KEYS`, of a model on
    ``terms`` (config ``models.terms``; every fit must be of these terms).

    ``results["ols"]`` and ``["cox"]`` are ``ols.json``/``cox.json``; the others
    ``cox_clustered.json``, ``weibull_aft.json`` and ``cox_time_varying.json``. The AFT's
    intercept goes in the ``const`` row beside the OLS constant.
    """
    missing = [m for m in MODEL_KEYS if m not in results]
    if missing:
        raise InputDataError(f"extended table: missing model result(s) {missing}")
    for m in MODEL_KEYS:
        lacking = [k for k in ("coef", "se", "p", "n_obs") if k not in results[m]]
        if lacking:
            raise InputDataError(f"extended table: {m} result lacks {lacking}")
        fitted = results[m].get("terms")
        if fitted is not None and list(fitted) != list(terms):
            raise InputDataError(f"extended table: {m} was fitted on terms {', '.join(fitted)}, "
                                 f"but config models.terms is {', '.join(terms)}; rerun it")
    terms = check_terms(terms)
    missing = [t for t in table_terms(terms) if t != CONST and t not in terms]
    rows: list[dict[str, Any]] = []
    for term in table_terms(terms):
        row: dict[str, Any] = {"section": TABLE_SECTIONS[term], "term": term,
                               "label": TABLE_LABELS[term]}
        if missing:
            row["status"] = NOT_ESTIMATED if term in missing else ESTIMATED
        for m, _, ratio in MODELS:
            res = results[m]
            coef = _num(res["coef"].get(term)) if term not in missing else math.nan
            p = _num(res["p"].get(term)) if term not in missing else math.nan
            row[f"{m}_coef"] = coef
            row[f"{m}_se"] = _num(res["se"].get(term)) if term not in missing else math.nan
            row[f"{m}_p"] = p
            row[f"{m}_stars"] = significance_stars(p) if math.isfinite(p) else ""
            row[f"{m}_ratio"] = (math.exp(coef) if ratio and term != CONST
                                 and math.isfinite(coef) else math.nan)
        rows.append(row)
    for key, label, _ in FIT_ROWS:
        row = {"section": "fit", "term": key, "label": label}
        for m in MODEL_KEYS:
            row[f"{m}_value"] = _fit_value(m, results[m], key)
        rows.append(row)
    cols = ["section", "term", "label"] + (["status"] if missing else [])
    for m in MODEL_KEYS:
        cols += [f"{m}_{c}" for c in ("coef", "se", "p", "stars", "ratio")]
    cols += [f"{m}_value" for m in MODEL_KEYS]
    table = pd.DataFrame(rows, columns=cols)
    for c in table.columns:
        if c in ("section", "term", "label", "status") or c.endswith("_stars"):
            table[c] = table[c].fillna("").astype(str)
        else:
            table[c] = table[c].astype("float64")
    table.attrs["notes"] = _notes(results) + (
        [f"{NA_TEXT}: not estimated (not in config models.terms): "
         + ", ".join(TABLE_LABELS[t] for t in missing)
         + "; Table 1's notes say what each needs."] if missing else [])
    return table


def _notes(results: Mapping[str, Mapping[str, Any]]) -> list[str]:
    cl, tv, aft = results["cox_clustered"], results["cox_time_varying"], results["weibull_aft"]
    notes = [
        "Significance: p < 0.01 ***, p < 0.05 **, p < 0.1 * (two-sided; stars on Coef.).",
        "OLS and Cox as in Table 1 (OLS regresses days to exit or censoring, censored counties "
        "included as if they had exited; Cox coefficients are log hazard ratios of exit).",
        f"Cox, clustered SE: same coefficients, robust sandwich SEs clustered by "
        f"{cl.get('cluster_col', 'province')} ({cl.get('n_clusters', '?')} clusters, no "
        f"small-sample factor, as R coxph(cluster=)); Prob > Chi2 is the robust Wald test.",
        "Weibull AFT: log T = const + x'b + sigma W, censoring in the likelihood; Coef. on the "
        "log-time scale (negative = faster exit), TR = exp(Coef.) is the time ratio; implied "
        f"log hazard ratio = -Coef. x shape (shape {format_number(aft.get('shape'))}).",
        "Time-varying Cox: one interval per county and calendar year at risk, covariates of "
        f"bulletin year Y - {tv.get('lag_years', 1)} in year Y; Efron ties; "
        f"{int(_num(tv.get('n_intervals')) or 0)} intervals.",
    ]
    return notes


# --------------------------------------------------------------------------- rendering


def _coef_cells(row: Mapping[str, Any]) -> list[tuple[str, str]]:
    if is_not_estimated(row):
        return [(NA_TEXT, "")] * len(_columns()[1])
    out = []
    for m, _, ratio in MODELS:
        absent = not math.isfinite(_num(row[f"{m}_coef"]))
        out.append((_DASH if absent else format_number(row[f"{m}_coef"]),
                    "" if absent else row[f"{m}_stars"]))
        out.append((_DASH if absent else format_number(row[f"{m}_se"]), ""))
        if ratio:
            no_ratio = absent or not math.isfinite(_num(row[f"{m}_ratio"]))
            out.append((_DASH if no_ratio else format_number(row[f"{m}_ratio"]), ""))
    return out


def _fit_cells(row: Mapping[str, Any]) -> list[str]:
    dec = {k: d for k, _, d in FIT_ROWS}[row["term"]]
    out = []
    for m, _, ratio in MODELS:
        v = row[f"{m}_value"]
        out += [format_number(v, dec)] + [""] * (2 if ratio else 1)
    return out


def _columns() -> tuple[list[tuple[str, int]], list[str]]:
    groups, cols = [], []
    for _, header, ratio in MODELS:
        sub = ["Coef.", "Std.Err"] + ([ratio] if ratio else [])
        groups.append((header, len(sub)))
        cols += sub
    return groups, cols


def render_markdown(table: pd.DataFrame) -> str:
    """GitHub pipe table, model groups in the header cells, notes below."""
    groups, cols = _columns()
    head, pos = [""], 0
    for header, n in groups:
        head += [f"{header} {c}" for c in cols[pos:pos + n]]
        pos += n
    esc = _md_escape
    lines = [f"**{esc(TITLE)}**", "", "| " + " | ".join(esc(h) for h in head) + " |",
             "|:--" + "|--:" * (len(head) - 1) + "|"]
    for heading, row in sectioned_rows(table):
        if heading:
            lines.append(f"| *{esc(heading)}* " + "| " * (len(head) - 1) + "|")
        lines.append("| " + " | ".join([esc(row["label"])] + [esc(n) + esc(s) for n, s in
                                                             _coef_cells(row)]) + " |")
    for row in table[table["section"] == "fit"].to_dict("records"):
        lines.append("| " + " | ".join([esc(row["label"])] + _fit_cells(row)) + " |")
    lines.append("")
    lines += [f"- {esc(n)}" for n in table.attrs.get("notes", [])]
    return "\n".join(lines) + "\n"


def _md_escape(text: str) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*")


def _latex_num(num: str, stars: str = "") -> str:
    if num == _DASH:
        return "---"
    if num == NA_TEXT:
        return NA_TEXT
    if not num:
        return ""
    return "$" + num + (f"^{{{stars}}}" if stars else "") + "$"


def render_latex(table: pd.DataFrame) -> str:
    """A complete ``tabular`` (base LaTeX: ``\\hline``, ``\\multicolumn``)."""
    groups, cols = _columns()
    ncol = 1 + len(cols)
    out = [f"% {latex_escape(TITLE)}", "\\begin{tabular}{l" + "r" * len(cols) + "}", "\\hline",
           " & " + " & ".join(f"\\multicolumn{{{n}}}{{c}}{{{latex_escape(h)}}}"
                              for h, n in groups) + " \\\\",
           " & " + " & ".join(latex_escape(c) for c in cols) + " \\\\", "\\hline"]
    for heading, row in sectioned_rows(table):
        if heading:
            out.append(f"\\multicolumn{{{ncol}}}{{l}}{{\\textit{{{latex_escape(heading)}}}}} \\\\")
        out.append(" & ".join([latex_escape(row["label"])]
                              + [_latex_num(n, s) for n, s in _coef_cells(row)]) + " \\\\")
    out.append("\\hline")
    for row in table[table["section"] == "fit"].to_dict("records"):
        out.append(" & ".join([latex_escape(row["label"])]
                              + [_latex_num(c) for c in _fit_cells(row)]) + " \\\\")
    out.append("\\hline")
    for note in table.attrs.get("notes", []):
        out.append(f"\\multicolumn{{{ncol}}}{{p{{{NOTE_WIDTH}}}}}{{\\footnotesize "
                   f"{latex_escape(note)}}} \\\\")
    out.append("\\end{tabular}")
    return "\n".join(out) + "\n"


def render_html(table: pd.DataFrame) -> str:
    """Self-contained ``<table>`` with a caption; all text escaped."""
    esc = html.escape
    groups, cols = _columns()
    ncol = 1 + len(cols)
    td = 'style="text-align:right;padding:0 0.6em"'
    out = ['<table class="table-extended" style="border-collapse:collapse">',
           f"<caption>{esc(TITLE)}</caption>",
           '<thead style="border-top:2px solid;border-bottom:1px solid">',
           "<tr><th></th>" + "".join(f'<th colspan="{n}">{esc(h)}</th>' for h, n in groups)
           + "</tr>",
           "<tr><th></th>" + "".join(f"<th {td}>{esc(c)}</th>" for c in cols) + "</tr>",
           "</thead>", "<tbody>"]
    for heading, row in sectioned_rows(table):
        if heading:
            out.append(f'<tr><th colspan="{ncol}" style="text-align:left">'
                       f"<em>{esc(heading)}</em></th></tr>")
        cells = "".join(f"<td {td}>{esc(n + s)}</td>" for n, s in _coef_cells(row))
        out.append(f'<tr><th scope="row" style="text-align:left;font-weight:normal">'
                   f"{esc(row['label'])}</th>{cells}</tr>")
    out.append("</tbody>")
    out.append('<tbody style="border-top:1px solid;border-bottom:2px solid">')
    for row in table[table["section"] == "fit"].to_dict("records"):
        cells = "".join(f"<td {td}>{esc(c)}</td>" for c in _fit_cells(row))
        out.append(f'<tr><th scope="row" style="text-align:left;font-weight:normal">'
                   f"{esc(row['label'])}</th>{cells}</tr>")
    out.append("</tbody>")
    notes = "".join(f"<li>{esc(n)}</li>" for n in table.attrs.get("notes", []))
    out.append(f'<tfoot><tr><td colspan="{ncol}"><ul style="font-size:smaller">{notes}</ul>'
               "</td></tr></tfoot>")
    out.append("</table>")
    return "\n".join(out) + "\n"


def table_to_csv(table: pd.DataFrame) -> str:
    """CSV text with shortest round-trip floats."""
    buf = _stdio.StringIO()
    table.to_csv(buf, index=False, lineterminator="\n", float_format=None)
    return buf.getvalue()
