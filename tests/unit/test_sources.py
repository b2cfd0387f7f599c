"""Several sources, one panel (countysurv/sources.py): agreement within half a printed unit,
every conflict listed with both sources, the configured precedence, lineage of the source."""

from __future__ import annotations

import pandas as pd
import pytest

from countysurv import io, sources
from countysurv.errors import InputDataError
from countysurv.indicators import half_unit, printed_decimals
from countysurv.schemas import PanelRecord, SourceConflict

FACTOR = {"元": 1.0, "万元": 1e4, "亿元": 1e8, "人": 1.0, "万人": 1e4}


def rec(code: str, year: int, indicator: str, raw: str, unit: str, line: int, file: str,
        cited: str | None = None) -> dict:
    """One normalized record as ingestion writes it, plus the raw CSV it came from."""
    canonical = "persons" if unit in ("人", "万人") else "yuan"
    return {"county_code": code, "county_name": None, "year": year, "indicator": indicator,
            "value": float(raw.replace(",", "")) * FACTOR[unit], "unit": canonical,
            "raw_value": raw, "raw_unit": unit, "factor": FACTOR[unit], "line": line,
            "source": cited, "note": None, "file": file}


def frame(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


CSV = "data/bulletins/990001.csv"
TXT = "results/extracted/990001.csv"


def test_printed_precision_is_half_a_unit_of_the_last_digit():
    assert printed_decimals("24.44") == 2 and printed_decimals("１２．５") == 1
    assert printed_decimals("3,215") == 0 and printed_decimals("12.50①") == 2
    assert half_unit("24.44", 1e8) == pytest.approx(5e5)      # ±0.005 亿元 = ±500,000 yuan
    assert half_unit("312588", 1e4) == pytest.approx(5e3)


def test_one_level_printed_at_two_precisions_agrees_and_the_higher_source_is_used():
    """24.44 亿元 and 244,389 万元 are one level (|diff| = 11,000 yuan <= 500,000)."""
    bulletins = frame(rec("990001", 2015, "gdp", "24.44", "亿元", 3, CSV, "公报"))
    extracted = frame(rec("990001", 2015, "gdp", "244389", "万元", 2, TXT, "t/2015.txt:4-20"))
    out = sources.reconcile({"bulletins": bulletins, "extracted": extracted})
    assert out.conflicts.empty
    used = out.records.iloc[0]
    assert (used["panel_source"], used["value"], used["line"], used["file"]) == \
        ("bulletins", 24.44e8, 3, CSV)
    summary = out.summary.set_index("source")
    assert summary.loc["extracted", ["cells", "used", "confirmed", "conflicting"]].tolist() == \
        [1, 0, 1, 0]


def test_agreement_boundary_is_half_a_unit_of_the_coarser_figure():
    """12.35 亿元 covers 12.345-12.355 亿元: 1,235,500,000 yuan agrees; 1,235,600,000 does not."""
    base = frame(rec("990001", 2015, "gdp", "12.35", "亿元", 2, CSV))
    edge = frame(rec("990001", 2015, "gdp", "123550", "万元", 2, TXT))
    beyond = frame(rec("990001", 2015, "gdp", "123560", "万元", 2, TXT))
    assert sources.reconcile({"bulletins": base, "extracted": edge}).conflicts.empty
    clash = sources.reconcile({"bulletins": base, "extracted": beyond}).conflicts
    assert len(clash) == 1
    assert clash.loc[0, "tolerance"] == pytest.approx(5e5 + 1e-9 * 12.356e8)
    assert clash.loc[0, "difference"] == pytest.approx(6e5)


def test_a_conflict_is_listed_with_both_sources_and_precedence_decides():
    bulletins = frame(rec("990001", 2015, "va_tertiary", "197101", "万元", 15, CSV, "公报"),
                      rec("990001", 2015, "gdp", "41.90", "亿元", 12, CSV, "公报"))
    extracted = frame(rec("990001", 2015, "va_tertiary", "18.41", "亿元", 7, TXT,
                          "data/bulletin_texts/990001/2015.txt:148-165"),
                      rec("990001", 2015, "gdp", "41.90", "亿元", 3, TXT, "t:1-9"))
    out = sources.reconcile({"bulletins": bulletins, "extracted": extracted})
    assert len(out.conflicts) == 1
    c = out.conflicts.iloc[0]
    assert (c["county_code"], c["year"], c["indicator"], c["used"]) == \
        ("990001", 2015, "va_tertiary", "bulletins")
    assert (c["source_a"], c["printed_a"], c["file_a"], c["line_a"]) == \
        ("bulletins", "197101 万元", CSV, 15)
    assert (c["source_b"], c["printed_b"], c["file_b"], c["line_b"], c["cited_b"]) == \
        ("extracted", "18.41 亿元", TXT, 7, "data/bulletin_texts/990001/2015.txt:148-165")
    tertiary = out.records.set_index("indicator").loc["va_tertiary"]
    assert (tertiary["panel_source"], tertiary["value"]) == ("bulletins", 197101e4)
    io.validate(out.conflicts, SourceConflict, "conflicts")
    io.validate(out.records, PanelRecord, "records")

    flipped = sources.reconcile({"extracted": extracted, "bulletins": bulletins})
    tertiary = flipped.records.set_index("indicator").loc["va_tertiary"]
    assert (tertiary["panel_source"], tertiary["value"]) == ("extracted", 18.41e8)
    assert flipped.conflicts.iloc[0][["used", "source_a", "source_b"]].tolist() == \
        ["extracted", "extracted", "bulletins"]


@pytest.mark.parametrize("precedence", [["bulletins", "extracted"], ["extracted", "bulletins"]])
def test_rural_income_of_two_sources_follows_the_precedence(precedence):
    """Rural income a CSV prints to the 0.1 元 and a text to the 元 (9321.6 and 9322): one
    level, no conflict; the first source in the precedence order gives the value."""
    by_source = {"bulletins": frame(rec("990001", 2015, "rural_income", "9321.6", "元", 4, CSV)),
                 "extracted": frame(rec("990001", 2015, "rural_income", "9322", "元", 9, TXT))}
    out = sources.reconcile({name: by_source[name] for name in precedence})
    assert out.conflicts.empty
    used = out.records.iloc[0]
    assert used["panel_source"] == precedence[0]
    assert used["value"] == {"bulletins": 9321.6, "extracted": 9322.0}[precedence[0]]
    beyond = frame(rec("990001", 2015, "rural_income", "9323", "元", 9, TXT))
    clash = sources.reconcile({"bulletins": by_source["bulletins"], "extracted": beyond})
    assert len(clash.conflicts) == 1                      # 1.4 元 apart > half a 元


def test_cells_and_counties_of_one_source_only_are_kept():
    bulletins = frame(rec("990001", 2015, "gdp", "41.90", "亿元", 2, CSV))
    extracted = frame(rec("990001", 2016, "gdp", "45.12", "亿元", 2, TXT),
                      rec("990002", 2015, "population", "23.40", "万人", 3,
                          "results/extracted/990002.csv"))
    out = sources.reconcile({"bulletins": bulletins, "extracted": extracted})
    got = out.records[["county_code", "year", "indicator", "panel_source"]].values.tolist()
    assert got == [["990001", 2015, "gdp", "bulletins"], ["990001", 2016, "gdp", "extracted"],
                   ["990002", 2015, "population", "extracted"]]
    assert out.conflicts.empty


def test_every_disagreeing_pair_of_three_sources_is_listed():
    a = frame(rec("990001", 2015, "gdp", "41.90", "亿元", 2, CSV))
    b = frame(rec("990001", 2015, "gdp", "40.00", "亿元", 2, TXT))
    c = frame(rec("990001", 2015, "gdp", "41.90", "亿元", 2, "results/imported/990001.csv"))
    out = sources.reconcile({"bulletins": a, "extracted": b, "imported": c})
    pairs = out.conflicts[["source_a", "source_b", "used"]].values.tolist()
    assert pairs == [["bulletins", "extracted", "bulletins"],
                     ["extracted", "imported", "bulletins"]]
    assert out.summary.set_index("source")["conflicting"].to_dict() == \
        {"bulletins": 0, "extracted": 1, "imported": 0}


def test_relative_tolerance_widens_agreement():
    a = frame(rec("990001", 2015, "gdp", "41.90", "亿元", 2, CSV))
    b = frame(rec("990001", 2015, "gdp", "41.95", "亿元", 2, TXT))
    assert len(sources.reconcile({"bulletins": a, "extracted": b}).conflicts) == 1
    assert sources.reconcile({"bulletins": a, "extracted": b}, relative=0.002).conflicts.empty


def test_two_records_of_one_cell_in_a_source_is_an_error():
    a = frame(rec("990001", 2015, "gdp", "41.90", "亿元", 2, CSV),
              rec("990001", 2015, "gdp", "41.90", "亿元", 3, CSV))
    with pytest.raises(InputDataError, match="source bulletins: 2 records of one"):
        sources.reconcile({"bulletins": a})
    with pytest.raises(InputDataError, match="must be >= 0"):
        sources.reconcile({"bulletins": a.iloc[:1]}, relative=-1.0)
