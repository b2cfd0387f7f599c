# Stage 5: bootstrap over counties in chunk jobs (few, well-sized jobs for a cluster), then a
# summary that does not depend on the chunking.


rule bootstrap_chunk:
    input:
        survival=rules.build_survival.output.parquet,
        code=package_modules("bootstrap", "batched", "schemas", "indicators"),
    output:
        estimates="results/bootstrap/chunks/{chunk}.parquet",
    log:
        "results/logs/bootstrap_chunk/{chunk}.log",
    benchmark:
        "results/benchmarks/bootstrap_chunk/{chunk}.tsv"
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        replicates=chunk_replicates,
        seed=config["bootstrap"]["seed"],
        terms=TERMS,
    script:
        "../scripts/bootstrap_chunk.py"


rule summarize_bootstrap:
    input:
        chunks=expand("results/bootstrap/chunks/{chunk}.parquet", chunk=CHUNKS),
        ols=rules.fit_ols.output.json,
        cox=rules.fit_cox.output.json,
        code=package_modules("bootstrap", "batched"),
    output:
        replicates="results/bootstrap/replicates.parquet",
        summary="results/bootstrap/summary.csv",
    log:
        "results/logs/summarize_bootstrap/summarize_bootstrap.log",
    benchmark:
        "results/benchmarks/summarize_bootstrap/summarize_bootstrap.tsv"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        replicates=config["bootstrap"]["replicates"],
        seed=config["bootstrap"]["seed"],
        terms=TERMS,
    script:
        "../scripts/summarize_bootstrap.py"
