"""Rule analyze_exit_timing: KM by ethnic area and region, discrete-time model, figures."""

import pandas as pd

from countysurv import exittiming, io
from countysurv.logs import run_main, start_log


def main(counties_path, origin_year, last_year, link, out, log_path):
    log = start_log(log_path)
    counties = pd.read_csv(counties_path, dtype={"county_code": str, "code_current": str,
                                                 "prefecture_code": str})
    result = exittiming.analyze(counties, origin_year, last_year, link)
    m = result["model"]
    log.info("%d counties, exits after %d censored (%d); model %s: %d county-years, %d events, "
             "%d clusters; %s", len(counties), last_year, result["censored_after_last_year"],
             m["formula"], m["n_rows"], m["n_events"], m["n_clusters"],
             {k: round(v, 4) for k, v in m["coef"].items()})
    io.write_json(result, out["json"])
    io.write_text(exittiming.render_markdown(result), out["md"])
    for group in exittiming.GROUPINGS:
        exittiming.plot_km(counties, group, origin_year, last_year,
                           out[f"km_{group}_png"], out[f"km_{group}_svg"])


run_main(main, snakemake.input.counties, snakemake.params.origin_year,
         snakemake.params.last_year, snakemake.params.link, dict(snakemake.output.items()),
         snakemake.log[0])
