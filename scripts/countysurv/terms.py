"""The vocabulary of the models: term names, Table 1 rows and figure labels, defined once.

Every module that names a model term, prints a Table 1 row label or labels a figure axis takes
it from here (DESIGN section 5 names the terms). Nothing here computes anything.
"""

#: The six covariates of both models, in Table 1's row order.
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

#: The OLS terms: the intercept first, then the covariates (statsmodels' add_constant order).
OLS_TERMS: tuple[str, ...] = (CONST, *MODEL_TERMS)

#: Table 1's coefficient rows: the covariates, then the constant (OLS only).
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
    CONST: "Constant",
}

#: Table 1's section of each row.
TABLE_SECTIONS: dict[str, str] = {
    **{term: "independent" for term in INDICES},
    "nation": "control",
    "industry": "control",
    "resource_endowment": "control",
    CONST: "constant",
}

#: Headings of Table 1's sections (the constant row has none).
SECTION_HEADINGS: dict[str, str] = {
    "independent": "Independent Variables",
    "control": "Control Variables",
}

#: Axis and legend labels of the figures: the term with its unit or meaning.
FIGURE_LABELS: dict[str, str] = {
    "upgrading_index": "Industrial upgrading index",
    "integration_12": "Integration 1st–2nd (kW per rural person)",
    "integration_13": "Integration 1st–3rd (yuan per rural person)",
    "nation": "Nation (ethnic-minority area)",
    "industry": "Industry (primary sector largest)",
    "resource_endowment": "Resource endowment (ln GDP per capita)",
}
