"""Rule fit_cox_time_varying: Cox model on the counting-process data (yearly covariates)."""

from countysurv import extended, io
from countysurv.logs import run_main, start_log
from countysurv.schemas import counting_process_schema


def main(cp_path, lag_years, terms, json_path, log_path):
    log = start_log(log_path)
    cp = io.read_parquet(cp_path, counting_process_schema(terms), log)
    fit = extended.fit_cox_time_varying(cp, terms, lag_years=lag_years)
    log.info("time-varying Cox Surv(start, stop, event) ~ %s (Efron): %d counties, %d intervals, "
             "%d events; LR %.4f p=%.4g; %d iterations; lifelines CoxTimeVaryingFitter max "
             "|diff| %s", " + ".join(fit["terms"]), fit["n_obs"], fit["n_intervals"],
             fit["n_events"], fit["lr_stat"], fit["lr_pvalue"], fit["iterations"],
             fit["lifelines_max_abs_diff"])
    io.write_json(fit, json_path)


run_main(main, snakemake.input.counting_process, snakemake.params.lag_years,
         snakemake.params.terms, snakemake.output.json, snakemake.log[0])
