"""The bad-input corpora (tests/data/bad/cases.yaml and the held-out
tests/data/bad_heldout/cases.yaml): every case's documented outcome.

Every case is checked at the package level (fast); a handful also run end to end through
snakemake on a 3-county toy study to prove the terminal behaviour: one ``ERROR:`` line naming
the file (and line) and no traceback, or the row quarantined with its reason while the run goes
on. In every accepted or quarantined case, rows in = rows kept + rows rejected.
"""

from __future__ import annotations

import csv
import math
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import REPO, make_toy_study, run_snakemake
from countysurv import io, panels
from countysurv.bulletins import check_file_name, read_bulletin, write_outputs
from countysurv.errors import InputDataError
from countysurv.schemas import BulletinRecord, CountyReference
from countysurv.survival import build_survival

BAD = Path(__file__).parent / "data" / "bad"
CASES = yaml.safe_load((BAD / "cases.yaml").read_text(encoding="utf-8"))
BY_ID = {case["id"]: case for case in CASES}
HELDOUT = Path(__file__).parent / "data" / "bad_heldout"
HELDOUT_CASES = yaml.safe_load((HELDOUT / "cases.yaml").read_text(encoding="utf-8"))
HELDOUT_BY_ID = {case["id"]: case for case in HELDOUT_CASES}
YEARS = (2014, 2019)
FORMULA = re.compile(r"^[=+\-@\t\r]")
NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^-?(inf|nan)$")


def case_ids(*kinds):
    return [c["id"] for c in CASES if c["kind"] in kinds]


def bulletin_path(case):
    return BAD / case["id"] / "990002.csv"


def kept_values(result):
    return {f"{r['year']} {r['indicator']}": r["value"] for r in result.record_rows}


def unescaped_formula_cells(path: Path) -> list[tuple[int, str]]:
    """(row, cell) of every CSV cell a spreadsheet would run as a formula."""
    with open(path, encoding="utf-8", newline="") as fh:
        return [(i, cell) for i, row in enumerate(csv.reader(fh), start=1) for cell in row
                if FORMULA.match(cell) and not NUMBER.match(cell)]


def assert_error(err: Exception, source: Path | str, case: dict) -> None:
    text = str(err)
    assert "\n" not in text, "the message is one line"
    assert text.startswith(f"{source}: "), text          # names the file first
    assert case["message"] in text, text
    if "line" in case:
        assert f"line {case['line']}" in text, text


def test_corpus_is_large_and_documented():
    assert len(CASES) >= 30
    assert len(BY_ID) == len(CASES), "case ids are unique"
    for case in CASES:
        assert case["tests"] and case["expect"] in {"error", "quarantine", "accept", "flag"}
        if case["kind"] in {"bulletin", "panel", "reference", "survival", "file_name"}:
            assert (BAD / case["id"]).is_dir(), case["id"]
        if case["expect"] == "error":
            assert case["message"], case["id"]
        if case["expect"] in {"quarantine", "accept"} and case["kind"] == "bulletin":
            assert case["rows_in"] == len(case["kept"]) + len(case.get("rejects", {})), case["id"]


@pytest.mark.parametrize("case_id", case_ids("bulletin"))
def test_bulletin_case(case_id, tmp_path):
    case = BY_ID[case_id]
    check_bulletin_case(case, bulletin_path(case), tmp_path)


def check_bulletin_case(case: dict, path: Path, tmp_path: Path) -> None:
    """Read ``path`` as the ingestion job does and check the outcome ``case`` documents."""
    names = case.get("names", ())
    if case["expect"] == "error":
        with pytest.raises(InputDataError) as err:
            read_bulletin(path, YEARS, names=names)
        assert_error(err.value, path, case)
        return
    result = read_bulletin(path, YEARS, names=names)
    rejects = {line: reason for _, line, _, reason in result.reject_rows}
    # Every row ends somewhere, and exactly where the case says.
    assert result.rows_in == case["rows_in"]
    assert result.counts["rows_in"] == result.counts["rows_kept"] + result.counts["rows_rejected"]
    assert result.rows_in == len(result.record_rows) + len(result.reject_rows)
    assert set(rejects) == set(case.get("rejects", {})), rejects
    for line, fragment in case.get("rejects", {}).items():
        assert fragment in rejects[line], (line, rejects[line])
    kept = kept_values(result)
    assert set(kept) == set(case["kept"])
    for key, value in case["kept"].items():
        assert math.isclose(kept[key], float(value), rel_tol=1e-12), key
    for key, line in case.get("lines", {}).items():
        assert {f"{r['year']} {r['indicator']}": r["line"] for r in result.record_rows}[key] == line
    # The outputs as the ingestion job writes them: the rows pass the schema the panel job
    # applies, and no rejects cell starts like a formula.
    out = {n: tmp_path / f"990002.{n}" for n in ("parquet", "rejects.csv", "counts.json")}
    write_outputs(result, path, out["parquet"], out["rejects.csv"], out["counts.json"])
    records, ingestion = panels.load_bulletins([str(out["parquet"])], [str(out["rejects.csv"])],
                                               [str(out["counts.json"])])
    assert len(records) == len(kept) and ingestion["rows_in"].tolist() == [case["rows_in"]]
    assert unescaped_formula_cells(out["rejects.csv"]) == []


def test_formula_cells_are_escaped_in_rejects_and_kept_verbatim_in_parquet(tmp_path):
    result = read_bulletin(bulletin_path(BY_ID["formula_cells"]), YEARS)
    raws = [raw for _, _, raw, _ in result.reject_rows]
    assert raws[1].startswith("'=1+1,") and raws[2].startswith("990002,")
    kept = [r for r in result.record_rows if r["indicator"] == "va_secondary"][0]
    assert (kept["county_name"], kept["source"], kept["note"]) == (
        "模拟县", "+cmd|' /C calc'!A0", "@SUM(1)")


@pytest.mark.parametrize("case_id", case_ids("file_name"))
def test_file_name_case(case_id):
    case = BY_ID[case_id]
    path = BAD / case_id / case["file"]
    assert path.exists()
    with pytest.raises(InputDataError) as err:
        read_bulletin(path, YEARS)
    assert_error(err.value, path, case)


@pytest.mark.parametrize("case_id", case_ids("panel"))
def test_panel_flag_case(case_id):
    case = BY_ID[case_id]
    result = read_bulletin(bulletin_path(case), YEARS)
    assert result.rows_in == case["rows_in"] == len(result.record_rows)
    records = io.validate(result.records, BulletinRecord, "case")
    panel = panels.build_panel(records, ["990002"], YEARS).set_index(["county_code", "year"])
    assert len(panel) == 6, "flagged rows stay in the panel"
    for key, flags in case["flags"].items():
        code, year = key.split("/")
        for flag, expected in flags.items():
            assert bool(panel.loc[(code, int(year)), flag]) is expected, (key, flag)


@pytest.mark.parametrize("case_id", case_ids("reference"))
def test_reference_case(case_id):
    case = BY_ID[case_id]
    path = BAD / case_id / "counties.csv"
    with pytest.raises(InputDataError) as err:
        io.read_counties_csv(path, CountyReference)
    assert_error(err.value, path, case)


def _covariates(codes):
    return pd.DataFrame({"county_code": codes, "upgrading_index": 2.1, "integration_12": 0.5,
                         "integration_13": 30.0, "industry": 1.0, "resource_endowment": 9.5})


@pytest.mark.parametrize("case_id", case_ids("survival"))
def test_survival_case(case_id):
    case = BY_ID[case_id]
    path = BAD / case_id / "counties.csv"
    reference = io.read_counties_csv(path, CountyReference)
    if case["expect"] == "error":
        with pytest.raises(InputDataError) as err:
            build_survival(_covariates(["990002"]), reference, "2015-11-29", "2020-01-01",
                           reference_source=str(path))
        assert_error(err.value, path, case)
    else:
        survival, excluded = build_survival(_covariates(["990002"]), reference, "2015-11-29",
                                            "2020-01-01", reference_source=str(path))
        assert survival["county_code"].tolist() == ["990002"] and excluded.empty


@pytest.mark.parametrize("case_id", case_ids("config"))
def test_config_case(case_id):
    from snakemake.utils import validate
    from snakemake_interface_common.exceptions import WorkflowError

    case = BY_ID[case_id]
    cfg = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
    validate(yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8")),
             str(REPO / "schemas" / "config.schema.yaml"))   # the repository's config is valid
    for dotted, value in case["config"].items():
        node = cfg
        *parents, leaf = dotted.split(".")
        for key in parents:
            node = node[key]
        node[leaf] = value
    with pytest.raises(WorkflowError) as err:
        validate(cfg, str(REPO / "schemas" / "config.schema.yaml"))
    assert case["message"] in str(err.value)


# ----------------------------------------------------------------------------- held-out corpus


def test_heldout_corpus_is_large_new_and_documented():
    assert len(HELDOUT_CASES) >= 20
    assert len(HELDOUT_BY_ID) == len(HELDOUT_CASES), "case ids are unique"
    assert not set(HELDOUT_BY_ID) & set(BY_ID), "no case of the first corpus again"
    for case in HELDOUT_CASES:
        assert case["tests"] and case["expect"] in {"error", "quarantine", "accept"}
        assert (HELDOUT / case["id"]).is_dir(), case["id"]
        if case["expect"] == "error":
            assert case["message"], case["id"]
        else:
            assert case["rows_in"] == len(case["kept"]) + len(case.get("rejects", {})), case["id"]
    files = {p.parent.name for p in HELDOUT.glob("*/*.csv")}
    assert files == set(HELDOUT_BY_ID), "one folder per case, no folder without a case"


@pytest.mark.parametrize("case_id", [c["id"] for c in HELDOUT_CASES if c["kind"] == "bulletin"])
def test_heldout_bulletin_case(case_id, tmp_path):
    case = HELDOUT_BY_ID[case_id]
    check_bulletin_case(case, HELDOUT / case_id / "990002.csv", tmp_path)


@pytest.mark.parametrize("case_id", [c["id"] for c in HELDOUT_CASES if c["kind"] == "split_files"])
def test_heldout_split_files_case(case_id):
    """Files are mapped to counties as common.smk does (reference.bulletin_files)."""
    from countysurv.reference import bulletin_files, read_county_reference

    case = HELDOUT_BY_ID[case_id]
    folder = HELDOUT / case_id
    reference = read_county_reference(folder / "counties_832.csv")
    paths = sorted(p for p in folder.glob("*.csv") if p.name != "counties_832.csv")
    assert len(paths) == 2
    with pytest.raises(InputDataError) as err:
        bulletin_files(paths, reference)
    assert_error(err.value, folder / case["file"], case)
    # Each file alone is a county's bulletin: the refusal is about the pair, not the files.
    for path in paths:
        files, _ = bulletin_files([path], reference)
        assert list(files) == ["990002"]
        assert read_bulletin(path, YEARS, "990002").counts["rows_rejected"] == 0


def test_heldout_values_do_not_take_footnote_digits():
    """NFKC turns ① and ¹ into digits: 37.2① must not become 37.21 (a silent 0.3 % error)."""
    result = read_bulletin(HELDOUT / "footnote_marks" / "990002.csv", YEARS)
    rows = {r["indicator"]: r for r in result.record_rows}
    assert rows["va_primary"]["raw_value"] == "37.2①"          # lineage keeps the cell as printed
    assert rows["va_primary"]["value"] == pytest.approx(37.2e8, rel=1e-12)
    assert rows["population"]["value"] == pytest.approx(325000, rel=1e-12)


def test_heldout_unit_from_value_cell_is_recorded():
    result = read_bulletin(HELDOUT / "unit_in_value_cell" / "990002.csv", YEARS)
    row = [r for r in result.record_rows if r["year"] == 2016][0]
    assert (row["raw_value"], row["raw_unit"], row["factor"]) == ("244394万元", "万元", 1e4)


# ----------------------------------------------------------------------------- end to end


@pytest.fixture
def tiny(tmp_path):
    make_toy_study(tmp_path, 3)
    return tmp_path


def _use_case(work: Path, case_id: str, code: str = "990002") -> None:
    path = bulletin_path(BY_ID[case_id]) if case_id in BY_ID else HELDOUT / case_id / "990002.csv"
    data = path.read_bytes().replace(b"990002", code.encode())
    (work / "data" / "bulletins" / f"{code}.csv").write_bytes(data)


def _one_error_line(proc, message: str) -> None:
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    lines = [line for line in out.splitlines() if line.startswith("ERROR: ")]
    assert len(lines) == 1 and message in lines[0], lines
    assert "Traceback" not in out


@pytest.mark.workflow
@pytest.mark.parametrize("case_id", ["empty_file", "missing_column", "unterminated_quote",
                                     "utf16_file", "names_split_evenly",
                                     "header_repeated_other_order"])
def test_unreadable_bulletin_stops_the_run_with_one_line(tiny, case_id):
    _use_case(tiny, case_id)
    proc = run_snakemake(tiny, "--cores", "2", "results/panel/panel.parquet", check=False)
    message = {**BY_ID, **HELDOUT_BY_ID}[case_id]["message"]
    _one_error_line(proc, f"ERROR: data/bulletins/990002.csv: {message}")
    assert not (tiny / "results" / "panel" / "panel.parquet").exists()
    assert not (tiny / "results" / "bulletins" / "990002.parquet").exists()


@pytest.fixture(scope="module")
def tiny_panel(tmp_path_factory):
    """A 3-county toy study run up to the panel (shared; clone it before changing anything)."""
    work = tmp_path_factory.mktemp("tiny_panel")
    make_toy_study(work, 3)
    run_snakemake(work, "--cores", "2", "results/panel/panel.parquet")
    return work


@pytest.mark.workflow
@pytest.mark.parametrize(("case_id", "message"), [
    ("reference_date_unparseable",
     "ERROR: data/counties.csv: 1 problem(s): line 3: announced_on '2017/06/30' is not a date"),
    ("reference_missing_county",
     "ERROR: data/counties.csv: 2 county(ies) with bulletins are not in the reference list: "
     "990002, 990003"),
])
def test_bad_reference_stops_the_run_with_one_line(tiny_panel, tmp_path, case_id, message):
    work = tmp_path / "clone"
    shutil.copytree(tiny_panel, work, symlinks=True)
    shutil.copy2(BAD / case_id / "counties.csv", work / "data" / "counties.csv")
    proc = run_snakemake(work, "--cores", "2", "results/analysis/survival.csv", check=False)
    _one_error_line(proc, message)
    assert not (work / "results" / "analysis" / "survival.csv").exists()


@pytest.mark.workflow
def test_bad_rows_are_quarantined_and_the_run_goes_on(tiny):
    """Formula cells, conflicting duplicates and a unit slip in a 3-county run: the rows are
    quarantined with their reasons, the panel flags the slip, every row is accounted for, and
    no CSV the run writes has a cell a spreadsheet would execute."""
    _use_case(tiny, "formula_cells", "990002")
    _use_case(tiny, "conflicting_duplicates", "990003")
    ref = (tiny / "data" / "counties.csv").read_text(encoding="utf-8").splitlines()
    ref = [re.sub(r"^(990001),[^,]*,", r'\1,"=HYPERLINK(""http://x"")",', r) for r in ref]
    (tiny / "data" / "counties.csv").write_text("\n".join(ref) + "\n", encoding="utf-8")
    proc = run_snakemake(tiny, "--cores", "2", "results/analysis/survival.csv",
                         "results/panel/coverage.csv", check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stdout + proc.stderr
    res = tiny / "results"
    rejects = pd.read_csv(res / "bulletins" / "990002.rejects.csv", keep_default_na=False)
    assert rejects["line"].tolist() == [3, 4, 6, 7]
    assert rejects["reason"].iloc[0].startswith("gdp: formula-like cell")
    assert rejects["raw"].iloc[1].startswith("'=1+1,")
    conflicts = pd.read_csv(res / "bulletins" / "990003.rejects.csv")
    assert conflicts["line"].tolist() == [3, 4]
    ingestion = pd.read_csv(res / "panel" / "ingestion.csv")
    assert (ingestion["rows_in"] == ingestion["rows_kept"] + ingestion["rows_rejected"]).all()
    assert ingestion.set_index("file").loc["data/bulletins/990002.csv", "rows_rejected"] == 4
    kept = pd.read_parquet(res / "bulletins" / "990002.parquet")
    assert kept["note"].tolist() == [None, "@SUM(1)"]
    csvs = sorted(res.rglob("*.csv"))
    assert len(csvs) >= 8
    for path in csvs:
        assert unescaped_formula_cells(path) == [], path


@pytest.mark.workflow
def test_heldout_cases_run_through_the_workflow(tiny):
    """Held-out files in a 3-county run: a pandas-written file (years 2015.0) is read whole,
    sub-county rows are quarantined while the county's own figures reach the panel, and every
    row is accounted for in ingestion.csv."""
    _use_case(tiny, "year_written_as_float", "990002")
    _use_case(tiny, "sub_county_rows", "990003")
    proc = run_snakemake(tiny, "--cores", "2", "results/panel/panel.parquet", check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    res = tiny / "results"
    ingestion = pd.read_csv(res / "panel" / "ingestion.csv").set_index("file")
    assert (ingestion["rows_in"] == ingestion["rows_kept"] + ingestion["rows_rejected"]).all()
    counted = ["rows_in", "rows_rejected"]
    assert ingestion.loc["data/bulletins/990002.csv", counted].tolist() == [3, 0]
    assert ingestion.loc["data/bulletins/990003.csv", counted].tolist() == [6, 3]
    rejects = pd.read_csv(res / "bulletins" / "990003.rejects.csv")
    assert rejects["line"].tolist() == [4, 6, 7]
    panel = pd.read_parquet(res / "panel" / "panel.parquet").set_index(["county_code", "year"])
    assert panel.loc[("990002", 2016), "gdp"] == 1.35e9
    assert panel.loc[("990003", 2015), "population"] == 325000      # not the 其中：城镇 row's
    assert panel.loc[("990003", 2015), "rural_population"] == 244000
