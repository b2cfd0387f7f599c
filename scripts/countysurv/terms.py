"""The vocabulary of the models: term names, Table 1 rows and figure labels, defined once.

Every module that names a model term, prints a Table 1 row label or labels a figure axis takes
it from here (README "What you get" lists the terms in the survival dataset's columns). Nothing
here computes anything: how each term is computed, and from which panel indicators, is the
table of :mod:`countysurv.indices`.

The terms a study estimates are config ``models.terms`` (default the paper's six,
:data:`MODEL_TERMS`), any subset of :data:`KNOWN_TERMS` in any order: the paper's six and the
optional extra terms :data:`EXTRA_TERMS`. Table 1 always prints the paper's six rows (a term left
out is printed as not estimated) and an extra term only when it is configured
(:func:`table_terms`).
"""

from collections.abc import Sequence

from .errors import ConfigError

#: The paper's six covariates of both models, in Table 1's row order (the default
#: ``models.terms``).
MODEL_TERMS: tuple[str, ...] = (
    "upgrading_index",
    "integration_12",
    "integration_13",
    "nation",
    "industry",
    "resource_endowment",
)

#: The OLS intercept's name.
CONST = "const"

#: Optional extra covariates beyond the paper, in Table 1's row order (section "Additional
#: Controls", after the paper's rows): ``rural_income`` = ln(rural residents' per-capita
#: disposable income, yuan) and ``terrain_relief`` = the county's terrain relief index.
EXTRA_TERMS: tuple[str, ...] = ("rural_income", "terrain_relief")

#: Every term config ``models.terms`` may name, in Table 1's row order.
KNOWN_TERMS: tuple[str, ...] = (*MODEL_TERMS, *EXTRA_TERMS)

#: The OLS terms of the paper's model: the intercept first, then the covariates (statsmodels'
#: add_constant order). :func:`ols_terms` gives them for any configured terms.
OLS_TERMS: tuple[str, ...] = (CONST, *MODEL_TERMS)

#: Table 1's coefficient rows of the paper's model: the covariates, then the constant (OLS only).
#: :func:`table_terms` gives them for any configured terms.
TABLE_TERMS: tuple[str, ...] = (*MODEL_TERMS, CONST)

#: The three indices (the paper's independent variables).
INDICES: tuple[str, ...] = ("upgrading_index", "integration_12", "integration_13")

#: Row labels exactly as printed in the paper's Table 1.
TABLE_LABELS: dict[str, str] = {
    "upgrading_index": "Industrial Upgrading Index",
    "integration_12": "First and Second Industry Integration Index",
    "integration_13": "First and Third Industry Integration Index",
    "nation": "Nation",
    "industry": "Industry",
    "resource_endowment": "Resource Endowment",
    "rural_income": "Rural Disposable Income",
    "terrain_relief": "Terrain Relief",
    CONST: "Constant",
}

#: Table 1's section of each row.
TABLE_SECTIONS: dict[str, str] = {
    **{term: "independent" for term in INDICES},
    "nation": "control",
    "industry": "control",
    "resource_endowment": "control",
    **{term: "additional" for term in EXTRA_TERMS},
    CONST: "constant",
}

#: Headings of Table 1's sections (the constant row has none).
SECTION_HEADINGS: dict[str, str] = {
    "independent": "Independent Variables",
    "control": "Control Variables",
    "additional": "Additional Controls",
}

#: Axis and legend labels of the figures: the term with its unit or meaning.
FIGURE_LABELS: dict[str, str] = {
    "upgrading_index": "Industrial upgrading index",
    "integration_12": "Integration 1st–2nd (kW per rural person)",
    "integration_13": "Integration 1st–3rd (yuan per rural person)",
    "nation": "Nation (ethnic-minority area)",
    "industry": "Industry (primary sector largest)",
    "resource_endowment": "Resource endowment (ln GDP per capita)",
    "rural_income": "Rural income (ln yuan per person)",
    "terrain_relief": "Terrain relief (index)",
}


def check_terms(terms: Sequence[str], source: str = "config models.terms") -> tuple[str, ...]:
    """The configured model terms as a tuple, after checking them.

    Raises :class:`~countysurv.errors.ConfigError` naming ``source`` when the list is empty,
    names a term twice or names one that is not in :data:`KNOWN_TERMS`.
    """
    terms = tuple(terms)
    if not terms:
        raise ConfigError(f"{source}: no model term; name at least one of {', '.join(KNOWN_TERMS)}")
    unknown = [t for t in terms if t not in KNOWN_TERMS]
    if unknown:
        raise ConfigError(f"{source}: unknown term(s) {', '.join(map(repr, unknown))}; known "
                          f"terms are {', '.join(KNOWN_TERMS)}")
    twice = sorted({t for t in terms if terms.count(t) > 1})
    if twice:
        raise ConfigError(f"{source}: term(s) named twice: {', '.join(twice)}")
    return terms


def ols_terms(terms: Sequence[str] = MODEL_TERMS) -> tuple[str, ...]:
    """The OLS coefficients of a model on ``terms``: the intercept, then the terms in order."""
    return (CONST, *check_terms(terms))


def table_terms(terms: Sequence[str] = MODEL_TERMS) -> tuple[str, ...]:
    """Table 1's coefficient rows for a model on ``terms``, in display order.

    Always the paper's six (a term not in ``terms`` is a row printed as not estimated), then the
    configured extra terms, then the constant; ``table_terms(MODEL_TERMS) == TABLE_TERMS``.
    """
    configured = set(check_terms(terms))
    return (*MODEL_TERMS, *(t for t in EXTRA_TERMS if t in configured), CONST)


def distribution_terms(terms: Sequence[str] = MODEL_TERMS) -> tuple[str, ...]:
    """The continuous terms of a model on ``terms`` whose distributions the report draws: the
    paper's indices, then the extra terms, each when configured."""
    configured = set(check_terms(terms))
    return tuple(t for t in (*INDICES, *EXTRA_TERMS) if t in configured)


def not_estimated(terms: Sequence[str] = MODEL_TERMS) -> tuple[str, ...]:
    """The paper's terms that a model on ``terms`` does not estimate, in Table 1's order."""
    configured = set(check_terms(terms))
    return tuple(t for t in MODEL_TERMS if t not in configured)
