"""Writing a laid-out PDF faster, with the same pages: three changes to how WeasyPrint and pydyf write one.

1. Font subsetting in one HarfBuzz pass instead of two. WeasyPrint (pdf/fonts.py, Font._harfbuzz_subset) first
   keeps the used glyphs at their glyph ids (RETAIN_GIDS), then subsets that result again, keeping every glyph up
   to the last used one and dropping the hinting. A RETAIN_GIDS subset already ends at the last used glyph, so
   the second pass only drops the hinting; asking for that in the first pass makes the same font, byte for byte
   (tests/test_pdf_write.py compares both for the fonts a reply uses), in half the time: HarfBuzz's cost is per
   glyph (about 14 µs each for a Fandol CFF font), and a four-page reply uses some 450.
2. Streams compressed by zlib-ng at level 4 instead of zlib at pydyf's 9: a third of the time for 0.8 % more bytes
   (the seed reply's 12 streams, 416 KB: zlib 9 20.6 ms → 221 160 bytes, zlib 6 11.2 ms → 222 144, zlib-ng 4
   6.6 ms → 223 014, zlib-ng 1 2.9 ms → 267 926). The PDF's content is unchanged; its bytes are not.
3. No whole font copied out of HarfBuzz. WeasyPrint's Font copies its font's file as it meets the font (4–8 MB
   for each of a reply's CJK fonts, some 750 page faults a PDF), then replaces it with the subset before anything
   reads it; the copy is now made only if something reads it.

Installed once, when WeasyPrint is imported (writers/pdf.py). The archives' fingerprints (fingerprint.py) see
these bytes through replygen's version, as any change of replygen's code, and zlib-ng's version.
"""

from __future__ import annotations

import types
from collections.abc import Callable

from zlib_ng import zlib_ng

LEVEL = 4
"""zlib-ng's level for the PDF's streams (pydyf writes zlib's 9)"""

_ORIGINAL_SUBSET: Callable | None = None
"""WeasyPrint's own two-pass Font._harfbuzz_subset, kept for the tests' comparison"""


def _compressobj(level: int = LEVEL, *args: object, **kwargs: object):
    return zlib_ng.compressobj(LEVEL, *args, **kwargs)


def _compress(data: bytes, level: int = LEVEL, **kwargs: object) -> bytes:
    return zlib_ng.compress(data, LEVEL, **kwargs)


def _install_level() -> None:
    """pydyf calls zlib.compressobj(level=9) for each stream (and zlib.compress for inline images): its module's
    `zlib` becomes a namespace whose two functions compress with zlib-ng at LEVEL."""
    import pydyf

    if getattr(pydyf.zlib, "replygen_level", None) != LEVEL:
        pydyf.zlib = types.SimpleNamespace(compressobj=_compressobj, compress=_compress, replygen_level=LEVEL,
                                           error=zlib_ng.error)


def one_pass_subset(font, to_unicode: dict, hinting: bool) -> None:
    """Font._harfbuzz_subset in one pass: the used glyphs at their ids (so glyphs end at the last used one),
    tables dropped and flags set as WeasyPrint's two passes together set them."""
    from weasyprint.text.ffi import ffi, harfbuzz
    from weasyprint.text.ffi import harfbuzz_subset as hbs
    from weasyprint.text.fonts import get_hb_object_data

    subset_input = ffi.gc(hbs.hb_subset_input_create_or_fail(), hbs.hb_subset_input_destroy)
    glyphs = sorted(to_unicode)
    harfbuzz.hb_set_add_sorted_array(hbs.hb_subset_input_glyph_set(subset_input),
                                     ffi.new(f"hb_codepoint_t[{len(glyphs)}]", glyphs), len(glyphs))
    flags = hbs.HB_SUBSET_FLAGS_RETAIN_GIDS | hbs.HB_SUBSET_FLAGS_PASSTHROUGH_UNRECOGNIZED | \
        hbs.HB_SUBSET_FLAGS_DESUBROUTINIZE
    if not hinting:
        flags |= hbs.HB_SUBSET_FLAGS_NO_HINTING
    if font.missing:
        flags |= hbs.HB_SUBSET_FLAGS_NOTDEF_OUTLINE
    hbs.hb_subset_input_set_flags(subset_input, flags)
    drop = sorted(harfbuzz.hb_tag_from_string(name, -1) for name in (
        b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF", b"LTSH", b"PCLT", b"SVG "))
    harfbuzz.hb_set_add_sorted_array(hbs.hb_subset_input_set(subset_input, hbs.HB_SUBSET_SETS_DROP_TABLE_TAG),
                                     ffi.new(f"hb_codepoint_t[{len(drop)}]", drop), len(drop))
    face = ffi.gc(hbs.hb_subset_or_fail(font.hb_face, subset_input), harfbuzz.hb_face_destroy)
    content = get_hb_object_data(face) if face else None
    if content:
        font.file_content = content
    else:  # as WeasyPrint would end: its own passes, and its own warning if they fail too
        _ORIGINAL_SUBSET(font, to_unicode, hinting)  # type: ignore[misc]


def _install_subset() -> None:
    global _ORIGINAL_SUBSET
    from weasyprint.pdf.fonts import Font

    if _ORIGINAL_SUBSET is None:
        _ORIGINAL_SUBSET = Font._harfbuzz_subset
        Font._harfbuzz_subset = one_pass_subset


class _FaceData:
    """A HarfBuzz face's whole font file, copied out of HarfBuzz only when read (the face is kept alive with it)."""

    __slots__ = ("face",)

    def __init__(self, face) -> None:
        self.face = face

    def __bool__(self) -> bool:
        from weasyprint.text.ffi import harfbuzz

        blob = harfbuzz.hb_face_reference_blob(self.face)
        try:
            return harfbuzz.hb_blob_get_length(blob) > 0
        finally:
            harfbuzz.hb_blob_destroy(blob)


def _face_data_later(hb_object, ot_color=None, glyph=None):
    from weasyprint.text.fonts import get_hb_object_data

    if ot_color is None and glyph is None:
        return _FaceData(hb_object)
    return get_hb_object_data(hb_object, ot_color, glyph)


def _file_content(font) -> bytes:
    data = font.__dict__["file_content"]
    if isinstance(data, _FaceData):
        from weasyprint.text.fonts import get_hb_object_data

        data = font.__dict__["file_content"] = get_hb_object_data(data.face)
    return data


def _set_file_content(font, data) -> None:
    font.__dict__["file_content"] = data


def _install_lazy_content() -> None:
    """WeasyPrint copies each font's whole file out of HarfBuzz as it meets the font (Font.__init__: 4–8 MB for a
    CJK font), and replaces it with the subset before anything reads it. The copy is now made when read."""
    from weasyprint.pdf import fonts

    if not isinstance(fonts.Font.__dict__.get("file_content"), property):
        fonts.get_hb_object_data = _face_data_later
        fonts.Font.file_content = property(_file_content, _set_file_content)


def install() -> None:
    """The three changes; WeasyPrint must be imported."""
    _install_level()
    _install_subset()
    _install_lazy_content()


def two_pass_subset(font, to_unicode: dict, hinting: bool) -> None:
    """WeasyPrint's own subsetting, as it was before install()."""
    from weasyprint.pdf.fonts import Font

    (_ORIGINAL_SUBSET or Font._harfbuzz_subset)(font, to_unicode, hinting)
