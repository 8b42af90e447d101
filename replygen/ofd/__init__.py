"""OFD (GB/T 33190-2016) from the same rendered document as the PDF, with the PDF's layout.

Where the positions come from: the PDF that WeasyPrint wrote for the document, its page content interpreted by
layout.py (objects read by pdffile.py), not WeasyPrint's box tree. The PDF is the layout as printed — every glyph
origin after justification, letter-spacing, the 避头尾 line breaks and the page numbers in the page margins, every
rule as drawn, including SVG backgrounds (the 信函格式 double lines) — and it is a stable, documented format, where
the box tree and Pango glyph strings are WeasyPrint internals that change between releases. The font programs are
the subsets WeasyPrint embedded in that PDF, so the OFD shows the same glyphs and no 5–8 MB CJK face is subset
twice; fontTools checks each one can be embedded and maps every character it shows (fonts.py). Images (seals) are
the PDF's image streams with their soft masks as PNG alpha (images.py). package.py writes the OFD."""

from __future__ import annotations

from replygen.document import Document
from replygen.metadata import metadata_of
from replygen.ofd.fonts import check_embeddable
from replygen.ofd.layout import read_layout
from replygen.ofd.package import VERSION, build, document_id
from replygen.style import Style

__all__ = ["STANDARD", "render_ofd"]

STANDARD = f"OFD {VERSION}（GB/T 33190-2016）"


def render_ofd(doc: Document, style: Style, pdf: bytes) -> bytes:
    """The OFD of `doc`, laid out as `pdf` (the PDF rendered from the same document). `style` is unused: every
    number is already in the PDF; it is taken so that all writers share one signature."""
    del style
    layout = read_layout(pdf)
    used: dict[str, set[str]] = {}
    for page in layout.pages:
        for run in page.runs:
            used.setdefault(run.font, set()).update(run.text.replace(" ", ""))
    suffixes = {name: check_embeddable(name, layout.fonts[name].data, chars) for name, chars in sorted(used.items())}
    return build(layout, metadata_of(doc), suffixes, document_id(pdf))
