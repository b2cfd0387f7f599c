"""Each report figure writes a non-empty PNG and SVG, byte-identical when drawn again; figures draw
what they are given and compute no model quantity."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from countysurv import figures, models
from countysurv.terms import MODEL_TERMS

TERMS = list(MODEL_TERMS)
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def study():
    rng = np.random.default_rng(20151129)
    n = 40
    df = pd.DataFrame({
        "county_code": [f"{990001 + i}" for i in range(n)],
        "upgrading_index": rng.uniform(1.9, 2.4, n),
        "integration_12": rng.uniform(0.2, 1.2, n),
        "integration_13": rng.uniform(5, 60, n),
        "nation": rng.integers(0, 2, n),
        "industry": rng.integers(0, 2, n),
        "resource_endowment": rng.uniform(9.0, 10.2, n),
    })
    hazard = np.exp(0.8 * df["nation"] - 0.5 * df["industry"])
    t = rng.exponential(1200 / hazard)
    df["event"] = (t < 1494).astype(int)
    df["duration_days"] = np.minimum(np.ceil(t), 1494).astype(int)
    cox = models.fit_cox(df)
    boot = pd.DataFrame({"model": "cox", "term": TERMS, "n_replicates": 50, "n_used": 50,
                         "n_failed": 0, "boot_se": [cox["se"][t] for t in TERMS],
                         "ci_lower": [cox["ci_lower"][t] - 0.1 for t in TERMS],
                         "ci_upper": [cox["ci_upper"][t] + 0.1 for t in TERMS]})
    years = range(2014, 2020)
    panel = pd.DataFrame([{"county_code": c, "year": y} for c in df["county_code"] for y in years])
    for j, ind in enumerate(["gdp", "va_primary", "rural_population", "gdp_per_capita"]):
        panel[ind] = rng.uniform(1, 2, len(panel))
        panel.loc[rng.random(len(panel)) < 0.05 * j, ind] = np.nan
    return df, cox, boot, panel


CASES = {
    "km_nation": lambda s: figures.km_figure(s[0], "nation"),
    "km_industry": lambda s: figures.km_figure(s[0], "industry"),
    "forest": lambda s: figures.forest_figure(s[1], s[2], {"nation": 2.73}),
    "forest_no_boot": lambda s: figures.forest_figure(s[1]),
    "schoenfeld": lambda s: figures.schoenfeld_figure(
        models.schoenfeld_residuals(s[0], s[1]["coef"], TERMS), s[1]["ph_test"], TERMS),
    "indices": lambda s: figures.index_distributions_figure(s[0]),
    "coverage": lambda s: figures.coverage_figure(
        s[3], ["gdp", "va_primary", "rural_population", "gdp_per_capita", "absent"], 2015),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_figure_writes_png_and_svg_deterministically(study, name, tmp_path):
    paths = []
    for run in ("a", "b"):
        png, svg = tmp_path / f"{name}_{run}.png", tmp_path / f"{name}_{run}.svg"
        figures.save_figure(CASES[name](study), png, svg)
        paths.append((png, svg))
    (png_a, svg_a), (png_b, svg_b) = paths
    assert png_a.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png_a.stat().st_size > 5000
    svg_text = svg_a.read_text(encoding="utf-8")
    assert "<svg" in svg_text and "<dc:date>" not in svg_text
    assert png_a.read_bytes() == png_b.read_bytes()
    assert svg_a.read_bytes() == svg_b.read_bytes()


def test_km_with_a_single_group_still_draws(study, tmp_path):
    one = study[0].assign(nation=0)
    figures.save_figure(figures.km_figure(one, "nation"), tmp_path / "k.png", tmp_path / "k.svg")
    assert (tmp_path / "k.png").stat().st_size > 0 and (tmp_path / "k.svg").stat().st_size > 0


def _countysurv_imports(path: Path) -> set[str]:
    """Modules of countysurv that ``path`` imports anywhere (lazy imports included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1:
                found |= {node.module} if node.module else {a.name for a in node.names}
            elif node.module == "countysurv":
                found |= {a.name for a in node.names}
    return found


def test_figures_module_does_not_import_models():
    assert "models" not in _countysurv_imports(Path(figures.__file__))


def test_figure_rules_list_models_as_code_only_when_their_script_imports_it():
    text = (REPO / "rules" / "report.smk").read_text(encoding="utf-8")
    blocks = re.split(r"^(?=rule \w+:)", text, flags=re.M)[1:]
    plots = {re.match(r"rule (\w+):", b).group(1): b for b in blocks if b.startswith("rule plot_")}
    assert len(plots) == 5
    for rule, block in plots.items():
        declared = re.search(r"package_modules\(([^)]*)\)", block).group(1)
        script = REPO / "scripts" / f"{rule}.py"
        assert ('"models"' in declared) == ("models" in _countysurv_imports(script)), rule
    assert '"models"' not in re.search(r"package_modules\(([^)]*)\)",
                                       plots["plot_panel_coverage"]).group(1)
