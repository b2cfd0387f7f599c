"""`snakemake real_study` end to end on a slice of the real data (rules/real_study.smk).

The run imports the county panel (CSMAR layout) and runs the study twice as Snakemake modules
(the Snakefile): results/real_study/ (dated counties only) and results/real_study/all_counties/
(undated counties dated by real_study.undated_rule). The slice, real_study.provinces = 贵州 and
四川, keeps each run to a couple of minutes: both provinces have dated and undated counties,
and between them the model terms vary (贵州 alone has no county whose primary sector is the
largest, so `industry` would be constant).

The panel export and the 832-county workbook are third-party files, not in the repository. They
are looked for in $COUNTYSURV_REAL_PANEL_DIR and $COUNTYSURV_COUNTIES_XLSX, else at
../shared/data/real/ and ../shared/data/poverty_counties_832.xlsx beside the repository (where
CI has them); the tests that need them are skipped, with that reason, when they are absent.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import REPO, make_toy_study, run_snakemake

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
PANEL_DIR = Path(os.environ.get("COUNTYSURV_REAL_PANEL_DIR") or SHARED / "real")
XLSX = Path(os.environ.get("COUNTYSURV_COUNTIES_XLSX") or SHARED / "poverty_counties_832.xlsx")
PANEL_FILES = ("county_gdp.csv", "county_population.csv", "county_income.csv",
               "county_relief.csv")
_missing = [str(p) for p in [XLSX, *(PANEL_DIR / f for f in PANEL_FILES)] if not p.is_file()]
needs_real_data = pytest.mark.skipif(
    bool(_missing), reason=f"real data not found: {', '.join(_missing)} (set "
    "COUNTYSURV_REAL_PANEL_DIR and COUNTYSURV_COUNTIES_XLSX or put shared/ beside the "
    "repository)")

PROVINCES = ["贵州", "四川"]
STUDIES = ("results/real_study", "results/real_study/all_counties")
# 丹寨县 (黔东南, 贵州), 2015, as printed in its statistical bulletin (万元, rounded to 1 万元).
DANZHAI = "522636"
DANZHAI_2015 = {"gdp": 244_394, "va_primary": 62_857, "va_secondary": 65_585,
                "va_tertiary": 115_952}
# The county whose 2015 tertiary value the incremental test changes (雷山县, 贵州).
CHANGED = "522634"

pytestmark = [pytest.mark.workflow, pytest.mark.slow]


def write_config(work: Path, panel_dir: Path, replicates: int = 40) -> None:
    """The toy study's config with the real study's section (absolute paths), on the slice."""
    cfg = yaml.safe_load((work / "config.yaml").read_text(encoding="utf-8"))
    repo_cfg = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
    cfg["real"] = {"counties_xlsx": str(XLSX)}
    cfg["real_study"] = {**repo_cfg["real_study"], "panel_dir": str(panel_dir),
                         "provinces": PROVINCES}
    cfg["bootstrap"]["replicates"] = replicates
    (work / "config.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")


def make_real_study(work: Path, panel_dir: Path) -> None:
    """A working folder for `snakemake real_study`: the toy study (the Snakefile parses the
    default study too), the reference tables and the real-study config."""
    make_toy_study(work, n=3)
    shutil.copytree(REPO / "data" / "reference", work / "data" / "reference")
    write_config(work, panel_dir)


def sample_steps(md: str) -> list[tuple[str, int | None, int, int | None]]:
    """The step table of sample.md: (step, counties in, kept, excluded) per row."""
    rows = []
    for line in md.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[2].isdigit():
            num = [int(c) if c else None for c in cells[1:]]
            rows.append((cells[0], num[0], num[1], num[2]))
    return rows


@pytest.fixture(scope="module")
def real_run(tmp_path_factory):
    """One completed `snakemake real_study` on the slice, with a copy of the panel export.

    The incremental test changes this folder last (one number of one county); the other tests
    check only what that change leaves true.
    """
    work = tmp_path_factory.mktemp("real_study")
    panel = work / "panel_export"
    shutil.copytree(PANEL_DIR, panel)
    make_real_study(work, panel)
    proc = run_snakemake(work, "real_study", "--cores", "2")
    return work, panel, proc


@pytest.fixture(scope="module")
def counties_832(real_run) -> pd.DataFrame:
    work = real_run[0]
    return pd.read_csv(work / "results/real/counties_832.csv", dtype=str, keep_default_na=False)


@needs_real_data
@pytest.mark.parametrize("study", STUDIES)
def test_table1_with_na_integration_rows(real_run, study):
    out = real_run[0] / study
    for ext in ("csv", "md", "tex", "html"):
        assert (out / "tables" / f"table1.{ext}").stat().st_size > 0, ext
    md = (out / "tables/table1.md").read_text(encoding="utf-8")
    for label in ("First and Second Industry Integration Index",
                  "First and Third Industry Integration Index"):
        row = next(line for line in md.splitlines() if line.startswith(f"| {label} |"))
        assert row.count("| n/a ") == 7, row
    notes = [line for line in md.splitlines() if line.startswith("- n/a:")]
    assert len(notes) == 2 and "agri\\_machinery\\_power" in notes[0], notes
    survival = pd.read_parquet(out / "analysis/survival.parquet")
    obs = next(line for line in md.splitlines() if line.startswith("| Obs |"))
    assert re.findall(r"\| (\d+) ", obs) == [str(len(survival))] * 2, obs
    steps = sample_steps((out / "sample.md").read_text(encoding="utf-8"))
    assert steps[-1][2] == len(survival)


@needs_real_data
def test_all_counties_run_keeps_at_least_the_dated_counties(real_run):
    work = real_run[0]
    dated, every = (pd.read_parquet(work / s / "analysis/survival.parquet") for s in STUDIES)
    assert len(every) >= len(dated) > 0
    assert set(dated["county_code"]) <= set(every["county_code"])
    imputed = pd.read_csv(work / STUDIES[1] / "exit_dates.csv", dtype=str)
    assert (imputed["status"] == "imputed").any()


@needs_real_data
@pytest.mark.parametrize("study", STUDIES)
def test_sample_flow_adds_up(real_run, counties_832, study):
    out = real_run[0] / study
    steps = sample_steps((out / "sample.md").read_text(encoding="utf-8"))
    assert steps[0][0] == "the 832-county list" and steps[0][2] == 832
    assert len(steps) == 5, steps
    for (_, _, prev_kept, _), (name, n_in, kept, excluded) in zip(steps, steps[1:]):
        assert n_in == prev_kept and n_in == kept + excluded, name
    # every county of the slice's provinces that reaches the models is of those provinces
    survival = pd.read_parquet(out / "analysis/survival.parquet")
    province = dict(zip(counties_832["county_code"], counties_832["province"]))
    assert {province[c] for c in survival["county_code"]} == set(PROVINCES)
    excluded = pd.read_csv(out / "sample_excluded.csv", dtype=str)
    assert len(excluded) == 832 - len(survival)


@needs_real_data
@pytest.mark.parametrize("study", STUDIES)
def test_exit_dates_cover_the_832_counties(real_run, counties_832, study):
    dates = pd.read_csv(real_run[0] / study / "exit_dates.csv", dtype=str,
                        keep_default_na=False)
    assert len(dates) == 832 and dates["county_code"].is_unique
    assert set(dates["county_code"]) == set(counties_832["county_code"])
    assert set(dates["status"]) <= {"dated", "imputed", "undated"}
    undated = dates[dates["status"] == "undated"]
    assert (undated["reason"].str.strip() != "").all()
    assert (dates.loc[dates["status"] != "undated", "announced_on"]
            .str.fullmatch(r"\d{4}-\d{2}-\d{2}").all())
    if study == STUDIES[0]:
        assert not (dates["status"] == "imputed").any() and len(undated) > 0


@needs_real_data
@pytest.mark.parametrize("study", STUDIES)
def test_import_counts_add_up(real_run, study):
    counts = json.loads((real_run[0] / study / "import/counts.json").read_text(encoding="utf-8"))
    parts = ("rows_imported", "rows_not_poverty", "rows_outside_years", "rows_quarantined")
    for name, f in counts["files"].items():
        assert f["rows_read"] == sum(f[p] for p in parts), name
        assert f["rows_read"] > 0, name
    for key in ("rows_read", *parts):
        assert counts["totals"][key] == sum(f[key] for f in counts["files"].values()), key
    assert counts["reference_counties"] == 832
    imported = list((real_run[0] / study / "imported").glob("*.csv"))
    assert counts["counties_imported"] == len(imported)
    assert counts["counties_imported"] + counts["reference_counties_without_values"] == 832


@needs_real_data
def test_default_study_results_are_not_built(real_run):
    results = real_run[0] / "results"
    # results/real/ is `snakemake real`'s counties_832.csv, an input of the real study
    assert {p.name for p in results.iterdir()} == {"real", "real_study", "logs", "benchmarks"}
    for folder in ("logs", "benchmarks"):
        assert [p.name for p in (results / folder).iterdir()] == ["reconcile_counties"]
    assert not (results / "tables" / "table1.md").exists()


@needs_real_data
def test_danzhai_2015_matches_its_bulletin_with_lineage(real_run):
    work, panel_dir, _ = real_run
    out = work / STUDIES[0]
    panel = pd.read_parquet(out / "panel/panel.parquet")
    row = panel[(panel["county_code"] == DANZHAI) & (panel["year"] == 2015)]
    assert len(row) == 1
    for column, wan in DANZHAI_2015.items():
        yuan = float(row.iloc[0][column])
        # the bulletin prints 万元 rounded to a whole 万元 (= 10,000 yuan)
        assert abs(yuan - wan * 10_000) <= 5_000, (column, yuan, wan)
    lineage = pd.read_csv(out / "analysis/lineage.csv", dtype=str, keep_default_na=False)
    rows = lineage[(lineage["county_code"] == DANZHAI) & (lineage["year"] == "2015")
                   & (lineage["covariate"] == "upgrading_index")]
    assert sorted(rows["indicator"]) == ["va_primary", "va_secondary", "va_tertiary"]
    gdp_lines = (panel_dir / "county_gdp.csv").read_text(encoding="utf-8").splitlines()
    for r in rows.itertuples():
        # lineage -> the imported bulletin CSV and its line ...
        assert r.file == f"{STUDIES[0]}/imported/{DANZHAI}.csv", r.file
        with open(work / r.file, encoding="utf-8", newline="") as fh:
            imported = list(csv.reader(fh))
        header, line = imported[0], dict(zip(imported[0], imported[int(r.line) - 1]))
        assert header[:3] == ["county_code", "county_name", "year"]
        assert (line["county_code"], line["year"], line["value"]) == (DANZHAI, "2015",
                                                                     r.raw_value)
        # ... -> the export file and its line (the import's `source` column)
        assert line["source"] == r.source
        name, number = r.source.split(":")
        assert name == "county_gdp.csv"
        export = gdp_lines[int(number) - 1].split(",")
        assert export[0].startswith("2015") and DANZHAI in export and "丹寨县" in export
        assert r.raw_value in export


@needs_real_data
def test_panel_correction_reruns_one_county(real_run):
    """Changing one number of one county in the export reruns the import and that county's
    ingestion in each study, not the other counties'; a third run has nothing to do."""
    work, panel_dir, _ = real_run
    gdp = panel_dir / "county_gdp.csv"
    lines = gdp.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    hits = [i for i, ln in enumerate(lines)
            if ln.startswith("2015") and ln.split(",")[header.index("CountyCode")] == CHANGED]
    assert len(hits) == 1
    fields = lines[hits[0]].rstrip("\n").split(",")
    col = header.index("RegGDP_Tertiary")
    new_value = float(fields[col]) + 100.0
    fields[col] = f"{new_value:.2f}"
    lines[hits[0]] = ",".join(fields) + "\n"

    def mtimes() -> dict[str, float]:
        found = {}
        for study in STUDIES:
            for p in (work / study / "bulletins").glob("*.parquet"):
                found[f"{study}/bulletins/{p.name}"] = p.stat().st_mtime_ns
            found[f"{study}/import"] = (work / study / "import/counts.json").stat().st_mtime_ns
        return found

    before = mtimes()
    gdp.write_text("".join(lines), encoding="utf-8")
    proc = run_snakemake(work, "real_study", "--cores", "2")
    after = mtimes()
    changed = sorted(k for k in before if after[k] != before[k])
    assert changed == sorted([f"{s}/bulletins/{CHANGED}.parquet" for s in STUDIES]
                             + [f"{s}/import" for s in STUDIES]), changed
    log = proc.stdout + proc.stderr
    for prefix in ("real_study_", "real_study_all_"):
        assert re.search(rf"checkpoint {prefix}import_panel:", log)
        ingested = re.findall(rf"rule {prefix}ingest_bulletin:\n(?:.*\n)*?\s+wildcards: "
                              r"county=(\d{6})", log)
        assert ingested == [CHANGED], (prefix, ingested)
    for study in STUDIES:
        panel = pd.read_parquet(work / study / "panel/panel.parquet")
        value = panel.loc[(panel["county_code"] == CHANGED) & (panel["year"] == 2015),
                          "va_tertiary"]
        assert value.tolist() == [pytest.approx(new_value * 10_000)], study

    third = run_snakemake(work, "real_study", "--cores", "2")
    assert "Nothing to be done" in third.stdout + third.stderr


def test_missing_panel_file_fails_in_one_line(tmp_path):
    empty = tmp_path / "empty_export"
    empty.mkdir()
    make_real_study(tmp_path, empty)
    proc = run_snakemake(tmp_path, "real_study", "-n", check=False)
    assert proc.returncode != 0
    output = proc.stdout + proc.stderr
    errors = [line for line in output.splitlines() if "ERROR" in line]
    assert len(errors) == 1, errors
    assert f"{empty / 'county_gdp.csv'}: file of the county panel not found" in errors[0]
    assert "real_study.panel_dir" in errors[0]
    assert "Traceback" not in output
