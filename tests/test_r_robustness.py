"""The robustness table's variances against R: HC1 and clustered OLS SEs (sandwich, lmtest),
Breslow Cox and clustered Cox (survival::coxph), on the same data, to 1e-6 relative.

Skips when ``Rscript`` or the R package sandwich is missing (``make test`` installs both: the
Makefile's system-deps). R writes every number with 17 significant digits.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from countysurv import robustness

pytestmark = pytest.mark.r

REL = 1e-6
TERMS = list(robustness.MODEL_TERMS)

R_SCRIPT = r"""
suppressMessages({library(survival); library(lmtest); library(sandwich)})
args <- commandArgs(TRUE)
d <- read.csv(args[1], colClasses = c(county_code = "character", province = "character"))
terms <- strsplit(args[3], ",")[[1]]
rhs <- paste(terms, collapse = " + ")
out <- list()
add <- function(key, v) {
  out[[length(out) + 1]] <<- data.frame(key = key, value = sprintf("%.17g", v))
}
name <- function(tt) if (tt == "(Intercept)") "const" else tt
G <- length(unique(d$province))

fit <- lm(as.formula(paste("duration_days ~", rhs)), data = d)
tables <- list(
  classical = coeftest(fit),
  hc1 = coeftest(fit, vcov. = vcovHC(fit, type = "HC1")),
  cluster = coeftest(fit, vcov. = vcovCL(fit, cluster = ~province, type = "HC1"), df = G - 1)
)
for (m in names(tables)) for (tt in rownames(tables[[m]])) {
  add(paste("ols", m, "estimate", name(tt), sep = "."), tables[[m]][tt, 1])
  add(paste("ols", m, "se", name(tt), sep = "."), tables[[m]][tt, 2])
  add(paste("ols", m, "p", name(tt), sep = "."), tables[[m]][tt, 4])
}

surv <- paste("Surv(duration_days, event) ~", rhs)
fits <- list(
  efron = coxph(as.formula(surv), data = d, ties = "efron"),
  breslow = coxph(as.formula(surv), data = d, ties = "breslow"),
  cluster = coxph(as.formula(surv), data = d, ties = "efron", cluster = province)
)
for (m in names(fits)) {
  s <- summary(fits[[m]])$coefficients
  se_col <- if (m == "cluster") "robust se" else "se(coef)"
  for (tt in terms) {
    add(paste("cox", m, "estimate", tt, sep = "."), s[tt, "coef"])
    add(paste("cox", m, "se", tt, sep = "."), s[tt, se_col])
    add(paste("cox", m, "p", tt, sep = "."), s[tt, "Pr(>|z|)"])
  }
}
write.csv(do.call(rbind, out), args[2], row.names = FALSE, quote = FALSE)
"""


def _dataset(seed: int) -> pd.DataFrame:
    """80 counties in provinces of unequal size (15 of 16 drawn), durations in 30-day steps:
    exits tie (Breslow differs from Efron) and are correlated within a province."""
    rng = np.random.default_rng(seed)
    n, g = 80, 16
    province = rng.choice(g, size=n, p=rng.dirichlet(np.full(g, 2.0)))
    shock = rng.normal(0, 0.4, g)[province]
    upgrading = 2.0 + rng.normal(0, 0.15, n)
    i12 = rng.gamma(2.0, 0.2, n)
    i13 = 0.5 * i12 + rng.gamma(2.0, 1.0, n)
    nation = (rng.random(n) < 0.35).astype(int)
    industry = (rng.random(n) < 0.4).astype(int)
    resource = rng.normal(9.2, 0.4, n)
    lp = (0.8 * upgrading + 0.6 * i12 - 0.1 * i13 + 0.5 * nation - 0.4 * industry
          + 0.3 * resource + shock)
    t = 900 * (-np.log(rng.random(n)) / np.exp(lp - lp.mean())) ** (1 / 1.4)
    c = rng.uniform(700, 1500, n)
    duration = np.maximum(np.round(np.minimum(t, c) / 30) * 30, 30)
    return pd.DataFrame({
        "county_code": [f"{990001 + i:06d}" for i in range(n)],
        "province": [f"P{p:02d}" for p in province],
        "duration_days": duration.astype(int),
        "event": (t <= c).astype(int),
        "upgrading_index": upgrading, "integration_12": i12, "integration_13": i13,
        "nation": nation, "industry": industry, "resource_endowment": resource,
    })


def _run_r(df: pd.DataFrame, tmp_path: Path) -> dict[str, float]:
    rscript = shutil.which("Rscript")
    if rscript is None:
        pytest.skip("Rscript not found on PATH (make test installs R: the Makefile's system-deps)")
    check = subprocess.run([rscript, "-e", "library(sandwich); library(lmtest)"],
                           capture_output=True, text=True, timeout=120)
    if check.returncode != 0:
        pytest.skip("R packages sandwich/lmtest not installed (Debian r-cran-sandwich, "
                    "r-cran-lmtest; the Makefile's system-deps installs them)")
    data, out, script = tmp_path / "d.csv", tmp_path / "r.csv", tmp_path / "fit.R"
    df.to_csv(data, index=False, float_format="%.17g")
    script.write_text(R_SCRIPT)
    proc = subprocess.run([rscript, "--vanilla", str(script), str(data), str(out),
                           ",".join(TERMS)], capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        pytest.fail(f"Rscript failed (exit {proc.returncode}):\n{proc.stderr}")
    table = pd.read_csv(out, dtype={"key": str, "value": float})
    return dict(zip(table["key"], table["value"]))


def _python(df: pd.DataFrame) -> dict[str, float]:
    table = robustness.build_robustness_table(df, TERMS, df["province"])
    coef = table[(table["section"] == "coefficient") & (table["method"] != "bootstrap")]
    out = {}
    for r in coef.itertuples():
        for field in ("estimate", "se", "p"):
            out[f"{r.model}.{r.method}.{field}.{r.term}"] = float(getattr(r, field))
    return out


def relative_differences(df: pd.DataFrame, tmp_path: Path
                         ) -> tuple[dict[str, float], dict[str, float]]:
    """Our numbers, and |python − R| / |R| for every estimate, SE and p of the non-bootstrap
    coefficient rows."""
    r, py = _run_r(df, tmp_path), _python(df)
    assert set(py) == set(r), f"keys differ: {sorted(set(py) ^ set(r))}"
    return py, {k: abs(py[k] - r[k]) / abs(r[k]) for k in r}


def test_robustness_variances_agree_with_r(tmp_path):
    df = _dataset(seed=14)
    assert df.loc[df["event"] == 1, "duration_days"].duplicated().sum() >= 10  # ties matter
    assert 0 < df["event"].sum() < len(df)
    py, rel = relative_differences(df, tmp_path)
    # on tied data Breslow is another estimate than Efron's: the comparison is not vacuous
    assert abs(py["cox.breslow.estimate.nation"] - py["cox.efron.estimate.nation"]) > 1e-4
    worst = {k: v for k, v in rel.items() if v > REL}
    assert not worst, "relative differences vs R above 1e-6:\n" + "\n".join(
        f"  {k}: rel {v:.2e}" for k, v in sorted(worst.items()))
