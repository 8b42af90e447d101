"""The seed reply's PDF, measured: paper, grid, fonts, page numbers, 版记 — as GB/T 9704-2012 sets them."""

from __future__ import annotations

import itertools
import re
import subprocess
from pathlib import Path

import pytest

from replygen.compose import Templates
from replygen.document import Document
from replygen.style import PT_PER_MM

from pdfmeasure import Line, Page, body_lines, measure, rules

CLOSING = "，。、；：？！）”》〕】’"
OPENING = "（“《〔【‘"


@pytest.fixture(scope="module")
def pages(seed_pdf: Path) -> list[Page]:
    return measure(seed_pdf)


@pytest.fixture(scope="module")
def text_bottom(templates: Templates) -> float:
    page = templates.style.page
    return (page.height - page.margin.bottom) / PT_PER_MM + 0.5


def _all_body(pages: list[Page], bottom: float) -> list[Line]:
    return [line for p in pages for line in body_lines(p, bottom)]


def test_paper_is_a4(pages: list[Page]) -> None:
    for p in pages:
        assert p.width == pytest.approx(210, abs=0.1) and p.height == pytest.approx(297, abs=0.1)


def test_seed_has_four_pages(pages: list[Page]) -> None:
    assert len(pages) == 4


def test_text_is_the_documents_text(pages: list[Page], seed_doc: Document, text_bottom: float) -> None:
    pdf_text = "".join(line.text for line in _all_body(pages, text_bottom))
    assert re.sub(r"\s", "", pdf_text) == re.sub(r"\s", "", "".join(p.text for p in seed_doc.paragraphs))


def test_seed_paragraphs_in_order(pages: list[Page], seed_paragraphs: list[str], text_bottom: float) -> None:
    pdf_text = re.sub(r"\s", "", "".join(line.text for line in _all_body(pages, text_bottom)))
    at = 0
    for para in seed_paragraphs:
        found = pdf_text.find(re.sub(r"\s", "", para), at)
        assert found >= at, f"paragraph not found in order: {para[:30]}"
        at = found + 1


def test_full_pages_hold_22_lines_on_the_grid(pages: list[Page], text_bottom: float) -> None:
    pitch = 225 / 22
    for p in pages[:-1]:
        lines = [ln for ln in body_lines(p, text_bottom) if ln.size == 16]
        assert 37 <= lines[0].top <= 41, f"page {p.number} starts {lines[0].top:.1f} mm from the top"
        slots = [(ln.top - lines[0].top) / pitch for ln in lines]
        assert all(abs(s - round(s)) < 0.05 for s in slots), f"page {p.number}: lines off the grid: {slots}"
        assert round(slots[-1]) == 21, f"page {p.number}: last line in slot {slots[-1]:.2f}, not the 22nd"
        if p.number > 1:  # page 1 also carries the blank lines around the title
            assert len(lines) == 22, f"page {p.number}: {len(lines)} lines"
        assert lines[-1].bottom <= 262.5


def test_lines_start_28mm_and_end_by_184mm(pages: list[Page], text_bottom: float) -> None:
    lines = [ln for ln in _all_body(pages[:-1], text_bottom) if ln.size == 16]
    assert min(ln.x0 for ln in lines) == pytest.approx(28.0, abs=0.3)
    assert max(ln.x1 for ln in lines) <= 184.3
    full = [ln for ln in lines if ln.x1 > 183]
    assert len(full) > 40


def test_wrapped_lines_hold_28_characters(pages: list[Page], text_bottom: float) -> None:
    wrapped = []
    for p in pages:
        lines = [ln for ln in body_lines(p, text_bottom) if ln.size == 16]
        wrapped += [a for a, b in itertools.pairwise(lines) if abs(b.x0 - 28.0) < 0.5 and a.x1 > 150]
    exact = [ln for ln in wrapped if len(ln.text) + (2 if ln.x0 > 35 else 0) == 28]
    assert len(wrapped) > 50
    assert len(exact) / len(wrapped) >= 0.8, f"{len(exact)} of {len(wrapped)} wrapped lines hold 28 characters"


def test_no_closing_punctuation_starts_and_no_opening_ends_a_line(pages: list[Page], text_bottom: float) -> None:
    for line in _all_body(pages, text_bottom):
        assert line.text[0] not in CLOSING, f"page {line.page}: line starts with {line.text[0]}: {line.text}"
        assert line.text[-1] not in OPENING, f"page {line.page}: line ends with {line.text[-1]}: {line.text}"


def test_body_16pt_and_title_22pt_centred(pages: list[Page], seed_doc: Document) -> None:
    first = pages[0].lines
    titles = [p.text for p in seed_doc.paragraphs if p.role.startswith("title")]
    title_lines = [ln for ln in first if ln.text in titles]
    assert [ln.text for ln in title_lines] == titles
    for ln in title_lines:
        assert ln.size == 22
        assert ln.centre == pytest.approx(28 + 156 / 2, abs=1.0)
    body = [ln for ln in first if ln.text.startswith("您提出的")]
    assert body and body[0].size == 16


def test_every_font_is_embedded(seed_pdf: Path) -> None:
    out = subprocess.run(["pdffonts", str(seed_pdf)], capture_output=True, text=True, check=True).stdout
    rows = out.splitlines()[2:]
    assert rows, out
    for row in rows:
        # columns: name type encoding emb sub uni object ID
        assert re.search(r"\byes\s+yes\s+yes\b", row), f"font not embedded as a subset: {row}"


def test_page_numbers(pages: list[Page], text_bottom: float) -> None:
    for p in pages:
        footer = [ln for ln in p.lines if ln.top > text_bottom - 1]
        assert [ln.text.replace(" ", "") for ln in footer] == [f"—{p.number}—"]
        number = footer[0]
        assert number.size == 14
        assert (number.top + number.bottom) / 2 == pytest.approx(262 + 7, abs=1.5)
        one_char = 14 / PT_PER_MM
        if p.number % 2:
            assert number.x1 == pytest.approx(184 - one_char, abs=0.5), "odd pages: right, one character in"
        else:
            assert number.x0 == pytest.approx(28 + one_char, abs=0.5), "even pages: left, one character in"


def test_imprint_sits_at_the_foot_of_the_last_page(pages: list[Page], seed_doc: Document, seed_pdf: Path) -> None:
    last = pages[-1]
    imprint = [p.text for p in seed_doc.paragraphs if p.group == "imprint"]
    lines = [ln for ln in last.lines if ln.text.replace(" ", "").startswith(("抄送", "上海市市场监督管理局办公室"))]
    assert len(lines) == len(imprint) == 2
    assert 255 < lines[-1].bottom <= 262
    assert all(ln.size == 14 for ln in lines)
    found = rules(seed_pdf, last.number)
    assert len(found) == 3, found
    (_, top), (_, middle), (bottom_y, bottom) = found
    assert top == pytest.approx(0.35, abs=0.06) and bottom == pytest.approx(0.35, abs=0.06)
    assert middle == pytest.approx(0.25, abs=0.06)
    assert bottom_y == pytest.approx(262, abs=0.5), "the last rule lies on the text area's bottom edge"


def test_signature_and_date_placed_per_standard(pages: list[Page]) -> None:
    last = pages[-1].lines
    name = next(ln for ln in last if ln.text == "上海市市场监督管理局")
    date = next(ln for ln in last if ln.text == "2026年6月18日")
    char = 156 / 28
    assert name.x1 == pytest.approx(184 - 2 * char, abs=0.5), "organ name 右空二字"
    assert date.x0 == pytest.approx(name.x0 + 2 * char, abs=0.5), "date starts two characters right of the name"
    assert date.top > name.top
