"""Rule build_panel: all counties' normalized rows -> county x year panel and coverage."""

import pandas as pd

from countysurv import io, panels
from countysurv.logs import run_main, start_log
from countysurv.schemas import BulletinRecord, CountyYear, Coverage


def main(record_paths, count_paths, years, sector_tolerance, panel_path, coverage_path,
         ingestion_path, log_path):
    log = start_log(log_path)
    records = pd.concat([io.read_parquet(p) for p in record_paths], ignore_index=True)
    records = io.validate(records, BulletinRecord, "normalized bulletins", log)
    ingestion = panels.ingestion_summary([io.read_json(p) for p in count_paths])
    log.info("%d files: %d rows in = %d kept + %d rejected", len(ingestion),
             ingestion["rows_in"].sum(), ingestion["rows_kept"].sum(),
             ingestion["rows_rejected"].sum())
    codes = [p.rsplit("/", 1)[-1].removesuffix(".parquet") for p in record_paths]
    panel = panels.build_panel(records, codes, tuple(years), sector_tolerance)
    panel = io.validate(panel, CountyYear, panel_path, log)
    coverage = io.validate(panels.coverage_table(panel), Coverage, coverage_path, log)
    log.info("panel: %d counties x %d years = %d rows; %d of %d indicator cells missing",
             panel["county_code"].nunique(), panel["year"].nunique(), len(panel),
             coverage["missing"].sum(), coverage["years_expected"].sum())
    io.write_parquet(panel, panel_path)
    io.write_csv(coverage, coverage_path)
    io.write_csv(ingestion, ingestion_path)


run_main(main, snakemake.input.records, snakemake.input.counts, snakemake.params.years,
         snakemake.params.sector_tolerance, snakemake.output.panel, snakemake.output.coverage,
         snakemake.output.ingestion, snakemake.log[0])
