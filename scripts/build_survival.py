"""Rule build_survival: covariates + county reference -> the survival dataset."""

from countysurv import io, survival
from countysurv.logs import run_main, start_log
from countysurv.schemas import CountyReference, survival_schema


def main(covariates_path, counties_path, policy_date, censor_date, missing_covariate,
         counties_missing, terms,
         parquet_path, csv_path, excluded_path, log_path):
    log = start_log(log_path)
    covariates = io.read_parquet(covariates_path)
    reference = io.read_counties_csv(counties_path, CountyReference)
    spells, excluded = survival.build_survival(
        covariates, reference, policy_date, censor_date, missing_covariate=missing_covariate,
        counties_missing=counties_missing,
        reference_source=counties_path, covariates_source=covariates_path, terms=terms)
    spells = io.validate(spells, survival_schema(terms), parquet_path, log)
    log.info("survival dataset: %d counties, %d exits announced by %s, %d censored; "
             "%d excluded; model terms %s", len(spells), spells["event"].sum(), censor_date,
             (spells["event"] == 0).sum(), len(excluded), ", ".join(terms))
    for row in excluded.itertuples():
        log.warning("excluded %s: %s", row.county_code, row.reason)
    io.write_parquet(spells, parquet_path)
    io.write_csv(spells, csv_path)
    io.write_csv(excluded, excluded_path)


run_main(main, snakemake.input.covariates, snakemake.input.counties,
         snakemake.params.policy_date, snakemake.params.censor_date,
         snakemake.params.missing_covariate, snakemake.params.counties_missing,
         snakemake.params.terms, snakemake.output.parquet, snakemake.output.csv,
         snakemake.output.excluded, snakemake.log[0])
