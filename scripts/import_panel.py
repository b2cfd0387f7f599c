"""Rule import_panel: a county panel exported from a database -> one raw bulletin CSV per county.

All logic lives in countysurv.panel_import; the layout (which column is which indicator in which
unit) comes from config real_study.layouts.
"""

from countysurv import panel_import
from countysurv.logs import run_main, start_log


def main(panel_dir, layout_name, layout, reference_path, years, cross_section_year,
         bulletin_dir, quarantine_path, counts_path, log_path):
    log = start_log(log_path)
    result = panel_import.run_import(panel_dir, layout, layout_name, reference_path,
                                     tuple(years), cross_section_year)
    log.info("layout %s, panel %s, reference %s, years %d-%d, cross-sections dated %d",
             layout_name, panel_dir, reference_path, years[0], years[1], cross_section_year)
    panel_import.write_folder(result, bulletin_dir, quarantine_path, counts_path)


run_main(main, snakemake.params.panel_dir, snakemake.params.layout_name, snakemake.params.layout,
         snakemake.input.reference, snakemake.params.years, snakemake.params.cross_section_year,
         snakemake.output.bulletins, snakemake.output.quarantine, snakemake.output.counts,
         snakemake.log[0])
