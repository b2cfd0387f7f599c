"""Rule build_panel: all counties' normalized rows -> county x year panel and coverage."""

from countysurv import io, panels
from countysurv.logs import run_main, start_log
from countysurv.schemas import CountyYear, Coverage


def main(record_paths, reject_paths, count_paths, years, sector_tolerance, panel_path,
         coverage_path, ingestion_path, log_path):
    log = start_log(log_path)
    records, ingestion = panels.load_bulletins(record_paths, reject_paths, count_paths, log)
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


run_main(main, snakemake.input.records, snakemake.input.rejects, snakemake.input.counts,
         snakemake.params.years, snakemake.params.sector_tolerance, snakemake.output.panel,
         snakemake.output.coverage, snakemake.output.ingestion, snakemake.log[0])
