"""Rule plot_schoenfeld: Schoenfeld residuals per term with the PH-test p-values."""

from countysurv import figures, io, tables
from countysurv.logs import run_main, start_log
from countysurv.schemas import SurvivalSpell


def main(survival_path, cox_path, png_path, svg_path, log_path):
    log = start_log(log_path)
    survival = io.read_parquet(survival_path, SurvivalSpell, log)
    cox = tables.load_model_result(cox_path)
    figures.save_figure(figures.schoenfeld_figure(survival, cox), png_path, svg_path)
    log.info("Schoenfeld residuals of %d events; global PH p = %s", cox["n_events"],
             cox.get("ph_test", {}).get("global_pvalue"))


run_main(main, snakemake.input.survival, snakemake.input.cox, snakemake.output.png,
         snakemake.output.svg, snakemake.log[0])
