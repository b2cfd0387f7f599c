"""Internal-consistency audit of a published Table 1, using only its printed numbers.

A printed number stands for every value that rounds to it: ``0.23`` (two decimals) is any value in
[0.225, 0.235], ``0.669`` any value in [0.6685, 0.6695]; integers that count things (``Obs``) are
exact. Each check asks whether *some* value in the rounding box of the printed inputs reproduces
the printed output, and every finding carries its arithmetic, so a reader can redo it by hand:

* **HR = exp(coef)** (Cox column): exp maps the coef. box onto an interval that must meet the HR box.
* **Stars vs coef./SE**: z = coef/SE over the box (normal for Cox; Student t with n − k − 1 df for
  OLS) gives a range of two-sided p-values, which must meet the p-range of the printed stars under
  the stated thresholds (p < .01 ``***``, < .05 ``**``, < .1 ``*``).
* **OLS F test**: F = (R²/k) / ((1 − R²)/(n − k − 1)) with k slopes, p = P(F(k, n − k − 1) > F),
  over the R² box, must meet the printed Prob > F box.
* **Sign agreement**: a positive OLS coef. (longer time to exit) should go with a negative Cox
  coef. (lower exit hazard), and vice versa.
* **PH test**: the printed global p is a probability, and whether it rejects proportional hazards.
* **Obs**: both models report the same number of counties.

The functions take the printed table *as text* (see :func:`load_printed_table`): the number of
decimals is part of the evidence, and ``0.20`` read as a float would lose it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import pandas as pd
from scipy import stats

from .errors import InputDataError
from .terms import CONST

#: Star thresholds as stated under the paper's table: the p-range each star string stands for.
STAR_P_RANGES: dict[str, tuple[float, float]] = {
    "***": (0.0, 0.01),
    "**": (0.01, 0.05),
    "*": (0.05, 0.10),
    "": (0.10, 1.0),
}
CONSISTENT = "consistent"
ROUNDING = "consistent only within rounding"
INCONSISTENT = "inconsistent"
NOT_CHECKABLE = "not checkable"
STATUSES = (CONSISTENT, ROUNDING, INCONSISTENT, NOT_CHECKABLE)

CHECKS = {
    "hr_exp_coef": "HR = exp(coef.) in the Cox column",
    "stars": "Stars against the p-value implied by coef./SE",
    "ols_f_test": "OLS Prob > F against R², n and k",
    "sign_agreement": "Sign agreement of the OLS and Cox columns",
    "ph_test": "Proportional-hazards test (global p)",
    "fit_other": "Other fit rows",
}


# --------------------------------------------------------------------------- printed numbers


@dataclass(frozen=True)
class Printed:
    """A number as printed, with the interval of values that round to it."""

    text: str
    value: float
    decimals: int
    exact: bool = False

    @property
    def half_width(self) -> float:
        return 0.0 if self.exact else 0.5 * 10.0 ** (-self.decimals)

    @property
    def lo(self) -> float:
        return self.value - self.half_width

    @property
    def hi(self) -> float:
        return self.value + self.half_width

    def box(self, digits: int | None = None) -> str:
        """``[lo, hi]`` written with one more decimal than printed (or ``digits``)."""
        d = self.decimals + 1 if digits is None else digits
        if self.exact:
            return f"{self.text} (exact)"
        return f"[{self.lo:.{d}f}, {self.hi:.{d}f}]"


def parse_printed(text: object, exact: bool = False) -> Printed | None:
    """Parse a printed number (``"-152.85"``, ``"0.20"``, ``"−0.06"``); empty gives ``None``.

    ``exact`` marks counts such as ``Obs`` whose printed value is not rounded.
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return None
    raw = str(text).strip()
    if not raw:
        return None
    clean = raw.replace("\u2212", "-").replace(",", "").lstrip("+")
    try:
        value = float(clean)
    except ValueError:
        raise InputDataError(f"printed value {raw!r} is not a number") from None
    decimals = len(clean.split(".", 1)[1]) if "." in clean else 0
    return Printed(raw, value, decimals, exact)


def load_printed_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV of printed numbers keeping every cell as text (``0.20`` stays ``"0.20"``)."""
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as err:
        raise InputDataError(f"{path}: cannot read the printed table ({err})") from None


# --------------------------------------------------------------------------- findings


@dataclass(frozen=True)
class Finding:
    """One audited cell or relation: what was printed, the arithmetic and the verdict."""

    check: str
    model: str
    term: str
    printed: str
    arithmetic: str
    status: str


def _fmt(x: float, digits: int = 4) -> str:
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    return f"{x:.{digits}f}"


def _p(x: float) -> str:
    """A p-value with enough digits to see which side of a threshold it falls."""
    if x == 0:
        return "0"
    if x < 1e-4:
        return f"{x:.2e}"
    return f"{x:.4f}"


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def _stars_label(stars: str) -> str:
    return stars if stars else "none"


def stars_for_p(p: float) -> str:
    """The stars of a p-value under :data:`STAR_P_RANGES` (strict upper bounds)."""
    for stars, (lo, hi) in STAR_P_RANGES.items():
        if stars and p < hi:
            return stars
    return ""


def check_hr(term: str, coef: Printed, hr: Printed) -> Finding:
    """Is some coef. in its rounding box such that exp(coef.) lies in the HR's box?"""
    e_lo, e_hi = math.exp(coef.lo), math.exp(coef.hi)
    ok = _overlap((e_lo, e_hi), (hr.lo, hr.hi))
    text = (f"coef. {coef.text} ∈ {coef.box()} → exp ∈ [{_fmt(e_lo)}, {_fmt(e_hi)}]; "
            f"HR {hr.text} ∈ {hr.box()}")
    if hr.lo > 0:
        text += f" ↔ ln(HR) ∈ [{_fmt(math.log(hr.lo))}, {_fmt(math.log(hr.hi))}]"
    text += "; the intervals " + ("overlap" if ok else "do not overlap")
    if not ok:
        text += f" (exp({coef.text}) = {_fmt(math.exp(coef.value))}, ≠ {hr.text})"
    return Finding("hr_exp_coef", "cox", term, f"coef. {coef.text}, HR {hr.text}", text,
                   CONSISTENT if ok else INCONSISTENT)


def _z_range(coef: Printed, se: Printed) -> tuple[float, float]:
    """Smallest and largest |coef|/SE over the rounding box (SE box clipped at 0)."""
    se_lo, se_hi = max(se.lo, 0.0), se.hi
    if coef.lo <= 0.0 <= coef.hi:
        z_min = 0.0
    else:
        z_min = min(abs(coef.lo), abs(coef.hi)) / se_hi
    big = max(abs(coef.lo), abs(coef.hi))
    z_max = math.inf if se_lo == 0 else big / se_lo
    return z_min, z_max


def check_stars(model: str, term: str, coef: Printed, se: Printed, stars: str,
                df_resid: int | None = None) -> Finding:
    """Do the printed stars fit the two-sided p of coef./SE anywhere in the rounding box?

    ``df_resid`` given: Student t with that many degrees of freedom (OLS); else normal (Cox).
    """
    stars = stars.strip()
    if stars not in STAR_P_RANGES:
        raise InputDataError(f"{model} {term}: stars {stars!r} are not one of ***, **, * or empty")
    printed = f"{coef.text} ({se.text}) {stars}".strip()
    if se.hi <= 0:
        return Finding("stars", model, term, printed,
                       f"SE {se.text} is not positive; no z can be formed", NOT_CHECKABLE)
    if df_resid is not None:
        dist, name = stats.t(df_resid), f"t({df_resid})"
    else:
        dist, name = stats.norm(), "N(0,1)"

    def pval(z: float) -> float:
        return 0.0 if math.isinf(z) else float(2.0 * dist.sf(z))

    z_point = abs(coef.value) / se.value if se.value > 0 else math.inf
    p_point = pval(z_point)
    z_min, z_max = _z_range(coef, se)
    p_lo, p_hi = pval(z_max), pval(z_min)
    need = STAR_P_RANGES[stars]
    point_stars = stars_for_p(p_point)
    if point_stars == stars:
        status = CONSISTENT
    elif p_lo < need[1] and p_hi >= need[0]:
        status = ROUNDING
    else:
        status = INCONSISTENT
    need_text = (f"printed {stars} needs {need[0]:g} ≤ p < {need[1]:g}" if stars
                 else "no stars printed needs p ≥ 0.1")
    text = (f"|z| = |{coef.text}|/{se.text} = {_fmt(z_point, 3)}, p = 2·P({name} > |z|) = "
            f"{_p(p_point)} → {_stars_label(point_stars)}; over the box coef. {coef.box()}, "
            f"SE {se.box()}: |z| ∈ [{_fmt(z_min, 3)}, {_fmt(z_max, 3)}], "
            f"p ∈ [{_p(p_lo)}, {_p(p_hi)}]; {need_text}")
    return Finding("stars", model, term, printed, text, status)


def f_test_pvalue(r2: float, n: int, k: int) -> tuple[float, float]:
    """(F, p) of the overall OLS F test from R², n observations and k slopes."""
    df2 = n - k - 1
    f = (r2 / k) / ((1.0 - r2) / df2)
    return f, float(stats.f.sf(f, k, df2))


def check_f_test(r2: Printed, n: Printed, k: int, prob_f: Printed) -> Finding:
    """Does some R² in its box give an F-test p within the printed Prob > F box?"""
    nn = int(round(n.value))
    df2 = nn - k - 1
    if df2 <= 0 or not 0 <= r2.value < 1:
        return Finding("ols_f_test", "ols", "prob_f", f"R² {r2.text}, n {n.text}, Prob > F "
                       f"{prob_f.text}", f"n − k − 1 = {df2} or R² = {r2.text} out of range",
                       NOT_CHECKABLE)
    f_point, p_point = f_test_pvalue(r2.value, nn, k)
    r_lo, r_hi = max(r2.lo, 0.0), min(r2.hi, 1.0 - 1e-12)
    f_lo, p_at_lo = f_test_pvalue(r_lo, nn, k)
    f_hi, p_at_hi = f_test_pvalue(r_hi, nn, k)
    ok_box = _overlap((p_at_hi, p_at_lo), (prob_f.lo, prob_f.hi))
    ok_point = prob_f.lo <= p_point <= prob_f.hi
    status = CONSISTENT if ok_point else (ROUNDING if ok_box else INCONSISTENT)
    text = (f"F = (R²/k)/((1 − R²)/(n − k − 1)) = ({r2.text}/{k})/((1 − {r2.text})/{df2}) = "
            f"{_fmt(f_point, 3)}, p = P(F({k}, {df2}) > F) = {_p(p_point)}; over R² ∈ {r2.box()}: "
            f"F ∈ [{_fmt(f_lo, 3)}, {_fmt(f_hi, 3)}], p ∈ [{_p(p_at_hi)}, {_p(p_at_lo)}]; printed "
            f"Prob > F {prob_f.text} ∈ {prob_f.box()}: the ranges "
            + ("overlap" if ok_box else "do not overlap"))
    return Finding("ols_f_test", "ols", "prob_f",
                   f"R² {r2.text}, n {n.text}, k {k}, Prob > F {prob_f.text}", text, status)


def _sign(p: Printed) -> int:
    """+1/-1 when the whole rounding box is on one side of 0, else 0 (sign undetermined)."""
    if p.lo > 0:
        return 1
    if p.hi < 0:
        return -1
    return 0


def check_sign(term: str, ols_coef: Printed, ols_stars: str, cox_coef: Printed, cox_stars: str
               ) -> Finding:
    """A longer duration (OLS > 0) should mean a lower exit hazard (Cox < 0), and vice versa."""
    so, sc = _sign(ols_coef), _sign(cox_coef)
    words = {1: "> 0", -1: "< 0", 0: "sign undetermined (box contains 0)"}
    ols_meaning = {1: "longer time to exit", -1: "shorter time to exit", 0: "no direction"}[so]
    cox_meaning = {1: "higher exit hazard, i.e. shorter time", -1: "lower exit hazard, i.e. "
                   "longer time", 0: "no direction"}[sc]
    text = (f"OLS {ols_coef.text}{ols_stars} {words[so]} ({ols_meaning}); Cox {cox_coef.text}"
            f"{cox_stars} {words[sc]} ({cox_meaning})")
    if so == 0 or sc == 0:
        status = NOT_CHECKABLE
        text += "; a coefficient that rounds to 0 carries no sign"
    elif so * sc < 0:
        status = CONSISTENT
        text += "; opposite signs: the two models agree on the direction"
    else:
        status = INCONSISTENT
        both = bool(ols_stars.strip()) and bool(cox_stars.strip())
        text += ("; same sign: the models contradict each other"
                 + (" and both coefficients are significant" if both else
                    " (not both significant, so sampling noise can explain it)"))
    return Finding("sign_agreement", "ols+cox", term,
                   f"OLS {ols_coef.text}{ols_stars}, Cox {cox_coef.text}{cox_stars}", text, status)


def check_ph(global_p: Printed, alpha: float = 0.05) -> Finding:
    """The global PH-test p is a probability; say whether it rejects proportional hazards."""
    if not (0.0 <= global_p.lo and global_p.hi <= 1.0 + 1e-12):
        return Finding("ph_test", "cox", "ph_test_global_p", global_p.text,
                       f"p = {global_p.text} ∈ {global_p.box()} is not within [0, 1]", INCONSISTENT)
    rejects = global_p.hi < alpha
    text = (f"global p = {global_p.text} ∈ {global_p.box()} ⊂ [0, 1]; "
            + (f"p < {alpha:g}: proportional hazards rejected, at odds with using the Cox model "
               f"without time-varying effects" if rejects else
               f"p ≥ {alpha:g}: proportional hazards not rejected, consistent with the paper "
               f"keeping the Cox model. Per-term p-values are not printed, so the global "
               f"statistic cannot be recomputed"))
    return Finding("ph_test", "cox", "ph_test_global_p", global_p.text, text,
                   INCONSISTENT if rejects else CONSISTENT)


# --------------------------------------------------------------------------- the whole table


def _index_coefs(coefs: pd.DataFrame) -> dict[tuple[str, str], dict[str, str]]:
    needed = ["model", "term", "coef", "std_err", "stars", "hazard_ratio"]
    missing = [c for c in needed if c not in coefs.columns]
    if missing:
        raise InputDataError(f"printed Table 1 lacks column(s) {missing}; expected {needed}")
    out: dict[tuple[str, str], dict[str, str]] = {}
    for rec in coefs.fillna("").astype(str).to_dict("records"):
        key = (rec["model"].strip(), rec["term"].strip())
        if key in out:
            raise InputDataError(f"printed Table 1 repeats model {key[0]} term {key[1]}")
        out[key] = rec
    return out


def _index_fit(fit: pd.DataFrame) -> dict[tuple[str, str], str]:
    needed = ["model", "statistic", "value"]
    missing = [c for c in needed if c not in fit.columns]
    if missing:
        raise InputDataError(f"printed fit rows lack column(s) {missing}; expected {needed}")
    return {(str(r["model"]).strip(), str(r["statistic"]).strip()): str(r["value"])
            for r in fit.fillna("").to_dict("records")}


def audit_table(coefs: pd.DataFrame, fit: pd.DataFrame, const: str = CONST) -> list[Finding]:
    """Run every check on a printed Table 1.

    Parameters
    ----------
    coefs
        Text columns ``model`` (``ols``/``cox``), ``term``, ``coef``, ``std_err``, ``stars``,
        ``hazard_ratio`` (Cox), as in ``data/paper/paper_table1.csv``.
    fit
        Text columns ``model``, ``statistic``, ``value``: ``prob_f``, ``r2``, ``n_obs`` (OLS);
        ``prob_chi2``, ``n_obs``, ``ph_test_global_p`` (Cox).
    const
        Name of the OLS intercept (not counted in k, not compared with Cox).
    """
    c = _index_coefs(coefs)
    f = _index_fit(fit)
    ols_terms = [t for (m, t) in c if m == "ols"]
    cox_terms = [t for (m, t) in c if m == "cox"]
    k = len([t for t in ols_terms if t != const])
    n_ols = parse_printed(f.get(("ols", "n_obs")), exact=True)
    n_cox = parse_printed(f.get(("cox", "n_obs")), exact=True)
    df_resid = int(round(n_ols.value)) - k - 1 if n_ols is not None else None
    findings: list[Finding] = []

    for term in cox_terms:
        row = c[("cox", term)]
        coef, hr = parse_printed(row["coef"]), parse_printed(row["hazard_ratio"])
        if coef is not None and hr is not None:
            findings.append(check_hr(term, coef, hr))

    for model, terms in (("ols", ols_terms), ("cox", cox_terms)):
        for term in terms:
            row = c[(model, term)]
            coef, se = parse_printed(row["coef"]), parse_printed(row["std_err"])
            if coef is None or se is None:
                continue
            if model == "ols" and df_resid is None:
                findings.append(Finding("stars", model, term, row["coef"],
                                        "OLS n_obs not printed: the t degrees of freedom are "
                                        "unknown", NOT_CHECKABLE))
                continue
            findings.append(check_stars(model, term, coef, se, row["stars"],
                                        df_resid if model == "ols" else None))

    r2, prob_f = parse_printed(f.get(("ols", "r2"))), parse_printed(f.get(("ols", "prob_f")))
    if r2 is not None and prob_f is not None and n_ols is not None and k > 0:
        findings.append(check_f_test(r2, n_ols, k, prob_f))

    for term in cox_terms:
        if ("ols", term) not in c:
            continue
        o, x = c[("ols", term)], c[("cox", term)]
        oc, xc = parse_printed(o["coef"]), parse_printed(x["coef"])
        if oc is not None and xc is not None:
            findings.append(check_sign(term, oc, o["stars"].strip(), xc, x["stars"].strip()))

    ph = parse_printed(f.get(("cox", "ph_test_global_p")))
    if ph is not None:
        findings.append(check_ph(ph))

    if n_ols is not None and n_cox is not None:
        same = n_ols.value == n_cox.value
        findings.append(Finding("fit_other", "ols+cox", "n_obs",
                                f"OLS {n_ols.text}, Cox {n_cox.text}",
                                f"Obs {n_ols.text} (OLS) {'=' if same else '≠'} {n_cox.text} "
                                "(Cox): " + ("both models use the same counties" if same else
                                             "the models use different samples"),
                                CONSISTENT if same else INCONSISTENT))
    chi2 = parse_printed(f.get(("cox", "prob_chi2")))
    if chi2 is not None:
        findings.append(Finding("fit_other", "cox", "prob_chi2", chi2.text,
                                f"Prob > Chi2 {chi2.text} ∈ {chi2.box()} ⊂ [0, 1]; the LR "
                                "statistic and log-likelihoods are not printed, so it cannot be "
                                "recomputed", NOT_CHECKABLE))
    return findings


def findings_frame(findings: Iterable[Finding]) -> pd.DataFrame:
    """The findings as a DataFrame (one row per finding)."""
    return pd.DataFrame([f.__dict__ for f in findings],
                        columns=["check", "model", "term", "printed", "arithmetic", "status"])


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("*", "\\*").replace("\n", " ")


def render_audit_markdown(findings: list[Finding], source: str = "the paper's Table 1") -> str:
    """Markdown report: a summary per check, then every finding with its arithmetic."""
    frame = findings_frame(findings)
    out = ["# Audit of the published Table 1", "",
           f"Source: {source}. Each printed number stands for the interval of values that round "
           "to it (±0.005 for two decimals, ±0.0005 for three; counts are exact). A finding is "
           f"*{CONSISTENT}* when the printed values themselves fit, *{ROUNDING}* when only some "
           f"values inside the rounding intervals fit, *{INCONSISTENT}* when no value in the "
           f"intervals fits, and *{NOT_CHECKABLE}* when the table does not print what the check "
           "needs. Stars: p < 0.01 `***`, p < 0.05 `**`, p < 0.1 `*` (two-sided); OLS p from "
           "Student t with n − k − 1 degrees of freedom, Cox p from the normal.", "",
           "## Summary", "",
           "| Check | " + " | ".join(s.capitalize() for s in STATUSES) + " |",
           "|:--|" + "--:|" * len(STATUSES)]
    for check, title in CHECKS.items():
        sub = frame[frame["check"] == check]
        if not len(sub):
            continue
        counts = [int((sub["status"] == s).sum()) for s in STATUSES]
        out.append(f"| {title} | " + " | ".join(str(n) for n in counts) + " |")
    out.append("")
    bad = frame[frame["status"] == INCONSISTENT]
    if len(bad):
        out += ["**Inconsistent:** " + "; ".join(
            f"{CHECKS[r.check]}: `{r.term}` ({r.model})" for r in bad.itertuples()) + ".", ""]
    for check, title in CHECKS.items():
        sub = frame[frame["check"] == check]
        if not len(sub):
            continue
        out += [f"## {title}", "", "| Model | Term | Printed | Arithmetic | Verdict |",
                "|:--|:--|:--|:--|:--|"]
        for r in sub.itertuples():
            verdict = f"**{r.status}**" if r.status == INCONSISTENT else r.status
            out.append(f"| {r.model} | `{r.term}` | {_md(r.printed)} | {_md(r.arithmetic)} "
                       f"| {verdict} |")
        out.append("")
    return "\n".join(out)
