"""Drawing text with the Pango layouts the line breaking made, instead of making each one again.

WeasyPrint frees a text box's Pango layout once the line is broken (Layout.deactivate) and, to draw the box, makes
a new one: a Pango context, a font description, the text set again and shaped again (Layout.reactivate, then
draw_first_line): for the seed reply, some 10 ms of the 58 ms its writing took. Here the layout the line breaking
left is kept on its box until the box is drawn, and drawing uses it when it holds what a new one would:

- the same style and the same text, set as drawing sets it: the justification's extra word spacing only applies
  at spaces, so the layout is used as is when there is no extra spacing or no space in the text;
- one line, as drawing's layout, which has no width, makes it (a layout left with the line breaking's width
  holds one line of text that fits it);
- single-paragraph mode, which drawing switches on: it is set on a text holding no paragraph or line separator
  (where it changes nothing) from the start, so that switching it on at drawing time does not make Pango lay the
  text out again.

Anything else goes WeasyPrint's way. Making a layout is also cheaper: a style's Pango font description is made
once and kept on the style (Pango copies it into each layout), and its font features once per set of values.

Installed once, when WeasyPrint is imported (writers/pdf.py); a laid-out box is drawn once, and its layout is freed
after drawing as before (a layout never drawn is freed with its box). tests/test_text_drawing.py compares the
PDFs with WeasyPrint's own drawing, byte for byte.
"""

from __future__ import annotations

import functools

_SEPARATORS = frozenset("\n\r\x0b\x0c\x85\u2028\u2029")
"""characters Pango may take as a line or paragraph break"""

_ORIGINAL: dict[str, object] = {}
"""WeasyPrint's Layout.set_text, deactivate and reactivate, get_font_description and font_features"""


def _set_text(self, text: str, justify: bool = False) -> None:
    from weasyprint.text.ffi import pango

    pango.pango_layout_set_single_paragraph_mode(self.layout, _SEPARATORS.isdisjoint(text))
    _ORIGINAL["set_text"](self, text, justify)


def _deactivate(self) -> None:
    if getattr(self, "_drawing", False):  # drawn: freed as WeasyPrint frees it
        self._drawing = False
        _ORIGINAL["deactivate"](self)
    elif hasattr(self, "layout"):
        self._kept = True  # lines broken: kept for drawing


def _usable(self, style) -> bool:
    """Whether the kept layout draws as the layout reactivate() would make."""
    from weasyprint.text.ffi import ffi, pango

    if not getattr(self, "_kept", False) or self.style is not style or not hasattr(self, "layout"):
        return False
    if self.justification_spacing and (" " in self.text or "\xa0" in self.text):
        return False
    return pango.pango_layout_get_line_readonly(self.layout, 1) == ffi.NULL  # one line, as drawing's layout


def _reactivate(self, style) -> None:
    if not _usable(self, style):
        if hasattr(self, "layout"):
            _ORIGINAL["deactivate"](self)
        _ORIGINAL["reactivate"](self, style)
    self._kept = False
    self._drawing = True


def _font_description(style):
    """The style's Pango font description, made once per style."""
    description = style.__dict__.get("_replygen_font_description")
    if description is None:
        description = style.__dict__["_replygen_font_description"] = _ORIGINAL["get_font_description"](style)
    return description


def install() -> None:
    from weasyprint.text import line_break
    from weasyprint.text.line_break import Layout

    if not _ORIGINAL:
        _ORIGINAL.update(set_text=Layout.set_text, deactivate=Layout.deactivate, reactivate=Layout.reactivate,
                         get_font_description=line_break.get_font_description, font_features=line_break.font_features)
        Layout.set_text, Layout.deactivate, Layout.reactivate = _set_text, _deactivate, _reactivate
        line_break.get_font_description = _font_description
        line_break.font_features = functools.lru_cache(maxsize=256)(_ORIGINAL["font_features"])


def uninstall() -> None:
    """WeasyPrint's own drawing again (the tests' comparison)."""
    from weasyprint.text import line_break
    from weasyprint.text.line_break import Layout

    if _ORIGINAL:
        Layout.set_text, Layout.deactivate, Layout.reactivate = (
            _ORIGINAL.pop("set_text"), _ORIGINAL.pop("deactivate"), _ORIGINAL.pop("reactivate"))
        line_break.get_font_description = _ORIGINAL.pop("get_font_description")
        line_break.font_features = _ORIGINAL.pop("font_features")
