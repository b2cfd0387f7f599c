"""Rule bootstrap_chunk: refit OLS and Cox on replicates [start, stop) of the bootstrap."""

from countysurv import bootstrap, io
from countysurv.logs import run_main, start_log
from countysurv.schemas import survival_schema


def main(survival_path, replicates, seed, terms, estimates_path, log_path):
    log = start_log(log_path)
    spells = io.read_parquet(survival_path, survival_schema(terms), log)
    start, stop = replicates
    estimates = bootstrap.run_chunk(spells, seed, range(start, stop), terms=terms)
    failed = estimates.loc[estimates["failure"].notna(), ["replicate", "model", "failure"]]
    log.info("replicates %d-%d (seed %d, n=%d counties): %d model fits failed %s", start,
             stop - 1, seed, len(spells), len(failed.drop_duplicates(["replicate", "model"])),
             failed.drop_duplicates(["replicate", "model"])["failure"].value_counts().to_dict())
    io.write_parquet(estimates, estimates_path)


run_main(main, snakemake.input.survival, snakemake.params.replicates, snakemake.params.seed,
         snakemake.params.terms, snakemake.output.estimates, snakemake.log[0])
