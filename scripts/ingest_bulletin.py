"""Rule ingest_bulletin: one raw bulletin CSV -> normalized rows, rejects and row counts."""

from countysurv import bulletins, io
from countysurv.logs import run_main, start_log
from countysurv.schemas import BulletinRecord, RejectedRow


def main(csv_path, years, records_path, rejects_path, counts_path, log_path):
    log = start_log(log_path)
    result = bulletins.read_bulletin(csv_path, tuple(years))
    records = io.validate(result.records, BulletinRecord, csv_path, log)
    rejects = io.validate(result.rejects, RejectedRow, csv_path, log)
    io.write_parquet(records, records_path)
    io.write_csv(rejects, rejects_path)
    io.write_json({"file": str(csv_path), "encoding": result.encoding, **result.counts},
                  counts_path)


run_main(main, snakemake.input.csv, snakemake.params.years, snakemake.output.records,
         snakemake.output.rejects, snakemake.output.counts, snakemake.log[0])
