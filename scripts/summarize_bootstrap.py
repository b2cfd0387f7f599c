"""Rule summarize_bootstrap: all chunks -> replicate table and per-term summary."""

from countysurv import bootstrap, io
from countysurv.errors import InputDataError
from countysurv.logs import run_main, start_log


def main(chunk_paths, ols_path, cox_path, n_replicates, seed, terms, replicates_path,
         summary_path, log_path):
    log = start_log(log_path)
    estimates = bootstrap.collect_chunks([io.read_parquet(p) for p in chunk_paths], terms)
    found = estimates["replicate"].nunique()
    if found != n_replicates:
        raise InputDataError(f"bootstrap chunks hold {found} replicates, config asks for "
                             f"{n_replicates}; rerun the chunks")
    point = {"ols": io.read_json(ols_path)["coef"], "cox": io.read_json(cox_path)["coef"]}
    summary = bootstrap.summarize(estimates, point=point, terms=terms)
    for row in summary.drop_duplicates("model").itertuples():
        log.info("%s: %d replicates (seed %d), %d used, %d failed", row.model,
                 row.n_replicates, seed, row.n_used, row.n_failed)
    io.write_parquet(estimates, replicates_path)
    io.write_csv(bootstrap.format_summary(summary), summary_path)


run_main(main, snakemake.input.chunks, snakemake.input.ols, snakemake.input.cox,
         snakemake.params.replicates, snakemake.params.seed, snakemake.params.terms,
         snakemake.output.replicates,
         snakemake.output.summary, snakemake.log[0])
