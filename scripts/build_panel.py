"""Rule build_panel: every source's normalized rows -> one county x year panel, its coverage,
the records used per cell and the conflicts between sources (countysurv/sources.py)."""

import pandas as pd

from countysurv import io, panels, sources
from countysurv.logs import run_main, start_log
from countysurv.schemas import CountyYear, Coverage, PanelRecord, SourceConflict


def main(inputs, years, sector_tolerance, relative, panel_path, coverage_path, ingestion_path,
         records_path, conflicts_path, log_path):
    """``inputs``: source name -> (record, reject, count paths), in precedence order."""
    log = start_log(log_path)
    by_source, ingestions, codes = {}, [], set()
    for name, (record_paths, reject_paths, count_paths) in inputs.items():
        by_source[name], ingestion = panels.load_bulletins(record_paths, reject_paths,
                                                           count_paths, log)
        ingestions.append(ingestion)
        codes |= {p.rsplit("/", 1)[-1].removesuffix(".parquet") for p in record_paths}
    ingestion = pd.concat(ingestions).sort_values("file").reset_index(drop=True)
    log.info("%d files: %d rows in = %d kept + %d rejected", len(ingestion),
             ingestion["rows_in"].sum(), ingestion["rows_kept"].sum(),
             ingestion["rows_rejected"].sum())
    combined = sources.reconcile(by_source, relative)
    for row in combined.summary.itertuples():
        log.info("source %s: %d cells, %d used in the panel, %d agreeing with and %d "
                 "conflicting with the value used", row.source, row.cells, row.used,
                 row.confirmed, row.conflicting)
    for c in combined.conflicts.itertuples():
        log.warning("conflict %s %d %s: %s %s (%s line %d) vs %s %s (%s line %d); %s used",
                    c.county_code, c.year, c.indicator, c.source_a, c.printed_a, c.file_a,
                    c.line_a, c.source_b, c.printed_b, c.file_b, c.line_b, c.used)
    records = io.validate(combined.records, PanelRecord, records_path, log)
    conflicts = io.validate(combined.conflicts, SourceConflict, conflicts_path, log)
    panel = panels.build_panel(records, sorted(codes), tuple(years), sector_tolerance)
    panel = io.validate(panel, CountyYear, panel_path, log)
    coverage = io.validate(panels.coverage_table(panel), Coverage, coverage_path, log)
    log.info("panel: %d counties x %d years = %d rows; %d of %d indicator cells missing",
             panel["county_code"].nunique(), panel["year"].nunique(), len(panel),
             coverage["missing"].sum(), coverage["years_expected"].sum())
    io.write_parquet(panel, panel_path)
    io.write_csv(coverage, coverage_path)
    io.write_csv(ingestion, ingestion_path)
    io.write_parquet(records, records_path)
    io.write_csv(conflicts, conflicts_path)


def _paths(files):
    """A named input as a list (Snakemake gives one file as a string)."""
    return [files] if isinstance(files, str) else list(files)


run_main(main, {name: tuple(_paths(getattr(snakemake.input, f"{name}_{kind}"))
                            for kind in ("records", "rejects", "counts"))
                for name in snakemake.params.sources},
         snakemake.params.years, snakemake.params.sector_tolerance,
         snakemake.params.relative_tolerance, snakemake.output.panel, snakemake.output.coverage,
         snakemake.output.ingestion, snakemake.output.records, snakemake.output.conflicts,
         snakemake.log[0])
