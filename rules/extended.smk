# Models beyond the paper: a Weibull AFT model and the Cox model with province-clustered SEs on
# the survival dataset; the county x calendar-year intervals of the panel (a data stage,
# countysurv.counting) and a time-varying Cox model on them; an extended table beside Table 1
# (which stays as the paper printed it).


rule fit_weibull_aft:
    input:
        survival=rules.build_survival.output.parquet,
        code=package_modules("extended", "models", "schemas", "indicators"),
    output:
        json="results/models/weibull_aft.json",
    log:
        "results/logs/fit_weibull_aft/fit_weibull_aft.log",
    benchmark:
        "results/benchmarks/fit_weibull_aft/fit_weibull_aft.tsv"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        terms=TERMS,
    script:
        "../scripts/fit_weibull_aft.py"


rule fit_cox_clustered:
    input:
        survival=rules.build_survival.output.parquet,
        counties=config["data"]["counties"],
        code=package_modules("extended", "models", "indices", "schemas", "indicators"),
    output:
        json="results/models/cox_clustered.json",
    log:
        "results/logs/fit_cox_clustered/fit_cox_clustered.log",
    benchmark:
        "results/benchmarks/fit_cox_clustered/fit_cox_clustered.tsv"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        cluster_by=config["extended"]["cluster_by"],
        ph_transform=config["models"]["cox"]["ph_transform"],
        terms=TERMS,
    script:
        "../scripts/fit_cox_clustered.py"


rule build_counting_process:
    input:
        panel=rules.build_panel.output.panel,
        survival=rules.build_survival.output.parquet,
        code=package_modules("counting", "indices", "schemas", "indicators"),
    output:
        parquet="results/analysis/counting_process.parquet",
        dropped="results/analysis/counting_process_dropped.csv",
    log:
        "results/logs/build_counting_process/build_counting_process.log",
    benchmark:
        "results/benchmarks/build_counting_process/build_counting_process.tsv"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        policy_date=config["policy_date"],
        censor_date=config["censor_date"],
        upgrading=config["indices"]["upgrading"],
        lag_years=config["extended"]["time_varying"]["lag_years"],
        missing=config["extended"]["time_varying"]["missing"],
        fallback_window=config["fallback_window"],
        terms=TERMS,
    script:
        "../scripts/build_counting_process.py"


rule fit_cox_time_varying:
    input:
        counting_process=rules.build_counting_process.output.parquet,
        code=package_modules("extended", "models", "schemas", "indicators"),
    output:
        json="results/models/cox_time_varying.json",
    log:
        "results/logs/fit_cox_time_varying/fit_cox_time_varying.log",
    benchmark:
        "results/benchmarks/fit_cox_time_varying/fit_cox_time_varying.tsv"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        lag_years=config["extended"]["time_varying"]["lag_years"],
        terms=TERMS,
    script:
        "../scripts/fit_cox_time_varying.py"


rule render_table_extended:
    input:
        ols=rules.fit_ols.output.json,
        cox=rules.fit_cox.output.json,
        cox_clustered=rules.fit_cox_clustered.output.json,
        weibull_aft=rules.fit_weibull_aft.output.json,
        cox_time_varying=rules.fit_cox_time_varying.output.json,
        code=package_modules("extended_tables", "tables"),
    output:
        csv="results/tables/table_extended.csv",
        md="results/tables/table_extended.md",
        tex=report("results/tables/table_extended.tex", category="Tables"),
        html=report("results/tables/table_extended.html", category="Tables"),
    log:
        "results/logs/render_table_extended/render_table_extended.log",
    resources:
        mem_mb=500,
        runtime=5,
    params:
        terms=TERMS,
    script:
        "../scripts/render_table_extended.py"
