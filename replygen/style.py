"""The house style: GB/T 9704 numbers read from templates/style.yaml, and the rules derived from them.

Both writers take every length, font and size from a Style; neither holds a layout number of its own.
Lengths are kept in points.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from replygen.errors import ReplyError
from replygen.load import load_model

PT_PER_MM = 72 / 25.4
_UNITS = {"pt": 1.0, "mm": PT_PER_MM, "cm": 10 * PT_PER_MM}


def _to_points(value: object) -> object:
    if not isinstance(value, str):
        return value
    match = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*(pt|mm|cm)\s*", value)
    if not match:
        raise ValueError("length: a number with a unit, e.g. 16pt or 37mm")
    return float(match[1]) * _UNITS[match[2]]


Length = Annotated[float, BeforeValidator(_to_points)]
"""A length written with its unit in the YAML, held in points."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class Rule(_Model):
    width: Length
    color: str = "black"
    gap: Length = "0pt"


class Role(_Model):
    """How one kind of paragraph looks. indent/left/right/hanging count grid characters; space_before lines."""

    font: str = "fangsong"
    size: Length = "16pt"
    indent: float = 2
    left: float = 0
    right: float = 0
    hanging: float = 0
    hanging_after: str | None = None
    align: Literal["justify", "left", "right", "center", "split"] = "justify"
    space_before: float = 0
    color: str | None = None
    bold: bool = False
    rule_below: Rule | None = None


class Inline(_Model):
    font: str | None = None
    bold: bool = False


class FontRole(_Model):
    docx: str
    pdf: list[str] = Field(min_length=1)


class Margins(_Model):
    top: Length
    bottom: Length
    left: Length
    right: Length


class Page(_Model):
    width: Length
    height: Length
    margin: Margins


class Grid(_Model):
    lines: int = Field(ge=1)
    chars: int = Field(ge=1)
    font_size: Length


class SignatureRule(_Model):
    right: float
    date_shift: float


class Imprint(_Model):
    outer_rule: Length
    inner_rule: Length


class PageNumber(_Model):
    font: str
    size: Length
    format: str
    below_text: Length
    inset: float


class DoubleRule(_Model):
    """A double line: a thick and a thin line `gap` apart (which is on top depends on where it is drawn)."""

    length: Length
    thick: Length
    thin: Length
    gap: Length
    color: str

    @property
    def height(self) -> float:
        return self.thick + self.gap + self.thin


class Letter(_Model):
    """信函格式 (GB/T 9704 10.1): the organ mark and two double lines on the first page."""

    mark_top: Length
    rule_below_mark: Length
    rule_above_bottom: Length
    rule: DoubleRule


class Style(_Model):
    page: Page
    grid: Grid
    fonts: dict[str, FontRole]
    latin: str
    roles: dict[str, Role]
    inline: dict[str, Inline]
    signature: SignatureRule
    imprint: Imprint
    page_number: PageNumber
    letter: Letter
    colors: dict[str, str]
    pdf_standard: Literal["pdfa-2b"] | None = None
    """the PDF standard written when the command line names none (render/batch --pdf-standard)"""

    @cached_property
    def text_width(self) -> float:
        return self.page.width - self.page.margin.left - self.page.margin.right

    @cached_property
    def text_height(self) -> float:
        return self.page.height - self.page.margin.top - self.page.margin.bottom

    @cached_property
    def line_pitch(self) -> float:
        """225 mm / 22 = 28.99 pt: the exact pitch; writers round it down so that all lines fit."""
        return self.text_height / self.grid.lines

    @cached_property
    def char_pitch(self) -> float:
        """156 mm / 28 = 15.79 pt."""
        return self.text_width / self.grid.chars

    @cached_property
    def letter_rules(self) -> tuple[float, float]:
        """信函格式: the top edges of the two double lines, from the paper's top: the first `rule_below_mark` under
        the organ mark (its `letter-mark` role's size tall from `mark_top`), the second ending
        `rule_above_bottom` above the paper's bottom."""
        lt = self.letter
        first = lt.mark_top + self.role("letter-mark").size + lt.rule_below_mark
        return first, self.page.height - lt.rule_above_bottom - lt.rule.height

    def char_width(self, role: Role) -> float:
        """One 'char' of a role's indents: the grid's pitch for text at grid size, else the role's own size
        (版记 lines at 14 pt are indented by 14 pt characters)."""
        return self.char_pitch if abs(role.size - self.grid.font_size) < 0.01 else role.size

    def hanging_after(self, role: Role, text: str) -> float | None:
        """The hanging indent, in points, that aligns a paragraph's wrapped lines after its marker (抄送：…,
        measured in the role's own character size); None when the role or the text has no marker."""
        head, sep, _ = text.partition(role.hanging_after or "\0")
        if not sep:
            return None
        return text_width(head + sep) * role.size + role.hanging * self.char_width(role)

    def role(self, name: str) -> Role:
        try:
            return self.roles[name]
        except KeyError:
            raise ReplyError.at(f"样式中没有段落角色“{name}”（模板用了它，style.yaml 的 roles 中应定义）",
                                Path("style.yaml")) from None

    def color(self, name: str | None) -> str | None:
        return self.colors.get(name, name) if name else None


def load_style(path: Path) -> Style:
    return load_model(path, Style)[0]


def text_width(text: str) -> float:
    """Width in grid characters: full-width (CJK) characters take one, others half."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.5 for c in text)


def signature_lefts(style: Style, paragraphs: Iterable) -> dict[str, float]:
    """Left indents (in chars) of a document's signature and date paragraphs, by role: what both writers place."""
    texts: dict[str, str] = {}
    for p in paragraphs:
        if p.role in ("signature", "date"):
            texts.setdefault(p.role, p.text)
    if "date" not in texts:
        return {}
    name_left, date_left = signature_indents(style, texts.get("signature"), texts["date"])
    return {"date": date_left} | ({"signature": name_left} if name_left is not None else {})


def signature_indents(style: Style, name: str | None, date: str) -> tuple[float | None, float]:
    """Left indents (in chars) of the organ name and the date, per GB/T 9704 7.3.5.2 (unstamped):
    the name ends `right` chars from the right edge, the date starts `date_shift` chars right of the name's
    start; if the date would then run further right, both move left so the date ends `right` chars in."""
    chars, rule = style.grid.chars, style.signature
    if name is None:
        return None, chars - rule.right - text_width(date)
    name_left = chars - rule.right - text_width(name)
    date_left = name_left + rule.date_shift
    overrun = date_left + text_width(date) - (chars - rule.right)
    if overrun > 0:
        name_left -= overrun
        date_left -= overrun
    return name_left, date_left
