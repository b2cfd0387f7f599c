"""Rule fit_ols: OLS of duration on the model terms, with VIF and heteroskedasticity tests."""

from countysurv import io, models
from countysurv.logs import run_main, start_log
from countysurv.schemas import survival_schema


def main(survival_path, cov_type, terms, json_path, log_path):
    log = start_log(log_path)
    spells = io.read_parquet(survival_path, survival_schema(terms), log)
    fit = models.fit_ols(spells, terms, cov_type=cov_type)
    log.info("OLS duration_days ~ %s + const (%s SEs): n=%d R2=%.4f F=%.4f p=%.4g",
             " + ".join(fit["terms"]), cov_type, fit["n_obs"], fit["r2"], fit["f_stat"],
             fit["f_pvalue"])
    io.write_json(fit, json_path)


run_main(main, snakemake.input.survival, snakemake.params.cov_type, snakemake.params.terms,
         snakemake.output.json,
         snakemake.log[0])
