"""The simulated bulletin texts (countysurv/simulate_texts.py): committed bytes, and the values
the extractor recovers from them against the simulator's truth."""

from __future__ import annotations

from pathlib import Path

import pytest

from countysurv import extract, simulate, simulate_texts
from countysurv.indicators import (agree_to_printed_precision, canonical_indicator, half_unit,
                                  unit_factor)

REPO = Path(__file__).resolve().parents[2]
TEXTS = REPO / "data" / "bulletin_texts"


@pytest.fixture(scope="module")
def study():
    return simulate.simulate_study()


@pytest.fixture(scope="module")
def texts(study):
    return simulate_texts.print_texts(study.counties, study.rows, simulate.DEFAULT_SEED)


def deliberate(texts) -> tuple[str, int, str]:
    """The cell a text prints wrong on purpose (its label says so)."""
    cells = [(t.county_code, t.year, f["indicator"]) for t in texts for f in t.figures
             if "deliberately" in f["comment"]]
    assert len(cells) == 1
    return cells[0]


@pytest.fixture(scope="module")
def recovered(texts):
    """Every value the extractor writes from the committed texts: (code, year, indicator) ->
    (value in canonical units, half a unit of its printed precision, source span)."""
    out = {}
    for code in sorted({t.county_code for t in texts}):
        result = extract.extract_paths(extract.text_files(TEXTS / code), code)
        for r in result.records:
            key = canonical_indicator(str(r["indicator"]))
            factor = unit_factor(key, str(r["unit"]))
            out[(code, int(r["year"]), key)] = (float(r["value"]) * factor,
                                                half_unit(str(r["value"]), factor), r["source"])
    return out


def test_committed_texts_are_the_generators_bytes(texts):
    committed = sorted(p.relative_to(TEXTS).as_posix() for p in TEXTS.rglob("*") if p.is_file())
    fresh = sorted([f"{t.county_code}/{t.file_name}" for t in texts] + ["labels.csv"])
    assert committed == fresh
    for t in texts:
        assert (TEXTS / t.county_code / t.file_name).read_bytes() == t.data
    assert (TEXTS / "labels.csv").read_text(encoding="utf-8") == simulate_texts.labels_csv(texts)


def test_eight_counties_three_years_every_style(texts):
    assert len({t.county_code for t in texts}) == 8
    assert {t.year for t in texts} == set(simulate_texts.TEXT_YEARS)
    assert {t.style for t in texts} == set(simulate_texts.STYLES)
    html = next(t for t in texts if t.style == "html")
    data = (TEXTS / html.county_code / html.file_name).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")                                   # GB18030, decoded as such
    full = next(t for t in texts if t.style == "full_width")
    assert "２０" in full.text
    assert "產業增加值" in next(t for t in texts if t.style == "traditional").text


def test_every_printed_cell_is_recovered_within_its_printing_precision(study, texts, recovered):
    """The extractor writes exactly the cells each text prints (those of the county's CSV and
    rural income, drawn for the text), each within half a unit of its printed figure of the
    true level; the one deliberate cell holds the previous year's level instead."""
    published = study.rows[study.rows["published"]]
    true = {(r.county_code, int(r.year), r.canonical_indicator): float(r.true_value)
            for r in study.rows.itertuples()}
    drawn = {(t.county_code, t.year, key): level for t in texts for key, level in t.drawn.items()}
    assert {key[2] for key in drawn} == {"rural_income"} and len(drawn) == len(texts)
    assert not set(drawn) & set(true)
    true.update(drawn)
    expected = {(r.county_code, int(r.year), r.canonical_indicator)
                for r in published.itertuples()
                if r.county_code in {t.county_code for t in texts}
                and r.year in simulate_texts.TEXT_YEARS} | set(drawn)
    assert set(recovered) == expected
    wrong = deliberate(texts)
    assert wrong[1:] == simulate_texts.DELIBERATE
    for key, (value, half, _) in recovered.items():
        level = true[(key[0], simulate_texts.DELIBERATE_FROM, key[2])] if key == wrong \
            else true[key]
        assert abs(value - level) <= half * (1 + 1e-9), key
    value, half, _ = recovered[wrong]
    assert abs(value - true[wrong]) > 100 * half


def test_recovered_values_agree_with_the_csvs_but_for_the_deliberate_one(study, texts, recovered):
    """By construction (both printed from one true level on nested decimal grids): the rule of
    countysurv/sources.py (countysurv.indicators.agree_to_printed_precision) finds exactly one
    conflict. Rural income is in the texts only."""
    csv = {(r.county_code, int(r.year), r.canonical_indicator): r
           for r in study.rows[study.rows["published"]].itertuples()}
    assert {key[2] for key in set(recovered) - set(csv)} == {"rural_income"}
    conflicts = []
    for key, (value, half, _) in recovered.items():
        if key not in csv:
            continue
        row = csv[key]
        csv_half = half_unit(row.plain_value, simulate.UNIT_FACTORS[row.unit])
        if not agree_to_printed_precision(value, row.canonical_value, half, csv_half):
            conflicts.append(key)
    assert conflicts == [deliberate(texts)]


def test_a_small_study_still_prints_texts(tmp_path):
    study, texts = simulate_texts.generate(tmp_path, n_counties=3, seed=1)
    assert len({t.county_code for t in texts}) == 1 and len(texts) == 3
    assert all(t.figures for t in texts)
    assert (tmp_path / "bulletin_texts" / texts[0].county_code / texts[0].file_name).is_file()
