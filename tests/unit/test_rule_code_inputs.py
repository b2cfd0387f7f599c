"""Every rule lists, as inputs, the package modules its script imports (directly or through other
modules, lazy imports inside functions included), so that editing one reruns the rule
(``package_modules`` in rules/common.smk). Read from the rule files themselves."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "scripts" / "countysurv"


def base_modules() -> set[str]:
    """The modules rules/common.smk's package_modules() lists for every rule."""
    text = (REPO / "rules" / "common.smk").read_text(encoding="utf-8")
    body = re.search(r"def package_modules\(.*?\n(?=\S)", text, re.S).group(0)
    return set(re.findall(r'"(\w+)"', re.search(r"base = \[(.*?)\]", body, re.S).group(1)))


BASE = base_modules()


def imported_modules(path: Path) -> set[str]:
    """countysurv modules that ``path`` imports anywhere in its code."""
    found = set()
    in_package = path.parent == PACKAGE
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and in_package:       # from .x import y / from . import x
                found |= ({node.module.split(".")[0]} if node.module
                          else {a.name for a in node.names})
            elif node.module == "countysurv":         # from countysurv import x
                found |= {a.name for a in node.names}
            elif node.module and node.module.startswith("countysurv."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("countysurv.")}
    return {m for m in found if (PACKAGE / f"{m}.py").is_file()}


def closure(script: Path) -> set[str]:
    seen, todo = set(), list(imported_modules(script))
    while todo:
        mod = todo.pop()
        if mod not in seen:
            seen.add(mod)
            todo += imported_modules(PACKAGE / f"{mod}.py")
    return seen


def rules_with_scripts() -> list[tuple[str, Path, set[str]]]:
    found = []
    for smk in sorted((REPO / "rules").glob("*.smk")):
        text = smk.read_text(encoding="utf-8")
        for block in re.split(r"^(?=rule \w+:)", text, flags=re.M)[1:]:
            name = re.match(r"rule (\w+):", block).group(1)
            script = (re.search(r'script:\s*\n\s*"\.\./scripts/([\w.]+)"', block)
                      or re.search(r'workflow_script\("([\w.]+)"\)', block))
            if not script:
                continue
            declared = set(BASE)
            for args in re.findall(r"package_modules\(([^)]*)\)", block):
                declared |= set(re.findall(r'"(\w+)"', args))
            found.append((name, REPO / "scripts" / script.group(1), declared))
    return found


RULES = rules_with_scripts()


def test_the_base_modules_are_read_from_common_smk():
    assert BASE == {"__init__", "errors", "io", "logs", "terms"}


def test_the_rule_files_were_read():
    names = {name for name, _, _ in RULES}
    assert {"ingest_bulletin", "build_panel", "fit_cox", "bootstrap_chunk"} <= names
    assert len(RULES) >= 20


@pytest.mark.parametrize(("rule", "script", "declared"), RULES, ids=[r[0] for r in RULES])
def test_rule_declares_every_package_module_its_script_imports(rule, script, declared):
    missing = closure(script) - declared
    assert not missing, f"rule {rule}: add {sorted(missing)} to its package_modules(...)"


def test_the_import_scan_follows_lazy_and_indirect_imports():
    # panels imports .schemas only inside load_bulletins; schemas imports indicators
    assert "schemas" in imported_modules(PACKAGE / "panels.py")
    tree = ast.parse((PACKAGE / "panels.py").read_text(encoding="utf-8"))
    top_level = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert "schemas" not in " ".join(ast.unparse(n) for n in top_level)
    assert {"bulletins", "indicators", "parquet"} <= closure(
        REPO / "scripts" / "ingest_bulletin.py")
    assert "indicators" in closure(REPO / "scripts" / "fit_cox.py")  # via schemas
