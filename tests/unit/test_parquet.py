"""countysurv.parquet: the pure-Python writer of the ingestion job, checked against pyarrow.

Files are read back by path (pyarrow reading from a Python file object can abort at interpreter
exit, apache/arrow#50482).
"""

from __future__ import annotations

import math

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from countysurv import io, parquet

KINDS = {"string": pa.string(), "int64": pa.int64(), "float64": pa.float64()}


def write_both(tmp_path, columns):
    """Our file and pyarrow's file of the same columns; return both tables as read back."""
    ours, theirs = tmp_path / "ours.parquet", tmp_path / "theirs.parquet"
    with open(ours, "wb") as fh:
        parquet.write_table(columns, fh)
    pq.write_table(pa.table({name: pa.array(values, KINDS[kind])
                             for name, kind, values in columns}), theirs)
    return (pq.read_table(ours).replace_schema_metadata(None),
            pq.read_table(theirs).replace_schema_metadata(None))


def test_values_nulls_and_types_read_back_as_pyarrow_writes_them(tmp_path):
    columns = [
        ("text", "string", ["x", None, "中文 县", "", "a\x00b", "é" * 300]),
        ("count", "int64", [1, None, -2**63, 2**63 - 1, 0, -1]),
        ("value", "float64", [1.5, float("nan"), None, -0.0, 1e308, 5e-324]),
        ("empty", "string", [None] * 6),
        ("whole", "float64", [1, 2, 3, None, 5, 6]),   # ints in a float column are doubles
    ]
    ours, theirs = write_both(tmp_path, columns)
    assert ours.schema.equals(theirs.schema)
    assert ours.schema.field("text").nullable
    a, b = ours.to_pydict(), theirs.to_pydict()
    assert math.isnan(a["value"][1]) and math.isnan(b["value"][1])
    a["value"][1] = b["value"][1] = "nan"
    assert a == b
    assert math.copysign(1, a["value"][3]) == -1.0


def test_long_columns_and_many_columns_use_the_long_thrift_forms(tmp_path):
    # > 14 list elements (schema, column chunks) and multi-byte varints (sizes, run lengths)
    n = 5000
    columns = [(f"c{i:02d}", ("string", "int64", "float64")[i % 3],
                [None if (r * (i + 1)) % 7 == 0 else
                 (str(r), r, r / 3)[i % 3] for r in range(n)]) for i in range(20)]
    ours, theirs = write_both(tmp_path, columns)
    assert ours.num_rows == n and ours.num_columns == 20
    assert ours.equals(theirs)


def test_zero_rows_keep_the_schema(tmp_path):
    ours, theirs = write_both(tmp_path, [("a", "string", []), ("b", "int64", [])])
    assert ours.num_rows == 0 and ours.schema.equals(theirs.schema)


def test_the_bytes_depend_only_on_the_rows(tmp_path):
    columns = [("a", "string", ["x", None]), ("b", "float64", [0.1, 2.0])]
    first, second = tmp_path / "1.parquet", tmp_path / "2.parquet"
    for path in (first, second):
        with open(path, "wb") as fh:
            parquet.write_table(columns, fh)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes()[:4] == first.read_bytes()[-4:] == b"PAR1"


def test_rows_read_by_pandas_equal_the_frame_written_by_pandas(tmp_path):
    from countysurv.bulletins import RECORD_SCHEMA

    row = {"county_code": "990001", "county_name": "甲县", "year": 2015, "indicator": "gdp",
           "value": 1.2e9, "unit": "yuan", "raw_value": "12", "raw_unit": "亿元", "factor": 1e8,
           "line": 2, "source": None, "note": "n"}
    rows = [row, {**row, "year": 2016, "value": None, "note": None, "line": 3}]
    parquet.write_rows(rows, RECORD_SCHEMA, tmp_path / "rows.parquet")
    frame = pd.DataFrame(rows).astype({"year": "int64", "line": "int64", "value": "float64"})
    io.write_parquet(frame, tmp_path / "frame.parquet")
    pd.testing.assert_frame_equal(io.read_parquet(tmp_path / "rows.parquet"),
                                  io.read_parquet(tmp_path / "frame.parquet"))


@pytest.mark.parametrize(("kind", "value", "message"), [
    ("int64", 1.5, "value 1.5 of type float"),
    ("int64", True, "value True of type bool"),
    ("float64", "1", "value '1' of type str"),
    ("string", 3, "value 3 of type int"),
])
def test_a_value_of_the_wrong_type_is_named_with_its_column(tmp_path, kind, value, message):
    with open(tmp_path / "x.parquet", "wb") as fh, pytest.raises(TypeError, match=message):
        parquet.write_table([("col", kind, [value])], fh)


def test_out_of_range_and_malformed_tables_are_refused(tmp_path):
    with open(tmp_path / "x.parquet", "wb") as fh:
        with pytest.raises(OverflowError, match="'big'"):
            parquet.write_table([("big", "int64", [2**63])], fh)
        with pytest.raises(ValueError, match="'b' has 1 values, expected 2"):
            parquet.write_table([("a", "int64", [1, 2]), ("b", "int64", [1])], fh)
        with pytest.raises(ValueError, match="unsupported type 'bool'"):
            parquet.write_table([("a", "bool", [True])], fh)
