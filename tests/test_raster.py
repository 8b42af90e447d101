"""Page images of a PDF: one PNG per page, of the page's size at the requested resolution."""

from __future__ import annotations

import io
from pathlib import Path

import pdfplumber
from PIL import Image

from replygen.raster import pdf_to_pngs


def test_one_png_per_page_at_a4_size(seed_pdf: Path) -> None:
    with pdfplumber.open(seed_pdf) as pdf:
        pages = len(pdf.pages)
    images = pdf_to_pngs(seed_pdf.read_bytes(), dpi=50)
    assert len(images) == pages
    width, height = Image.open(io.BytesIO(images[0])).size
    assert (abs(width - 210 / 25.4 * 50) <= 1, abs(height - 297 / 25.4 * 50) <= 1) == (True, True)
    # text is drawn: the page is not blank white
    assert Image.open(io.BytesIO(images[0])).convert("L").getextrema()[0] < 100
