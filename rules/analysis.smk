# Stage 3: panel -> baseline-year covariates (with fallback flags) -> survival dataset.


rule compute_covariates:
    input:
        panel=rules.build_panel.output.panel,
        code=package_modules("indices", "schemas", "indicators"),
    output:
        parquet="results/analysis/covariates.parquet",
        csv="results/analysis/covariates.csv",
    log:
        "results/logs/compute_covariates/compute_covariates.log",
    benchmark:
        "results/benchmarks/compute_covariates/compute_covariates.tsv"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        baseline_year=config["baseline_year"],
        fallback_window=config["fallback_window"],
        upgrading=config["indices"]["upgrading"],
        terms=TERMS,
    script:
        "../scripts/compute_covariates.py"


rule build_survival:
    input:
        covariates=rules.compute_covariates.output.parquet,
        counties=config["data"]["counties"],
        code=package_modules("survival", "indices", "schemas", "indicators"),
    output:
        parquet="results/analysis/survival.parquet",
        csv="results/analysis/survival.csv",
        excluded="results/analysis/excluded.csv",
    log:
        "results/logs/build_survival/build_survival.log",
    benchmark:
        "results/benchmarks/build_survival/build_survival.tsv"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        policy_date=config["policy_date"],
        censor_date=config["censor_date"],
        missing_covariate=config["indices"]["missing_covariate"],
        counties_missing=config["data"]["counties_missing"],
        terms=TERMS,
    script:
        "../scripts/build_survival.py"
