"""Rule fit_cox: Cox model (Efron ties) with LR test, concordance and PH test."""

from countysurv import io, models
from countysurv.logs import run_main, start_log
from countysurv.schemas import survival_schema


def main(survival_path, ph_transform, terms, json_path, log_path):
    log = start_log(log_path)
    spells = io.read_parquet(survival_path, survival_schema(terms), log)
    fit = models.fit_cox(spells, terms, ph_transform=ph_transform)
    log.info("Cox Surv(duration_days, event) ~ %s (ties %s): n=%d events=%d LR=%.4f p=%.4g "
             "concordance=%.4f; PH test (%s, %s) global p=%.4g", " + ".join(fit["terms"]),
             fit["ties"], fit["n_obs"], fit["n_events"], fit["lr_stat"], fit["lr_pvalue"],
             fit["concordance"], fit["ph_test"]["method"], fit["ph_test"]["transform"],
             fit["ph_test"]["global_pvalue"])
    io.write_json(fit, json_path)


run_main(main, snakemake.input.survival, snakemake.params.ph_transform, snakemake.params.terms,
         snakemake.output.json,
         snakemake.log[0])
