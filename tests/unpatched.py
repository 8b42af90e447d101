"""WeasyPrint without one of replygen's speed-ups, for the tests that compare the PDFs byte for byte: each switch
turns one off for the length of a `with` block."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from replygen.writers import keptlayouts, pagestyles, pdf


@contextmanager
def _uninstalled(module) -> Iterator[None]:
    module.uninstall()
    try:
        yield
    finally:
        module.install()


def own_drawing() -> AbstractContextManager[None]:
    """Text drawn from new Pango layouts, as WeasyPrint draws it (writers/keptlayouts.py)."""
    return _uninstalled(keptlayouts)


def own_page_styles() -> AbstractContextManager[None]:
    """Styles computed for each page (writers/pagestyles.py)."""
    return _uninstalled(pagestyles)


@contextmanager
def split_lines_as_flex() -> Iterator[None]:
    """Every split line a flex box (writers/pdf.py, _pulled_up)."""
    pulled_up = pdf._pulled_up
    pdf._pulled_up = lambda *args: False
    try:
        yield
    finally:
        pdf._pulled_up = pulled_up


SWITCHES: dict[str, Callable[[], AbstractContextManager[None]]] = {
    "kept layouts": own_drawing, "shared page styles": own_page_styles, "split lines without flex": split_lines_as_flex}


def both(make: Callable[[], bytes], without: Callable[[], AbstractContextManager[None]]) -> tuple[bytes, bytes]:
    """What `make` gives with every speed-up, then `without` one of them."""
    ours = make()
    with without():
        theirs = make()
    return ours, theirs
