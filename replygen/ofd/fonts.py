"""Whether a font program from the PDF can be embedded in the OFD, checked with fontTools.

An OFD reader finds a glyph through the font's cmap from the Unicode TextCode, so a font is refused (with the
characters it fails on) rather than embedded when it has no outline file, no outlines (a bitmap-only face),
a licence that forbids embedding (OS/2 fsType bit 1, "restricted"), or no cmap entry for a character it
shows. Refusing is the point: an OFD that silently fell back to a reader's own fonts would not show what the
PDF shows.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Sequence
from typing import overload

from fontTools.ttLib import TTFont, TTLibError

from replygen.errors import Problem, ReplyError

_OUTLINES = ("glyf", "CFF ", "CFF2")


def check_embeddable(name: str, data: bytes | None, text: set[str]) -> str:
    """The font file's suffix ("otf" or "ttf") when it can be embedded for `text`; else a ReplyError."""
    if data is None:
        raise _refuse(name, "PDF 中没有嵌入它的字体文件（可能是位图字体或未嵌入的系统字体）")
    try:
        font = TTFont(io.BytesIO(data), lazy=True)
        tables = set(font.keys())
    except (TTLibError, AssertionError, struct.error) as exc:
        raise _refuse(name, f"字体文件无法解析（{exc}）") from None
    if not tables.intersection(_OUTLINES):
        raise _refuse(name, "字体文件没有轮廓（glyf/CFF），只有位图")
    if "OS/2" in tables and font["OS/2"].fsType & 0x000F == 0x0002:
        raise _refuse(name, "字体授权不允许嵌入（OS/2 fsType=受限）")
    if "maxp" in tables:  # spare the cmap the CFF charset's glyph names (a CJK subset keeps tens of thousands)
        font.setGlyphOrder(_GlyphIds(font["maxp"].numGlyphs))  # type: ignore[arg-type]
    cmap = font.getBestCmap() or {}
    missing = sorted(c for c in text if ord(c) not in cmap)
    if missing:
        raise _refuse(name, f"字体文件的字符映射（cmap）中没有：{''.join(missing[:20])}")
    return "otf" if data[:4] == b"OTTO" else "ttf"


class _GlyphIds(Sequence[str]):
    """Stand-in glyph names ("g0", "g1" …), made only for the glyphs the cmap maps: reading the cmap needs names
    only to tell glyphs apart, and the font's own (CFF charset) cost more to read than everything else here."""

    def __init__(self, count: int):
        self.count = count

    def __len__(self) -> int:
        return self.count

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [f"g{i}" for i in range(*index.indices(self.count))]
        if not -self.count <= index < self.count:
            raise IndexError(index)
        return f"g{index % self.count}"


def _refuse(name: str, why: str) -> ReplyError:
    return ReplyError(Problem(f"无法生成 OFD：字体“{name}”不能嵌入：{why}。请在 style.yaml 的 fonts 或 REPLYGEN_FONTS "
                              "中为该角色换用可嵌入的 OpenType/TrueType 字体"))
