# Bulletin texts -> raw bulletin CSVs (DESIGN 3.5): one job per county folder of
# data/bulletin_texts/<county>/<year>.{txt,html}, read by countysurv/extract.py. Values read
# unambiguously go to results/extracted/<county>.csv in the raw format of DESIGN 3.1 (each with
# the file and character span it came from); every other figure tied to an indicator goes to
# results/extracted/<county>.review.csv with its reason.
# Like ingest_bulletin: a shell rule (no script preamble; the script imports the standard
# library only), run on the submitting host on a cluster.
#
# Needs from common.smk (config data.bulletin_texts_dir, "" = no texts):
#   TEXT_FOLDERS, TEXT_NAMES: countysurv.extract.text_folders(dir, resolver) (code -> folder,
#     code -> name), the resolver a countysurv.reference.CountyResolver of
#     data.county_reference when that is set, else None; an InputDataError goes to _fail();
#   get_bulletin_texts(wildcards): the texts of TEXT_FOLDERS[wildcards.county] as strings
#     (countysurv.extract.text_files);
#   get_text_county_name(wildcards): TEXT_NAMES[wildcards.county].
# Targets: expand("results/extracted/{county}.csv", county=sorted(TEXT_FOLDERS)).


localrules:
    extract_bulletin_text,


rule extract_bulletin_text:
    input:
        texts=get_bulletin_texts,
        script=workflow_script("extract_bulletin_text.py"),
        code=package_modules("extract", "bulletins", "indicators", "parquet"),
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
