"""Domain errors. Raise these, never a bare ``Exception``.

Every message names the file (and row where there is one), the problem and what to do, so that
the command-line entry points can print it as one line without a traceback.
"""


class StudyError(Exception):
    """Base class of every error this package raises on purpose."""


class InputDataError(StudyError, ValueError):
    """An input file cannot be read or violates the data contract."""


class ConfigError(StudyError, ValueError):
    """A configuration value is invalid or inconsistent."""


class ModelFitError(StudyError):
    """A model cannot be fitted on the data given (degenerate input, no convergence)."""
