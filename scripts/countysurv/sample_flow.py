"""The sample flow of the real study: from the 832 poverty counties to the counties in the models.

Each county of the 832 list passes four steps in order, and the first step it fails is the one
it is listed under, with its reason (one reason per county):

1. ``in_panel``: the import of the county panel produced a bulletin file for it;
2. ``indicators``: every covariate the model terms need has a value in the baseline year or
   within the fallback window (``results/analysis/covariates.csv``; ``nation`` comes from the
   county reference, not the panel);
3. ``dated``: it is in the county reference with an exit date (``counties.csv`` of
   :mod:`countysurv.real_counties`; under the ``exclude`` rule the undated counties are not in
   it, and the dates file gives the reason);
4. ``in_models``: it is in the survival dataset with every model term present, so both models
   use it.

At every step ``counties_in = kept + excluded``, and the kept counties of a step are the
counties in of the next. Inputs are plain frames and a list of codes, so the function does not
depend on how the import or the survival rule store them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd

from .errors import InputDataError
from .indices import COVARIATES, REFERENCE_TERMS
from .real_counties import IMPUTED
from .reference import PROVINCE_CODES

#: The panel indicators each covariate is computed from (the table of countysurv.indices),
#: named in the reason of a county that lacks the covariate.
COVARIATE_INPUTS = {term: cov.needs() for term, cov in COVARIATES.items()}

STEPS = ("in_panel", "indicators", "dated", "in_models")

#: Columns of ``sample_excluded.csv``.
EXCLUDED_COLUMNS = ("county_code", "name", "province", "step", "reason")


@dataclass(frozen=True)
class SampleFlow:
    """The result of :func:`build_sample_flow`.

    ``steps``: one row per step (``step``, ``label``, ``counties_in``, ``kept``, ``excluded``).
    ``excluded``: every county left out, with the step and reason (:data:`EXCLUDED_COLUMNS`).
    ``provinces``: per province, the counties left after each step and the exits by the censor
    date among those in the models. ``fallbacks``: per needed covariate, how many counties
    kept at the indicators step use a year other than the baseline year. ``imputed``: counties
    kept at the dated step whose date is imputed. ``events``: exits among those in the models.
    """

    steps: pd.DataFrame
    excluded: pd.DataFrame
    provinces: pd.DataFrame
    fallbacks: dict[str, int]
    imputed: int
    events: int
    terms: tuple[str, ...]


def read_codes_csv(path: str | Path, columns: Sequence[str]) -> pd.DataFrame:
    """Read a CSV of the study with ``county_code`` kept as text, checking ``columns``.

    Raises :class:`InputDataError` naming the file when it cannot be read or lacks a column.
    """
    try:
        df = pd.read_csv(path, dtype={"county_code": str}, keep_default_na=True,
                         encoding="utf-8-sig")
    except (OSError, ValueError) as err:
        raise InputDataError(f"{path}: cannot read ({err})") from None
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputDataError(f"{path}: missing column(s) {', '.join(missing)}")
    return df


def codes_of_files(paths: Iterable[str | Path]) -> list[str]:
    """The county codes of bulletin files named ``<county_code>.csv`` (as the import writes)."""
    codes = [Path(p).stem for p in paths]
    bad = [str(p) for p, c in zip(paths, codes) if not (len(c) == 6 and c.isdigit())]
    if bad:
        raise InputDataError(f"{bad[0]}: a bulletin file of the import is not named "
                             "<6-digit county code>.csv")
    return codes


def needed_covariates(terms: Sequence[str], covariate_columns: Iterable[str],
                      source: str = "covariates.csv") -> list[str]:
    """The covariates of ``covariates.csv`` that the model ``terms`` need, in term order.

    Terms of :data:`REFERENCE_TERMS` come from the county reference. Raises
    :class:`InputDataError` naming ``source`` for a term that is neither.
    """
    columns = set(covariate_columns)
    needed = [t for t in terms if t not in REFERENCE_TERMS]
    unknown = [t for t in needed if t not in columns]
    if unknown:
        known = sorted(c for c in columns if f"{c}_year" in columns)
        raise InputDataError(f"{source}: no column for model term(s) {', '.join(unknown)}; its "
                             f"covariates are {', '.join(known)}")
    return needed


def _codes(values: Iterable[object]) -> list[str]:
    return [str(v) for v in values]


def _missing_reason(row: pd.Series, needed: Sequence[str], baseline_year: int,
                    fallback_window: int) -> str:
    missing = [c for c in needed if pd.isna(row[c])]
    parts = [f"{c} (from {COVARIATE_INPUTS[c]})" if c in COVARIATE_INPUTS else c
             for c in missing]
    window = (f" or within {fallback_window} year(s) of it" if fallback_window else "")
    return f"no value in {baseline_year}{window} for " + "; ".join(parts)


def build_sample_flow(counties_832: pd.DataFrame, panel_codes: Iterable[object],
                      covariates: pd.DataFrame, reference: pd.DataFrame, dates: pd.DataFrame,
                      survival: pd.DataFrame, terms: Sequence[str], *, baseline_year: int,
                      fallback_window: int, survival_excluded: pd.DataFrame | None = None,
                      sources: dict[str, str] | None = None,
                      provinces: Sequence[str] = ()) -> SampleFlow:
    """Follow the 832 counties through the four steps of the module docstring.

    Parameters
    ----------
    counties_832
        The reconciled list: ``county_code``, ``canonical_name``, ``province``.
    panel_codes
        The 2015 codes of the counties the import produced a bulletin file for.
    covariates
        ``covariates.csv``: ``county_code`` and per covariate its value (NaN when missing).
    reference
        The study's ``counties.csv`` (``county_code``; every county in it has a date or is
        declared not announced).
    dates
        The per-county dates file of :mod:`countysurv.real_counties` (``county_code``,
        ``status``, ``reason``): the reason of a county not in the reference, and which kept
        counties are imputed.
    survival
        The survival dataset (``county_code``, ``event`` and the terms).
    terms
        The model terms (config ``models.terms``).
    baseline_year, fallback_window
        As in config, for the reasons and labels.
    survival_excluded
        ``excluded.csv`` of the survival rule (``county_code``, ``reason``): the reason of a
        county that reaches the last step but is not in the survival dataset.
    sources
        File names by input (``panel``, ``covariates``, ``survival``) for error messages.
    provinces
        The provinces a run is restricted to (config ``real_study.provinces``; empty: all). A
        county of another province leaves at the first step, with that reason.

    Raises
    ------
    InputDataError
        A code of the panel, covariates, reference or survival dataset that is not one of the
        832; a county in the survival dataset that an earlier step excluded (the inputs are of
        different runs); a term without a column.
    """
    src = {"panel": "the imported panel", "covariates": "covariates.csv",
           "reference": "counties.csv", "survival": "survival dataset", **(sources or {})}
    terms = tuple(terms)
    listed = counties_832.assign(county_code=_codes(counties_832["county_code"]))
    names = listed.set_index("county_code")
    all_codes = set(names.index)
    panel = set(_codes(panel_codes))
    cov = covariates.assign(county_code=_codes(covariates["county_code"])).set_index("county_code")
    ref_codes = set(_codes(reference["county_code"]))
    surv = survival.assign(county_code=_codes(survival["county_code"])).set_index("county_code")
    for what, codes in (("panel", panel), ("covariates", set(cov.index)),
                        ("reference", ref_codes), ("survival", set(surv.index))):
        strays = sorted(codes - all_codes)
        if strays:
            raise InputDataError(f"{src[what]}: {len(strays)} county code(s) not in the 832 list: "
                                 f"{', '.join(strays[:10])}")
    needed = needed_covariates(terms, cov.columns, src["covariates"])
    absent = [t for t in (*terms, "event") if t not in surv.columns]
    if absent:
        raise InputDataError(f"{src['survival']}: no column for {', '.join(absent)}")
    date_status = (dates.assign(county_code=_codes(dates["county_code"]),
                                reason=dates["reason"].fillna("").astype(str))
                   .set_index("county_code"))
    surv_reasons = ({} if survival_excluded is None else
                    dict(zip(_codes(survival_excluded["county_code"]),
                             survival_excluded["reason"].fillna("").astype(str))))

    selected = set(provinces)

    def panel_reasons(code: str) -> str | None:
        if selected and names.at[code, "province"] not in selected:
            return ("outside the provinces this run is restricted to (real_study.provinces: "
                    f"{', '.join(sorted(selected))})")
        if code not in panel:
            return "not in the imported panel: no row of the export resolved to it"
        return None

    def indicator_reasons(code: str) -> str | None:
        if code not in cov.index:
            return f"no row in {src['covariates']} (not ingested)"
        if cov.loc[code, needed].isna().any():
            return _missing_reason(cov.loc[code], needed, baseline_year, fallback_window)
        return None

    def date_reasons(code: str) -> str | None:
        if code in ref_codes:
            return None
        why = date_status["reason"].get(code) or f"not in {src['reference']}"
        return f"no exit date: {why}"

    def model_reasons(code: str) -> str | None:
        if code not in surv.index:
            why = surv_reasons.get(code)
            return f"not in the {src['survival']}" + (f": {why}" if why else "")
        gaps = [t for t in terms if pd.isna(surv.at[code, t])]
        return f"missing {', '.join(gaps)} in the {src['survival']}" if gaps else None

    remaining = sorted(all_codes)
    kept_after: dict[str, list[str]] = {}
    excluded: list[dict[str, str]] = []
    for key, reason_of in zip(STEPS, (panel_reasons, indicator_reasons, date_reasons,
                                      model_reasons)):
        reasons = {code: reason_of(code) for code in remaining}
        excluded += [{"county_code": code, "name": names.at[code, "canonical_name"],
                      "province": names.at[code, "province"], "step": key, "reason": why}
                     for code, why in reasons.items() if why is not None]
        remaining = [code for code in remaining if reasons[code] is None]
        kept_after[key] = remaining

    before_models = set(kept_after["dated"])
    early = sorted(set(surv.index) - before_models)
    if early:
        raise InputDataError(f"{src['survival']}: {len(early)} county(ies) that an earlier step "
                             f"of the sample flow excluded are in it ({', '.join(early[:10])}); "
                             "are the inputs from the same run?")

    steps = _step_table(len(all_codes), kept_after, excluded, needed, baseline_year,
                        fallback_window)
    in_models = kept_after["in_models"]
    events = surv.loc[in_models, "event"].astype(int)
    provinces = _province_table(listed, kept_after, events)
    fallbacks = {c: int(cov.loc[kept_after["indicators"], f"{c}_fallback"].astype(bool).sum())
                 for c in needed if f"{c}_fallback" in cov.columns}
    imputed = int(sum(1 for c in kept_after["dated"] if c in date_status.index
                      and date_status.at[c, "status"] == IMPUTED))
    excluded_df = pd.DataFrame(excluded, columns=list(EXCLUDED_COLUMNS))
    return SampleFlow(steps=steps, excluded=excluded_df, provinces=provinces,
                      fallbacks=fallbacks, imputed=imputed, events=int(events.sum()), terms=terms)


def _step_table(n_list: int, kept_after: dict[str, list[str]], excluded: list[dict[str, str]],
                needed: Sequence[str], baseline_year: int, fallback_window: int) -> pd.DataFrame:
    window = f" or within {fallback_window} year(s) of it" if fallback_window else ""
    labels = {
        "in_panel": "in the imported panel",
        "indicators": (f"with {', '.join(needed) or 'no panel covariate'} in {baseline_year}"
                       f"{window}"),
        "dated": "with an exit date in the county reference",
        "in_models": "in the models (survival dataset, every term present)",
    }
    rows, n_in = [], n_list
    for key in STEPS:
        n_out = sum(1 for e in excluded if e["step"] == key)
        rows.append({"step": key, "label": labels[key], "counties_in": n_in,
                     "kept": len(kept_after[key]), "excluded": n_out})
        n_in = len(kept_after[key])
    return pd.DataFrame(rows)


def _province_table(listed: pd.DataFrame, kept_after: dict[str, list[str]], events: pd.Series
                    ) -> pd.DataFrame:
    by_province = listed.groupby("province")["county_code"].agg(set)
    rows = []
    for province in sorted(by_province.index, key=lambda p: PROVINCE_CODES.get(p, "99")):
        codes = by_province[province]
        row = {"province": province, "list": len(codes)}
        for key in STEPS:
            row[key] = sum(1 for c in kept_after[key] if c in codes)
        row["exits"] = int(events[[c for c in events.index if c in codes]].sum())
        rows.append(row)
    table = pd.DataFrame(rows, columns=["province", "list", *STEPS, "exits"])
    return table


def render_sample_md(flow: SampleFlow, title: str = "Sample flow of the real study") -> str:
    """``sample.md``: the flow table, every excluded county by step and reason, per province."""
    n_list = int(flow.steps["counties_in"].iat[0]) if len(flow.steps) else 0
    lines = [f"# {title}", "",
             f"Model terms: {', '.join(flow.terms)}. A county is listed under the first step it "
             "fails, with one reason.", "",
             "| step | counties in | kept | excluded |", "|---|---|---|---|",
             f"| the 832-county list | | {n_list} | |"]
    lines += [f"| {r.label} | {r.counties_in} | {r.kept} | {r.excluded} |"
              for r in flow.steps.itertuples()]
    in_models = int(flow.steps["kept"].iat[-1]) if len(flow.steps) else 0
    lines += ["", f"- In the models: {in_models} counties, {flow.events} exits announced by the "
              f"censor date, {in_models - flow.events} censored."]
    if flow.fallbacks:
        lines.append("- Counties kept at the indicators step that use a year other than the "
                     "baseline year: " + ", ".join(f"{c} {n}" for c, n in flow.fallbacks.items())
                     + ".")
    lines.append(f"- Counties kept at the dated step whose date is imputed: {flow.imputed}.")
    labels = dict(zip(flow.steps["step"], flow.steps["label"]))
    lines += ["", "## Excluded counties", ""]
    for number, key in enumerate(STEPS, start=1):
        part = flow.excluded[flow.excluded["step"] == key]
        lines += [f"### Step {number} (`{key}`), {labels[key]}: {len(part)} excluded", ""]
        if part.empty:
            lines += ["None.", ""]
            continue
        for reason, grp in sorted(part.groupby("reason"), key=lambda kv: (-len(kv[1]), kv[0])):
            listed = ", ".join(f"{r.county_code} {r.name} ({r.province})"
                               for r in grp.itertuples())
            lines += [f"- {reason} ({len(grp)}): {listed}"]
        lines.append("")
    lines += ["## Per province", "",
              "| province | list | in panel | indicators | dated | in models | exits |",
              "|---|---|---|---|---|---|---|"]
    lines += [f"| {r.province} | {r.list} | {r.in_panel} | {r.indicators} | {r.dated} | "
              f"{r.in_models} | {r.exits} |" for r in flow.provinces.itertuples()]
    tot = flow.provinces[["list", *STEPS, "exits"]].sum()
    lines += [f"| total | {tot['list']} | {tot['in_panel']} | {tot['indicators']} | "
              f"{tot['dated']} | {tot['in_models']} | {tot['exits']} |", ""]
    return "\n".join(lines)
