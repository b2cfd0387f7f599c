"""Several sources, one panel: the value of a county-year-indicator printed by more than one source.

A figure may come from the hand-made bulletin CSVs (source ``bulletins``, config
``data.bulletins_dir``), from the county's bulletin texts (``extracted``: countysurv/extract.py
writes raw CSVs that ingestion reads like the hand-made ones), or from any other source whose raw
CSVs the workflow writes in the raw bulletin format (README "Using real bulletins"). Every
source goes through the same ingestion (countysurv/bulletins.py), so each value carries its
printed figure (``raw_value``, ``raw_unit``, ``factor``) and where it was read (``file``,
``line``, and the row's own ``source`` cell: a bulletin title, or a text file and character
span).

**Agreement.** Two sources' values ``a`` and ``b`` of one cell (canonical units) agree when

    |a − b| ≤ max(h_a, h_b) + relative × max(|a|, |b|)

where ``h`` is half a unit of the last printed digit (:func:`countysurv.indicators.half_unit`:
``24.44`` 亿元 → 0.005 亿元 = 500,000 yuan; ``312588`` 万元 → 5,000 yuan) and ``relative`` is
config ``sources.tolerance.relative`` (default 1e-9, floating-point noise only): the rule of
:func:`countysurv.indicators.agree_to_printed_precision`, which ingestion also applies to
duplicate rows of one file and the text extractor to figures printed twice in one text. The
units' factors are powers of ten, so the decimal grids of two printed figures nest, and two
roundings of one level differ by at most half a unit of the coarser one: figures of the same
level always agree, whatever precision each source printed; a larger difference is another
level.

**Precedence.** The cell's value is that of the first source in the precedence order (config
``sources.precedence``) that has the cell, also when the sources agree. Every pair of sources
that disagree on a cell is a conflict, listed with both values, their printed figures and where
each was read (:data:`CONFLICT_COLUMNS`, ``results/panel/conflicts.csv``); the value used is
named in ``used``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Mapping

import pandas as pd

from .errors import InputDataError
from .indicators import CANONICAL, agree_to_printed_precision, agreement_tolerance, half_unit

log = logging.getLogger(__name__)

#: Columns of ``results/panel/records.parquet``: the ingested row used for each cell of the
#: panel, the raw CSV it was read from (``file``) and the source it belongs to (``panel_source``).
RECORD_COLUMNS = ["county_code", "county_name", "year", "indicator", "value", "unit", "raw_value",
                  "raw_unit", "factor", "line", "source", "note", "file", "panel_source"]
#: Columns of ``results/panel/conflicts.csv``: one row per pair of sources disagreeing on a cell;
#: ``_a`` is the source higher in the precedence order, ``printed`` the figure and unit as
#: printed, ``file``/``line`` the raw CSV row, ``cited`` the row's own ``source`` cell.
CONFLICT_COLUMNS = ["county_code", "year", "indicator", "used",
                    "source_a", "value_a", "printed_a", "file_a", "line_a", "cited_a",
                    "source_b", "value_b", "printed_b", "file_b", "line_b", "cited_b",
                    "difference", "tolerance"]
_KEY = ["county_code", "year", "indicator"]


@dataclass
class Reconciliation:
    """The panel's records (one per cell), the conflicts between sources, and per-source counts.

    ``summary``: one row per source with ``cells`` (cells it has), ``used`` (cells whose value
    it gave), ``confirmed`` (cells it has but another source gave, agreeing) and ``conflicting``
    (cells it has where it disagrees with the value used).
    """

    records: pd.DataFrame
    conflicts: pd.DataFrame
    summary: pd.DataFrame


def reconcile(by_source: Mapping[str, pd.DataFrame], relative: float = 1e-9) -> Reconciliation:
    """Combine the sources' normalized records into one record per county-year-indicator.

    Parameters
    ----------
    by_source
        Source name → its normalized records (the columns of ``results/bulletins/*.parquet``
        plus ``file``), in precedence order: the first source listed wins a cell it has. Each
        source has at most one record per cell (ingestion resolved duplicates within a file).
    relative
        Relative slack of the agreement rule, beyond half a printed unit.

    Returns
    -------
    Reconciliation
        ``records`` with :data:`RECORD_COLUMNS`, sorted by county, year and indicator (in the
        order of :data:`countysurv.indicators.CANONICAL`); ``conflicts`` with
        :data:`CONFLICT_COLUMNS`, sorted the same way; ``summary`` per source.

    Raises
    ------
    InputDataError
        A source holds two records of one cell, or ``relative`` is negative.
    """
    if relative < 0:
        raise InputDataError(f"sources.tolerance.relative must be >= 0; got {relative}")
    frames = []
    for rank, (name, records) in enumerate(by_source.items()):
        frame = records.assign(panel_source=name, _rank=rank)
        dupes = frame[frame.duplicated(_KEY, keep=False)]
        if len(dupes):
            first = dupes.iloc[0]
            raise InputDataError(
                f"source {name}: {len(dupes)} records of one county-year-indicator, e.g. "
                f"{first['county_code']} {first['year']} {first['indicator']}")
        frames.append(frame)
    if not frames:
        raise InputDataError("no source of bulletin figures to build the panel from")
    every = pd.concat(frames, ignore_index=True)
    order = {name: i for i, name in enumerate(CANONICAL)}
    every["_order"] = every["indicator"].map(order)
    every = every.sort_values(["county_code", "year", "_order", "_rank"], kind="stable")
    every = every.reset_index(drop=True)
    used = every.drop_duplicates(_KEY, keep="first")
    records = used[RECORD_COLUMNS].reset_index(drop=True)

    every["printed"] = (every["raw_value"].astype(str) + " " + every["raw_unit"].astype(str))
    every["_half"] = [half_unit(str(v), float(f))
                      for v, f in zip(every["raw_value"], every["factor"])]
    every["used"] = every.groupby(_KEY, sort=False)["panel_source"].transform("first")
    shared = every[every.duplicated(_KEY, keep=False)]
    pairs = shared.merge(shared, on=_KEY + ["_order", "used"], suffixes=("_a", "_b"))
    pairs = pairs[pairs["_rank_a"] < pairs["_rank_b"]]
    figures = list(zip(pairs["value_a"], pairs["value_b"], pairs["_half_a"], pairs["_half_b"]))
    pairs = pairs.assign(
        difference=(pairs["value_a"] - pairs["value_b"]).abs(),
        tolerance=pd.Series([agreement_tolerance(*f, relative) for f in figures],
                            index=pairs.index, dtype=float),
        _agree=pd.Series([agree_to_printed_precision(*f, relative) for f in figures],
                         index=pairs.index, dtype=bool))
    clash = pairs[~pairs["_agree"]]
    rename = {f"{c}_{s}": f"{new}_{s}" for s in ("a", "b")
              for c, new in (("panel_source", "source"), ("value", "value"),
                             ("printed", "printed"), ("file", "file"), ("line", "line"),
                             ("source", "cited"))}
    conflicts = (clash.sort_values(["county_code", "year", "_order", "_rank_a", "_rank_b"],
                                   kind="stable")
                 .rename(columns=rename)[CONFLICT_COLUMNS].reset_index(drop=True))
    summary = _summary(list(by_source), every, pairs)
    return Reconciliation(records, conflicts, summary)


def _summary(names: list[str], every: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """Per source: cells, used, confirmed by (agreeing with) the value used, conflicting with it."""
    against_used = pairs[pairs["panel_source_a"] == pairs["used"]]
    rows = []
    for name in names:
        mine = against_used[against_used["panel_source_b"] == name]
        agree = int(mine["_agree"].sum())
        has = every["panel_source"] == name
        rows.append({"source": name, "cells": int(has.sum()),
                     "used": int((has & (every["used"] == name)).sum()),
                     "confirmed": agree, "conflicting": len(mine) - agree})
    return pd.DataFrame(rows, columns=["source", "cells", "used", "confirmed", "conflicting"])
