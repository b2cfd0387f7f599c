"""countysurv: county statistical bulletins to a survival analysis of poverty exit.

All logic of the workflow lives in this package; the rule scripts in ``scripts/`` are thin
wrappers that read inputs, call one function from here and write outputs.
"""

__version__ = "0.1.0"
