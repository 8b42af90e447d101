"""Where a stamped end block's lines and seals go (GB/T 9704 7.3.5.1 stamped, joint issuance, 7.3.5.3 signature
seal): one computation both writers place from, every number from the Style and the seals' sizes from the
issuer profiles.

Positions are in points: x from the text area's left edge, y from the block's top, which is the bottom of the
last body line's box (or of the 附件说明). A line's box is one pitch tall with its 16 pt glyphs in the middle.

7.3.5.1, one organ: the date ends `date_right` characters from the right edge, the organ name is centred over it
on the line above, the seal is centred on the name, its top `seal_gap` lines below the body, and the two lines sit
in the middle of the seal's lower half (at least `half_margin` inside it). Joint issuance: one seal per name, in
order, the last over the date; seals `joint_gap` apart in rows that fit the text area, names centred on theirs.
7.3.5.3: the signature seal's top `blank_lines` lines below the body, its right edge `date_right` characters in;
the signer's title `title_left` characters in, centred on the seal's height; the date `date_below` blank lines
under the seal, ending `date_right` characters in.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from replygen.document import STAMPED_ROLES, Paragraph, Seal, Stamp
from replygen.style import Style, text_width


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    width: float
    height: float

    @property
    def centre(self) -> float:
        return self.x + self.width / 2


@dataclass(frozen=True)
class Placed:
    """One paragraph of the block: its index in the document, its line's top, its text's left edge."""

    index: int
    top: float
    left: float


@dataclass(frozen=True)
class Layout:
    first: int
    """index of the block's first paragraph; the block runs to the last of `lines`"""
    lines: tuple[Placed, ...]
    seals: tuple[tuple[Box, Seal], ...]
    height: float
    """the block's height in the flow: down to the bottom of its last line"""
    pitch: float

    @property
    def indices(self) -> set[int]:
        return {p.index for p in self.lines}

    def rows(self) -> list[list[Placed]]:
        """The lines grouped by their top, in order (a joint issuance sets several names on one line)."""
        rows: list[list[Placed]] = []
        for p in sorted(self.lines, key=lambda p: (p.top, p.left)):
            if rows and abs(rows[-1][0].top - p.top) < 0.01:
                rows[-1].append(p)
            else:
                rows.append([p])
        return rows


def block_indices(paragraphs: Sequence[Paragraph]) -> list[int]:
    """The end block: the run of signature, signer-title and date paragraphs starting at the first of them."""
    start = next((i for i, p in enumerate(paragraphs) if p.role in STAMPED_ROLES and not p.group), None)
    if start is None:
        return []
    end = start
    while end < len(paragraphs) and paragraphs[end].role in STAMPED_ROLES and not paragraphs[end].group:
        end += 1
    return list(range(start, end))


def place(style: Style, paragraphs: Sequence[Paragraph], stamp: Stamp, pitch: float) -> Layout | None:
    """The block's layout at line pitch `pitch` (each writer passes the pitch it sets lines at)."""
    indices = block_indices(paragraphs)
    if not indices:
        return None
    if stamp.layout == "signature":
        return _signature(style, paragraphs, indices, stamp.seals[0], pitch)
    return _organs(style, paragraphs, indices, stamp.seals, pitch)


def _width(style: Style, text: str) -> float:
    return text_width(text) * style.char_pitch


def _lead(style: Style, pitch: float) -> float:
    """Space between a line box's top and its glyphs' top."""
    return (pitch - style.role("signature").size) / 2


def _organs(style: Style, paragraphs: Sequence[Paragraph], indices: list[int], seals: Sequence[Seal],
            pitch: float) -> Layout:
    rule, cp = style.stamp, style.char_pitch
    names = [i for i in indices if paragraphs[i].role == "signature"]
    date = next((i for i in indices if paragraphs[i].role == "date"), None)
    right = style.text_width - rule.date_right * cp
    anchor = date if date is not None else names[-1]
    date_w = _width(style, paragraphs[anchor].text)
    x_last = right - date_w / 2  # the last seal's centre: over the date (or the last name set where the date goes)
    biggest = max(s.width for s in seals)
    widest = max((_width(style, paragraphs[i].text) for i in names), default=0)
    step = max(biggest + rule.joint_gap, widest + cp)  # seals apart, and names a character apart
    per_row = max(1, min(len(seals), 1 + math.floor((x_last - biggest / 2) / step)))
    rows = math.ceil(max(len(names), 1) / per_row)
    per_row = math.ceil(max(len(names), 1) / rows)
    groups = [names[k:k + per_row] for k in range(0, len(names), per_row)] or [[]]
    lead, margin = _lead(style, pitch), rule.half_margin

    def below_centre(seal: Seal, with_date: bool) -> float:
        """How far the name line's top lies below the seal's centre: the text (one line, or two with the date)
        centred in the seal's lower half (which is a radius tall), its glyphs at least `half_margin` below the
        centre."""
        text_lines = 2 if with_date else 1
        return max(seal.height / 4 - text_lines * pitch / 2, margin - lead)

    lines: list[Placed] = []
    placed_seals: list[tuple[Box, Seal]] = []
    top = rule.seal_gap * pitch
    k = 0
    previous_bottom = None
    for r, group in enumerate(groups):
        last_row = r == len(groups) - 1
        row_seals = seals[k:k + max(len(group), 1)]
        offsets = [below_centre(s, last_row and date is not None) for s in row_seals]
        y = max(top + o + s.height / 2 for o, s in zip(offsets, row_seals, strict=True))  # the name line's top
        if previous_bottom is not None:
            y = max(y, previous_bottom + pitch)
        for j, (i, seal, o) in enumerate(zip(group or [None], row_seals, offsets, strict=True)):
            centre = x_last - (len(row_seals) - 1 - j) * step
            placed_seals.append((Box(centre - seal.width / 2, y - o - seal.height / 2, seal.width, seal.height), seal))
            if i is not None:
                lines.append(Placed(i, y, centre - _width(style, paragraphs[i].text) / 2))
        k += len(row_seals)
        bottom = y + pitch
        if last_row and date is not None:
            lines.append(Placed(date, y + (pitch if group else 0), right - date_w))
            bottom = lines[-1].top + pitch
        top = max(b.y + b.height for b, _ in placed_seals[-len(row_seals):]) + rule.joint_gap
        previous_bottom = bottom
    return Layout(indices[0], tuple(lines), tuple(placed_seals), max(p.top for p in lines) + pitch, pitch)


def _signature(style: Style, paragraphs: Sequence[Paragraph], indices: list[int], seal: Seal,
               pitch: float) -> Layout:
    rule, cp = style.stamp, style.char_pitch
    right = style.text_width - rule.date_right * cp
    top = rule.signature.blank_lines * pitch
    box = Box(right - seal.width, top, seal.width, seal.height)
    lines = []
    for i in indices:
        p = paragraphs[i]
        if p.role == "date":
            lines.append(Placed(i, top + seal.height + rule.signature.date_below * pitch, right - _width(style, p.text)))
        else:  # the signer's title (or a name), centred on the seal's height
            lines.append(Placed(i, top + (seal.height - pitch) / 2, rule.signature.title_left * cp))
    height = max(max(p.top for p in lines) + pitch, top + seal.height)
    return Layout(indices[0], tuple(lines), ((box, seal),), height, pitch)
