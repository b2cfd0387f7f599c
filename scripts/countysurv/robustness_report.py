"""The robustness table in words and in Markdown (``results/tables/robustness.md``).

:func:`describe_agreement` turns the long table of
:func:`countysurv.robustness.build_robustness_table` into plain-language sentences computed from
its numbers: where our signs and stars agree with the paper's Table 1 and where they contradict
it, which terms keep their significance under every variance and which do not, and what the
proportional-hazards test says under each time transform. :func:`render_markdown` renders the
table wide (one row per term, one column per variance) with those sentences and footnotes.
"""

from __future__ import annotations

import math
import re
from typing import Any, Mapping, Sequence

import pandas as pd

from .robustness import (
    CONST,
    ESTIMATED,
    GLOBAL,
    METHODS,
    MODEL_NAMES,
    NOT_ESTIMATED,
    PAPER_METHOD,
    PH_TRANSFORMS,
    label_of,
    sign_of,
)
from .tables import is_finite

_MINUS = "\u2212"






def _signword(x: float) -> str:
    return "+" if x > 0 else (_MINUS if x < 0 else "0")


def _stars_word(stars: str) -> str:
    return stars if stars else "none"


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _coef(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["section"] == "coefficient"]


def describe_agreement(table: pd.DataFrame) -> list[str]:
    """Plain-language sentences, computed from ``table``, on agreement with the paper.

    Per model: how many terms have the paper's sign and which do not ("nation: the paper's OLS
    sign is +, ours is −"); how the stars under the paper's variance compare with the paper's;
    which terms are significant (p < .1) under some variances but not others; then the PH test
    under each transform beside the paper's global p, and the terms not estimated.
    """
    coef = _coef(table)
    sentences: list[str] = []
    estimated_terms = set(coef.loc[coef["status"] == ESTIMATED, "term"]) - {CONST}
    paper_terms = set(coef.loc[coef["paper_estimate"].notna(), "term"]) - {CONST}
    if paper_terms and estimated_terms and estimated_terms != paper_terms:
        sentences.append(
            "The paper's models have the terms " + _join(sorted(paper_terms)) + "; the models "
            "here have " + _join(sorted(estimated_terms)) + ", so each coefficient is "
            "conditional on other covariates than the paper's.")
    for model, name in MODEL_NAMES.items():
        ref = coef[(coef["model"] == model) & (coef["method"] == PAPER_METHOD[model])
                   & (coef["status"] == ESTIMATED)]
        compared = ref[ref["paper_estimate"].notna()]
        if compared.empty:
            sentences.append(f"{name}: no term can be set beside the paper's.")
        else:
            differ = compared[compared["sign_differs"].fillna(False).astype(bool)]
            text = (f"{name}: {len(compared) - len(differ)} of {len(compared)} terms have the "
                    "paper's sign")
            if len(differ):
                text += "; contrary to the paper, " + "; ".join(
                    f"{r.term}: the paper's {name} sign is {_signword(r.paper_estimate)}, "
                    f"ours is {_signword(r.estimate)}" for r in differ.itertuples())
            sentences.append(text + ".")
            same = compared[compared["star_change"] == "same"]
            changed = compared[compared["star_change"] != "same"]
            text = (f"With {_method_name(model, PAPER_METHOD[model])} SEs, as the paper, the "
                    f"stars of {len(same)} of {len(compared)} {name} terms match the paper's")
            if len(changed):
                text += "; they differ for " + "; ".join(
                    f"{r.term} (paper {_stars_word(r.paper_stars)}, ours "
                    f"{_stars_word(r.stars)})" for r in changed.itertuples())
            sentences.append(text + ".")
        fragile, steady = [], []
        for term, grp in coef[(coef["model"] == model) & (coef["status"] == ESTIMATED)
                              & (coef["term"] != CONST)].groupby("term", sort=False):
            sig = [r.method for r in grp.itertuples() if r.stars]
            if sig and len(sig) < len(grp):
                fragile.append(f"{term} (stars under {_join([_method_name(model, m) for m in sig])}"
                               f" only)")
            elif sig:
                steady.append(term)
        if steady:
            sentences.append(f"{name}: significant at 10% under every variance computed: "
                             f"{_join(steady)}.")
        if fragile:
            sentences.append(f"{name}: significance depends on the variance for "
                             f"{'; '.join(fragile)}.")
        signs = coef[(coef["model"] == model) & (coef["status"] == ESTIMATED)]
        flips = [t for t, g in signs.groupby("term", sort=False)
                 if len({sign_of(v) for v in g["estimate"]} - {0}) > 1]
        if flips:
            sentences.append(f"{name}: the sign changes between ties methods for {_join(flips)}.")
    sentences += _describe_ph(table)
    missing = coef[(coef["status"] == NOT_ESTIMATED)
                   & (coef["method"] == coef["model"].map(PAPER_METHOD))]
    by_term = missing.drop_duplicates("term")
    if len(by_term):
        sentences.append("Not estimated: " + "; ".join(
            f"{r.term} ({r.reason})" for r in by_term.itertuples()) + ".")
    return sentences


def _describe_ph(table: pd.DataFrame) -> list[str]:
    ph = table[(table["section"] == "ph_test") & (table["status"] == ESTIMATED)]
    glob = ph[ph["term"] == GLOBAL]
    if glob.empty:
        return []
    parts = ", ".join(f"{r.method} {_p(r.p)}" for r in glob.itertuples())
    rejected = [r.method for r in glob.itertuples() if r.p < 0.05]
    text = f"PH test, global p: {parts}; "
    if rejected:
        text += ("proportional hazards rejected at 5% under " + _join(rejected)
                 + (" (not under " + _join([m for m in glob["method"] if m not in rejected])
                    + ")" if len(rejected) < len(glob) else ""))
    else:
        text += "not rejected at 5% under any transform"
    paper_p = glob["paper_p"].dropna()
    if len(paper_p):
        pp = float(paper_p.iloc[0])
        text += (f"; the paper reports global p = {pp:g} ("
                 + ("not rejected" if pp >= 0.05 else "rejected") + ")")
        if rejected and pp >= 0.05:
            text += ", which these data contradict under " + _join(rejected)
    sentences = [text + "."]
    terms = ph[(ph["term"] != GLOBAL) & (ph["p"] < 0.05)]
    if len(terms):
        sentences.append("Terms whose PH test has p < 0.05: " + "; ".join(
            f"{term} ({_join(list(g['method']))})"
            for term, g in terms.groupby("term", sort=False)) + ".")
    return sentences


# ----------------------------------------------------------------------------------------------
# Markdown
# ----------------------------------------------------------------------------------------------


_METHOD_NAMES: dict[tuple[str, str], str] = {
    ("ols", "classical"): "classical",
    ("ols", "hc1"): "HC1",
    ("ols", "cluster"): "clustered",
    ("ols", "bootstrap"): "bootstrap",
    ("cox", "efron"): "model-based (Efron)",
    ("cox", "breslow"): "Breslow",
    ("cox", "cluster"): "clustered",
    ("cox", "bootstrap"): "bootstrap",
}


def _method_name(model: str, method: str) -> str:
    return _METHOD_NAMES.get((model, method), method)


def _num(x: Any) -> str:
    """A coefficient or SE for display: 1 decimal from 100, 2 from 1, else 3 significant."""
    if not is_finite(x):
        return ""
    x = float(x)
    if abs(x) >= 100:
        text = f"{x:,.1f}"
    elif abs(x) >= 1:
        text = f"{x:.2f}"
    elif x == 0:
        text = "0"
    else:
        text = f"{x:.{max(2, 2 - math.floor(math.log10(abs(x))))}f}"
    return text.replace("-", _MINUS)


def _p(p: Any) -> str:
    if not is_finite(p):
        return ""
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _se_cell(row: Mapping[str, Any], with_ci: bool = False) -> str:
    if row["status"] != ESTIMATED:
        return "n/a"
    cell = f"{_num(row['se'])} ({_p(row['p'])}){' ' + row['stars'] if row['stars'] else ''}"
    if with_ci and is_finite(row["ci_lower"]):
        cell += f" [{_num(row['ci_lower'])}, {_num(row['ci_upper'])}]"
    return cell


def _paper_cell(row: Mapping[str, Any] | None) -> str:
    """The paper's coefficient as it prints it (two decimals), signed, with its stars."""
    if row is None or not is_finite(row["paper_estimate"]):
        return "—"
    value = f"{float(row['paper_estimate']):+.2f}".replace("-", _MINUS)
    return f"{value} {row['paper_stars']}".strip()


_CHANGE_WORDS = {"appears": "appear", "disappears": "disappear", "more": "more",
                 "fewer": "fewer"}


def _flags(rows: Mapping[str, Mapping[str, Any]], model: str) -> str:
    """"sign differs" (under the paper's variance) and how the stars differ, by variance."""
    flags = []
    ref = rows.get(PAPER_METHOD[model])
    if ref is not None and ref["sign_differs"] is True:
        flags.append("sign differs")
    by_change: dict[str, list[str]] = {}
    compared = [m for m in METHODS[model]
                if rows.get(m) is not None and rows[m]["star_change"] != ""]
    for method in compared:
        change = rows[method]["star_change"]
        if change != "same":
            by_change.setdefault(change, []).append(_method_name(model, method))
    for change, methods in by_change.items():
        where = "all variances" if len(methods) == len(compared) else ", ".join(methods)
        flags.append(f"stars {_CHANGE_WORDS[change]} ({where})")
    return "; ".join(flags)


def _model_section(table: pd.DataFrame, model: str, notes: list[str]) -> list[str]:
    coef = _coef(table)
    coef = coef[coef["model"] == model]
    name = MODEL_NAMES[model]
    header = ["Term", "Coef."]
    if model == "cox":
        header += ["Efron SE (p)", "Breslow coef.", "Breslow SE (p)"]
    else:
        header += ["Classical SE (p)", "HC1 SE (p)"]
    cluster_name = _cluster_name(coef)
    header += [f"Clustered by {cluster_name} SE (p)", "Bootstrap SE (p) [95% CI]",
               "Paper", "Flags"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for term, grp in coef.groupby("term", sort=False):
        rows = {r["method"]: r for r in grp.to_dict("records")}
        ref = rows[PAPER_METHOD[model]]
        label = _md(ref["label"])
        if all(r["status"] == NOT_ESTIMATED for r in rows.values()):
            notes.append(f"{name}, {ref['label']}: not estimated: {ref['reason']}.")
            cells = [f"{label} (n/a{_sup(len(notes))})"] + ["n/a"] * (len(header) - 3)
            cells += [_paper_cell(ref), ""]
            lines.append("| " + " | ".join(cells) + " |")
            continue
        cells = [label, _num(ref["estimate"])]
        if model == "cox":
            b = rows["breslow"]
            cells += [_se_cell(ref), _num(b["estimate"]), _se_cell(b)]
        else:
            cells += [_se_cell(rows["classical"]), _se_cell(rows["hc1"])]
        for method in ("cluster", "bootstrap"):
            r = rows[method]
            cell = _se_cell(r, with_ci=method == "bootstrap")
            if r["status"] == NOT_ESTIMATED:
                note = f"{name} {_method_name(model, method)}: {r['reason']}."
                if note not in notes:
                    notes.append(note)
                cell += _sup(notes.index(note) + 1)
            cells.append(cell)
        cells += [_paper_cell(ref), _flags(rows, model)]
        lines.append("| " + " | ".join(_md(c) for c in cells) + " |")
    return lines


def _sup(i: int) -> str:
    return f"<sup>{i}</sup>"


def _cluster_name(coef: pd.DataFrame) -> str:
    """The cluster variable, as the clustered rows' notes name it ("clustered by province")."""
    notes = coef.loc[(coef["method"] == "cluster") & (coef["status"] == ESTIMATED), "note"]
    for note in notes:
        found = re.search(r"clustered by (\w+)", note)
        if found:
            return found.group(1)
    return "cluster"


def _ph_section(table: pd.DataFrame) -> list[str]:
    ph = table[table["section"] == "ph_test"]
    header = ["Term", *(f"{t}" for t in PH_TRANSFORMS)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for term, grp in ph.groupby("term", sort=False):
        rows = {r["method"]: r for r in grp.to_dict("records")}
        label = "Global" if term == GLOBAL else label_of(term)
        cells = [label]
        for t in PH_TRANSFORMS:
            r = rows.get(t)
            if r is None or r["status"] != ESTIMATED:
                cells.append("n/a")
            else:
                cells.append(f"{_p(r['p'])} (χ² {r['statistic']:.2f}, df {int(r['df'])})")
        lines.append("| " + " | ".join(_md(c) for c in cells) + " |")
    return lines


def render_markdown(table: pd.DataFrame) -> str:
    """The robustness table in Markdown: one row per term, one column per variance.

    Sections: OLS, Cox and the PH test, each a wide table; footnotes for what was not estimated
    and how each variance is computed; then the sentences of :func:`describe_agreement`.
    """
    coef = _coef(table)
    est = coef[coef["status"] == ESTIMATED]
    n_obs = est["n_obs"].dropna()
    n_events = est["n_events"].dropna()
    n_clusters = est["n_clusters"].dropna()
    facts = []
    if len(n_obs):
        facts.append(f"{int(n_obs.iloc[0])} counties")
    if len(n_events):
        facts.append(f"{int(n_events.iloc[0])} exits")
    if len(n_clusters):
        facts.append(f"{int(n_clusters.iloc[0])} clusters ({_cluster_name(coef)})")
    notes: list[str] = []
    out = ["# Robustness of Table 1", ""]
    out += [("Each cell: standard error (p) and stars (p < .01 `***`, < .05 `**`, < .1 `*`). "
             "Data: " + ", ".join(facts) + ". Machine-readable: `robustness.csv` (same folder)."
             if facts else "No model could be estimated."), ""]
    out += ["## OLS: days to exit", ""] + _model_section(table, "ols", notes) + [""]
    out += ["## Cox: hazard of exit (log hazard ratios)", ""]
    out += _model_section(table, "cox", notes) + [""]
    out += ["## Proportional-hazards test: p (χ², df) by time transform", "",
            "Score test of `x·g(t)` at the Efron fit (R's `cox.zph`), per term and global."]
    paper_p = table.loc[table["paper_p"].notna(), "paper_p"]
    if len(paper_p):
        out[-1] += f" The paper reports global p = {float(paper_p.iloc[0]):g}."
    out += [""] + _ph_section(table) + [""]
    out += ["## What the numbers say", "", " ".join(describe_agreement(table)), ""]
    out += ["## Notes", ""]
    out += [f"{i}. {_md(n)}" for i, n in enumerate(notes, start=1)]
    out += [
        "- Classical: σ²(X'X)⁻¹, t(n−k). HC1: White's sandwich × n/(n−k), t(n−k). Clustered "
        "(OLS): CR1, sandwich × G/(G−1)·(n−1)/(n−k), t(G−1). Bootstrap: SE of the replicate "
        "estimates, p from z = coef / SE, percentile 95% CI.",
        "- Cox: Efron and Breslow ties, SE from the inverse information, normal z; clustered: "
        "robust sandwich of the Efron score residuals summed by cluster, no small-sample "
        "factor.",
        "- Paper: the coefficient and stars printed in its Table 1. Flags compare our sign with "
        "the paper's (under the paper's variance) and our stars under each variance with the "
        "paper's.",
        "",
    ]
    return "\n".join(out)
