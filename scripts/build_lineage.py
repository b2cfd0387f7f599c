"""Rule build_lineage: for each county and covariate, the raw bulletin rows it came from."""

from pathlib import Path

import pandas as pd

from countysurv import io, lineage
from countysurv.logs import run_main, start_log
from countysurv.schemas import CountyReference, survival_schema


def main(record_paths, covariates_path, survival_path, counties_path, bulletins_dir, upgrading,
         terms, csv_path, log_path):
    log = start_log(log_path)
    records = pd.concat([io.read_parquet(p) for p in record_paths], ignore_index=True)
    files = {Path(p).stem: str(Path(bulletins_dir) / f"{Path(p).stem}.csv") for p in record_paths}
    table = lineage.build_lineage(
        io.read_parquet(survival_path, survival_schema(terms), log),
        io.read_parquet(covariates_path),
        records, io.read_counties_csv(counties_path, CountyReference), files, str(counties_path),
        upgrading, terms)
    log.info("lineage: %d rows for %d counties (%d rows from fallback years)", len(table),
             table["county_code"].nunique(), int(table["fallback"].sum()))
    io.write_csv(lineage.escape_for_csv(table), csv_path)


run_main(main, list(snakemake.input.records), snakemake.input.covariates,
         snakemake.input.survival, snakemake.input.counties, snakemake.params.bulletins_dir,
         snakemake.params.upgrading, snakemake.params.terms, snakemake.output.csv,
         snakemake.log[0])
