"""Rule plot_km: Kaplan–Meier curves of time to exit by a 0/1 group, with at-risk counts."""

from countysurv import figures, io
from countysurv.logs import run_main, start_log
from countysurv.schemas import survival_schema


def main(survival_path, group, terms, png_path, svg_path, log_path):
    log = start_log(log_path)
    survival = io.read_parquet(survival_path, survival_schema(terms), log)
    figures.save_figure(figures.km_figure(survival, group), png_path, svg_path)
    log.info("Kaplan–Meier by %s: %s", group, survival[group].value_counts().sort_index().to_dict())


run_main(main, snakemake.input.survival, snakemake.wildcards.group, snakemake.params.terms,
         snakemake.output.png, snakemake.output.svg, snakemake.log[0])
