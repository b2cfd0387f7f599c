"""Bulletin texts of the simulated default study: some counties' figures as prose.

What they print and why: README "The default data (synthetic)"; how they are read: README
"Bulletin texts".

**Simulated.** Like the bulletin CSVs of countysurv/simulate.py, every text is written here from
the data-generating process; no wording or figure is taken from a real bulletin.

Which texts. ``round(8 n / 76)`` counties (at least one; 8 of the default 76), drawn from their
own stream ``numpy.random.default_rng([seed, TEXT_STREAM])`` so that the CSVs, the reference list
and the truth of the study do not depend on them, each print their bulletins of
:data:`TEXT_YEARS` (2014–2016) in ``bulletin_texts/<code>/<year>.txt`` (``.html`` for the HTML
style, ``.pdf`` for the PDF one). The k-th county's text of the j-th year has style
``STYLES[(3k + j) % 6]``:

``pdf``
    sentences (the prose style) with 亿元 to two decimals, 万人 and 万千瓦 to two, 万元 with
    thousands separators, typeset as a PDF with a text layer (countysurv/pdf_writer.py: lines
    of 34 characters, so sentences and units run on to the next line);
``by_sector``
    ``分产业看，第一产业实现增加值…`` in 万元, persons in 人, power in 千瓦, with a sub-item
    (工业增加值) inside the secondary sector's clause;
``table``
    the GDP table flattened to text (cells joined by ``|``) under ``单位：万元``, with 其中：工业;
``html``
    an HTML page (GB18030, a footnote mark in ``<sup>``, a ``<table>`` under ``单位：亿元``);
``full_width``
    the prose style as text, with full-width digits, decimal points and percent signs;
``traditional``
    the prose style as text, in Traditional characters (a mirror site).

What is printed. The cells the county's bulletin CSV holds for that year, each printed from
the **true** level at the text's own precision. The CSV printed the same true level at its
precision; both precisions are powers of ten, so the two figures differ by at most half a unit
of the coarser one and agree under the rule of countysurv/sources.py by construction. Beside
them, rural residents' per-capita disposable income (农村常住居民人均可支配收入, the optional
indicator ``rural_income``), which the CSVs of countysurv/simulate.py do not hold: its level is
drawn here for each text (uniform on 6,500–11,500 元, :attr:`BulletinText.drawn`) and printed to
the 元, so these cells reach the panel from the texts alone. Around them, what the extractor must
not take as a level: growth rates, 三次产业结构比, a 比上年增加 amount, 工业增加值, and resident
population (常住人口), which is not a canonical indicator (it goes to review).

One deliberate disagreement. The 2015 text of the first text county whose CSV has the tertiary
sector's value added of 2015 prints that of 2014 (as a bulletin that copied last year's
figure): it disagrees with the CSV beyond the tolerance, so the panel job lists it in
``results/panel/conflicts.csv`` and the precedence decides (the CSV's value, with the default
``sources.precedence``).

``bulletin_texts/labels.csv`` lists every figure each text states (the level as printed, in
canonical units), the labels format of benchmarks/extract.py.
"""

from __future__ import annotations

import csv
import io as _stdio
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import io, pdf_writer, simulate
from .indicators import unit_factor

TEXT_YEARS: tuple[int, ...] = (2014, 2015, 2016)
STYLES: tuple[str, ...] = ("pdf", "by_sector", "table", "html", "full_width", "traditional")
#: Characters per line of the PDF style.
PDF_LINE_WIDTH: int = 34
#: Counties printed as texts per 76 counties (scaled with n, at least one).
TEXTS_PER_76: int = 8
#: The texts' random stream: ``default_rng([seed, TEXT_STREAM])``.
TEXT_STREAM: int = 1
#: The cell printed wrong on purpose: (year, indicator) of the first text county that has it,
#: printed with the level of ``DELIBERATE_FROM``.
DELIBERATE: tuple[int, str] = (2015, "va_tertiary")
DELIBERATE_FROM: int = 2014
LABEL_COLUMNS: tuple[str, ...] = ("county", "year", "indicator", "value", "comment")
FOLDER = "bulletin_texts"
_CODE_FOLDER = re.compile(r"^99\d{4}$")

#: Unit and decimals of every indicator, per style (money, persons, power; per-capita in 元).
_UNITS: dict[str, dict[str, tuple[str, int]]] = {
    "pdf": {"money": ("亿元", 2), "services": ("万元", 0), "persons": ("万人", 2),
              "power": ("万千瓦", 2)},
    "by_sector": {"money": ("万元", 0), "services": ("万元", 0), "persons": ("人", 0),
                  "power": ("千瓦", 0)},
    "table": {"money": ("亿元", 2), "services": ("万元", 0), "persons": ("万人", 2),
              "power": ("万千瓦", 2), "table": ("万元", 0)},
    "html": {"money": ("亿元", 2), "services": ("万元", 0), "persons": ("万人", 2),
             "power": ("万千瓦", 2), "table": ("亿元", 2)},
}
_UNITS["full_width"] = _UNITS["traditional"] = _UNITS["pdf"]
#: Per-capita indicators: printed in 元 to the unit in every style.
_PER_CAPITA: tuple[str, ...] = ("gdp_per_capita", "rural_income")
_KIND = {"gdp": "money", "va_primary": "money", "va_secondary": "money", "va_tertiary": "money",
         "agri_output": "money", "agri_services_output": "services", "population": "persons",
         "rural_population": "persons", "agri_machinery_power": "power"}
_FULL_WIDTH = str.maketrans("0123456789.%:,", "０１２３４５６７８９．％：，")
#: Simplified → Traditional for the characters of these texts that have a Traditional form.
_TRADITIONAL = str.maketrans("县国经济发统计报综实现区产总价长业结构为户农机动渔务乡万亿减数会拟据",
                             "縣國經濟發統計報綜實現區產總價長業結構為戶農機動漁務鄉萬億減數會擬據")


@dataclass
class BulletinText:
    """One simulated bulletin text and the figures it states.

    ``figures``: one dict per stated level: ``indicator`` (canonical, or
    ``resident_population``), ``value`` (the printed figure in canonical units), ``printed``
    (number and unit as printed), ``comment``. ``drawn``: the true level of each printed
    indicator the simulated study does not hold (``rural_income``), drawn for this text.
    """

    county_code: str
    year: int
    style: str
    text: str
    encoding: str = "utf-8"
    figures: list[dict[str, Any]] = field(default_factory=list)
    drawn: dict[str, float] = field(default_factory=dict)

    @property
    def file_name(self) -> str:
        return f"{self.year}.{self.style if self.style in ('html', 'pdf') else 'txt'}"

    @property
    def data(self) -> bytes:
        """The file's bytes: the text in its encoding, or for the PDF style the typeset text."""
        if self.style == "pdf":
            return pdf_writer.text_pdf(pdf_writer.paginate(
                pdf_writer.wrap(self.text, PDF_LINE_WIDTH)))
        return self.text.encode(self.encoding)


def _number(value: float, unit: str, decimals: int, separators: bool = False) -> str:
    """``value`` (canonical units) printed in ``unit`` with ``decimals`` (``1,234`` optional)."""
    return f"{value / _factor(unit):{',' if separators else ''}.{decimals}f}"


def _factor(unit: str) -> float:
    return {"元": 1.0, "万元": 1e4, "亿元": 1e8, "人": 1.0, "万人": 1e4, "千瓦": 1.0,
            "万千瓦": 1e4}[unit]


class _Printer:
    """Prints one text's figures and records each as a label."""

    def __init__(self, text: BulletinText, levels: dict[str, float], rng: np.random.Generator,
                 deliberate: str | None) -> None:
        self.text, self.levels, self.rng, self.deliberate = text, levels, rng, deliberate
        self.units = _UNITS[text.style]
        self.gdp_rate = f"{rng.uniform(5, 11):.1f}"  # GDP's growth, the same in prose and table

    def has(self, *keys: str) -> bool:
        return all(k in self.levels for k in keys)

    def fig(self, key: str, kind: str | None = None, with_unit: bool = True) -> str:
        """The printed figure of canonical indicator ``key`` (recorded as a label)."""
        unit, decimals = self.units[kind or _KIND.get(key, "money")] if key not in _PER_CAPITA \
            else ("元", 0)
        separators = unit == "人" or (unit == "万元" and kind == "services"
                                      and self.text.style != "full_width")
        number = _number(self.levels[key], unit, decimals, separators)
        comment = f"{self.text.style} style"
        if key == self.deliberate:
            comment += (f"; deliberately the {DELIBERATE_FROM} level: disagrees with the "
                        "bulletin CSV (results/panel/conflicts.csv)")
        if not any(f["indicator"] == key for f in self.text.figures):  # printed twice: once
            self.text.figures.append({
                "indicator": key, "value": float(number.replace(",", "")) * unit_factor(key, unit),
                "printed": number + unit, "comment": comment})
        return number + unit if with_unit else number

    def draw(self, key: str, level: float) -> None:
        """Give this text a true level of ``key``, an indicator the simulated study lacks."""
        self.levels[key] = self.text.drawn[key] = level

    def other(self, key: str, value: float, unit: str, decimals: int) -> str:
        """A figure of an indicator that is not canonical (it goes to review), as a label."""
        number = _number(value, unit, decimals)
        self.text.figures.append({"indicator": key, "value": float(number) * _factor(unit),
                                  "printed": number + unit,
                                  "comment": f"{self.text.style} style; not canonical"})
        return number + unit

    def rate(self, low: float = 2.0, high: float = 12.0) -> str:
        return f"{self.rng.uniform(low, high):.1f}"


def _title(name: str, year: int) -> str:
    return f"{year}年{name}国民经济和社会发展统计公报（模拟数据）"


def _sector_clauses(p: _Printer, verb: str = "") -> list[str]:
    words = (("va_primary", "第一产业"), ("va_secondary", "第二产业"), ("va_tertiary", "第三产业"))
    return [f"{word}{verb}增加值{p.fig(key)}，增长{p.rate()}%" for key, word in words if p.has(key)]


def _structure(p: _Printer) -> str:
    if not p.has("va_primary", "va_secondary", "va_tertiary"):
        return ""
    va = np.array([p.levels[k] for k in ("va_primary", "va_secondary", "va_tertiary")])
    shares = 100 * va / va.sum()
    return f"三次产业结构比为{shares[0]:.1f}:{shares[1]:.1f}:{shares[2]:.1f}。"


def _people(p: _Printer, resident: float) -> str:
    out = ""
    if p.has("population"):
        unit, decimals = p.units["persons"]
        change = _number(p.levels["population"] * p.rng.uniform(0.001, 0.01), unit, decimals)
        out += f"年末全县户籍人口{p.fig('population')}，比上年末增加{change}{unit}"
        out += f"，其中乡村人口{p.fig('rural_population')}。" if p.has("rural_population") else "。"
    elif p.has("rural_population"):
        out += f"年末乡村人口{p.fig('rural_population')}。"
    unit, decimals = p.units["persons"]
    return out + f"年末常住人口{p.other('resident_population', resident, unit, decimals)}。"


def _farming(p: _Printer) -> str:
    out = []
    if p.has("agri_output"):
        out.append(f"全年农林牧渔业总产值{p.fig('agri_output')}，按可比价格计算增长{p.rate()}%。")
    if p.has("agri_services_output"):
        lead = "其中" if p.has("agri_output") else "全年"
        out.append(f"{lead}农林牧渔服务业产值{p.fig('agri_services_output', 'services')}，"
                   f"增长{p.rate()}%。")
    if p.has("agri_machinery_power"):
        out.append(f"年末农业机械总动力{p.fig('agri_machinery_power')}，比上年增长{p.rate()}%。")
    return "".join(out)


def _income(p: _Printer) -> str:
    p.draw("rural_income", p.rng.uniform(6500, 11500))
    return f"全年农村常住居民人均可支配收入{p.fig('rural_income')}，比上年增长{p.rate(7, 11)}%。"


def _prose(p: _Printer, name: str, resident: float) -> str:
    y = p.text.year
    first = ""
    if p.has("gdp"):
        first = (f"{y}年，全县实现地区生产总值（GDP）{p.fig('gdp')}，按可比价格计算，"
                 f"比上年增长{p.gdp_rate}%。")
    sectors = _sector_clauses(p)
    if sectors:
        first += "其中：" + "；".join(sectors) + "。"
    first += _structure(p)
    if p.has("gdp_per_capita"):
        first += (f"人均地区生产总值{p.fig('gdp_per_capita')}，"
                  f"比上年增加{round(p.rng.uniform(300, 1200))}元。")
    return (f"{_title(name, y)}\n\n一、综合\n\n{first}\n\n二、人口\n\n{_people(p, resident)}\n\n"
            f"三、农业\n\n{_farming(p)}\n\n四、人民生活\n\n{_income(p)}\n")


def _by_sector(p: _Printer, name: str, resident: float) -> str:
    y = p.text.year
    first = f"初步核算，全年实现地区生产总值{p.fig('gdp')}，比上年增长{p.gdp_rate}%。" \
        if p.has("gdp") else ""
    clauses = []
    for key, word in (("va_primary", "第一产业"), ("va_secondary", "第二产业"),
                      ("va_tertiary", "第三产业")):
        if p.has(key):
            clause = f"{word}实现增加值{p.fig(key)}，增长{p.rate()}%"
            if key == "va_secondary":
                unit, decimals = p.units["money"]
                industry = _number(p.levels[key] * p.rng.uniform(0.55, 0.8), unit, decimals)
                clause += f"，其中工业增加值{industry}{unit}，增长{p.rate()}%"
            clauses.append(clause)
    if clauses:
        first += "分产业看，" + "；".join(clauses) + "。"
    if p.has("gdp_per_capita"):
        first += f"按常住人口计算，人均生产总值{p.fig('gdp_per_capita')}。"
    people = ""
    if p.has("population"):
        people = f"年末户籍总人口为{p.fig('population')}"
        people += f"，其中乡村人口{p.fig('rural_population')}。" \
            if p.has("rural_population") else "。"
    elif p.has("rural_population"):
        people = f"年末乡村人口{p.fig('rural_population')}。"
    unit, decimals = p.units["persons"]
    people += f"常住人口{p.other('resident_population', resident, unit, decimals)}。"
    farm = []
    if p.has("agri_output"):
        farm.append(f"全年完成农林牧渔业总产值{p.fig('agri_output')}")
    if p.has("agri_services_output"):
        lead = "其中" if farm else "全年"
        farm.append(f"{lead}农林牧渔专业及辅助性活动产值{p.fig('agri_services_output', 'services')}")
    farm_text = "，".join(farm) + "。" if farm else ""
    if p.has("agri_machinery_power"):
        farm_text += f"年末农机总动力{p.fig('agri_machinery_power')}。"
    return (f"{_title(name, y)}\n\n综合\n\n{first}\n\n人口\n\n{people}\n\n农业\n\n{farm_text}\n\n"
            f"人民生活\n\n{_income(p)}\n")


def _table_rows(p: _Printer) -> list[tuple[str, str, str]]:
    """(label, figure, growth) rows of the GDP table in the table unit (其中：工业 included)."""
    rows = []
    for key, label in (("gdp", "地区生产总值"), ("va_primary", "第一产业"),
                       ("va_secondary", "第二产业"), ("va_tertiary", "第三产业")):
        if p.has(key):
            growth = p.gdp_rate if key == "gdp" else p.rate()
            rows.append((label, p.fig(key, "table", with_unit=False), growth))
            if key == "va_secondary":
                unit, decimals = p.units["table"]
                industry = _number(p.levels[key] * p.rng.uniform(0.55, 0.8), unit, decimals)
                rows.append(("其中：工业", industry, p.rate()))
    return rows


def _rest(p: _Printer, resident: float) -> str:
    per_capita = f"人均地区生产总值{p.fig('gdp_per_capita')}。" if p.has("gdp_per_capita") else ""
    return f"{per_capita}\n\n{_people(p, resident)}\n\n{_farming(p)}\n\n{_income(p)}\n"


def _table(p: _Printer, name: str, resident: float) -> str:
    y = p.text.year
    lines = [f"{label} | {figure} | {growth}" for label, figure, growth in _table_rows(p)]
    table = "\n".join([f"表1  {y}年地区生产总值及其构成", "单位：万元",
                       "指标 | 绝对数 | 比上年增长（%）", *lines])
    return f"{_title(name, y)}\n\n一、综合\n\n经济运行总体平稳。\n\n{table}\n\n{_rest(p, resident)}"


def _html(p: _Printer, name: str, resident: float) -> str:
    y = p.text.year
    gdp = (f"<p>初步核算，全年地区生产总值<sup>①</sup>{p.fig('gdp')}，比上年增长{p.gdp_rate}%。"
           "</p>\n") if p.has("gdp") else ""
    rows = "\n".join(f"<tr><td>{'　' if label != '地区生产总值' else ''}{label}</td>"
                     f"<td>{figure}</td><td>{growth}</td></tr>"
                     for label, figure, growth in _table_rows(p))
    rest = "".join(f"<p>{part.strip()}</p>\n" for part in _rest(p, resident).split("\n\n")
                   if part.strip())
    return ('<!DOCTYPE html>\n<html><head><meta charset="gb2312">'
            f"<title>{y}年{name}统计公报</title>\n<style>td {{ padding: 2px; }}</style></head>\n"
            f'<body>\n<div class="article">\n<h2>{_title(name, y)}</h2>\n{gdp}'
            f"<p>表1&nbsp;&nbsp;{y}年地区生产总值及构成</p>\n<p>单位：亿元</p>\n<table>\n"
            "<tr><td>指标</td><td>绝对数</td><td>比上年增长(%)</td></tr>\n"
            f"{rows}\n</table>\n{rest}<p>注：①地区生产总值按现价计算。</p>\n</div>\n</body></html>\n")


def _render(p: _Printer, name: str, resident: float) -> str:
    style = p.text.style
    if style == "by_sector":
        return _by_sector(p, name, resident)
    if style == "table":
        return _table(p, name, resident)
    if style == "html":
        return _html(p, name, resident)
    text = _prose(p, name, resident)
    if style == "full_width":
        return text.translate(_FULL_WIDTH)
    if style == "traditional":
        return text.translate(_TRADITIONAL)
    return text


def print_texts(counties: pd.DataFrame, rows: pd.DataFrame, seed: int) -> list[BulletinText]:
    """The simulated study's bulletin texts (see the module docstring).

    Parameters
    ----------
    counties
        ``county_code`` and ``county_name`` of every county, in study order.
    rows
        The printed rows of countysurv/simulate.py (``county_code``, ``year``,
        ``canonical_indicator``, ``true_value``, ``published``).
    seed
        The study's seed.
    """
    rng = np.random.default_rng([seed, TEXT_STREAM])
    n = len(counties)
    k = min(n, max(1, round(TEXTS_PER_76 * n / 76)))
    codes = sorted(rng.choice(counties["county_code"].to_numpy(), size=k, replace=False))
    names = dict(zip(counties["county_code"], counties["county_name"]))
    true = {(r.county_code, int(r.year), r.canonical_indicator): float(r.true_value)
            for r in rows.itertuples()}
    published = rows[rows["published"]]
    printed = set(zip(published["county_code"], published["year"],
                      published["canonical_indicator"]))
    wrong = next((c for c in codes if (c, *DELIBERATE) in printed), None)
    texts = []
    for i, code in enumerate(codes):
        for j, year in enumerate(TEXT_YEARS):
            cells = published[(published["county_code"] == code) & (published["year"] == year)]
            levels = {ind: true[(code, year, ind)] for ind in cells["canonical_indicator"]}
            deliberate = None
            if code == wrong and year == DELIBERATE[0]:
                deliberate = DELIBERATE[1]
                levels[deliberate] = true[(code, DELIBERATE_FROM, deliberate)]
            if "gdp" in levels and "gdp_per_capita" in levels:
                resident = levels["gdp"] / levels["gdp_per_capita"]
            else:
                resident = true[(code, year, "population")] * rng.uniform(0.9, 1.0)
            text = BulletinText(code, year, STYLES[(3 * i + j) % len(STYLES)], "")
            text.encoding = "gb18030" if text.style == "html" else "utf-8"
            text.text = _render(_Printer(text, levels, rng, deliberate), names[code], resident)
            texts.append(text)
    return texts


def labels_csv(texts: list[BulletinText]) -> str:
    """``labels.csv`` (benchmarks/extract.py format): every level each text states."""
    buf = _stdio.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(LABEL_COLUMNS)
    for t in texts:
        for f in t.figures:
            writer.writerow([t.county_code, t.year, f["indicator"], repr(f["value"]),
                             f"{f['printed']}; {f['comment']}"])
    return buf.getvalue()


def write_texts(texts: list[BulletinText], out_dir: str | Path) -> list[Path]:
    """Write ``<out_dir>/bulletin_texts/<code>/<year>.{txt,html,pdf}`` and ``labels.csv``.

    Folders of simulated counties (``99NNNN``) that are not part of ``texts`` are removed, and
    so is any other file in the folders written (a text of an earlier style), so the folder
    holds exactly this study's texts; other files are left alone.
    """
    root = Path(out_dir) / FOLDER
    root.mkdir(parents=True, exist_ok=True)
    written = []
    for t in texts:
        path = root / t.county_code / t.file_name
        path.parent.mkdir(exist_ok=True)
        with io.atomic_path(path) as tmp:
            tmp.write_bytes(t.data)
        written.append(path)
    keep = {t.county_code for t in texts}
    for folder in sorted(root.iterdir()):
        if folder.is_dir() and _CODE_FOLDER.match(folder.name) and folder.name not in keep:
            shutil.rmtree(folder)
        elif folder.is_dir() and folder.name in keep:
            for stale in sorted(set(folder.iterdir()) - set(written)):
                stale.unlink()
    io.write_text(labels_csv(texts), root / "labels.csv")
    return written + [root / "labels.csv"]


def generate(out_dir: str | Path, n_counties: int = simulate.DEFAULT_N_COUNTIES,
             seed: int = simulate.DEFAULT_SEED
             ) -> tuple[simulate.SimulatedStudy, list[BulletinText]]:
    """Write the simulated study (:func:`countysurv.simulate.generate`) and its texts."""
    study = simulate.generate(out_dir, n_counties, seed)
    texts = print_texts(study.counties, study.rows, seed)
    write_texts(texts, out_dir)
    return study, texts
