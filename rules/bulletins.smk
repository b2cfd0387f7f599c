# Stage 1: one job per county file, raw bulletin CSV -> normalized long rows + rejects.


rule ingest_bulletin:
    input:
        csv=get_bulletin_csv,
        code=package_modules("bulletins", "indicators", "schemas"),
    output:
        records="results/bulletins/{county}.parquet",
        rejects="results/bulletins/{county}.rejects.csv",
        counts="results/bulletins/{county}.counts.json",
    params:
        years=[config["years"]["first"], config["years"]["last"]],
    log:
        "results/logs/ingest_bulletin/{county}.log",
    benchmark:
        "results/benchmarks/ingest_bulletin/{county}.tsv"
    resources:
        mem_mb=500,
        runtime=5,
    script:
        "../scripts/ingest_bulletin.py"
