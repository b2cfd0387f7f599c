"""Rule build_lineage: for each county and covariate, the raw bulletin rows it came from."""

from countysurv import io, lineage
from countysurv.logs import run_main, start_log
from countysurv.schemas import CountyReference, PanelRecord, survival_schema


def main(records_path, covariates_path, survival_path, counties_path, upgrading, terms,
         csv_path, log_path):
    log = start_log(log_path)
    table = lineage.build_lineage(
        io.read_parquet(survival_path, survival_schema(terms), log),
        io.read_parquet(covariates_path), io.read_parquet(records_path, PanelRecord, log),
        io.read_counties_csv(counties_path, CountyReference), str(counties_path), upgrading,
        terms)
    log.info("lineage: %d rows for %d counties (%d rows from fallback years; by source: %s)",
             len(table), table["county_code"].nunique(), int(table["fallback"].sum()),
             ", ".join(f"{k} {v}" for k, v in table["panel_source"].value_counts().items()))
    io.write_csv(lineage.escape_for_csv(table), csv_path, float_format="%.17g")


run_main(main, snakemake.input.records, snakemake.input.covariates, snakemake.input.survival,
         snakemake.input.counties, snakemake.params.upgrading, snakemake.params.terms,
         snakemake.output.csv, snakemake.log[0])
