# Bulletin texts -> raw bulletin CSVs (README "Bulletin texts"): one job per county folder of
# data/bulletin_texts/<county>/<year>.{txt,html,pdf}, read by countysurv/extract.py (prose,
# decisions, files; with textlayers.py, extract_targets.py and extract_tables.py). Values read
# unambiguously go to results/extracted/<county>.csv in the raw bulletin format (each with
# the file and character span it came from); every other figure tied to an indicator goes to
# results/extracted/<county>.review.csv with its reason.
# Like ingest_bulletin: a shell rule (no script preamble; the script imports the standard
# library only), run on the submitting host on a cluster.
#
# Helpers in common.smk (section "bulletin texts and the panel's sources"): TEXT_FOLDERS and
# TEXT_NAMES (countysurv.extract.text_folders of data.bulletin_texts_dir, with
# data.county_reference when set), get_bulletin_texts, get_text_county_name. The raw CSVs are
# ingested by rule ingest_source (rules/bulletins.smk) as the source "extracted" of the panel.


localrules:
    extract_bulletin_text,


rule extract_bulletin_text:
    input:
        texts=get_bulletin_texts,
        script=workflow_script("extract_bulletin_text.py"),
        code=package_modules(
            "extract",
            "extract_tables",
            "extract_targets",
            "textlayers",
            "bulletins",
            "indicators",
            "parquet",
        ),
    output:
        records="results/extracted/{county}.csv",
        review="results/extracted/{county}.review.csv",
    log:
        "results/logs/extract_bulletin_text/{county}.log",
    benchmark:
        "results/benchmarks/extract_bulletin_text/{county}.tsv"
    resources:
        mem_mb=500,
        runtime=5,
    params:
        name=get_text_county_name,
    shell:
        "{PYTHON:q} {input.script:q} --code {wildcards.county} --name={params.name:q}"
        " --texts {input.texts:q} --records {output.records:q} --review {output.review:q}"
        " --log {log:q}"
