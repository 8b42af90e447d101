"""How the PDF is written (writers/pdfwrite.py): fonts subset in one HarfBuzz pass into exactly the fonts
WeasyPrint's two passes make, whole fonts never copied out of HarfBuzz, and streams compressed by zlib-ng at level 4;
the pages are those WeasyPrint's own writing gives."""

from __future__ import annotations

import re
import subprocess
import zlib
from pathlib import Path

import pytest

from replygen.compose import Templates
from replygen.document import Document
from replygen.render import render_bytes
from replygen.writers import pdfwrite


def _fonts_of(doc: Document, templates: Templates, hinting: bool = False) -> list[tuple[object, dict]]:
    """The WeasyPrint fonts a PDF of `doc` embeds, each with the glyphs it uses (as subsetting gets them)."""
    from weasyprint.pdf import fonts

    render_bytes(doc, templates, "pdf")  # WeasyPrint imported, pdfwrite installed
    seen: list[tuple[object, dict]] = []
    installed = fonts.Font._harfbuzz_subset
    assert installed is pdfwrite.one_pass_subset

    def grab(font, to_unicode: dict, hinting: bool) -> None:
        seen.append((font, dict(to_unicode)))
        installed(font, to_unicode, hinting)

    fonts.Font._harfbuzz_subset = grab
    try:
        render_bytes(doc, templates, "pdf")
    finally:
        fonts.Font._harfbuzz_subset = installed
    return seen


@pytest.mark.parametrize("hinting", [False, True])
def test_one_pass_makes_the_fonts_weasyprints_two_passes_make(seed_doc: Document, templates: Templates,
                                                              hinting: bool) -> None:
    from weasyprint.text.fonts import get_hb_object_data

    seen = _fonts_of(seed_doc, templates)
    assert len(seen) >= 2 and max(len(glyphs) for _, glyphs in seen) > 100
    for font, glyphs in seen:
        full = get_hb_object_data(font.hb_face)
        font.file_content = full
        pdfwrite.two_pass_subset(font, glyphs, hinting)
        theirs = font.file_content
        font.file_content = full
        pdfwrite.one_pass_subset(font, glyphs, hinting)
        assert theirs != full and font.file_content == theirs, font.family


def test_streams_are_compressed_by_zlib_ng_at_level_4(seed_pdf: Path) -> None:
    from zlib_ng import zlib_ng

    data = seed_pdf.read_bytes()
    streams = [m.group(1) for m in re.finditer(rb"/FlateDecode[^>]*>>\nstream\n(.*?)\nendstream", data, re.S)]
    largest = max(streams, key=len)
    raw = zlib.decompress(largest)
    assert len(raw) > 100_000  # the body's font
    assert largest == zlib_ng.compress(raw, 4) != zlib.compress(raw, 9)
    assert len(largest) < len(zlib.compress(raw, 9)) * 1.01


def _pages(pdf: bytes, folder: Path, name: str) -> list[bytes]:
    path = folder / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "50", "-gray", str(path), str(folder / name)], check=True)
    return [p.read_bytes() for p in sorted(folder.glob(f"{name}-*.pgm"))]


def test_pages_are_those_weasyprints_own_writing_gives(tmp_path: Path, seed_doc: Document,
                                                       templates: Templates) -> None:
    import pydyf
    from weasyprint.pdf import fonts

    ours = render_bytes(seed_doc, templates, "pdf")
    level, subset = pydyf.zlib, fonts.Font._harfbuzz_subset
    pydyf.zlib, fonts.Font._harfbuzz_subset = zlib, pdfwrite.two_pass_subset
    try:
        theirs = render_bytes(seed_doc, templates, "pdf")
    finally:
        pydyf.zlib, fonts.Font._harfbuzz_subset = level, subset
    assert ours != theirs
    assert len(ours) < len(theirs) * 1.01
    assert _pages(ours, tmp_path, "ours") == _pages(theirs, tmp_path, "theirs")


def test_whole_fonts_are_not_copied_out_of_harfbuzz(seed_doc: Document, templates: Templates,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the subsets are copied out of HarfBuzz, not the whole font files WeasyPrint copies as it meets each font
    (4–8 MB each); the PDF is the same."""
    from weasyprint.pdf import fonts as pdf_fonts
    from weasyprint.text import fonts

    render_bytes(seed_doc, templates, "pdf")
    copied: list[int] = []
    copy = fonts.get_hb_object_data

    def spy(hb_object, *args):
        data = copy(hb_object, *args)
        copied.append(len(data or b""))
        return data

    def spy_font(hb_object, *args):  # what Font.__init__ calls
        data = meets(hb_object, *args)
        copied.append(len(data) if isinstance(data, bytes) else 0)
        return data

    meets = pdf_fonts.get_hb_object_data
    monkeypatch.setattr(fonts, "get_hb_object_data", spy)
    monkeypatch.setattr(pdf_fonts, "get_hb_object_data", spy_font)
    ours = render_bytes(seed_doc, templates, "pdf")
    assert len(copied) >= 3 and max(copied) < 1_000_000
    copied.clear()
    monkeypatch.setattr(pdf_fonts, "get_hb_object_data", spy)  # as WeasyPrint's Font copies them
    assert render_bytes(seed_doc, templates, "pdf") == ours
    assert max(copied) > 3_000_000


def _tree(element) -> tuple:
    return (element.tag, sorted(element.attrib.items()), element.text, element.tail,
            [_tree(child) for child in element])


def _same_as_weasyprint(html: str) -> None:
    import weasyprint

    from replygen.writers import htmltree

    fetcher = weasyprint.urls.URLFetcher()
    ours, theirs = htmltree.parse(weasyprint, html, fetcher), weasyprint.HTML(string=html, url_fetcher=fetcher)
    assert vars(ours).keys() == vars(theirs).keys()
    assert (ours.base_url, ours.url_fetcher, ours.media_type) == (theirs.base_url, theirs.url_fetcher,
                                                                 theirs.media_type)
    assert _tree(ours.etree_element) == _tree(theirs.etree_element)


def test_expat_builds_the_tree_weasyprints_parser_builds(templates: Templates) -> None:
    from dataclasses import replace

    from replygen.document import Fit
    from replygen.fonts import resolve
    from replygen.render import document_for
    from replygen.writers.pdf import render_settled, to_html

    from conftest import CONTENT

    fonts = resolve(templates.style)
    for path in sorted(CONTENT.rglob("*.yaml")):
        doc = document_for(path, templates)
        settled = render_settled(doc, templates.style)[0]
        for fit in {Fit(), settled.fit, replace(settled.fit, imprint_page=True)}:
            _same_as_weasyprint(to_html(replace(doc, fit=fit), templates.style, fonts, inline_css=False))


@pytest.mark.parametrize("text", ["a\tb", "a\nb", "a\r\nb", "a\x0cb", "a\x00b", "&amp;&lt;&#x27;&quot;", "a\ufffeb",
                                  "<b>加粗</b>", "&nbsp;", "<p>未闭合", "<![CDATA[x]]>"])
def test_markup_expat_would_read_otherwise_takes_weasyprints_parser(text: str) -> None:
    _same_as_weasyprint(f'<!DOCTYPE html><html><head><meta name="t" content="{text}"/></head>'
                        f'<body><p class="{text}">{text}</p></body></html>')
