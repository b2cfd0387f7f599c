# Stage 2: all counties' normalized rows -> validated county x year panel and its coverage.


rule build_panel:
    input:
        records=ingested("parquet"),
        rejects=ingested("rejects.csv"),
        counts=ingested("counts.json"),
        code=package_modules("panels", "indicators", "schemas"),
    output:
        panel="results/panel/panel.parquet",
        coverage="results/panel/coverage.csv",
        ingestion="results/panel/ingestion.csv",
    log:
        "results/logs/build_panel/build_panel.log",
    benchmark:
        "results/benchmarks/build_panel/build_panel.tsv"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        years=[config["years"]["first"], config["years"]["last"]],
        sector_tolerance=config["indices"]["sector_sum_tolerance"],
    script:
        "../scripts/build_panel.py"
