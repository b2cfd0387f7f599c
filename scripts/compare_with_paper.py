"""Rule compare_with_paper: this run's Table 1 beside the paper's, cell by cell."""

from countysurv import io, tables
from countysurv.logs import run_main, start_log


def main(ols_path, cox_path, boot_paths, truth_paths, paper_table, paper_fit, md_path, log_path):
    log = start_log(log_path)
    boot = tables.load_bootstrap_summary(boot_paths[0]) if boot_paths else None
    truth = tables.load_truth(truth_paths[0]) if truth_paths else None
    text = tables.render_paper_comparison(
        tables.load_model_result(ols_path), tables.load_model_result(cox_path),
        tables.load_paper_table1(paper_table), tables.load_paper_fit(paper_fit), truth, boot)
    log.info("paper comparison written; truth %s", "included" if truth else "not given")
    io.write_text(text, md_path)


run_main(main, snakemake.input.ols, snakemake.input.cox, list(snakemake.input.boot),
         list(snakemake.input.truth), snakemake.input.paper_table, snakemake.input.paper_fit,
         snakemake.output.md, snakemake.log[0])
