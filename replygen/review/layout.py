"""A reply's pages measured straight from WeasyPrint's layout, without writing (or re-reading) a PDF.

A review lays out every reply twice. Writing each layout to PDF and measuring the PDF with pdfplumber, as
`replygen check` does, would cost more than the whole batch it is compared with (writing is ~45 % of a PDF
render, pdfplumber ~0.7 s a file); the layout already holds every line that the PDF would draw. The lines are
returned in the model `check` measures with (`check.measure.Line`/`Page`: millimetres from the paper's top-left
corner, sizes in points, lines grouped by baseline), and tests hold the two measurements against each other.
Only the replies whose pages are shown in the report are written to PDF (`pdf_bytes`), from the same layout.

Each line is also tied to the paragraph it belongs to (the document's paragraphs are the HTML's `p` elements
and the 版记's spans, in order), which is what lets a review say *which element* moved.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass

from replygen.check.measure import Line, Page
from replygen.document import IMPRINT, Document
from replygen.style import Style
from replygen.writers.pdf import IMPRINT_PAGE

MM_PER_PX = 25.4 / 96
PT_PER_PX = 0.75
ASCENT = 0.88
"""where the em box's top lies above the baseline, in ems (the em box is what pdfplumber reports for a char)"""


@dataclass(frozen=True)
class Block:
    """One paragraph as laid out: where its lines are. Positions in mm from the paper's top-left corner."""

    role: str
    page: int
    """page of its first line (1-based)"""
    last_page: int
    top: float
    """its first line's top"""
    bottom: float
    """its last line's bottom"""
    x0: float
    """its first line's left end"""
    size: float
    """the largest size of its text, pt"""
    lines: int
    font: str


@dataclass(frozen=True)
class Layout:
    """What a review compares of one side's layout (small: it travels back from the worker processes)."""

    pages: int
    blocks: tuple[Block | None, ...]
    """per document paragraph, None when it drew no text"""
    page_numbers: tuple[Line, ...]
    """the page-number line of each page that has one"""
    pitch: float | None
    """the body text's line pitch, mm"""
    fill: float = 0.0
    """how many lines the text takes on its last page, from its first line to its last (the 版记, which stands
    at the foot of the last page whatever the text above it, left out; so is a page that holds only the 版记)"""


def lay_out(doc: Document, style: Style):
    """The WeasyPrint document that `writers.pdf.render_pdf` writes, laid out but not written
    (tests/test_review.py checks that writing it gives render_pdf's bytes)."""
    from replygen.writers.pdf import lay_out as pdf_lay_out

    return pdf_lay_out(doc, style)


def pdf_bytes(rendered, doc: Document, style: Style) -> bytes:
    from replygen.writers.pdf import write_laid_out

    return write_laid_out(rendered, doc, style)


def measure_layout(rendered, doc: Document) -> Layout:
    """The blocks, page numbers and line pitch of a laid-out document."""
    placed = _lines(rendered, len(doc.paragraphs))
    by_paragraph: dict[int, list[Line]] = defaultdict(list)
    numbers = []
    for line, index in placed:
        if index is None:
            numbers.append(line)
        else:
            by_paragraph[index].append(line)
    blocks = []
    for i, paragraph in enumerate(doc.paragraphs):
        lines = by_paragraph.get(i)
        if not lines:
            blocks.append(None)
            continue
        blocks.append(Block(paragraph.role, lines[0].page, lines[-1].page, round(lines[0].top, 2),
                            round(lines[-1].bottom, 2), round(lines[0].x0, 2), max(ln.size for ln in lines),
                            len(lines), sorted(lines[0].fonts)[0] if lines[0].fonts else ""))
    body = [[ln for ln in by_paragraph[i] if doc.paragraphs[i].role == "body"] for i in sorted(by_paragraph)]
    pitch = _pitch(body)
    text = [ln for i, lines in by_paragraph.items() if doc.paragraphs[i].group != IMPRINT for ln in lines]
    last = [ln for ln in text if ln.page == max(t.page for t in text)] if text else []
    fill = 0.0
    if last:
        slot = pitch or (max(ln.bottom - ln.top for ln in last) * 1.8)
        fill = round((max(ln.bottom for ln in last) - min(ln.top for ln in last)) / slot + 0.45, 2)
    return Layout(len(rendered.pages), tuple(blocks), tuple(numbers), pitch, fill)


def pages(rendered, doc: Document) -> list[Page]:
    """The laid-out document in check's model: every page with its lines, top to bottom."""
    found: dict[int, list[Line]] = defaultdict(list)
    for line, _ in _lines(rendered, len(doc.paragraphs)):
        found[line.page].append(line)
    out = []
    for number, page in enumerate(rendered.pages, 1):
        box = page._page_box
        out.append(Page(number, box.margin_width() * MM_PER_PX, box.margin_height() * MM_PER_PX,
                        sorted(found[number], key=lambda ln: ln.bottom)))
    return out


def _lines(rendered, paragraphs: int) -> list[tuple[Line, int | None]]:
    """Every line of text with the index of its paragraph (None: the page number or other page furniture).
    Text on one baseline (to the nearest point) is one line, as check.measure groups a PDF's characters."""
    from weasyprint.formatting_structure import boxes

    root = rendered.pages[0]._page_box.children[0].element if rendered.pages else None
    index, parents = _paragraph_elements(root)
    if len(index) != paragraphs:
        index = {}  # the HTML no longer maps one element to one paragraph: measure lines, name no paragraph
    out: list[tuple[Line, int | None]] = []
    for number, page in enumerate(rendered.pages, 1):
        rows: dict[float, list[tuple[object, int | None]]] = defaultdict(list)
        stack = [page._page_box]
        while stack:
            box = stack.pop()
            if isinstance(box, boxes.TextBox):
                if box.text.replace("\u200b", "").strip():
                    baseline = box.position_y + box.baseline
                    rows[round(baseline * PT_PER_PX)].append((box, _owner(box.element, index, parents)))
                continue
            stack.extend(reversed(getattr(box, "children", None) or []))
        for _, texts in sorted(rows.items()):
            texts.sort(key=lambda t: t[0].position_x)
            out.append((_line(number, [t for t, _ in texts]), next((i for _, i in texts if i is not None), None)))
    return out


def _line(page: int, texts: list) -> Line:
    size = max(t.style["font_size"] for t in texts) * PT_PER_PX
    baseline = max(t.position_y + t.baseline for t in texts) * MM_PER_PX
    em = size / 72 * 25.4
    colours = {tuple(round(c, 2) for c in t.style["color"][:3]) for t in texts}
    return Line(page, "".join(t.text for t in texts).replace("\u200b", ""), baseline - ASCENT * em,
                baseline + (1 - ASCENT) * em, texts[0].position_x * MM_PER_PX,
                (texts[-1].position_x + texts[-1].width) * MM_PER_PX, round(size, 1),
                frozenset(str(t.style["font_family"][0]) for t in texts),
                any(max(c) - min(c) > 0.2 for c in colours))


def _paragraph_elements(root) -> tuple[dict[int, int], dict[int, object]]:
    """id(element) → paragraph index, in the order writers.pdf.to_html writes them: every `p`, and the 版记's
    paragraphs (spans inside the span.imprint footnote) right after the `p` that carries them, or in the `p` that
    holds them on a page of their own; and the parents."""
    index: dict[int, int] = {}
    parents: dict[int, object] = {}
    if root is None:
        return index, parents
    for element in root.iter():
        for child in element:
            parents[id(child)] = element
        tag = element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""
        parent = parents.get(id(element))
        in_imprint = (tag == "span" and parent is not None
                      and IMPRINT in (parent.get("class") or "").split())
        holder = IMPRINT_PAGE in (element.get("class") or "").split()  # the 版记's own page: no paragraph itself
        if (tag == "p" and not holder) or in_imprint:
            index[id(element)] = len(index)
    return index, parents


def _owner(element, index: dict[int, int], parents: dict[int, object]) -> int | None:
    while element is not None:
        if id(element) in index:
            return index[id(element)]
        element = parents.get(id(element))
    return None


def _pitch(pages_lines: list[list[Line]]) -> float | None:
    """The body line pitch, mm: the median gap between consecutive lines within a paragraph (as check does)."""
    import statistics

    gaps = [round(b.top - a.top, 3) for lines in pages_lines for a, b in itertools.pairwise(lines)
            if b.page == a.page and b.top > a.top]
    return statistics.median(gaps) if gaps else None
