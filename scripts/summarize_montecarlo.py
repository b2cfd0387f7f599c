"""Rule summarize_montecarlo: bias, RMSE, CI coverage and PH-test size; table and figure."""

import pandas as pd

from countysurv import bootstrap, io, montecarlo
from countysurv.errors import InputDataError
from countysurv.logs import run_main, start_log


def main(chunk_paths, params, out, log_path):
    log = start_log(log_path)
    est = montecarlo.sort_estimates(pd.concat([pd.read_parquet(p) for p in chunk_paths],
                                              ignore_index=True))
    dup = est.duplicated(["n", "replication", "model", "term"])
    if dup.any():
        raise InputDataError(f"{int(dup.sum())} duplicated Monte Carlo rows; were two "
                                    "chunks given the same replications?")
    summary = montecarlo.summarize(est, params["ph_alpha"])
    log.info("Monte Carlo: %d estimate rows from %d chunk files; sizes %s; failed fits by "
             "model %s", len(est), len(chunk_paths), sorted(est["n"].unique()),
             summary.groupby("model")["n_failed"].max().to_dict())
    io.write_parquet(est, out.estimates)
    io.write_csv(bootstrap.format_summary(summary), out.summary)
    io.write_text(montecarlo.render_markdown(summary, params["replications"],
                                             params["bootstrap_replicates"], params["seed"],
                                             params["ph_alpha"]), out.md)
    montecarlo.plot_summary(summary, est, out.png, out.svg, params["replications"])


run_main(main, list(snakemake.input.chunks), dict(snakemake.params), snakemake.output,
         snakemake.log[0])
