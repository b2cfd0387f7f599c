"""benchmarks/extract.py: how a written figure is scored against its label."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "extract.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_extract", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("written, label, match", [
    # prose 224.8亿元 is the table's 2248048.3万元: the same level at a coarser printing
    ((224.8e8, 0.05e8), 2248048.3e4, True),
    # 57.7亿元 printed where the level is 57.7521亿元: 0.0521 亿元 off, beyond ±0.05 亿元
    ((57.7e8, 0.05e8), 577521e4, False),
    # a unit slip is never the level
    ((100.4e4, 0.05e4), 1003794.5e4, False),
    ((544100.0, 50.0), 544126.0, True),
    ((31.41e4, 0.005e4), 31.41e4, True),
])
def test_a_written_figure_matches_its_label_to_its_own_printed_precision(bench, written, label,
                                                                         match):
    assert bench.same(written, label) is match


def test_predictions_carry_the_half_unit_of_the_printed_figure(bench, tmp_path):
    folder = tmp_path / "某县"
    folder.mkdir()
    text = folder / "2016.txt"
    text.write_text("全县实现地区生产总值24.4亿元，增长7.5%。年末户籍人口312588人。", encoding="utf-8")
    written, reviewed = bench.predictions(text, "某县")
    assert written["gdp"] == pytest.approx((24.4e8, 0.05e8))
    assert written["population"] == pytest.approx((312588.0, 0.5))
    assert reviewed == {}


def test_evaluate_counts_a_coarser_printing_as_found(bench, tmp_path):
    folder = tmp_path / "某县"
    folder.mkdir()
    (folder / "2016.txt").write_text("全县实现地区生产总值24.4亿元。", encoding="utf-8")
    labels = {("某县", 2016): {"gdp": 24.43e8, "population": None}}
    counts = bench.evaluate(tmp_path, labels)["indicators"]
    assert (counts["gdp"]["tp"], counts["gdp"]["coarser"], counts["gdp"]["fp"]) == (1, 1, 0)
    labels = {("某县", 2016): {"gdp": 24.46e8}}
    counts = bench.evaluate(tmp_path, labels)["indicators"]
    assert (counts["gdp"]["tp"], counts["gdp"]["fp"], counts["gdp"]["fn"]) == (0, 1, 1)
