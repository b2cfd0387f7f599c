"""Rule build_counting_process: county x calendar-year intervals with lagged yearly covariates."""

from countysurv import counting, indices, io
from countysurv.logs import run_main, start_log
from countysurv.schemas import counting_process_schema, survival_schema


def main(panel_path, survival_path, params, cp_path, dropped_path, log_path):
    log = start_log(log_path)
    panel = io.read_parquet(panel_path, logger=log)
    terms = params["terms"]
    spells = io.read_parquet(survival_path, survival_schema(terms), log)
    yearly = indices.yearly_covariates(panel, params["upgrading"], terms, panel_path)
    cp, dropped = counting.build_counting_process(
        yearly, spells, params["policy_date"], params["censor_date"], params["lag_years"],
        params["fallback_window"], params["missing"], terms)
    cp = io.validate(cp, counting_process_schema(terms), cp_path, log)
    log.info("counting process: %d counties, %d intervals (%d events, %d with a fallback "
             "covariate year); lag %d year(s), missing=%s; %d interval(s) dropped (%d with an "
             "exit)", cp["county_code"].nunique(), len(cp), int(cp["event"].sum()),
             int(cp["fallback"].sum()), params["lag_years"], params["missing"], len(dropped),
             int(dropped["event"].sum()))
    if int(cp["event"].sum()) + int(dropped["event"].sum()) != int(spells["event"].sum()):
        raise RuntimeError("counting process lost events: bug")
    io.write_parquet(cp, cp_path)
    io.write_csv(dropped, dropped_path)


run_main(main, snakemake.input.panel, snakemake.input.survival, dict(snakemake.params),
         snakemake.output.parquet, snakemake.output.dropped, snakemake.log[0])
