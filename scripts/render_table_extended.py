"""Rule render_table_extended: Table 1's models beside the extended ones (csv, md, tex, html)."""

from countysurv import extended_tables, io
from countysurv.logs import run_main, start_log


def main(model_paths, terms, csv_path, md_path, tex_path, html_path, log_path):
    log = start_log(log_path)
    results = {model: io.read_json(path) for model, path in model_paths.items()}
    # Rounded as every written float is (io.SIGNIFICANT_DIGITS): the same bytes on any machine.
    table = io.round_floats(extended_tables.build_extended_table(results, terms))
    log.info("extended table: %d rows, models %s", len(table), list(results))
    io.write_text(extended_tables.table_to_csv(table), csv_path)
    io.write_text(extended_tables.render_markdown(table), md_path)
    io.write_text(extended_tables.render_latex(table), tex_path)
    io.write_text(extended_tables.render_html(table), html_path)


run_main(main, {m: getattr(snakemake.input, m) for m in extended_tables.MODEL_KEYS},
         snakemake.params.terms, snakemake.output.csv, snakemake.output.md,
         snakemake.output.tex, snakemake.output.html, snakemake.log[0])
