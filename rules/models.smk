# Stage 4: the paper's two models on the survival dataset, with their diagnostics.


rule fit_ols:
    input:
        survival=rules.build_survival.output.parquet,
        code=package_modules("models", "schemas", "indicators"),
    output:
        json="results/models/ols.json",
    log:
        "results/logs/fit_ols/fit_ols.log",
    benchmark:
        "results/benchmarks/fit_ols/fit_ols.tsv"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        cov_type=config["models"]["ols"]["cov_type"],
        terms=TERMS,
    script:
        "../scripts/fit_ols.py"


rule fit_cox:
    input:
        survival=rules.build_survival.output.parquet,
        code=package_modules("models", "schemas", "indicators"),
    output:
        json="results/models/cox.json",
    log:
        "results/logs/fit_cox/fit_cox.log",
    benchmark:
        "results/benchmarks/fit_cox/fit_cox.tsv"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        ph_transform=config["models"]["cox"]["ph_transform"],
        terms=TERMS,
    script:
        "../scripts/fit_cox.py"
