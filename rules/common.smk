# Config validation, wildcard constraints and the helper functions the rules call.
# This is the only rule file with Python in it (STYLE.md section 2).

import math
import sys
from pathlib import Path

from snakemake.utils import validate

validate(config, schema="../schemas/config.schema.yaml")


def _fail(message):
    """Stop at parse time with one clear line (no traceback)."""
    sys.stderr.write(f"ERROR: {message}\n")
    raise SystemExit(1)


def _check_config(cfg):
    if cfg["years"]["first"] > cfg["years"]["last"]:
        _fail(f"config years.first ({cfg['years']['first']}) is after years.last ({cfg['years']['last']})")
    if not cfg["years"]["first"] <= cfg["baseline_year"] <= cfg["years"]["last"]:
        _fail(f"config baseline_year {cfg['baseline_year']} is outside years {cfg['years']['first']}-{cfg['years']['last']}")
    if cfg["censor_date"] <= cfg["policy_date"]:
        _fail(f"config censor_date {cfg['censor_date']} is not after policy_date {cfg['policy_date']}")


_check_config(config)


def list_counties(bulletins_dir):
    """County codes of the bulletin files; a badly named .csv stops the run here."""
    folder = Path(bulletins_dir)
    if not folder.is_dir():
        _fail(f"{bulletins_dir}: bulletin folder not found (config data.bulletins_dir)")
    codes = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        if path.suffix.lower() != ".csv":
            continue
        if not (len(path.stem) == 6 and path.stem.isdigit() and path.suffix == ".csv"):
            _fail(f"{path}: bulletin files must be named <6-digit county code>.csv (e.g. 522727.csv)")
        codes.append(path.stem)
    if not codes:
        _fail(f"{bulletins_dir}: no bulletin files (<6-digit county code>.csv) found")
    return codes


COUNTIES = list_counties(config["data"]["bulletins_dir"])
N_CHUNKS = math.ceil(config["bootstrap"]["replicates"] / config["bootstrap"]["chunk_size"])
CHUNKS = [f"{i:04d}" for i in range(N_CHUNKS)]


wildcard_constraints:
    county=r"\d{6}",
    chunk=r"\d{4}",


def package_modules(*names):
    """The package modules a rule's script imports, as inputs: editing one reruns the rule."""
    base = ["__init__", "errors", "io", "logs"]
    return [workflow.source_path(f"../scripts/countysurv/{name}.py") for name in base + list(names)]


def get_bulletin_csv(wildcards):
    return str(Path(config["data"]["bulletins_dir"]) / f"{wildcards.county}.csv")


def chunk_replicates(wildcards):
    """First and one-past-last replicate of a chunk: [start, stop)."""
    size = config["bootstrap"]["chunk_size"]
    start = int(wildcards.chunk) * size
    return [start, min(start + size, config["bootstrap"]["replicates"])]


def get_bootstrap_summary(wildcards):
    """The bootstrap summary when replicates > 0, else nothing."""
    return ["results/bootstrap/summary.csv"] if N_CHUNKS else []


def get_truth(wildcards):
    """The simulated study's truth file, when configured."""
    return [config["data"]["truth"]] if config["data"].get("truth") else []


def get_final_targets():
    targets = [
        "results/panel/panel.parquet",
        "results/panel/coverage.csv",
        "results/analysis/survival.parquet",
        "results/analysis/survival.csv",
        "results/models/ols.json",
        "results/models/cox.json",
        "results/tables/table1.csv",
        "results/tables/table1.md",
        "results/tables/table1.tex",
        "results/tables/table1.html",
        "results/tables/paper_comparison.md",
    ]
    if N_CHUNKS:
        targets.append("results/bootstrap/summary.csv")
    targets += get_report_targets() + get_extended_targets()
    return targets


# --- report, figures, audit, lineage (rules/report.smk) ---------------------------------------


def get_report_targets():
    """Outputs of rules/report.smk that `snakemake` (rule all) builds."""
    return []


# --- models beyond the paper (rules/extended.smk) ------------------------------------------------


def get_extended_targets():
    """Outputs of rules/extended.smk that `snakemake` (rule all) builds."""
    return []


# --- Monte Carlo study (rules/montecarlo.smk; target `snakemake montecarlo`) -----------------


# --- the official 832-county list (rules/real.smk; target `snakemake real`) ------------------
