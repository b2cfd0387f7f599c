"""Benchmark: precision and recall of the bulletin-text extractor against hand labels.

Reads a folder of bulletin texts laid out as ``<folder>/<county>/<year>.{txt,html,pdf}`` (the
county folder's name is whatever the labels file calls the county) and a labels CSV with the columns
``county``, ``year``, ``indicator`` and ``value``:

* ``indicator``: a canonical indicator (``gdp``, ``va_primary``, ..., ``rural_income`` as in
  ``scripts/countysurv/indicators.py``) or one of the extractor's review-only indicators
  (``resident_population``: targets of ``scripts/countysurv/extract_targets.py`` that are
  not canonical);
* ``value``: the level in the canonical unit (yuan, persons, kW), or ``absent`` when the text
  states no level of that indicator for the year (a trap). Indicators a labelled text does not
  list count as absent too.

Only texts with at least one label row are scored. For each indicator:

* a **written** value is a record of the raw CSV (for review-only indicators, a review row
  whose only reason is that the indicator is not canonical);
* TP: written and equal to the label within the written figure's printed precision (half a
  unit of its last digit, :func:`countysurv.indicators.agree_to_printed_precision`): the label
  is the most precise figure the text prints for the level, and the prose's ``224.8亿元`` is
  the same level as the table's ``2248048.3万元``. ``coarser`` counts the TPs whose written
  figure is a coarser printing than the label (not the identical number);
* FP: written where the label is absent or another value (a wrong value is also a FN);
* FN: labelled but not written correctly; ``review`` counts how many of those went to the
  review list with the labelled value (found, but not trusted).

precision = TP / (TP + FP), recall = TP / (TP + FN). Figures go to stdout (a table) and, with
``--out``, to JSON with every miss and false positive listed.

Usage: ``.venv/bin/python benchmarks/extract.py --texts tests/data/bulletin_texts
--labels tests/data/bulletin_texts/labels.csv [--out results/benchmarks/extract.json]``
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from countysurv import extract, extract_targets  # noqa: E402  (the package under scripts/)
from countysurv.indicators import CANONICAL, agree_to_printed_precision, half_unit  # noqa: E402

INDICATORS = CANONICAL + tuple(t.key for t in extract_targets.TARGETS if not t.canonical)
NOT_CANONICAL = extract_targets.NOT_CANONICAL


def read_labels(path: Path) -> dict[tuple[str, int], dict[str, float | None]]:
    """Labels by (county, year): indicator → level in the canonical unit, or None (absent)."""
    labels: dict[tuple[str, int], dict[str, float | None]] = {}
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            indicator = row["indicator"].strip()
            if indicator not in INDICATORS:
                raise SystemExit(f"{path}: line {line}: unknown indicator {indicator!r}")
            text = row["value"].strip()
            value = None if text == "absent" else float(text)
            key = (row["county"].strip(), int(row["year"]))
            if indicator in labels.setdefault(key, {}):
                raise SystemExit(f"{path}: line {line}: {key} {indicator} labelled twice")
            labels[key][indicator] = value
    return labels


def factor_of(key: str, unit: str) -> float:
    """The factor from a written unit to the indicator's canonical unit (NaN if none)."""
    factor = extract_targets.target_unit_factor(key, unit)
    return factor if factor is not None else math.nan


#: A written figure: its value in the canonical unit and half a unit of its last printed digit.
Figure = tuple[float, float]


def predictions(path: Path, county: str) -> tuple[dict[str, Figure], dict[str, list[Figure]]]:
    """Written figures and reviewed figures of one text, by indicator (:data:`Figure`)."""
    result = extract.extract_file(path, county, county)
    key_of = {t.wording: t.key for t in extract_targets.TARGETS}

    def figure(row: dict) -> tuple[str, Figure]:
        key = key_of[row["indicator"]]
        factor = factor_of(key, row["unit"])
        return key, (float(row["value"]) * factor, half_unit(str(row["value"]), factor))

    written = dict(figure(r) for r in result.records)
    reviewed: dict[str, list[Figure]] = {}
    for r in result.review:
        key, fig = figure(r)
        if str(r["reason"]).startswith(NOT_CANONICAL):
            written[key] = fig
        else:
            reviewed.setdefault(key, []).append(fig)
    return written, reviewed


def same(figure: Figure, label: float) -> bool:
    """Whether a written figure is the labelled level, to the figure's printed precision."""
    value, half = figure
    return agree_to_printed_precision(value, label, half, 0.0)


def evaluate(texts: Path, labels: dict[tuple[str, int], dict[str, float | None]]) -> dict:
    """Per-indicator counts and the list of errors over every labelled text."""
    counts = {ind: {"tp": 0, "coarser": 0, "fp": 0, "fn": 0, "review": 0, "labelled": 0}
              for ind in INDICATORS}
    errors: list[dict] = []
    scored = 0
    for folder in sorted(p for p in texts.iterdir() if p.is_dir()):
        for path in extract.text_files(folder):
            key = (folder.name, extract.year_of(path))
            if key not in labels:
                continue
            scored += 1
            written, reviewed = predictions(path, folder.name)
            for ind in INDICATORS:
                truth = labels[key].get(ind)
                got = written.get(ind)
                c = counts[ind]
                c["labelled"] += truth is not None
                if got is not None and truth is not None and same(got, truth):
                    c["tp"] += 1
                    c["coarser"] += not math.isclose(got[0], truth, rel_tol=1e-9, abs_tol=1e-9)
                    continue
                if got is not None:
                    c["fp"] += 1
                    errors.append({"file": str(path), "indicator": ind, "kind": "false positive",
                                   "written": got[0], "label": truth})
                if truth is not None:
                    c["fn"] += 1
                    in_review = any(same(v, truth) for v in reviewed.get(ind, []))
                    c["review"] += in_review
                    errors.append({"file": str(path), "indicator": ind, "kind": "missed",
                                   "written": None if got is None else got[0], "label": truth,
                                   "in_review": in_review})
    for c in counts.values():
        c["precision"] = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else None
        c["recall"] = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else None
    return {"texts": scored, "indicators": counts, "errors": errors}


def _fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=Path, required=True)
    parser.add_argument("--labels", type=Path, required=True)
    parser.add_argument("--out", type=Path, help="JSON with the counts and every error")
    args = parser.parse_args()
    report = evaluate(args.texts, read_labels(args.labels))
    print(f"{report['texts']} labelled texts in {args.texts}")
    print(f"{'indicator':<22} {'labelled':>8} {'TP':>4} {'coarser':>7} {'FP':>4} {'FN':>4} "
          f"{'in review':>9} {'precision':>9} {'recall':>7}")
    for ind, c in report["indicators"].items():
        print(f"{ind:<22} {c['labelled']:>8} {c['tp']:>4} {c['coarser']:>7} {c['fp']:>4} "
              f"{c['fn']:>4} {c['review']:>9} {_fmt(c['precision']):>9} {_fmt(c['recall']):>7}")
    for err in report["errors"]:
        print(f"  {err['kind']}: {err['file']} {err['indicator']} written={err['written']} "
              f"label={err['label']}" + (" (in review)" if err.get("in_review") else ""))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n",
                            encoding="utf-8")


if __name__ == "__main__":
    main()
