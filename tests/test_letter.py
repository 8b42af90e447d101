"""信函格式 (issuer header: letter), measured on the example letter: the organ mark 30 mm from the paper's top,
the two red double lines 170 mm long, the number flush right, no page number on the first page, a 版记 without
印发 line or rules — in replygen's PDF, in the DOCX and in LibreOffice's PDF of the DOCX."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Mm

from replygen.compose import Templates
from replygen.document import IMPRINT, LETTERHEAD, Document
from replygen.errors import ReplyError
from replygen.load import load_reply

from conftest import CONTENT
from libreoffice import to_pdf
from pdfmeasure import Line, Page, measure, rules

LETTER_YAML = CONTENT / "2026" / "example-letter.yaml"
PAGE_CENTRE = 210 / 2
RULE_ENDS = (20, 190)  # 170 mm, centred on the paper
MARK_BOTTOM = 30 + 22 / 72 * 25.4  # the mark's top edge 30 mm down, 22 pt tall
FIRST_RULE = MARK_BOTTOM + 4  # the thick-thin line's top edge, 4 mm under the mark
SECOND_RULE_BOTTOM = 297 - 20  # the thin-thick line's lower edge, 20 mm above the paper's bottom


@pytest.fixture(scope="module")
def letter_doc(templates: Templates) -> Document:
    return templates.compose(load_reply(LETTER_YAML))


@pytest.fixture(scope="module")
def letter_pdf(letter_doc: Document, templates: Templates, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from replygen.writers.pdf import write_pdf

    path = tmp_path_factory.mktemp("letter") / "letter.pdf"
    write_pdf(letter_doc, templates.style, path)
    return path


@pytest.fixture(scope="module")
def letter_docx(letter_doc: Document, templates: Templates, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from replygen.writers.docx import write_docx

    path = tmp_path_factory.mktemp("letter") / "letter.docx"
    write_docx(letter_doc, templates.style, path)
    return path


@pytest.fixture(scope="module")
def pages(letter_pdf: Path) -> list[Page]:
    return measure(letter_pdf)


def _mark(doc: Document) -> str:
    [mark] = [p.text for p in doc.paragraphs if p.group == LETTERHEAD]
    return mark


def _line(page: Page, text: str) -> Line:
    [line] = [ln for ln in page.lines if ln.text.replace(" ", "") == text]
    return line


def _footer(page: Page) -> list[str]:
    return [ln.text.replace(" ", "") for ln in page.lines if ln.top > 262.5]


def _double_lines(path: Path, page: int = 1) -> list[tuple[float, float]]:
    """The rules across the 170 mm of the double lines, and a check that they span it exactly: dark over the
    first and last millimetre inside, nothing in the millimetre outside."""
    found = rules(path, page, *RULE_ENDS)
    (left, right) = RULE_ENDS
    assert len(rules(path, page, left, left + 0.9)) == len(rules(path, page, right - 0.9, right)) == len(found)
    assert rules(path, page, left - 1, left - 0.1) == rules(path, page, right + 0.1, right + 1) == []
    return found


# ---------------------------------------------------------------------------------------------- composed


def test_composed_letter(letter_doc: Document) -> None:
    roles = [p.role for p in letter_doc.paragraphs]
    assert roles[:3] == ["letter-mark", "doc-number-letter", "title-first"]
    assert _mark(letter_doc) == "示例区文化和旅游局"
    assert "printed" not in roles, "a letter's 版记 has no 印发 line"
    assert [p.role for p in letter_doc.paragraphs if p.group == IMPRINT] == ["cc"]
    assert letter_doc.is_letter


def test_letter_rejects_signer_and_category_at_head(tmp_path: Path) -> None:
    text = LETTER_YAML.read_text(encoding="utf-8")
    with pytest.raises(ReplyError, match="签发人"):
        Templates.open().compose(load_reply(LETTER_YAML, text + "signer: 王一川\n"))
    templates = tmp_path / "templates"
    shutil.copytree(Path(Templates.open().root), templates)
    issuer = templates / "issuers" / "example-letter.yaml"
    issuer.write_text(issuer.read_text(encoding="utf-8").replace("position: end", "position: head"), encoding="utf-8")
    with pytest.raises(ReplyError, match="版头"):
        Templates.open(templates).compose(load_reply(LETTER_YAML))


# ---------------------------------------------------------------------------------------------- PDF


def test_pdf_has_two_pages(pages: list[Page]) -> None:
    assert len(pages) == 2


def test_pdf_mark_30mm_from_the_top_and_centred(pages: list[Page], letter_doc: Document) -> None:
    mark = _line(pages[0], _mark(letter_doc))
    assert mark.top == pytest.approx(30, abs=2)
    assert mark.top < 37, "inside the top margin"
    assert mark.size == 22
    assert mark.centre == pytest.approx(PAGE_CENTRE, abs=0.3)


def test_pdf_double_lines(letter_pdf: Path) -> None:
    found = _double_lines(letter_pdf)
    assert len(found) == 4, found
    (y1, thick1), (y2, thin1), (y3, thin2), (y4, thick2) = found
    assert thick1 == pytest.approx(1.0, abs=0.1) and thin1 == pytest.approx(0.35, abs=0.1), "thick over thin"
    assert thin2 == pytest.approx(0.35, abs=0.1) and thick2 == pytest.approx(1.0, abs=0.1), "thin over thick"
    assert y1 - thick1 / 2 == pytest.approx(FIRST_RULE, abs=0.3)
    assert y2 - y1 < 2.5 and y4 - y3 < 2.5, "each a double line: two lines close together"
    assert y4 + thick2 / 2 == pytest.approx(SECOND_RULE_BOTTOM, abs=0.3)


def test_pdf_number_flush_right_under_the_line_and_title_below(pages: list[Page], letter_doc: Document) -> None:
    [number] = [p.text for p in letter_doc.paragraphs if p.role == "doc-number-letter"]
    line = _line(pages[0], number)
    assert line.x1 == pytest.approx(184, abs=0.3)
    assert FIRST_RULE + 2 < line.top < FIRST_RULE + 10
    title = _line(pages[0], letter_doc.paragraphs[2].text)
    assert title.centre == pytest.approx(28 + 156 / 2, abs=1)
    assert title.top - line.top == pytest.approx(2 * 225 / 22, abs=2.5), "the title two lines below"


def test_pdf_page_numbers_from_page_two(pages: list[Page]) -> None:
    assert _footer(pages[0]) == []
    assert _footer(pages[1]) == ["—2—"]


def test_pdf_imprint_without_printed_line_or_rules(pages: list[Page], letter_pdf: Path) -> None:
    assert not any("印发" in ln.text for p in pages for ln in p.lines)
    cc = next(ln for ln in pages[-1].lines if ln.text.startswith("抄送"))
    assert 255 < cc.bottom <= 262
    assert rules(letter_pdf, len(pages)) == []


# ---------------------------------------------------------------------------------------------- DOCX


def test_docx_first_page_header_and_footer(letter_docx: Path, letter_doc: Document) -> None:
    d = docx.Document(str(letter_docx))
    section = d.sections[0]
    assert section.different_first_page_header_footer
    assert section._sectPr.find(qn("w:titlePg")) is not None
    header = section.first_page_header
    assert not header.is_linked_to_previous
    assert [p.text for p in header.paragraphs if p.text] == [_mark(letter_doc)]
    assert d.paragraphs[0].text == letter_doc.paragraphs[1].text, "the mark is in the header, not the body"
    frames = [p._p.pPr.find(qn("w:framePr")) for p in header.paragraphs if p._p.pPr.find(qn("w:framePr")) is not None]
    assert frames[0].get(qn("w:vAnchor")) == "page"
    assert int(frames[0].get(qn("w:y"))) == round(Mm(30).twips)
    assert {f.get(qn("w:w")) for f in frames} == {str(round(Mm(170).twips))}
    assert re.search(r'<w:top w:val="thinThickSmallGap"[^>]*w:color="E60012"', header._element.xml)
    first_footer = section.first_page_footer
    assert not first_footer.is_linked_to_previous
    assert "PAGE" not in first_footer._element.xml
    assert re.search(r'<w:top w:val="thickThinSmallGap"', first_footer._element.xml)
    for footer in (section.footer, section.even_page_footer):
        assert re.search(r"<w:instrText[^>]*>\s*PAGE\s*</w:instrText>", footer._element.xml)


def test_docx_imprint_without_rules(letter_docx: Path) -> None:
    paragraphs = docx.Document(str(letter_docx)).paragraphs
    cc = next(p for p in paragraphs if p.text.startswith("抄送"))
    assert cc._p.pPr.find(qn("w:framePr")) is not None
    assert cc._p.pPr.find(qn("w:pBdr")) is None
    assert not any("印发" in p.text for p in paragraphs)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not on PATH")
def test_libreoffice_lays_out_the_letter(letter_docx: Path, letter_doc: Document, templates: Templates,
                                         tmp_path: Path) -> None:
    lo_pdf = to_pdf(letter_docx, tmp_path, templates.style)
    lo = measure(lo_pdf)
    assert len(lo) == 2
    mark = _line(lo[0], _mark(letter_doc))
    assert mark.top == pytest.approx(30, abs=2) and mark.centre == pytest.approx(PAGE_CENTRE, abs=0.3)
    found = _double_lines(lo_pdf)
    assert len(found) == 4, found
    (y1, thick1), (y2, thin1), (y3, thin2), (y4, thick2) = found
    assert thick1 > thin1 and thick2 > thin2, "thick over thin, then thin over thick"
    assert y2 - y1 < 2.5 and y4 - y3 < 2.5, "each a double line: two lines close together"
    assert y1 - thick1 / 2 == pytest.approx(FIRST_RULE, abs=0.5)
    # the office draws its own thin line and gap (0.26 mm each), so the pair is thinner than in replygen's PDF
    assert y4 + thick2 / 2 == pytest.approx(SECOND_RULE_BOTTOM, abs=1)
    assert _footer(lo[0]) == [] and _footer(lo[1]) == ["—2—"]
