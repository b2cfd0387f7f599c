"""Rule ingest_bulletin: one raw bulletin CSV -> normalized rows, rejects and row counts.

Run by a ``shell:`` rule as ``python scripts/ingest_bulletin.py --csv ... --log ...`` rather than
``script:``: this job runs once per county, and Snakemake's script preamble (~0.15 s) plus
pandas/pandera (~1 s) would be most of its cost. It imports only the standard library: csv to
parse, ``countysurv.parquet`` to write the parquet (importing pyarrow was ~0.2 s of the job's
~0.27 s of CPU); the kept rows are validated against the BulletinRecord schema in the panel
job. Python puts this file's folder on sys.path, so ``countysurv`` imports as it does for
``script:`` rules.
"""

import argparse

from countysurv import bulletins
from countysurv.logs import run_main, start_log


def main(csv_path, code, names, years, records_path, rejects_path, counts_path, log_path,
         allow_empty=False):
    start_log(log_path)
    result = bulletins.read_bulletin(csv_path, tuple(years), code, names, allow_empty)
    bulletins.write_outputs(result, csv_path, records_path, rejects_path, counts_path)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("csv", "records", "rejects", "counts", "log"):
        parser.add_argument(f"--{name}", required=True)
    parser.add_argument("--code", required=True, help="the county's 6-digit code")
    parser.add_argument("--names", nargs="*", default=[],
                        help="names of the county rows may carry instead of the code")
    parser.add_argument("--years", type=int, nargs=2, required=True)
    parser.add_argument("--allow-empty", action="store_true",
                        help="accept a file without data rows (a raw CSV the workflow wrote)")
    args = parser.parse_args()
    run_main(main, args.csv, args.code, args.names, args.years, args.records, args.rejects,
             args.counts, args.log, args.allow_empty)
