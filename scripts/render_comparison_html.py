"""Rule render_comparison_html: the paper comparison (Markdown) as a standalone HTML page."""

from pathlib import Path

from countysurv import io, report
from countysurv.logs import run_main, start_log


def main(md_path, html_path, log_path):
    log = start_log(log_path)
    text = Path(md_path).read_text(encoding="utf-8")
    io.write_text(report.markdown_to_html(text, "This run compared with the paper"), html_path)
    log.info("%s -> %s", md_path, html_path)


run_main(main, snakemake.input.md, snakemake.output.html, snakemake.log[0])
