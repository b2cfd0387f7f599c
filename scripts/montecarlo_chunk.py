"""Rule montecarlo_chunk: simulate and fit Monte Carlo replications [start, stop) of one size."""

from countysurv import io, montecarlo
from countysurv.logs import run_main, start_log


def main(size, replications, params, estimates_path, log_path):
    log = start_log(log_path)
    start, stop = replications
    est = montecarlo.run_chunk(params["seed"], int(size), range(start, stop),
                               params["bootstrap_replicates"], params["time_varying"],
                               params["lag_years"])
    failed = est[est["failure"].notna()].drop_duplicates(["replication", "model"])
    log.info("n=%s replications %d-%d (seed %d, B=%d, time-varying %s): %d rows; %d model fits "
             "failed %s; mean censored share %.3f", size, start, stop - 1, params["seed"],
             params["bootstrap_replicates"], params["time_varying"], len(est), len(failed),
             failed["model"].value_counts().to_dict(), est["censored_share"].mean())
    io.write_parquet(est, estimates_path)


run_main(main, snakemake.wildcards.size, snakemake.params.replications, dict(snakemake.params),
         snakemake.output.estimates, snakemake.log[0])
