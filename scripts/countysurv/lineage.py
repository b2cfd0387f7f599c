"""Cell-to-source lineage: which raw bulletin rows each covariate of the survival dataset came from.

One output row per (county, covariate of the model terms, input indicator). For a panel covariate
the inputs are the indicators its formula uses (the table :data:`countysurv.indices.COVARIATES`;
for a covariate with alternative formulas, the one ``<cov>_derived`` says was used) in the year the covariate was taken from
(``<cov>_year`` of ``covariates.parquet``, flagged ``fallback`` when it is not the baseline year);
each input row carries the source the panel took it from (``panel_source``: ``bulletins``,
``extracted``, ...; see countysurv/sources.py) and what ingestion kept of the raw cell: the raw
CSV file and its physical line, the value and unit as printed, the conversion factor to the
canonical unit, the canonical value, the row's own ``source`` cell (a bulletin title, or for an
extracted figure the text file and character span) and note. ``nation`` comes from the county reference list (its
``ethnic_area`` cell, file and line; ``panel_source`` ``reference``).

Recomputing a covariate from its rows gives the survival dataset's value, e.g. ``integration_12``
= value(agri_machinery_power) / value(rural_population); the test suite checks this for every
county.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .errors import InputDataError
from .indices import REFERENCE_TERMS, Formula, covariate_table
from .io import escape_cell
from .terms import KNOWN_TERMS, MODEL_TERMS, check_terms

LINEAGE_COLUMNS = [
    "county_code", "covariate", "covariate_value", "formula", "indicator", "year", "fallback",
    "derived", "panel_source", "file", "line", "raw_value", "raw_unit", "factor", "value", "unit",
    "source", "note",
]
_TEXT_COLUMNS = ("formula", "indicator", "panel_source", "file", "raw_value", "raw_unit", "unit",
                 "source", "note")
RECORD_NEEDED = ("county_code", "year", "indicator", "value", "unit", "raw_value", "raw_unit",
                 "factor", "line", "source", "note", "file", "panel_source")


def formula_used(covariate: str, upgrading: str, derived: bool) -> Formula:
    """The formula one county's panel covariate was computed with (the second alternative when
    ``derived``)."""
    formulas = covariate_table(upgrading)[covariate].formulas
    return formulas[1] if derived and len(formulas) > 1 else formulas[0]


def build_lineage(
    survival: pd.DataFrame,
    covariates: pd.DataFrame,
    records: pd.DataFrame,
    reference: pd.DataFrame,
    reference_file: str,
    upgrading: str = "weighted_shares",
    terms: Sequence[str] = MODEL_TERMS,
) -> pd.DataFrame:
    """Lineage rows for every county of ``survival`` and each covariate of the model ``terms``.

    Parameters
    ----------
    survival
        The survival dataset (one row per county; the covariate values shown).
    covariates
        ``covariates.parquet``: ``<cov>_year``, ``<cov>_fallback``, ``resource_endowment_derived``.
    records
        The panel's records, one per county-year-indicator (``results/panel/records.parquet``,
        :data:`RECORD_NEEDED` columns: ``file`` is the raw CSV, ``panel_source`` the source).
    reference
        The county reference list as :func:`countysurv.io.read_counties_csv` reads it
        (``county_code``, ``ethnic_area`` and the ``line`` each county's row is on).
    reference_file
        Path of the county reference list (the ``file`` of ``nation`` rows).
    upgrading
        The configured upgrading-index method (``indices.upgrading``).
    terms
        The model terms (config ``models.terms``), traced in Table 1's order.

    Raises
    ------
    InputDataError
        A covariate's input row is not among the records (the lineage would be incomplete).
    """
    configured = set(check_terms(terms))
    traced = [t for t in KNOWN_TERMS if t in configured]
    missing = [c for c in RECORD_NEEDED if c not in records.columns]
    if missing:
        raise InputDataError(f"bulletin records lack column(s) {missing}")
    rec_index = {(str(r["county_code"]), int(r["year"]), str(r["indicator"])): r
                 for r in records.to_dict("records")}
    cov_index = {str(r["county_code"]): r for r in covariates.to_dict("records")}
    ref_index = {str(r["county_code"]): r for r in reference.to_dict("records")}
    rows: list[dict] = []
    for surv in survival.sort_values("county_code").to_dict("records"):
        code = str(surv["county_code"])
        cov = cov_index.get(code)
        if cov is None:
            raise InputDataError(f"county {code} is in the survival dataset but not in covariates")
        for covariate in traced:
            if covariate in REFERENCE_TERMS:
                column, formula = REFERENCE_TERMS[covariate]
                ref = ref_index.get(code)
                if ref is None:
                    raise InputDataError(f"county {code} is not in {reference_file}")
                rows.append({
                    "county_code": code, "covariate": covariate,
                    "covariate_value": float(surv[covariate]), "formula": formula,
                    "indicator": column, "year": pd.NA, "fallback": False,
                    "derived": False, "panel_source": "reference", "file": str(reference_file),
                    "line": int(ref["line"]),
                    "raw_value": str(ref[column]), "raw_unit": "", "factor": 1.0,
                    "value": float(ref[column]), "unit": "0/1",
                    "source": "county reference list", "note": ""})
                continue
            if f"{covariate}_year" not in cov:
                raise InputDataError(f"covariates lack {covariate}, a model term; recompute them "
                                     "with the same config models.terms")
            derived = bool(cov.get(f"{covariate}_derived", False))
            formula = formula_used(covariate, upgrading, derived)
            year = cov[f"{covariate}_year"]
            if pd.isna(year):
                raise InputDataError(f"county {code}: {covariate} has no year in covariates")
            year = int(year)
            for indicator in formula.indicators:
                rec = rec_index.get((code, year, indicator))
                if rec is None:
                    raise InputDataError(
                        f"county {code}: {covariate} uses {indicator} of {year}, but no bulletin "
                        "row holds it")
                rows.append({
                    "county_code": code, "covariate": covariate,
                    "covariate_value": float(surv[covariate]), "formula": formula.text,
                    "indicator": indicator, "year": year,
                    "fallback": bool(cov[f"{covariate}_fallback"]), "derived": derived,
                    "panel_source": str(rec["panel_source"]), "file": str(rec["file"]),
                    "line": int(rec["line"]),
                    "raw_value": _text(rec["raw_value"]), "raw_unit": _text(rec["raw_unit"]),
                    "factor": float(rec["factor"]), "value": float(rec["value"]),
                    "unit": _text(rec["unit"]), "source": _text(rec["source"]),
                    "note": _text(rec["note"])})
    out = pd.DataFrame(rows, columns=LINEAGE_COLUMNS)
    out["year"] = pd.array(out["year"].tolist(), dtype="Int64")
    out["line"] = out["line"].astype("int64")
    return out


def _text(x: object) -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)) or x is pd.NA:
        return ""
    return str(x)


def escape_for_csv(lineage: pd.DataFrame) -> pd.DataFrame:
    """Neutralise formula-like text cells (spreadsheet injection) before writing CSV."""
    out = lineage.copy()
    for col in _TEXT_COLUMNS:
        out[col] = out[col].map(lambda v: escape_cell(v) if isinstance(v, str) else v)
    return out


def recompute(rows: pd.DataFrame) -> float:
    """Recompute one county's covariate from its lineage rows (the canonical ``value`` column)."""
    v = {r["indicator"]: float(r["value"]) for r in rows.to_dict("records")}
    formula = rows["formula"].iloc[0]
    covariate = rows["covariate"].iloc[0]
    if covariate == "nation":
        return v["ethnic_area"]
    if covariate == "upgrading_index" and "1·va_primary" in formula:
        total = v["va_primary"] + v["va_secondary"] + v["va_tertiary"]
        return (v["va_primary"] + 2 * v["va_secondary"] + 3 * v["va_tertiary"]) / total
    if covariate == "upgrading_index":
        return v["va_tertiary"] / v["va_secondary"]
    if covariate == "integration_12":
        return v["agri_machinery_power"] / v["rural_population"]
    if covariate == "integration_13":
        return v["agri_services_output"] / v["rural_population"]
    if covariate == "industry":
        return float(v["va_primary"] > v["va_secondary"] and v["va_primary"] > v["va_tertiary"])
    if covariate == "resource_endowment":
        return float(np.log(v["gdp_per_capita"] if "gdp_per_capita" in v
                            else v["gdp"] / v["population"]))
    if covariate == "rural_income":
        return float(np.log(v["rural_income"]))
    if covariate == "terrain_relief":
        return v["terrain_relief"]
    raise InputDataError(f"unknown covariate {covariate!r}")

