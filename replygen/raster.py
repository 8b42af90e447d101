"""PDF pages → PNG images (pypdfium2), for previews and review reports: what is seen is what is printed."""

from __future__ import annotations

import io

PREVIEW_DPI = 96


def pdf_to_pngs(pdf: bytes, dpi: int = PREVIEW_DPI) -> list[bytes]:
    """Each page of `pdf` as PNG bytes, rendered at `dpi`."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        images = []
        for page in document:
            bitmap = page.render(scale=dpi / 72)
            buffer = io.BytesIO()
            bitmap.to_pil().save(buffer, format="PNG", optimize=False)
            images.append(buffer.getvalue())
            page.close()
        return images
    finally:
        document.close()
