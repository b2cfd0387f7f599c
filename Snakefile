# County statistical bulletins -> survival analysis of poverty-county exit (see README.md).
# Contract: ../shared/DESIGN.md; layout and conventions: STYLE.md.

from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


include: "rules/common.smk"
include: "rules/extract.smk"
include: "rules/bulletins.smk"
include: "rules/panel.smk"
include: "rules/analysis.smk"
include: "rules/models.smk"
include: "rules/bootstrap.smk"
include: "rules/tables.smk"
include: "rules/report.smk"
include: "rules/extended.smk"
include: "rules/montecarlo.smk"
include: "rules/real.smk"


rule all:
    default_target: True
    input:
        get_final_targets(),
