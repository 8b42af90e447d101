"""A cheap guess, without a layout, of whether the 版记 will need a page of its own (writers.pdf.settle).

settle lays out first the layout this guess says will be final, and decides exactly from that layout; the
guess only decides which layout comes first, so a wrong one costs a second layout, never a different result.

The model: every character on the style's grid (a full-width character one role character wide, others half,
a squeezed punctuation mark half a character narrower), lines filled greedily without starting on a closing
mark, every line one pitch high, paragraphs split anywhere across pages (orphans and widows are 1), a
paragraph's space before dropped at the top of a page after the first. On the generated test archive it
guesses right for more than 99 % of replies.
"""

from __future__ import annotations

import re
import unicodedata

from replygen.document import IMPRINT, LETTERHEAD, Document, Paragraph
from replygen.style import Style, signature_lefts
from replygen.writers.pdf import _CLOSING_CENTRED, _CLOSING_LEFT, _OPENING, _floor, _imprint_line_height, squeezed

_NO_START = frozenset(_CLOSING_LEFT + _CLOSING_CENTRED + "—…·")
"""marks a line does not start with: the character before them goes to the next line with them"""
_NO_END = frozenset(_OPENING)
_SPACES = re.compile(r"[ \t\r\n]+")
_TOLERANCE = 0.05
"""pt: what a line or the 版记 may overrun and still count as fitting (the grid's pitches are floored)"""


def _widths(style: Style, role_name: str, text: str) -> list[float]:
    role = style.role(role_name)
    cw = style.char_width(role)
    spacing = cw - role.size if cw == style.char_pitch else 0.0
    squeeze = squeezed(text)
    out = []
    for i, ch in enumerate(text):
        width = (role.size if unicodedata.east_asian_width(ch) in "WFA" else role.size / 2) + spacing
        out.append(width - role.size / 2 if i in squeeze else width)
    return out


def _glued(text: str, i: int) -> bool:
    """Whether a line may not break before text[i]."""
    a, b = text[i - 1], text[i]
    return b in _NO_START or a in _NO_END or (a.isascii() and b.isascii() and a.isalnum() and b.isalnum())


def lines(style: Style, p: Paragraph, lefts: dict[str, float]) -> int:
    """How many lines a paragraph takes, as the PDF sets it (to_html, stylesheet)."""
    role = style.role(p.role)
    _, right = p.split()
    if right or role.align == "split":
        return 1
    cw = style.char_width(role)
    hang = style.hanging_after(role, p.text)
    if hang is not None:
        padding, indent = role.left * cw + hang, -hang
    elif p.role in lefts:
        padding, indent = lefts[p.role] * style.char_pitch, 0.0
    else:
        padding, indent = (role.left + role.hanging) * cw, (role.indent - role.hanging) * cw
    room = style.text_width - padding - role.right * cw + _TOLERANCE
    text = _SPACES.sub(" ", p.text).strip(" ")
    widths = _widths(style, p.role, text)
    count, x = 1, indent
    for i, width in enumerate(widths):
        if x + width > room and x > 0:
            start = i  # the next line starts here, or a little before, to keep glued characters together
            while start > 0 and i - start < 10 and _glued(text, start):
                start -= 1
            start = i if start == 0 or i - start >= 10 else start
            count += 1
            x = sum(widths[start:i])
        x += width
    return count


def imprint_page_likely(doc: Document, style: Style) -> bool:
    """Whether the reply laid out with its 版记 at the foot of the text's last page would have an odd number of
    pages: the text's lines counted page by page, then the 版记's height below the last."""
    pitch = _floor(style.line_pitch)
    height = style.text_height
    lefts = signature_lefts(style, doc.paragraphs)
    page, y = 0, 0.0
    for p in doc.paragraphs:
        if p.group in (IMPRINT, LETTERHEAD):
            continue
        role = style.role(p.role)
        if y > 0 or page == 0:
            y += role.space_before * pitch
        for _ in range(lines(style, p, lefts)):
            if y + pitch > height + _TOLERANCE:
                page, y = page + 1, 0.0
            y += pitch
        if role.rule_below:
            y += style.rule_lines(role.rule_below) * pitch
    imprint = [p for p in doc.paragraphs if p.group == IMPRINT]
    ruled = not doc.is_letter
    line_height = _imprint_line_height(style, len(imprint), ruled)
    rules = 2 * style.imprint.outer_rule + (len(imprint) - 1) * style.imprint.inner_rule if ruled else 0.0
    footnote = sum(lines(style, p, {}) for p in imprint) * line_height + rules
    pages = page + 1 if y + footnote <= height + _TOLERANCE else page + 2
    return pages % 2 == 1
