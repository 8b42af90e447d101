"""The DOCX as a user opens it: same text, page setup, grid, fonts, page numbers, 版记; reproducible and atomic."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from replygen import output
from replygen.compose import Templates
from replygen.document import IMPRINT, Document
from replygen.writers.docx import write_docx


def _resolved(style, attr):
    """A font attribute as the style hierarchy resolves it."""
    while style is not None:
        value = attr(style)
        if value is not None:
            return value
        style = style.base_style
    return None


def _east_asia(style) -> str | None:
    def get(s):
        rfonts = s.element.rPr.rFonts if s.element.rPr is not None else None
        return rfonts.get(qn("w:eastAsia")) if rfonts is not None else None
    return _resolved(style, get)


def test_paragraph_texts_follow_the_document(seed_docx: Path, seed_doc: Document, seed_paragraphs: list[str]) -> None:
    paragraphs = docx.Document(str(seed_docx)).paragraphs
    texts = [p.text for p in paragraphs]
    expected = ["".join("\t" if r.role == "tab" else r.text for r in p.runs) for p in seed_doc.paragraphs]
    # the one addition: an empty 1 pt paragraph closing the body after the 版记 frames (LibreOffice needs it)
    assert texts[:-1] == expected
    assert texts[-1] == ""
    assert texts[:12] == seed_paragraphs[:12]


def test_page_size_margins_and_grid(seed_docx: Path) -> None:
    section = docx.Document(str(seed_docx)).sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = [section.top_margin, section.bottom_margin, section.left_margin, section.right_margin]
    assert [round(m.mm) for m in margins] == [37, 35, 28, 26]
    grid = section._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "lines"
    assert grid.get(qn("w:linePitch")) == "579"
    assert grid.get(qn("w:charSpace")) is None


def test_body_and_title_fonts(seed_docx: Path) -> None:
    d = docx.Document(str(seed_docx))
    by_role = {p.style.name: p for p in d.paragraphs}
    body, title = by_role["rg-body"], by_role["rg-title"]
    assert _east_asia(body.style) == "仿宋_GB2312"
    assert _resolved(body.style, lambda s: s.font.size) == Pt(16)
    assert _resolved(body.style, lambda s: s.font.name) == "Times New Roman"
    assert _east_asia(title.style) == "方正小标宋简体"
    assert _resolved(title.style, lambda s: s.font.size) == Pt(22)
    spacing = body.style.element.rPr.find(qn("w:spacing"))
    assert spacing.get(qn("w:val")) == "-5"  # 28 characters of 16 pt fill the 156 mm line
    line = body.style.paragraph_format
    assert line.line_spacing == docx.shared.Twips(579)


def test_no_theme_fonts_anywhere(seed_docx: Path) -> None:
    with zipfile.ZipFile(seed_docx) as z:
        assert "word/stylesWithEffects.xml" not in z.namelist()
        for name in z.namelist():
            if name.endswith((".xml", ".rels")):
                text = z.read(name).decode("utf-8")
                assert not re.search(r"\w+:\w*[Tt]heme=\"", text), name
                assert "stylesWithEffects" not in text, name


def test_page_numbers_on_odd_and_even_footers(seed_docx: Path) -> None:
    d = docx.Document(str(seed_docx))
    assert d.settings.odd_and_even_pages_header_footer
    section = d.sections[0]
    for footer in (section.footer, section.even_page_footer):
        assert not footer.is_linked_to_previous
        xml = footer._element.xml
        assert re.search(r"<w:instrText[^>]*>\s*PAGE\s*</w:instrText>", xml)
        assert "宋体" in xml
    # the line's centre sits 7 mm under the text area: 297 - 35 + 7 = 269 mm from the top
    centre = section.page_height - section.footer_distance - Pt(14) / 2
    assert abs(Mm(269) - centre) < Mm(0.5)


def test_imprint_is_framed_with_rules(seed_docx: Path, seed_doc: Document) -> None:
    paragraphs = docx.Document(str(seed_docx)).paragraphs
    imprint = [out for out, p in zip(paragraphs, seed_doc.paragraphs, strict=False) if p.group == IMPRINT]
    assert len(imprint) == 2
    sides = []
    for p in imprint:
        ppr = p._p.pPr
        frame = ppr.find(qn("w:framePr"))
        assert frame is not None and frame.get(qn("w:vAnchor")) == "margin"
        bdr = ppr.find(qn("w:pBdr"))
        sides.append({el.tag.split("}")[1]: el.get(qn("w:sz")) for el in bdr})
    assert sides == [{"top": "8", "bottom": "6"}, {"bottom": "8"}]  # 0.35 mm outer rules, 0.25 mm between
    # stacked from the bottom of the text area: the last frame ends there
    last = imprint[-1]._p.pPr.find(qn("w:framePr"))
    assert int(last.get(qn("w:y"))) + int(last.get(qn("w:h"))) == round(Mm(225).twips)


def test_deterministic(tmp_path: Path, seed_doc: Document, templates: Templates) -> None:
    a, b = tmp_path / "a.docx", tmp_path / "b.docx"
    write_docx(seed_doc, templates.style, a)
    write_docx(seed_doc, templates.style, b)
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    props = docx.Document(str(a)).core_properties
    assert props.title == seed_doc.meta["title"]
    assert props.author == props.last_modified_by == seed_doc.meta["author"]
    assert props.created.date().isoformat() == seed_doc.meta["date"]


def test_failure_leaves_old_file_and_no_temp(tmp_path: Path, seed_doc: Document, templates: Templates,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "245.docx"
    target.write_bytes(b"old")

    def fail(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(output.os, "replace", fail)
    with pytest.raises(OSError):
        write_docx(seed_doc, templates.style, target)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["245.docx"]


def test_written_file_has_the_usual_permissions(tmp_path: Path, seed_doc: Document, templates: Templates) -> None:
    import os

    target = tmp_path / "245.docx"
    write_docx(seed_doc, templates.style, target)
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_app_properties_name_replygen_and_claim_no_page_count(seed_docx: Path) -> None:
    from replygen import __version__

    app = zipfile.ZipFile(seed_docx).read("docProps/app.xml").decode()
    assert f"<Application>replygen {__version__}</Application>" in app
    assert "Microsoft" not in app and "<Pages>" not in app and "<Words>" not in app


def test_the_base_kept_for_the_next_process_gives_the_same_bytes(seed_doc: Document, templates: Templates,
                                                                 tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from replygen.writers import docx as writer

    monkeypatch.setenv("REPLYGEN_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(writer, "_BASES", {})
    built = writer.render_docx(seed_doc, templates.style)
    [kept] = tmp_path.glob("docx-*/*.docx")
    for damage in (lambda data: data, lambda data: data[:-100], lambda data: data[:40] + b"x" + data[41:]):
        kept.write_bytes(damage(kept.read_bytes()))
        monkeypatch.setattr(writer, "_BASES", {})  # as in a new process: the kept base, or one built anew
        assert writer.render_docx(seed_doc, templates.style) == built
    monkeypatch.setattr(writer, "_build_base", None)  # not called: the base rebuilt above was kept again
    monkeypatch.setattr(writer, "_BASES", {})
    assert writer.render_docx(seed_doc, templates.style) == built
