"""countysurv.models against R (lm, lmtest::bptest, survival::coxph and cox.zph): the agreement the
README promises ("Choices the paper left open").

R must be installed (CI installs it): a missing ``Rscript`` fails these tests, it does not skip
them. R writes every quantity with 17 significant digits; we compare at 1e-6 relative.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from countysurv import models
from countysurv.terms import MODEL_TERMS

pytestmark = pytest.mark.r

REL = 1e-6
N_COUNTIES = 76

R_SCRIPT = r"""
suppressMessages({library(survival); library(lmtest)})
args <- commandArgs(TRUE)
d <- read.csv(args[1], colClasses = c(county_code = "character"))
terms <- strsplit(args[3], ",")[[1]]
rhs <- paste(terms, collapse = " + ")
out <- list()
add <- function(key, v) out[[length(out) + 1]] <<- data.frame(key = key, value = sprintf("%.17g", v))

ols <- lm(as.formula(paste("duration_days ~", rhs)), data = d)
s <- summary(ols)
cf <- coef(s)
for (tt in rownames(cf)) {
  nm <- if (tt == "(Intercept)") "const" else tt
  add(paste0("ols.coef.", nm), cf[tt, 1]); add(paste0("ols.se.", nm), cf[tt, 2])
  add(paste0("ols.p.", nm), cf[tt, 4])
}
add("ols.r2", s$r.squared); add("ols.adj_r2", s$adj.r.squared)
add("ols.f_stat", s$fstatistic[1])
add("ols.f_pvalue", pf(s$fstatistic[1], s$fstatistic[2], s$fstatistic[3], lower.tail = FALSE))
for (tt in terms) {  # VIF by its formula (car is not installed)
  r2 <- summary(lm(as.formula(paste(tt, "~", paste(setdiff(terms, tt), collapse = "+"))), data = d))$r.squared
  add(paste0("ols.vif.", tt), 1 / (1 - r2))
}
bp <- bptest(ols)  # studentized (Koenker) by default
add("ols.breusch_pagan.stat", bp$statistic); add("ols.breusch_pagan.pvalue", bp$p.value)
X <- as.matrix(d[, terms]); Z <- X  # White: regressors, squares and cross-products
for (i in seq_along(terms)) for (j in i:length(terms)) Z <- cbind(Z, X[, i] * X[, j])
aux <- lm(resid(ols)^2 ~ Z)
add("ols.white.stat", nrow(d) * summary(aux)$r.squared); add("ols.white.df", aux$rank - 1)

cx <- coxph(as.formula(paste("Surv(duration_days, event) ~", rhs)), data = d, ties = "efron")
sc <- summary(cx)$coefficients
for (tt in terms) {
  add(paste0("cox.coef.", tt), sc[tt, "coef"]); add(paste0("cox.se.", tt), sc[tt, "se(coef)"])
  add(paste0("cox.p.", tt), sc[tt, "Pr(>|z|)"])
}
add("cox.lr_stat", 2 * diff(cx$loglik))
add("cox.lr_pvalue", pchisq(2 * diff(cx$loglik), length(terms), lower.tail = FALSE))
add("cox.log_likelihood", cx$loglik[2]); add("cox.log_likelihood_null", cx$loglik[1])
add("cox.concordance", cx$concordance[["concordance"]])
add("cox.n_events", cx$nevent)
for (tr in c("km", "rank", "identity", "log")) {
  z <- cox.zph(cx, transform = tr)$table
  for (tt in rownames(z)) {
    add(paste0("zph.", tr, ".chisq.", tt), z[tt, "chisq"]); add(paste0("zph.", tr, ".p.", tt), z[tt, "p"])
  }
}
write.csv(do.call(rbind, out), args[2], row.names = FALSE, quote = FALSE)
"""


def _survival_dataset(seed: int, tied: bool) -> pd.DataFrame:
    """76 counties with covariates on the real data's scales and Weibull exit times.

    With ``tied`` the durations are rounded to multiples of 30 days, so many exits share a time
    and Efron's tie correction matters.
    """
    rng = np.random.default_rng(seed)
    n = N_COUNTIES
    upgrading = rng.normal(0.5, 0.15, n)
    i12 = rng.normal(0.3, 0.1, n)
    i13 = 0.6 * i12 + rng.normal(0.1, 0.08, n)
    nation = (rng.random(n) < 0.35).astype(float)
    industry = (rng.random(n) < 0.4).astype(float)
    resource = rng.gamma(2.0, 0.5, n)
    lp = 1.5 * upgrading + 1.0 * i12 - 0.5 * i13 - 0.4 * nation + 0.3 * industry + 0.2 * resource
    t = 800 * (-np.log(rng.random(n)) / np.exp(lp - lp.mean())) ** (1 / 1.5)
    c = rng.uniform(500, 2200, n)
    duration = np.maximum(np.round(np.minimum(t, c)), 1)
    if tied:
        duration = np.maximum(np.round(duration / 30) * 30, 30)
    return pd.DataFrame(
        {
            "county_code": [f"{520100 + i:06d}" for i in range(n)],
            "duration_days": duration.astype(int),
            "event": (t <= c).astype(int),
            "upgrading_index": upgrading,
            "integration_12": i12,
            "integration_13": i13,
            "nation": nation,
            "industry": industry,
            "resource_endowment": resource,
        }
    )


def _run_r(df: pd.DataFrame, tmp_path: Path) -> dict[str, float]:
    rscript = shutil.which("Rscript")
    if rscript is None:
        pytest.fail(
            "Rscript not found on PATH: the R agreement tests need R with the survival and lmtest "
            "packages (CI installs them; locally e.g. apt-get install r-base r-cran-survival "
            "r-cran-lmtest)"
        )
    data_csv, out_csv, script = tmp_path / "survival.csv", tmp_path / "r_results.csv", tmp_path / "fit.R"
    df.to_csv(data_csv, index=False, float_format="%.17g")
    script.write_text(R_SCRIPT)
    proc = subprocess.run(
        [rscript, "--vanilla", str(script), str(data_csv), str(out_csv), ",".join(MODEL_TERMS)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if proc.returncode != 0:
        pytest.fail(f"Rscript failed (exit {proc.returncode}):\n{proc.stderr}")
    table = pd.read_csv(out_csv, dtype={"key": str, "value": float})
    return dict(zip(table["key"], table["value"]))


def _python_results(df: pd.DataFrame) -> dict[str, float]:
    """Our estimates, flattened to the keys the R script writes."""
    ols, cox = models.fit_ols(df), models.fit_cox(df)
    out: dict[str, float] = {}
    for field in ("coef", "se", "p"):
        for name, value in ols[field].items():
            out[f"ols.{field}.{name}"] = value
        for name, value in cox[field].items():
            out[f"cox.{field}.{name}"] = value
    for name, value in ols["vif"].items():
        out[f"ols.vif.{name}"] = value
    for key in ("r2", "adj_r2", "f_stat", "f_pvalue"):
        out[f"ols.{key}"] = ols[key]
    for test in ("breusch_pagan", "white"):
        out[f"ols.{test}.stat"] = ols[test]["stat"]
    out["ols.breusch_pagan.pvalue"] = ols["breusch_pagan"]["pvalue"]
    out["ols.white.df"] = ols["white"]["df"]
    for key in ("lr_stat", "lr_pvalue", "log_likelihood", "log_likelihood_null", "concordance", "n_events"):
        out[f"cox.{key}"] = cox[key]
    for transform in models.PH_TRANSFORMS:
        ph = cox["ph_test"] if transform == "km" else models.cox_zph(df, cox["coef"], transform=transform)
        for name in MODEL_TERMS:
            out[f"zph.{transform}.chisq.{name}"] = ph["stat"][name]
            out[f"zph.{transform}.p.{name}"] = ph["pvalue"][name]
        out[f"zph.{transform}.chisq.GLOBAL"] = ph["global_stat"]
        out[f"zph.{transform}.p.GLOBAL"] = ph["global_pvalue"]
    assert cox["ph_test"]["transform"] == "km"
    return out


@pytest.mark.parametrize("tied", [False, True], ids=["distinct_times", "tied_times"])
def test_models_agree_with_r(tmp_path, tied):
    df = _survival_dataset(seed=20201123, tied=tied)
    if tied:
        assert df.loc[df["event"] == 1, "duration_days"].duplicated().sum() >= 20
    assert 0 < df["event"].sum() < len(df)
    r = _run_r(df, tmp_path)
    py = _python_results(df)
    assert set(py) == set(r), f"keys differ: {sorted(set(py) ^ set(r))}"
    rel = {k: abs(py[k] - r[k]) / max(abs(r[k]), 1e-300) for k in r}
    worst = {k: v for k, v in rel.items() if v > REL}
    assert not worst, "relative differences vs R above 1e-6:\n" + "\n".join(
        f"  {k}: python {py[k]!r}, R {r[k]!r}, rel {v:.2e}" for k, v in sorted(worst.items())
    )
