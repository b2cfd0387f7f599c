"""Rule fit_cox_clustered: the paper's Cox model with standard errors clustered by province."""

from countysurv import extended, io
from countysurv.logs import run_main, start_log
from countysurv.schemas import CountyReference, survival_schema


def main(survival_path, counties_path, cluster_by, ph_transform, terms, json_path, log_path):
    log = start_log(log_path)
    spells = io.read_parquet(survival_path, survival_schema(terms), log)
    reference = io.read_counties_csv(counties_path, CountyReference)
    clusters = extended.attach_clusters(spells, reference, cluster_by)
    fit = extended.fit_cox_clustered(spells, clusters, terms, cluster_name=cluster_by,
                                     ph_transform=ph_transform)
    log.info("Cox, SEs clustered by %s: n=%d events=%d clusters=%d (sizes %s); robust Wald "
             "%.4f p=%.4g; robust/model SE ratio by term %s", cluster_by, fit["n_obs"],
             fit["n_events"], fit["n_clusters"], fit["cluster_sizes"], fit["wald_stat"],
             fit["wald_pvalue"], {t: round(fit["se"][t] / fit["se_model"][t], 3)
                                  for t in fit["terms"]})
    io.write_json(fit, json_path)


run_main(main, snakemake.input.survival, snakemake.input.counties, snakemake.params.cluster_by,
         snakemake.params.ph_transform, snakemake.params.terms, snakemake.output.json,
         snakemake.log[0])
