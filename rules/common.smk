# Config validation, wildcard constraints and the helper functions the rules call.
# This is the only rule file with Python in it (README "Layout").

import functools
import math
import os
import re
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
        _fail(
            f"config years.first ({cfg['years']['first']}) is after years.last ({cfg['years']['last']})"
        )
    if not cfg["years"]["first"] <= cfg["baseline_year"] <= cfg["years"]["last"]:
        _fail(
            f"config baseline_year {cfg['baseline_year']} is outside years {cfg['years']['first']}-{cfg['years']['last']}"
        )
    if cfg["censor_date"] <= cfg["policy_date"]:
        _fail(
            f"config censor_date {cfg['censor_date']} is not after policy_date {cfg['policy_date']}"
        )


_check_config(config)


# The workflow's own scripts and package. The package is imported here for the model
# vocabulary (terms), and lazily to resolve files and text folders named by county name and to
# list bulletin texts.
SCRIPTS_DIR = Path(workflow.basedir) / "scripts"
if str(SCRIPTS_DIR) not in sys.path:
    sys.path.insert(0, str(SCRIPTS_DIR))


def list_bulletins(bulletins_dir, reference_path):
    """Bulletin files by county code, and the names each county's rows may carry.

    Files are named <6-digit code>.csv, or by county name when data.county_reference names a
    reconciled county list; a file that is neither stops the run here with one line.
    """
    folder = Path(bulletins_dir)
    if not folder.is_dir():
        _fail(f"{bulletins_dir}: bulletin folder not found (config data.bulletins_dir)")
    paths = [
        p
        for p in sorted(folder.iterdir())
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() == ".csv"
    ]
    for path in paths:
        if path.suffix != ".csv" or re.search(r"[\\/:*?\"<>|]", path.stem):
            _fail(
                f"{path}: bulletin files must be named <6-digit county code>.csv (e.g. 522727.csv)"
            )
    if not paths:
        _fail(f"{bulletins_dir}: no bulletin files (<6-digit county code>.csv) found")
    reference = None
    if reference_path:
        if not Path(reference_path).is_file():
            _fail(
                f"{reference_path}: county reference not found (config data.county_reference); "
                "`snakemake real` writes results/real/counties_832.csv"
            )
        from countysurv import errors, reference as county_reference

        try:
            reference = county_reference.read_county_reference(reference_path)
        except errors.InputDataError as err:
            _fail(str(err))
    elif any(not re.fullmatch(r"[0-9]{6}", p.stem) for p in paths):
        bad = next(p for p in paths if not re.fullmatch(r"[0-9]{6}", p.stem))
        _fail(
            f"{bad}: bulletin files must be named <6-digit county code>.csv (e.g. 522727.csv), "
            "or set data.county_reference to name them by county name"
        )
    if reference is None:
        return {p.stem: p for p in paths}, {p.stem: [] for p in paths}
    try:
        return county_reference.bulletin_files(paths, reference)
    except errors.InputDataError as err:
        _fail(str(err))


# data.from_panel: the bulletin CSVs are written by the checkpoint import_panel
# (rules/real_study.smk), so the counties are known only once it has run (study_counties).
FROM_PANEL = config["data"]["from_panel"]
if FROM_PANEL:
    BULLETIN_FILES, COUNTY_NAMES = {}, {}
else:
    BULLETIN_FILES, COUNTY_NAMES = list_bulletins(
        config["data"]["bulletins_dir"], config["data"].get("county_reference", "")
    )
COUNTIES = sorted(BULLETIN_FILES)
# The model terms (config models.terms): every rule that fits, tabulates, bootstraps, plots or
# traces terms gets them as a param, so changing them reruns exactly those rules.
TERMS = list(config["models"]["terms"])
from countysurv.terms import MODEL_TERMS as PAPER_TERMS  # the paper's six, Table 1's rows

N_CHUNKS = math.ceil(config["bootstrap"]["replicates"] / config["bootstrap"]["chunk_size"])
CHUNKS = [f"{i:04d}" for i in range(N_CHUNKS)]


wildcard_constraints:
    county=r"[0-9]{6}",
    chunk=r"[0-9]{4}",


# The Python that runs Snakemake (the project's environment) runs the shell rules' scripts.
PYTHON = sys.executable


# The workflow's own files as plain paths, not workflow.source_path:
# Snakemake records a source-cached input's checksum under a per-run temporary path, so a
# module touched without a change would rerun every rule that lists it; a plain path keeps
# "touching a file without changing its content reruns nothing" true for code as for data.
# Snakemake records every job's input paths and reruns a job whose list changed, so the paths
# must not change when the folder holding the results moves (see _workflow_file).
def _workflow_file(path):
    """A file of the workflow's code as a rule input, named so that moving the results keeps it.

    Relative to the working directory when the code is inside it (a checkout run from its root:
    moving or copying the checkout with its results changes nothing); absolute when the code is
    elsewhere (`snakemake -s <repo>/Snakefile --directory <study>`: moving the study folder
    changes nothing).
    """
    rel = os.path.relpath(os.path.realpath(path), os.path.realpath(os.getcwd()))
    return str(path) if rel.split(os.sep)[0] == os.pardir else rel


def workflow_script(name):
    """The path of a rule script, as an input; for shell rules, editing the script reruns them."""
    return _workflow_file(SCRIPTS_DIR / name)


def package_modules(*names):
    """The package modules a rule's script imports, as inputs: editing one reruns the rule."""
    base = ["__init__", "errors", "io", "logs", "terms"]
    return [
        _workflow_file(SCRIPTS_DIR / "countysurv" / f"{name}.py") for name in base + list(names)
    ]


def study_counties():
    """The counties of the study: the bulletin files, or (data.from_panel) the import's output.

    With data.from_panel this is called from input functions only: it waits for the checkpoint
    import_panel and lists its folder, restricted to real_study.provinces when set.
    """
    if not FROM_PANEL:
        return COUNTIES
    codes = imported_counties()
    provinces = set(config["real_study"]["provinces"])
    if provinces:
        chosen = provinces_of(rules.import_panel.input.reference)
        codes = [c for c in codes if chosen.get(c) in provinces]
    return codes


def imported_counties():
    """The counties the checkpoint import_panel wrote a bulletin CSV for (waits for it)."""
    folder = Path(checkpoints.import_panel.get().output.bulletins)
    return sorted(p.stem for p in folder.glob("*.csv"))


@functools.cache
def provinces_of(counties_832):
    """County code -> province (short name) of the reconciled 832 list (read once a run: every
    input function listing the counties asks)."""
    import csv

    with open(counties_832, encoding="utf-8-sig", newline="") as fh:
        return {row["county_code"]: row["province"] for row in csv.DictReader(fh)}


def ingested(kind):
    """An input function: every county's ingestion output of one kind (parquet, rejects.csv,
    counts.json), listed when the DAG needs it (with data.from_panel, after the import)."""

    def files(wildcards):
        return ingested_paths("bulletins", kind)

    return files


def get_bulletin_csv(wildcards):
    if FROM_PANEL:
        checkpoints.import_panel.get()
        return f"results/imported/{wildcards.county}.csv"
    return str(BULLETIN_FILES[wildcards.county])


def get_county_names(wildcards):
    """Names a county's rows may carry in county_code (with data.county_reference), else none."""
    return COUNTY_NAMES.get(wildcards.county, [])


def chunk_replicates(wildcards):
    """First and one-past-last replicate of a chunk: [start, stop)."""
    size = config["bootstrap"]["chunk_size"]
    start = int(wildcards.chunk) * size
    return [start, min(start + size, config["bootstrap"]["replicates"])]


def get_bootstrap_summary(wildcards):
    """The bootstrap summary when replicates > 0, else nothing."""
    return ["results/bootstrap/summary.csv"] if N_CHUNKS else []


def get_table1_coverage(wildcards):
    """The panel coverage when a term of the paper's Table 1 is not among the model terms (its
    footnote then says what the panel holds of the indicators the term needs), else nothing."""
    if all(t in TERMS for t in PAPER_TERMS):
        return []
    return ["results/panel/coverage.csv"]


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
        "results/tables/robustness.csv",
        "results/tables/robustness.md",
    ]
    if N_CHUNKS:
        targets.append("results/bootstrap/summary.csv")
    targets += get_report_targets() + get_extended_targets() + get_intermediate_targets()
    targets += get_source_targets()
    return targets


def get_intermediate_targets():
    """Every output upstream of the tables that no other target names.

    Snakemake does not rebuild a missing file that is neither a target nor needed by a job that
    must run. A job that fails has its outputs removed, so without these targets a run that
    failed in, say, one county's ingestion after its CSV changed would be followed by "Nothing
    to be done" and the old tables. As targets, a failed job's outputs are rebuilt (and fail
    again, with the same message) until its input is fixed.
    """
    ingestion = [ingested(kind) for kind in ("parquet", "rejects.csv", "counts.json")]
    chunks = expand("results/bootstrap/chunks/{chunk}.parquet", chunk=CHUNKS)
    boot = ["results/bootstrap/replicates.parquet"] if N_CHUNKS else []
    return (
        ingestion
        + [
            "results/panel/ingestion.csv",
            "results/analysis/covariates.csv",
            "results/analysis/covariates.parquet",
            "results/analysis/excluded.csv",
        ]
        + chunks
        + boot
    )


# --- bulletin texts (rules/extract.smk) and the panel's sources (rules/panel.smk) ---------------


def list_bulletin_texts(texts_dir, reference_path):
    """County folders of data.bulletin_texts_dir: code -> folder, and code -> folder name.

    Folders are named by 6-digit code, or by county name when data.county_reference is set
    (countysurv/extract.py, text_folders); a folder that is neither, or holds no text, stops
    the run here with one line. "" (no texts): no folders.
    """
    if not texts_dir:
        return {}, {}
    from countysurv import errors, extract

    try:
        resolve = None
        if reference_path:  # list_bulletins checked that the file exists
            from countysurv import reference as county_reference

            resolve = county_reference.CountyResolver(
                county_reference.read_county_reference(reference_path)
            )
        return extract.text_folders(texts_dir, resolve)
    except errors.InputDataError as err:
        _fail(str(err))


TEXT_FOLDERS, TEXT_NAMES = list_bulletin_texts(
    config["data"]["bulletin_texts_dir"], config["data"].get("county_reference", "")
)


def get_bulletin_texts(wildcards):
    """The bulletin texts of one county folder (<year>.txt/.html/.pdf), as paths."""
    from countysurv import extract

    return [str(p) for p in extract.text_files(TEXT_FOLDERS[wildcards.county])]


def get_text_county_name(wildcards):
    """The county's name as its text folder gives it ("" for a folder named by code)."""
    return TEXT_NAMES[wildcards.county]


# The sources a county-year-indicator of the panel may come from, each with the counties it has
# files for. bulletins: data.bulletins_dir, ingested to results/bulletins/<code>.parquet (rule
# ingest_bulletin). Any other source writes raw CSVs results/<source>/<code>.csv in the format of
# README "Using real bulletins" (extracted: rule extract_bulletin_text), ingested to
# results/bulletins/<source>/<code>.parquet (rule ingest_source). A new source is one more
# entry here and in the enum of sources.precedence in schemas/config.schema.yaml.
# With data.from_panel the bulletins source is the import's output, known after its checkpoint
# (study_counties); it is always a source then.
SOURCE_COUNTIES = {"bulletins": COUNTIES, "extracted": sorted(TEXT_FOLDERS)}
DERIVED_SOURCES = [s for s in SOURCE_COUNTIES if s != "bulletins"]


def _panel_sources(cfg):
    """The sources the panel combines, in precedence order; every source with files is listed."""
    precedence = cfg["sources"]["precedence"]
    present = {s for s, codes in SOURCE_COUNTIES.items() if codes}
    if FROM_PANEL:
        present.add("bulletins")
    unlisted = [s for s in SOURCE_COUNTIES if s in present and s not in precedence]
    if unlisted:
        _fail(
            f"config sources.precedence ({', '.join(precedence)}) does not list the source(s) "
            f"{', '.join(unlisted)}, which have files (data.bulletins_dir, "
            "data.bulletin_texts_dir): list every source the panel is to combine, in order"
        )
    return [s for s in precedence if s in present]


PANEL_SOURCES = _panel_sources(config)


def ingested_paths(source, ext):
    """One source's ingestion outputs (ext: parquet, rejects.csv or counts.json), by county."""
    folder = "results/bulletins" if source == "bulletins" else f"results/bulletins/{source}"
    counties = study_counties() if source == "bulletins" else SOURCE_COUNTIES[source]
    return expand(f"{folder}/{{county}}.{ext}", county=counties)


def get_panel_inputs(wildcards):
    """Rule build_panel's inputs: <source>_records, _rejects, _counts of every panel source."""
    kinds = (("records", "parquet"), ("rejects", "rejects.csv"), ("counts", "counts.json"))
    return {
        f"{source}_{kind}": ingested_paths(source, ext)
        for source in PANEL_SOURCES
        for kind, ext in kinds
    }


def get_source_targets():
    """Extraction and every derived source's ingestion, and the panel's records and conflicts."""
    texts = expand(
        "results/extracted/{county}.{ext}",
        county=SOURCE_COUNTIES["extracted"],
        ext=("csv", "review.csv"),
    )
    ingested = [
        path
        for source in DERIVED_SOURCES
        for ext in ("parquet", "rejects.csv", "counts.json")
        for path in ingested_paths(source, ext)
    ]
    return texts + ingested + ["results/panel/records.parquet", "results/panel/conflicts.csv"]


# --- report, figures, audit, lineage (rules/report.smk) ---------------------------------------


def get_report_targets():
    """Outputs of rules/report.smk that `snakemake` (rule all) builds.

    Everything the report shows except report.html itself, which `snakemake --report` writes.
    """
    # Kaplan-Meier curves by a 0/1 model term: only by those among the model terms.
    figures = [f"km_{group}" for group in ("nation", "industry") if group in TERMS] + [
        "forest_cox",
        "schoenfeld",
        "index_distributions",
        "panel_coverage",
    ]
    return [f"results/figures/{name}.{ext}" for name in figures for ext in ("png", "svg")] + [
        "results/tables/paper_audit.md",
        "results/tables/paper_audit.html",
        "results/tables/paper_comparison.html",
        "results/analysis/lineage.csv",
    ]


def figure_report(stem, caption, subcategory, figure):
    """A figure's two outputs, png and svg, each marked for the report (rules/report.smk).

    stem is the path without its extension (wildcards allowed), caption an .rst file relative to
    rules/, figure the report's "figure" label; the "format" label is PNG or SVG. Unpack it into
    a rule's output with **, so the rule keeps its named outputs png and svg.
    """
    return {
        ext: report(
            f"{stem}.{ext}",
            caption=caption,
            category="Figures",
            subcategory=subcategory,
            labels={"figure": figure, "format": ext.upper()},
        )
        for ext in ("png", "svg")
    }


# --- models beyond the paper (rules/extended.smk) ------------------------------------------------


def get_extended_targets():
    """Outputs of rules/extended.smk that `snakemake` (rule all) builds."""
    return [
        "results/analysis/counting_process.parquet",
        "results/analysis/counting_process_dropped.csv",
        "results/models/weibull_aft.json",
        "results/models/cox_clustered.json",
        "results/models/cox_time_varying.json",
        "results/tables/table_extended.csv",
        "results/tables/table_extended.md",
        "results/tables/table_extended.tex",
        "results/tables/table_extended.html",
    ]


# --- Monte Carlo study (rules/montecarlo.smk; target `snakemake montecarlo`) -----------------

MC_SIZES = [str(n) for n in config["montecarlo"]["sizes"]]
MC_CHUNKS = [
    f"{i:04d}"
    for i in range(
        math.ceil(config["montecarlo"]["replications"] / config["montecarlo"]["chunk_size"])
    )
]


def mc_chunk_replications(wildcards):
    """First and one-past-last Monte Carlo replication of a chunk: [start, stop)."""
    size = config["montecarlo"]["chunk_size"]
    start = int(wildcards.chunk) * size
    return [start, min(start + size, config["montecarlo"]["replications"])]


def get_montecarlo_chunks(wildcards):
    """Every chunk file of every study size."""
    return expand(
        "results/montecarlo/chunks/n{size}/{chunk}.parquet", size=MC_SIZES, chunk=MC_CHUNKS
    )


# --- the official 832-county list (rules/real.smk; target `snakemake real`) ------------------


def get_real_xlsx(wildcards):
    """The official 832-county list (config real.counties_xlsx); one clear line when absent.

    An input function, so the check runs only when `snakemake real` (or one of its outputs) is
    requested: the default target never needs the file.
    """
    path = config["real"]["counties_xlsx"]
    if not Path(path).is_file():
        _fail(
            f"{path}: the official list of the 832 poverty counties was not found (config "
            f"real.counties_xlsx, relative to {Path.cwd()}); point it at the .xlsx in a "
            "--configfile"
        )
    return path


def get_real_targets():
    """Outputs of rules/real.smk that `snakemake real` builds (not part of rule all)."""
    figures = [
        f"results/real/km_{g}.{ext}" for g in ("ethnic_area", "region") for ext in ("png", "svg")
    ]
    return [
        "results/real/counties_832.csv",
        "results/real/reconciliation.md",
        "results/real/exit_timing.md",
        "results/real/exit_timing.json",
    ] + figures


# --- the real study (rules/real_study.smk, included with data.from_panel; target real_study) ---


def get_real_layout(wildcards=None):
    """The export layout named by real_study.layout; one clear line when it is not defined.

    Used as a params function, so only a run that needs the import checks it (a config without
    the real study's layouts, such as the test suite's toy study, still parses).
    """
    study = config["real_study"]
    if study["layout"] not in study["layouts"]:
        _fail(
            f"config real_study.layout {study['layout']!r} is not one of real_study.layouts "
            f"({', '.join(sorted(study['layouts'])) or 'none defined'})"
        )
    return study["layouts"][study["layout"]]


def get_real_panel_files(wildcards):
    """The export's files (real_study.panel_dir + each file of the layout); one clear line when
    one is missing. An input function, so only a run that needs the import checks them."""
    folder = Path(config["real_study"]["panel_dir"])
    paths = [str(folder / spec["file"]) for spec in get_real_layout()["files"].values()]
    missing = [p for p in paths if not Path(p).is_file()]
    if missing:
        _fail(
            f"{missing[0]}: file of the county panel not found (config real_study.panel_dir = "
            f"{folder}, relative to {Path.cwd()}; layout {config['real_study']['layout']}); "
            "point real_study.panel_dir at the export in a --configfile"
        )
    return paths


def get_imported_csvs(wildcards):
    """Every raw bulletin CSV the import wrote (the counties in the panel)."""
    # Paths as import_panel writes them: in the real-study modules Snakemake adds the results
    # prefix to what an input function returns, so the checkpoint's (prefixed) folder is not
    # used as is.
    return expand("results/imported/{county}.csv", county=imported_counties())


def get_real_study_targets():
    """What one real-study run builds besides the study's own targets."""
    return ["results/exit_dates.md", "results/exit_dates.csv", "results/sample.md"]


def real_study_config(cfg, undated_rule):
    """The config of one real-study run: the study's config with the real data in place of the
    simulated study (bulletins from the imported panel, the real counties' reference list, the
    real study's terms, no simulated truth). `undated_rule` decides what the run does with
    counties whose exit has no found date (real_counties.py)."""
    import copy

    real = copy.deepcopy(cfg)
    real["data"].update(
        {
            "from_panel": True,
            "counties": "results/counties.csv",
            "counties_missing": "exclude",
            "county_reference": "",
            "bulletin_texts_dir": "",
            "truth": "",
        }
    )
    real.setdefault("models", {})["terms"] = list(cfg["real_study"]["terms"])
    real["real_study"]["undated_rule"] = undated_rule
    return real
