"""Writing a laid-out PDF faster, with the same pages: two changes to how WeasyPrint and pydyf write one.

1. Font subsetting in one HarfBuzz pass instead of two. WeasyPrint (pdf/fonts.py, Font._harfbuzz_subset) first
   keeps the used glyphs at their glyph ids (RETAIN_GIDS), then subsets that result again, keeping every glyph up
   to the last used one and dropping the hinting. A RETAIN_GIDS subset already ends at the last used glyph, so
   the second pass only drops the hinting; asking for that in the first pass makes the same font, byte for byte
   (tests/test_pdf_write.py compares both for the fonts a reply uses), in half the time: HarfBuzz's cost is per
   glyph (about 14 µs each for a Fandol CFF font), and a four-page reply uses some 450.
2. Streams compressed at zlib level 6 instead of pydyf's 9: half the time for 0.4 % more bytes (the seed reply:
   222 KB against 221 KB; 10 ms less). The PDF's content is unchanged; its bytes are not.

Installed once, when WeasyPrint is imported (writers/pdf.py). The archives' fingerprints (fingerprint.py) see
these bytes through replygen's version, as any change of replygen's code, and zlib's version.
"""

from __future__ import annotations

import types
import zlib
from collections.abc import Callable

LEVEL = 6
"""zlib level of the PDF's streams (pydyf writes 9)"""

_ORIGINAL_SUBSET: Callable | None = None
"""WeasyPrint's own two-pass Font._harfbuzz_subset, kept for the tests' comparison"""


def _compressobj(level: int = LEVEL, *args: object, **kwargs: object) -> zlib._Compress:
    return zlib.compressobj(LEVEL, *args, **kwargs)  # type: ignore[arg-type]


def _compress(data: bytes, level: int = LEVEL, **kwargs: object) -> bytes:
    return zlib.compress(data, LEVEL, **kwargs)  # type: ignore[arg-type]


def _install_level() -> None:
    """pydyf calls zlib.compressobj(level=9) for each stream (and zlib.compress for inline images): its module's
    `zlib` becomes a namespace whose two functions compress at LEVEL."""
    import pydyf

    if getattr(pydyf.zlib, "replygen_level", None) != LEVEL:
        pydyf.zlib = types.SimpleNamespace(compressobj=_compressobj, compress=_compress, replygen_level=LEVEL,
                                           error=zlib.error)


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


def install() -> None:
    """Both changes; WeasyPrint must be imported."""
    _install_level()
    _install_subset()


def two_pass_subset(font, to_unicode: dict, hinting: bool) -> None:
    """WeasyPrint's own subsetting, as it was before install()."""
    from weasyprint.pdf.fonts import Font

    (_ORIGINAL_SUBSET or Font._harfbuzz_subset)(font, to_unicode, hinting)
