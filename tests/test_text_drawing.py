"""Text drawn with the Pango layouts the line breaking made (writers/keptlayouts.py) makes the PDF WeasyPrint's own
drawing makes, byte for byte (for replies: tests/test_same_pdfs.py): for random Chinese text, and HTML that takes
WeasyPrint's other paths (justified Latin text, preserved line breaks, ellipses, hyphenation, decorations, tables,
floats, first-line styles, font features)."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from unpatched import both, own_drawing

from replygen.compose import Templates
from replygen.document import Document
from replygen.render import render_bytes
from replygen.writers import keptlayouts

LATIN = ("WeasyPrint lays out each paragraph line by line, then draws every line of text again from a new Pango "
         "layout; the quick brown fox jumps over the lazy dog, internationalization and responsibilities. ")
CJK = ("党和国家高度重视标准化工作。习近平总书记曾指出要“突破一批核心部件、推出一批高端产品、形成一批中国标准”，"
       "标准化作为助推社会经济高质量发展的技术基础和国际贸易的通用语言（ISO/IEC 21项）。")
PAGES = {
    "justified Latin, word spacing, decorations": f"""
<p style="text-align: justify; width: 300px">{LATIN * 4}</p>
<p style="text-align: justify; word-spacing: 3px; text-decoration: underline">{LATIN * 2}</p>
<p style="letter-spacing: 1px; text-decoration: line-through overline; text-align: justify-all">{LATIN}</p>""",
    "preserved line breaks and tabs": f"""
<pre style="white-space: pre-wrap; width: 250px">{LATIN}\nsecond\tline\n\nafter an empty one\n{CJK}</pre>
<p style="white-space: pre-line">a\nb c\n  d</p><p style="white-space: pre">no wrap at all {LATIN}</p>""",
    "ellipsis, hyphenation, soft hyphens": f"""
<p style="white-space: nowrap; overflow: hidden; text-overflow: ellipsis; width: 200px">{LATIN}</p>
<p lang="en" style="hyphens: auto; width: 120px; text-align: justify">{LATIN * 2}</p>
<p style="hyphens: manual; width: 80px">super\xadcalifragilistic\xadexpialidocious extra\xadordinarily</p>
<div style="line-clamp: 2; width: 200px">{LATIN * 3}</div>""",
    "CJK, mixed spans, first-line and first-letter": f"""
<p style="font-family: serif; font-size: 16pt; letter-spacing: 0.4pt; text-indent: 2em; width: 448pt">{CJK * 3}</p>
<p style="width: 300px"><b>加粗</b>{CJK}<span style="font-size: 20px">大字</span><i>{LATIN}</i></p>
<p class="fl" style="width: 260px">{CJK}{LATIN}</p>
<style>.fl::first-line {{ color: red; letter-spacing: 2px }} .fl::first-letter {{ font-size: 30px }}</style>""",
    "tables, floats, inline blocks, columns": f"""
<table border="1"><tr><td>{LATIN}</td><td style="width: 30%">{CJK}</td></tr><tr><td colspan="2">x y</td></tr></table>
<div style="float: left; width: 100px">{CJK}</div><p>{LATIN * 2}</p>
<p><span style="display: inline-block; width: 90px">{LATIN}</span> after</p>
<div style="columns: 2">{LATIN * 6}</div>""",
    "words wider than their box": f"""
<p style="width: 60px">Pneumonoultramicroscopicsilicovolcanoconiosis and {CJK}</p>
<p style="width: 60px; overflow-wrap: anywhere">Pneumonoultramicroscopicsilicovolcanoconiosis x</p>
<p style="width: 60px; overflow-wrap: break-word">Pneumonoultramicroscopicsilicovolcanoconiosis y</p>
<p style="width: 60px; word-break: break-all">Pneumonoultramicroscopicsilicovolcanoconiosis z</p>
<p style="width: 5px">{CJK}</p><p style="width: 0">a b</p>""",
    "percentages, calc(), box sizing, collapsed borders, flex": f"""
<div style="width: 80%; margin: 0 5%; padding: 2% 1em"><p style="width: calc(100% - 3em); padding: 1%">{CJK}</p>
<p style="box-sizing: border-box; width: 50%; padding: 10px; border: 3px solid; min-height: 10%">{LATIN}</p>
<p style="box-sizing: padding-box; max-width: 40%; margin-left: calc(10% + 4px)">{CJK}</p></div>
<table style="border-collapse: collapse; width: 90%"><tr><td style="border: 2px solid; width: 30%">{CJK}</td>
<td style="border: 1px solid; padding: 2%">{LATIN}</td></tr></table>
<div style="display: flex; width: 70%"><span style="flex: none; width: 20%">左</span><span>{CJK}</span></div>""",
    "font features and variants": f"""
<p style="font-feature-settings: 'liga' 0, 'kern'; font-variant: small-caps">{LATIN} office 0123</p>
<p style="font-variant-numeric: oldstyle-nums tabular-nums; font-variant-ligatures: no-common-ligatures
  discretionary-ligatures; font-kerning: none">{LATIN} 0123456789 ffi</p>
<p style="font-variant-east-asian: jis78 full-width; font-variant-position: super">{CJK}</p>
<p style="font-variant-alternates: historical-forms; font-variation-settings: 'wght' 500">{CJK}{LATIN}</p>""",
    "combining marks, glyphs no font has, right to left": """
<p>e\u0301 a\u0308 n\u0303 Ǹ̃ q̣̇ x\u0323\u0307 ﬁ ﬂ office</p><p>missing \U0010fffd\U000e0100 glyphs</p>
<p dir="rtl">שלום עולם مرحبا بالعالم</p><p>mixed שלום and English</p>""",
}


@pytest.fixture
def weasyprints_drawing() -> Iterator[None]:
    """WeasyPrint's own drawing for the length of a test."""
    with own_drawing():
        yield


def _both(make) -> tuple[bytes, bytes]:
    """What `make` gives with replygen's drawing, then with WeasyPrint's own."""
    return both(make, own_drawing)


def _random_chinese(rng: random.Random, length: int) -> str:
    """Text as replies hold it: mostly ideographs, with punctuation pairs, numbers, Latin words and spaces now and
    then, dashes and ellipses."""
    pieces = ["标准化工作联席会议制度", "推动", "国际", "，", "。", "、", "；", "：", "“软联通”", "（ISO/IEC）", "《方案》",
              "2025年", "21项", " ", "——", "……", "”，“", "）。", "IEC/TC7", "·", "\u200b", "！", "？", "〔2026〕"]
    ideographs = "党和国家高度重视标准化工作习近平总书记曾指出要突破一批核心部件推出高端产品形成中国标准"
    out = []
    while sum(map(len, out)) < length:
        out.append(rng.choice(pieces) if rng.random() < 0.3 else "".join(rng.choices(ideographs, k=rng.randint(1, 9))))
    return "".join(out)


@pytest.mark.parametrize("seed", range(4))
def test_random_chinese_text_is_drawn_the_same(seed: int, seed_doc: Document,
                                                            templates: Templates) -> None:
    import weasyprint

    render_bytes(seed_doc, templates, "pdf")
    rng = random.Random(seed)
    paragraphs = []
    for _ in range(30):
        width = rng.choice([448, 300, 200, 90])
        spacing = rng.choice([0, 0.4, 1.5, -0.5])
        size = rng.choice([16, 14, 12])
        paragraphs.append(f'<p style="width: {width}pt; letter-spacing: {spacing}pt; font-size: {size}pt; '
                          f'text-indent: 2em">{_random_chinese(rng, rng.randint(20, 400))}</p>')
    html = f'<html lang="zh-CN"><body style="font-family: serif">{"".join(paragraphs)}</body></html>'
    ours, theirs = _both(lambda: weasyprint.HTML(string=html).write_pdf())
    assert ours == theirs


@pytest.mark.parametrize("name", PAGES)
def test_weasyprints_other_paths_draw_the_same(name: str, seed_doc: Document, templates: Templates) -> None:
    import weasyprint

    render_bytes(seed_doc, templates, "pdf")  # WeasyPrint imported the way replygen imports it
    html = f'<html lang="zh-CN"><body style="font-family: serif">{PAGES[name]}</body></html>'
    ours, theirs = _both(lambda: weasyprint.HTML(string=html).write_pdf())
    assert ours.startswith(b"%PDF") and len(ours) > 5000
    assert ours == theirs


def test_the_layouts_are_kept_and_freed_once_drawn(seed_doc: Document, templates: Templates) -> None:
    """The seed's text is drawn from the layouts its lines were broken with (WeasyPrint makes at most a few again),
    and every layout is freed once its text is drawn."""
    from weasyprint.draw import text
    from weasyprint.text.line_break import Layout

    render_bytes(seed_doc, templates, "pdf")
    drawn: list[Layout] = []
    remade = []
    draw, reactivate = text.draw_first_line, keptlayouts._ORIGINAL["reactivate"]

    def spy_draw(stream, textbox, *args):
        drawn.append(textbox.pango_layout)
        return draw(stream, textbox, *args)

    def spy_reactivate(layout, style):
        remade.append(layout)
        return reactivate(layout, style)

    text.draw_first_line, keptlayouts._ORIGINAL["reactivate"] = spy_draw, spy_reactivate
    try:
        render_bytes(seed_doc, templates, "pdf")
    finally:
        text.draw_first_line, keptlayouts._ORIGINAL["reactivate"] = draw, reactivate
    assert len(drawn) > 80
    assert len(remade) <= len(drawn) // 10
    assert not [layout for layout in drawn if hasattr(layout, "layout")]


def test_without_it_weasyprint_makes_every_layout_again(seed_doc: Document, templates: Templates,
                                                        weasyprints_drawing: None) -> None:
    """The counterpart of the test above: the spy sees WeasyPrint's own reactivations when the layouts are not
    kept, so the count above measures something."""
    from weasyprint.text.line_break import Layout

    render_bytes(seed_doc, templates, "pdf")
    remade = []
    reactivate = Layout.reactivate

    def spy(layout, style):
        remade.append(layout)
        return reactivate(layout, style)

    Layout.reactivate = spy
    try:
        render_bytes(seed_doc, templates, "pdf")
    finally:
        Layout.reactivate = reactivate
    assert len(remade) > 80


def test_a_layout_unlike_drawings_is_made_again(seed_doc: Document, templates: Templates) -> None:
    """A kept layout is used only when it holds what drawing's own would: one line, the box's style, and no
    justification spacing that drawing would add at its spaces."""
    from weasyprint.text.line_break import create_layout

    render_bytes(seed_doc, templates, "pdf")
    from replygen.writers.pdf import lay_out

    style = templates.style
    laid = lay_out(seed_doc, style)
    boxes = [box for page in laid.pages for box in page._page_box.descendants() if hasattr(box, "pango_layout")]
    box = boxes[5]
    other = next(b.style for b in boxes if b.style is not box.style)

    def kept(text: str, max_width: float | None, spacing: float = 0):
        layout = create_layout(text, box.style, None, max_width, spacing)
        layout.deactivate()
        return layout

    assert keptlayouts._usable(kept("一行字 one line", None), box.style)
    assert not keptlayouts._usable(kept("一行字 one line", None), other)
    assert not keptlayouts._usable(kept("两行字 " * 20, 100), box.style)
    assert not keptlayouts._usable(kept("with spaces", None, spacing=2), box.style)
    assert keptlayouts._usable(kept("无空格", None, spacing=2), box.style)
    assert not keptlayouts._usable(kept("two\nparagraphs", None), box.style)
