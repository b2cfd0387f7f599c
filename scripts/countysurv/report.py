"""Small helpers for the Snakemake report: the workflow's Markdown outputs as standalone HTML.

The report shows HTML results inline (in an iframe) but offers other text only as a download, so
``paper_comparison.md`` and ``paper_audit.md`` get an HTML twin. The converter covers exactly the
Markdown these modules write (ATX headings, paragraphs, pipe tables with alignment rows, ``-``
lists, `code`, **bold**, *emphasis*, backslash escapes); everything is HTML-escaped first.
"""

from __future__ import annotations

import html
import re

_ESCAPABLE = r"\\`*_{}\[\]()#+\-.!|>"
_ESC = re.compile(rf"\\([{_ESCAPABLE}])")
_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_BULLET = re.compile(r"^[-*]\s+")
_EM = re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])")
_STYLE = """
body { font-family: system-ui, sans-serif; font-size: 14px; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin: 0.8em 0; }
th, td { border-bottom: 1px solid #ddd; padding: 0.2em 0.6em; vertical-align: top; }
th { background: #f4f4f4; }
code { background: #f4f4f4; padding: 0 0.2em; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.4em; }
"""


def _inline(text: str) -> str:
    """Inline Markdown → HTML. Code spans and escapes are protected before emphasis is parsed."""
    slots: list[str] = []

    def keep(fragment: str) -> str:
        slots.append(fragment)
        return f"\x00{len(slots) - 1}\x00"

    text = _ESC.sub(lambda m: keep(html.escape(m.group(1))), text)
    text = _CODE.sub(lambda m: keep(f"<code>{html.escape(m.group(1))}</code>"), text)
    text = html.escape(text, quote=False)
    text = _BOLD.sub(r"<strong>\1</strong>", text)
    text = _EM.sub(r"<em>\1</em>", text)
    return re.sub(r"\x00(\d+)\x00", lambda m: slots[int(m.group(1))], text)


def _split_row(line: str) -> list[str]:
    """Cells of a pipe-table row; an escaped ``\\|`` stays inside its cell."""
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    return [c.strip() for c in re.split(r"(?<!\\)\|", body)]


def _align(spec: str) -> str:
    spec = spec.strip()
    if spec.startswith(":") and spec.endswith(":"):
        return "center"
    return "right" if spec.endswith(":") else "left"


def _table(lines: list[str]) -> list[str]:
    header = _split_row(lines[0])
    aligns = [_align(s) for s in _split_row(lines[1])] if len(lines) > 1 else []
    aligns += ["left"] * (len(header) - len(aligns))
    out = ["<table>", "<thead><tr>"
           + "".join(f'<th style="text-align:{a}">{_inline(h)}</th>' for h, a in zip(header, aligns))
           + "</tr></thead>", "<tbody>"]
    for line in lines[2:]:
        cells = _split_row(line)
        out.append("<tr>" + "".join(f'<td style="text-align:{a}">{_inline(c)}</td>'
                                    for c, a in zip(cells, aligns)) + "</tr>")
    out += ["</tbody>", "</table>"]
    return out


def markdown_to_html(text: str, title: str) -> str:
    """A standalone HTML page (inline CSS, no external resources) from the Markdown ``text``."""
    body: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if not stripped:
            i += 1
            continue
        heading = re.match(r"^(#{1,6})\s+(.*)$", stripped)
        if heading:
            level = len(heading.group(1))
            body.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
            i += 1
        elif stripped.startswith("|"):
            block = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                block.append(lines[i])
                i += 1
            body += _table(block)
        elif _BULLET.match(stripped):
            body.append("<ul>")
            while i < len(lines) and _BULLET.match(lines[i].strip()):
                item = _BULLET.sub("", lines[i].strip())
                body.append(f"<li>{_inline(item)}</li>")
                i += 1
            body.append("</ul>")
        else:
            para = []
            while (i < len(lines) and lines[i].strip() and not lines[i].strip().startswith(("#", "|"))
                   and not _BULLET.match(lines[i].strip())):
                para.append(lines[i].strip())
                i += 1
            body.append(f"<p>{_inline(' '.join(para))}</p>")
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{html.escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")
