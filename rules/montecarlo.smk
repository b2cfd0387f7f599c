# Monte Carlo study of the models: `snakemake montecarlo`. Not part of rule all.
# Replications are simulated and fitted in chunk jobs (few, well-sized jobs for a cluster);
# replication r of size n is seeded with default_rng([seed, n, r]), so the summary does not
# depend on the chunking, the cores or the executor.


rule montecarlo_chunk:
    input:
        code=package_modules(
            "montecarlo",
            "extended",
            "models",
            "bootstrap",
            "batched",
            "counting",
            "simulate",
            "indices",
            "figures",
        ),
    output:
        estimates="results/montecarlo/chunks/n{size}/{chunk}.parquet",
    log:
        "results/logs/montecarlo_chunk/n{size}_{chunk}.log",
    benchmark:
        "results/benchmarks/montecarlo_chunk/n{size}_{chunk}.tsv"
    wildcard_constraints:
        size=r"\d+",
    resources:
        mem_mb=2000,
        runtime=60,
    params:
        replications=mc_chunk_replications,
        seed=config["montecarlo"]["seed"],
        bootstrap_replicates=config["montecarlo"]["bootstrap_replicates"],
        time_varying=config["montecarlo"]["time_varying"],
        lag_years=config["extended"]["time_varying"]["lag_years"],
    script:
        "../scripts/montecarlo_chunk.py"


rule summarize_montecarlo:
    input:
        chunks=get_montecarlo_chunks,
        code=package_modules(
            "montecarlo",
            "figures",
            "bootstrap",
            "batched",
            "extended",
            "counting",
            "indices",
            "models",
            "simulate",
        ),
    output:
        estimates="results/montecarlo/estimates.parquet",
        summary="results/montecarlo/summary.csv",
        md="results/montecarlo/summary.md",
        png=report("results/montecarlo/coverage.png", category="Monte Carlo"),
        svg="results/montecarlo/coverage.svg",
    log:
        "results/logs/summarize_montecarlo/summarize_montecarlo.log",
    benchmark:
        "results/benchmarks/summarize_montecarlo/summarize_montecarlo.tsv"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        replications=config["montecarlo"]["replications"],
        seed=config["montecarlo"]["seed"],
        bootstrap_replicates=config["montecarlo"]["bootstrap_replicates"],
        ph_alpha=config["montecarlo"]["ph_alpha"],
    script:
        "../scripts/summarize_montecarlo.py"


rule montecarlo:
    input:
        rules.summarize_montecarlo.output.summary,
        rules.summarize_montecarlo.output.md,
        rules.summarize_montecarlo.output.png,
        rules.summarize_montecarlo.output.svg,
