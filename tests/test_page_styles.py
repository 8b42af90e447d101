"""Pages matched by the same @page rules share their computed page and margin-box styles (writers/pagestyles.py),
and the PDF is the one WeasyPrint makes with a style of each page's own, byte for byte (for replies:
tests/test_same_pdfs.py): for pages that :first, :left/:right, :nth(), :blank, named pages, page sizes, counters
and running strings tell apart."""

from __future__ import annotations

import pytest
from unpatched import both, own_page_styles

from replygen.compose import Templates
from replygen.document import Document
from replygen.render import render_bytes
from replygen.writers.pdf import lay_out

TEXT = "标准化作为助推社会经济高质量发展的技术基础和国际贸易的通用语言。" * 40
PAGES = {
    "left, right, first and nth pages": f"""
<style>
@page {{ size: A5; margin: 20mm 15mm; @bottom-center {{ content: counter(page) " / " counter(pages) }} }}
@page :first {{ margin-top: 40mm; @top-center {{ content: "首页" }} }}
@page :left {{ @bottom-left {{ content: "左 " counter(page); color: red }} }}
@page :right {{ @bottom-right {{ content: "右 " counter(page); font-size: 8pt }} }}
@page :left {{ margin-left: 25mm; margin-right: 15mm }}
@page :right {{ margin-left: 15mm; margin-right: 25mm }}
@page :nth(3) {{ @top-center {{ content: "三"; color: blue }} }}
@page :nth(5) {{ @top-center {{ content: "五"; color: green }} }}
@page :nth(6) {{ color: #c00; font-size: 7pt }}
@page :nth(4) {{ margin-left: 30mm; @top-left {{ content: "第四页"; border-bottom: 1px solid }} }}
@page :nth(2n+7) {{ background: #eee; @right-middle {{ content: "奇"; width: 10mm }} }}
</style>
<p>{TEXT * 4}</p>""",
    "named pages, sizes, blank pages and running strings": f"""
<style>
@page {{ margin: 10% 8%; @top-right {{ content: string(chapter); font-size: 9pt }} }}
@page wide {{ size: A4 landscape; margin: 2em; @bottom-center {{ content: "横排 " counter(page) }} }}
@page :blank {{ @top-center {{ content: "此页空白" }} }}
h1 {{ string-set: chapter content(); break-before: right }}
.wide {{ page: wide }}
</style>
<h1>第一章</h1><p>{TEXT}</p><div class="wide"><p>{TEXT * 2}</p></div><h1>第二章</h1><p>{TEXT * 3}</p>
<h1>第三章</h1><p>{TEXT}</p>""",
}


@pytest.mark.parametrize("name", PAGES)
def test_pages_told_apart_by_their_rules_are_the_same(name: str, seed_doc: Document, templates: Templates) -> None:
    import weasyprint

    render_bytes(seed_doc, templates, "pdf")  # WeasyPrint imported the way replygen imports it
    html = f'<html lang="zh-CN"><body style="font-family: serif">{PAGES[name]}</body></html>'
    ours, theirs = both(lambda: weasyprint.HTML(string=html).write_pdf(), own_page_styles)
    pages = weasyprint.HTML(string=html).render().pages
    assert len(pages) >= 8  # enough pages for every rule above to match
    styles = [id(page._page_box.style) for page in pages]
    assert len(set(styles)) < len(styles)  # some pages share
    assert ours == theirs


def test_the_seeds_pages_share_their_styles(seed_doc: Document, templates: Templates) -> None:
    """The seed's four pages have the same page rules: one page style for all; their page numbers, right on odd
    pages and left on even ones, one style for each side. Without sharing each page has styles of its own."""
    from replygen.writers.pdfmeta import pdf_options

    options = {k: v for k, v in pdf_options(seed_doc, None).items() if k != "finisher"}

    def styles() -> list[tuple[int, str, int]]:
        """(page style, page number box, its style) of each page"""
        pages = [page._page_box for page in lay_out(seed_doc, templates.style, **options).pages]
        return [(id(page.style), box.at_keyword, id(box.style)) for page in pages for box in page.children
                if getattr(box, "at_keyword", "").startswith("@bottom-")]

    shared = styles()
    assert [at for _, at, _ in shared] == ["@bottom-right", "@bottom-left"] * 2
    assert len({page for page, _, _ in shared}) == 1
    assert shared[0][2] == shared[2][2] != shared[1][2] == shared[3][2]
    with own_page_styles():
        own = styles()
    assert len({page for page, _, _ in own}) == 4 and len({box for _, _, box in own}) == 4
