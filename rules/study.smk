# One study, from raw bulletin CSVs to Table 1, its figures and report entries: the default
# study (included by the Snakefile) and, as a Snakemake module with its own config and results
# folder, the real study (`snakemake real_study`, see the Snakefile).


include: "common.smk"
include: "extract.smk"
include: "bulletins.smk"
include: "panel.smk"
include: "analysis.smk"
include: "models.smk"
include: "bootstrap.smk"
include: "tables.smk"
include: "robustness.smk"
include: "report.smk"
include: "extended.smk"


if config["data"]["from_panel"]:

    include: "real_study.smk"


rule study:
    input:
        get_final_targets() + (get_real_study_targets() if FROM_PANEL else []),
