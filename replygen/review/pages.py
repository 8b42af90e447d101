"""Two PDFs of one reply → its pages side by side as images: before, after, and where they differ.

The difference image is the page after the change, faded, with every pixel that changed painted red; a page
that exists on one side only is compared with a blank page.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from replygen.output import atomic_write
from replygen.raster import pdf_to_pngs

DPI = 96
THRESHOLD = 48
"""grey levels two pixels must differ by to count as changed (anti-aliasing noise stays below)"""
FADE = 0.25
RED = (220, 30, 30)
HALO = (255, 190, 190)
PALETTE = 64
HALO_CELL = 8
"""the halo is drawn on a grid this many pixels wide, reaching one cell beyond each change"""


@dataclass(frozen=True)
class PageDiff:
    number: int
    before: str | None
    """image file name, relative to the reply's asset folder; None when the page does not exist on that side"""
    after: str | None
    difference: str | None
    """None (and before, after None too) when the page did not change: no images are kept of it"""
    changed_pixels: int
    total_pixels: int

    @property
    def changed(self) -> bool:
        return self.changed_pixels > 0


def compare_pages(before_pdf: bytes | None, after_pdf: bytes | None, folder: Path) -> list[PageDiff]:
    """Rasterise both PDFs, write before/after/difference PNGs of each page into `folder` (a side without a
    PDF, a reply added or deleted, has no pages)."""
    from PIL import Image

    before = pdf_to_pngs(before_pdf, DPI) if before_pdf else []
    after = pdf_to_pngs(after_pdf, DPI) if after_pdf else []
    pages = []
    for i in range(max(len(before), len(after))):
        n = i + 1
        old = Image.open(io.BytesIO(before[i])) if i < len(before) else None
        new = Image.open(io.BytesIO(after[i])) if i < len(after) else None
        size = (new or old).size  # type: ignore[union-attr]
        difference, changed = _difference(old or _blank(size), new or _blank(size))
        if old and new and not changed:  # an unchanged page is said to be so, not shown three times
            pages.append(PageDiff(n, None, None, None, 0, size[0] * size[1]))
            continue
        names = {"before": f"p{n}-before.png" if old else None, "after": f"p{n}-after.png" if new else None}
        if old:
            atomic_write(folder / f"p{n}-before.png", _png(old))
        if new:
            atomic_write(folder / f"p{n}-after.png", _png(new))
        atomic_write(folder / f"p{n}-diff.png", _png(difference, exact=True))
        pages.append(PageDiff(n, names["before"], names["after"], f"p{n}-diff.png", changed, size[0] * size[1]))
    return pages


def _difference(old, new):
    """(the faded new page with changed pixels in red, how many pixels changed)."""
    from PIL import Image, ImageChops, ImageFilter

    if old.size != new.size:
        old = old.resize(new.size)
    grey_old, grey_new = old.convert("L"), new.convert("L")
    mask = ImageChops.difference(grey_old, grey_new).point(lambda v: 255 if v > THRESHOLD else 0)
    changed = mask.histogram()[255]
    faded = Image.blend(Image.new("L", new.size, 255), ImageChops.darker(grey_old, grey_new), FADE).convert("RGB")
    if changed:  # a pale halo first, so that a one-character change is seen on a whole page at a glance
        small = (max(1, new.width // HALO_CELL), max(1, new.height // HALO_CELL))
        halo = mask.resize(small, Image.Resampling.BOX).point(lambda v: 255 if v else 0)
        halo = halo.filter(ImageFilter.MaxFilter(3)).resize(new.size, Image.Resampling.BILINEAR)
        faded.paste(Image.new("RGB", new.size, HALO), mask=halo)
        faded.paste(Image.new("RGB", new.size, RED), mask=mask)
    return faded, changed


def _blank(size: tuple[int, int]):
    from PIL import Image

    return Image.new("RGB", size, "white")


def _png(image, exact: bool = False) -> bytes:
    """A page as a 64-colour PNG: black text with its anti-aliasing and a red organ mark need no more, and the
    file is a fraction of a full-colour one. The difference image keeps its colours (`exact`): its reds are
    what the reviewer looks for."""
    buffer = io.BytesIO()
    image = image.convert("RGB")
    (image if exact else image.quantize(PALETTE)).save(buffer, format="PNG", compress_level=3)
    return buffer.getvalue()
