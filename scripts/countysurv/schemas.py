"""Pandera models, one per dataset written to disk. Each docstring states grain and key."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

import pandas as pd
import pandera.pandas as pa

from .indicators import CANONICAL, INDICATORS
from .terms import KNOWN_TERMS, MODEL_TERMS, check_terms

CODE = r"^\d{6}$"


class BulletinRecord(pa.DataFrameModel):
    """One normalized bulletin figure. Key: (county_code, year, indicator).

    ``value`` is in the indicator's canonical unit (yuan, persons, kW, index); ``raw_value``,
    ``raw_unit``, ``factor`` and ``line`` keep the lineage back to the raw CSV line.
    """

    county_code: str = pa.Field(str_matches=CODE)
    county_name: str = pa.Field(nullable=True)
    year: int = pa.Field(ge=1949, le=2100)
    indicator: str = pa.Field(isin=list(CANONICAL))
    value: float = pa.Field(ge=0)
    unit: str = pa.Field(isin=["yuan", "persons", "kW", "index"])
    raw_value: str
    raw_unit: str
    factor: float = pa.Field(gt=0)
    line: int = pa.Field(ge=2)
    source: str = pa.Field(nullable=True)
    note: str = pa.Field(nullable=True)

    class Config:
        strict = True
        coerce = True
        unique = ["county_code", "year", "indicator"]

    @pa.dataframe_check
    def positive_where_required(cls, df: pd.DataFrame) -> pd.Series:
        """Indicators marked ``strictly_positive`` in the indicator table (GDP, per-capita GDP,
        populations, rural income) are above zero."""
        positive = {name for name, ind in INDICATORS.items() if ind.strictly_positive}
        return ~df["indicator"].isin(positive) | (df["value"] > 0)


class PanelRecord(BulletinRecord):
    """The normalized figure used for one panel cell. Key: (county_code, year, indicator).

    ``panel_source`` names the source it came from (config ``sources.precedence``), ``file``
    the raw CSV ingestion read it from (``line`` is its line there).
    """

    file: str
    panel_source: str


class SourceConflict(pa.DataFrameModel):
    """Two sources disagreeing on one panel cell beyond the tolerance (countysurv/sources.py).

    Key: (county_code, year, indicator, source_a, source_b); ``source_a`` is the higher in the
    precedence order, ``used`` the source whose value the panel holds.
    """

    county_code: str = pa.Field(str_matches=CODE)
    year: int = pa.Field(ge=1949, le=2100)
    indicator: str = pa.Field(isin=list(CANONICAL))
    used: str
    source_a: str
    value_a: float
    printed_a: str
    file_a: str
    line_a: int = pa.Field(ge=2)
    cited_a: str = pa.Field(nullable=True)
    source_b: str
    value_b: float
    printed_b: str
    file_b: str
    line_b: int = pa.Field(ge=2)
    cited_b: str = pa.Field(nullable=True)
    difference: float = pa.Field(ge=0)
    tolerance: float = pa.Field(ge=0)

    class Config:
        strict = True
        coerce = True
        unique = ["county_code", "year", "indicator", "source_a", "source_b"]

    @pa.dataframe_check
    def beyond_tolerance(cls, df: pd.DataFrame) -> pd.Series:
        """A conflict is a difference larger than the tolerance."""
        return df["difference"] > df["tolerance"]


class RejectedRow(pa.DataFrameModel):
    """One raw CSV row that did not make it into the normalized data. Key: (file, line)."""

    file: str
    line: int = pa.Field(ge=1)
    raw: str
    reason: str

    class Config:
        strict = True
        coerce = True


def _indicator_field() -> float:
    return pa.Field(ge=0, nullable=True)


class CountyYear(pa.DataFrameModel):
    """One county in one year, canonical indicators as columns. Key: (county_code, year).

    Missing figures are NaN. ``sector_gap`` is |va_primary+va_secondary+va_tertiary − gdp| / gdp
    where all four are present; ``sector_sum_ok`` flags whether it is within tolerance (a
    violation is kept and flagged, not dropped). ``gdp_jump_flag`` marks a GDP at least 100×
    (or at most 1/100 of) the previous year's, the signature of a 万元/元 slip.
    """

    county_code: str = pa.Field(str_matches=CODE)
    year: int = pa.Field(ge=1949, le=2100)
    gdp: float = pa.Field(gt=0, nullable=True)
    va_primary: float = _indicator_field()
    va_secondary: float = _indicator_field()
    va_tertiary: float = _indicator_field()
    gdp_per_capita: float = pa.Field(gt=0, nullable=True)
    population: float = pa.Field(gt=0, nullable=True)
    rural_population: float = pa.Field(gt=0, nullable=True)
    agri_machinery_power: float = _indicator_field()
    agri_services_output: float = _indicator_field()
    agri_output: float = _indicator_field()
    rural_income: float = pa.Field(gt=0, nullable=True)
    terrain_relief: float = _indicator_field()
    sector_gap: float = pa.Field(ge=0, nullable=True)
    sector_sum_ok: pd.BooleanDtype = pa.Field(nullable=True)
    gdp_jump_flag: bool

    class Config:
        strict = True
        coerce = True
        unique = ["county_code", "year"]

    @pa.dataframe_check(raise_warning=True)
    def rural_not_above_total(cls, df: pd.DataFrame) -> pd.Series:
        """Rural population does not exceed total population (warning only)."""
        return ~(df["rural_population"] > df["population"] * 1.0001)


class Coverage(pa.DataFrameModel):
    """Missing cells of the panel. Key: (county_code, indicator)."""

    county_code: str = pa.Field(str_matches=CODE)
    indicator: str = pa.Field(isin=list(CANONICAL))
    years_expected: int = pa.Field(ge=1)
    years_present: int = pa.Field(ge=0)
    missing: int = pa.Field(ge=0)
    missing_years: str = pa.Field(nullable=True)

    class Config:
        strict = True
        coerce = True
        unique = ["county_code", "indicator"]


class CountyReference(pa.DataFrameModel):
    """One county of the study's reference list (data/counties.csv). Key: county_code.

    ``line`` is the physical line of the file the county's row starts on (the header is line 1),
    as :func:`countysurv.io.read_counties_csv` reads it; the lineage cites it.
    """

    county_code: str = pa.Field(str_matches=CODE)
    county_name: str
    province: str
    ethnic_area: int = pa.Field(isin=[0, 1])
    announced_on: Optional[pd.Timestamp] = pa.Field(nullable=True)
    line: int = pa.Field(ge=2)

    class Config:
        strict = True
        coerce = True
        unique = ["county_code"]


class SurvivalSpell(pa.DataFrameModel):
    """One county's time to exit from the policy date. Key: county_code (one row per county)."""

    county_code: str = pa.Field(str_matches=CODE)
    duration_days: int = pa.Field(gt=0)
    event: int = pa.Field(isin=[0, 1])
    upgrading_index: float = pa.Field(nullable=False)
    integration_12: float = pa.Field(ge=0)
    integration_13: float = pa.Field(ge=0)
    nation: int = pa.Field(isin=[0, 1])
    industry: int = pa.Field(isin=[0, 1])
    resource_endowment: float

    class Config:
        strict = True
        coerce = True
        unique = ["county_code"]


# The fixed column order of the survival dataset of the paper's model (README "What you get").
SURVIVAL_COLUMNS = list(SurvivalSpell.to_schema().columns)

#: Columns of the optional extra terms (countysurv.terms.EXTRA_TERMS) when configured.
_EXTRA_COLUMNS: dict[str, pa.Column] = {
    "rural_income": pa.Column(float),
    "terrain_relief": pa.Column(float, pa.Check.ge(0)),
}


def survival_columns(terms: Sequence[str] = MODEL_TERMS) -> list[str]:
    """Column order of the survival dataset of a model on ``terms``.

    The contract's columns always (README "What you get": ``county_code``, ``duration_days``,
    ``event`` and the paper's six terms), then the configured extra terms in Table 1's order.
    """
    configured = set(check_terms(terms))
    return SURVIVAL_COLUMNS + [t for t in KNOWN_TERMS
                               if t in configured and t not in SURVIVAL_COLUMNS]


def _null_outside_model(schema: pa.DataFrameSchema, terms: set[str]) -> pa.DataFrameSchema:
    """The paper's terms not in ``terms`` become nullable columns that must be entirely null."""
    updates = {}
    for term in MODEL_TERMS:
        if term in terms or term not in schema.columns:
            continue
        integer = pd.api.types.is_integer_dtype(schema.columns[term].dtype.type)
        updates[term] = {
            "dtype": pd.Int64Dtype() if integer else float,
            "nullable": True,
            "checks": [pa.Check(lambda s: s.isna(), name="null_for_a_term_not_in_models_terms",
                                error="a term not in config models.terms has no values")],
        }
    return schema.update_columns(updates) if updates else schema


def survival_schema(terms: Sequence[str] = MODEL_TERMS) -> pa.DataFrameSchema:
    """:class:`SurvivalSpell` for a model on ``terms`` (:func:`survival_columns`).

    A paper's term that the model does not use is an all-null column (nullable, and a check that
    it holds no value); an extra term is an added column. With the paper's six it is exactly
    :class:`SurvivalSpell`.
    """
    configured = set(check_terms(terms))
    schema = _null_outside_model(SurvivalSpell.to_schema(), configured)
    extra = {t: c for t, c in _EXTRA_COLUMNS.items() if t in configured}
    schema = schema.add_columns(extra) if extra else schema
    return schema


class CountingProcessInterval(pa.DataFrameModel):
    """One county at risk during one calendar year (time-varying Cox). Key: (county_code, year).

    At risk on (start, stop] days since the policy date; ``event`` 1 only on the interval ending
    with the exit; covariates are those of bulletin year ``covariate_year`` (year − lag), with
    ``fallback`` True when one came from a neighbouring year.
    """

    county_code: str = pa.Field(str_matches=CODE)
    year: int = pa.Field(ge=1949, le=2100)
    covariate_year: int = pa.Field(ge=1900, le=2100)
    start: int = pa.Field(ge=0)
    stop: int = pa.Field(gt=0)
    event: int = pa.Field(isin=[0, 1])
    upgrading_index: float
    integration_12: float = pa.Field(ge=0)
    integration_13: float = pa.Field(ge=0)
    nation: int = pa.Field(isin=[0, 1])
    industry: int = pa.Field(isin=[0, 1])
    resource_endowment: float
    fallback: bool

    class Config:
        strict = True
        coerce = True
        unique = ["county_code", "year"]

    @pa.dataframe_check
    def stop_after_start(cls, df: pd.DataFrame) -> pd.Series:
        """Every interval has positive length."""
        return df["stop"] > df["start"]

    @pa.dataframe_check
    def at_most_one_event_per_county(cls, df: pd.DataFrame) -> pd.Series:
        """A county exits at most once."""
        return df.groupby("county_code")["event"].transform("sum") <= 1


def counting_process_schema(terms: Sequence[str] = MODEL_TERMS) -> pa.DataFrameSchema:
    """:class:`CountingProcessInterval` with the columns of the model ``terms`` only."""
    configured = set(check_terms(terms))
    schema = CountingProcessInterval.to_schema()
    dropped = [t for t in MODEL_TERMS if t not in configured]
    schema = schema.remove_columns(dropped) if dropped else schema
    extra = {t: c for t, c in _EXTRA_COLUMNS.items() if t in configured}
    schema = schema.add_columns(extra) if extra else schema
    return schema
