"""Bulletins published as PDF: their text layer is read like a text file, spans name the page.

The PDFs are written by ``countysurv/pdf_writer.py`` (a composite font with a ToUnicode map, as
word processors print Chinese text) with figures made up for these tests.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from countysurv import extract, textlayers
from countysurv.errors import InputDataError
from countysurv.pdf_writer import paginate, wrap, write_text_pdf

PAGE_ONE = [
    [(60, "某县2016年国民经济和社会发展统计公报")],
    [(60, "一、综合")],
    [(60, "初步核算，全县实现地区生产总值（GDP）38.27亿元，按可比价格计算，比上年增长9.6%。")],
    [(60, "其中：第一产业增加值9.85亿元，增长5.9%；第二产业增加值12.06亿元，增长10.4%；")],
    [(60, "第三产业增加值16.36亿元，增长11.2%。三次产业结构比为25.7:31.5:42.8。")],
    [(60, "表1  2016年全县地区生产总值")],
    [(60, "指标"), (240, "绝对数（亿元）"), (400, "比上年增长（%）")],
    [(60, "地区生产总值"), (240, "38.27"), (400, "9.6")],
    [(60, "第一产业"), (240, "9.85"), (400, "5.9")],
    [(60, "第二产业"), (240, "12.06"), (400, "10.4")],
    [(60, "第三产业"), (240, "16.36"), (400, "11.2")],
]
PAGE_TWO = [
    [(60, "二、人口")],
    [(60, "年末全县户籍人口41.52万人，比上年增加0.31万人；其中乡村人口33.08万人。")],
    [(60, "全年农业机械总动力28.40万千瓦，增长3.1%。")],
]


def _written(result: extract.Extraction) -> dict[str, tuple[str, str, str]]:
    return {r["indicator"]: (r["value"], r["unit"], r["source"]) for r in result.records}


def test_pdf_text_layer_gives_prose_and_table_values(tmp_path):
    pdf = write_text_pdf(tmp_path / "2016.pdf", [PAGE_ONE, PAGE_TWO])
    result = extract.extract_file(pdf, "520000", "某县", source="某县/2016.pdf")
    written = _written(result)
    assert {k: v[:2] for k, v in written.items()} == {
        "地区生产总值": ("38.27", "亿元"),
        "第一产业增加值": ("9.85", "亿元"),
        "第二产业增加值": ("12.06", "亿元"),
        "第三产业增加值": ("16.36", "亿元"),
        "年末户籍人口": ("41.52", "万人"),
        "乡村人口": ("33.08", "万人"),
        "农业机械总动力": ("28.40", "万千瓦"),
    }
    # Growth rates, the structure ratio and the 比上年增加 amount never became values.
    assert all(r["reason"] for r in result.review)


def test_pdf_spans_name_the_page_and_point_into_its_text(tmp_path):
    pdf = write_text_pdf(tmp_path / "2016.pdf", [PAGE_ONE, PAGE_TWO])
    pages = textlayers.pdf_pages(pdf.read_bytes(), pdf)
    written = _written(extract.extract_file(pdf, "520000", source="x/2016.pdf"))
    for wording, page in (("地区生产总值", 1), ("年末户籍人口", 2), ("农业机械总动力", 2)):
        value, unit, source = written[wording]
        where, span = source.rsplit(":", 1)
        assert where == f"x/2016.pdf#page={page}"
        start, end = (int(x) for x in span.split("-"))
        cited = pages[page - 1][start:end]
        assert value in cited and cited.endswith(unit)


def test_pdf_table_cells_stay_apart(tmp_path):
    """Layout mode keeps a typeset table's cells apart, so the row's first figure is read."""
    pdf = write_text_pdf(tmp_path / "2016.pdf", [[
        [(60, "单位：亿元")],
        [(60, "指标"), (240, "2016年"), (400, "比上年增长（%）")],
        [(60, "地区生产总值"), (240, "38.27"), (400, "9.6")],
    ]])
    written = _written(extract.extract_file(pdf, "520000"))
    assert written["地区生产总值"][:2] == ("38.27", "亿元")


def test_pdf_without_a_text_layer_is_a_clear_error(tmp_path):
    pypdf = pytest.importorskip("pypdf")
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    path = tmp_path / "2016.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    with pytest.raises(InputDataError, match=r"2016\.pdf: the PDF has no text layer"):
        extract.extract_file(path, "520000")


def _encrypted(tmp_path: Path, **passwords: str) -> Path:
    """``2016.pdf``: page two of the fixture, encrypted by pypdf with ``passwords``."""
    pypdf = pytest.importorskip("pypdf")
    writer = pypdf.PdfWriter()
    for page in pypdf.PdfReader(write_text_pdf(tmp_path / "plain.pdf", [PAGE_TWO])).pages:
        writer.add_page(page)
    writer.encrypt(algorithm="RC4-128", **passwords)
    path = tmp_path / "2016.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    return path


def test_password_protected_pdf_is_a_clear_error(tmp_path):
    path = _encrypted(tmp_path, user_password="secret")
    with pytest.raises(InputDataError, match=r"2016\.pdf: the PDF is encrypted with a password"):
        extract.extract_file(path, "520000")


def test_owner_only_encryption_is_read(tmp_path):
    """Many published PDFs are encrypted against editing only: the empty user password opens them."""
    path = _encrypted(tmp_path, user_password="", owner_password="owner")
    assert _written(extract.extract_file(path, "520000"))["年末户籍人口"][:2] == ("41.52", "万人")


@pytest.mark.parametrize("data", [b"", b"%PDF-1.7\nnot really a pdf\n", b"<html>2016</html>"])
def test_broken_pdf_is_a_clear_error(tmp_path, data):
    path = tmp_path / "2016.pdf"
    path.write_bytes(data)
    with pytest.raises(InputDataError, match=r"2016\.pdf: "):
        extract.extract_file(path, "520000")


def test_pdf_counts_as_a_bulletin_text_of_its_year(tmp_path):
    folder = tmp_path / "520000"
    folder.mkdir()
    write_text_pdf(folder / "2016.pdf", [PAGE_TWO])
    (folder / "2017.txt").write_text("年末户籍人口41.80万人。", encoding="utf-8")
    assert [p.name for p in extract.text_files(folder)] == ["2016.pdf", "2017.txt"]
    write_text_pdf(folder / "2017.pdf", [PAGE_TWO])
    with pytest.raises(InputDataError, match="two texts for the year 2017"):
        extract.extract_paths(extract.text_files(folder), "520000")


PROSE = ("初步核算，全县实现地区生产总值（GDP）138.27亿元，按可比价格计算，比上年增长9.6%。"
         "其中：第一产业增加值29.85亿元，增长5.9%；第二产业增加值42.06亿元，增长10.4%；"
         "第三产业增加值66.36亿元，增长11.2%。年末全县户籍人口141.52万人，比上年增加0.31万人。\n"
         "全年农林牧渔业总产值52.40亿元，增长4.1%。")


@pytest.mark.parametrize("width", [17, 23, 29, 34, 41])
def test_wrapped_prose_of_a_pdf_is_read_across_line_ends(tmp_path, width):
    """Sentences, and units, run on from line to line; every value is still read."""
    pdf = write_text_pdf(tmp_path / "2016.pdf", paginate(wrap(PROSE, width)))
    written = _written(extract.extract_file(pdf, "520000"))
    assert {k: v[:2] for k, v in written.items()} == {
        "地区生产总值": ("138.27", "亿元"), "第一产业增加值": ("29.85", "亿元"),
        "第二产业增加值": ("42.06", "亿元"), "第三产业增加值": ("66.36", "亿元"),
        "年末户籍人口": ("141.52", "万人"), "农林牧渔业总产值": ("52.40", "亿元")}


def test_wrap_breaks_lines_at_the_width_but_not_inside_a_figure():
    lines = [cell for line in wrap(PROSE, 23) for _, cell in line]
    assert lines[0].startswith("\u3000\u3000初步核算")
    assert all(len(line) <= 23 for line in lines)
    assert "".join(lines).replace("\u3000", "") == PROSE.replace("\n", "")
    for left, right in zip(lines, lines[1:]):
        assert not (left[-1].isdigit() and (right[0].isdigit() or right[0] == ".")), (left, right)


def test_unwrap_joins_wrapped_prose_and_keeps_rows_headings_and_sentence_ends():
    text = ("一、综合\n"
            "    全县实现地区生产总值24.44亿\n"
            "元，比上年增长11.5%。\n"
            "（一）农业\n"
            "全年粮食产量12.3万吨，比上年增长1.2%，\n"
            "表1  2016年地区生产总值\n"
            "指标          绝对数       增长\n"
            "地区生产总值     24.44     11.5")
    layer = textlayers.unwrap_lines(text)
    assert layer.text.split("\n") == [
        "一、综合", "    全县实现地区生产总值24.44亿元，比上年增长11.5%。", "（一）农业",
        "全年粮食产量12.3万吨，比上年增长1.2%，", "表1  2016年地区生产总值",
        "指标          绝对数       增长", "地区生产总值     24.44     11.5"]
    assert all(text[o] == c for c, o in zip(layer.text, layer.origin) if c != "\n")
    assert all(text[o] == "\n" for c, o in zip(layer.text, layer.origin) if c == "\n")
