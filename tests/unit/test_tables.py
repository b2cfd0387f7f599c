"""Tests of countysurv.tables: Table 1 built from model results and rendered in the paper's layout."""

from __future__ import annotations

import html
import io
import math
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pandas as pd
import pytest

from countysurv import tables
from countysurv.errors import InputDataError
from countysurv.io import load_paper_table1
from countysurv.terms import TABLE_LABELS, TABLE_TERMS
from table1_cases import PAPER_DIR, bootstrap_summary, results_like_paper


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def results():
    return results_like_paper(load_paper_table1(PAPER_DIR / "paper_table1.csv"))


@pytest.fixture
def boot() -> pd.DataFrame:
    return bootstrap_summary()


# Cells of the paper's table as the renderers must print them (2 decimals).
_EXPECTED_NUMBERS = [
    "-2.72", "2.57", "0.23", "0.13", "1.02",
    "-152.85", "52.78", "1.06", "0.32", "2.89",
    "5.53", "3.88", "-0.06", "0.03", "0.95",
    "153.45", "66.16", "1.01", "0.42", "2.73",
    "-91.03", "126.21", "-0.92", "0.64", "0.40",
    "-205.09", "80.57", "0.99", "0.44", "2.70",
    "4212.99", "1078.93",
]


# --------------------------------------------------------------------------- stars


@pytest.mark.parametrize(
    ("p", "expected"),
    [(0.0099, "***"), (0.01, "**"), (0.0499, "**"), (0.05, "*"), (0.0999, "*"), (0.1, ""),
     (0.0, "***"), (0.9, ""), (float("nan"), ""), (None, "")],
)
def test_significance_stars_thresholds_are_strict(p, expected):
    assert tables.significance_stars(p) == expected


@pytest.mark.parametrize(
    ("x", "decimals", "expected"),
    [(1.234, 2, "1.23"), (-0.004, 2, "0.00"), (-0.006, 2, "-0.01"), (76.0, 0, "76"),
     ("2.5", 3, "2.500"), (float("nan"), 2, ""), (float("inf"), 2, ""), (None, 2, ""),
     ("n/a", 2, "")],
)
def test_format_number_fixed_decimals_no_negative_zero_and_blank_for_non_numbers(x, decimals,
                                                                                 expected):
    assert tables.format_number(x, decimals) == expected


# --------------------------------------------------------------------------- build


def test_build_table1_rows_in_paper_order_with_fit_rows(results):
    table = tables.build_table1(*results)
    assert table["term"].tolist() == list(TABLE_TERMS) + list(tables.FIT_TERMS)
    assert table["section"].tolist() == (["independent"] * 3 + ["control"] * 3 + ["constant"]
                                         + ["fit"] * 4)
    assert table["label"].tolist()[:7] == [TABLE_LABELS[t] for t in TABLE_TERMS]
    assert not any(c.startswith(("ols_boot", "cox_boot")) for c in table.columns)
    const = table.set_index("term").loc["const"]
    assert math.isnan(const["cox_coef"]) and const["cox_stars"] == ""
    assert const["ols_stars"] == "***"
    fit = table.set_index("term")
    assert fit.loc["prob_f_chi2", "ols_value"] == 0.0189
    assert fit.loc["prob_f_chi2", "cox_value"] == 0.0086
    assert fit.loc["ph_test_global_p", "cox_value"] == 0.6691
    assert math.isnan(fit.loc["r2", "cox_value"])


def test_build_table1_stars_recomputed_from_p(results):
    ols, cox = results
    ols["p"]["industry"] = 0.0099
    table = tables.build_table1(ols, cox).set_index("term")
    assert table.loc["industry", "ols_stars"] == "***"
    assert table.loc["integration_13", "cox_stars"] == "*"


def test_build_table1_hr_falls_back_to_exp_coef(results):
    ols, cox = results
    del cox["hazard_ratio"]
    table = tables.build_table1(ols, cox).set_index("term")
    assert table.loc["nation", "cox_hr"] == pytest.approx(math.exp(cox["coef"]["nation"]))


def test_build_table1_with_boot_adds_ci_columns(results, boot):
    table = tables.build_table1(*results, boot=boot).set_index("term")
    for col in ("ols_boot_ci_lower", "ols_boot_ci_upper", "cox_boot_ci_lower",
                "cox_boot_ci_upper", "cox_boot_n_used", "ols_boot_se"):
        assert col in table.columns
    assert table.loc["integration_12", "cox_boot_ci_lower"] == -1.5
    assert table.loc["integration_12", "cox_boot_n_used"] == 197
    assert pd.isna(table.loc["const", "cox_boot_n_used"])
    assert table.attrs["notes"]["bootstrap"]["cox"] == {"n_replicates": [200], "n_failed": [3]}


def test_build_table1_missing_key_raises(results):
    ols, cox = results
    del ols["r2"]
    with pytest.raises(InputDataError, match="ols result is missing key"):
        tables.build_table1(ols, cox)


def test_build_table1_duplicate_boot_rows_raise(results, boot):
    with pytest.raises(InputDataError, match="duplicate"):
        tables.build_table1(*results, boot=pd.concat([boot, boot.head(1)]))


# --------------------------------------------------------------------------- renderers


def test_render_markdown_has_labels_numbers_and_escaped_stars(results):
    md = tables.render_markdown(tables.build_table1(*results))
    for label in [TABLE_LABELS[t] for t in TABLE_TERMS] + list(tables.FIT_LABELS.values()):
        assert tables.md_escape(label) in md
    for number in _EXPECTED_NUMBERS + ["0.02", "0.01", "0.20", "76", "0.669"]:
        assert re.search(rf"(?<![\d.]){re.escape(number)}(?![\d])", md), number
    assert "| -152.85\\*\\*\\* | 52.78 |" in md
    assert "| 0.23\\* | 0.13 | 1.02 |" in md
    assert "Independent Variables" in md and "Control Variables" in md
    assert "Boot. 95% CI" not in md
    # a GitHub pipe table: every table line has the same number of cells
    rows = [ln for ln in md.splitlines() if ln.startswith("|")]
    assert len({ln.replace("\\|", "").count("|") for ln in rows}) == 1
    assert "p \\< 0.01" in md and "nonrobust" in md and "efron" in md and "schoenfeld" in md


def test_render_markdown_with_boot_shows_ci_columns_and_failures(results, boot):
    md = tables.render_markdown(tables.build_table1(*results, boot=boot))
    assert "OLS Boot. 95% CI" in md and "Cox Boot. 95% CI" in md
    assert "[-1.50, 1.25]" in md  # integration_12, both models
    assert "Cox B = 200, failed 3" in md and "OLS B = 200, failed 0" in md


def test_render_latex_has_labels_numbers_and_math_minus(results):
    tex = tables.render_latex(tables.build_table1(*results))
    for label in (TABLE_LABELS[t] for t in TABLE_TERMS):
        assert label in tex
    assert "Prob \\textgreater{} F/Chi2" in tex and "$R^2$" in tex and "Obs" in tex
    for number in _EXPECTED_NUMBERS:
        assert f"${number}" in tex, number
    assert "$-152.85^{***}$ & $52.78$" in tex
    assert "$0.669$" in tex and "$0.20$" in tex
    assert tex.count("\\begin{tabular}") == 1 and "\\end{tabular}" in tex


def test_render_html_has_labels_and_numbers(results):
    out = tables.render_html(tables.build_table1(*results))
    for label in [TABLE_LABELS[t] for t in TABLE_TERMS] + list(tables.FIT_LABELS.values()):
        assert html.escape(label) in out
    for number in _EXPECTED_NUMBERS:
        assert f">{number}" in out, number
    assert ">-152.85***</td>" in out
    assert out.startswith("<table") and out.rstrip().endswith("</table>")


class _Collector(HTMLParser):
    """Collect start/end tags and text; record nesting errors."""

    VOID = {"br", "hr", "img", "meta", "col"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.text: list[str] = []
        self.caption = ""
        self._in_caption = False

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)
        self._in_caption = tag == "caption"

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}> with open {self.stack}")
        else:
            self.stack.pop()
        if tag == "caption":
            self._in_caption = False

    def handle_data(self, data):
        self.text.append(data)
        if self._in_caption:
            self.caption += data


def test_render_html_parses_and_escapes_labels(results, boot):
    table = tables.build_table1(*results, boot=boot)
    table.loc[table["term"] == "nation", "label"] = 'Nation <&> "minority"'
    out = tables.render_html(table)
    assert "Nation &lt;&amp;&gt; &quot;minority&quot;" in out
    assert "<&>" not in out
    parser = _Collector()
    parser.feed(out)
    parser.close()
    assert parser.errors == [] and parser.stack == []
    assert parser.caption == tables.TITLE
    assert 'Nation <&> "minority"' in parser.text
    assert "Boot. 95% CI" in parser.text


# --------------------------------------------------------------------------- LaTeX checks


def _strip_escaped(tex: str) -> str:
    return re.sub(r"\\[{}\[\]$&%#_]", "", tex)


def _assert_latex_balanced(tex: str) -> None:
    body = "\n".join(ln for ln in _strip_escaped(tex).splitlines() if not ln.startswith("%"))
    for opening, closing in ("{}", "[]"):
        depth = 0
        for ch in body:
            depth += ch == opening
            depth -= ch == closing
            assert depth >= 0, f"unbalanced {closing}"
        assert depth == 0, f"unbalanced {opening}{closing}"
    assert body.count("$") % 2 == 0, "odd number of $"
    begins = re.findall(r"\\begin\{(\w+)\}", body)
    ends = re.findall(r"\\end\{(\w+)\}", body)
    assert sorted(begins) == sorted(ends)


def _special_label_table(results, boot=None):
    table = tables.build_table1(*results, boot=boot)
    table.loc[table["term"] == "industry", "label"] = "R&D 50% <x> _y_ $z$ #1 {a} ~ ^ \\ |"
    return table


def test_latex_escape_special_characters():
    assert tables.latex_escape("R&D 50% $ # _ { } ~ ^ \\ <>") == (
        "R\\&D 50\\% \\$ \\# \\_ \\{ \\} \\textasciitilde{} \\textasciicircum{} "
        "\\textbackslash{} \\textless{}\\textgreater{}"
    )


@pytest.mark.parametrize("with_boot", [False, True])
def test_render_latex_is_balanced_and_rows_have_all_columns(results, boot, with_boot):
    tex = tables.render_latex(_special_label_table(results, boot if with_boot else None))
    _assert_latex_balanced(tex)
    _assert_latex_balanced(tables.standalone_latex_document(tex))
    ncol = 8 if with_boot else 6
    assert f"\\begin{{tabular}}{{l{'r' * (ncol - 1)}}}" in tex
    for line in tex.splitlines():
        if line.endswith("\\\\") and "\\multicolumn" not in line:
            assert _strip_escaped(line).count("&") == ncol - 1, line


@pytest.mark.parametrize("with_boot", [False, True])
def test_render_latex_compiles_with_pdflatex(results, boot, tmp_path, with_boot):
    pdflatex = shutil.which("pdflatex")
    if pdflatex is None:
        pytest.fail("pdflatex not found: install the Debian package texlive-latex-base "
                    "(apt-get install --no-install-recommends texlive-latex-base) so that the "
                    "LaTeX table can be compiled in this test")
    tex = tables.render_latex(_special_label_table(results, boot if with_boot else None))
    (tmp_path / "table1.tex").write_text(tables.standalone_latex_document(tex), encoding="utf-8")
    proc = subprocess.run(
        [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape",
         "table1.tex"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert (tmp_path / "table1.pdf").stat().st_size > 0
    log = (tmp_path / "table1.log").read_text(errors="replace")
    assert "Missing character" not in log
    assert "Overfull" not in log


# --------------------------------------------------------------------------- CSV


def test_table1_csv_round_trips_full_precision(results, boot):
    ols, cox = results
    ols["coef"]["upgrading_index"] = 0.1 + 0.2
    ols["se"]["upgrading_index"] = 1 / 3
    cox["coef"]["nation"] = math.pi * 1e5
    cox["se"]["nation"] = 1e-17
    cox["p"]["nation"] = 5e-324
    boot = boot.copy()
    boot.loc[0, "ci_lower"] = -2 / 3
    table = tables.build_table1(ols, cox, boot)
    text = tables.table1_to_csv(table)
    back = tables.read_table1_csv(io.StringIO(text))
    pd.testing.assert_frame_equal(back, table, check_exact=True)
    assert back.set_index("term").loc["upgrading_index", "ols_coef"] == 0.1 + 0.2
    assert back.set_index("term").loc["nation", "cox_p"] == 5e-324
    assert tables.table1_to_csv(back) == text  # deterministic
    assert text.splitlines()[0].startswith("section,term,label,ols_coef,ols_se,ols_p,ols_stars")


def test_table1_csv_without_boot_round_trips(results):
    table = tables.build_table1(*results)
    back = tables.read_table1_csv(io.StringIO(tables.table1_to_csv(table)))
    pd.testing.assert_frame_equal(back[table.columns], table, check_exact=True)
