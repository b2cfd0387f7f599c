"""Rule plot_index_distributions: histograms of the three indices, exited vs censored."""

from countysurv import figures, io
from countysurv.logs import run_main, start_log
from countysurv.schemas import SurvivalSpell


def main(survival_path, png_path, svg_path, log_path):
    log = start_log(log_path)
    survival = io.read_parquet(survival_path, SurvivalSpell, log)
    figures.save_figure(figures.index_distributions_figure(survival), png_path, svg_path)
    log.info("index distributions of %d counties", len(survival))


run_main(main, snakemake.input.survival, snakemake.output.png, snakemake.output.svg,
         snakemake.log[0])
