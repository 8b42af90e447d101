"""The PDF's pages as OFD needs them: glyph runs (text, font, size, colour, each glyph's origin), vector shapes and
images, each with its place in the page's painting order, read from the PDF that WeasyPrint wrote for the same
document.

Lengths are PDF points with the origin at the page's top-left corner and y growing downwards (OFD's orientation);
package.py converts them to millimetres. Fonts are keyed by their PDF base name and carry the embedded font
program, which the OFD embeds as it is: the glyphs the PDF shows are the glyphs the OFD shows.

How: the page content streams are interpreted here (pdffile.py reads the objects). A glyph's origin follows from
the text matrix, the CTM and the advances in the font dictionary (/W), its character from the ToUnicode map, as
PDF 1.7 § 9.4 defines them; nothing needs the font program. pdfium did this before and cost 85 % of the OFD's
time computing every glyph's bounding box from the font program (FreeType, one CFF charstring per character, for
the page and again for its text), which the OFD does not use. The text is put in pdfium's reading order (text
objects on one line sorted left to right; objects with no visible glyph skipped), because `check` and the tests
compare the OFD's text with pdfium's text of the PDF.
"""

from __future__ import annotations

import itertools
import math
import re
import struct
from binascii import unhexlify
from dataclasses import dataclass, field
from typing import Any

from replygen.errors import Problem, ReplyError
from replygen.ofd.images import picture_file
from replygen.ofd.pdffile import Name, PdfFile, PdfFileError, Ref, Stream, _literal, _parse
from replygen.ofd.pdffile import Page as PdfPage

Color = tuple[int, int, int]
Matrix = tuple[float, float, float, float, float, float]


@dataclass(frozen=True)
class EmbeddedFont:
    name: str
    """the PDF base name without its subset tag: rg-fangsong, rg-xiaobiaosong-Bold, Noto-Serif-CJK-SC …"""
    data: bytes | None
    """the embedded font program (OpenType/TrueType), None when the PDF embeds none"""
    bold: bool = False


@dataclass(frozen=True)
class GlyphRun:
    """Glyphs on one baseline in one font, size and colour: one OFD TextObject."""

    font: str
    size: float
    color: Color
    text: str
    xs: tuple[float, ...]
    """each glyph's origin"""
    y: float
    """the baseline"""
    z: int = 0
    """its place in the page's painting order (that of its first glyph's PDF text object)"""


@dataclass(frozen=True)
class Shape:
    """A path: OFD AbbreviatedData operators with page coordinates in points, and how it is painted."""

    ops: tuple[tuple[str, tuple[float, ...]], ...]
    fill: Color | None
    stroke: Color | None
    line_width: float
    even_odd: bool = False
    z: int = 0


@dataclass(frozen=True)
class Picture:
    """An image: its file (PNG, with its transparency, or JPEG) and where it is drawn."""

    data: bytes
    format: str
    """PNG or JPEG"""
    matrix: Matrix
    """maps the image's unit square, (0, 0) its top-left corner, onto the page (points, y down)"""
    z: int = 0


@dataclass
class Page:
    width: float
    height: float
    runs: list[GlyphRun] = field(default_factory=list)
    shapes: list[Shape] = field(default_factory=list)
    pictures: list[Picture] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)

    def painted(self) -> list[GlyphRun | Shape | Picture]:
        """Everything on the page in the order the PDF paints it (an image behind the text comes first)."""
        return sorted([*self.runs, *self.shapes, *self.pictures], key=lambda item: item.z)


@dataclass
class Layout:
    pages: list[Page]
    fonts: dict[str, EmbeddedFont]


def read_layout(pdf: bytes) -> Layout:
    try:
        file = PdfFile(pdf)
        reading = _Reading(file)
        pages = [_Page(reading, page, number).read() for number, page in enumerate(file.pages(), start=1)]
    except (PdfFileError, KeyError, TypeError, ValueError, IndexError, AttributeError, RecursionError) as exc:
        raise ReplyError(Problem(f"无法读取 PDF 的内容（{type(exc).__name__}: {exc}），未生成 OFD")) from None
    fonts: dict[str, EmbeddedFont] = {}
    for font in reading.fonts.values():
        if font.shown and font.name not in fonts:
            fonts[font.name] = EmbeddedFont(font.name, font.program(), font.bold)
    return Layout(pages, fonts)


# fonts


_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_BFRANGE = re.compile(rb"beginbfrange(.*?)endbfrange", re.S)
_PAIR = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>")
_RANGE = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]*>|\[[^\]]*\])")
_HEX = re.compile(rb"<([0-9A-Fa-f]*)>")


def _utf16(hex_digits: bytes) -> str:
    return bytes.fromhex(hex_digits.decode("ascii")).decode("utf-16-be", errors="replace")


def _to_unicode(cmap: bytes) -> dict[int, str]:
    out: dict[int, str] = {}
    for block in _BFCHAR.findall(cmap):
        for src, dst in _PAIR.findall(block):
            out[int(src, 16)] = chr(int(dst, 16)) if len(dst) == 4 and not 0xD800 <= int(dst, 16) < 0xE000 else _utf16(dst)
    for block in _BFRANGE.findall(cmap):
        for low, high, dst in _RANGE.findall(block):
            first, last = int(low, 16), int(high, 16)
            if dst.startswith(b"["):
                for code, item in zip(range(first, last + 1), _HEX.findall(dst), strict=False):
                    out[code] = _utf16(item)
            else:
                digits = dst[1:-1]
                start = int(digits, 16)
                for code in range(first, min(last, first + 0xFFFF) + 1):
                    out[code] = _utf16(f"{start + code - first:0{len(digits)}x}".encode())
    return out


@dataclass
class _Font:
    """A PDF font as text needs it: how its strings split into codes, each code's advance and character."""

    name: str
    two_byte: bool
    widths: dict[int, float]
    """advance in thousandths of the text size"""
    default_width: float
    unicode: dict[int, str]
    bold: bool
    program_stream: Stream | None
    file: PdfFile
    shown: bool = False
    """whether a page shows it (only those go in the OFD)"""
    glyphs: dict[int, tuple[str, float]] = field(default_factory=dict)
    """code → (its characters, its advance), as shown so far"""

    def glyph(self, code: int) -> tuple[str, float]:
        """The code's characters (as pdfium reads them: the code itself when the ToUnicode map has none) and advance."""
        glyph = (self.unicode.get(code) or (chr(code) if code else ""), self.widths.get(code, self.default_width))
        self.glyphs[code] = glyph
        return glyph

    def program(self) -> bytes | None:
        return self.file.decoded(self.program_stream) if self.program_stream else None


def _font(file: PdfFile, font: dict[str, Any]) -> _Font:
    subtype, base = font.get("Subtype"), str(font.get("BaseFont", ""))
    cmap = file.resolve(font.get("ToUnicode"))
    unicode = _to_unicode(file.decoded(cmap)) if isinstance(cmap, Stream) else {}
    if subtype == "Type0":
        if font.get("Encoding") != "Identity-H":
            raise PdfFileError(f"font {base}: encoding {font.get('Encoding')} (only Identity-H is read)")
        cid = file.resolve(file.resolve(font["DescendantFonts"])[0])
        widths: dict[int, float] = {}
        items = file.resolve(cid.get("W")) or []
        i = 0
        while i + 1 < len(items):
            first, rest = items[i], file.resolve(items[i + 1])
            if isinstance(rest, list):
                widths.update((first + k, float(w)) for k, w in enumerate(rest))
                i += 2
            else:
                widths.update((code, float(items[i + 2])) for code in range(first, int(rest) + 1))
                i += 3
        descriptor = file.resolve(cid.get("FontDescriptor")) or {}
        default, two_byte = float(cid.get("DW", 1000)), True
    else:
        descriptor = file.resolve(font.get("FontDescriptor")) or {}
        first = font.get("FirstChar", 0)
        scale = 1000 * float((file.resolve(font.get("FontMatrix")) or [0.001])[0]) if subtype == "Type3" else 1
        widths = {first + k: float(file.resolve(w)) * scale for k, w in enumerate(file.resolve(font.get("Widths")) or [])}
        default, two_byte = float(descriptor.get("MissingWidth", 0)), False
    stem = float(descriptor.get("StemV", 0))
    weight = stem * 5 if stem < 140 else stem * 4 + 140  # pdfium's weight from the descriptor
    program = next((file.resolve(descriptor[k]) for k in ("FontFile3", "FontFile2", "FontFile") if k in descriptor),
                   None)
    return _Font(base.split("+", 1)[-1], two_byte, widths, default, unicode, weight >= 600,
                 program if isinstance(program, Stream) and subtype != "Type3" else None, file)


@dataclass
class _Reading:
    """What the pages of one PDF share while they are read."""

    file: PdfFile
    fonts: dict[Any, _Font] = field(default_factory=dict)

    def font(self, value: Any) -> _Font:
        key = value.num if isinstance(value, Ref) else id(value)
        if key not in self.fonts:
            self.fonts[key] = _font(self.file, self.file.resolve(value))
        return self.fonts[key]


# the content stream


_NUMBER = rb"[-+]?(?:\d+\.?\d*|\.\d+)"
_TOKEN = re.compile(rb"""
    (?:[\s\x00]|%[^\r\n]*)*  # whitespace and comments before the token
    (?:
      (?P<num>""" + _NUMBER + rb""")
    | /(?P<name>[^\s()<>\[\]{}/%\x00]*)
    | (?P<array>\[(?:[\s\x00]*(?:<[0-9A-Fa-f]*>|""" + _NUMBER + rb"""))*[\s\x00]*\])  # a TJ's, read at once
    | <(?P<hex>[0-9A-Fa-f\s]*)>
    | (?P<open>\[)
    | (?P<close>\])
    | (?P<dict><<)
    | (?P<lit>\()
    | (?P<op>[^\s()<>\[\]{}/%\x00]+)
    )
""", re.X)
_ITEM = re.compile(rb"<([0-9A-Fa-f]*)>|(" + _NUMBER + rb")")
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
_INVISIBLE = "\u200b\r\n\ufffe"
_BLACK: Color = (0, 0, 0)


def _multiply(m: Matrix, n: Matrix) -> Matrix:
    """m then n (PDF row-vector convention)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _channel(value: float) -> int:
    return max(0, min(255, round(value * 255)))


def _rgb(space: str, values: list[Any]) -> Color:
    v = [float(x) for x in values if isinstance(x, int | float)]
    if space == "DeviceGray" and len(v) == 1:
        return (_channel(v[0]),) * 3  # type: ignore[return-value]
    if space == "DeviceRGB" and len(v) == 3:
        return _channel(v[0]), _channel(v[1]), _channel(v[2])
    if space == "DeviceCMYK" and len(v) == 4:
        c, m, y, k = v
        return _channel(1 - min(1, c + k)), _channel(1 - min(1, m + k)), _channel(1 - min(1, y + k))
    raise PdfFileError(f"colour {values} in {space}")


@dataclass
class _State:
    """The graphics state q saves and Q restores (text state included)."""

    ctm: Matrix = _IDENTITY
    fill: Color = _BLACK
    stroke: Color = _BLACK
    fill_space: str = "DeviceGray"
    stroke_space: str = "DeviceGray"
    line_width: float = 1.0
    font: _Font | None = None
    size: float = 0.0
    char_space: float = 0.0
    word_space: float = 0.0
    scale: float = 1.0
    leading: float = 0.0
    rise: float = 0.0

    def copy(self) -> _State:
        return _State(**self.__dict__)


@dataclass
class _Text:
    """One text-showing operator's glyphs, and what pdfium orders text objects by."""

    z: int
    style: tuple[str, float, Color]
    chars: list[tuple[str, float, float]]
    """(character, x, y) of each glyph"""
    x: float
    y: float
    first_width: float
    last_width: float


class _Page:
    """Interprets one page's content: its text objects, shapes and images in painting order."""

    def __init__(self, reading: _Reading, page: PdfPage, number: int):
        left, bottom, right, top = page.box
        self.reading, self.source, self.number = reading, page, number
        self.left, self.top = left, top
        self.out = Page(right - left, top - bottom)
        self.z = itertools.count()
        self.texts: list[_Text] = []
        self.path: list[tuple[str, tuple[float, ...]]] = []
        self.current = (0.0, 0.0)

    def read(self) -> Page:
        self._run(self.source.content, self.source.resources, _State(), 0)
        self.out.runs = _runs(_reading_order(self.texts))
        return self.out

    def _refuse(self, what: str) -> ReplyError:
        return ReplyError(Problem(f"第{self.number}页有{what}：OFD 输出暂不支持，未生成 OFD"))

    def _point(self, ctm: Matrix, x: float, y: float) -> tuple[float, float]:
        a, b, c, d, e, f = ctm
        return a * x + c * y + e - self.left, self.top - (b * x + d * y + f)

    def _run(self, content: bytes, resources: dict[str, Any], state: _State, depth: int) -> None:
        if depth > 16:
            raise PdfFileError("form XObjects nested too deep")
        file = self.reading.file
        saved: list[_State] = []
        tm = tlm = _IDENTITY
        operands: list[Any] = []
        arrays: list[list[Any]] = []
        pos, end, match = 0, len(content), _TOKEN.match
        while pos < end:
            token = match(content, pos)
            if token is None:
                if not content[pos:].strip(b" \t\r\n\f\x00"):
                    break
                raise PdfFileError(f"content stream: unexpected {content[pos:pos + 12]!r}")
            pos = token.end()
            kind = token.lastgroup
            if kind == "op":
                pass
            elif kind == "num":
                operands.append(float(token.group(kind)))
                continue
            elif kind == "array":  # kept as (hex digits, number) pairs: _show reads the codes from the digits
                operands.append(_ITEM.findall(token.group(kind)))
                continue
            elif kind == "name":
                operands.append(Name(token.group(kind).decode("latin-1")))
                continue
            elif kind == "hex":
                digits = re.sub(rb"\s", b"", token.group(kind))
                operands.append(unhexlify(digits + b"0" * (len(digits) % 2)))
                continue
            elif kind == "open":
                arrays.append(operands)
                operands = []
                continue
            elif kind == "close":
                done, operands = operands, arrays.pop()
                operands.append(done)
                continue
            elif kind == "lit":
                value, pos = _literal(content, pos)
                operands.append(value)
                continue
            elif kind == "dict":
                value, pos = _parse(content, token.start("dict"))
                operands.append(value)
                continue
            else:
                if not content[pos:].strip(b" \t\r\n\f\x00"):
                    break
                raise PdfFileError(f"content stream: unexpected {content[pos:pos + 12]!r}")
            op = token.group("op")
            # text
            if op == b"TJ":
                tm = self._show(state, tm, operands[-1] if operands and isinstance(operands[-1], list) else [])
            elif op == b"Tj":
                tm = self._show(state, tm, operands[-1:])
            elif op == b"Tm":
                tm = tlm = tuple(operands[-6:])  # type: ignore[assignment]
            elif op == b"Tf":
                state.font = self.reading.font((file.resolve(resources.get("Font")) or {})[operands[-2]])
                state.size = operands[-1]
            elif op == b"BT":
                tm = tlm = _IDENTITY
            elif op == b"ET":
                pass
            elif op in (b"Td", b"TD"):
                tx, ty = operands[-2:]
                if op == b"TD":
                    state.leading = -ty
                tm = tlm = _multiply((1.0, 0.0, 0.0, 1.0, tx, ty), tlm)
            elif op in (b"T*", b"'", b'"'):
                if op == b'"':
                    state.word_space, state.char_space = operands[-3], operands[-2]
                tm = tlm = _multiply((1.0, 0.0, 0.0, 1.0, 0.0, -state.leading), tlm)
                if op != b"T*":
                    tm = self._show(state, tm, operands[-1:])
            elif op == b"Tc":
                state.char_space = operands[-1]
            elif op == b"Tw":
                state.word_space = operands[-1]
            elif op == b"Tz":
                state.scale = operands[-1] / 100
            elif op == b"TL":
                state.leading = operands[-1]
            elif op == b"Ts":
                state.rise = operands[-1]
            # graphics state and colour
            elif op == b"q":
                saved.append(state.copy())
            elif op == b"Q":
                if saved:
                    state = saved.pop()
            elif op == b"cm":
                state.ctm = _multiply(tuple(operands[-6:]), state.ctm)  # type: ignore[arg-type]
            elif op == b"w":
                state.line_width = operands[-1]
            elif op == b"gs":
                params = file.resolve((file.resolve(resources.get("ExtGState")) or {}).get(operands[-1])) or {}
                if "LW" in params:
                    state.line_width = float(params["LW"])
            elif op in (b"rg", b"g", b"k"):
                state.fill_space = {b"rg": "DeviceRGB", b"g": "DeviceGray", b"k": "DeviceCMYK"}[op]
                state.fill = _rgb(state.fill_space, operands)
            elif op in (b"RG", b"G", b"K"):
                state.stroke_space = {b"RG": "DeviceRGB", b"G": "DeviceGray", b"K": "DeviceCMYK"}[op]
                state.stroke = _rgb(state.stroke_space, operands)
            elif op in (b"cs", b"CS"):
                space = self._space(resources, operands[-1])
                if op == b"cs":
                    state.fill_space, state.fill = space, _BLACK
                else:
                    state.stroke_space, state.stroke = space, _BLACK
            elif op in (b"sc", b"scn"):
                state.fill = _rgb(state.fill_space, operands)
            elif op in (b"SC", b"SCN"):
                state.stroke = _rgb(state.stroke_space, operands)
            # paths
            elif op == b"re":
                x, y, w, h = operands[-4:]
                ctm = state.ctm
                self.path += [("M", self._point(ctm, x, y)), ("L", self._point(ctm, x + w, y)),
                              ("L", self._point(ctm, x + w, y + h)), ("L", self._point(ctm, x, y + h)), ("C", ())]
                self.current = self._point(ctm, x, y)
            elif op in (b"m", b"l"):
                self.current = self._point(state.ctm, *operands[-2:])
                self.path.append(("M" if op == b"m" else "L", self.current))
            elif op in (b"c", b"v", b"y"):
                points = [self._point(state.ctm, *operands[i:i + 2]) for i in range(len(operands) - (6 if op == b"c" else 4), len(operands), 2)]
                if op == b"v":
                    points.insert(0, self.current)
                elif op == b"y":
                    points.append(points[-1])
                self.current = points[-1]
                self.path.append(("B", tuple(v for p in points for v in p)))
            elif op == b"h":
                self.path.append(("C", ()))
            elif op in _PAINT:
                self._paint(state, *_PAINT[op])
            elif op in (b"W", b"W*"):
                pass  # clipping: the OFD draws what the PDF draws inside its clips
            # objects
            elif op == b"Do":
                self._do(state, resources, operands[-1], depth)
            elif op == b"sh":
                raise self._refuse("渐变")
            elif op == b"BI":
                raise self._refuse("内嵌图像")
            operands = []

    def _space(self, resources: dict[str, Any], name: Any) -> str:
        file = self.reading.file
        if name in ("DeviceGray", "DeviceRGB", "DeviceCMYK"):
            return name
        space = file.resolve((file.resolve(resources.get("ColorSpace")) or {}).get(name))
        if isinstance(space, list) and space and space[0] == "ICCBased":
            components = file.resolve(space[1]).info.get("N")
            return {1: "DeviceGray", 3: "DeviceRGB", 4: "DeviceCMYK"}[components]
        if name == "Pattern" or (isinstance(space, list) and space and space[0] == "Pattern"):
            raise self._refuse("图案填充")
        raise PdfFileError(f"colour space {name} {space}")

    def _show(self, state: _State, tm: Matrix, items: list[Any]) -> Matrix:
        """Show the strings in `items` (with TJ's adjustments between them); the text matrix after them."""
        font = state.font
        if font is None:
            raise PdfFileError("text shown without a font")
        size, spacing, word, horizontal = state.size, state.char_space, state.word_space, state.scale
        a, b, c, d, e, f = _multiply(tm, state.ctm)
        ax, bx = a * horizontal, b * horizontal
        ex = c * state.rise + e - self.left
        fy = self.top - (d * state.rise + f)
        glyphs, two = font.glyphs, font.two_byte
        em = size / 1000
        chars: list[tuple[str, float, float]] = []
        append = chars.append
        first = last = None
        x = 0.0
        digits = 4 if two else 2
        for item in items:
            kind = item.__class__
            if kind is tuple:  # from a TJ array read at once: (hex digits, number)
                hex_digits, number = item
                if number:
                    x -= float(number) * em
                    continue
                if len(hex_digits) == digits:
                    codes: Any = (int(hex_digits, 16),)
                else:
                    codes = [int(hex_digits[i:i + digits], 16) for i in range(0, len(hex_digits) - digits + 1, digits)]
            elif kind is bytes:
                codes = struct.unpack(f">{len(item) // 2}H", item[:len(item) // 2 * 2]) if two else item
            else:
                x -= item * em
                continue
            for code in codes:
                glyph = glyphs.get(code) or font.glyph(code)
                px, py = ax * x + ex, fy - bx * x
                for char in glyph[0]:
                    append((char, px, py))
                if first is None:
                    first = glyph
                last = glyph
                x += glyph[1] * em + spacing + (word if code == 32 and not two else 0)
        z = next(self.z)
        if first is not None and last is not None and any(not ch.isspace() and ch not in _INVISIBLE for ch, _, _ in chars):
            font.shown = True
            distance = (math.hypot(ax, bx) + math.hypot(c, d)) / 2  # pdfium's TransformDistance
            scale = math.sqrt(abs(horizontal * (a * d - b * c)))
            self.texts.append(_Text(z, (font.name, round(size * scale, 3), state.fill), chars, chars[0][1], chars[0][2],
                                    first[1] * em * distance, last[1] * em * distance))
        return _multiply((1.0, 0.0, 0.0, 1.0, x * horizontal, 0.0), tm)

    def _paint(self, state: _State, fill: bool, stroke: bool, even_odd: bool, close: bool) -> None:
        ops, self.path = self.path, []
        z = next(self.z)
        if close and ops and ops[-1][0] != "C":
            ops.append(("C", ()))
        if not ops or not (fill or stroke):
            return
        a, b, c, d, _, _ = state.ctm
        if even_odd and (band := _band(ops)) is not None:
            ops, even_odd = band, False
        self.out.shapes.append(Shape(tuple(ops), state.fill if fill else None, state.stroke if stroke else None,
                                     state.line_width * math.sqrt(abs(a * d - b * c)), even_odd, z))

    def _do(self, state: _State, resources: dict[str, Any], name: Any, depth: int) -> None:
        file = self.reading.file
        xobject = file.resolve((file.resolve(resources.get("XObject")) or {}).get(name))
        if not isinstance(xobject, Stream):
            raise PdfFileError(f"XObject {name} is missing")
        kind = xobject.info.get("Subtype")
        if kind == "Form":
            inner = state.copy()
            inner.ctm = _multiply(tuple(file.resolve(xobject.info.get("Matrix")) or _IDENTITY), state.ctm)  # type: ignore[arg-type]
            self._run(file.decoded(xobject), file.resolve(xobject.info.get("Resources")) or resources, inner, depth + 1)
        elif kind == "Image":
            if xobject.info.get("ImageMask"):
                raise self._refuse("模板蒙版图像")
            data, image_format = picture_file(file.image(xobject), self.number)
            a, b, c, d, e, f = state.ctm
            # the image's unit square has its top row at v = 1 in the PDF and at v = 0 in the OFD; y runs downwards
            self.out.pictures.append(Picture(data, image_format, (a, -b, -c, d, c + e - self.left, self.top - d - f),
                                             next(self.z)))


_PAINT = {  # operator → fill, stroke, even-odd, close first
    b"f": (True, False, False, False), b"F": (True, False, False, False), b"f*": (True, False, True, False),
    b"S": (False, True, False, False), b"s": (False, True, False, True),
    b"B": (True, True, False, False), b"B*": (True, True, True, False),
    b"b": (True, True, False, True), b"b*": (True, True, True, True),
    b"n": (False, False, False, False),
}


def _reading_order(texts: list[_Text]) -> list[_Text]:
    """The text objects in pdfium's order: in the content's order, except that the objects of one line (each
    within half the larger of two glyph widths of the line's last object's height) go left to right."""
    out: list[_Text] = []
    line: list[_Text] = []
    for text in texts:
        if line:
            last = line[-1]
            if abs(text.y - last.y) > max(last.last_width, text.first_width) / 2:
                out += line
                line = []
        at = next((i for i in range(len(line), 0, -1) if text.x >= line[i - 1].x), 0)
        line.insert(at, text)
    return out + line


def _runs(texts: list[_Text]) -> list[GlyphRun]:
    runs: list[tuple[tuple, list[str], list[float], int]] = []
    for text in texts:
        last_y, key = None, ()
        for char, x, y in text.chars:
            if char in _INVISIBLE:
                continue
            if y != last_y:
                last_y, key = y, (*text.style, round(y, 3))
            if not runs or runs[-1][0] != key or x < runs[-1][2][-1]:
                runs.append((key, [], [], text.z))
            runs[-1][1].append(char)
            runs[-1][2].append(x)
    return [GlyphRun(k[0], k[1], k[2], "".join(chars), tuple(xs), k[3], z) for k, chars, xs, z in runs]


def _rect(ops: list[tuple[str, tuple[float, ...]]]) -> tuple[float, float, float, float] | None:
    """(left, top, right, bottom) of a closed axis-aligned rectangle subpath, else None."""
    points = [p for op, p in ops if op in "ML"]
    xs, ys = {round(p[0], 3) for p in points}, {round(p[1], 3) for p in points}
    if len(ops) < 5 or any(op not in "MLC" for op, _ in ops) or len(xs) != 2 or len(ys) != 2:
        return None
    return min(xs), min(ys), max(xs), max(ys)


def _band(ops: list[tuple[str, tuple[float, ...]]]) -> list[tuple[str, tuple[float, ...]]] | None:
    """A path of axis-aligned rectangles filled even-odd (WeasyPrint draws a border as its outer rectangle and
    its inner one) as the disjoint rectangles it paints, so that a reader which ignores the fill rule still
    draws the rule right; None for any other path."""
    starts = [i for i, (op, _) in enumerate(ops) if op == "M"] + [len(ops)]
    rects = [_rect(ops[a:b]) for a, b in itertools.pairwise(starts)]
    if not rects or any(r is None for r in rects):
        return None
    xs = sorted({v for r in rects for v in (r[0], r[2])})  # type: ignore[index]
    ys = sorted({v for r in rects for v in (r[1], r[3])})  # type: ignore[index]
    out: list[tuple[str, tuple[float, ...]]] = []
    for top, bottom in itertools.pairwise(ys):
        cy, span = (top + bottom) / 2, None
        for left, right in itertools.pairwise(xs):
            cx = (left + right) / 2
            inside = sum(r[0] < cx < r[2] and r[1] < cy < r[3] for r in rects) % 2  # type: ignore[index]
            if inside:
                span = (span[0], right) if span else (left, right)
            if span and (not inside or right == xs[-1]):
                x0, x1 = span
                out += [("M", (x0, top)), ("L", (x1, top)), ("L", (x1, bottom)), ("L", (x0, bottom)), ("C", ())]
                span = None
    return out
