"""Rule build_sample_flow: 832 list -> panel -> covariates -> dated -> models, each exclusion."""

from countysurv import io, reference, sample_flow
from countysurv.logs import run_main, start_log


def main(counties_832_path, bulletins, covariates_path, excluded_path, counties_path, dates_path,
         survival_path, terms, baseline_year, fallback_window, provinces, md_path, excluded_out,
         log_path):
    log = start_log(log_path)
    flow = sample_flow.build_sample_flow(
        reference.read_county_reference(counties_832_path), sample_flow.codes_of_files(bulletins),
        sample_flow.read_codes_csv(covariates_path, ["county_code"]),
        io.read_counties_csv(counties_path),
        sample_flow.read_codes_csv(dates_path, ["county_code", "status", "reason"]),
        io.read_parquet(survival_path), terms, baseline_year=baseline_year,
        fallback_window=fallback_window,
        survival_excluded=sample_flow.read_codes_csv(excluded_path, ["county_code", "reason"]),
        sources={"covariates": covariates_path, "reference": counties_path,
                 "survival": survival_path}, provinces=provinces)
    for row in flow.steps.itertuples():
        log.info("%s: %d in, %d kept, %d excluded", row.step, row.counties_in, row.kept,
                 row.excluded)
    io.write_text(sample_flow.render_sample_md(flow), md_path)
    io.write_csv(flow.excluded, excluded_out)


run_main(main, snakemake.input.counties_832, snakemake.input.bulletins,
         snakemake.input.covariates, snakemake.input.excluded, snakemake.input.counties,
         snakemake.input.dates, snakemake.input.survival, snakemake.params.terms,
         snakemake.params.baseline_year, snakemake.params.fallback_window,
         snakemake.params.provinces,
         snakemake.output.md, snakemake.output.excluded, snakemake.log[0])
