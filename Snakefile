# County statistical bulletins -> survival analysis of poverty-county exit (see README.md).
# The stages and where their code and results live: README, "Layout".

from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


include: "rules/study.smk"
include: "rules/montecarlo.smk"
include: "rules/real.smk"


rule all:
    default_target: True
    input:
        rules.study.input,
