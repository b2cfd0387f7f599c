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


# The real study: the same rules (rules/study.smk) on the real poverty counties, with the
# bulletins imported from a county panel (config real_study) into results/real_study/: dated
# counties only. A second run, results/real_study/all_counties/, also keeps the counties
# without a found exit date, dated by real_study.undated_rule. `snakemake real_study` builds
# both; they need results/real/counties_832.csv, which `snakemake real` builds first.
module real_study:
    snakefile:
        "rules/study.smk"
    config:
        real_study_config(config, "exclude")
    replace_prefix:
        {"results/": "results/real_study/"}


use rule * from real_study as real_study_*


module real_study_all:
    snakefile:
        "rules/study.smk"
    config:
        real_study_config(config, config["real_study"]["undated_rule"])
    replace_prefix:
        {"results/": "results/real_study/all_counties/"}


use rule * from real_study_all as real_study_all_*


rule real_study:
    input:
        rules.real_study_study.input,
        rules.real_study_all_study.input,
