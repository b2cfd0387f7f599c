"""Rule render_table1: Table 1 in the paper's layout as csv, md, tex and html."""

from countysurv import indices, io, tables
from countysurv.logs import run_main, start_log
from countysurv.terms import not_estimated


def main(ols_path, cox_path, boot_paths, coverage_paths, terms, upgrading, csv_path, md_path,
         tex_path, html_path, log_path):
    log = start_log(log_path)
    boot = io.load_bootstrap_summary(boot_paths[0]) if boot_paths else None
    # A term left out of the model: the footnote says what it needs and what the panel holds.
    coverage = io.read_coverage_csv(coverage_paths[0]) if coverage_paths else None
    reasons = {t: indices.coverage_reason(t, coverage, upgrading) if coverage is not None else ""
               for t in not_estimated(terms)}
    # Rounded as every written float is (io.SIGNIFICANT_DIGITS): the same bytes on any machine.
    table = io.round_floats(tables.build_table1(io.load_model_result(ols_path),
                                                io.load_model_result(cox_path), boot, terms,
                                                reasons))
    log.info("Table 1: %d rows; bootstrap CIs %s; not estimated: %s", len(table),
             "included" if boot is not None else "not computed",
             "; ".join(f"{t} ({r})" for t, r in reasons.items()) or "none")
    io.write_text(tables.table1_to_csv(table), csv_path)
    io.write_text(tables.render_markdown(table), md_path)
    io.write_text(tables.render_latex(table), tex_path)
    io.write_text(tables.render_html(table), html_path)


run_main(main, snakemake.input.ols, snakemake.input.cox, list(snakemake.input.boot),
         list(snakemake.input.coverage), snakemake.params.terms, snakemake.params.upgrading,
         snakemake.output.csv, snakemake.output.md, snakemake.output.tex,
         snakemake.output.html, snakemake.log[0])
