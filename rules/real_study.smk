# The real study's import (DESIGN 3.4): a county panel exported from a database (CSMAR layout by
# default; config real_study) -> one raw bulletin CSV per poverty county, which the same
# ingestion, panel and lineage rules read; plus the quarantined rows and cells with their
# reasons and the row and cell accounting. The counties (the outputs) are listed at parse time
# in rules/common.smk (REAL_STUDY_COUNTIES) by countysurv.panel_import.list_counties, which runs
# the same import in memory. A changed panel file reruns this one job, and with it every
# county's ingestion downstream (Snakemake reruns everything below a job that runs).


rule import_panel:
    input:
        panel=REAL_STUDY_PANEL_FILES,
        reference=config["real_study"]["county_reference"],
        code=package_modules("panel_import", "bulletins", "indicators", "parquet", "reference"),
    output:
        bulletins=expand("results/real_study/bulletins/{county}.csv", county=REAL_STUDY_COUNTIES),
        quarantine="results/real_study/import/quarantine.csv",
        counts="results/real_study/import/counts.json",
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
        layout=REAL_STUDY_LAYOUT,
        years=[config["years"]["first"], config["years"]["last"]],
        cross_section_year=config["baseline_year"],
    script:
        "../scripts/import_panel.py"
