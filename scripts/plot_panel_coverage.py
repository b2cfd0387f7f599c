"""Rule plot_panel_coverage: heatmap of which county × indicator × year cells hold a value."""

from countysurv import figures, io
from countysurv.indicators import CANONICAL
from countysurv.logs import run_main, start_log


def main(panel_path, baseline_year, png_path, svg_path, log_path):
    log = start_log(log_path)
    panel = io.read_parquet(panel_path)
    fig = figures.coverage_figure(panel, CANONICAL, baseline_year)
    figures.save_figure(fig, png_path, svg_path)
    log.info("coverage of %d county-years, %d indicators", len(panel), len(CANONICAL))


run_main(main, snakemake.input.panel, snakemake.params.baseline_year, snakemake.output.png,
         snakemake.output.svg, snakemake.log[0])
