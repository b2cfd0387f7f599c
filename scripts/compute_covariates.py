"""Rule compute_covariates: panel -> baseline-year covariates of the model terms, with fallback flags."""

from countysurv import indices, io
from countysurv.logs import run_main, start_log
from countysurv.schemas import CountyYear


def main(panel_path, baseline_year, fallback_window, upgrading, terms, parquet_path, csv_path,
         log_path):
    log = start_log(log_path)
    panel = io.read_parquet(panel_path, CountyYear, log)
    yearly = indices.yearly_covariates(panel, upgrading=upgrading, terms=terms, source=panel_path)
    covariates = indices.baseline_covariates(yearly, baseline_year, fallback_window, terms)
    indices.check_terms_have_values(covariates, terms, panel_path, upgrading)
    log.info("covariates %s of %d counties at baseline year %d (window %d, upgrading index %s); "
             "%d county-covariate fallbacks", ", ".join(indices.panel_terms(terms)),
             len(covariates), baseline_year, fallback_window, upgrading,
             int(covariates.filter(like="_fallback").to_numpy().sum()))
    io.write_parquet(covariates, parquet_path)
    io.write_csv(covariates, csv_path)


run_main(main, snakemake.input.panel, snakemake.params.baseline_year,
         snakemake.params.fallback_window, snakemake.params.upgrading, snakemake.params.terms,
         snakemake.output.parquet, snakemake.output.csv, snakemake.log[0])
