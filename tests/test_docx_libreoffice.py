"""The seed DOCX as LibreOffice lays it out: 22 lines on a full page, 28 characters on a full line, 4 pages
(as the PDF writer gives), page numbers 7 mm under the text area and the 版记 at the foot of the last page.

LibreOffice has none of the office fonts the DOCX names, so a fontconfig file maps them onto the free stand-ins
the PDF writer uses; the test is skipped only when soffice is not installed.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from pathlib import Path

import pdfplumber
import pytest

from replygen.compose import Templates

from libreoffice import to_pdf

MM = 72 / 25.4
pytestmark = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not on PATH")


@pytest.fixture(scope="module")
def lo_pdf(seed_docx: Path, tmp_path_factory: pytest.TempPathFactory, templates: Templates) -> Path:
    """LibreOffice's PDF of the seed DOCX, with the DOCX font names mapped to this machine's stand-ins by the
    configuration `replygen fonts --fontconfig` prints."""
    return to_pdf(seed_docx, tmp_path_factory.mktemp("lo"), templates.style)


def _lines(page) -> list[list[dict]]:
    rows: dict[float, list[dict]] = defaultdict(list)
    for c in page.chars:
        rows[round((c["top"] + c["bottom"]) / 2)].append(c)
    return [sorted(rows[k], key=lambda c: c["x0"]) for k in sorted(rows)]


def test_same_page_count_as_replygens_pdf(lo_pdf: Path, seed_pdf: Path) -> None:
    with pdfplumber.open(lo_pdf) as lo, pdfplumber.open(seed_pdf) as ours:
        assert len(lo.pages) == len(ours.pages) == 4


def test_pages_lines_and_characters(lo_pdf: Path) -> None:
    with pdfplumber.open(lo_pdf) as pdf:
        text_bottom = (297 - 35) * MM
        counts = []
        for number, page in enumerate(pdf.pages, 1):
            body = [row for row in _lines(page) if row[0]["bottom"] < text_bottom + 1]
            if 1 < number < len(pdf.pages):  # a full page
                assert len(body) == 22, f"page {number}"
            full = [row for row in body if row[0]["size"] == 16 and all(ord(c["text"]) > 0x2000 for c in row)
                    and row[-1]["x1"] > 180 * MM and row[0]["x0"] < 29 * MM]
            for row in full:
                assert abs(row[0]["x0"] / MM - 28) < 0.5, "".join(c["text"] for c in row)
                # a closing punctuation mark may hang into the margin (Word's and LibreOffice's default)
                assert row[-1]["x0"] / MM < 184.5, "".join(c["text"] for c in row)
                counts.append(len(row))
        # full lines hold 28; a few hold fewer, stretched, where line breaking moved a quote or a Latin word on
        assert counts.count(28) > 0.8 * len(counts) > 20


def test_page_numbers_sit_7mm_below_the_text(lo_pdf: Path) -> None:
    with pdfplumber.open(lo_pdf) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            dashes = [c for c in page.chars if c["text"] == "—" and c["top"] > 262 * MM]
            assert dashes, f"page {number}"
            centre = (dashes[0]["top"] + dashes[0]["bottom"]) / 2 / MM
            assert abs(centre - 269) < 1.5
            left = dashes[0]["x0"] / MM
            assert (left < 105) == (number % 2 == 0)  # even pages left, odd pages right


def test_imprint_at_the_foot_of_the_last_page(lo_pdf: Path) -> None:
    with pdfplumber.open(lo_pdf) as pdf:
        page = pdf.pages[-1]
        rules = sorted(r["top"] / MM for r in page.lines + page.rects)
        assert len(rules) == 3 and abs(rules[-1] - (297 - 35)) < 1
        printed = [row for row in _lines(page) if "印发" in "".join(c["text"] for c in row)]
        assert printed and rules[-2] < printed[0][0]["top"] / MM < rules[-1]


def test_red_header_page_1_holds_22_lines(templates: Templates, tmp_path: Path) -> None:
    """Under a red header the red separator lies in the line below the 发文字号: the title and the body stay on
    the grid, and the first page holds 22 lines down to the text area's foot, as in the PDF."""
    from replygen.check.pdf import check_pdf
    from replygen.load import load_reply
    from replygen.writers.docx import write_docx

    from conftest import CONTENT

    docx = tmp_path / "red.docx"
    write_docx(templates.compose(load_reply(CONTENT / "2026" / "example-stamped.yaml")), templates.style, docx)
    lo = to_pdf(docx, tmp_path, templates.style)
    findings = [str(f) for f in check_pdf(lo, templates.style)
                if f.rule == "pdf-lines" or f.element in ("上边距（天头）", "下边距")]
    assert findings == []
    with pdfplumber.open(lo) as pdf:
        rows = [row for row in _lines(pdf.pages[0]) if row[0]["size"] == 16 and row[0]["bottom"] < 262 * MM]
    assert abs(rows[-1][0]["bottom"] / MM - (37 + 22 * 225 / 22 - (225 / 22 - 16 / MM) / 2)) < 0.5
