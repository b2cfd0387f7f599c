"""Extraction of indicator values from statistical-bulletin text (README "Bulletin texts").

A county's bulletin for one year is a prose web page (or its text, or a PDF) with embedded
tables. This module turns one such file into

* **records**: rows of the raw bulletin format (``county_code``, ``county_name``,
  ``year``, ``indicator``, ``value``, ``unit``, ``source``, ``note``), one per indicator whose
  value the text states unambiguously; ``source`` is ``<file>:<start>-<end>``, the span of
  characters (0-based, end exclusive) in the file's decoded text from the indicator's wording to
  the end of its unit (for a PDF ``<file>#page=<n>:<start>-<end>``, the span in that page's
  text), and ``note`` the clause the value came from;
* **review candidates**: the same columns plus ``reason``, for every figure tied to an indicator
  that is not written (a figure of another year or of part of the year, a per-capita figure
  where a total is wanted, a missing or unaccepted unit, two different values for one
  indicator, an indicator outside the canonical list).

Precision comes first. A value is written only when (1) an indicator's wording is followed,
through nothing but filler words (完成, 实现, 达到, 为, a footnote mark, ``（GDP）``), by a number
and a unit of the indicator's kind (for GDP also through a parenthesis or a few words without a
digit, :data:`_GDP_WORDS`: ``地区生产总值突破千亿大关，实现1027.8亿元``), or it is a table row
labelled with the wording (or bare ``乡村`` in a table splitting the population into 城镇 and
乡村) whose unit is stated by the row, its column header or a ``单位：`` line, or a row of a
table with years as columns (below); (2) nothing in
the clause before the wording marks the figure as another year's, a period within the year or a
plan; and (3) every such figure for the indicator in the file agrees: they differ by at most
half a unit of the coarser one's last printed digit
(:func:`countysurv.indicators.agree_to_printed_precision`; bulletins print the same level in
prose and in a table, rounded differently). Growth rates, shares, ``比上年增加``
amounts, ratios such as ``三次产业结构比`` and sub-items (``工业增加值``) never reach a value:
the words between the indicator and the number are not filler, or the wording is another
indicator's.

Tables with years as columns and one space between cells (``项目 单位 2016年 … 2021年`` over
``地区生产总值 亿元 27.90 … 40.77``) lose their cell boundaries in normalisation, which drops a
single space between words. :meth:`_Reader.year_tables` reads them from tokens split where the
plain text had a space (:func:`line_tokens`, through the offsets each normalised character
keeps; the normalised text itself is unchanged): under a header whose last columns are years,
at least one of them after a single space (:func:`year_header`), a row's figures are its
trailing numbers, after an optional unit token, and the bulletin year's figure is written only
when the years increase, the bulletin's year is a column, the row has one figure per year and
no two figures could be one number printed with a space (:func:`year_column`); otherwise it
goes to review with the reason. Prose and the cell-by-cell table reader skip the lines so read.

Text layers:

``original``
    the decoded file (UTF-8 or GB18030, as ingestion decodes CSVs); spans refer to it. For a
    PDF, its text layer as pypdf lays it out (:func:`pdf_pages`; a scan without text is an
    error), pages joined by newlines; spans refer to the page's text and name the page.
``plain``
    the original, or for HTML its text (``html.parser``): table cells separated by ``' | '``,
    rows and block elements by newlines, scripts and styles dropped, ``<sup>`` text as footnote
    marks. Every plain character keeps the offset of the original character it came from.
``normalised``
    plain text with full-width forms folded (NFKC), Traditional variants of the indicator
    words mapped to Simplified (:data:`countysurv.indicators.TRADITIONAL`), footnote marks
    (``①``, ``¹``) turned into ``※`` and whitespace removed (a run of spaces between figures, a
    tab or a run of two or more spaces becomes a cell separator ``|``). Every normalised
    character keeps its plain offset.

The indicator wording written to ``indicator`` is accepted by
:func:`countysurv.indicators.canonical_indicator`. Resident population (常住人口) is not a
canonical indicator (``indicators.py``; the study's population is the registered 户籍 one) and
its figures are found the same way but always go to review, with their value, as ``not a
canonical indicator``.

This module uses only the standard library (and pypdf, imported only for a PDF): it runs once
per county.
"""

from __future__ import annotations

import html
import logging
import re
import unicodedata
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Callable, Iterable

from .bulletins import decode_bytes
from .errors import InputDataError
from .indicators import (CANONICAL, TRADITIONAL, agree_to_printed_precision, canonical_indicator,
                         unit_factor)
from .io import write_rows_csv

log = logging.getLogger(__name__)

#: Columns of the extracted raw CSV (the raw bulletin format of README "Using real bulletins")
#: and of the review list (plus ``reason``).
RECORD_COLUMNS = ("county_code", "county_name", "year", "indicator", "value", "unit", "source",
                  "note")
REVIEW_COLUMNS = RECORD_COLUMNS + ("reason",)

#: Bulletin text files: ``<year>.txt``, ``<year>.html`` (also ``.htm``) or ``<year>.pdf``.
TEXT_SUFFIXES = (".txt", ".html", ".htm", ".pdf")

# --- text normalisation ----------------------------------------------------------------------


#: Footnote marks that NFKC would turn into digits (``①`` → ``1``, ``¹`` → ``1``): read as ``※``.
_FOOTNOTE_CHARS = set("⁰¹²³⁴⁵⁶⁷⁸⁹") | {chr(c) for c in range(0x2460, 0x2474)} | {
    chr(c) for c in range(0x2776, 0x2794)} | {"*", "※", "△", "▲", "#"}
FOOTNOTE = "※"
CELL = "|"
#: Pinyin glosses in parentheses right after a Chinese character: ``產(chǎn)``, ``省(sheng)(sheng)``.
_PINYIN_GLOSS = re.compile(
    r"(?<=[\u4e00-\u9fff])(?:[(（][a-zāáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜ]{1,6}[)）])+")


@dataclass
class Layer:
    """A text and, for each of its characters, the offset of the character it came from."""

    text: str
    origin: list[int]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The ``[start, end)`` span in the parent layer of this layer's ``[start, end)``."""
        return self.origin[start], self.origin[end - 1] + 1


def _fold_char(ch: str) -> str:
    """One plain character as matched: footnote mark, NFKC form, Simplified variant."""
    if ch in _FOOTNOTE_CHARS:
        return FOOTNOTE
    if ch in "，、":  # kept (NFKC would make "，" a plain comma, i.e. a thousands separator)
        return ch
    return unicodedata.normalize("NFKC", ch.translate(TRADITIONAL)).translate(TRADITIONAL)


def normalise(plain: str) -> Layer:
    """Fold one text for matching, keeping each character's offset in ``plain``.

    Full-width digits and punctuation become ASCII (``２４．４４`` → ``24.44``, ``（`` → ``(``),
    except the ideographic comma ``，`` and ``、`` (prose punctuation, never a thousands
    separator here unless between digit groups: see :data:`NUMBER`). Zero-width characters go.
    Whitespace goes, except that inside a line a tab, a run of two or more spaces, or a space
    between two digits separates cells (``|``), and newlines stay (they separate table rows and
    clauses). Pinyin glosses that some mirror sites print after characters (``總(zǒng)``) go.
    """
    out: list[str] = []
    origin: list[int] = []
    glosses = {m.start(): m.end() for m in _PINYIN_GLOSS.finditer(plain)}
    i, n = 0, len(plain)
    while i < n:
        if i in glosses:
            i = glosses[i]
            continue
        ch = plain[i]
        if ch == "\n":
            out.append("\n")
            origin.append(i)
            i += 1
            continue
        if ch.isspace():
            j = i
            while j < n and plain[j].isspace() and plain[j] != "\n":
                j += 1
            run = plain[i:j]
            prev = out[-1] if out else "\n"
            nxt = plain[j] if j < n else "\n"
            if prev in ("\n", CELL) or nxt in ("\n", CELL, "|"):
                pass  # at a line's edge or beside a cell separator: nothing
            elif "\t" in run or len(run) >= 2 or (prev.isdigit() and nxt.isdigit()):
                out.append(CELL)
                origin.append(i)
            i = j
            continue
        if ch in "\u200b\u200c\u200d\u2060\ufeff\xad":
            i += 1
            continue
        for folded in _fold_char(ch):
            out.append(folded)
            origin.append(i)
        i += 1
    return Layer("".join(out), origin)


# --- HTML to text --------------------------------------------------------------------------

_BLOCK_TAGS = {"p", "div", "br", "li", "ul", "ol", "table", "tbody", "thead", "tfoot", "tr",
               "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "header", "footer",
               "blockquote", "pre", "hr", "caption", "dd", "dt", "dl", "title", "center"}
_SKIP_TAGS = {"script", "style", "noscript", "template", "head"}


class _TextParser(HTMLParser):
    """HTML → text with the original offset of every character (see :func:`html_to_text`)."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=False)
        self._line_starts = [0] + [m.end() for m in re.finditer(r"\n", source)]
        self.chars: list[str] = []
        self.origin: list[int] = []
        self._skip = 0
        self._sup = 0
        self._cells_in_row = 0
        self._in_cell = 0

    def _offset(self) -> int:
        line, col = self.getpos()
        return self._line_starts[line - 1] + col

    def _emit(self, text: str, offset: int, step: bool) -> None:
        if self._skip:
            return
        for k, ch in enumerate(text):
            if self._sup and not ch.isspace():
                ch = FOOTNOTE
            elif ch.isspace() and step:
                ch = " "  # HTML whitespace, line breaks included, is one space
            self.chars.append(ch)
            self.origin.append(offset + k if step else offset)

    def _newline(self) -> None:
        if self._in_cell:
            self._emit(" ", self._offset(), False)  # a paragraph inside a table cell
        elif self.chars and self.chars[-1] != "\n":
            self._emit("\n", self._offset(), False)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag == "sup":
            self._sup += 1
        elif tag == "tr":
            self._in_cell = 0
            self._newline()
            self._cells_in_row = 0
        elif tag in ("td", "th"):
            if self._cells_in_row:
                self._emit(" | ", self._offset(), False)
            self._cells_in_row += 1
            self._in_cell += 1
        elif tag in _BLOCK_TAGS:
            self._newline()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "hr"):
            self._newline()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag == "sup":
            self._sup = max(0, self._sup - 1)
        elif tag in ("td", "th"):
            self._in_cell = max(0, self._in_cell - 1)
        elif tag in _BLOCK_TAGS:
            if tag in ("tr", "table"):
                self._in_cell = 0
            self._newline()

    def handle_data(self, data: str) -> None:
        if data.isspace() and (not self.chars or self.chars[-1] in "\n |"):
            return  # layout whitespace between tags
        self._emit(data, self._offset(), True)

    def handle_entityref(self, name: str) -> None:
        self._emit(html.unescape(f"&{name};"), self._offset(), False)

    def handle_charref(self, name: str) -> None:
        self._emit(html.unescape(f"&#{name};"), self._offset(), False)


def html_to_text(source: str) -> Layer:
    """Reduce an HTML page to text; each character keeps its offset in ``source``.

    Table cells are joined by ``' | '`` and each row is a line, so a flattened table reads
    ``地区生产总值 | 153.1 | 8.1``; block elements end lines; ``<script>``, ``<style>`` and
    ``<head>`` are dropped; text in ``<sup>`` becomes footnote marks (``※``).
    """
    parser = _TextParser(source)
    parser.feed(source)
    parser.close()
    return Layer("".join(parser.chars), parser.origin)


def is_html(text: str, path: str | Path = "") -> bool:
    """Whether a bulletin file is HTML: by its suffix, or a text that opens with a tag."""
    if str(path).lower().endswith((".html", ".htm")):
        return True
    return bool(re.match(r"\s*<(!doctype|html|head|body|meta|div|p|table)\b", text, re.I))


# --- indicators ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """One indicator the extractor looks for.

    ``key``: canonical indicator name (``indicators.py``), or a name of its own for an indicator
    that is not canonical (``canonical`` false: its figures go to review). ``wording``: the
    Chinese wording written in the ``indicator`` column. ``pattern``: regular expression of its
    wordings in normalised text. ``kind``: ``money``, ``persons``, ``power`` or ``per_capita``.
    ``bare``: a shorter wording (``第一产业``) read only in a sentence or table about value added.
    """

    key: str
    wording: str
    pattern: str
    kind: str
    canonical: bool = True
    bare: str = ""


_AGRI = "农、?林、?牧、?渔、?"
TARGETS: tuple[Target, ...] = (
    Target("gdp_per_capita", "人均地区生产总值", r"人均(?:地区)?生产总值|人均GDP", "per_capita"),
    Target("gdp", "地区生产总值", r"地区生产总值|(?<![国内均业济])生产总值|(?<![A-Za-z均])GDP(?![A-Za-z])", "money"),
    Target("va_primary", "第一产业增加值", r"第一产业(?:完成|实现)?增加值", "money",
           bare=r"第一产业"),
    Target("va_secondary", "第二产业增加值", r"第二产业(?:完成|实现)?增加值", "money",
           bare=r"第二产业"),
    Target("va_tertiary", "第三产业增加值", r"第三产业(?:完成|实现)?增加值", "money",
           bare=r"第三产业"),
    Target("resident_population", "常住人口", r"(?<![城镇乡村])常住(?:总)?人口", "persons",
           canonical=False),
    Target("population", "年末户籍人口", r"(?<![城镇乡村业市])户籍(?:总)?人口|(?<![住村镇])总人口",
           "persons"),
    Target("rural_population", "乡村人口",
           r"乡村(?:属性|户籍|常住)?人口|农村(?:户籍|常住)?人口|(?<![非])农业人口", "persons"),
    Target("agri_machinery_power", "农业机械总动力", r"农业机械总动力|农机总动力", "power"),
    Target("agri_output", "农林牧渔业总产值",
           _AGRI + r"(?:业|业?及其?(?:" + _AGRI + r")?服务业)?(?:完成|实现)?总产值",
           "money"),
    Target("agri_services_output", "农林牧渔专业及辅助性活动产值",
           _AGRI + r"业?(?:服务业|专业及辅助性活动)(?:完成|实现)?(?:总)?产值", "money"),
    Target("rural_income", "农村常住居民人均可支配收入",
           r"农村(?:常住)?居民(?:人均)?可支配收入|农民人均可支配收入", "per_capita"),
)
TARGET = {t.key: t for t in TARGETS}
#: The review reason of a figure read unambiguously for an indicator that is not canonical.
NOT_CANONICAL = "not a canonical indicator"

#: The canonical wording of every canonical target maps back to it, and a target that is not
#: canonical is no indicator of ``indicators.py`` (checked on import).
for _t in TARGETS:
    if _t.canonical and canonical_indicator(_t.wording) != _t.key:
        raise RuntimeError(f"extract target {_t.key}: wording {_t.wording} is not canonical")
    if not _t.canonical and _t.key in CANONICAL:
        raise RuntimeError(f"extract target {_t.key} is a canonical indicator (indicators.py) "
                           "but sends its figures to review")

UNITS = {
    "money": ("亿元", "万元", "元"),
    "persons": ("万人", "人"),
    "power": ("万千瓦", "千瓦"),
    "per_capita": ("元",),
}
#: Units recognised after a number (longest first); any other word there is not a unit.
_ANY_UNIT = re.compile(r"亿元|万元|元/人|元|万人|人|万千瓦时|千瓦时|万千瓦|千瓦|万瓦|瓦|%|‰|"
                       r"万户|户|公顷|万亩|亩|吨|万吨|个|亿|万|千")

#: A number as printed: thousands separators in groups of three (``,`` or ``，``), decimals.
NUMBER = re.compile(r"(?<![\d.])(\d{1,3}(?:[,，]\d{3})+|\d+)(?:\.(\d+))?(?![\d])")

@dataclass
class Finding:
    """A figure tied to an indicator: written when ``reason`` is empty, else reviewed.

    ``value`` and ``unit`` are as printed (a per-capita figure in 万元 is turned into 元);
    ``raw`` is the printed number without thousands separators; ``decimals`` its printed
    decimals (negative after such a conversion); ``start``/``end`` the span in the original text.
    """

    key: str
    value: float
    raw: str
    unit: str
    decimals: int
    start: int
    end: int
    note: str
    reason: str = ""
    #: The wording says the figure is on the resident (常住) basis (``乡村常住人口``).
    resident_basis: bool = False

    @property
    def canonical_value(self) -> float:
        """The value in the indicator's canonical unit."""
        return self.value * (_unit_factor(self.key, self.unit) or float("nan"))

    @property
    def resolution(self) -> float:
        """Half a unit of the last printed digit, in the canonical unit: as
        :func:`countysurv.indicators.half_unit`, but of the digit as printed also for a
        per-capita figure printed in 万元 (``1.12`` 万元 → 50 元, not the 0.5 元 of ``11200``)."""
        return 0.5 * 10.0 ** (-self.decimals) * (_unit_factor(self.key, self.unit) or 1.0)


def _unit_factor(key: str, unit: str) -> float | None:
    if TARGET[key].canonical:
        return unit_factor(key, unit)
    return {"元": 1.0, "万元": 1e4, "亿元": 1e8, "人": 1.0, "万人": 1e4}.get(unit)


@dataclass
class Extraction:
    """What bulletin files yield: written records and review candidates (rows as dicts)."""

    records: list[dict[str, object]] = field(default_factory=list)
    review: list[dict[str, object]] = field(default_factory=list)


_KEYWORDS = re.compile("|".join(f"(?P<{t.key}>{t.pattern})" for t in TARGETS))
_BARE = re.compile("|".join(f"(?P<{t.key}>{t.bare})" for t in TARGETS if t.bare))


#: What may stand between an indicator's wording and its number in prose.
_FILLER = re.compile(
    r"(?::|\((?:GDP|gdp)\)|※|\[\d{1,2}\]|〔\d{1,2}〕|\(注\d{0,2}\)|全年|年末|总量|总额|合计|共计|"
    r"共有|共|完成|实现|达到|达|为|是|约|初步核算|预计|\(现价\)|\(按现价计算\)|按现价计算|"
    r"已|累计)*")
#: Words between GDP's wording and its figure read by :meth:`_Reader._gdp_after_words`: a
#: parenthesis without digits (``（GDP，当年价）``), or up to 16 characters without a digit or a
#: clause end that end in a verb of attainment (``突破千亿大关，实现``); then filler.
_GDP_WORDS = re.compile(r"\([^()\d。;!?\n|]{1,12}\)|[^\d。;!?\n|]{1,16}?(?:实现|完成|达到|达|为)")
#: Words in that gap that make the following figure something else than the year's GDP.
_NOT_GDP_LEVEL = re.compile(r"增|减|比|较|占|均|变价|可比|不变|上年|去年|同期|季|半年|月|力争|目标|"
                            r"计划|规划|预期|预计|翻|倍|差|距|排|位|名|第|中|其|产业|增加值|"
                            r"元|%")
#: "第一、二、三产业增加值分别为 a、b、c" and "三次产业增加值分别为 ...": three figures in order.
_SECTORS_RESPECTIVELY = re.compile(
    r"(?:第一、(?:第)?二、(?:第)?三产业|三次产业)(?:增加值)?(?:分别)(?:为|完成|实现|达到|是)?")
_SECTOR_KEYS = ("va_primary", "va_secondary", "va_tertiary")

#: Words in the clause before a wording that make a figure not the year's level.
_PERIOD = re.compile(r"\d{1,2}[-—~至到]\d{1,2}月|[一二三四1-4]季度|上半年|下半年|\d{1,2}月份")
_FULL_YEAR = re.compile(r"^1[-—~至到]12月$")
PART_YEAR = "a figure for part of the year"
_PLAN = re.compile(r"力争|目标|计划|规划|预期")
_YEAR = re.compile(r"((?:19|20)\d{2})年")
_ANNUAL = re.compile(r"全年|年末|年底")
#: A bare sector (``第二产业 12亿元``) is read only in a sentence about value added or GDP ...
_VALUE_ADDED = re.compile(r"增加值|生产总值|GDP|分产业看|按产业分")
#: ... without words showing it is not value added.
_NOT_VALUE_ADDED = re.compile(r"投资|贷款|用电|从业|就业|税|利润|营业|收入|存款|人员|单位")
#: Words in a table header that mark a column as a rate or share rather than a level.
_RATE_HEADER = re.compile(r"增长|增速|增幅|%|比重|占|构成|结构|率|百分点|比上年|±|增减")
_CONSTANT_HEADER = re.compile(r"不变价|可比价")
_UNIT_WORD = r"亿元|万元|元/人|元|万人|人|万千瓦|千瓦|万瓦"
_UNIT_LINE = re.compile(rf"单位:?({_UNIT_WORD}|%)")
_UNIT_IN_PARENS = re.compile(rf"\(({_UNIT_WORD})\)")
_LABEL_PREFIX = re.compile(r"^(?:其中|#|全县|全年|年末|[一二三四五六七八九十]+、|\d{1,2}[.、])+:?")
_CLAUSE_END = "。;!?\n"
#: A wording ending in a place below the county: the figure is that place's.
_PART_OF_AREA = re.compile(r"(?<!全)(?:乡|镇|街道|园区|开发区|经济区|示范区|新区)$")
#: Aggregates whose sector breakdown bulletins also print (not the county's GDP).
_OTHER_AGGREGATE = re.compile(r"非公有制经济|非公经济|民营经济")


def _clause_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The clause around ``[start, end)``: from after the last ``。;!?`` or newline to the next."""
    left = max(text.rfind(c, 0, start) for c in _CLAUSE_END) + 1
    rights = [text.find(c, end) for c in _CLAUSE_END]
    right = min([r for r in rights if r >= 0] or [len(text)])
    return left, right


def _context_reason(prefix: str, year: int) -> str:
    """Why the clause before an indicator's wording makes its figure not the year's level.

    A period (``1-9月``, ``一季度``, ``上半年``), a plan word (``力争``, ``目标``) or a year other
    than the bulletin's (``2014年``, unless it is compared with: ``比2014年``, ``与2014年相比``)
    counts when no other figure (years aside) and no ``全年``/``年末`` stands between it and the
    wording.
    """
    for pattern, what in ((_PERIOD, PART_YEAR), (_PLAN, "a plan or target")):
        for m in pattern.finditer(prefix):
            between = _YEAR.sub("", prefix[m.end():])
            if _FULL_YEAR.match(m.group(0)) or re.search(r"\d", between) or _ANNUAL.search(between):
                continue
            return f"{what} ({m.group(0)})"
    for m in _YEAR.finditer(prefix):
        if int(m.group(1)) == year:
            continue
        before = prefix[max(0, m.start() - 1):m.start()]
        after = prefix[m.end():m.end() + 3]
        if re.search(r"[比较与同自从于]$", before) or re.match(r"相比|以来|基础|同期", after):
            continue
        if re.search(r"\d", prefix[m.end():]):
            continue
        return f"a figure of another year ({m.group(1)})"
    return ""


def _label_core(cell: str) -> str:
    """A label cell without ``其中：``, numbering, footnote marks and parentheses."""
    core = _LABEL_PREFIX.sub("", cell.replace(FOOTNOTE, ""))
    return re.sub(r"\([^()]*\)|\[\d+\]", "", core)


def _label_key(cell: str, gdp_table: bool, population_table: bool = False
               ) -> tuple[str | None, str]:
    """The target a table row's label cell names, and the unit the label states (or ``""``).

    The label may carry ``其中：``, ``#``, a numbering, footnote marks and a unit in parentheses
    (``地区生产总值（万元）``). A bare sector (``第一产业``) counts only in a table about GDP, a
    bare ``乡村`` as rural population only in a population table (:func:`_is_population_table`).
    """
    unit = _UNIT_IN_PARENS.search(_LABEL_PREFIX.sub("", cell.replace(FOOTNOTE, "")))
    core = _label_core(cell)
    match = _KEYWORDS.fullmatch(core) or (_BARE.fullmatch(core) if gdp_table else None)
    key = match.lastgroup if match else None
    if key is None and population_table and core == "乡村":
        key = "rural_population"
    return key, (unit.group(1) if unit else "")


def _is_population_table(title_and_head: str, labels: list[str]) -> bool:
    """Whether a table splits the population into 城镇 and 乡村 rows (``其中：城镇 | 乡村``).

    Its title or header names 人口 and no employment, income or spending; exactly one row is
    labelled bare ``城镇`` and exactly one bare ``乡村`` (that row is then the rural population,
    on whatever basis the table gives, as ``乡村人口`` is read).
    """
    return bool(re.search("人口", title_and_head)) and \
        not re.search(r"就业|从业|劳动|收入|消费|支出|户数", title_and_head) and \
        labels.count("城镇") == 1 and labels.count("乡村") == 1


def _cells(line: str) -> list[tuple[int, str]]:
    """The cells of a table line (empty ones too), each with its offset in the line."""
    cells = []
    pos = 0
    for part in line.split(CELL):
        cells.append((pos, part))
        pos += len(part) + 1
    return cells


def _value_cell(cell: str) -> tuple[re.Match[str], str] | None:
    """A cell holding a number and optionally its unit: ``(number match, unit)``, else None."""
    number = NUMBER.match(cell)
    if number is None:
        return None
    rest = cell[number.end():]
    if rest == "" or rest in UNITS["money"] + UNITS["persons"] + UNITS["power"] + ("%",):
        return number, rest
    return None


def _is_year(cell: str) -> bool:
    return bool(re.fullmatch(r"(?:19|20)\d{2}年?", cell))


# --- tables with years as columns: tokens split at single spaces ----------------------------

@dataclass(frozen=True)
class Token:
    """A piece of a normalised line between cell separators and dropped spaces.

    ``start``/``end``: normalised offsets. ``spaced``: the token is separated from the one
    before it by one whitespace character other than a tab (a ``|`` that was one space, or a
    dropped space, ideographic space included), the separator that tells no cell apart from a
    word break and may also stand inside a number printed with spaces (``12 130``).
    """

    start: int
    end: int
    text: str
    spaced: bool


def line_tokens(norm: Layer, plain: str, start: int, end: int) -> list[Token]:
    """The tokens of the normalised line ``[start, end)``: its cells split where spaces went.

    :func:`normalise` drops a single space between words and turns one between digits into
    ``|``; the plain text (``plain``, whose offsets ``norm.origin`` holds) shows where each was,
    so ``项目 单位 2016年 2017年`` (normalised ``项目单位2016年2017年``) gives four tokens.
    """
    text, origin = norm.text, norm.origin
    tokens: list[Token] = []
    begin, spaced = start, False
    for i in range(start, end + 1):
        if i < end and text[i] == CELL:
            if i > begin:
                tokens.append(Token(begin, i, text[begin:i], spaced))
            p = origin[i]
            spaced = plain[p].isspace() and plain[p] != "\t" and \
                not plain[p + 1:p + 2].isspace() and i > begin
            begin = i + 1
        elif i == end or (i > begin and any(c.isspace() for c in
                                            plain[origin[i - 1] + 1:origin[i]])):
            if i > begin:
                tokens.append(Token(begin, i, text[begin:i], spaced))
            if i < end:
                gap = [c for c in plain[origin[i - 1] + 1:origin[i]] if c.isspace()]
                spaced, begin = len(gap) == 1 and gap != ["\t"], i
    return tokens


#: A year column's header: ``2016年``, or ``2016`` in a header naming its columns (项目, 指标).
_YEAR_HEAD = re.compile(r"((?:19|20)\d{2})(年)?")
_HEADER_WORDS = re.compile(r"项目|指标|名称|单位|年份|^[项目名称]$")
#: A header token naming the column of units (``单位``, ``计量单位``).
_UNIT_COLUMN = re.compile(r"(?:计量)?单位")
#: A unit token before a row's figures (``亿元``, ``万人``, ``(%)``).
_UNIT_TOKEN = re.compile(rf"\(?({_ANY_UNIT.pattern})\)?")
#: A cell printed for no figure.
_NO_FIGURE = re.compile(r"[-—–/…]{1,3}")


def year_header(tokens: list[Token]) -> list[int] | None:
    """The years of a header row whose last columns are years spaced by single spaces.

    ``项目 单位 2016年 2017年 2018年`` gives ``[2016, 2017, 2018]``: at least two year tokens
    end the line, no token before them holds a digit, the years carry 年 (or the tokens before
    them are header words such as 项目 or 指标, or there are none), and at least one year is
    separated from the one before by a single space (:attr:`Token.spaced`). A header whose years are all separated by
    tabs, wide spaces or ``|`` is not one: such a table is read cell by cell (``_Reader._table``).
    """
    run: list[Token] = []
    for tok in reversed(tokens):
        if not _YEAR_HEAD.fullmatch(tok.text):
            break
        run.insert(0, tok)
    lead = tokens[:len(tokens) - len(run)]
    if len(run) < 2 or any(re.search(r"\d", t.text) for t in lead):
        return None
    if not all(t.text.endswith("年") for t in run) and lead and \
            not any(_HEADER_WORDS.search(t.text) for t in lead):
        return None
    if not any(t.spaced for t in run[1:]):
        return None
    return [int(t.text[:4]) for t in run]


def is_figure_token(text: str) -> bool:
    """A row's figure: a number (signed, with an optional unit) or a dash for no figure."""
    return bool(_NO_FIGURE.fullmatch(text)) or _value_cell(text.removeprefix("-")) is not None


def year_column(years: list[int], year: int, figures: list[Token]) -> tuple[int, str]:
    """Which of a row's figures is the bulletin year's, and why it is uncertain (or ``""``).

    The figures are aligned with the header's years from the right (the years are the last
    columns). The column is certain only when the years increase, the bulletin's year is one of
    them, the row has one figure per year, and no two figures separated by a single space could
    be one number printed with a space between digit groups (``12 130``). Otherwise the reason
    says which, and the index is the figure the alignment from the right points to (for a table
    without the bulletin's year, the figure of the nearest earlier year, else the first).
    """
    n, k = len(years), len(figures)
    span = f"{years[0]}–{years[-1]}"

    def from_right(j: int) -> int:
        return min(max(k - (n - j), 0), k - 1)

    if any(b <= a for a, b in zip(years, years[1:])):
        j = years.index(year) if year in years else n - 1
        return from_right(j), (f"table columns not identified (the header's years "
                               f"{', '.join(map(str, years))} do not increase)")
    if year not in years:
        j = max((i for i, y in enumerate(years) if y < year), default=0)
        return from_right(j), (f"a figure of another year ({years[j]}); the table's year "
                               f"columns ({span}) do not include {year}")
    j = years.index(year)
    if k != n:
        return from_right(j), (f"table columns not identified (a row of {k} figures under "
                               f"{n} year columns {span})")
    for a, b in zip(figures, figures[1:]):
        if b.spaced and re.fullmatch(r"-?\d{1,3}", a.text) and \
                re.fullmatch(r"\d{3}(?:\.\d+)?", b.text):
            return j, (f"table columns not identified (single spaces between figures could "
                       f"split a number: {a.text} {b.text})")
    return j, ""


class _Reader:
    """Finds the figures of one normalised text (see :func:`extract_text`)."""

    def __init__(self, norm: Layer, plain: Layer, year: int) -> None:
        self.norm = norm
        self.plain = plain
        self.year = year
        self.text = norm.text
        self.findings: list[Finding] = []
        #: Starts of the lines read by :meth:`year_tables` (the other readers skip them).
        self.claimed: set[int] = set()

    def note(self, start: int, end: int) -> str:
        """The clause around ``[start, end)`` (normalised offsets), as plain text."""
        left, right = _clause_bounds(self.text, start, end)
        p0, p1 = self.norm.span(left, max(right, end))
        return re.sub(r"\s+", " ", self.plain.text[p0:p1]).strip()[:300]

    def add(self, key: str, number: re.Match[str], unit: str, start: int, end: int,
            reason: str, note: str | None = None) -> None:
        """Record one figure (normalised span ``[start, end)``), written unless ``reason``."""
        raw = re.sub("[,，]", "", number.group(1))
        decimals = len(number.group(2) or "")
        if number.group(2):
            raw += "." + number.group(2)
        value = float(raw)
        target = TARGET[key]
        if not reason and unit not in UNITS[target.kind]:
            if target.kind == "per_capita" and unit == "万元":
                value, decimals = value * 1e4, decimals - 4
                raw, unit = f"{value:.{max(decimals, 0)}f}", "元"
            elif target.kind == "per_capita" and unit == "元/人":
                unit = "元"
            elif not unit:
                reason = "no unit stated for the figure"
            elif unit == "元/人":
                reason = f"a per-capita figure ({unit}) where a total is wanted"
            else:
                reason = f"unit {unit!r} not accepted for {target.wording}"
        p0, p1 = self.norm.span(start, end)
        o0, o1 = self.plain.span(p0, p1)
        resident = key == "rural_population" and "常住" in self.text[start:number.start()]
        self.findings.append(Finding(key, value, raw, unit, decimals, o0, o1,
                                     note if note is not None else self.note(start, end), reason,
                                     resident))

    # prose: wording, filler, number, unit
    def prose(self) -> None:
        """Read every wording outside table labels, and bare sectors in value-added sentences."""
        text = self.text
        for match in _KEYWORDS.finditer(text):
            if self._in_label(match.start()):
                continue  # a table row's label: read by tables()
            self._prose_at(match.lastgroup or "", match.start(), match.end())
        for match in _BARE.finditer(text):
            if _KEYWORDS.match(text, match.start()) or self._in_label(match.start()):
                continue
            left, right = _clause_bounds(text, match.start(), match.end())
            sentence = text[max(text.rfind(c, 0, match.start()) for c in "。\n") + 1:right]
            if CELL in text[left:right] or not _VALUE_ADDED.search(sentence) or \
                    _NOT_VALUE_ADDED.search(sentence):
                continue
            self._prose_at(match.lastgroup or "", match.start(), match.end())
        for match in _SECTORS_RESPECTIVELY.finditer(text):
            if text.rfind("\n", 0, match.start()) + 1 not in self.claimed:
                self._respectively(match.start(), match.end())

    def _in_label(self, pos: int) -> bool:
        """Whether ``pos`` is in a table row's label cell, or on a line :meth:`year_tables` read."""
        text = self.text
        line_start = text.rfind("\n", 0, pos) + 1
        if line_start in self.claimed:
            return True
        line_end = text.find("\n", pos)
        line = text[line_start:line_end if line_end >= 0 else len(text)]
        if CELL not in line:
            return False
        for off, cell in _cells(line):
            if off <= pos - line_start < off + len(cell):
                return _label_key(cell, True)[0] is not None
        return False

    def _figure_after(self, pos: int) -> tuple[re.Match[str], str, int] | None:
        """The number and unit at ``pos``: ``(number, unit, end)``, or None for no level there.

        Rates (``%``), ratios (``25.7:26.8``) and energy (``千瓦时``) are no levels; a money
        unit followed by ``/人`` is read as ``元/人`` (per capita).
        """
        text = self.text
        number = NUMBER.match(text, pos)
        if number is None:
            return None
        unit_match = _ANY_UNIT.match(text, number.end())
        unit = unit_match.group(0) if unit_match else ""
        end = number.end() + len(unit)
        if unit in ("%", "‰", "千瓦时", "万千瓦时") or re.match(r":\d", text[number.end():]):
            return None
        if unit in UNITS["money"] and text.startswith("/人", end):
            unit, end = "元/人", end + 2
        return number, unit, end

    def _prose_at(self, key: str, kw_start: int, kw_end: int) -> None:
        gap = _FILLER.match(self.text, kw_end)
        assert gap is not None
        figure = self._figure_after(gap.end())
        if figure is None and key == "gdp":
            figure = self._gdp_after_words(gap.end())
        if figure is None:
            return
        number, unit, end = figure
        left, _ = _clause_bounds(self.text, kw_start, kw_end)
        prefix = self.text[left:kw_start]
        reason = _context_reason(prefix, self.year)
        segment = re.split(r"[,，]", prefix)[-1]
        if not reason and TARGET[key].kind != "per_capita" and re.search(r"人均|户均|平均|每",
                                                                         segment):
            reason = "a per-capita figure where a total is wanted"
        if not reason and (_PART_OF_AREA.search(prefix) or "分区域" in prefix):
            reason = "a figure of a part of the county"
        if not reason and key in _SECTOR_KEYS:
            reason = self._other_aggregate(left, prefix)
        self.add(key, number, unit, kw_start, end, reason)

    def _gdp_after_words(self, pos: int) -> tuple[re.Match[str], str, int] | None:
        """GDP's figure after words that are not filler, or None (see :data:`_GDP_WORDS`).

        ``地区生产总值（GDP，当年价）100.48亿元`` and ``地区生产总值突破千亿大关，实现1027.8亿元``:
        the words hold no digit (so the figure is the first number after the wording), name no
        other indicator, and say nothing of growth, shares, other periods, plans or prices.
        """
        words = _GDP_WORDS.match(self.text, pos)
        if words is None:
            return None
        gap = self.text[pos:words.end()]
        if _NOT_GDP_LEVEL.search(gap) or _KEYWORDS.search(re.sub(r"\((?:GDP|gdp)", "", gap)) \
                or _BARE.search(gap):
            return None
        filler = _FILLER.match(self.text, words.end())
        assert filler is not None  # the filler pattern matches the empty string
        return self._figure_after(filler.end())

    def _other_aggregate(self, clause_start: int, prefix: str) -> str:
        """Why sectors in this sentence break down another aggregate than GDP, or ``""``.

        ``非公有制经济增加值357.64亿元……。其中，第一产业增加值37.33亿元`` gives the
        non-public economy's sectors, not the county's: the sentence (or the one before, when
        this one opens with 其中) names such an aggregate.
        """
        text = self.text
        start = max(text.rfind(c, 0, clause_start) for c in "。\n") + 1
        context = text[start:clause_start] + prefix
        if context.startswith("其中"):
            before = max(text.rfind(c, 0, start - 1) for c in "。\n") + 1
            context = text[before:start] + context
        match = _OTHER_AGGREGATE.search(context)
        return f"a part of another aggregate ({match.group(0)})" if match else ""

    def _respectively(self, kw_start: int, kw_end: int) -> None:
        """Three sector figures listed in order after ``…分别为``, separated by ``、``, ``,`` or 和."""
        pos = kw_end
        prefix = self.text[_clause_bounds(self.text, kw_start, kw_end)[0]:kw_start]
        reason = _context_reason(prefix, self.year)
        for i, key in enumerate(_SECTOR_KEYS):
            if i:
                sep = re.compile(r"、|,|，|和|及").match(self.text, pos)
                if sep is None:
                    return
                pos = sep.end()
            figure = self._figure_after(pos)
            if figure is None:
                return
            number, unit, end = figure
            self.add(key, number, unit, kw_start if i == 0 else pos, end, reason,
                     note=self.note(kw_start, end))
            pos = end

    # tables: rows of cells separated by '|'
    def tables(self) -> None:
        """Read every block of consecutive lines with cells as one table."""
        block: list[tuple[int, str]] = []
        pos = previous_end = 0
        for line in self.text.split("\n") + [""]:
            if CELL in line and line.strip(CELL) and pos not in self.claimed:
                block.append((pos, line))
            elif block:
                self._table(block, max(previous_end, block[0][0] - 200))
                if len(block) > 1:  # a table (one line with wide spaces is a title)
                    previous_end = pos
                block = []
            if pos in self.claimed:  # a year-column table is no title of the next table
                previous_end = pos + len(line) + 1
            pos += len(line) + 1

    def _table(self, rows: list[tuple[int, str]], context_start: int) -> None:
        """Read one table; ``[context_start, first row)`` holds its title and unit line."""
        start = rows[0][0]
        before = self.text[context_start:start]
        head_rows = [[c for _, c in _cells(line)] for _, line in rows]
        head_rows = [r for r in head_rows if not any(_value_cell(c) and not _is_year(c)
                                                     for c in r[1:])]
        head_text = "".join("".join(r) for r in head_rows)
        header: list[str] | None = None
        unit_lines = _UNIT_LINE.findall(before + head_text)
        unit_line = unit_lines[-1] if unit_lines else ""
        gdp_table = bool(re.search(r"生产总值|增加值", before + head_text))
        title = before.rstrip("\n").split("\n")[-1]
        labels = [_label_core(next((c for _, c in _cells(line) if c), "")) for _, line in rows]
        heading = "\n".join(before.rstrip("\n").split("\n")[-2:])  # title and unit line
        population_table = _is_population_table(heading + head_text, labels)
        for row_start, line in rows:
            cells = _cells(line)
            if not any(_value_cell(c) and not _is_year(c) for _, c in cells[1:]):
                header = [c for _, c in cells]  # a header row: it heads the rows below it
                continue
            label = next((i for i, (_, c) in enumerate(cells) if c), len(cells))
            if label >= len(cells) - 1:
                continue
            key, unit = _label_key(cells[label][1], gdp_table, population_table)
            if key is None:
                continue
            if header is not None and len(header) == len(cells):
                column, reason = self._column(cells, header, label)
            else:
                column, reason = self._first_value(cells, label), ""
                years = sorted({y for y in re.findall(r"(?:19|20)\d{2}", head_text)
                                if int(y) != self.year})
                if re.search(r"(?<!比)(?:上年|去年)", head_text):
                    years.insert(0, "上年")
                if years:
                    reason = f"table columns not identified (the header names the year {years[0]})"
            if column is None:
                continue
            k, number, cell_unit = column
            if not unit:
                unit = cell_unit or next((c for _, c in cells[1:] if re.fullmatch(
                    _UNIT_WORD, c)), "")
            if not unit and header is not None and len(header) == len(cells):
                head_unit = re.search(_UNIT_WORD, header[k])
                unit = head_unit.group(0) if head_unit else ""
            unit = unit or unit_line
            if unit == "%":
                continue
            reason = reason or _context_reason(title, self.year)
            kw_start = row_start + cells[label][0]
            value_end = row_start + cells[k][0] + number.end()
            self.add(key, number, unit, kw_start, value_end, reason)

    @staticmethod
    def _first_value(cells: list[tuple[int, str]], label: int
                     ) -> tuple[int, re.Match[str], str] | None:
        """Without a header: the first cell after the label (and a unit cell), if a number."""
        for k in range(label + 1, len(cells)):
            if re.fullmatch(_UNIT_WORD, cells[k][1]):
                continue
            value = _value_cell(cells[k][1])
            return (k, value[0], value[1]) if value else None
        return None

    def _column(self, cells: list[tuple[int, str]], header: list[str], label: int
                ) -> tuple[tuple[int, re.Match[str], str] | None, str]:
        """With a header: the first level column of the bulletin's year, current prices first.

        Columns of rates and shares are skipped; a column headed by another year (or 上年) is
        taken, with that reason, only when no column of the bulletin's year is a level.
        """
        chosen: list[tuple[int, re.Match[str], str]] = []
        other_year = ""
        for k in range(label + 1, len(cells)):
            value = _value_cell(cells[k][1])
            head = _UNIT_IN_PARENS.sub("", header[k])
            if value is None or value[1] == "%" or _RATE_HEADER.search(head):
                continue
            years = [int(y) for y in re.findall(r"(?:19|20)\d{2}", head)]
            if (years and self.year not in years) or re.search(r"(?<!比)上年", head):
                other_year = other_year or (str(years[0]) if years else "上年")
                continue
            chosen.append((k, value[0], value[1]))
        current = [c for c in chosen if not _CONSTANT_HEADER.search(header[c[0]])]
        if current or chosen:
            return (current or chosen)[0], ""
        if other_year:
            for k in range(label + 1, len(cells)):
                value = _value_cell(cells[k][1])
                if value and value[1] != "%":
                    return (k, value[0], value[1]), f"a figure of another year ({other_year})"
        return None, ""

    # tables with years as columns, cells split at single spaces
    def year_tables(self) -> None:
        """Read every table under a header of years spaced by single spaces (:func:`year_header`).

        The lines after the header are its rows, up to a blank line or a line that is neither a
        row (tokens ending in figures) nor a short heading without digits (``一、人口``); blank
        lines right after the header are skipped. Every line read is claimed: prose and
        :meth:`tables` skip it.
        """
        text, plain = self.text, self.plain.text
        starts = [0] + [m.end() for m in re.finditer("\n", text)]
        ends = [s - 1 for s in starts[1:]] + [len(text)]
        i = 0
        while i < len(starts):
            years = year_header(line_tokens(self.norm, plain, starts[i], ends[i]))
            if years is None:
                i += 1
                continue
            header = i
            rows: list[list[Token]] = []
            i += 1
            while i < len(starts):
                tokens = line_tokens(self.norm, plain, starts[i], ends[i])
                line = text[starts[i]:ends[i]]
                if not tokens and rows:
                    break
                if tokens and is_figure_token(tokens[-1].text) and len(tokens) > 1:
                    rows.append(tokens)
                elif tokens and (len(line) > 16 or re.search(r"[\d。,，;:]", line)):
                    break
                i += 1
            if rows:
                self.claimed.update(starts[header:i])
                self._year_table(starts[header], ends[header], years, rows)

    def _year_table(self, head_start: int, head_end: int, years: list[int],
                    rows: list[list[Token]]) -> None:
        """Read the rows of one year-column table (see :func:`year_column` for the column).

        A row is its label tokens, an optional unit token (``亿元``, ``(%)``) and its figures
        (the trailing figure tokens). The unit is the row's unit token, else a unit in the
        label's parentheses or after the figure, else, when the header has no unit column, the
        table's ``单位：`` line; a row left without a unit, or stating two different units, goes
        to review. The title's words
        count as for other tables (:func:`_context_reason`), its years of the header's columns
        aside (``2017年-2020年主要指标``).
        """
        text = self.text
        before = text[max(0, head_start - 200):head_start].rstrip("\n").split("\n")[-2:]
        title = before[-1] if before else ""
        head_text = text[head_start:head_end]
        unit_lines = _UNIT_LINE.findall("\n".join(before) + head_text)
        head_tokens = line_tokens(self.norm, self.plain.text, head_start, head_end)
        unit_column = any(_UNIT_COLUMN.fullmatch(t.text) for t in head_tokens)
        table_unit = unit_lines[-1] if unit_lines and not unit_column else ""
        gdp_table = bool(re.search(r"生产总值|增加值", "\n".join(before) + head_text))
        parsed = []
        for tokens in rows:
            n_fig = len(tokens)
            while n_fig > 0 and is_figure_token(tokens[n_fig - 1].text):
                n_fig -= 1
            figures, lead = tokens[n_fig:], tokens[:n_fig]
            unit_token = _UNIT_TOKEN.fullmatch(lead[-1].text) if lead else None
            if unit_token:
                lead = lead[:-1]
            if not lead:
                continue
            label = text[lead[0].start:lead[-1].end].replace(CELL, "")
            parsed.append((lead[0].start, label, unit_token.group(1) if unit_token else "",
                           figures))
        labels = [_label_core(label) for _, label, _, _ in parsed]
        population_table = _is_population_table("\n".join(before) + head_text, labels)
        title = _YEAR.sub(lambda m: "" if int(m.group(1)) in years else m.group(0), title)
        for label_start, label, row_unit, figures in parsed:
            key, label_unit = _label_key(label, gdp_table, population_table)
            if key is None:
                continue
            k, reason = year_column(years, self.year, figures)
            figure = figures[k]
            value = _value_cell(figure.text)  # None for a negative figure or a dash
            if value is None:
                continue
            number, cell_unit = value
            stated = {u for u in (row_unit, label_unit, cell_unit) if u}
            unit = row_unit or label_unit or cell_unit or table_unit
            if unit == "%" or "%" in stated:
                continue
            if len(stated) > 1:
                reason = reason or f"units disagree ({', '.join(sorted(stated))})"
            reason = reason or _context_reason(title, self.year)
            self.add(key, number, unit, label_start, figure.start + number.end(), reason)

    def run(self) -> list[Finding]:
        """All figures: year-column tables, prose, then tables; see :func:`_part_year_text`."""
        self.year_tables()
        self.prose()
        self.tables()
        reason = _part_year_text(self.findings)
        if reason:
            self.findings = [f if f.reason or _ANNUAL.search(f.note) else replace(f, reason=reason)
                             for f in self.findings]
        return self.findings


def _part_year_text(findings: list[Finding]) -> str:
    """Why a whole text reports part of a year, or ``""``.

    A quarterly or monthly report states its GDP as ``一季度，全县实现地区生产总值…`` and then
    its other figures without repeating the period (``其中，第一产业增加值…``). When every GDP
    figure of a text is marked as part of the year and none is not, every figure of the text is
    taken as part of the year, except those whose clause says ``全年``, ``年末`` or ``年底``.
    """
    gdp = [f for f in findings if f.key == "gdp"]
    if gdp and all(f.reason.startswith(PART_YEAR) for f in gdp):
        return f"{gdp[0].reason}; the text reports part of the year (no annual GDP)"
    return ""


# --- decisions ------------------------------------------------------------------------------

def _agree(a: Finding, b: Finding) -> bool:
    """Two figures of one indicator agree when they differ by no more than half a unit of the
    coarser one's last printed digit (:func:`countysurv.indicators.agree_to_printed_precision`)."""
    return agree_to_printed_precision(a.canonical_value, b.canonical_value, a.resolution,
                                      b.resolution)


def decide(findings: Iterable[Finding]) -> tuple[list[Finding], list[Finding]]:
    """Split findings into written ones (one per indicator) and reviewed ones.

    A clean finding is written when every clean finding of its indicator agrees with it (the
    most precise one is written; a figure printed twice, e.g. in prose and in a table, agrees
    with itself). Rural population is read on either basis (``乡村户籍人口``, ``乡村常住人口``,
    ``农村常住人口``, and ``乡村人口`` or ``农村人口`` whatever its basis); when a text gives a 常住
    figure that disagrees with the others, the 常住 one goes to review and the rest (户籍 or
    unstated, the basis of the study's population) are decided alone. Disagreeing clean
    findings all go to review; findings with a reason always do, and so does the written figure
    of an indicator that is not canonical (with that reason).
    """
    written: list[Finding] = []
    review: list[Finding] = []
    by_key: dict[str, list[Finding]] = {}
    for f in findings:
        if f.reason:
            review.append(f)
        else:
            by_key.setdefault(f.key, []).append(f)
    for key, group in by_key.items():
        unique: list[Finding] = []
        for f in group:
            if not any(f.start == u.start and f.end == u.end for u in unique):
                unique.append(f)
        registered = [f for f in unique if not f.resident_basis]
        if registered and len(registered) < len(unique) and \
                not all(_agree(a, b) for a in unique for b in unique):
            # 乡村户籍人口 and 乡村常住人口 both printed: the registered one, as the population
            review += [replace(f, reason=f"a 常住 figure where the 户籍 one is given "
                                         f"({TARGET[key].wording})")
                       for f in unique if f.resident_basis]
            unique = registered
        if all(_agree(a, b) for a in unique for b in unique):
            best = max(unique, key=lambda f: (-f.resolution, -f.start))
            if TARGET[key].canonical:
                written.append(best)
            else:
                review.append(replace(best, reason=f"{NOT_CANONICAL} ({TARGET[key].wording}; "
                                                   "see indicators.py)"))
        else:
            shown = "; ".join(f"{f.raw} {f.unit}" for f in unique)
            review += [replace(f, reason=f"conflicting values for {TARGET[key].wording} ({shown}); "
                                         "none written") for f in unique]
    written.sort(key=lambda f: f.start)
    review.sort(key=lambda f: f.start)
    return written, review


# --- entry points ---------------------------------------------------------------------------

def extract_text(original: str, year: int, html_input: bool = False, pdf_input: bool = False
                 ) -> tuple[list[Finding], list[Finding]]:
    """Find the figures of one bulletin's decoded text; return ``(written, review)``.

    ``year`` is the bulletin's year (figures marked as another year's go to review);
    ``html_input`` reduces the text from HTML first; ``pdf_input`` joins the prose lines a
    PDF's typesetting wrapped (:func:`unwrap_lines`). Spans refer to ``original``.
    """
    if html_input:
        plain = html_to_text(original)
    elif pdf_input:
        plain = unwrap_lines(original)
    else:
        plain = Layer(original, list(range(len(original))))
    norm = normalise(plain.text)
    findings = _Reader(norm, plain, year).run()
    return decide(findings)


def _row(f: Finding, county_code: str, county_name: str, year: int, source: str
         ) -> dict[str, object]:
    return {"county_code": county_code, "county_name": county_name, "year": year,
            "indicator": TARGET[f.key].wording, "value": f.raw, "unit": f.unit,
            "source": f"{source}:{f.start}-{f.end}", "note": f.note}


def pdf_pages(data: bytes, path: str | Path) -> list[str]:
    """The text layer of a PDF bulletin, one string per page.

    Read with pypdf's layout mode, which keeps a typeset table's cells apart by runs of spaces
    (so ``地区生产总值      24.44      11.5`` reads as three cells; its plain mode would join them
    with single spaces, which normalisation drops). A PDF without any text (a scanned image),
    an encrypted one that opens only with a password, or bytes pypdf cannot parse raise
    :class:`InputDataError` naming the file: OCR the scan or transcribe it instead.
    """
    import io as _io

    import pypdf  # only bulletin folders holding PDFs need it
    from pypdf.errors import PdfReadError

    try:
        reader = pypdf.PdfReader(_io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputDataError(f"{path}: the PDF is encrypted with a password; "
                                 "save an unencrypted copy")
        pages = [page.extract_text(extraction_mode="layout") for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError) as err:
        raise InputDataError(f"{path}: not a readable PDF ({type(err).__name__}: {err})"
                             ) from None
    if not any(page.strip() for page in pages):
        raise InputDataError(f"{path}: the PDF has no text layer ({len(pages)} page(s) of "
                             "images only?); OCR it or transcribe the figures into a "
                             "bulletin CSV")
    return pages


#: A PDF line ending in one of these ends a sentence (or a heading's colon): never joined.
_SENTENCE_END = tuple("。！？；：!?;:")
#: Two cells of a laid-out table row: text, a run of two or more spaces, text.
_CELL_GAP = re.compile(r"\S {2,}\S")
#: The start of a heading, a caption or a list item: ``一、``, ``（二）``, ``表1``, ``图2``, ``3.``.
_BLOCK_START = re.compile(r"\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|[表图]\s*\d"
                          r"|\d+[、.．](?!\d))")
#: A wrapped line fills at least this share of the page's longest prose line.
_FULL_LINE = 0.6


def unwrap_lines(text: str) -> Layer:
    """Join the prose lines of PDF text that the typesetting wrapped; keep every offset.

    A PDF has no paragraphs, only lines: a sentence, and sometimes a figure
    (``地区生产总值24.`` / ``44亿元``), runs on from one line to the next. A line break is removed
    (with the next line's indentation) when both lines are prose (no run of two or more spaces
    between text, which marks a table row's cells), the first line fills at least
    :data:`_FULL_LINE` of the longest prose line of the text and does not end a sentence
    (:data:`_SENTENCE_END`), and the next line does not open a heading, caption or list item
    (:data:`_BLOCK_START`). Chinese prose has no spaces between words, so the lines are joined
    without one. Every other break stays, so table rows stay rows.
    """
    lines = text.split("\n")
    prose = [not _CELL_GAP.search(line.strip()) for line in lines]
    longest = max((len(line.rstrip()) for line, p in zip(lines, prose) if p), default=0)
    chars: list[str] = []
    origin: list[int] = []
    offset = 0
    skip_indent = False
    for i, line in enumerate(lines):
        start = 0
        if skip_indent:
            start = len(line) - len(line.lstrip(" \t\u3000"))
        chars.extend(line[start:])
        origin.extend(range(offset + start, offset + len(line)))
        end = offset + len(line)  # the offset of this line's newline
        offset = end + 1
        if i == len(lines) - 1:
            break
        body = line.rstrip()
        skip_indent = (prose[i] and prose[i + 1] and bool(body)
                       and len(body) >= _FULL_LINE * longest
                       and not body.endswith(_SENTENCE_END)
                       and bool(lines[i + 1].strip())
                       and not _BLOCK_START.match(lines[i + 1]))
        if skip_indent:
            trailing = len(line) - len(body)  # the wrapped line's trailing spaces go too
            del chars[len(chars) - trailing:], origin[len(origin) - trailing:]
        else:
            chars.append("\n")
            origin.append(end)
    return Layer("".join(chars), origin)


def _extract_pdf(data: bytes, path: Path, year: int, name: str
                 ) -> tuple[list[tuple[Finding, str]], list[tuple[Finding, str]]]:
    """Extract a PDF's pages as one text; each finding with its source ``name#page=N``.

    Pages are joined by a newline so that a sentence broken by a page end is still read;
    a finding's span is then given within its page's text as :func:`pdf_pages` returns it.
    """
    pages = pdf_pages(data, path)
    starts = []
    offset = 0
    for page in pages:
        starts.append(offset)
        offset += len(page) + 1
    written, review = extract_text("\n".join(pages), year, pdf_input=True)

    def locate(f: Finding) -> tuple[Finding, str]:
        number = max(i for i, s in enumerate(starts) if s <= f.start)
        return (replace(f, start=f.start - starts[number], end=f.end - starts[number]),
                f"{name}#page={number + 1}")

    return [locate(f) for f in written], [locate(f) for f in review]


def extract_file(path: str | Path, county_code: str, county_name: str = "",
                 source: str | None = None) -> Extraction:
    """Extract one bulletin file ``<year>.txt``, ``.html`` or ``.pdf`` of one county.

    ``source`` (default: the path) names the file in the ``source`` column, followed by the
    character span (``2015.txt:120-131``); for a PDF by its page and the span in that page's
    text layer (``2015.pdf#page=2:120-131``, :func:`pdf_pages`). Raises
    :class:`InputDataError` naming the file when its name is not a year with a known suffix,
    its bytes cannot be decoded, or a PDF has no readable text.
    """
    path = Path(path)
    year = year_of(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise InputDataError(f"{path}: cannot read the file ({err.strerror})") from None
    name = source or str(path)
    if path.suffix.lower() == ".pdf":
        written, review = _extract_pdf(data, path, year, name)
    else:
        text, _ = decode_bytes(data, str(path))
        found, reviewed = extract_text(text, year, is_html(text, path))
        written, review = [(f, name) for f in found], [(f, name) for f in reviewed]
    result = Extraction()
    result.records = [_row(f, county_code, county_name, year, where) for f, where in written]
    result.review = [{**_row(f, county_code, county_name, year, where), "reason": f.reason}
                     for f, where in review]
    return result


def year_of(path: Path) -> int:
    """The bulletin year a text file is named after (``2015.txt``, ``2015.html``, ``2015.pdf``)."""
    if path.suffix.lower() not in TEXT_SUFFIXES or not re.fullmatch(r"(19|20)[0-9]{2}", path.stem):
        raise InputDataError(f"{path}: bulletin texts must be named <year>.txt, <year>.html "
                             "or <year>.pdf (e.g. 2015.txt)")
    return int(path.stem)


def extract_paths(paths: Iterable[str | Path], county_code: str, county_name: str = ""
                  ) -> Extraction:
    """Extract the bulletin texts ``paths`` (``<year>.txt``/``.html``/``.pdf``) of one county.

    Raises :class:`InputDataError` naming the file for a name that is not a year, two texts of
    one year, or bytes that cannot be decoded.
    """
    paths = [Path(p) for p in paths]
    years = [year_of(p) for p in paths]
    for year in sorted(set(years)):
        same = [p.name for p, y in zip(paths, years) if y == year]
        if len(same) > 1:
            raise InputDataError(f"{paths[0].parent}: two texts for the year {year} "
                                 f"({', '.join(same)}); keep one")
    result = Extraction()
    for path in paths:
        one = extract_file(path, county_code, county_name)
        log.info("%s: %d value(s) written, %d figure(s) to review", path, len(one.records),
                 len(one.review))
        result.records += one.records
        result.review += one.review
    return result


def write_outputs(result: Extraction, records_path: str | Path, review_path: str | Path) -> None:
    """Write the raw bulletin CSV (columns ``RECORD_COLUMNS``) and the review list, atomically."""
    write_rows_csv(RECORD_COLUMNS, ([r[c] for c in RECORD_COLUMNS] for r in result.records),
                   records_path)
    write_rows_csv(REVIEW_COLUMNS, ([r[c] for c in REVIEW_COLUMNS] for r in result.review),
                   review_path)


def text_files(folder: str | Path) -> list[Path]:
    """A county folder's bulletin texts (``<year>.txt``/``.html``/``.htm``/``.pdf``), sorted.

    Hidden files are ignored; any other file, or no text at all, raises
    :class:`InputDataError` naming the folder or file.
    """
    folder = Path(folder)
    files = [p for p in sorted(folder.iterdir()) if p.is_file() and not p.name.startswith(".")]
    for path in files:
        year_of(path)
    if not files:
        raise InputDataError(f"{folder}: no bulletin texts (<year>.txt, <year>.html or <year>.pdf)")
    return files


def text_folders(root: str | Path, resolve: Callable[[str], str] | None = None
                 ) -> tuple[dict[str, Path], dict[str, str]]:
    """County folders of a bulletin-text folder: code → folder, and code → county name.

    A folder is named by the 6-digit county code or, given ``resolve`` (name → code, e.g. a
    :class:`countysurv.reference.CountyResolver` of the configured county reference), by any
    name of the county, as bulletin CSVs are (:func:`countysurv.reference.bulletin_files`).
    The name is the folder's name when it is a name, else empty. Raises
    :class:`InputDataError` naming the folder for a missing root, a name that does not
    resolve, two folders of one county, and a folder without texts.
    """
    root = Path(root)
    if not root.is_dir():
        raise InputDataError(f"{root}: bulletin text folder not found (config "
                             "data.bulletin_texts_dir)")
    codes: dict[str, Path] = {}
    names: dict[str, str] = {}
    for folder in sorted(root.iterdir()):
        if not folder.is_dir() or folder.name.startswith("."):
            continue
        if re.fullmatch(r"[0-9]{6}", folder.name):
            code, name = folder.name, ""
        elif resolve is None:
            raise InputDataError(f"{folder}: bulletin text folders must be named by the 6-digit "
                                 "county code (e.g. 522727), or set data.county_reference to "
                                 "name them by county name")
        else:
            try:
                code = resolve(folder.name)
            except InputDataError as err:
                raise InputDataError(f"{folder}: the folder name is not a county: {err}") from None
            name = folder.name
        if code in codes:
            raise InputDataError(f"{folder}: county {code} already has the text folder "
                                 f"{codes[code]}; merge the two folders")
        text_files(folder)
        codes[code] = folder
        names[code] = name
    return codes, names
