"""Reading the tables of a bulletin text: rows of cells, and tables with years as columns.

A table's row is read when its label cell names an indicator (``countysurv/extract_targets.py``;
a bare ``第一产业`` in a table about GDP, a bare ``乡村`` in a table splitting the population into
城镇 and 乡村); its unit is stated by the row, its column header or a ``单位：`` line, and its
column is the bulletin year's level (:func:`read_tables`, cells separated by ``|`` in the
normalised text, ``countysurv/textlayers.py``). Prose is read in ``extract.py``, which also
decides what is written.

Tables with years as columns and one space between cells (``项目 单位 2016年 … 2021年`` over
``地区生产总值 亿元 27.90 … 40.77``) lose their cell boundaries in normalisation, which drops a
single space between words. :func:`read_year_tables` reads them from tokens split where the
plain text had a space (:func:`line_tokens`, through the offsets each normalised character
keeps; the normalised text itself is unchanged): under a header whose last columns are years,
at least one of them after a single space (:func:`year_header`), a row's figures are its
trailing numbers, after an optional unit token, and the bulletin year's figure is written only
when the years increase, the bulletin's year is a column, the row has one figure per year and
no two figures could be one number printed with a space (:func:`year_column`); otherwise it
goes to review with the reason. Prose and the cell-by-cell table reader skip the lines so read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .extract_targets import (ANY_UNIT, BARE, KEYWORDS, NUMBER, UNITS, YEAR, TextBeingRead,
                              context_reason)
from .textlayers import CELL, FOOTNOTE, Layer

# --- rows: label cells, value cells -----------------------------------------------------------

#: Words in a table header that mark a column as a rate or share rather than a level.
_RATE_HEADER = re.compile(r"增长|增速|增幅|%|比重|占|构成|结构|率|百分点|比上年|±|增减")
_CONSTANT_HEADER = re.compile(r"不变价|可比价")
_UNIT_WORD = r"亿元|万元|元/人|元|万人|人|万千瓦|千瓦|万瓦"
_UNIT_LINE = re.compile(rf"单位:?({_UNIT_WORD}|%)")
_UNIT_IN_PARENS = re.compile(rf"\(({_UNIT_WORD})\)")
_LABEL_PREFIX = re.compile(r"^(?:其中|#|全县|全年|年末|[一二三四五六七八九十]+、|\d{1,2}[.、])+:?")


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
    match = KEYWORDS.fullmatch(core) or (BARE.fullmatch(core) if gdp_table else None)
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
    """Whether a cell is a year (``2015`` or ``2015年``), as in a header."""
    return bool(re.fullmatch(r"(?:19|20)\d{2}年?", cell))


def in_label(doc: TextBeingRead, pos: int) -> bool:
    """Whether ``pos`` is in a table row's label cell or on a line :func:`read_year_tables` read.

    Prose skips such a wording: the table readers read its row.
    """
    text = doc.text
    line_start = text.rfind("\n", 0, pos) + 1
    if line_start in doc.claimed:
        return True
    line_end = text.find("\n", pos)
    line = text[line_start:line_end if line_end >= 0 else len(text)]
    if CELL not in line:
        return False
    for off, cell in _cells(line):
        if off <= pos - line_start < off + len(cell):
            return _label_key(cell, True)[0] is not None
    return False


# --- tables of cells separated by '|' ------------------------------------------------------

def read_tables(doc: TextBeingRead) -> None:
    """Read every block of consecutive lines with cells as one table."""
    block: list[tuple[int, str]] = []
    pos = previous_end = 0
    for line in doc.text.split("\n") + [""]:
        if CELL in line and line.strip(CELL) and pos not in doc.claimed:
            block.append((pos, line))
        elif block:
            _table(doc, block, max(previous_end, block[0][0] - 200))
            if len(block) > 1:  # a table (one line with wide spaces is a title)
                previous_end = pos
            block = []
        if pos in doc.claimed:  # a year-column table is no title of the next table
            previous_end = pos + len(line) + 1
        pos += len(line) + 1


def _table(doc: TextBeingRead, rows: list[tuple[int, str]], context_start: int) -> None:
    """Read one table; ``[context_start, first row)`` holds its title and unit line."""
    start = rows[0][0]
    before = doc.text[context_start:start]
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
            column, reason = _column(doc, cells, header, label)
        else:
            column, reason = _first_value(cells, label), ""
            years = sorted({y for y in re.findall(r"(?:19|20)\d{2}", head_text)
                            if int(y) != doc.year})
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
        reason = reason or context_reason(title, doc.year)
        kw_start = row_start + cells[label][0]
        value_end = row_start + cells[k][0] + number.end()
        doc.add(key, number, unit, kw_start, value_end, reason)


def _first_value(cells: list[tuple[int, str]], label: int
                 ) -> tuple[int, re.Match[str], str] | None:
    """Without a header: the first cell after the label (and a unit cell), if a number."""
    for k in range(label + 1, len(cells)):
        if re.fullmatch(_UNIT_WORD, cells[k][1]):
            continue
        value = _value_cell(cells[k][1])
        return (k, value[0], value[1]) if value else None
    return None


def _column(doc: TextBeingRead, cells: list[tuple[int, str]], header: list[str], label: int
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
        if (years and doc.year not in years) or re.search(r"(?<!比)上年", head):
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


# --- tables with years as columns: tokens split at single spaces ---------------------------

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

    :func:`countysurv.textlayers.normalise` drops a single space between words and turns one
    between digits into ``|``; the plain text (``plain``, whose offsets ``norm.origin`` holds)
    shows where each was, so ``项目 单位 2016年 2017年`` (normalised ``项目单位2016年2017年``)
    gives four tokens.
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
_UNIT_TOKEN = re.compile(rf"\(?({ANY_UNIT.pattern})\)?")
#: A cell printed for no figure.
_NO_FIGURE = re.compile(r"[-—–/…]{1,3}")


def year_header(tokens: list[Token]) -> list[int] | None:
    """The years of a header row whose last columns are years spaced by single spaces.

    ``项目 单位 2016年 2017年 2018年`` gives ``[2016, 2017, 2018]``: at least two year tokens
    end the line, no token before them holds a digit, the years carry 年 (or the tokens before
    them are header words such as 项目 or 指标, or there are none), and at least one year is
    separated from the one before by a single space (:attr:`Token.spaced`). A header whose
    years are all separated by tabs, wide spaces or ``|`` is not one: such a table is read cell
    by cell (:func:`read_tables`).
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


def read_year_tables(doc: TextBeingRead) -> None:
    """Read every table under a header of years spaced by single spaces (:func:`year_header`).

    The lines after the header are its rows, up to a blank line or a line that is neither a
    row (tokens ending in figures) nor a short heading without digits (``一、人口``); blank
    lines right after the header are skipped. Every line read is claimed: prose and
    :func:`read_tables` skip it.
    """
    text, plain = doc.text, doc.plain.text
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    ends = [s - 1 for s in starts[1:]] + [len(text)]
    i = 0
    while i < len(starts):
        years = year_header(line_tokens(doc.norm, plain, starts[i], ends[i]))
        if years is None:
            i += 1
            continue
        header = i
        rows: list[list[Token]] = []
        i += 1
        while i < len(starts):
            tokens = line_tokens(doc.norm, plain, starts[i], ends[i])
            line = text[starts[i]:ends[i]]
            if not tokens and rows:
                break
            if tokens and is_figure_token(tokens[-1].text) and len(tokens) > 1:
                rows.append(tokens)
            elif tokens and (len(line) > 16 or re.search(r"[\d。,，;:]", line)):
                break
            i += 1
        if rows:
            doc.claimed.update(starts[header:i])
            _year_table(doc, starts[header], ends[header], years, rows)


def _year_table(doc: TextBeingRead, head_start: int, head_end: int, years: list[int],
                rows: list[list[Token]]) -> None:
    """Read the rows of one year-column table (see :func:`year_column` for the column).

    A row is its label tokens, an optional unit token (``亿元``, ``(%)``) and its figures
    (the trailing figure tokens). The unit is the row's unit token, else a unit in the
    label's parentheses or after the figure, else, when the header has no unit column, the
    table's ``单位：`` line; a row left without a unit, or stating two different units, goes
    to review. The title's words count as for other tables
    (:func:`countysurv.extract_targets.context_reason`), its years of the header's columns aside
    (``2017年-2020年主要指标``).
    """
    text = doc.text
    before = text[max(0, head_start - 200):head_start].rstrip("\n").split("\n")[-2:]
    title = before[-1] if before else ""
    head_text = text[head_start:head_end]
    unit_lines = _UNIT_LINE.findall("\n".join(before) + head_text)
    head_tokens = line_tokens(doc.norm, doc.plain.text, head_start, head_end)
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
    title = YEAR.sub(lambda m: "" if int(m.group(1)) in years else m.group(0), title)
    for label_start, label, row_unit, figures in parsed:
        key, label_unit = _label_key(label, gdp_table, population_table)
        if key is None:
            continue
        k, reason = year_column(years, doc.year, figures)
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
        reason = reason or context_reason(title, doc.year)
        doc.add(key, number, unit, label_start, figure.start + number.end(), reason)
