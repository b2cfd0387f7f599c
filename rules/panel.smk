# Stage 2: every source's normalized rows (config sources.precedence: the hand-made bulletin
# CSVs, the values extracted from bulletin texts, ...) -> one validated county x year panel, its
# coverage, the record used for each cell (with its source) and the conflicts between sources
# (countysurv/sources.py states the agreement rule).


rule build_panel:
    input:
        unpack(get_panel_inputs),
        code=package_modules("panels", "sources", "indicators", "schemas"),
    output:
        panel="results/panel/panel.parquet",
        coverage="results/panel/coverage.csv",
        ingestion="results/panel/ingestion.csv",
        records="results/panel/records.parquet",
        conflicts="results/panel/conflicts.csv",
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
        sources=PANEL_SOURCES,
        relative_tolerance=config["sources"]["tolerance"]["relative"],
    script:
        "../scripts/build_panel.py"
