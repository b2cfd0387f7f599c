"""County-year panel, its flags and coverage."""

import numpy as np
import pandas as pd
import pytest

from countysurv import io, panels
from countysurv.errors import InputDataError
from countysurv.panels import build_panel, coverage_table, ingestion_summary
from countysurv.schemas import CountyYear, Coverage


def rec(code, year, indicator, value):
    return {"county_code": code, "year": year, "indicator": indicator, "value": value}


@pytest.fixture
def records():
    rows = []
    for year, gdp in ((2014, 100.0), (2015, 110.0)):
        rows += [rec("990001", year, "gdp", gdp), rec("990001", year, "va_primary", 0.3 * gdp),
                 rec("990001", year, "va_secondary", 0.3 * gdp),
                 rec("990001", year, "va_tertiary", 0.4 * gdp)]
    rows += [rec("990002", 2014, "gdp", 50.0), rec("990002", 2014, "va_primary", 10.0),
             rec("990002", 2014, "va_secondary", 10.0), rec("990002", 2014, "va_tertiary", 10.0),
             rec("990002", 2015, "gdp", 50.0 * 10_000)]
    return pd.DataFrame(rows)


def test_build_panel_has_every_county_year_with_nan_for_missing(records):
    panel = build_panel(records, ["990002", "990001"], (2014, 2016))
    assert list(zip(panel["county_code"], panel["year"])) == [
        ("990001", 2014), ("990001", 2015), ("990001", 2016),
        ("990002", 2014), ("990002", 2015), ("990002", 2016)]
    assert panel.loc[0, "gdp"] == 100.0
    assert np.isnan(panel.loc[2, "gdp"])
    io.validate(panel, CountyYear, "panel")


def test_build_panel_flags_sectors_not_summing_to_gdp(records):
    panel = build_panel(records, ["990001", "990002"], (2014, 2015)).set_index(
        ["county_code", "year"])
    assert bool(panel.loc[("990001", 2014), "sector_sum_ok"]) is True
    assert bool(panel.loc[("990002", 2014), "sector_sum_ok"]) is False
    assert panel.loc[("990002", 2014), "sector_gap"] == pytest.approx(20 / 50)
    assert pd.isna(panel.loc[("990002", 2015), "sector_sum_ok"])


def test_build_panel_flags_gdp_jump_of_unit_slip(records):
    panel = build_panel(records, ["990001", "990002"], (2014, 2015)).set_index(
        ["county_code", "year"])
    assert bool(panel.loc[("990002", 2015), "gdp_jump_flag"]) is True
    assert not panel["gdp_jump_flag"].drop(("990002", 2015)).any()


def test_coverage_table_counts_missing_years(records):
    panel = build_panel(records, ["990001", "990002"], (2014, 2016))
    cov = io.validate(coverage_table(panel), Coverage, "coverage").set_index(
        ["county_code", "indicator"])
    assert cov.loc[("990001", "gdp"), "missing"] == 1
    assert cov.loc[("990001", "gdp"), "missing_years"] == "2016"
    assert cov.loc[("990002", "va_primary"), "missing_years"] == "2015 2016"
    assert cov.loc[("990001", "population"), "missing"] == 3


def test_countyyear_schema_rejects_duplicate_key_and_negative(records):
    panel = build_panel(records, ["990001"], (2014, 2015))
    dup = pd.concat([panel, panel.iloc[[0]]], ignore_index=True)
    with pytest.raises(InputDataError, match="CountyYear"):
        io.validate(dup, CountyYear, "panel")
    bad = panel.copy()
    bad.loc[0, "va_primary"] = -1.0
    with pytest.raises(InputDataError, match="va_primary"):
        io.validate(bad, CountyYear, "panel")


def test_ingestion_summary_raises_when_rows_do_not_add_up():
    ok = {"file": "a.csv", "encoding": "utf-8", "rows_in": 3, "rows_kept": 2, "rows_rejected": 1,
          "duplicates_collapsed": 0, "conflicts": 0}
    assert len(ingestion_summary([ok])) == 1
    with pytest.raises(InputDataError, match="b.csv"):
        ingestion_summary([ok, {**ok, "file": "b.csv", "rows_in": 4}])


def _ingested(tmp_path, text):
    from countysurv.bulletins import read_bulletin, write_outputs

    src = tmp_path / "990001.csv"
    src.write_text("county_code,county_name,year,indicator,value,unit\n" + text, encoding="utf-8")
    paths = [tmp_path / f"990001.{ext}" for ext in ("parquet", "rejects.csv", "counts.json")]
    write_outputs(read_bulletin(src, (2014, 2019)), src, *paths)
    return src, [str(p) for p in paths]


def test_load_bulletins_validates_rows_naming_file_and_line(tmp_path):
    from countysurv.bulletins import RECORD_SCHEMA
    from countysurv.errors import InputDataError
    from countysurv.parquet import write_rows as write_rows_parquet

    src, (records, rejects, counts) = _ingested(tmp_path, "990001,x,2015,gdp,1,亿元\n"
                                                          "990001,x,2016,gdp,2,亿元\n")
    frame, ingestion = panels.load_bulletins([records], [rejects], [counts])
    assert frame["value"].tolist() == [1e8, 2e8] and ingestion["rows_in"].tolist() == [2]
    # A row that breaks the schema (written by hand: ingestion never writes one) is named.
    rows = frame.to_dict("records")
    rows[1]["value"] = -5.0
    write_rows_parquet(rows, RECORD_SCHEMA, records)
    with pytest.raises(InputDataError, match=rf"{src} line 3, value -5.0"):
        panels.load_bulletins([records], [rejects], [counts])


def test_load_bulletins_checks_the_accounting_against_the_files(tmp_path):
    import json

    from countysurv.errors import InputDataError

    src, (records, rejects, counts) = _ingested(tmp_path, "990001,x,2015,gdp,1,亿元\n"
                                                          "990001,x,2015,gdp,x,亿元\n")
    data = json.loads(open(counts, encoding="utf-8").read())
    data["rows_kept"], data["rows_in"] = 2, 3
    open(counts, "w", encoding="utf-8").write(json.dumps(data))
    with pytest.raises(InputDataError, match="outputs disagree with its row counts"):
        panels.load_bulletins([records], [rejects], [counts])
