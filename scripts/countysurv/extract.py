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
through nothing but filler words (完成, 实现, 达到, 为, a footnote mark, ``（GDP）``), by a number and a
unit of the indicator's kind (also through a note in parentheses without a digit, and for GDP a
few words without one, :data:`_GDP_WORDS`: ``地区生产总值突破千亿大关，实现1027.8亿元``), or it is a table row
labelled with the wording (or bare ``乡村`` in a table splitting the population into 城镇 and 乡村)
whose unit is stated by the row, its column header or a ``单位：`` line, or a row of a table with
years as columns whose columns are certain (tables: ``extract_tables.py``); (2) nothing in the
clause before the wording marks the figure as another year's, a period within the year or a
plan; (3) every such figure for the indicator in the file agrees: they differ by at most
half a unit of the coarser one's last printed digit
(:func:`countysurv.indicators.agree_to_printed_precision`; bulletins print the same level in
prose and in a table, rounded differently); and (4) when GDP and the three sectors are all
written, they add up within :data:`SECTOR_SUM_TOLERANCE` (else the figure a unit slip would
explain, or all four, go to review). Growth rates, shares, ``比上年增加`` amounts, ratios such as
``三次产业结构比`` and sub-items (``工业增加值``) never reach a value: the words between the indicator and
the number are not filler, or the wording is another indicator's.

The text is read in three layers, ``original`` (the decoded file; spans refer to it, for a PDF
to its page's text layer), ``plain`` (for HTML its text, for a PDF its wrapped prose lines
joined) and ``normalised`` (folded for matching), each character keeping the offset of the one
it came from: ``textlayers.py``. The indicators looked for, a number as printed, the words that
make a figure another period's and the record of a figure found
(:class:`countysurv.extract_targets.Finding`) are in ``extract_targets.py``. This module reads
prose (:func:`_read_prose`), decides what is written (:func:`decide`) and holds the entry
points (files, folders, the output CSVs).

The indicator wording written to ``indicator`` is accepted by
:func:`countysurv.indicators.canonical_indicator`. Resident population (常住人口) is not a
canonical indicator (``indicators.py``; the study's population is the registered 户籍 one) and
its figures are found the same way but always go to review, with their value, as ``not a
canonical indicator``.

These modules use only the standard library (and pypdf, imported only for a PDF): they run
once per county.
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from itertools import accumulate
from pathlib import Path
from typing import Callable, Iterable

from .bulletins import decode_bytes
from .errors import InputDataError
from .extract_tables import in_label, read_tables, read_year_tables
from .extract_targets import (ANNUAL, ANY_UNIT, BARE, KEYWORDS, NOT_CANONICAL, NUMBER, PART_YEAR,
                              TARGET, UNITS, TextBeingRead, Finding, clause_bounds, context_reason)
from .indicators import agree_to_printed_precision
from .io import write_rows_csv
from .textlayers import CELL, Layer, html_to_text, is_html, normalise, pdf_pages, unwrap_lines

log = logging.getLogger(__name__)

#: Columns of the extracted raw CSV (the raw bulletin format of README "Using real bulletins")
#: and of the review list (plus ``reason``).
RECORD_COLUMNS = ("county_code", "county_name", "year", "indicator", "value", "unit", "source",
                  "note")
REVIEW_COLUMNS = RECORD_COLUMNS + ("reason",)

#: Bulletin text files: ``<year>.txt``, ``<year>.html`` (also ``.htm``) or ``<year>.pdf``.
TEXT_SUFFIXES = (".txt", ".html", ".htm", ".pdf")


@dataclass
class Extraction:
    """What bulletin files yield: written records and review candidates (rows as dicts)."""

    records: list[dict[str, object]] = field(default_factory=list)
    review: list[dict[str, object]] = field(default_factory=list)


# --- prose: wording, filler, number, unit --------------------------------------------------

#: What may stand between an indicator's wording and its number in prose.
_FILLER = re.compile(
    r"(?::|\((?:GDP|gdp)\)|※|\[\d{1,2}\]|〔\d{1,2}〕|\(注\d{0,2}\)|全年|年末|总量|总额|合计|共计|"
    r"共有|共|完成|实现|达到|达|为|是|约|初步核算|预计|\(现价\)|\(按现价计算\)|按现价计算|"
    r"已|累计)*")
#: Words between an indicator's wording and its figure read by :func:`_figure_after_words`: a
#: parenthesis without digits (``（不含农林牧渔服务业）``, ``（GDP，当年价）``); then filler.
_NOTE = re.compile(r"\([^()\d。;!?\n|]{1,12}\)")
#: A note right after a figure saying it is at constant prices (``534001万元（2010年可比价，下同）``,
#: ``47.39亿元（可比价）``): not the year's current-price level. A note that speaks of growth
#: (``（按可比价格计算，增长7.5%）``) is about the growth rate, not the level.
_CONSTANT_PRICE_NOTE = re.compile(r"\((?=[^()]*(?:可比价|不变价))(?![^()]*(?:增|降|减|比上年|同比))"
                                  r"[^()。;!?\n|]{1,20}\)")
CONSTANT_PRICE = "a figure at constant prices"
#: The same for GDP, which may also be followed by up to 16 characters without a digit or a
#: clause end that end in a verb of attainment (``突破千亿大关，实现``).
_GDP_WORDS = re.compile(rf"{_NOTE.pattern}|[^\d。;!?\n|]{{1,16}}?(?:实现|完成|达到|达|为)")
#: Words in that gap that make the following figure something else than the year's GDP.
_NOT_GDP_LEVEL = re.compile(r"增|减|比|较|占|均|变价|可比|不变|上年|去年|同期|季|半年|月|力争|目标|"
                            r"计划|规划|预期|预计|翻|倍|差|距|排|位|名|第|中|其|产业|增加值|"
                            r"元|%")
#: "第一、二、三产业增加值分别为 a、b、c" and "三次产业增加值分别为 ...": three figures in order.
_SECTORS_RESPECTIVELY = re.compile(
    r"(?:第?一、(?:第)?二、(?:第)?三产业|三次产业)(?:增加值)?(?:分别)(?:为|完成|实现|达到|是)?")
_SECTOR_KEYS = ("va_primary", "va_secondary", "va_tertiary")
#: A bare sector (``第二产业 12亿元``) is read only in a sentence about value added or GDP ...
_VALUE_ADDED = re.compile(r"增加值|生产总值|GDP|[分按]产业(?:看|分|划分)")
#: ... without words showing it is not value added.
_NOT_VALUE_ADDED = re.compile(r"投资|贷款|用电|从业|就业|税|利润|营业|收入|存款|人员|单位")
#: A wording ending in a place below the county: the figure is that place's.
_PART_OF_AREA = re.compile(r"(?<!全)(?:乡|镇|街道|园区|开发区|经济区|示范区|新区)$")
#: Aggregates whose sector breakdown bulletins also print (not the county's GDP).
_OTHER_AGGREGATE = re.compile(r"非公有制经济|非公经济|民营经济")


def _read_prose(doc: TextBeingRead) -> None:
    """Read every wording outside table labels, and bare sectors in value-added sentences."""
    text = doc.text
    for match in KEYWORDS.finditer(text):
        if in_label(doc, match.start()):
            continue  # a table row's label: read by extract_tables.read_tables
        _prose_at(doc, match.lastgroup or "", match.start(), match.end())
    for match in BARE.finditer(text):
        if KEYWORDS.match(text, match.start()) or in_label(doc, match.start()):
            continue
        left, right = clause_bounds(text, match.start(), match.end())
        own = max(text.rfind(c, 0, match.start()) for c in "。\n") + 1
        # a sentence opening with 其中 breaks down the one before: they are read together
        if CELL in text[left:right] or \
                not _VALUE_ADDED.search(text[_sentence_start(text, left):right]) or \
                _NOT_VALUE_ADDED.search(text[own:right]):
            continue
        _prose_at(doc, match.lastgroup or "", match.start(), match.end())
    for match in _SECTORS_RESPECTIVELY.finditer(text):
        if text.rfind("\n", 0, match.start()) + 1 not in doc.claimed:
            _respectively(doc, match.start(), match.end())


def _figure_after(text: str, pos: int) -> tuple[re.Match[str], str, int] | None:
    """The number and unit at ``pos``: ``(number, unit, end)``, or None for no level there.

    Rates (``%``), ratios (``25.7:26.8``) and energy (``千瓦时``) are no levels; a money
    unit followed by ``/人`` is read as ``元/人`` (per capita).
    """
    number = NUMBER.match(text, pos)
    if number is None:
        return None
    unit_match = ANY_UNIT.match(text, number.end())
    unit = unit_match.group(0) if unit_match else ""
    end = number.end() + len(unit)
    if unit in ("%", "‰", "千瓦时", "万千瓦时") or re.match(r":\d", text[number.end():]):
        return None
    if unit in UNITS["money"] and text.startswith("/人", end):
        unit, end = "元/人", end + 2
    return number, unit, end


def _prose_at(doc: TextBeingRead, key: str, kw_start: int, kw_end: int) -> None:
    """Read the figure after the wording ``[kw_start, kw_end)`` of ``key``, and its reason.

    The figure follows through filler words (:data:`_FILLER`), or a note in parentheses
    (:data:`_NOTE`; for GDP also the words of :data:`_GDP_WORDS`); the clause before the wording may give a reason it is not the
    county's level of the year: another period or year, a plan, a per-capita figure, a part of
    the county, a part of another aggregate.
    """
    gap = _FILLER.match(doc.text, kw_end)
    assert gap is not None
    figure = _figure_after(doc.text, gap.end())
    if figure is None:
        figure = _figure_after_words(doc.text, gap.end(), _GDP_WORDS if key == "gdp" else _NOTE)
    if figure is None:
        return
    number, unit, end = figure
    left, _ = clause_bounds(doc.text, kw_start, kw_end)
    prefix = doc.text[left:kw_start]
    reason = context_reason(prefix, doc.year)
    price = _CONSTANT_PRICE_NOTE.match(doc.text, end)
    if not reason and price:
        reason = f"{CONSTANT_PRICE} ({price.group(0)})"
    segment = re.split(r"[,，]", prefix)[-1]
    if not reason and TARGET[key].kind != "per_capita" and re.search(r"人均|户均|平均|每",
                                                                     segment):
        reason = "a per-capita figure where a total is wanted"
    if not reason and (_PART_OF_AREA.search(prefix) or "分区域" in prefix):
        reason = "a figure of a part of the county"
    if not reason and key in _SECTOR_KEYS:
        reason = _other_aggregate(doc.text, left, prefix) or _breakdown_reason(doc, left, kw_start)
    doc.add(key, number, unit, kw_start, end, reason)


def _figure_after_words(text: str, pos: int, allowed: re.Pattern[str]
                        ) -> tuple[re.Match[str], str, int] | None:
    """The figure after words that are not filler, or None (:data:`_NOTE`, :data:`_GDP_WORDS`).

    ``第一产业完成增加值（不含农林牧渔服务业）379433万元``, ``地区生产总值（GDP，当年价）100.48亿元``
    and, for GDP, ``地区生产总值突破千亿大关，实现1027.8亿元``: the words hold no digit (so the
    figure is the first number after the wording), name no other indicator, and say nothing
    of growth, shares, other periods, plans or prices.
    """
    words = allowed.match(text, pos)
    if words is None:
        return None
    gap = text[pos:words.end()]
    if _NOT_GDP_LEVEL.search(gap) or KEYWORDS.search(re.sub(r"\((?:GDP|gdp)", "", gap)) \
            or BARE.search(gap):
        return None
    filler = _FILLER.match(text, words.end())
    assert filler is not None  # the filler pattern matches the empty string
    return _figure_after(text, filler.end())


def _other_aggregate(text: str, clause_start: int, prefix: str) -> str:
    """Why sectors in this sentence break down another aggregate than GDP, or ``""``.

    ``非公有制经济增加值357.64亿元……。其中，第一产业增加值37.33亿元`` gives the
    non-public economy's sectors, not the county's: the sentence (or the one before, when
    this one opens with 其中) names such an aggregate.
    """
    context = text[_sentence_start(text, clause_start):clause_start] + prefix
    match = _OTHER_AGGREGATE.search(context)
    return f"a part of another aggregate ({match.group(0)})" if match else ""


def _sentence_start(text: str, clause_start: int) -> int:
    """Where the sentence of a clause starts; for one opening with 其中, the sentence before."""
    start = max(text.rfind(c, 0, clause_start) for c in "。\n") + 1
    if text.startswith("其中", start) and start > 0:
        start = max(text.rfind(c, 0, start - 1) for c in "。\n") + 1
    return start


def _breakdown_reason(doc: TextBeingRead, clause_start: int, kw_start: int) -> str:
    """Why sectors break down a GDP figure that is not the year's, or ``""``.

    ``2023年全国第五次经济普查结果：生产总值296.80亿元，其中：第一产业增加值50.24亿元`` in a
    2024 bulletin: the GDP figure before them in the sentence went to review as another year's
    (or part of the year's, a plan, or at constant prices: ``生产总值534001万元（2010年可比价，
    下同）……。其中，第一产业增加值223291万元``), so its sectors do too, with that reason.
    """
    lo = doc.plain.span(*doc.norm.span(_sentence_start(doc.text, clause_start), kw_start))[0]
    hi = doc.plain.span(*doc.norm.span(kw_start, kw_start + 1))[0]
    for f in doc.findings:
        if f.key == "gdp" and f.reason and lo <= f.start < hi and \
                f.reason.startswith(("a figure of another year", PART_YEAR, "a plan",
                                     CONSTANT_PRICE)):
            return f"a breakdown of a GDP figure that is not the year's level ({f.reason})"
    return ""


def _respectively(doc: TextBeingRead, kw_start: int, kw_end: int) -> None:
    """Three sector figures listed in order after ``…分别为``, separated by ``、``, ``,`` or 和."""
    pos = kw_end
    prefix = doc.text[clause_bounds(doc.text, kw_start, kw_end)[0]:kw_start]
    reason = context_reason(prefix, doc.year)
    for i, key in enumerate(_SECTOR_KEYS):
        if i:
            sep = re.compile(r"、|,|，|和|及").match(doc.text, pos)
            if sep is None:
                return
            pos = sep.end()
        figure = _figure_after(doc.text, pos)
        if figure is None:
            return
        number, unit, end = figure
        doc.add(key, number, unit, kw_start if i == 0 else pos, end, reason,
                note=doc.note(kw_start, end))
        pos = end


def _find_figures(norm: Layer, plain: Layer, year: int) -> list[Finding]:
    """All figures of one text: year-column tables, prose, then tables (cell by cell).

    A text that reports part of the year sends its figures to review (:func:`_part_year_text`).
    """
    doc = TextBeingRead(norm, plain, year)
    read_year_tables(doc)
    _read_prose(doc)
    read_tables(doc)
    reason = _part_year_text(doc.findings)
    if reason:
        return [f if f.reason or ANNUAL.search(f.note) else replace(f, reason=reason)
                for f in doc.findings]
    return doc.findings


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


# --- decisions -----------------------------------------------------------------------------

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
    written, review = _check_sector_sum(written, review)
    written.sort(key=lambda f: f.start)
    review.sort(key=lambda f: f.start)
    return written, review


#: GDP and the three sectors written from one text must add up within this share of GDP. Their
#: rounding moves the sum by a fraction of a percent (at most 0.17 % on the 120 real and
#: simulated texts that print all four: BENCHMARKS.md); a misprinted unit moves it by orders of
#: magnitude. Between the two, a bulletin that copied another year's figure (a few percent) is
#: left to the panel's cross-source check and its 2 % sector-sum flag.
SECTOR_SUM_TOLERANCE = 0.05
#: Unit slips looked for when the sum fails: 万元 printed for 亿元 and the like.
_UNIT_SLIPS = (1e-8, 1e-4, 1e4, 1e8)


def _check_sector_sum(written: list[Finding], review: list[Finding]
                      ) -> tuple[list[Finding], list[Finding]]:
    """Send GDP and sectors that do not add up to review (:data:`SECTOR_SUM_TOLERANCE`).

    When one figure alone explains the gap by a unit slip (``第二产业完成增加值100.4万元`` beside
    GDP 224.8亿元 and sectors of 27.0 and 97.4亿元: ×10⁴ closes the sum to within 0.5 %), only
    that figure goes to review; otherwise all four do, since the text does not say which one
    is wrong.
    """
    by_key = {f.key: f for f in written}
    four = [by_key.get(k) for k in ("gdp",) + _SECTOR_KEYS]
    if any(f is None for f in four):
        return written, review
    gdp, *sectors = [f for f in four if f is not None]
    total = sum(f.canonical_value for f in sectors)
    gap = abs(total - gdp.canonical_value) / gdp.canonical_value
    if gap <= SECTOR_SUM_TOLERANCE:
        return written, review
    shown = (" + ".join(f"{f.raw} {f.unit}" for f in sectors)
             + f" against GDP {gdp.raw} {gdp.unit}, {gap:.0%} apart")
    slips = []
    for f in (gdp, *sectors):
        for factor in _UNIT_SLIPS:
            fixed_gdp = gdp.canonical_value * (factor if f is gdp else 1.0)
            fixed_total = total + (0.0 if f is gdp else f.canonical_value * (factor - 1.0))
            if abs(fixed_total - fixed_gdp) <= 0.005 * fixed_gdp:
                slips.append((f, factor))
    if len(slips) == 1:
        suspect, factor = slips[0]
        bad = [suspect]
        reason = (f"the three sectors do not add up to GDP ({shown}) unless this figure is "
                  f"{factor:g} times what it says: a misprinted unit?")
    else:
        bad = [gdp, *sectors]
        reason = (f"the three sectors do not add up to GDP ({shown}); one of the four is "
                  "misprinted or misread")
    return ([f for f in written if f not in bad],
            review + [replace(f, reason=reason) for f in bad])


# --- entry points --------------------------------------------------------------------------

def extract_text(original: str, year: int, html_input: bool = False, pdf_input: bool = False
                 ) -> tuple[list[Finding], list[Finding]]:
    """Find the figures of one bulletin's decoded text; return ``(written, review)``.

    ``year`` is the bulletin's year (figures marked as another year's go to review);
    ``html_input`` reduces the text from HTML first; ``pdf_input`` joins the prose lines a
    PDF's typesetting wrapped (:func:`countysurv.textlayers.unwrap_lines`). Spans refer to
    ``original``.
    """
    if html_input:
        plain = html_to_text(original)
    elif pdf_input:
        plain = unwrap_lines(original)
    else:
        plain = Layer(original, list(range(len(original))))
    norm = normalise(plain.text)
    findings = _find_figures(norm, plain, year)
    return decide(findings)


def _row(f: Finding, county_code: str, county_name: str, year: int, source: str
         ) -> dict[str, object]:
    return {"county_code": county_code, "county_name": county_name, "year": year,
            "indicator": TARGET[f.key].wording, "value": f.raw, "unit": f.unit,
            "source": f"{source}:{f.start}-{f.end}", "note": f.note}


def _extract_pdf(data: bytes, path: Path, year: int, name: str
                 ) -> tuple[list[tuple[Finding, str]], list[tuple[Finding, str]]]:
    """Extract a PDF's pages as one text; each finding with its source ``name#page=N``.

    Pages are joined by a newline so that a sentence broken by a page end is still read;
    a finding's span is then given within its page's text as :func:`pdf_pages` returns it.
    """
    pages = pdf_pages(data, path)
    starts = list(accumulate((len(page) + 1 for page in pages[:-1]), initial=0))
    written, review = extract_text("\n".join(pages), year, pdf_input=True)

    def locate(f: Finding) -> tuple[Finding, str]:
        number = bisect_right(starts, f.start) - 1
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
