"""Rule compare_with_paper: this run's Table 1 (table1.csv) beside the paper's, cell by cell."""

from countysurv import io, paper, tables
from countysurv.errors import InputDataError
from countysurv.logs import run_main, start_log


def main(table1_path, truth_paths, paper_table, paper_fit, terms, md_path, log_path):
    log = start_log(log_path)
    table = tables.read_table1_csv(table1_path)
    if sorted(tables.estimated_terms(table)) != sorted(terms):
        raise InputDataError(f"{table1_path}: estimates of {tables.estimated_terms(table)}, but "
                             f"config models.terms is {list(terms)}; rerun render_table1")
    truth = io.load_truth(truth_paths[0]) if truth_paths else None
    text = paper.render_paper_comparison(table, io.load_paper_table1(paper_table),
                                         io.load_paper_fit(paper_fit), truth)
    log.info("paper comparison written; truth %s; bootstrap CIs %s",
             "included" if truth else "not given",
             "included" if tables.has_bootstrap(table) else "not computed")
    io.write_text(text, md_path)


run_main(main, snakemake.input.table1, list(snakemake.input.truth), snakemake.input.paper_table,
         snakemake.input.paper_fit, snakemake.params.terms, snakemake.output.md,
         snakemake.log[0])
