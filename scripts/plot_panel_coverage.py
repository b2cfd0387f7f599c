"""Rule plot_panel_coverage: heatmap of which county × indicator × year cells hold a value."""

from countysurv import figures, io
from countysurv.indicators import CANONICAL, indicators_in_use
from countysurv.logs import run_main, start_log


def main(panel_path, baseline_year, png_path, svg_path, log_path):
    log = start_log(log_path)
    panel = io.read_parquet(panel_path)
    shown = indicators_in_use(c for c in CANONICAL if panel[c].notna().any())
    fig = figures.coverage_figure(panel, shown, baseline_year)
    figures.save_figure(fig, png_path, svg_path)
    log.info("coverage of %d county-years, %d indicators (%s not shown: optional, no value)",
             len(panel), len(shown), ", ".join(sorted(set(CANONICAL) - set(shown))) or "none")


run_main(main, snakemake.input.panel, snakemake.params.baseline_year, snakemake.output.png,
         snakemake.output.svg, snakemake.log[0])
