"""文件格式's red header (GB/T 9704 7.2.3, 7.2.4), measured on example-joint: the organ mark's top edge 35 mm below
the text area's top, the 发文字号 two lines below the mark, the text after them on the grid; in the PDF, in the
DOCX's XML and in LibreOffice's layout of the DOCX."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from replygen.compose import DEFAULT_TEMPLATES, Templates
from replygen.document import Document
from replygen.render import document_for, render_bytes
from replygen.style import PT_PER_MM

from conftest import CONTENT
from pdfmeasure import Line, measure

TOP = 37  # mm: the text area's top
PITCH = 225 / 22  # mm


@pytest.fixture(scope="module")
def joint(templates: Templates) -> Document:
    return document_for(CONTENT / "2026" / "example-joint.yaml", templates)


def _page_1(pdf: bytes | Path) -> list[Line]:
    return measure(io.BytesIO(pdf) if isinstance(pdf, bytes) else pdf)[0].lines


def _mark_and_number(lines: list[Line], doc: Document) -> tuple[Line, Line]:
    [mark] = [ln for ln in lines if ln.coloured]
    [number] = [ln for ln in lines if ln.text.replace(" ", "") == _text(doc, "doc-number-header")]
    return mark, number


def _text(doc: Document, role: str) -> str:
    [text] = [p.text for p in doc.paragraphs if p.role == role]
    return text


def test_the_mark_lies_35mm_below_the_text_area(joint: Document, templates: Templates) -> None:
    lines = _page_1(render_bytes(joint, templates, "pdf"))
    mark, number = _mark_and_number(lines, joint)
    assert mark.text == _text(joint, "organ-mark") and mark.size == 22
    assert mark.top - TOP == pytest.approx(35, abs=0.05)
    assert mark.centre == pytest.approx(28 + 156 / 2, abs=0.3)
    # 发文字号 two lines below the mark: on the grid's seventh line, two lines' height under the mark
    assert number.top - TOP == pytest.approx(6 * PITCH + (PITCH - 16 / PT_PER_MM) / 2, abs=0.05)
    assert number.top - mark.bottom >= 2 * PITCH


def _templates_saying(tmp_path: Path, mark_top: str) -> Templates:
    """A folder of templates whose style.yaml puts the organ mark `mark_top` below the text area's top."""
    folder = tmp_path / "templates"
    shutil.copytree(DEFAULT_TEMPLATES, folder)
    style_yaml = folder / "style.yaml"
    style_yaml.write_text(style_yaml.read_text(encoding="utf-8").replace("mark_top: 35mm", f"mark_top: {mark_top}"),
                          encoding="utf-8")
    return Templates.open(folder)


def test_the_mark_follows_the_house_style(tmp_path: Path) -> None:
    """The 35 mm is templates/style.yaml's red_header.mark_top: a folder of templates that says 38 mm has it there."""
    templates = _templates_saying(tmp_path, "38mm")
    joint = document_for(CONTENT / "2026" / "example-joint.yaml", templates)
    mark, number = _mark_and_number(_page_1(render_bytes(joint, templates, "pdf")), joint)
    assert mark.top - TOP == pytest.approx(38, abs=0.05)
    assert number.top - TOP == pytest.approx(6 * PITCH + (PITCH - 16 / PT_PER_MM) / 2, abs=0.05)  # still


def test_check_measures_the_mark(joint: Document, templates: Templates, tmp_path: Path) -> None:
    """`replygen check` (check_pdf): the mark at 35 mm passes; held against a style asking 38 mm it is 3 mm off;
    a letter's mark, above the text area, is not a red header's."""
    from replygen.check.pdf import check_pdf

    ours = io.BytesIO(render_bytes(joint, templates, "pdf"))
    assert [f for f in check_pdf(ours, templates.style) if f.rule == "pdf-header"] == []
    ours.seek(0)
    [finding] = [f for f in check_pdf(ours, _templates_saying(tmp_path, "38mm").style) if f.rule == "pdf-header"]
    assert (finding.element, finding.measured, finding.expected) == ("发文机关标志上边缘距版心上边缘", "35.0 mm", "38 mm（±1.5 mm）")
    letter = document_for(CONTENT / "2026" / "example-letter.yaml", templates)
    assert [f for f in check_pdf(io.BytesIO(render_bytes(letter, templates, "pdf")), templates.style)
            if f.rule == "pdf-header"] == []


def test_the_docx_lowers_the_mark_on_its_line(joint: Document, templates: Templates) -> None:
    xml = zipfile.ZipFile(io.BytesIO(render_bytes(joint, templates, "docx"))).read("word/document.xml").decode()
    [mark] = [p for p in re.findall(r"<w:p>.*?</w:p>", xml) if "rg-organ-mark" in p]
    drop = templates.style.organ_mark_drop  # pt: 35 mm less where its grid line puts its top edge
    assert drop == pytest.approx(8.75, abs=0.01)
    assert re.findall(r'<w:position w:val="(-?\d+)"/>', mark) == [str(-round(drop * 2))]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not on PATH")
def test_libreoffice_places_the_header_as_the_pdf(joint: Document, templates: Templates, tmp_path: Path) -> None:
    from libreoffice import to_pdf

    docx = tmp_path / "joint.docx"
    docx.write_bytes(render_bytes(joint, templates, "docx"))
    lo = _page_1(to_pdf(docx, tmp_path, templates.style))
    ours = _page_1(render_bytes(joint, templates, "pdf"))
    (lo_mark, lo_number), (mark, number) = _mark_and_number(lo, joint), _mark_and_number(ours, joint)
    assert lo_mark.size == 22  # lowered, not shrunk as a subscript
    assert lo_mark.top == pytest.approx(mark.top, abs=0.5) and lo_number.top == pytest.approx(number.top, abs=0.5)
    assert len(lo) == len(ours)
