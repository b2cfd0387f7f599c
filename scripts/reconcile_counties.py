"""Rule reconcile_counties: the official 832-county list's two sheets → one reconciled table."""

from countysurv import io, realdata, reference
from countysurv.logs import run_main, start_log


def main(xlsx, aliases_path, codes_path, batch_totals, csv_path, md_path, log_path):
    log = start_log(log_path)
    divisions_path, version = reference.divisions_source()
    book = realdata.read_workbook(xlsx)
    aliases = reference.read_aliases(aliases_path)
    totals = {int(y): int(n) for y, n in batch_totals.items()}
    df = realdata.reconcile(book, aliases, reference.read_codes_2015(codes_path),
                            reference.load_divisions(divisions_path), totals)
    io.validate(df, realdata.RealCounty, csv_path, log)
    log.info("%s: %d + %d rows -> %d counties (%d unique codes; divisions %s %s); %d with a "
             "conflict; ethnic areas %d", xlsx, len(book.county_rows), len(book.batch_rows),
             len(df), df["county_code"].nunique(), reference.DIVISIONS_PACKAGE, version,
             int((df["conflict"] != "").sum()), int(df["ethnic_area"].sum()))
    io.write_csv(df, csv_path)
    io.write_text(realdata.render_reconciliation(
        df, book, totals, aliases, f"{reference.DIVISIONS_PACKAGE} {version}"), md_path)


run_main(main, snakemake.input.xlsx, snakemake.input.aliases, snakemake.input.codes_2015,
         snakemake.params.batch_totals, snakemake.output.csv, snakemake.output.md,
         snakemake.log[0])
