"""`snakemake --report` on the toy run, opened in a real headless browser (Debian's chromium)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import run_snakemake

pytestmark = pytest.mark.workflow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars"]
FIGURES = ["km_nation", "km_industry", "forest_cox", "schoenfeld", "index_distributions",
           "panel_coverage"]
# After the report's scripts ran, show one figure the way its result button does.
SHOW_FIGURE = """
<script>
setTimeout(function () {
  var key = Object.keys(results).find(function (p) { return p.endsWith("km_nation.png"); });
  app.setView({content: "img", contentPath: results[key].data_uri, resultPath: key});
}, 300);
</script>
"""


def chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}",
                           "--virtual-time-budget=8000", "--window-size=1400,1200", *args],
                          capture_output=True, text=True, timeout=180)


def visible(dom: str) -> str:
    """The DOM without <script> bodies (they hold the embedded data, not what is shown)."""
    return re.sub(r"<script\b.*?</script>", "", dom, flags=re.S | re.I)


@pytest.fixture(scope="module")
def report(toy_run, tmp_path_factory):
    work, _, _ = toy_run
    copy = tmp_path_factory.mktemp("report") / "work"
    shutil.copytree(work, copy, symlinks=True)
    run_snakemake(copy, "--report", "results/report.html")
    return copy, copy / "results" / "report.html"


def test_figures_and_audit_are_built_by_default(report):
    work, _ = report
    for name in FIGURES:
        for ext in ("png", "svg"):
            assert (work / "results" / "figures" / f"{name}.{ext}").stat().st_size > 0
    for rel in ("results/tables/paper_audit.md", "results/tables/paper_audit.html",
                "results/tables/paper_comparison.html", "results/analysis/lineage.csv"):
        assert (work / rel).stat().st_size > 0, rel
    audit = (work / "results/tables/paper_audit.md").read_text(encoding="utf-8")
    assert "upgrading_index" in audit and "inconsistent" in audit


def test_report_is_self_contained(report):
    _, html = report
    text = html.read_text(encoding="utf-8")
    assert not re.search(r"<(script|img|link)[^>]+(src|href)=\"https?://", text)
    for name in FIGURES:
        assert f"results/figures/{name}.png" in text and f"results/figures/{name}.svg" in text
    for name in ("table1.html", "paper_comparison.html", "paper_audit.html", "lineage.csv"):
        assert name in text


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install chromium)")
def test_report_renders_table_and_images_in_a_browser(report, tmp_path):
    _, html = report
    proc = chromium(tmp_path, "--dump-dom", html.as_uri())
    assert proc.returncode == 0, proc.stderr[-2000:]
    shown = visible(proc.stdout)
    # the landing page: the workflow description with Table 1 inline, links to the lineage
    assert "Results of OLS and Cox Regression" in shown
    assert "Industrial Upgrading Index" in shown and "Obs" in shown
    assert "lineage.csv" in shown and "paper_audit.html" in shown
    assert "<svg" in shown  # menu icons and the rule graph
    assert "Loading Snakemake Report" not in shown or 'style="display: none;"' in shown

    # a figure, opened as its result button does, is an <img> with the embedded PNG
    page = tmp_path / "report_figure.html"
    text = html.read_text(encoding="utf-8")
    end = text.rindex("</body>")  # the page's own closing tag (embedded data may contain others)
    page.write_text(text[:end] + SHOW_FIGURE + text[end:], encoding="utf-8")
    proc = chromium(tmp_path, "--dump-dom", page.as_uri())
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert re.search(r'<img[^>]+src="data:image/png;[^",]*filename=km_nation\.png;base64,iVBOR',
                     visible(proc.stdout))

    shot = tmp_path / "report.png"
    proc = chromium(tmp_path, f"--screenshot={shot}", html.as_uri())
    assert shot.exists() and shot.stat().st_size > 20000, proc.stderr[-2000:]
