"""Rule extract_bulletin_text: one county's bulletin texts -> raw bulletin CSV + review list.

Run by a ``shell:`` rule as ``python scripts/extract_bulletin_text.py --texts ... --log ...``
(as ingest_bulletin is: one job per county, standard library only). The records follow the
raw bulletin format (README "Using real bulletins"), so ingestion reads them like a
transcribed CSV; the figures that are not written go to the review list with their reason
(countysurv/extract.py).
"""

import argparse

from countysurv import extract
from countysurv.logs import run_main, start_log


def main(code, name, texts, records_path, review_path, log_path):
    log = start_log(log_path)
    result = extract.extract_paths(texts, code, name)
    extract.write_outputs(result, records_path, review_path)
    log.info("county %s: %d text(s), %d value(s) written, %d figure(s) to review", code,
             len(texts), len(result.records), len(result.review))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for option in ("records", "review", "log"):
        parser.add_argument(f"--{option}", required=True)
    parser.add_argument("--code", required=True, help="the county's 6-digit code")
    parser.add_argument("--name", default="", help="the county's name (empty: none known)")
    parser.add_argument("--texts", nargs="+", required=True, help="<year>.txt or <year>.html files")
    args = parser.parse_args()
    run_main(main, args.code, args.name, args.texts, args.records, args.review, args.log)
