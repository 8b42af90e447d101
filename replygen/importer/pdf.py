"""A PDF's text as the reply's lines: characters with their positions (pypdfium2) → rows on the page → the
document's paragraphs, as a reader of the printed page would see them.

A PDF has no paragraphs, only positioned characters; the layout tells where one ends. A row continues onto the
next when it ran to the right edge of the text area, that is when the next row's first unbreakable piece (a
character with the punctuation that may not start a row, or a Latin word) would not have fitted after it; a row
indented from the left edge (first-line indent, a centred title, the right-aligned signature and date), another
size (title, 版记), or a gap of a blank row starts a new paragraph. Page numbers and running headers and footers
(rows in the page's top or bottom band that repeat on other pages) are not the reply's text and are dropped.
"""

from __future__ import annotations

import ctypes
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from replygen.errors import ReplyError

OPENING_PUNCT = "“‘《（〔【「『([{〈"
CLOSING_PUNCT = "，。、；：？！”’》）〕】」』〉,.;:?!)]}…—%％"
_LATIN = re.compile(r"[A-Za-z0-9/.\-_:@%]")
PAGE_NUMBER = re.compile(r"^[-—–－\s]*(?:第\s*)?[\d一二三四五六七八九十]+\s*页?\s*(?:[/／]\s*\d+|共\s*\d+\s*页)?[-—–－\s]*$"
                         r"|^(?:第\s*\d+\s*页\s*)?共\s*\d+\s*页$|^(?:page\s*)?\d+(?:\s*(?:of|/)\s*\d+)?$", re.IGNORECASE)
BAND = 0.12
"""Top and bottom share of the page where page numbers and running headers live."""


@dataclass
class Char:
    text: str
    x0: float
    x1: float
    y: float  # baseline, from the page's top
    size: float
    spaced: bool = False  # a space character came before it


@dataclass
class Row:
    """Characters on one baseline of one page, left to right."""

    page: int
    chars: list[Char]
    no: int = 0  # row number on its page, counting the kept rows from the top
    text: str = field(init=False)

    def __post_init__(self) -> None:
        self.text = _join_chars(self.chars)

    @property
    def x0(self) -> float:
        return self.chars[0].x0

    @property
    def x1(self) -> float:
        return self.chars[-1].x1

    @property
    def y(self) -> float:
        return statistics.median(c.y for c in self.chars)

    @property
    def size(self) -> float:
        return round(Counter(round(c.size, 1) for c in self.chars).most_common(1)[0][0], 1)


@dataclass(frozen=True)
class Paragraph:
    """One line of the reply (a paragraph, a title line, a signature): its text and where it starts."""

    text: str
    page: int
    row: int


def pdf_paragraphs(path: Path, raw: bytes) -> list[Paragraph]:
    """The reply's lines in the PDF, page numbers and running headers left out."""
    pages = _pages(path, raw)
    if not any(rows for _, rows in pages):
        raise ReplyError.at("PDF 中没有文字层（可能是扫描件或图片）：需要先做文字识别（OCR），再导入识别出的文字", path)
    rows = _drop_furniture(pages)
    return _paragraphs(rows)


# ---------------------------------------------------------------------------------------------- characters

def _pages(path: Path, raw: bytes) -> list[tuple[float, list[Row]]]:
    """(page height, its rows from the top) for each page."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(raw)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise ReplyError.at("PDF 文件已加密（需要密码才能打开），无法读取：请先用密码打开并另存为不加密的 PDF", path) from None
        raise ReplyError.at("PDF 文件已损坏或不是 PDF，无法读取", path) from None
    try:
        out = []
        for index in range(len(pdf)):
            page = pdf[index]
            height = page.get_height()
            textpage = page.get_textpage()
            out.append((height, _rows(index + 1, _chars(textpage, height))))
            textpage.close()
            page.close()
        return out
    finally:
        pdf.close()


def _chars(textpage, height: float) -> list[Char]:
    """The page's characters with their cells (the font's advance, not the glyph's ink: a full-width comma's ink
    is a dot in the cell's corner) and baselines; a space or tab in the text marks the next character."""
    import pypdfium2.raw as pdfium_c

    handle = textpage.raw
    x, y = ctypes.c_double(), ctypes.c_double()
    box = pdfium_c.FS_RECTF()
    chars: list[Char] = []
    spaced = False
    for i in range(pdfium_c.FPDFText_CountChars(handle)):
        code = pdfium_c.FPDFText_GetUnicode(handle, i)
        if code in (0, 0xFFFE, 0xFFFF) or pdfium_c.FPDFText_IsGenerated(handle, i) == 1:
            continue
        text = chr(code)
        if text.isspace():
            spaced = True
            continue
        pdfium_c.FPDFText_GetCharOrigin(handle, i, x, y)
        pdfium_c.FPDFText_GetLooseCharBox(handle, i, box)
        size = pdfium_c.FPDFText_GetFontSize(handle, i)
        chars.append(Char(text, box.left, max(box.right, box.left), height - y.value, size, spaced))
        spaced = False
    return chars


def _rows(page: int, chars: list[Char]) -> list[Row]:
    """Characters grouped by baseline: a character joins the row whose baseline is within a third of its size."""
    rows: list[list[Char]] = []
    for c in sorted(chars, key=lambda c: c.y):
        if rows and abs(rows[-1][-1].y - c.y) <= max(c.size, 1) / 3:
            rows[-1].append(c)
        else:
            rows.append([c])
    return [Row(page, sorted(cs, key=lambda c: c.x0)) for cs in rows]


def _join_chars(chars: list[Char]) -> str:
    """Characters of a row; a space, or a gap of a quarter of the size (a tab stop, a table cell), is a space."""
    out = []
    for prev, c in zip([None, *chars[:-1]], chars, strict=True):
        if prev is not None and (c.spaced or c.x0 - prev.x1 > max(c.size, prev.size) / 4):
            out.append(" ")
        out.append(c.text)
    return "".join(out)


# ------------------------------------------------------------------------------------ page furniture

def _drop_furniture(pages: list[tuple[float, list[Row]]]) -> list[Row]:
    """Rows without page numbers and running headers/footers, their numbers counted on each page."""

    def banded(row: Row, height: float) -> bool:
        return row.y < BAND * height or row.y > (1 - BAND) * height

    def key(row: Row) -> str:
        return re.sub(r"\d+", "#", re.sub(r"\s+", "", row.text))

    repeated = Counter(k for height, rows in pages for k in {key(r) for r in rows if banded(r, height)})
    kept: list[Row] = []
    for height, rows in pages:
        body = [r for r in rows if not (banded(r, height) and (PAGE_NUMBER.match(r.text) or repeated[key(r)] > 1))]
        for no, row in enumerate(body, 1):
            row.no = no
        kept += body
    return kept


# ------------------------------------------------------------------------------------------- paragraphs

@dataclass(frozen=True)
class Area:
    """The text area as the body rows show it: their left edge, right edge, size and baseline pitch."""

    left: float
    right: float
    size: float
    pitch: float

    def continues(self, prev: Row, row: Row) -> bool:
        """Whether `row` goes on with the paragraph `prev` ended its row in."""
        em = prev.size
        if abs(row.size - prev.size) > 0.5 or _spread(prev) or _spread(row):
            return False
        if row.page == prev.page and row.y - prev.y > 1.6 * max(self.pitch, em * 1.2):
            return False
        if prev.x0 > self.left + 2.5 * em:  # right-aligned, or a short centred row: a line of its own
            return False
        if row.x0 > self.left + em / 2 and not (self.centred(row) and prev.x0 < self.left + em / 2):
            return False
        return prev.x1 + _first_piece(row) + em / 2 > self.right

    def centred(self, row: Row) -> bool:
        """Set in the middle (a wrapped title's last row), not merely indented by two characters."""
        indent = row.x0 - self.left
        return (abs(indent - (self.right - row.x1)) < row.size / 2
                and (indent > 2.5 * row.size or (row.size > self.size + 0.5 and indent > row.size / 2)))


def _paragraphs(rows: list[Row]) -> list[Paragraph]:
    if not rows:
        return []
    weights: Counter[float] = Counter()
    for r in rows:
        weights[r.size] += len(r.chars)
    size = weights.most_common(1)[0][0]
    body = [r for r in rows if r.size == size]
    area = Area(min(r.x0 for r in body), _percentile([r.x1 for r in body], 0.9), size, _pitch(body))
    out: list[Paragraph] = []
    current: list[Row] = []
    for row in rows:
        if current and area.continues(current[-1], row):
            current.append(row)
            continue
        if current:
            out.append(_paragraph(current))
        current = [row]
    out.append(_paragraph(current))
    return out


def _spread(row: Row) -> bool:
    """Pieces set apart by a gap of two characters or more: a number left and 签发人 right, table cells."""
    return any(b.x0 - a.x1 > 2 * b.size for a, b in pairwise(row.chars))


def _first_piece(row: Row) -> float:
    """Width of what could not have been split from the row's start: opening punctuation, a character or a Latin
    word, and the closing punctuation that may not start a row."""
    chars = row.chars
    k = 0
    while k < len(chars) - 1 and chars[k].text in OPENING_PUNCT:
        k += 1
    if _LATIN.match(chars[k].text):
        while k + 1 < len(chars) and _LATIN.match(chars[k + 1].text) and chars[k + 1].x0 - chars[k].x1 < 1:
            k += 1
    while k + 1 < len(chars) and chars[k + 1].text in CLOSING_PUNCT:
        k += 1
    return chars[k].x1 - chars[0].x0


def _paragraph(rows: list[Row]) -> Paragraph:
    text = rows[0].text
    for prev, row in pairwise(rows):
        latin = prev.text[-1:].isascii() and prev.text[-1:].isalnum() and row.text[:1].isascii() and row.text[:1].isalnum()
        text += (" " if latin else "") + row.text
    return Paragraph(text, rows[0].page, rows[0].no)


def _pitch(rows: list[Row]) -> float:
    """The usual distance between baselines of consecutive rows on a page."""
    steps = [b.y - a.y for a, b in pairwise(rows) if a.page == b.page and b.y > a.y]
    return statistics.median(steps) if steps else 0.0


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
