"""Rule fit_weibull_aft: Weibull accelerated-failure-time model of the exit time (censoring-aware)."""

from countysurv import extended, io
from countysurv.logs import run_main, start_log
from countysurv.schemas import survival_schema


def main(survival_path, terms, json_path, log_path):
    log = start_log(log_path)
    spells = io.read_parquet(survival_path, survival_schema(terms), log)
    fit = extended.fit_weibull_aft(spells, terms)
    log.info("Weibull AFT log T ~ %s: n=%d events=%d shape=%.4f loglik=%.4f LR p=%.4g; "
             "Newton iterations %d; lifelines max |diff| %s", " + ".join(fit["terms"]),
             fit["n_obs"], fit["n_events"], fit["shape"], fit["log_likelihood"],
             fit["lr_pvalue"], fit["iterations"], fit["lifelines_max_abs_diff"])
    for w in fit["warnings"]:
        log.warning("%s", w)
    io.write_json(fit, json_path)


run_main(main, snakemake.input.survival, snakemake.params.terms, snakemake.output.json,
         snakemake.log[0])
