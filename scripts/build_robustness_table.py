"""Rule build_robustness_table: every term under each variance, ties method and PH transform."""

from countysurv import extended, io, robustness, robustness_report
from countysurv.logs import run_main, start_log
from countysurv.schemas import CountyReference


def main(survival_path, counties_path, boot_paths, paper_path, paper_fit_path, terms,
         cluster_by, csv_path, md_path, log_path):
    log = start_log(log_path)
    spells = io.read_parquet(survival_path, None, log)
    robustness.check_survival(spells, survival_path)
    clusters = extended.attach_clusters(spells, io.read_counties_csv(counties_path, CountyReference), cluster_by)
    boot = io.load_bootstrap_summary(boot_paths[0]) if boot_paths else None
    table = robustness.build_robustness_table(
        spells, terms or robustness.MODEL_TERMS, clusters, cluster_name=cluster_by, boot=boot,
        paper=io.load_paper_table1(paper_path),
        paper_ph_global_p=robustness.paper_ph_pvalue(io.load_paper_fit(paper_fit_path)),
        source=survival_path)
    missing = table.loc[table["status"] == "not_estimated", ["model", "term", "method", "reason"]]
    log.info("robustness: %d counties in %d clusters (%s); terms %s; bootstrap summary %s; "
             "%d rows, %d not estimated:\n%s", len(spells), clusters.nunique(), cluster_by,
             list(terms or robustness.MODEL_TERMS), "given" if boot is not None else "absent",
             len(table), len(missing),
             missing.to_string(index=False) if len(missing) else "(none)")
    log.info("%s", " ".join(robustness_report.describe_agreement(table)))
    io.write_text(robustness.robustness_to_csv(table), csv_path)
    io.write_text(robustness_report.render_markdown(table), md_path)


run_main(main, snakemake.input.survival, snakemake.input.counties, list(snakemake.input.boot),
         snakemake.input.paper_table, snakemake.input.paper_fit, snakemake.params.terms,
         snakemake.params.cluster_by, snakemake.output.csv, snakemake.output.md,
         snakemake.log[0])
