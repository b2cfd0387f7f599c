# Stage 6: Table 1 in the paper's layout (csv, md, tex, html) and the cell-by-cell comparison.


rule render_table1:
    input:
        ols=rules.fit_ols.output.json,
        cox=rules.fit_cox.output.json,
        boot=get_bootstrap_summary,
        coverage=get_table1_coverage,
        code=package_modules("tables", "indices"),
    output:
        csv="results/tables/table1.csv",
        md="results/tables/table1.md",
        tex=report("results/tables/table1.tex", category="Tables"),
        html=report("results/tables/table1.html", category="Tables"),
    log:
        "results/logs/render_table1/render_table1.log",
    resources:
        mem_mb=500,
        runtime=5,
    params:
        terms=TERMS,
        upgrading=config["indices"]["upgrading"],
    script:
        "../scripts/render_table1.py"


# The comparison reads this run's Table 1 as written (table1.csv, with the bootstrap CIs when
# there are any), so it sets beside the paper exactly the numbers the table reports.
rule compare_with_paper:
    input:
        table1=rules.render_table1.output.csv,
        truth=get_truth,
        paper_table=config["data"]["paper_table"],
        paper_fit=config["data"]["paper_fit"],
        code=package_modules("paper", "tables"),
    output:
        md=report("results/tables/paper_comparison.md", category="Tables"),
    log:
        "results/logs/compare_with_paper/compare_with_paper.log",
    resources:
        mem_mb=500,
        runtime=5,
    params:
        terms=TERMS,
    script:
        "../scripts/compare_with_paper.py"
