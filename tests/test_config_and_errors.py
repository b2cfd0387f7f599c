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
    ],
)
def test_bad_config_fails_at_parse_time_naming_the_key(tiny, changes, message):
    write_config(tiny, **changes)
    proc = run_snakemake(tiny, "-n", check=False, timeout=120)
    assert proc.returncode != 0
    assert message in proc.stdout + proc.stderr
    assert not (tiny / "results" / "bulletins").exists()


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
