"""Rule plot_index_distributions: histograms of the indices (and extra terms) in the model, exited vs censored."""

from countysurv import figures, io
from countysurv.logs import run_main, start_log
from countysurv.schemas import survival_schema
from countysurv.terms import distribution_terms


def main(survival_path, terms, png_path, svg_path, log_path):
    log = start_log(log_path)
    survival = io.read_parquet(survival_path, survival_schema(terms), log)
    shown = distribution_terms(terms)
    figures.save_figure(figures.index_distributions_figure(survival, shown), png_path,
                        svg_path)
    log.info("distributions of %s over %d counties", ", ".join(shown) or "no index",
             len(survival))


run_main(main, snakemake.input.survival, snakemake.params.terms, snakemake.output.png,
         snakemake.output.svg, snakemake.log[0])
