"""A small PDF writer: pages of Chinese text with a real text layer (simulated bulletins, tests).

Chinese bulletins published as PDF (typically printed from a word processor) show their text
with a composite font: a ``Type0`` font with ``Identity-H`` encoding, so every glyph is a
two-byte CID, and a ``ToUnicode`` CMap that maps each CID back to its character. Text
extraction reads that map; the glyphs themselves are not needed for it, so the font here has
no embedded font program (viewers substitute a system font). Each line is a list of
``(x, text)`` cells placed at ``x`` points from the left edge, so a table's cells sit apart
on the page the way a typeset table's do.

:func:`wrap` lays out prose the way a word processor does: a paragraph indented by two
characters, lines broken at a fixed width wherever they fall, except inside a run of digits
(a figure stays on one line, its unit may not), so sentences run on from line to line. The
simulated default study prints one style of its bulletin texts this way
(countysurv/simulate_texts.py); the extractor reads them back through pypdf
(countysurv/extract.py, ``pdf_pages``). Output bytes depend only on the input (no dates, no IDs).
"""

from __future__ import annotations

from pathlib import Path

from .io import atomic_path

Cell = tuple[float, str]


def _hex_cid(cid: int) -> str:
    return f"{cid:04X}"


def _utf16_hex(ch: str) -> str:
    return ch.encode("utf-16-be").hex().upper()


def _cmap(cids: dict[str, int]) -> bytes:
    """The ToUnicode CMap: one ``bfchar`` entry per character (at most 100 per block)."""
    entries = sorted(cids.items(), key=lambda kv: kv[1])
    blocks = []
    for start in range(0, len(entries), 100):
        chunk = entries[start:start + 100]
        body = "\n".join(f"<{_hex_cid(cid)}> <{_utf16_hex(ch)}>" for ch, cid in chunk)
        blocks.append(f"{len(chunk)} beginbfchar\n{body}\nendbfchar")
    text = ("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
            "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
            + "\n".join(blocks)
            + "\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
    return text.encode("ascii")


def _stream(body: bytes, extra: str = "") -> bytes:
    return (f"<< /Length {len(body)}{extra} >>\nstream\n".encode("ascii") + body
            + b"\nendstream")


#: Left margin, first baseline and the lowest baseline of a page, in points (A4: 595 × 842).
LEFT, TOP, BOTTOM = 60.0, 800.0, 50.0


def wrap(text: str, width: int = 34, x: float = LEFT, size: float = 10.5) -> list[list[Cell]]:
    """Lay out prose: each non-empty line of ``text`` a paragraph, wrapped at ``width`` characters.

    A paragraph's first line is indented by two characters; a line never breaks inside a run
    of ASCII digits and decimal points. Each returned line is one cell at ``x``.
    """
    lines: list[list[Cell]] = []
    for paragraph in text.split("\n"):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        rest = "\u3000\u3000" + paragraph
        while rest:
            cut = min(width, len(rest))
            while 0 < cut < len(rest) and _digitish(rest[cut - 1]) and _digitish(rest[cut]):
                cut -= 1
            if cut == 0:  # a run of digits longer than the line: break it at the width
                cut = width
            lines.append([(x, rest[:cut])])
            rest = rest[cut:]
    return lines


def _digitish(ch: str) -> bool:
    return ch.isascii() and (ch.isdigit() or ch == ".")


def paginate(lines: list[list[Cell]], leading: float = 16.0) -> list[list[list[Cell]]]:
    """Split lines into pages of as many lines as fit between :data:`TOP` and :data:`BOTTOM`."""
    per_page = int((TOP - BOTTOM) // leading) + 1
    return [lines[i:i + per_page] for i in range(0, len(lines), per_page)] or [[]]


def write_text_pdf(path: str | Path, pages: list[list[list[Cell]]], size: float = 10.5,
                   leading: float = 16.0) -> Path:
    """Write :func:`text_pdf` of ``pages`` to ``path`` (atomically); return the path."""
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_bytes(text_pdf(pages, size, leading))
    return path


def text_pdf(pages: list[list[list[Cell]]], size: float = 10.5, leading: float = 16.0) -> bytes:
    """``pages`` (each a list of lines, each line a list of ``(x, text)`` cells) as PDF bytes.

    Characters get CIDs in order of first appearance; every page uses the one font; ASCII
    characters are half as wide as the others.
    """
    cids: dict[str, int] = {}
    for page in pages:
        for line in page:
            for _, text in line:
                for ch in text:
                    cids.setdefault(ch, len(cids) + 1)

    objects: list[bytes] = []  # object n is objects[n - 1]

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in once the page tree exists
    pages_obj = add(b"")
    cmap = add(_stream(_cmap(cids)))
    descriptor = add(b"<< /Type /FontDescriptor /FontName /TestSong /Flags 4 "
                     b"/FontBBox [0 -140 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 "
                     b"/CapHeight 700 /StemV 80 >>")
    widths = " ".join("500" if ord(c) < 128 else "1000" for c in sorted(cids, key=cids.get))
    cid_font = add(f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /TestSong "
                   f"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
                   f"/FontDescriptor {descriptor} 0 R /DW 1000 /W [1 [{widths}]] "
                   f"/CIDToGIDMap /Identity >>".encode("ascii"))
    font = add(f"<< /Type /Font /Subtype /Type0 /BaseFont /TestSong /Encoding /Identity-H "
               f"/DescendantFonts [{cid_font} 0 R] /ToUnicode {cmap} 0 R >>".encode("ascii"))
    kids = []
    for page in pages:
        ops = []
        y = TOP
        for line in page:
            for x, text in line:
                glyphs = "".join(_hex_cid(cids[ch]) for ch in text)
                ops.append(f"BT /F1 {size} Tf 1 0 0 1 {x:.1f} {y:.1f} Tm <{glyphs}> Tj ET")
            y -= leading
        content = add(_stream("\n".join(ops).encode("ascii")))
        kids.append(add(f"<< /Type /Page /Parent {pages_obj} 0 R /MediaBox [0 0 595 842] "
                        f"/Resources << /Font << /F1 {font} 0 R >> >> "
                        f"/Contents {content} 0 R >>".encode("ascii")))
    objects[pages_obj - 1] = (f"<< /Type /Pages /Count {len(kids)} /Kids ["
                              + " ".join(f"{k} 0 R" for k in kids) + "] >>").encode("ascii")
    objects[catalog - 1] = f"<< /Type /Catalog /Pages {pages_obj} 0 R >>".encode("ascii")

    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode("ascii") + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode("ascii")
    out += b"".join(f"{o:010d} 00000 n \n".encode("ascii") for o in offsets)
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root {catalog} 0 R >>\n"
            f"startxref\n{xref}\n%%EOF\n").encode("ascii")
    return bytes(out)
