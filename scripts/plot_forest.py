"""Rule plot_forest: Cox hazard ratios with Wald and bootstrap 95% CIs, and the paper's HR."""

from countysurv import figures, io
from countysurv.logs import run_main, start_log


def main(cox_path, boot_paths, paper_table, terms, png_path, svg_path, log_path):
    log = start_log(log_path)
    boot = io.load_bootstrap_summary(boot_paths[0]) if boot_paths else None
    paper = io.load_paper_table1(paper_table)
    paper_hr = dict(zip(paper.loc[paper["model"] == "cox", "term"],
                        paper.loc[paper["model"] == "cox", "hazard_ratio"]))
    cox = io.load_model_result(cox_path)
    fig = figures.forest_figure(cox, boot, paper_hr, io.model_terms(cox, terms, cox_path))
    figures.save_figure(fig, png_path, svg_path)
    log.info("forest plot: bootstrap CIs %s", "shown" if boot is not None else "not computed")


run_main(main, snakemake.input.cox, list(snakemake.input.boot), snakemake.input.paper_table,
         snakemake.params.terms, snakemake.output.png, snakemake.output.svg, snakemake.log[0])
