"""Rule build_survival: covariates + county reference -> the survival dataset (DESIGN 5)."""

from countysurv import indices, io, survival
from countysurv.logs import run_main, start_log
from countysurv.schemas import SurvivalSpell


def main(covariates_path, counties_path, policy_date, censor_date, missing_covariate,
         parquet_path, csv_path, excluded_path, log_path):
    log = start_log(log_path)
    covariates = io.read_parquet(covariates_path)
    if missing_covariate == "error":
        indices.check_complete(covariates, covariates_path)
    reference = survival.read_reference(counties_path)
    spells, excluded = survival.build_survival(covariates, reference, policy_date, censor_date,
                                               reference_source=counties_path)
    spells = io.validate(spells, SurvivalSpell, parquet_path, log)
    log.info("survival dataset: %d counties, %d exits announced by %s, %d censored; "
             "%d excluded", len(spells), spells["event"].sum(), censor_date,
             (spells["event"] == 0).sum(), len(excluded))
    for row in excluded.itertuples():
        log.warning("excluded %s: %s", row.county_code, row.reason)
    io.write_parquet(spells, parquet_path)
    io.write_csv(spells, csv_path)
    io.write_csv(excluded, excluded_path)


run_main(main, snakemake.input.covariates, snakemake.input.counties,
         snakemake.params.policy_date, snakemake.params.censor_date,
         snakemake.params.missing_covariate, snakemake.output.parquet, snakemake.output.csv,
         snakemake.output.excluded, snakemake.log[0])
