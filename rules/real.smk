# The official list of the 832 national poverty counties (README "Real data: the 832 counties"):
# its two sheets reconciled into one table with 2015 and current codes, and an exit-timing
# analysis of all 832 counties.
# Target: `snakemake real` (not part of rule all; needs config real.counties_xlsx).


rule reconcile_counties:
    input:
        xlsx=get_real_xlsx,
        aliases=config["real"]["aliases"],
        codes_2015=config["real"]["codes_2015"],
        code=package_modules("reference", "realdata"),
    output:
        csv="results/real/counties_832.csv",
        md=report("results/real/reconciliation.md", category="Real data"),
    log:
        "results/logs/reconcile_counties/reconcile_counties.log",
    benchmark:
        "results/benchmarks/reconcile_counties/reconcile_counties.tsv"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        batch_totals=config["real"]["batch_totals"],
    script:
        "../scripts/reconcile_counties.py"


rule analyze_exit_timing:
    input:
        counties=rules.reconcile_counties.output.csv,
        code=package_modules("exittiming", "figures", "models"),
    output:
        md=report("results/real/exit_timing.md", category="Real data"),
        json="results/real/exit_timing.json",
        km_ethnic_area_png=report("results/real/km_ethnic_area.png", category="Real data"),
        km_ethnic_area_svg="results/real/km_ethnic_area.svg",
        km_region_png=report("results/real/km_region.png", category="Real data"),
        km_region_svg="results/real/km_region.svg",
    log:
        "results/logs/analyze_exit_timing/analyze_exit_timing.log",
    benchmark:
        "results/benchmarks/analyze_exit_timing/analyze_exit_timing.tsv"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        origin_year=config["real"]["origin_year"],
        last_year=config["real"]["last_year"],
        link=config["real"]["link"],
    script:
        "../scripts/analyze_exit_timing.py"


rule real:
    input:
        get_real_targets(),
