"""Inputs shared by the tests of countysurv.tables and countysurv.paper: model results whose Table 1
prints as the paper's Table 1, and a bootstrap summary for them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from countysurv.terms import MODEL_TERMS, TABLE_TERMS

REPO = Path(__file__).resolve().parents[2]
PAPER_DIR = REPO / "data" / "paper"

#: p-values that reproduce each printed star level.
P_FOR_STARS = {"***": 0.001, "**": 0.03, "*": 0.07, "": 0.4}
#: Offset added to every printed number so the 2-decimal rounding is actually exercised.
OFFSET = 0.003


def results_like_paper(paper_coefs: pd.DataFrame) -> tuple[dict, dict]:
    """OLS and Cox result dicts whose 2-decimal rendering is the paper's Table 1."""
    ols = {"coef": {}, "se": {}, "p": {}, "r2": 0.2012, "f_stat": 2.61, "f_pvalue": 0.0189,
           "n_obs": 76, "vif": {}, "breusch_pagan": {"stat": 3.1, "pvalue": 0.79},
           "white": {"stat": 20.0, "pvalue": 0.6}, "cov_type": "nonrobust"}
    cox = {"coef": {}, "se": {}, "p": {}, "hazard_ratio": {}, "lr_stat": 17.2,
           "lr_pvalue": 0.0086, "n_obs": 76, "n_events": 41, "concordance": 0.712,
           "ties": "efron",
           "ph_test": {"global_pvalue": 0.6691, "pvalue": {}, "transform": "km",
                       "method": "schoenfeld"}}
    for r in paper_coefs.to_dict("records"):
        res = ols if r["model"] == "ols" else cox
        res["coef"][r["term"]] = r["coef"] + OFFSET
        res["se"][r["term"]] = r["std_err"] + OFFSET
        res["p"][r["term"]] = P_FOR_STARS[r["stars"]]
        if r["model"] == "cox":
            res["hazard_ratio"][r["term"]] = r["hazard_ratio"] + OFFSET
    return ols, cox


def bootstrap_summary() -> pd.DataFrame:
    """A bootstrap summary of both models: 200 replicates, 3 Cox failures, CIs that widen by term.

    The i-th term of a model has the percentile CI [-0.5 - i, 0.25 + i].
    """
    rows = []
    for model in ("ols", "cox"):
        terms = TABLE_TERMS if model == "ols" else MODEL_TERMS
        for i, term in enumerate(terms):
            rows.append({"model": model, "term": term, "n_replicates": 200,
                         "n_used": 200 - (model == "cox") * 3, "n_failed": (model == "cox") * 3,
                         "boot_se": 0.1 + i, "ci_lower": -0.5 - i, "ci_upper": 0.25 + i})
    return pd.DataFrame(rows)
