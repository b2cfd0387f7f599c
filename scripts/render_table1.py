"""Rule render_table1: Table 1 in the paper's layout as csv, md, tex and html."""

from countysurv import io, tables
from countysurv.logs import run_main, start_log


def main(ols_path, cox_path, boot_paths, csv_path, md_path, tex_path, html_path, log_path):
    log = start_log(log_path)
    boot = io.load_bootstrap_summary(boot_paths[0]) if boot_paths else None
    # Rounded as every written float is (io.SIGNIFICANT_DIGITS): the same bytes on any machine.
    table = io.round_floats(tables.build_table1(io.load_model_result(ols_path),
                                                io.load_model_result(cox_path), boot))
    log.info("Table 1: %d rows; bootstrap CIs %s", len(table),
             "included" if boot is not None else "not computed")
    io.write_text(tables.table1_to_csv(table), csv_path)
    io.write_text(tables.render_markdown(table), md_path)
    io.write_text(tables.render_latex(table), tex_path)
    io.write_text(tables.render_html(table), html_path)


run_main(main, snakemake.input.ols, snakemake.input.cox, list(snakemake.input.boot),
         snakemake.output.csv, snakemake.output.md, snakemake.output.tex,
         snakemake.output.html, snakemake.log[0])
