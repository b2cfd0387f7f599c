"""Tests of countysurv.simulate, the generator of the embedded synthetic default study."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from countysurv import simulate
from countysurv.terms import MODEL_TERMS
from countysurv.io import round_significant

REPO = Path(__file__).resolve().parents[2]
COMMITTED = REPO / "data"
SCRIPT = REPO / "scripts" / "generate_default_data.py"
ALIAS_TO_CANONICAL = {alias: canonical for canonical, aliases in
                      simulate.INDICATOR_ALIASES.items() for alias in aliases}
FULL_TO_ASCII = str.maketrans("０１２３４５６７８９．", "0123456789.")

#: Tolerances and ranges named once (the DGP of countysurv.simulate, magnitudes of poor counties
#: 2014–2019).
RECOVERY_N = 2000
RECOVERY_MAX_SE = 3.0
VA_SUM_REL_TOL = 0.005
ANNOUNCED_SHARE = (0.40, 0.60)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """The default study (76 counties, default seed) written into a fresh folder."""
    out = tmp_path_factory.mktemp("default_study")
    simulate.generate(out)
    return out


@pytest.fixture(scope="module")
def truth(generated) -> dict:
    return json.loads((generated / "truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def parsed(generated, truth) -> pd.DataFrame:
    """Every bulletin row read back with the recorded encoding, in canonical units."""
    frames = []
    for path in sorted((generated / "bulletins").glob("*.csv")):
        text = path.read_bytes().decode(truth["mess"]["encodings"][path.stem])
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        frames.append(frame)
    rows = pd.concat(frames, ignore_index=True)
    number = rows["value"].str.translate(FULL_TO_ASCII).str.replace(",", "", regex=False)
    rows["canonical"] = rows["indicator"].map(ALIAS_TO_CANONICAL)
    rows["x"] = number.astype(float) * rows["unit"].map(simulate.UNIT_FACTORS)
    rows["year"] = rows["year"].astype(int)
    return rows


@pytest.fixture(scope="module")
def wide(parsed) -> pd.DataFrame:
    return parsed.pivot(index=["county_code", "year"], columns="canonical", values="x")


# ------------------------------------------------------------------ determinism and files

def test_generate_matches_committed_data_bytes(generated):
    committed = sorted(p.name for p in (COMMITTED / "bulletins").glob("*.csv"))
    fresh = sorted(p.name for p in (generated / "bulletins").glob("*.csv"))
    assert committed == fresh, "committed data/bulletins differ in file names from a fresh run"
    for name in fresh:
        assert (generated / "bulletins" / name).read_bytes() == \
            (COMMITTED / "bulletins" / name).read_bytes(), name
    for name in ("counties.csv", "truth.json", "truth_covariates.csv"):
        assert (generated / name).read_bytes() == (COMMITTED / name).read_bytes(), name


def test_generate_twice_is_byte_identical(tmp_path, generated):
    simulate.generate(tmp_path)
    for path in sorted(generated.rglob("*")):
        if path.is_file():
            assert (tmp_path / path.relative_to(generated)).read_bytes() == path.read_bytes()


def test_generate_files_decode_with_recorded_encoding(generated, truth):
    encodings = truth["mess"]["encodings"]
    assert sorted(encodings) == sorted(p.stem for p in (generated / "bulletins").glob("*.csv"))
    for code, encoding in encodings.items():
        data = (generated / "bulletins" / f"{code}.csv").read_bytes()
        text = data.decode(encoding)
        assert text.startswith("county_code,county_name,year,indicator,value,unit,source,note")
        assert data.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
        if encoding == "gb18030":
            with pytest.raises(UnicodeDecodeError):
                data.decode("utf-8")
        crlf = code in truth["mess"]["crlf_files"]
        assert ("\r\n" in text) == crlf


def test_generate_writes_simulated_labels(generated, truth):
    counties = pd.read_csv(generated / "counties.csv", dtype=str, keep_default_na=False)
    assert list(counties.columns) == list(simulate.COUNTY_COLUMNS)
    assert counties["county_code"].str.fullmatch(r"99\d{4}").all()
    assert counties["county_name"].str.startswith("模拟县").all()
    assert truth["simulated"] is True and "SIMULATED" in truth["statement"]
    assert counties["announced_on"].str.fullmatch(r"(\d{4}-\d{2}-\d{2})?").all()


# ------------------------------------------------------------------ the mess

def test_generate_injects_mess(generated, truth, parsed):
    mess = truth["mess"]
    assert len(mess["gb18030_files"]) >= 1 and len(mess["utf8_bom_files"]) >= 1
    assert parsed["value"].str.contains(",", regex=False).any()
    raw = (generated / "bulletins" / f"{mess['thousands_separator_cells'][0]['county_code']}"
           ".csv").read_bytes().decode(mess["encodings"][
               mess["thousands_separator_cells"][0]["county_code"]])
    assert f'"{mess["thousands_separator_cells"][0]["value"]}"' in raw  # quoted field
    assert parsed["value"].str.contains("[０-９]").any()
    units = parsed[parsed["canonical"] == "gdp"].groupby("county_code")["unit"].nunique()
    assert (units > 1).any(), "no county changes its money unit across years"
    aliases = parsed.groupby("canonical")["indicator"].nunique()
    assert aliases["gdp"] == 3 and aliases["population"] == 3
    assert set(parsed["indicator"]) <= set(ALIAS_TO_CANONICAL)


def test_generate_missing_rows_outside_baseline_except_two_fallbacks(parsed, truth):
    missing = truth["mess"]["missing_rows"]
    assert missing and all(cell["year"] != simulate.BASELINE_YEAR for cell in missing)
    present = set(zip(parsed["county_code"], parsed["year"], parsed["canonical"]))
    assert not any((c["county_code"], c["year"], c["indicator"]) in present for c in missing)
    fallbacks = truth["mess"]["baseline_fallbacks"]
    assert len(fallbacks) == 2 and len({f["county_code"] for f in fallbacks}) == 2
    for fb in fallbacks:
        assert (fb["county_code"], 2015, fb["indicator"]) not in present
        assert {2014, 2016} <= set(fb["years_available"])
    base = parsed[parsed["year"] == simulate.BASELINE_YEAR]
    needed = ["va_primary", "va_secondary", "va_tertiary", "rural_population",
              "agri_machinery_power", "agri_services_output", "gdp", "population"]
    counts = base[base["canonical"].isin(needed)].groupby("county_code").size()
    assert (counts < len(needed)).sum() == 2


def test_generate_gdp_per_capita_reported_for_about_60_percent(parsed, truth):
    reporting = parsed.loc[parsed["canonical"] == "gdp_per_capita", "county_code"].unique()
    assert 0.5 <= len(reporting) / truth["n_counties"] <= 0.7
    assert set(parsed.loc[parsed["canonical"] == "gdp_per_capita", "unit"]) == {"元"}


# ------------------------------------------------------------------ magnitudes

def test_generate_magnitudes_realistic(wide):
    assert wide["population"].dropna().between(50_000, 1_000_000).all()
    rural_share = (wide["rural_population"] / wide["population"]).dropna()
    assert rural_share.between(0.58, 0.87).all()
    derived = wide["gdp"] / wide["population"]
    assert derived.dropna().between(7_000, 45_000).all()
    assert wide["gdp_per_capita"].dropna().between(7_000, 50_000).all()
    assert (wide["agri_machinery_power"].dropna() / 1e4).between(5, 60).all()
    va = wide[["va_primary", "va_secondary", "va_tertiary"]]
    rel = ((va.sum(axis=1, min_count=3) - wide["gdp"]) / wide["gdp"]).abs().dropna()
    assert (rel < VA_SUM_REL_TOL).all()
    shares = va.div(va.sum(axis=1), axis=0).dropna()
    base = shares.xs(simulate.BASELINE_YEAR, level="year")
    assert base["va_primary"].between(0.15, 0.40).all()
    assert base["va_secondary"].between(0.20, 0.45).all()
    assert base["va_tertiary"].between(0.30, 0.50).all()
    primary_largest = (base["va_primary"] > base[["va_secondary", "va_tertiary"]].max(axis=1))
    assert 0.25 <= primary_largest.mean() <= 0.35
    growth = wide["gdp"].groupby(level="county_code").pct_change(fill_method=None).dropna()
    assert 0.05 <= growth.median() <= 0.10


def test_simulate_study_covariates_in_design_ranges():
    cov = simulate.simulate_study().covariates
    assert cov["integration_12"].between(0.2, 1.5 + 1e-3).all()
    assert 25 <= cov["integration_13"].mean() <= 35 and 5 <= cov["integration_13"].std() <= 11
    assert cov["resource_endowment"].between(np.log(8_000), np.log(40_000)).all()
    assert 0.20 <= cov["nation"].mean() <= 0.50
    assert cov["workflow_fallback"].sum() == 2


def test_simulate_study_covariates_match_printed_values(wide, truth):
    """The DGP's covariates are those of the rounded printed 2015 values (fallbacks aside)."""
    study = simulate.simulate_study()
    cov = study.covariates.set_index("county_code")
    base = wide.xs(simulate.BASELINE_YEAR, level="year")
    va = base[["va_primary", "va_secondary", "va_tertiary"]]
    upgrading = (va.div(va.sum(axis=1), axis=0) * [1, 2, 3]).sum(axis=1, min_count=3)
    i12 = base["agri_machinery_power"] / base["rural_population"]
    gdp_pc = base["gdp_per_capita"].fillna(base["gdp"] / base["population"])
    ok = cov["workflow_fallback"] == 0
    np.testing.assert_allclose(upgrading[ok[ok].index], cov.loc[ok, "upgrading_index"],
                               rtol=1e-12)
    np.testing.assert_allclose(i12[ok[ok].index], cov.loc[ok, "integration_12"], rtol=1e-12)
    np.testing.assert_allclose(np.log(gdp_pc[ok[ok].index]), cov.loc[ok, "resource_endowment"],
                               rtol=1e-12)


def test_simulate_study_announced_share_about_half(truth, generated):
    low, high = ANNOUNCED_SHARE
    assert low <= truth["outcome"]["announced_share"] <= high
    counties = pd.read_csv(generated / "counties.csv", dtype=str, keep_default_na=False)
    # truth.json holds every float rounded to io.SIGNIFICANT_DIGITS, as every written float is
    share = (counties["announced_on"] != "").mean()
    assert round_significant(share) == truth["outcome"]["announced_share"]
    assert (counties["announced_on"].replace("", "9999") > "2015-11-29").all()
    assert (counties.loc[counties["announced_on"] != "", "announced_on"] <= "2020-01-01").all()


# ------------------------------------------------------------------ scale and recovery

def test_cli_generates_832_counties_with_unique_codes(tmp_path):
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(tmp_path), "--n-counties", "832"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    files = sorted((tmp_path / "bulletins").glob("*.csv"))
    assert len(files) == 832
    encodings = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))["mess"][
        "encodings"]
    codes = set()
    for path in files:
        reader = csv.DictReader(io.StringIO(path.read_bytes().decode(encodings[path.stem])))
        file_codes = {row["county_code"] for row in reader}
        assert file_codes == {path.stem}
        codes |= file_codes
    assert len(codes) == 832 and min(codes) == "990001" and max(codes) == "990832"


def test_cli_rejects_bad_n_counties_without_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(tmp_path), "--n-counties", "0"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 1
    assert "ERROR: n_counties must be between 1 and 9999" in result.stderr
    assert "Traceback" not in result.stderr


def test_write_study_removes_stale_simulated_bulletins(tmp_path):
    simulate.generate(tmp_path, n_counties=5, seed=1)
    (tmp_path / "bulletins" / "keep_me.txt").write_text("x")
    simulate.generate(tmp_path, n_counties=3, seed=1)
    names = sorted(p.name for p in (tmp_path / "bulletins").iterdir())
    assert names == ["990001.csv", "990002.csv", "990003.csv", "keep_me.txt"]


def test_the_true_coefficients_name_the_model_terms_in_table_order():
    assert tuple(simulate.COEFFICIENTS) == MODEL_TERMS


def test_simulate_study_recovers_cox_coefficients():
    from lifelines import CoxPHFitter

    study = simulate.simulate_study(RECOVERY_N, seed=0)
    data = study.covariates[[*MODEL_TERMS, "duration_days", "event"]]
    fit = CoxPHFitter().fit(data, duration_col="duration_days", event_col="event")
    truth = pd.Series(simulate.COEFFICIENTS)
    z = (fit.params_[truth.index] - truth) / fit.standard_errors_[truth.index]
    assert (z.abs() < RECOVERY_MAX_SE).all(), z.to_dict()
