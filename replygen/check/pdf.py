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
from dataclasses import dataclass
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
        stamped = check_stamps(pdf, pages, style, m.pitch)
    findings = [*_paper(pages, style), *m.margins(), *m.grid(), *m.sizes(), *m.red_header(), *m.page_numbers(),
                *m.imprint(), *stamped]
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
        last = max((n for n, lines in self.body.items() if lines), default=0)  # the text's last page: not full,
        # whatever follows it (a blank page and the 版记's own page carry no body text)
        ends = {n: lines[-1].bottom for n, lines in self.body.items() if lines and n < last}
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
        bare = self._bare_pages()
        for p in self.pages:
            line = self.numbers[p.number]
            if p.number in bare:
                if line is not None:
                    out.append(Finding("pdf-page-number", "页码", f"“{line.text}”",
                                       "不编页码（版记页前有空白页时，空白页和版记页均不编排页码）", (p.number,)))
                continue
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

    def _bare_pages(self) -> set[int]:
        """A 版记 page holding nothing but the 版记, and the blank pages before it: they carry no page number."""
        bare: set[int] = set()
        for p in reversed(self.pages[1:]):
            texts = [ln for ln in self.text[p.number] if not _IMPRINT.search(re.sub(r"\s", "", ln.text))]
            if texts or (bare and any(_IMPRINT.search(ln.text) for ln in self.text[p.number])):
                break
            bare.add(p.number)
        return bare if any(self.text[n] for n in bare) else set()

    def _letterhead(self, page: Page) -> bool:
        """信函格式: the organ mark stands above the text area and the first page carries no number."""
        top = _mm(self.style.page.margin.top)
        return any(ln.coloured and ln.top < top for ln in page.lines)

    def red_header(self) -> list[Finding]:
        """文件格式: red text inside the first page's text area is the organ mark (红头); its top edge lies
        red_header.mark_top below the text area's top (GB/T 9704 7.2.3). A letter's mark stands above the area."""
        top = _mm(self.style.page.margin.top)
        marks = [ln for ln in self.pages[0].lines if ln.coloured and ln.top > top - POSITION_MM]
        if not marks:
            return []
        got, want = min(ln.top for ln in marks) - top, _mm(self.style.red_header.mark_top)
        if abs(got - want) <= POSITION_MM:
            return []
        return [Finding("pdf-header", "发文机关标志上边缘距版心上边缘", f"{got:.1f} mm",
                        f"{want:.0f} mm（±{POSITION_MM:g} mm）", (1,))]

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
        if last.number % 2 and len(self.pages) > 1:
            out.append(Finding("pdf-imprint", "版记所在页", f"第{last.number}页（单页）",
                               "双页：双面印刷时版记在偶数页，正文结束于单页时版记另起一页", (last.number,)))
        size = self.style.roles["cc"].size
        for ln in lines:
            if abs(ln.size - size) > SIZE_PT:
                out.append(Finding("pdf-imprint", f"版记“{ln.text[:8]}”字号", f"{ln.size:g} pt", f"{size:g} pt",
                                   (last.number,)))
        return out


_DATE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")
_SEAL_MM = (15, 65)  # a red shape this size near the date is a seal
_SEAL_DPI = 100


@dataclass(frozen=True)
class _Box:
    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def centre(self) -> tuple[float, float]:
        return (self.x0 + self.x1) / 2, (self.top + self.bottom) / 2


def check_stamps(pdf: pdfplumber.PDF, pages: list[Page], style: Style, pitch: float | None) -> list[Finding]:
    """The stamped end block (GB/T 9704 7.3.5), measured: the seals are red shapes found in the pixels around the
    date; each must be centred on the organ name it presses (±1 mm), hold the name and the date in its lower half,
    have its top within one line of the body, stay in the text area, and not touch another. A page without red
    there (unstamped, or left for a hand stamp) has nothing to check."""
    found = _date_line(pages, style)
    if found is None:
        return []
    page, date = found
    seals = _red_shapes(pdf.pages[page.number - 1], date)
    if not seals:
        return []
    pitch = pitch or style.line_pitch / PT_PER_MM
    words = _segments(pdf.pages[page.number - 1])
    out = []
    left, right = _mm(style.page.margin.left), _mm(style.page.width - style.page.margin.right)
    tol, n = POSITION_MM, (page.number,)
    date_right = right - style.stamp.date_right * _mm(style.char_pitch)
    if abs(date.x1 - date_right) > tol:
        out.append(Finding("pdf-stamp", "成文日期右端（距纸张左边）", f"{date.x1:.1f} mm",
                           f"{date_right:.1f} mm，右空{style.stamp.date_right:g}字（±{tol:g} mm）", n))
    date_word = next((w for w in words if w.text == re.sub(r"\s", "", date.text) and abs(w.top - date.top) < 1), None)
    organ_seals = [s for s in seals if any(s.x0 < w.centre[0] < s.x1 and s.top < w.centre[1] < s.bottom
                                           for w in words)]
    if date_word and organ_seals and not any(s.x0 < date_word.centre[0] < s.x1 and s.top < date_word.centre[1]
                                             < s.bottom for s in organ_seals):
        last = organ_seals[-1]
        out.append(Finding("pdf-stamp", "成文日期在印章中的位置", f"日期下沿在印章下沿之下 {date_word.bottom - last.bottom:.1f} mm",
                           "在末枚印章的下半部之内（印章压署名和成文日期）", n))
    for k, seal in enumerate(seals):
        what = f"第{k + 1}枚印章" if len(seals) > 1 else "印章"
        if seal.x0 < left - tol or seal.x1 > right + tol:
            out.append(Finding("pdf-stamp", f"{what}左右（距纸张左边）", f"{seal.x0:.1f}–{seal.x1:.1f} mm",
                               f"在版心内：{left:.0f}–{right:.0f} mm", n))
        for other in seals[k + 1:]:
            if seal.x0 < other.x1 + 0.5 and other.x0 < seal.x1 + 0.5 and seal.top < other.bottom + 0.5 \
                    and other.top < seal.bottom + 0.5:
                out.append(Finding("pdf-stamp", f"{what}与相邻印章", "相交或相切", "互不相交、不相切（联合行文）", n))
        pressed = [w for w in words if seal.x0 < w.centre[0] < seal.x1 and seal.top < w.centre[1] < seal.bottom]
        names = [w for w in pressed if not _DATE.fullmatch(w.text)]
        if not pressed:
            out += _signature_seal(seal, words, style, n)
            continue
        cx, cy = seal.centre
        if names:
            name = min(names, key=lambda w: abs(w.centre[0] - cx))
            if abs(name.centre[0] - cx) > 1:
                out.append(Finding("pdf-stamp", f"{what}与发文机关署名“{name.text[:10]}”居中",
                                   f"印章中心偏{'右' if cx > name.centre[0] else '左'} {abs(cx - name.centre[0]):.1f} mm",
                                   "印章居中压署名（±1 mm）", n))
        for w in pressed:
            if w.top < cy or w.bottom > seal.bottom:
                out.append(Finding("pdf-stamp", f"“{w.text[:10]}”在{what}中的位置",
                                   f"上沿距印章中心 {w.top - cy:+.1f} mm，下沿距印章下沿 {seal.bottom - w.bottom:+.1f} mm",
                                   "在印章下半部之内（居印章中心偏下）", n))
        above = [ln for ln in page.lines if not ln.coloured and ln.bottom < min(w.top for w in pressed) - 1
                 and not _DATE.fullmatch(ln.text)]
        if above and k == 0:
            gap = seal.top - max(ln.bottom for ln in above)
            if not 0 <= gap <= pitch:
                out.append(Finding("pdf-stamp", f"{what}上沿距正文末行", f"{gap:.1f} mm",
                                   f"一行之内（0–{pitch:.1f} mm），不压正文", n))
    return out


def _signature_seal(seal: _Box, words: list[_Box], style: Style, n: tuple[int, ...]) -> list[Finding]:
    """A seal pressing no text: a signature seal (7.3.5.3) with the signer's title 左空二字 beside it, else a
    blank seal, which the standard forbids."""
    beside = [w for w in words if w.x1 < seal.x0 and seal.top < w.centre[1] < seal.bottom]
    if not beside:
        return [Finding("pdf-stamp", "印章", "没有压住任何文字（空白章）", "压署名和成文日期（或签名章旁有签发人职务）", n)]
    out = []
    right = _mm(style.page.width - style.page.margin.right) - style.stamp.date_right * _mm(style.char_pitch)
    if abs(seal.x1 - right) > POSITION_MM:
        out.append(Finding("pdf-stamp", "签名章右端（距纸张左边）", f"{seal.x1:.1f} mm",
                           f"{right:.1f} mm，右空{style.stamp.date_right:g}字（±{POSITION_MM:g} mm）", n))
    title = beside[0]
    if abs(title.centre[1] - seal.centre[1]) > POSITION_MM:
        out.append(Finding("pdf-stamp", f"签发人职务“{title.text[:8]}”与签名章", f"上下偏 {title.centre[1] - seal.centre[1]:+.1f} mm",
                           f"以签名章为准上下居中（±{POSITION_MM:g} mm）", n))
    return out


@dataclass(frozen=True)
class _Word(_Box):
    text: str = ""


def _segments(page) -> list[_Word]:
    """Runs of black text on the page, split where a line has a gap of more than a character (a joint issuance's
    names share a line)."""
    rows: dict[float, list[dict]] = {}
    for c in page.chars:
        colour = c.get("non_stroking_color")
        if isinstance(colour, tuple | list) and len(colour) == 3 and max(colour) - min(colour) > 0.2:
            continue
        rows.setdefault(round(c["bottom"]), []).append(c)
    out = []
    for cs in rows.values():
        cs.sort(key=lambda c: c["x0"])
        run = [cs[0]]
        for c in cs[1:]:
            if c["x0"] - run[-1]["x1"] > c["size"]:
                out.append(_word(run))
                run = []
            run.append(c)
        out.append(_word(run))
    return [w for w in out if w.text.strip()]


def _word(cs: list[dict]) -> _Word:
    mm = 1 / PT_PER_MM
    return _Word(cs[0]["x0"] * mm, min(c["top"] for c in cs) * mm, cs[-1]["x1"] * mm, max(c["bottom"] for c in cs) * mm,
                 "".join(c["text"] for c in cs).strip())


def _date_line(pages: list[Page], style: Style) -> tuple[Page, Line] | None:
    """The 成文日期: the last line that is a date alone (the 印发 line ends with 印发)."""
    for page in reversed(pages):
        for ln in reversed(page.lines):
            if not ln.coloured and _DATE.fullmatch(re.sub(r"\s", "", ln.text)):
                return page, ln
    return None


def _red_shapes(page, date: Line) -> list[_Box]:
    """Seal-sized red shapes around the date (from 160 mm above it to 25 mm below), in reading order: rows of
    red pixels, then columns within each row."""
    import numpy as np

    image = page.to_image(resolution=_SEAL_DPI).original.convert("RGB")
    px = np.asarray(image).astype(int)
    red = (px[..., 0] > 150) & (px[..., 1] < 120) & (px[..., 2] < 120)
    per_mm = _SEAL_DPI / 25.4
    y0, y1 = max(0, int((date.top - 160) * per_mm)), min(red.shape[0], int((date.bottom + 25) * per_mm))
    red[:y0], red[y1:] = False, False
    shapes = []
    for r0, r1 in _runs(red.any(axis=1)):
        band = red[r0:r1]
        for c0, c1 in _runs(band.any(axis=0)):
            rows = np.nonzero(band[:, c0:c1].any(axis=1))[0]
            box = _Box(c0 / per_mm, (r0 + rows[0]) / per_mm, c1 / per_mm, (r0 + rows[-1] + 1) / per_mm)
            w, h = box.x1 - box.x0, box.bottom - box.top
            if _SEAL_MM[0] <= w <= _SEAL_MM[1] and _SEAL_MM[0] <= h <= _SEAL_MM[1]:
                shapes.append(box)
    return shapes


def _runs(flags) -> list[tuple[int, int]]:
    """[start, end) of each run of true values, bridging gaps under 1 mm (a ring's thin spots)."""
    bridge = round(_SEAL_DPI / 25.4)
    runs: list[list[int]] = []
    for i in (int(i) for i in flags.nonzero()[0]):
        if runs and i - runs[-1][1] <= bridge:
            runs[-1][1] = i + 1
        else:
            runs.append([i, i + 1])
    return [(a, b) for a, b in runs]


def _page_number(page: Page) -> Line | None:
    """The page number: the lowest line on the page, when it is a number alone (— 3 —, 3, 第3页)."""
    if not page.lines:
        return None
    last = max(page.lines, key=lambda ln: ln.bottom)
    match = _NUMBER.match(last.text)
    return last if match and len(page.lines) > 1 else None


def _pitch(pages_lines) -> float | None:
    """The line pitch: the median distance between consecutive lines of body text, from the closest ones, on
    each page; the largest of the pages' (GB/T 9704 7.3.5.5 lets the last paragraphs before a seal be set
    tighter, so that one page's lines may be closer than the grid's)."""
    medians = []
    for lines in pages_lines:
        gaps = [b.top - a.top for a, b in itertools.pairwise(lines) if b.top > a.top]
        if gaps:
            medians.append(statistics.median([g for g in gaps if g < 1.5 * min(gaps)]))
    return max(medians, default=None)
