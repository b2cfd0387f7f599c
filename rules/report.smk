# Stage 7: figures, the audit of the published table, cell-to-source lineage and the report.
# `snakemake` builds everything here; `snakemake --report results/report.html` then bundles the
# figures and tables marked with report(...) into one self-contained HTML file, opening on
# report/workflow.rst (paths in this file are relative to rules/).


report: "report/workflow.rst"


rule plot_km:
    input:
        survival=rules.build_survival.output.parquet,
        code=package_modules("figures", "indicators", "schemas"),
    output:
        **figure_report(
            "results/figures/km_{group}",
            caption="report/km.rst",
            subcategory="Kaplan–Meier curves",
            figure="KM by {group}",
        ),
    log:
        "results/logs/plot_km/{group}.log",
    wildcard_constraints:
        group="nation|industry",
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        terms=TERMS,
    script:
        "../scripts/plot_km.py"


rule plot_forest:
    input:
        cox=rules.fit_cox.output.json,
        boot=get_bootstrap_summary,
        paper_table=config["data"]["paper_table"],
        code=package_modules("figures"),
    output:
        **figure_report(
            "results/figures/forest_cox",
            caption="report/forest.rst",
            subcategory="Cox model",
            figure="hazard ratios",
        ),
    log:
        "results/logs/plot_forest/plot_forest.log",
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        terms=TERMS,
    script:
        "../scripts/plot_forest.py"


rule plot_schoenfeld:
    input:
        survival=rules.build_survival.output.parquet,
        cox=rules.fit_cox.output.json,
        code=package_modules("figures", "models", "schemas", "indicators"),
    output:
        **figure_report(
            "results/figures/schoenfeld",
            caption="report/schoenfeld.rst",
            subcategory="Cox model",
            figure="Schoenfeld residuals",
        ),
    log:
        "results/logs/plot_schoenfeld/plot_schoenfeld.log",
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        terms=TERMS,
    script:
        "../scripts/plot_schoenfeld.py"


rule plot_index_distributions:
    input:
        survival=rules.build_survival.output.parquet,
        code=package_modules("figures", "schemas", "indicators"),
    output:
        **figure_report(
            "results/figures/index_distributions",
            caption="report/indices.rst",
            subcategory="Data",
            figure="index distributions",
        ),
    log:
        "results/logs/plot_index_distributions/plot_index_distributions.log",
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        terms=TERMS,
    script:
        "../scripts/plot_index_distributions.py"


rule plot_panel_coverage:
    input:
        panel=rules.build_panel.output.panel,
        code=package_modules("figures", "indicators"),
    output:
        **figure_report(
            "results/figures/panel_coverage",
            caption="report/coverage.rst",
            subcategory="Data",
            figure="panel coverage",
        ),
    log:
        "results/logs/plot_panel_coverage/plot_panel_coverage.log",
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        baseline_year=config["baseline_year"],
    script:
        "../scripts/plot_panel_coverage.py"


rule audit_paper_table:
    input:
        paper_table=config["data"]["paper_table"],
        paper_fit=config["data"]["paper_fit"],
        code=package_modules("audit", "report"),
    output:
        md="results/tables/paper_audit.md",
        html=report(
            "results/tables/paper_audit.html",
            caption="report/audit.rst",
            category="Tables",
            labels={"table": "audit of the published Table 1"},
        ),
    log:
        "results/logs/audit_paper_table/audit_paper_table.log",
    resources:
        mem_mb=500,
        runtime=5,
    script:
        "../scripts/audit_paper_table.py"


rule render_comparison_html:
    input:
        md=rules.compare_with_paper.output.md,
        code=package_modules("report"),
    output:
        html=report(
            "results/tables/paper_comparison.html",
            caption="report/comparison.rst",
            category="Tables",
            labels={"table": "this run beside the paper"},
        ),
    log:
        "results/logs/render_comparison_html/render_comparison_html.log",
    resources:
        mem_mb=500,
        runtime=5,
    script:
        "../scripts/render_comparison_html.py"


rule build_lineage:
    input:
        records=rules.build_panel.output.records,
        covariates=rules.compute_covariates.output.parquet,
        survival=rules.build_survival.output.parquet,
        counties=config["data"]["counties"],
        code=package_modules("lineage", "indices", "schemas", "indicators"),
    output:
        csv=report(
            "results/analysis/lineage.csv",
            caption="report/lineage.rst",
            category="Lineage",
            labels={"table": "cell-to-source lineage"},
        ),
    log:
        "results/logs/build_lineage/build_lineage.log",
    benchmark:
        "results/benchmarks/build_lineage/build_lineage.tsv"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        upgrading=config["indices"]["upgrading"],
        terms=TERMS,
    script:
        "../scripts/build_lineage.py"
