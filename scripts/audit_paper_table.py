"""Rule audit_paper_table: internal consistency of the published Table 1 (md and html)."""

from countysurv import audit, io, report
from countysurv.logs import run_main, start_log


def main(paper_table, paper_fit, md_path, html_path, log_path):
    log = start_log(log_path)
    findings = audit.audit_table(audit.load_printed_table(paper_table),
                                 audit.load_printed_table(paper_fit))
    text = audit.render_audit_markdown(findings, f"`{paper_table}` and `{paper_fit}`")
    log.info("audit: %s", audit.findings_frame(findings)["status"].value_counts().to_dict())
    io.write_text(text, md_path)
    io.write_text(report.markdown_to_html(text, "Audit of the published Table 1"), html_path)


run_main(main, snakemake.input.paper_table, snakemake.input.paper_fit, snakemake.output.md,
         snakemake.output.html, snakemake.log[0])
