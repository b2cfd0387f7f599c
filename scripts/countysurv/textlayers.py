"""The text layers of one bulletin file: original, plain and normalised (README "Bulletin texts").

This module turns a bulletin file into text the readers can match, keeping for every character
the offset of the character it came from, so that a figure found in the normalised text is
reported as a span of the original (``countysurv/extract.py``, which reads the figures:
prose there, tables in ``countysurv/extract_tables.py``).

Text layers:

``original``
    the decoded file (UTF-8 or GB18030, as ingestion decodes CSVs); spans refer to it. For a
    PDF, its text layer as pypdf lays it out (:func:`pdf_pages`; a scan without text is an
    error), pages joined by newlines; spans refer to the page's text and name the page.
``plain``
    the original, or for HTML its text (:func:`html_to_text`, ``html.parser``): table cells
    separated by ``' | '``, rows and block elements by newlines, scripts and styles dropped,
    ``<sup>`` text as footnote marks; for a PDF, its prose lines that the typesetting wrapped
    joined again (:func:`unwrap_lines`). Every plain character keeps the offset of the
    original character it came from.
``normalised``
    plain text with full-width forms folded (NFKC), Traditional variants of the indicator
    words mapped to Simplified (:data:`countysurv.indicators.TRADITIONAL`), footnote marks
    (``①``, ``¹``) turned into ``※`` and whitespace removed (a run of spaces between figures, a
    tab or a run of two or more spaces becomes a cell separator ``|``) (:func:`normalise`).
    Every normalised character keeps its plain offset.

Standard library only, and pypdf, imported only for a PDF.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from .errors import InputDataError
from .indicators import TRADITIONAL

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
    separator here unless between digit groups: see
    :data:`countysurv.extract_targets.NUMBER`). Zero-width characters go.
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


# --- PDF text layer -------------------------------------------------------------------------

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
