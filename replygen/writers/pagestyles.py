"""Pages with the same @page rules share their computed page and margin-box styles.

Each page of a document is a page type of its own for WeasyPrint (its index is part of it, for :nth()), and each
page type gets computed styles of its own: the page's and one for each of its 16 margin boxes, which WeasyPrint's
default stylesheet gives declarations. Laying out the margin boxes reads some 25 values of each (margins,
paddings, borders, sizes), each computed on first reading: for the seed reply, half of all the style values its
layout computed, and its margin boxes took 14 ms (4.5 ms with the styles shared). Yet a style's values follow from
its cascaded declarations and its parent's values: the page's parent is the root element, the same for every page;
a margin box's is its page.

Here a page style whose cascaded declarations are the very ones an earlier page of the same document got is that
page's style, and so is a margin box's, when its page's declarations and its own are: the seed's four pages have
one page style, and share 15 of their margin boxes' styles, the page numbers' one for odd and one for even pages.
Declared values are compared by identity (the parsed rules' own objects), so that only styles whose winning
declarations come from the same rules are shared. What layout writes into these styles is the same for every page
of a document (the root's overflow, the page counters made explicit), so a shared style holds what a page's own
would.

Installed once, when WeasyPrint is imported (writers/pdf.py); tests/test_page_styles.py compares the PDFs with
WeasyPrint's own page styles, byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable

_ORIGINAL: list[Callable] = []
"""WeasyPrint's own layout.page.set_page_type_computed_styles"""

_KNOWN = "_replygen_page_styles"
"""the attribute of a document's StyleFor: {what a page or margin-box style is computed from: the first such style}"""


def _identities(declared: dict) -> tuple:
    """Cascaded declarations as ((name, id of the value), …): the values are the parsed rules' own objects, alive as
    long as the document's stylesheets."""
    return tuple((name, id(value)) for name, (value, _weight) in declared.items())


def _set_page_type_computed_styles(page_type, html, style_for) -> None:
    _ORIGINAL[0](page_type, html, style_for)  # the declarations cascaded, the styles made (their values not yet)
    cascaded, computed = style_for.get_cascaded_styles(), style_for.get_computed_styles()
    known = style_for.__dict__.setdefault(_KNOWN, {})
    page = _identities(cascaded.get((page_type, None), {}))
    for (element, pseudo), declared in cascaded.items():
        if element == page_type:
            # a margin box inherits from its page: the same only on pages with the same declarations
            key = (page, pseudo, _identities(declared)) if pseudo else (page,)
            computed[page_type, pseudo] = known.setdefault(key, computed[page_type, pseudo])


def install() -> None:
    from weasyprint.layout import page

    if not _ORIGINAL:
        _ORIGINAL.append(page.set_page_type_computed_styles)
        page.set_page_type_computed_styles = _set_page_type_computed_styles


def uninstall() -> None:
    """WeasyPrint's own page styles again (the tests' comparison)."""
    from weasyprint.layout import page

    if _ORIGINAL:
        page.set_page_type_computed_styles = _ORIGINAL.pop()
