"""The terms of the paper's models, named once (DESIGN section 5), in Table 1's row order."""

#: The six covariates of both models.
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
