# The real study's own stages (included by rules/study.smk when data.from_panel is true):
# a county panel exported from a database (CSMAR layout by default; config real_study) -> one
# raw bulletin CSV per poverty county, read by the same ingestion, panel and lineage rules; the
# county reference list of the real counties from the reconciled 832 list and the provincial
# exit notices; and the sample flow from the 832 counties to the models.
#
# import_panel is a checkpoint: which counties get a file is known only once the panel has been
# read (rules/common.smk, study_counties). A changed panel file reruns this one job; it writes
# every county's CSV again, and Snakemake reruns the ingestion of the counties whose CSV
# changed in content only (it compares checksums), so one county's correction reruns only its
# branch, as for hand-made bulletin CSVs.


checkpoint import_panel:
    input:
        panel=get_real_panel_files,
        reference=local(config["real_study"]["county_reference"]),
        code=package_modules("panel_import", "bulletins", "indicators", "parquet", "reference"),
    output:
        bulletins=directory("results/imported"),
        quarantine="results/import/quarantine.csv",
        counts="results/import/counts.json",
    log:
        "results/logs/import_panel/import_panel.log",
    benchmark:
        "results/benchmarks/import_panel/import_panel.tsv"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        panel_dir=config["real_study"]["panel_dir"],
        layout_name=config["real_study"]["layout"],
        layout=get_real_layout,
        years=[config["years"]["first"], config["years"]["last"]],
        cross_section_year=config["baseline_year"],
    script:
        "../scripts/import_panel.py"


rule build_real_counties:
    input:
        counties_832=local(config["real_study"]["county_reference"]),
        announcements=local(config["real_study"]["announcements"]),
        code=package_modules("announcements", "indicators", "real_counties", "reference", "schemas"),
    output:
        counties="results/counties.csv",
        dates="results/exit_dates.csv",
        coverage_md=report("results/exit_dates.md", category="Real study"),
    log:
        "results/logs/build_real_counties/build_real_counties.log",
    benchmark:
        "results/benchmarks/build_real_counties/build_real_counties.tsv"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        undated_rule=config["real_study"]["undated_rule"],
        censor_date=config["censor_date"],
    script:
        "../scripts/build_real_counties.py"


rule build_sample_flow:
    input:
        counties_832=local(config["real_study"]["county_reference"]),
        bulletins=get_imported_csvs,
        covariates=rules.compute_covariates.output.csv,
        excluded=rules.build_survival.output.excluded,
        counties=rules.build_real_counties.output.counties,
        dates=rules.build_real_counties.output.dates,
        survival=rules.build_survival.output.parquet,
        code=package_modules(
            "announcements", "real_counties", "reference", "sample_flow", "indices"
        ),
    output:
        md=report("results/sample.md", category="Real study"),
        excluded="results/sample_excluded.csv",
    log:
        "results/logs/build_sample_flow/build_sample_flow.log",
    benchmark:
        "results/benchmarks/build_sample_flow/build_sample_flow.tsv"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        terms=TERMS,
        baseline_year=config["baseline_year"],
        fallback_window=config["fallback_window"],
        provinces=config["real_study"]["provinces"],
    script:
        "../scripts/build_sample_flow.py"
