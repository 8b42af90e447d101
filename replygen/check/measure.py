"""Measuring a PDF the way a reviewer with a ruler would: lines of text, their positions, fonts and sizes."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pdfplumber

from replygen.style import PT_PER_MM

MM = 1 / PT_PER_MM  # mm per point


@dataclass
class Line:
    page: int
    text: str
    top: float  # mm from the paper's top
    bottom: float
    x0: float  # mm from the paper's left
    x1: float
    size: float  # pt
    fonts: frozenset[str]
    coloured: bool = False  # drawn in a colour (the red organ mark), not black

    @property
    def centre(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass
class Page:
    number: int
    width: float  # mm
    height: float
    lines: list[Line]


def measure(path: Path | BinaryIO) -> list[Page]:
    with pdfplumber.open(path) as pdf:
        return read_pages(pdf)


def read_pages(pdf: pdfplumber.PDF) -> list[Page]:
    """Every page's lines of text: characters grouped by their baseline (to the nearest point), left to right."""
    pages = []
    for pg in pdf.pages:
        rows: dict[float, list[dict]] = defaultdict(list)
        for c in pg.chars:
            rows[round(c["bottom"], 0)].append(c)
        lines = []
        for _, cs in sorted(rows.items()):
            cs.sort(key=lambda c: c["x0"])
            lines.append(Line(pg.page_number, "".join(c["text"] for c in cs), min(c["top"] for c in cs) * MM,
                              max(c["bottom"] for c in cs) * MM, cs[0]["x0"] * MM, cs[-1]["x1"] * MM,
                              round(max(c["size"] for c in cs), 1), frozenset(c["fontname"] for c in cs),
                              _coloured(cs[0])))
        pages.append(Page(pg.page_number, float(pg.width) * MM, float(pg.height) * MM, lines))
    return pages


def _coloured(char: dict) -> bool:
    colour = char.get("non_stroking_color")
    if not isinstance(colour, tuple | list) or len(colour) != 3:
        return False  # grey or CMYK black, or a pattern
    return max(colour) - min(colour) > 0.2


def body_lines(page: Page, footer_from: float) -> list[Line]:
    """The lines inside the text area (the page number lies below it)."""
    return [line for line in page.lines if line.bottom < footer_from]


def rules(path: Path, page: int, x0: float = 28, x1: float = 184, dpi: int = 600) -> list[tuple[float, float]]:
    """Horizontal rules a reader sees on a page (1-based), as (centre, thickness) in mm: runs of pixel rows
    that are dark across at least 95 % of [x0, x1]."""
    px = dpi / 25.4
    with pdfplumber.open(path) as pdf:
        image = pdf.pages[page - 1].to_image(resolution=dpi).original.convert("L")
    left, right = round(x0 * px), round(x1 * px)
    width, data = image.width, image.tobytes()
    found, run = [], []
    for y in range(image.height):
        row = data[y * width + left: y * width + right]
        if sum(1 for v in row if v < 128) >= 0.95 * (right - left):
            run.append(y)
        elif run:
            found.append(((run[0] + run[-1] + 1) / 2 / px, len(run) / px))
            run = []
    return found
