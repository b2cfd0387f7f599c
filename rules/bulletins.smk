# Stage 1: one job per county file, raw bulletin CSV -> normalized long rows + rejects.
# A shell rule running the thin script with the workflow's own Python: this job runs once per
# county, so its start-up matters (no script preamble, no pandas, pandera or pyarrow: the
# parquet is written by countysurv/parquet.py; see BENCHMARKS.md).
# The script and the package modules it imports are inputs, so editing them reruns the rule.
# {PYTHON} (common.smk) is the interpreter running Snakemake, a global rather than a param:
# a param would rerun every county when Snakemake is started through another path to the same
# environment (`python -m snakemake`, a symlinked venv).
# On a cluster these jobs run on the submitting host (localrules): one costs ~0.1 s of CPU, a
# Slurm job 4-5 s of scheduling and start-up, and the real study has 832 counties.


localrules:
    ingest_bulletin,


rule ingest_bulletin:
    input:
        csv=get_bulletin_csv,
        script=workflow_script("ingest_bulletin.py"),
        code=package_modules("bulletins", "indicators", "parquet"),
    output:
        records="results/bulletins/{county}.parquet",
        rejects="results/bulletins/{county}.rejects.csv",
        counts="results/bulletins/{county}.counts.json",
    log:
        "results/logs/ingest_bulletin/{county}.log",
    benchmark:
        "results/benchmarks/ingest_bulletin/{county}.tsv"
    resources:
        mem_mb=500,
        runtime=5,
    params:
        years=[config["years"]["first"], config["years"]["last"]],
        names=get_county_names,
    shell:
        "{PYTHON:q} {input.script:q} --csv {input.csv:q} --code {wildcards.county}"
        " --names {params.names:q} --years {params.years}"
        " --records {output.records:q} --rejects {output.rejects:q}"
        " --counts {output.counts:q} --log {log:q}"


# The raw CSVs of a source the workflow writes itself (results/<source>/<county>.csv: the values
# extracted from bulletin texts, rules/extract.smk) -> normalized rows, rejects and counts, by
# the same script as a hand-made bulletin CSV. Such a file may have no rows (no value of the
# county's texts was read unambiguously); the county's code is in every row.


localrules:
    ingest_source,


rule ingest_source:
    input:
        csv="results/{source}/{county}.csv",
        script=workflow_script("ingest_bulletin.py"),
        code=package_modules("bulletins", "indicators", "parquet"),
    output:
        records="results/bulletins/{source}/{county}.parquet",
        rejects="results/bulletins/{source}/{county}.rejects.csv",
        counts="results/bulletins/{source}/{county}.counts.json",
    log:
        "results/logs/ingest_source/{source}/{county}.log",
    benchmark:
        "results/benchmarks/ingest_source/{source}/{county}.tsv"
    wildcard_constraints:
        source="|".join(DERIVED_SOURCES),
    resources:
        mem_mb=500,
        runtime=5,
    params:
        years=[config["years"]["first"], config["years"]["last"]],
    shell:
        "{PYTHON:q} {input.script:q} --csv {input.csv:q} --code {wildcards.county}"
        " --years {params.years} --allow-empty"
        " --records {output.records:q} --rejects {output.rejects:q}"
        " --counts {output.counts:q} --log {log:q}"
