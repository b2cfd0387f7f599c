"""Bad configuration fails at parse time naming the key; an unreadable file stops the run with
one clear line naming it, and no Python traceback."""

from __future__ import annotations

import pytest
import yaml

from conftest import make_toy_study, run_snakemake

pytestmark = pytest.mark.workflow


@pytest.fixture
def tiny(tmp_path):
    make_toy_study(tmp_path, 3)
    return tmp_path


def write_config(work, **changes):
    cfg = yaml.safe_load((work / "config.yaml").read_text(encoding="utf-8"))
    for dotted, value in changes.items():
        node = cfg
        *parents, leaf = dotted.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    (work / "config.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"bootstrap.replicatez": 5}, "replicatez"),
        ({"baseline_year": "2015"}, "baseline_year"),
        ({"bootstrap.replicates": -1}, "replicates"),
        ({"indices.upgrading": "entropy"}, "entropy"),
        ({"policy_date": "29.11.2015"}, "policy_date"),
        ({"baseline_year": 2012}, "baseline_year 2012 is outside years"),
        ({"censor_date": "2015-01-01"}, "censor_date 2015-01-01 is not after policy_date"),
        ({"models.terms": ["nation", "rainfall"]}, "'rainfall' is not one of"),
        ({"models.terms": []}, "should be non-empty"),
        ({"models.terms": ["nation", "industry", "nation"]}, "has non-unique elements"),
        ({"sources.precedence": ["bulletins", "handmade"]}, "handmade"),
        ({"sources.precedence": ["bulletins", "bulletins"]}, "precedence"),
        ({"data.bulletin_texts_dir": "data/no_texts"}, "data/no_texts: bulletin text folder "
                                                        "not found"),
    ],
)
def test_bad_config_fails_at_parse_time_naming_the_key(tiny, changes, message):
    write_config(tiny, **changes)
    proc = run_snakemake(tiny, "-n", check=False, timeout=120)
    assert proc.returncode != 0
    assert message in proc.stdout + proc.stderr
    assert not (tiny / "results" / "bulletins").exists()


def test_texts_of_a_source_left_out_of_the_precedence_fail_at_parse_time(tiny):
    """Bulletin texts configured but "extracted" not in sources.precedence: one line, no run."""
    folder = tiny / "data" / "bulletin_texts" / "990001"
    folder.mkdir(parents=True)
    (folder / "2015.txt").write_text("全县实现地区生产总值24.44亿元。", encoding="utf-8")
    write_config(tiny, **{"data.bulletin_texts_dir": "data/bulletin_texts",
                          "sources.precedence": ["bulletins"]})
    proc = run_snakemake(tiny, "-n", check=False, timeout=120)
    assert proc.returncode != 0
    assert "does not list the source(s) extracted, which have files" in proc.stderr
    write_config(tiny, **{"sources.precedence": ["bulletins", "extracted"]})
    proc = run_snakemake(tiny, "-n", "--quiet", "rules", timeout=120)
    assert "extract_bulletin_text" in proc.stdout and "ingest_source" in proc.stdout


def test_bulletin_file_named_not_as_a_code_fails_at_parse_time(tiny):
    (tiny / "data" / "bulletins" / "990001.csv").rename(tiny / "data" / "bulletins" / "gdp.csv")
    proc = run_snakemake(tiny, "-n", check=False, timeout=120)
    assert proc.returncode != 0
    assert "gdp.csv: bulletin files must be named <6-digit county code>.csv" in proc.stderr


def test_unreadable_bulletin_stops_run_with_one_line_and_no_traceback(tiny):
    (tiny / "data" / "bulletins" / "990002.csv").write_bytes(
        b"county_code,county_name\n\xff\xfe\x81\x30garbage\xff\n")
    proc = run_snakemake(tiny, "--cores", "2", check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert ("ERROR: data/bulletins/990002.csv: cannot decode as UTF-8 or GB18030 "
            "(invalid byte 0xff at offset 24, line 2)") in out
    assert "Traceback" not in out
    assert not (tiny / "results" / "tables" / "table1.csv").exists()


def test_bulletins_named_by_county_name_resolve_through_the_county_reference(tiny):
    """With data.county_reference, a file named by a county's name (and rows that carry the
    name instead of the code) ingest under the county's code; unknown names stop the run."""
    import csv

    import pandas as pd

    bulletins = tiny / "data" / "bulletins"
    with open(tiny / "data" / "counties.csv", encoding="utf-8") as fh:
        names = {r["county_code"]: r["county_name"] for r in csv.DictReader(fh)}
    ref = pd.DataFrame({"county_code": sorted(names), "code_current": sorted(names),
                        "province": "模拟", "canonical_name": [names[c] for c in sorted(names)],
                        "name_2015": [names[c] for c in sorted(names)],
                        "name_current": [names[c] for c in sorted(names)],
                        "names_known": [f"旧{names[c]}" for c in sorted(names)]})
    ref.to_csv(tiny / "data" / "reference.csv", index=False)
    write_config(tiny, **{"data.county_reference": "data/reference.csv"})
    source = bulletins / "990002.csv"
    data = source.read_bytes()
    text = data.decode("utf-8-sig") if data[:3] == b"\xef\xbb\xbf" else data.decode("utf-8")
    renamed = bulletins / f"旧{names['990002']}.csv"
    renamed.write_text(text.replace("\n990002,", f"\n{names['990002']},"), encoding="utf-8")
    source.unlink()
    run_snakemake(tiny, "--cores", "2", "results/panel/panel.parquet")
    counts = pd.read_csv(tiny / "results" / "panel" / "ingestion.csv")
    row = counts[counts["file"].str.endswith(renamed.name)].iloc[0]
    assert row["rows_kept"] == row["rows_in"] > 0
    panel = pd.read_parquet(tiny / "results" / "panel" / "panel.parquet")
    assert sorted(panel["county_code"].unique()) == ["990001", "990002", "990003"]
    assert panel.loc[panel["county_code"] == "990002", "gdp"].notna().all()
    (bulletins / "不存在县.csv").write_text(text, encoding="utf-8")
    proc = run_snakemake(tiny, "-n", check=False, timeout=120)
    assert proc.returncode != 0
    assert "不存在县.csv: the file name is not a county" in proc.stderr
