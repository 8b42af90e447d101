"""A PDF measured from its pages against the house style: paper, text area, grid, sizes, fonts, page numbers, 版记.

The text area is found from the lines themselves: a line's em box sits in the middle of its line pitch, so the
text area's top is the first line's top less half the leading. Margins, lines per page and the page-number
position are judged on "full" pages only: pages whose last paragraph runs on to the next page.
"""

from __future__ import annotations

import itertools
import re
import statistics
import unicodedata
from collections import Counter
from pathlib import Path
from typing import BinaryIO

import pdfplumber
from pdfminer.pdftypes import resolve1

from replygen.check.measure import Line, Page, read_pages
from replygen.check.report import GRID_CHARS, MARGIN_MM, PAPER_MM, POSITION_MM, SIZE_PT, Finding, merge_pages
from replygen.style import PT_PER_MM, Style

_NUMBER = re.compile(r"^[—–\-－\s]*(?:第\s*)?(\d+)(?:\s*页)?[—–\-－\s]*$")
_IMPRINT = re.compile(r"^抄送|印发$")


def check_pdf(source: Path | BinaryIO, style: Style) -> list[Finding]:
    with pdfplumber.open(source) as pdf:
        pages = read_pages(pdf)
        missing_fonts = _unembedded_fonts(pdf)
    if not any(p.lines for p in pages):
        return [Finding("pdf-text", "文字", "没有可提取的文字（扫描件或图片？）", "文字型 PDF")]
    m = _Measured(pages, style)
    findings = [*_paper(pages, style), *m.margins(), *m.grid(), *m.sizes(), *m.page_numbers(), *m.imprint()]
    findings += [Finding("pdf-fonts", "字体嵌入", f"{name} 未嵌入", "全部字体嵌入") for name in missing_fonts]
    return merge_pages(findings)


def _mm(points: float) -> float:
    return points / PT_PER_MM


def _paper(pages: list[Page], style: Style) -> list[Finding]:
    want = (_mm(style.page.width), _mm(style.page.height))
    return [Finding("pdf-paper", "纸张", f"{p.width:.1f}×{p.height:.1f} mm", f"{want[0]:.0f}×{want[1]:.0f} mm（±{PAPER_MM:g} mm）",
                    (p.number,))
            for p in pages if abs(p.width - want[0]) > PAPER_MM or abs(p.height - want[1]) > PAPER_MM]


def _unembedded_fonts(pdf: pdfplumber.PDF) -> list[str]:
    """Base names of the fonts the pages use without carrying them (Type 3 fonts are drawings: always carried)."""
    missing: set[str] = set()
    for page in pdf.pages:
        fonts = resolve1(resolve1(page.page_obj.resources or {}).get("Font")) or {}
        for ref in fonts.values():
            font = resolve1(ref)
            if font.get("Subtype") and font["Subtype"].name == "Type3":
                continue
            descendant = resolve1(font.get("DescendantFonts"))
            described = resolve1(descendant[0]) if descendant else font
            descriptor = resolve1(described.get("FontDescriptor")) or {}
            if not any(k in descriptor for k in ("FontFile", "FontFile2", "FontFile3")):
                name = font.get("BaseFont")
                missing.add(getattr(name, "name", str(name)))
    return sorted(missing)


class _Measured:
    """One document's lines, sorted into page numbers and text, with the grid measured from the body text."""

    def __init__(self, pages: list[Page], style: Style) -> None:
        self.style, self.pages = style, pages
        self.numbers = {p.number: _page_number(p) for p in pages}
        self.text = {p.number: [ln for ln in p.lines if ln is not self.numbers[p.number] and not ln.coloured]
                     for p in pages}
        sizes = Counter(ln.size for lines in self.text.values() for ln in lines for _ in ln.text)
        self.body_size = sizes.most_common(1)[0][0]
        self.body = {n: [ln for ln in lines if ln.size == self.body_size] for n, lines in self.text.items()}
        self.pitch = _pitch(self.body.values())
        self.full = self._full_pages()

    # --- the text area ---------------------------------------------------------------------------------

    def _full_pages(self) -> list[int]:
        """Pages whose last paragraph runs on to the next page, and (among several) those whose text reaches
        as low as the lowest of them: pages that a short paragraph or a kept-together block did not end early."""
        ends = {p.number: self.body[p.number][-1].bottom for p in self.pages[:-1] if self.body[p.number]}
        lowest = max(ends.values(), default=0)
        return [n for n, end in ends.items()
                if self._runs_on(n) or (len(ends) > 1 and self.pitch and end > lowest - self.pitch / 2)]

    def _runs_on(self, number: int) -> bool:
        """Whether the page's last paragraph continues on the next page (so the page is full)."""
        here, after = self.body[number], self.body.get(number + 1)
        if not here or not after:
            return False
        left = min(ln.x0 for ln in here)
        return abs(after[0].x0 - left) < 0.5 and after[0].top < min(ln.top for ln in self.text[number + 1]) + 0.5

    def _leading(self, line: Line) -> float:
        return (self.pitch - line.size / PT_PER_MM) / 2 if self.pitch else 0

    def _top(self, number: int) -> float:
        """The text area's top on a page. The first page may open lower (under a red header, or a title set one
        line down): there its first line only has to lie on the grid at or below the top margin."""
        first = self.text[number][0]
        top = first.top - self._leading(first)
        lines_down = round((top - _mm(self.style.page.margin.top)) / self.pitch) if self.pitch else 0
        return top - lines_down * self.pitch if number == 1 and lines_down > 0 else top

    def margins(self) -> list[Finding]:
        want = self.style.page.margin
        out = []
        for n in self.full:
            last, paper = self.body[n][-1], self.pages[n - 1]
            measured = {
                "top": self._top(n),
                "bottom": paper.height - (last.bottom + self._leading(last)),
                "left": min(ln.x0 for ln in self.body[n]),
                "right": paper.width - max(ln.x1 for ln in self.body[n]),
            }
            for side, name in (("top", "上边距（天头）"), ("bottom", "下边距"), ("left", "左边距（订口）"),
                               ("right", "右边距")):
                expected = _mm(getattr(want, side))
                if abs(measured[side] - expected) > MARGIN_MM:
                    out.append(Finding("pdf-margins", name, f"{measured[side]:.1f} mm",
                                       f"{expected:.0f} mm（±{MARGIN_MM:g} mm）", (n,)))
        return out

    def grid(self) -> list[Finding]:
        grid, out = self.style.grid, []
        if not self.pitch:
            return out
        for n in self.full:
            last = self.body[n][-1]
            slots = round((last.bottom + self._leading(last) - self._top(n)) / self.pitch)
            if slots != grid.lines:
                out.append(Finding("pdf-lines", "每页行数", f"{slots} 行（行距 {self.pitch:.2f} mm）",
                                   f"{grid.lines} 行", (n,)))
        advance = self._char_advance()
        if advance:
            lines = [ln for lines in self.body.values() for ln in lines]
            width = max(ln.x1 for ln in lines) - min(ln.x0 for ln in lines)
            chars = width / advance
            if abs(chars - grid.chars) > GRID_CHARS:
                out.append(Finding("pdf-chars", "每行字数", f"{chars:.1f} 字（字距 {advance:.2f} mm）",
                                   f"{grid.chars} 字"))
        return out

    def _char_advance(self) -> float | None:
        """The median advance of a character on full lines of Chinese text (lines a paragraph wraps from)."""
        advances = []
        for lines in self.body.values():
            left = min(ln.x0 for ln in lines) if lines else 0
            for a, b in itertools.pairwise(lines):
                wide = all(unicodedata.east_asian_width(c) in "WF" for c in a.text)
                if wide and abs(b.x0 - left) < 0.5 and abs(b.top - a.top - self.pitch) < 0.5 and len(a.text) > 5:
                    advances.append((a.x1 - a.x0) / len(a.text))
        return statistics.median(advances) if advances else None

    def sizes(self) -> list[Finding]:
        out, roles = [], self.style.roles
        body = roles["body"].size
        if abs(self.body_size - body) > SIZE_PT:
            out.append(Finding("pdf-sizes", "正文字号", f"{self.body_size:g} pt", f"{body:g} pt"))
        title = roles["title"].size
        first = self.text[self.pages[0].number]
        if first:
            centre = (min(ln.x0 for ln in first) + max(ln.x1 for ln in first)) / 2
            for ln in first:
                if ln.size > self.body_size + SIZE_PT and abs(ln.centre - centre) < 2 and abs(ln.size - title) > SIZE_PT:
                    out.append(Finding("pdf-sizes", f"标题“{ln.text[:12]}”字号", f"{ln.size:g} pt", f"{title:g} pt",
                                       (ln.page,)))
        return out

    # --- page numbers and the 版记 ----------------------------------------------------------------------

    def page_numbers(self) -> list[Finding]:
        pn, page, out = self.style.page_number, self.style.page, []
        centre_want = _mm(page.height - page.margin.bottom + pn.below_text)
        inset = _mm(pn.inset * pn.size)
        for p in self.pages:
            line = self.numbers[p.number]
            if line is None:
                if not (p.number == 1 and self._letterhead(p)):
                    out.append(Finding("pdf-page-number", "页码", "没有页码", pn.format.format(n=p.number),
                                       (p.number,)))
                continue
            text, want = re.sub(r"\s", "", line.text), re.sub(r"\s", "", pn.format.format(n=p.number))
            if text != want:
                out.append(Finding("pdf-page-number", "页码文字", f"“{line.text}”", f"“{pn.format.format(n=p.number)}”",
                                   (p.number,)))
            if abs(line.size - pn.size) > SIZE_PT:
                out.append(Finding("pdf-page-number", "页码字号", f"{line.size:g} pt", f"{pn.size:g} pt", (p.number,)))
            centre = (line.top + line.bottom) / 2
            if abs(centre - centre_want) > POSITION_MM:
                out.append(Finding("pdf-page-number", "页码位置（距纸张顶边）", f"{centre:.1f} mm",
                                   f"{centre_want:.1f} mm，版心下 {_mm(pn.below_text):.0f} mm（±{POSITION_MM:g} mm）",
                                   (p.number,)))
            if p.number % 2:
                edge, edge_want, side = line.x1, _mm(page.width - page.margin.right) - inset, "单页右侧空一字"
            else:
                edge, edge_want, side = line.x0, _mm(page.margin.left) + inset, "双页左侧空一字"
            if abs(edge - edge_want) > POSITION_MM:
                where = "右端" if p.number % 2 else "左端"
                out.append(Finding("pdf-page-number", f"页码{where}（距纸张左边）", f"{edge:.1f} mm",
                                   f"{edge_want:.1f} mm，{side}（±{POSITION_MM:g} mm）", (p.number,)))
        return out

    def _letterhead(self, page: Page) -> bool:
        """信函格式: the organ mark stands above the text area and the first page carries no number."""
        top = _mm(self.style.page.margin.top)
        return any(ln.coloured and ln.top < top for ln in page.lines)

    def imprint(self) -> list[Finding]:
        last = self.pages[-1]
        lines = [ln for ln in self.text[last.number] if _IMPRINT.search(re.sub(r"\s", "", ln.text))]
        if not lines:
            return []
        page, out = self.style.page, []
        bottom_want = _mm(page.height - page.margin.bottom)
        lowest = max(lines, key=lambda ln: ln.bottom)
        slot = self.pitch or _mm(self.style.line_pitch)
        if not bottom_want - slot - POSITION_MM <= lowest.bottom <= bottom_want + POSITION_MM:
            out.append(Finding("pdf-imprint", "版记位置（末行底边距纸张顶边）", f"{lowest.bottom:.1f} mm",
                               f"版心最后一行，{bottom_want - slot:.0f}–{bottom_want:.0f} mm", (last.number,)))
        size = self.style.roles["cc"].size
        for ln in lines:
            if abs(ln.size - size) > SIZE_PT:
                out.append(Finding("pdf-imprint", f"版记“{ln.text[:8]}”字号", f"{ln.size:g} pt", f"{size:g} pt",
                                   (last.number,)))
        return out


def _page_number(page: Page) -> Line | None:
    """The page number: the lowest line on the page, when it is a number alone (— 3 —, 3, 第3页)."""
    if not page.lines:
        return None
    last = max(page.lines, key=lambda ln: ln.bottom)
    match = _NUMBER.match(last.text)
    return last if match and len(page.lines) > 1 else None


def _pitch(pages_lines) -> float | None:
    """The line pitch: the median distance between consecutive lines of body text, from the closest ones."""
    gaps = [b.top - a.top for lines in pages_lines for a, b in itertools.pairwise(lines) if b.top > a.top]
    if not gaps:
        return None
    close = [g for g in gaps if g < 1.5 * min(gaps)]
    return statistics.median(close)
