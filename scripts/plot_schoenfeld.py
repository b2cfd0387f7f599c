"""Rule plot_schoenfeld: Schoenfeld residuals per term with the PH-test p-values.

The residuals are computed here (countysurv.models) at the fitted coefficients of cox.json and with
the time transform of its PH test; countysurv.figures only draws them.
"""

from countysurv import figures, io, models
from countysurv.logs import run_main, start_log
from countysurv.schemas import survival_schema


def main(survival_path, cox_path, terms, png_path, svg_path, log_path):
    log = start_log(log_path)
    survival = io.read_parquet(survival_path, survival_schema(terms), log)
    cox = io.load_model_result(cox_path)
    terms = io.model_terms(cox, terms, cox_path)
    ph_test = cox.get("ph_test") or {}
    residuals = models.schoenfeld_residuals(survival, cox["coef"], terms,
                                            transform=ph_test.get("transform", "km"))
    figures.save_figure(figures.schoenfeld_figure(residuals, ph_test, terms), png_path, svg_path)
    log.info("Schoenfeld residuals of %d events; global PH p = %s", len(residuals),
             ph_test.get("global_pvalue"))


run_main(main, snakemake.input.survival, snakemake.input.cox, snakemake.params.terms,
         snakemake.output.png,
         snakemake.output.svg, snakemake.log[0])
