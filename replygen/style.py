"""The house style: GB/T 9704 numbers read from templates/style.yaml, and the rules derived from them.

Both writers take every length, font and size from a Style; neither holds a layout number of its own.
Lengths are kept in points.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from replygen.errors import Problem, ReplyError
from replygen.load import field_name, load_model
from replygen.paths import OutsideRoot, inside
from replygen.yamlsource import DataPath

PT_PER_MM = 72 / 25.4
_UNITS = {"pt": 1.0, "mm": PT_PER_MM, "cm": 10 * PT_PER_MM}


def _to_points(value: object) -> object:
    if not isinstance(value, str):
        return value
    match = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*(pt|mm|cm)\s*", value)
    if not match:
        raise ValueError("长度应写数字和单位，如 16pt、37mm")
    return float(match[1]) * _UNITS[match[2]]


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("应为有限的数")
    return value


Number = Annotated[float, AfterValidator(_finite)]
Length = Annotated[float, BeforeValidator(_to_points), AfterValidator(_finite)]
"""A length written with its unit in the YAML, held in points."""


def _pattern(regex: str, expected: str) -> AfterValidator:
    """A string that must match `regex` in full: style values end up in CSS, HTML and OOXML, so each has a shape."""
    def check(value: str) -> str:
        if not re.fullmatch(regex, value):
            raise ValueError(expected)
        return value
    return AfterValidator(check)


_NAME = r"[a-z][a-z0-9-]*"
Name = Annotated[str, _pattern(_NAME, "名称只能用小写英文字母、数字和连字符，以字母开头，如 heading-1")]
"""A role, font role or colour name: it becomes a CSS class and a Word style name."""
Hex = Annotated[str, _pattern(r"#[0-9A-Fa-f]{6}", "颜色应写作 #RRGGBB，如 #E60012")]
Color = Annotated[str, _pattern(rf"#[0-9A-Fa-f]{{6}}|{_NAME}", "颜色应写作 #RRGGBB（如 #E60012），或 colors 中定义的名称")]
"""#RRGGBB, or the name of one in `colors:`."""
_PLAIN = r"[^\"'\\;{}<>&\x00-\x1f\x7f]"
FontName = Annotated[str, _pattern(rf"{_PLAIN}+", "字体名不能含引号、反斜杠、分号、花括号、尖括号、& 或控制字符")]
PageNumberFormat = Annotated[str, _pattern(rf"{_PLAIN}*\{{n\}}{_PLAIN}*",
                                           "页码格式应含一个 {n}（页码数字），不能含引号、反斜杠、分号、其他花括号、"
                                           "尖括号、& 或控制字符，如 “— {n} —”")]


class _Model(BaseModel):
    # defer_build: each validator is built when first used: Style's when a style is first read (the nested models'
    # own, only where one is made on its own, as a default); defaults are factories, which build nothing at import
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, defer_build=True)


class Rule(_Model):
    width: Length
    color: Color = "#000000"
    gap: Length = "0pt"


class Role(_Model):
    """How one kind of paragraph looks. indent/left/right/hanging count grid characters; space_before lines."""

    font: Name = "fangsong"
    size: Length = "16pt"
    indent: Number = 2
    left: Number = 0
    right: Number = 0
    hanging: Number = 0
    hanging_after: str | None = None
    align: Literal["justify", "left", "right", "center", "split"] = "justify"
    space_before: Number = 0
    color: Color | None = None
    bold: bool = False
    rule_below: Rule | None = None


class Inline(_Model):
    font: Name | None = None
    bold: bool = False


class FontRole(_Model):
    """docx: the font name Word and WPS look for; pdf: family names ("Family" or "Family:bold") or font files
    (relative to the templates folder, and inside it), tried in order."""

    docx: FontName
    pdf: list[FontName] = Field(min_length=1)


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
    right: Number
    date_shift: Number


class Imprint(_Model):
    outer_rule: Length
    inner_rule: Length


class PageNumber(_Model):
    font: Name
    size: Length
    format: PageNumberFormat
    below_text: Length
    inset: Number


class DoubleRule(_Model):
    """A double line: a thick and a thin line `gap` apart (which is on top depends on where it is drawn)."""

    length: Length
    thick: Length
    thin: Length
    gap: Length
    color: Color

    @property
    def height(self) -> float:
        return self.thick + self.gap + self.thin


class Letter(_Model):
    """信函格式 (GB/T 9704 10.1): the organ mark and two double lines on the first page."""

    mark_top: Length
    rule_below_mark: Length
    rule_above_bottom: Length
    rule: DoubleRule


class RedHeader(_Model):
    """文件格式's red header: the organ mark (role `organ-mark`) keeps its grid line, and is moved down so that its top
    edge lies `mark_top` below the text area's top (GB/T 9704 7.2.3); the lines after it stay on the grid."""

    mark_top: Length = "35mm"


class SignatureSealRule(_Model):
    """签发人签名章 (GB/T 9704 7.3.5.3): counted in lines and grid characters."""

    blank_lines: Number = 2
    """blank lines between the body and the signature seal's top"""
    title_left: Number = 2
    """the signer's title starts this many characters from the left edge (左空二字)"""
    date_below: Number = 1
    """blank lines between the seal's bottom and the date"""


class StampRule(_Model):
    """The stamped end block (加盖印章, GB/T 9704 7.3.5.1, 7.3.5.3, 7.3.5.5): where the date, the organ names and
    the seals go. The seals' sizes come from the issuer profile; these numbers place them."""

    date_right: Number = 4
    """成文日期右空四字: the date ends this many characters from the right edge"""
    seal_gap: Number = 0.5
    """lines from the last body line (or 附件说明) to the seal's top: the standard wants it within one line"""
    half_margin: Length = "1mm"
    """how far inside the seal's lower half the organ name and the date stay (居印章中心偏下)"""
    joint_gap: Length = "3mm"
    """between neighbouring seals of a joint issuance (联合行文), which may neither intersect nor touch"""
    min_pitch: Length = "26pt"
    """7.3.5.5: the tightest line pitch the last body paragraphs may be set at to keep the block on their page"""
    signature: SignatureSealRule = Field(default_factory=SignatureSealRule)


class Style(_Model):
    page: Page
    grid: Grid
    fonts: dict[Name, FontRole]
    latin: FontName
    roles: dict[Name, Role]
    inline: dict[Name, Inline]
    signature: SignatureRule
    imprint: Imprint
    page_number: PageNumber
    letter: Letter
    red_header: RedHeader = Field(default_factory=RedHeader)
    colors: dict[Name, Hex]
    stamp: StampRule = Field(default_factory=StampRule)
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
    def organ_mark_drop(self) -> float:
        """pt the red header's organ mark is moved down from its grid line, where its top edge (half the leading
        below the line's top) would lie: to `red_header.mark_top` below the text area's top."""
        role = self.role("organ-mark")
        return self.red_header.mark_top - role.space_before * self.line_pitch - (self.line_pitch - role.size) / 2

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

    def rule_lines(self, rule: Rule) -> int:
        """Whole lines a paragraph keeps below its text for a rule (the red separator under the 发文字号, `gap`
        below the text): the rule lies in them and takes no room of its own, so that the text after it stays on
        the page's grid, 22 lines on the first page as on every other (GB/T 9704: 每面排 22 行)."""
        return math.ceil((rule.gap + rule.width) / self.line_pitch - 1e-9)

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
    """The style in `path`, its names checked against each other and its font files against its folder."""
    style, source = load_model(path, Style)
    problems = [Problem(message, source.locate(at), field_name(at)) for at, message in _references(style)]
    fonts = {}
    for role, spec in style.fonts.items():
        files = []
        for i, candidate in enumerate(spec.pdf):
            try:
                files.append(_font_file(path.parent, candidate))
            except OutsideRoot as exc:
                at = ("fonts", role, "pdf", i)
                problems.append(Problem(f"字体文件{exc}，已拒绝：样式只能用模板目录中的字体文件，本机其他字体文件"
                                        "请用环境变量 REPLYGEN_FONTS 指定", source.locate(at), field_name(at)))
        fonts[role] = spec.model_copy(update={"pdf": files})
    if problems:
        raise ReplyError(problems)
    return style.model_copy(update={"fonts": fonts})


def _references(style: Style) -> Iterator[tuple[DataPath, str]]:
    """(where, message) for each font role or colour named but not defined."""
    fonts = "、".join(style.fonts)
    uses = [(("page_number", "font"), style.page_number.font)]
    uses += [(("roles", name, "font"), role.font) for name, role in style.roles.items()]
    uses += [(("inline", name, "font"), inline.font) for name, inline in style.inline.items() if inline.font]
    for at, font in uses:
        if font not in style.fonts:
            yield at, f"字体角色“{font}”没有在 fonts 中定义（已定义：{fonts}）"
    colors = [(("letter", "rule", "color"), style.letter.rule.color)]
    for name, role in style.roles.items():
        colors.append((("roles", name, "color"), role.color))
        if role.rule_below:
            colors.append((("roles", name, "rule_below", "color"), role.rule_below.color))
    for at, color in colors:
        if color and not color.startswith("#") and color not in style.colors:
            yield at, f"颜色“{color}”没有在 colors 中定义；请写 #RRGGBB，或在 colors 中定义它"


FONT_FILE_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc", ".woff", ".woff2")


def is_font_file(candidate: str) -> bool:
    """Whether a font candidate names a file (by its suffix or a folder in it) rather than a font family."""
    return candidate.lower().endswith(FONT_FILE_SUFFIXES) or "/" in candidate


def _font_file(folder: Path, candidate: str) -> str:
    """A font file the style names, as an absolute path inside the style's folder; a family name as it is."""
    if not is_font_file(candidate):
        return candidate
    return str(inside(folder, candidate))


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
