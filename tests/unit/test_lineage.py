"""Cell-to-source lineage: every covariate traces back to raw bulletin rows that reproduce it."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from countysurv import io, lineage
from countysurv.errors import InputDataError
from countysurv.indicators import parse_number
from countysurv.schemas import CountyReference
from countysurv.io import SIGNIFICANT_DIGITS

# Written floats carry SIGNIFICANT_DIGITS significant digits: a value recomputed from written
# inputs and the written result agree to one unit in the last digit kept.
WRITTEN_REL = 10.0 ** (1 - SIGNIFICANT_DIGITS)

COVARIATES = ["upgrading_index", "integration_12", "integration_13", "nation", "industry",
              "resource_endowment"]


@pytest.fixture(scope="module")
def toy(toy_run):
    work, codes, _ = toy_run
    lin = pd.read_csv(work / "results/analysis/lineage.csv", dtype={"county_code": str,
                      "raw_value": str, "note": str}, keep_default_na=False,
                      na_values={"year": [""]})
    survival = pd.read_parquet(work / "results/analysis/survival.parquet")
    covariates = pd.read_parquet(work / "results/analysis/covariates.parquet")
    return work, lin, survival, covariates


def _values(rows: pd.DataFrame) -> dict[str, float]:
    return dict(zip(rows["indicator"], rows["value"].astype(float)))


def test_every_county_and_covariate_has_lineage(toy):
    _, lin, survival, _ = toy
    assert set(lin["county_code"]) == set(survival["county_code"])
    per = lin.groupby(["county_code", "covariate"]).size()
    assert len(per) == len(survival) * len(COVARIATES)
    assert not lin.duplicated(["county_code", "covariate", "indicator"]).any()


@pytest.mark.parametrize("covariate", COVARIATES)
def test_covariate_recomputed_from_its_lineage_rows(toy, covariate):
    """E.g. integration_12 = machinery value / rural population value, for all toy counties."""
    _, lin, survival, _ = toy
    expected = survival.set_index("county_code")[covariate].astype(float)
    sub = lin[lin["covariate"] == covariate]
    for code, rows in sub.groupby("county_code"):
        v = _values(rows)
        if covariate == "integration_12":
            got = v["agri_machinery_power"] / v["rural_population"]
        elif covariate == "integration_13":
            got = v["agri_services_output"] / v["rural_population"]
        elif covariate == "upgrading_index":
            got = ((v["va_primary"] + 2 * v["va_secondary"] + 3 * v["va_tertiary"])
                   / (v["va_primary"] + v["va_secondary"] + v["va_tertiary"]))
        elif covariate == "industry":
            got = float(v["va_primary"] > v["va_secondary"] and v["va_primary"] > v["va_tertiary"])
        elif covariate == "resource_endowment":
            got = math.log(v["gdp_per_capita"]) if "gdp_per_capita" in v else \
                math.log(v["gdp"] / v["population"])
        else:
            got = v["ethnic_area"]
        assert got == pytest.approx(expected[code], rel=WRITTEN_REL, abs=1e-12), (code, covariate)
        assert lineage.recompute(rows) == pytest.approx(expected[code], rel=WRITTEN_REL,
                                                        abs=1e-12)
        assert rows["covariate_value"].astype(float).to_numpy() == \
            pytest.approx(np.full(len(rows), expected[code]), rel=WRITTEN_REL)


def test_rows_point_at_the_raw_cells(toy):
    work, lin, _, _ = toy
    bulletin = lin[lin["covariate"] != "nation"]
    for file, rows in bulletin.groupby("file"):
        text, _ = io.decode_bytes((work / file).read_bytes(), file)
        lines = text.splitlines()
        for r in rows.itertuples():
            raw = r.raw_value[1:] if r.raw_value.startswith("'") else r.raw_value
            assert raw in lines[r.line - 1], (file, r.line, raw)
            assert str(r.raw_unit) in lines[r.line - 1]
            parsed, reason = parse_number(raw)
            assert reason is None
            assert parsed * float(r.factor) == pytest.approx(float(r.value), rel=WRITTEN_REL)
    nation = lin[lin["covariate"] == "nation"]
    ref_lines = (work / "data/counties.csv").read_text(encoding="utf-8").splitlines()
    for r in nation.itertuples():
        assert r.file == "data/counties.csv"
        assert ref_lines[r.line - 1].startswith(r.county_code + ",")


def test_year_and_fallback_match_the_covariates(toy):
    _, lin, _, covariates = toy
    cov = covariates.set_index("county_code")
    for r in lin[lin["covariate"] != "nation"].itertuples():
        assert int(r.year) == int(cov.at[r.county_code, f"{r.covariate}_year"])
        assert bool(r.fallback) == bool(cov.at[r.county_code, f"{r.covariate}_fallback"])


# --------------------------------------------------------------------------- unit level


def _frames(source="bulletin 2015", upgrading_year=2015):
    survival = pd.DataFrame({"county_code": ["990001"], "duration_days": [900], "event": [1],
                             "upgrading_index": [2.0], "integration_12": [0.5],
                             "integration_13": [10.0], "nation": [1], "industry": [0],
                             "resource_endowment": [math.log(20000.0)]})
    cov = {"county_code": "990001", "resource_endowment_derived": True}
    for c in ("upgrading_index", "integration_12", "integration_13", "industry",
              "resource_endowment"):
        cov[f"{c}_year"] = upgrading_year if c == "upgrading_index" else 2015
        cov[f"{c}_fallback"] = c == "upgrading_index" and upgrading_year != 2015
    values = {"va_primary": 1.0, "va_secondary": 1.0, "va_tertiary": 1.0, "gdp": 2e9,
              "population": 1e5, "rural_population": 2e4, "agri_machinery_power": 1e4,
              "agri_services_output": 2e5}
    recs = []
    for year in (2014, 2015):
        for line, (ind, val) in enumerate(values.items(), start=2 + 10 * (year - 2014)):
            recs.append({"county_code": "990001", "year": year, "indicator": ind, "value": val,
                         "unit": "yuan", "raw_value": str(val), "raw_unit": "元", "factor": 1.0,
                         "line": line, "source": source, "note": None,
                         "file": "b/990001.csv",
                         "panel_source": "extracted" if ind == "gdp" else "bulletins"})
    ref = pd.DataFrame({"county_code": ["990001"], "ethnic_area": [1], "line": [2]})
    return survival, pd.DataFrame([cov]), pd.DataFrame(recs), ref


def test_build_lineage_shapes_and_fallback_years():
    survival, cov, recs, ref = _frames(upgrading_year=2014)
    out = lineage.build_lineage(survival, cov, recs, ref, "c.csv")
    assert list(out.columns) == lineage.LINEAGE_COLUMNS
    source = dict(zip(out["indicator"], out["panel_source"]))
    assert (source["gdp"], source["population"], source["ethnic_area"]) == \
        ("extracted", "bulletins", "reference")
    assert set(out.loc[out["covariate"] != "nation", "file"]) == {"b/990001.csv"}
    counts = out.groupby("covariate").size().to_dict()
    assert counts == {"upgrading_index": 3, "integration_12": 2, "integration_13": 2,
                      "nation": 1, "industry": 3, "resource_endowment": 2}
    up = out[out["covariate"] == "upgrading_index"]
    assert set(up["year"]) == {2014} and up["fallback"].all() and set(up["line"]) == {2, 3, 4}
    re_rows = out[out["covariate"] == "resource_endowment"]
    assert set(re_rows["indicator"]) == {"gdp", "population"} and re_rows["derived"].all()
    assert lineage.recompute(re_rows) == pytest.approx(math.log(2e4))


def test_formula_like_cells_are_escaped():
    survival, cov, recs, ref = _frames(source="=HYPERLINK(\"x\")")
    out = lineage.escape_for_csv(lineage.build_lineage(survival, cov, recs, ref, "c.csv"))
    bulletin = out[out["covariate"] != "nation"]
    assert bulletin["source"].str.startswith("'=").all()


def test_missing_input_row_is_an_error():
    survival, cov, recs, ref = _frames()
    recs = recs[~((recs["indicator"] == "rural_population") & (recs["year"] == 2015))]
    with pytest.raises(InputDataError, match="rural_population of 2015"):
        lineage.build_lineage(survival, cov, recs, ref, "c.csv")


def test_nation_row_cites_the_physical_line_of_the_reference(tmp_path):
    """A blank line and a quoted name spanning two lines come before the county's row."""
    path = tmp_path / "counties.csv"
    path.write_text("county_code,county_name,province,ethnic_area,announced_on\n"
                    "990002,\"b\nc\",p,0,2019-01-01\n\n990001,a,p,1,\n", encoding="utf-8")
    survival, cov, recs, _ = _frames()
    ref = io.read_counties_csv(path, CountyReference)
    out = lineage.build_lineage(survival, cov, recs, ref, str(path))
    nation = out[out["covariate"] == "nation"].iloc[0]
    assert (nation["file"], nation["line"], nation["raw_value"], nation["value"]) == \
        (str(path), 5, "1", 1.0)
    assert path.read_text(encoding="utf-8").splitlines()[nation["line"] - 1].startswith("990001,")
