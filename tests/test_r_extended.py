"""countysurv.extended against R's survival package: clustered Cox, time-varying Cox, Weibull AFT.

R must be installed (as for tests/test_r_agreement.py). R writes every quantity with 17 significant
digits (no jsonlite); we compare coefficients and standard errors at 1e-6 relative.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from countysurv import counting, extended, simulate
from countysurv.terms import MODEL_TERMS

pytestmark = pytest.mark.r

REL = 1e-6

R_SCRIPT = r"""
suppressMessages(library(survival))
args <- commandArgs(TRUE)
terms <- strsplit(args[4], ",")[[1]]
rhs <- paste(terms, collapse = " + ")
out <- list()
add <- function(key, v) out[[length(out) + 1]] <<- data.frame(key = key, value = sprintf("%.17g", v))

d <- read.csv(args[1], colClasses = c(county_code = "character", province = "character"))
cl <- coxph(as.formula(paste("Surv(duration_days, event) ~", rhs)), data = d, ties = "efron",
            cluster = province)
for (tt in terms) {
  add(paste0("cl.coef.", tt), coef(cl)[[tt]])
  add(paste0("cl.se.", tt), sqrt(diag(cl$var))[match(tt, names(coef(cl)))])
  add(paste0("cl.se_model.", tt), sqrt(diag(cl$naive.var))[match(tt, names(coef(cl)))])
}
add("cl.wald_stat", drop(t(coef(cl)) %*% solve(cl$var, coef(cl))))  # summary() rounds it

aft <- survreg(as.formula(paste("Surv(duration_days, event) ~", rhs)), data = d, dist = "weibull")
cf <- coef(aft); se <- sqrt(diag(vcov(aft)))
for (nm in names(cf)) {
  key <- if (nm == "(Intercept)") "const" else nm
  add(paste0("aft.coef.", key), cf[[nm]]); add(paste0("aft.se.", key), se[[nm]])
}
add("aft.log_sigma", log(aft$scale)); add("aft.log_sigma_se", se[["Log(scale)"]])
add("aft.log_likelihood", aft$loglik[2]); add("aft.log_likelihood_null", aft$loglik[1])

cp <- read.csv(args[2], colClasses = c(county_code = "character"))
tv <- coxph(as.formula(paste("Surv(start, stop, event) ~", rhs)), data = cp, ties = "efron")
for (tt in terms) {
  add(paste0("tv.coef.", tt), coef(tv)[[tt]])
  add(paste0("tv.se.", tt), sqrt(diag(tv$var))[match(tt, names(coef(tv)))])
}
add("tv.log_likelihood", tv$loglik[2]); add("tv.log_likelihood_null", tv$loglik[1])
write.csv(do.call(rbind, out), args[3], row.names = FALSE, quote = FALSE)
"""


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, index=False, float_format="%.17g")


@pytest.fixture(scope="module")
def r_results(tmp_path_factory):
    """A simulated 76-county study (the default DGP, another seed), fitted in Python and in R."""
    if shutil.which("Rscript") is None:
        pytest.fail("Rscript not found: install r-base-core and r-cran-survival (make system-deps)")
    work = tmp_path_factory.mktemp("r_extended")
    study = simulate.simulate_study(76, seed=11)
    surv = study.covariates[["county_code", "duration_days", "event", *MODEL_TERMS]].copy()
    surv["province"] = study.counties["province"].to_numpy()
    # a yearly panel of the same counties from the DGP's printed values (all years)
    yearly = pd.concat(
        [simulate.compute_covariates(study.rows, study.counties, baseline_year=y).assign(year=y)
         for y in simulate.YEARS], ignore_index=True)
    yearly["resource_endowment_derived"] = False
    cp, dropped = counting.build_counting_process(yearly, surv, "2015-11-29", "2020-01-01",
                                                  lag_years=1)
    assert dropped.empty
    _write_csv(surv, work / "surv.csv")
    _write_csv(cp, work / "cp.csv")
    (work / "fit.R").write_text(R_SCRIPT)
    proc = subprocess.run(["Rscript", str(work / "fit.R"), str(work / "surv.csv"),
                           str(work / "cp.csv"), str(work / "r.csv"), ",".join(MODEL_TERMS)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    r = pd.read_csv(work / "r.csv").set_index("key")["value"].astype(float).to_dict()
    py = {
        "cl": extended.fit_cox_clustered(surv, surv["province"]),
        "aft": extended.fit_weibull_aft(surv),
        "tv": extended.fit_cox_time_varying(cp),
    }
    return r, py


def _rel(a: float, b: float) -> float:
    return abs(a - b) / max(abs(b), 1e-12)


@pytest.mark.parametrize("model,fields", [
    ("cl", ("coef", "se", "se_model")),
    ("tv", ("coef", "se")),
    ("aft", ("coef", "se")),
])
def test_extended_models_match_r(r_results, model, fields):
    r, py = r_results
    worst = {}
    for field in fields:
        for term, value in py[model][field].items():
            key = f"{model}.{field}.{term}"
            assert key in r, key
            worst[key] = _rel(value, r[key])
    assert max(worst.values()) < REL, sorted(worst.items(), key=lambda kv: -kv[1])[:3]


def test_extended_likelihoods_and_tests_match_r(r_results):
    r, py = r_results
    assert _rel(py["cl"]["wald_stat"], r["cl.wald_stat"]) < REL
    for model in ("tv", "aft"):
        assert _rel(py[model]["log_likelihood"], r[f"{model}.log_likelihood"]) < REL
        assert _rel(py[model]["log_likelihood_null"], r[f"{model}.log_likelihood_null"]) < REL
    assert _rel(py["aft"]["log_sigma"], r["aft.log_sigma"]) < REL
    assert _rel(py["aft"]["log_sigma_se"], r["aft.log_sigma_se"]) < REL


def test_clustered_se_differs_from_model_se(r_results):
    """Sanity: the sandwich is not the model-based variance in disguise."""
    _, py = r_results
    se, se_model = py["cl"]["se"], py["cl"]["se_model"]
    assert max(abs(se[t] / se_model[t] - 1) for t in MODEL_TERMS) > 0.05
