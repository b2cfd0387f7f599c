# Robustness of Table 1 in one table: each term's estimate, SE, p and stars under classical, HC1,
# province-clustered and bootstrap SEs (OLS) and Efron, Breslow, clustered and bootstrap (Cox);
# the PH test under each time transform; the paper's sign and stars beside ours.
# models.terms (when configured) chooses the terms; a term the data cannot give is reported as
# not estimated, with the reason.


rule build_robustness_table:
    input:
        survival=rules.build_survival.output.parquet,
        counties=config["data"]["counties"],
        boot=get_bootstrap_summary,
        paper_table=config["data"]["paper_table"],
        paper_fit=config["data"]["paper_fit"],
        code=package_modules(
            "robustness",
            "robustness_report",
            "model_variants",
            "extended",
            "models",
            "tables",
            "schemas",
            "indicators",
        ),
    output:
        csv="results/tables/robustness.csv",
        md=report("results/tables/robustness.md", category="Tables"),
    log:
        "results/logs/build_robustness_table/build_robustness_table.log",
    benchmark:
        "results/benchmarks/build_robustness_table/build_robustness_table.tsv"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        terms=TERMS,
        cluster_by=config["extended"]["cluster_by"],
    script:
        "../scripts/build_robustness_table.py"
