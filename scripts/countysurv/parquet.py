"""A minimal Parquet writer in pure Python, for the per-county ingestion job.

Why it exists: the ingestion job runs once per county (832 times for the real study), and
``import pyarrow.parquet`` costs it ~0.2 s of CPU, about three quarters of the job. This module
writes the one kind of file that job needs, with the standard library alone, following the
format specification; pyarrow (the panel job, pandas) reads it as it reads its own files.

What it writes (a strict subset of the format, https://parquet.apache.org/docs/file-format/):

- a flat schema of OPTIONAL columns: ``string`` (BYTE_ARRAY, logical type STRING), ``int64``
  (INT64) and ``float64`` (DOUBLE); ``None`` is a null;
- one row group (none for zero rows), one data page (v1) per column, PLAIN values, RLE
  definition levels, no compression, no statistics, no dictionary;
- the file metadata in Thrift's compact protocol.

The bytes depend only on the rows (no timestamps, no library versions), so a rerun on the same
input writes the same file. ``tests/unit/test_parquet.py`` reads its files back with pyarrow and
compares them with pyarrow's own writer on the same rows, nulls, empty tables, non-ASCII text,
NaN and extreme values included.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from pathlib import Path

from .io import atomic_path, round_significant

MAGIC = b"PAR1"
CREATED_BY = "countysurv.parquet (flat PLAIN uncompressed writer)"

# parquet.thrift enums
_PHYSICAL = {"string": 6, "int64": 2, "float64": 5}  # BYTE_ARRAY, INT64, DOUBLE
_OPTIONAL = 1
_UTF8 = 0  # ConvertedType
_PLAIN, _RLE = 0, 3
_UNCOMPRESSED = 0
_DATA_PAGE = 0

# Thrift compact protocol type ids
_I32, _I64, _BINARY, _LIST, _STRUCT = 5, 6, 8, 9, 12


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _zigzag(n: int) -> bytes:
    return _varint((n << 1) ^ (n >> 63))


def _binary(text: str) -> bytes:
    """A Thrift compact binary/string: varint length, then the UTF-8 bytes."""
    data = text.encode("utf-8")
    return _varint(len(data)) + data


class _Struct:
    """Builds one Thrift compact-protocol struct; fields must be added in increasing id order."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.last = 0

    def _header(self, fid: int, ttype: int) -> None:
        delta = fid - self.last
        if 0 < delta <= 15:
            self.buf.append((delta << 4) | ttype)
        else:
            self.buf.append(ttype)
            self.buf += _zigzag(fid)
        self.last = fid

    def i32(self, fid: int, value: int) -> _Struct:
        self._header(fid, _I32)
        self.buf += _zigzag(value)
        return self

    def i64(self, fid: int, value: int) -> _Struct:
        self._header(fid, _I64)
        self.buf += _zigzag(value)
        return self

    def string(self, fid: int, value: str) -> _Struct:
        self._header(fid, _BINARY)
        self.buf += _binary(value)
        return self

    def struct(self, fid: int, value: _Struct) -> _Struct:
        self._header(fid, _STRUCT)
        self.buf += value.bytes()
        return self

    def list(self, fid: int, elem_type: int, items: Sequence) -> _Struct:
        self._header(fid, _LIST)
        n = len(items)
        self.buf += (bytes([(n << 4) | elem_type]) if n < 15
                     else bytes([0xF0 | elem_type]) + _varint(n))
        for item in items:
            if elem_type == _STRUCT:
                self.buf += item.bytes()
            elif elem_type == _I32:
                self.buf += _zigzag(item)
            elif elem_type == _BINARY:
                self.buf += _binary(item)
            else:  # pragma: no cover - the writer uses no other element type
                raise ValueError(f"unsupported list element type {elem_type}")
        return self

    def bytes(self) -> bytes:
        return bytes(self.buf) + b"\x00"  # field stop


def _definition_levels(values: Sequence) -> bytes:
    """RLE runs (bit width 1) of the definition levels, with the v1 page's 4-byte length."""
    runs = bytearray()
    i, n = 0, len(values)
    while i < n:
        defined = values[i] is not None
        j = i + 1
        while j < n and (values[j] is not None) == defined:
            j += 1
        runs += _varint((j - i) << 1) + (b"\x01" if defined else b"\x00")
        i = j
    return struct.pack("<I", len(runs)) + bytes(runs)


_PYTHON_TYPES = {"string": (str,), "int64": (int,), "float64": (float, int)}


def _plain_values(name: str, values: Sequence, kind: str) -> bytes:
    present = [v for v in values if v is not None]
    wrong = next((v for v in present if isinstance(v, bool)
                  or not isinstance(v, _PYTHON_TYPES[kind])), None)
    if wrong is not None:
        raise TypeError(f"column {name!r} ({kind}): value {wrong!r} of type {type(wrong).__name__}")
    if kind == "int64":
        if any(not -2**63 <= v < 2**63 for v in present):
            raise OverflowError(f"column {name!r} (int64): a value outside the 64-bit range")
        return struct.pack(f"<{len(present)}q", *present)
    if kind == "float64":
        return struct.pack(f"<{len(present)}d", *present)
    parts = []
    for v in present:
        data = v.encode("utf-8")
        parts.append(struct.pack("<I", len(data)))
        parts.append(data)
    return b"".join(parts)


def write_table(columns: Sequence[tuple[str, str, Sequence]], fh) -> None:
    """Write ``(name, kind, values)`` columns of equal length as one Parquet file to ``fh``.

    ``kind`` is ``"string"``, ``"int64"`` or ``"float64"``; ``None`` in ``values`` is a null.
    """
    if not columns:
        raise ValueError("a Parquet file needs at least one column")
    n_rows = len(columns[0][2])
    for name, kind, values in columns:
        if kind not in _PHYSICAL:
            raise ValueError(f"column {name!r}: unsupported type {kind!r}")
        if len(values) != n_rows:
            raise ValueError(f"column {name!r} has {len(values)} values, expected {n_rows}")
    fh.write(MAGIC)
    offset = len(MAGIC)
    chunks, total = [], 0
    if n_rows:
        for name, kind, values in columns:
            body = _definition_levels(values) + _plain_values(name, values, kind)
            page = (_Struct().i32(1, _DATA_PAGE).i32(2, len(body)).i32(3, len(body))
                    .struct(5, _Struct().i32(1, n_rows).i32(2, _PLAIN).i32(3, _RLE).i32(4, _RLE))
                    .bytes())
            fh.write(page)
            fh.write(body)
            size = len(page) + len(body)
            meta = (_Struct().i32(1, _PHYSICAL[kind]).list(2, _I32, [_PLAIN, _RLE])
                    .list(3, _BINARY, [name]).i32(4, _UNCOMPRESSED).i64(5, n_rows)
                    .i64(6, size).i64(7, size).i64(9, offset))
            chunks.append(_Struct().i64(2, 0).struct(3, meta))
            offset += size
            total += size
    schema = [_Struct().string(4, "schema").i32(5, len(columns))]
    for name, kind, _ in columns:
        element = _Struct().i32(1, _PHYSICAL[kind]).i32(3, _OPTIONAL).string(4, name)
        if kind == "string":
            element.i32(6, _UTF8).struct(10, _Struct().struct(1, _Struct()))  # LogicalType STRING
        schema.append(element)
    row_groups = ([_Struct().list(1, _STRUCT, chunks).i64(2, total).i64(3, n_rows)]
                  if n_rows else [])
    footer = (_Struct().i32(1, 1).list(2, _STRUCT, schema).i64(3, n_rows)
              .list(4, _STRUCT, row_groups).string(6, CREATED_BY).bytes())
    fh.write(footer)
    fh.write(struct.pack("<I", len(footer)))
    fh.write(MAGIC)


def write_rows(rows: Sequence[dict], schema: Sequence[tuple[str, str]], path: str | Path) -> None:
    """Write dict rows to ``path`` atomically: ``schema`` lists ``(column, kind)``.

    :func:`countysurv.io.read_parquet` gives back the frame that
    :func:`countysurv.io.write_parquet` (pandas and pyarrow) of the same rows would have written:
    floats are rounded by :func:`countysurv.io.round_significant`, as there.
    """
    def cell(value: object, kind: str) -> object:
        return round_significant(value) if kind == "float64" and isinstance(value, float) else value

    columns = [(name, kind, [cell(row[name], kind) for row in rows]) for name, kind in schema]
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            write_table(columns, fh)
