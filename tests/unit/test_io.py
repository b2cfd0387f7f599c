"""countysurv.io: every writer rounds floats to SIGNIFICANT_DIGITS, so last-bit noise vanishes."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from countysurv import io, parquet

# The two values of data/truth_covariates.csv that another x86-64 machine computed differently
# (its numpy exp/power took another SIMD path): same decimal once rounded.
NOISY_PAIRS = [(0.770158266096125, 0.7701582660961233), (1417.6426969792308, 1417.642696979232)]


@pytest.mark.parametrize("a, b", NOISY_PAIRS)
def test_round_significant_writes_last_bit_noise_the_same(a, b):
    assert a != b
    assert io.round_significant(a) == io.round_significant(b)
    assert len(repr(io.round_significant(a)).replace(".", "").lstrip("0")) <= io.SIGNIFICANT_DIGITS


def test_round_significant_keeps_short_values_and_non_finite_ones():
    for value in (0.0, -0.0, 2015.0, 1.5, 123456789.0, 1e-300, -2.5e12):
        assert io.round_significant(value) == value
    assert math.copysign(1, io.round_significant(-0.0)) == -1
    assert math.isnan(io.round_significant(float("nan")))
    assert io.round_significant(float("-inf")) == float("-inf")


def test_round_significant_cannot_join_values_either_side_of_a_boundary():
    """The documented limit: 1 ulp apart, but on either side of ...5 in the 10th digit."""
    low, high = 0.12345678949999999, 0.1234567895000001
    assert high - low < 1e-15
    assert io.round_significant(low) != io.round_significant(high)


def test_power_of_ten_above_bounds_noise_by_its_order_of_magnitude():
    assert io.power_of_ten_above(2.1932455851469967e-13) == 1e-12
    assert io.power_of_ten_above(2.1960211427085596e-13) == 1e-12
    assert io.power_of_ten_above(9.943261792599856e-06) == 1e-05
    assert io.power_of_ten_above(-3.4e-9) == 1e-08
    assert io.power_of_ten_above(1e-5) == 1e-04          # strictly above
    assert io.power_of_ten_above(0.0) == 0.0
    assert math.isnan(io.power_of_ten_above(float("nan")))


def test_round_floats_keeps_dtypes_attrs_and_non_floats():
    df = pd.DataFrame({"x": [1 / 3, np.nan], "o": ["text", 2 / 3], "n": [1, 2],
                       "f": pd.array([1 / 7, None], dtype="Float64")})
    df.attrs["notes"] = ["kept"]
    out = io.round_floats(df)
    assert list(out.dtypes) == list(df.dtypes) and out.attrs == {"notes": ["kept"]}
    assert out["x"].iloc[0] == 0.333333333 and np.isnan(out["x"].iloc[1])
    assert out["o"].tolist() == ["text", 0.666666667]
    assert out["f"].iloc[0] == 0.142857143 and out["f"].iloc[1] is pd.NA
    assert df["x"].iloc[0] == 1 / 3                        # the input is not modified
    assert io.round_floats({"a": [1 / 3, (2 / 3,)], "b": True, "c": 7}) == \
        {"a": [0.333333333, (0.666666667,)], "b": True, "c": 7}


def test_every_writer_rounds(tmp_path):
    value = NOISY_PAIRS[0][0]
    rounded = io.round_significant(value)
    frame = pd.DataFrame({"k": ["a"], "v": [value]})
    io.write_csv(frame, tmp_path / "a.csv")
    io.write_rows_csv(["k", "v"], [["a", value]], tmp_path / "b.csv")
    assert (tmp_path / "a.csv").read_text() == (tmp_path / "b.csv").read_text() == \
        f"k,v\na,{rounded!r}\n"
    io.write_json({"v": value, "nested": [value]}, tmp_path / "c.json")
    assert json.loads((tmp_path / "c.json").read_text()) == {"v": rounded, "nested": [rounded]}
    io.write_parquet(frame, tmp_path / "d.parquet")
    parquet.write_rows([{"k": "a", "v": value}], [("k", "string"), ("v", "float64")],
                       tmp_path / "e.parquet")
    for name in ("d.parquet", "e.parquet"):
        assert pd.read_parquet(tmp_path / name)["v"].tolist() == [rounded], name
