"""Rule build_real_counties: the 832 list + exit notices -> counties.csv, dates, date coverage."""

from countysurv import announcements, io, real_counties, reference
from countysurv.logs import run_main, start_log
from countysurv.schemas import CountyReference


def main(counties_832_path, announcements_path, undated_rule, censor_date, counties_path,
         dates_path, coverage_path, log_path):
    log = start_log(log_path)
    counties_832 = reference.read_county_reference(counties_832_path)
    table, matched = announcements.read_checked(announcements_path, counties_832)
    result = real_counties.build_real_counties(counties_832, table, matched, undated_rule,
                                               censor_date, source=counties_832_path)
    ref = result.reference
    io.validate(ref.assign(line=range(2, len(ref) + 2)), CountyReference, counties_path, log)
    status = result.dates["status"].value_counts()
    log.info("%s: %d counties; %d notices; rule %s: %d dated, %d imputed, %d undated (left "
             "out); reference of %d counties", counties_832_path, len(result.dates), len(table),
             undated_rule, status.get("dated", 0), status.get("imputed", 0),
             status.get("undated", 0), len(ref))
    io.write_csv(ref, counties_path)
    io.write_csv(result.dates, dates_path)
    io.write_text(real_counties.render_coverage(result, table, censor_date, announcements_path),
                  coverage_path)


run_main(main, snakemake.input.counties_832, snakemake.input.announcements,
         snakemake.params.undated_rule, snakemake.params.censor_date, snakemake.output.counties,
         snakemake.output.dates, snakemake.output.coverage_md, snakemake.log[0])
