"""Document + style → HTML and CSS → WeasyPrint → PDF.

The stylesheet is generated from the Style: page box, grid pitch, one rule per paragraph role, page numbers in
the page's bottom margin, and the 版记 as a footnote of the last paragraph, which puts it at the foot of the
last page (and carries the last line over when it does not fit).
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
from dataclasses import dataclass, replace
from functools import cache
from html import escape
from pathlib import Path
from urllib.parse import quote

from replygen.document import IMPRINT, LETTERHEAD, Document, Fit, Paragraph, Run, Seal
from replygen.errors import Problem, ReplyError
from replygen.fonts import ResolvedFont, font_face_css, resolve
from replygen.output import atomic_write
from replygen.stamp import Layout, block_indices, place
from replygen.style import Role, Rule, Style, signature_lefts
from replygen.writers import selectorcache

# Allowed line-break opportunities that Pango's UAX #14 rules (quotation marks glued to both neighbours) miss
# in Chinese text: before an opening quote and after a closing one.
_ZWSP = "\u200b"
_BREAK_BEFORE = "“‘"
_BREAK_AFTER = "”’"


STAMP_BLOCK = "stamp-block"
"""the stamped end block (7.3.5): a box as tall as its lines, which are placed in it, the seals behind them"""
IMPRINT_PAGE = "imprint-page"
"""the page of its own the 版记 takes to land on an even page: it and the blank page carry no page number"""


def _floor(value: float, step: float = 0.01) -> float:
    """Round down so that N pitches always fit in the space they divide (22 lines, 28 characters)."""
    return math.floor(value / step) * step


def stylesheet(style: Style, fonts: dict[str, ResolvedFont], letter: bool = False) -> str:
    pitch = _floor(style.line_pitch)
    m = style.page.margin
    pn = style.page_number
    pn_font = fonts[pn.font]
    before, _, after = pn.format.partition("{n}")
    number_box = (f'content: "{before}" counter(page) "{after}"; font-family: {pn_font.css_stack}; '
                  f"font-size: {pn.size}pt; line-height: {pn.size}pt; white-space: pre; letter-spacing: 0; "
                  f"width: {style.text_width / 2:.3f}pt; vertical-align: top; "
                  f"padding-top: {pn.below_text - pn.size / 2:.3f}pt;")
    css = [font_face_css(fonts), f"""
@page {{
  size: {style.page.width:.3f}pt {style.page.height:.3f}pt;
  margin: {m.top:.3f}pt {m.right:.3f}pt {m.bottom:.3f}pt {m.left:.3f}pt;
  @footnote {{ margin: 0; padding: 0; }}
}}
@page :right {{ @bottom-right {{ {number_box} text-align: right; padding-right: {pn.inset * pn.size:.3f}pt; }} }}
@page :left {{ @bottom-left {{ {number_box} text-align: left; padding-left: {pn.inset * pn.size:.3f}pt; }} }}
html {{ font-size: {style.grid.font_size}pt; line-height: {pitch:.2f}pt; color: black; }}
body {{ margin: 0; }}
p {{ margin: 0; orphans: 1; widows: 1; }}
/* a split line: its right part pulled up onto its left part's line; a flex box where it cannot be (_pulled_up) */
.split > span {{ display: block; white-space: nowrap; }}
.split > span + span {{ text-align: right; margin-top: -1lh; }}
.split.flex {{ display: flex; justify-content: space-between; }}
.split.flex > span {{ flex: none; margin-top: 0; }}
.{IMPRINT} {{ float: footnote; }}
.{IMPRINT}::footnote-call, .{IMPRINT}::footnote-marker {{ content: none; vertical-align: baseline; font-size: 0; }}
.{IMPRINT} > span {{ display: block; }}
.{STAMP_BLOCK} {{ position: relative; break-inside: avoid; break-before: avoid; margin: 0; }}
.{STAMP_BLOCK} > p {{ position: absolute; margin: 0; padding: 0; text-indent: 0; white-space: nowrap; }}
.{STAMP_BLOCK} > img {{ position: absolute; z-index: -1; }}
.{IMPRINT_PAGE} {{ break-before: left; page: {IMPRINT_PAGE}; font-family: {pn_font.css_stack}; }}
@page {IMPRINT_PAGE} {{ @bottom-right {{ content: none; }} @bottom-left {{ content: none; }} }}
@page :blank {{ @bottom-right {{ content: none; }} @bottom-left {{ content: none; }} }}
"""]
    if letter:
        css.append(_letter_css(style))
    else:
        css.append(f"""
.{IMPRINT} > span:first-child {{ border-top: {style.imprint.outer_rule:.3f}pt solid black; }}
.{IMPRINT} > span:last-child {{ border-bottom: {style.imprint.outer_rule:.3f}pt solid black; }}
.{IMPRINT} > span:not(:last-child) {{ border-bottom: {style.imprint.inner_rule:.3f}pt solid black; }}
""")
    for name, role in style.roles.items():
        css.append(f".{name} {{ {_role_css(style, role, fonts)} }}")
        if role.rule_below:
            css.append(_rule_css(style, name, role.rule_below))
        css.append(f".{name} .{SQUEEZED} {{ letter-spacing: {_letter_spacing(style, role) - role.size / 2:.2f}pt }}")
    if "organ-mark" in style.roles:  # moved down on its line, the lines after it on the grid (red_header)
        css.append(f".organ-mark {{ position: relative; top: {style.organ_mark_drop:.3f}pt; }}")
    for name, inline in style.inline.items():
        rules = []
        if inline.font:
            rules.append(f"font-family: {fonts[inline.font].css_stack}")
        if inline.bold:
            rules.append("font-weight: bold")
        if rules:
            css.append(f".{name} {{ {'; '.join(rules)} }}")
    return "\n".join(css)


def _letter_rules_url(style: Style) -> str:
    """信函格式's double lines: an SVG of the whole page, as a data: URL."""
    page, rule = style.page, style.letter.rule
    x = (page.width - rule.length) / 2
    first, second = style.letter_rules
    bars = [(first, rule.thick), (first + rule.thick + rule.gap, rule.thin),  # thick over thin
            (second, rule.thin), (second + rule.thin + rule.gap, rule.thick)]  # thin over thick
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{page.width:.3f}pt" height="{page.height:.3f}pt" '
           f'viewBox="0 0 {page.width:.3f} {page.height:.3f}">'
           + "".join(f'<rect x="{x:.3f}" y="{y:.3f}" width="{rule.length:.3f}" height="{h:.3f}" '
                     f'fill="{style.color(rule.color)}"/>' for y, h in bars) + "</svg>")
    return f"data:image/svg+xml,{quote(svg)}"


def _letter_css(style: Style) -> str:
    """信函格式: the organ mark placed `mark_top` from the paper's top, centred over the double lines, which are
    the first page's background; the first page carries no page number."""
    page, m, rule = style.page, style.page.margin, style.letter.rule
    x = (page.width - rule.length) / 2
    mark = style.role("letter-mark")
    return f"""
@page :first {{
  background: url("{_letter_rules_url(style)}") no-repeat;
  background-size: {page.width:.3f}pt {page.height:.3f}pt;  /* the whole paper, which starts a margin away */
  background-position: {-m.left:.3f}pt {-m.top:.3f}pt;      /* from the page area, where WeasyPrint puts 0 0 */
  @bottom-right {{ content: none; }}
  @bottom-left {{ content: none; }}
}}
.{LETTERHEAD} {{ position: absolute; top: {style.letter.mark_top - m.top:.3f}pt; left: {x - m.left:.3f}pt;
  width: {rule.length:.3f}pt; }}
.{LETTERHEAD} > p {{ line-height: {mark.size:.3f}pt; }}
"""


def _letter_spacing(style: Style, role: Role) -> float:
    """What puts a grid-size glyph on the grid's pitch; other sizes keep their natural width."""
    cw = style.char_width(role)
    return _floor(cw - role.size) if cw == style.char_pitch else 0


def _role_css(style: Style, role: Role, fonts: dict[str, ResolvedFont]) -> str:
    font = fonts[role.font]
    cw = style.char_width(role)
    rules = [
        f"font-family: {font.css_stack}",
        f"font-size: {role.size:.2f}pt",
        f"font-weight: {'bold' if role.bold or font.bold else 'normal'}",
        f"letter-spacing: {_letter_spacing(style, role):.2f}pt",
        f"text-align: {'left' if role.align == 'split' else role.align}",
        f"text-indent: {(role.indent - role.hanging) * cw:.3f}pt",
        # indents are padding, so that rules drawn as borders (版记, red separator) span the full text width
        f"padding-left: {(role.left + role.hanging) * cw:.3f}pt",
        f"padding-right: {role.right * cw:.3f}pt",
        f"margin-top: {role.space_before * _floor(style.line_pitch):.3f}pt",
    ]
    if role.color:
        rules.append(f"color: {style.color(role.color)}")
    if role.rule_below:  # the rule itself is the ::after box (_rule_css) in these whole lines
        rules.append(f"position: relative; padding-bottom: {style.rule_lines(role.rule_below) * _floor(style.line_pitch):.3f}pt")
    return "; ".join(rules)


def _rule_css(style: Style, name: str, rule: Rule) -> str:
    """A rule `gap` below a paragraph's text (the red separator under the 发文字号), drawn in the whole lines the
    paragraph keeps below its text (style.rule_lines), so that it takes no room of its own and the text after
    it stays on the page's grid."""
    below = style.rule_lines(rule) * _floor(style.line_pitch) - rule.gap - rule.width
    return (f'.{name}::after {{ content: ""; position: absolute; left: 0; right: 0; bottom: {below:.3f}pt; '
            f"height: 0; border-top: {rule.width:.3f}pt solid {style.color(rule.color)}; }}")


_CLOSING_LEFT = "，。、）”》〕】’」』"
"""closing marks whose glyph sits in the left half of its square: their right half is empty"""
_CLOSING_CENTRED = "：；？！"
_OPENING = "（“《〔【‘「『"
"""opening marks: the glyph in the right half, the left half empty"""
SQUEEZED = "pq"
"""a punctuation mark set half a character narrower (标点挤压)"""


_SQUEEZED_PAIR = re.compile(f"[{_CLOSING_LEFT}](?=[{_CLOSING_LEFT}{_CLOSING_CENTRED}{_OPENING}])"
                            f"|[{_CLOSING_CENTRED}{_OPENING}](?=[{_OPENING}])")


def squeezed(text: str) -> set[int]:
    """Positions of the marks set half a character narrower where two punctuation marks meet, as Word and WPS
    compress them: the first of the pair loses its empty right half when its glyph sits in its left half (。”
    ，“ ）、) or when the next mark's glyph sits in its right half (：“ “《). An opening mark before a closing
    one (（）) keeps its width: both halves are ink."""
    return {m.start() for m in _SQUEEZED_PAIR.finditer(text)}


_TEXT_HTML = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", **{c: _ZWSP + c for c in _BREAK_BEFORE},
                            **{c: c + _ZWSP for c in _BREAK_AFTER}})
"""text as the PDF's HTML holds it: escaped, with the line-break opportunities Pango misses"""


def _runs_html(runs) -> str:
    squeeze = sorted(squeezed("".join(run.text for run in runs)))
    out, at = [], 0
    for run in runs:
        pieces, start = [], 0
        for k in [i - at for i in squeeze if at <= i < at + len(run.text)]:
            ch = run.text[k]
            pieces += [run.text[start:k].translate(_TEXT_HTML), _ZWSP if ch in _BREAK_BEFORE else "",
                       f'<span class="{SQUEEZED}">{escape(ch, quote=False)}</span>', _ZWSP if ch in _BREAK_AFTER else ""]
            start = k + 1
        pieces.append(run.text[start:].translate(_TEXT_HTML))
        at += len(run.text)
        text = "".join(pieces)
        out.append(f'<span class="{escape(run.role)}">{text}</span>' if run.role else text)
    return "".join(out)


def _pulled_up(left: tuple[Run, ...], right: tuple[Run, ...], extra: str) -> bool:
    """Whether a split line is laid out as two blocks, the right one pulled up onto the left one's line (the
    stylesheet's .split): the PDF a flex box makes, byte for byte, without WeasyPrint's flex layout (some 10 ms
    of the seed's PDF). Not when a part is empty (a block without text has no line to be pulled onto, or pull up)
    or the line carries the 版记 footnote: those stay a flex box (.split.flex)."""
    return not extra and any(run.text for run in left) and any(run.text for run in right)


def _paragraph_html(p: Paragraph, style: Style, extra: str = "", tag: str = "p", left: float | None = None,
                    index: int | None = None, pitch: float | None = None) -> str:
    """One paragraph; `left` (chars) places it from the left edge with no first-line indent (signature, date);
    `index` marks a paragraph of the flow with its place in the document, for measuring the layout (settle);
    `pitch` sets its lines (and its space before) at a line pitch other than the grid's (7.3.5.5)."""
    role = style.role(p.role)
    rules = []
    hang = style.hanging_after(role, p.text)
    if hang is not None:
        rules.append(f"text-indent: {-hang:.3f}pt; padding-left: {role.left * style.char_width(role) + hang:.3f}pt")
    elif left is not None:
        rules.append(f"padding-left: {left * style.char_pitch:.3f}pt; text-indent: 0")
    if pitch is not None:
        rules.append(f"line-height: {pitch:.2f}pt; margin-top: {role.space_before * pitch:.3f}pt")
    attrs = f' style="{"; ".join(rules)}"' if rules else ""
    if index is not None:
        attrs += f' data-i="{index}"'
    left, right = p.split()
    if right or role.align == "split":
        body = f"<span>{_runs_html(left)}</span><span>{_runs_html(right)}</span>"
        flex = "" if _pulled_up(left, right, extra) else " flex"
        return f'<{tag} class="{escape(p.role)} split{flex}"{attrs}>{body}{extra}</{tag}>'
    return f'<{tag} class="{escape(p.role)}"{attrs}>{_runs_html(p.runs)}{extra}</{tag}>'


def to_html(doc: Document, style: Style, fonts: dict[str, ResolvedFont], *, inline_css: bool = True) -> str:
    """The document as one HTML page for WeasyPrint (or a browser, with the stylesheet inline), well-formed XML
    too (htmltree parses it with expat); the 版记 group
    becomes the last paragraph's footnote, or, when the layout decided so (doc.fit), the footnote of a page of its
    own; the paragraphs the layout tightened (7.3.5.5) are set at their pitch."""
    letter = doc.is_letter
    fit = doc.fit or Fit()
    imprint_page = fit.imprint_page
    letterhead = [p for p in doc.paragraphs if p.group == LETTERHEAD]
    body = [i for i, p in enumerate(doc.paragraphs) if p.group not in (IMPRINT, LETTERHEAD)]
    imprint = [p for p in doc.paragraphs if p.group == IMPRINT]
    layout = place(style, doc.paragraphs, doc.stamp, _floor(style.line_pitch)) if doc.stamp else None
    lefts = {} if layout else signature_lefts(style, doc.paragraphs)
    footnote = ""
    if imprint:
        line_height = _imprint_line_height(style, len(imprint), ruled=not letter)
        footnote = (f'<span class="{IMPRINT}" style="line-height: {line_height:.2f}pt">'
                    + "".join(_paragraph_html(q, style, tag="span") for q in imprint) + "</span>")
    parts = []
    if letterhead:
        parts.append(f'<div class="{LETTERHEAD}">' + "".join(_paragraph_html(p, style) for p in letterhead) + "</div>")
    # the 版记 is the footnote of the last paragraph, or of the one before the stamp block when the block ends the
    # text (the block keeps to that paragraph's page)
    flow = [i for i in body if not (layout and i in layout.indices)]
    carrier = flow[-1] if flow and (not layout or body[-1] not in layout.indices or flow[-1] < layout.first) else None
    for i in body:
        p = doc.paragraphs[i]
        if layout and i in layout.indices:
            if i == layout.first:
                parts.append(_stamp_html(doc, style, layout, seal_url if inline_css else seal_address))
            continue
        extra = footnote if i == carrier and not imprint_page else ""
        tight = fit.pitch if fit.tighten_from is not None and fit.tighten_from <= i and layout and i < layout.first \
            else None
        parts.append(_paragraph_html(p, style, extra, left=lefts.get(p.role), index=i, pitch=tight))
    if imprint_page and footnote:
        parts.append(f'<p class="{IMPRINT_PAGE}">{_ZWSP}{footnote}</p>')
    head = "".join(f'<meta name="{escape(k)}" content="{escape(v)}"/>' for k, v in doc.meta.items())
    title = escape(doc.meta.get("title", ""))
    css = f"<style>{stylesheet(style, fonts, letter)}</style>" if inline_css else ""
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"/><title>{title}</title>{head}'
            f"{css}</head><body>{''.join(parts)}</body></html>")


def seal_url(seal: Seal) -> str | None:
    """A seal image as a data: URL (a page a browser shows, and seal_pdf)."""
    if seal.image is None:
        return None
    return f"data:{seal.mime};base64,{base64.b64encode(seal.image).decode('ascii')}"


SEAL_SCHEME = "replygen-seal"


def seal_address(seal: Seal) -> str | None:
    """A seal image as the PDF's HTML names it: an address made of the image's SHA-256, which the fetcher answers
    with the image itself and nothing else does. (As a data: URL, a 50 KB seal cost WeasyPrint's HTML parser more
    than the rest of the reply.)"""
    if seal.image is None:
        return None
    return f"{SEAL_SCHEME}:{hashlib.sha256(seal.image).hexdigest()}"


def _stamp_html(doc: Document, style: Style, layout: Layout, address=seal_address) -> str:
    """The stamped end block: a box as tall as its lines; each line placed in it, each seal image behind them at
    its physical size (a hand stamp's seal leaves its space empty)."""
    out = [f'<div class="{STAMP_BLOCK}" style="height: {layout.height:.3f}pt">']
    for box, seal in layout.seals:
        url = address(seal)
        if url:
            out.append(f'<img src="{url}" alt="" style="left: {box.x:.3f}pt; top: {box.y:.3f}pt; '
                       f'width: {box.width:.3f}pt; height: {box.height:.3f}pt"/>')
    for placed in layout.lines:
        p = doc.paragraphs[placed.index]
        out.append(f'<p class="{escape(p.role)}" style="left: {placed.left:.3f}pt; top: {placed.top:.3f}pt">'
                   f"{_runs_html(p.runs)}</p>")
    return "".join(out) + "</div>"


def _imprint_line_height(style: Style, lines: int, ruled: bool = True) -> float:
    """版记 lines share their pitches with the rules between them, so the block stays on the grid (a letter's
    版记 has no rules)."""
    rules = 2 * style.imprint.outer_rule + (lines - 1) * style.imprint.inner_rule if ruled else 0
    return _floor(_floor(style.line_pitch) - rules / lines)


@cache
def _weasyprint():
    from replygen.deferred import deferred_imports
    from replygen.writers.cdefcache import cached_cdefs
    from replygen.writers.cffitypes import quick_types
    from replygen.writers.libraries import quick_library_search

    selectors = selectorcache.install()
    with quick_library_search(), deferred_imports(), cached_cdefs():
        import weasyprint
    if selectors:
        selectors.save()
    from weasyprint.text.ffi import ffi
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    from replygen.writers import keptlayouts, pagestyles, pdfwrite
    from replygen.writers.fontfaces import InPlaceFontConfiguration

    quick_types(ffi)
    pdfwrite.install()
    keptlayouts.install()
    pagestyles.install()

    class OwnResources(URLFetcher):
        """Fetches only what replygen itself put in the stylesheet (the resolved font files, the letter's rules):
        any other URL, however it got into the HTML or CSS, is refused, never fetched, and remembered."""

        def __init__(self, allowed: frozenset[str], seals: tuple[Seal, ...] = ()):
            super().__init__(allowed_protocols=("file", "data"))
            self.allowed = allowed
            self.seals = {seal_address(seal): seal for seal in seals if seal.image is not None}
            self.refused: list[str] = []

        def fetch(self, url: str, headers: dict | None = None):
            if url in self.seals:
                seal = self.seals[url]
                return URLFetcherResponse(url, seal.image, {"Content-Type": seal.mime})
            if url not in self.allowed:
                self.refused.append(url)
                raise ValueError(f"refused: {url[:200]}")
            return super().fetch(url, headers)

    return weasyprint, InPlaceFontConfiguration(), OwnResources


def _own_urls(style: Style, fonts: dict[str, ResolvedFont]) -> frozenset[str]:
    """The URLs replygen puts in a style's stylesheet: font files it resolved, and the letter's rules."""
    files = {face.file.as_uri() for font in fonts.values() for face in (font.face, *font.fallbacks) if face}
    return frozenset({*files, _letter_rules_url(style)})


_PREPARED: dict[tuple[int, bool], tuple[Style, dict[str, ResolvedFont], object, frozenset[str]]] = {}


def _prepared(style: Style, letter: bool) -> tuple[dict[str, ResolvedFont], object, frozenset[str]]:
    """The fonts, the parsed stylesheet and the URLs it may fetch, for a style, made once per process (a worker
    renders many replies)."""
    key = (id(style), letter)
    if key not in _PREPARED:
        weasyprint, font_config, fetcher = _weasyprint()
        fonts = resolve(style)
        allowed = _own_urls(style, fonts)
        css_fetcher = fetcher(allowed)
        css = weasyprint.CSS(string=stylesheet(style, fonts, letter), font_config=font_config, url_fetcher=css_fetcher)
        _refuse(css_fetcher.refused)
        if selectors := selectorcache.install():
            selectors.save()  # the stylesheet's own selectors
        _PREPARED[key] = (style, fonts, css, allowed)  # the style is kept so that its id is not reused
    return _PREPARED[key][1:]


def _refuse(refused: list[str]) -> None:
    if refused:
        raise ReplyError(Problem(f"PDF 引用了不是本程序放入的资源（{refused[0][:200]}），已拒绝读取；"
                                 "请检查模板和 style.yaml"))


class _SealImages(dict):
    """WeasyPrint's image cache, kept across renders for seal images only (a batch stamps every reply with the
    same seal: decoded and compressed once). Only seal addresses go in (seal_address: the SHA-256 of the image),
    once the fetcher served them: the cache can only ever answer an address with the image whose hash it is, which
    is what that document's fetcher would have served."""

    LIMIT = 32

    def __setitem__(self, key: str, value: object) -> None:
        seal = key.startswith(f"{SEAL_SCHEME}:")
        if value is not None and (seal or ":" not in key):  # a seal, or WeasyPrint's data derived from one
            if len(self) >= self.LIMIT:
                self.clear()
            if seal and hasattr(value, "get_x_object"):
                _keep_x_objects(value)
            super().__setitem__(key, value)

    def __contains__(self, url: object) -> bool:
        return dict.__contains__(self, url)


_SEAL_IMAGES = _SealImages()


def _keep_x_objects(image) -> None:
    """Make a cached raster image write its PDF streams once. WeasyPrint's image keeps the PNG but, for every
    PDF, decodes it, splits off the alpha channel and compresses both again (RasterImage.get_x_object): two
    thirds of what a seal added to a PDF's time. The streams made the first time are kept as bytes, and each PDF
    gets fresh stream objects around them, since writing a PDF numbers its objects and turns the mask into a
    reference in place."""
    import pydyf

    made: dict[tuple, pydyf.Stream] = {}
    make = image.get_x_object

    def kept(stream: pydyf.Stream) -> pydyf.Stream:
        extra = pydyf.Dictionary(stream.extra)
        if isinstance(extra.get("SMask"), pydyf.Stream):
            extra["SMask"] = kept(extra["SMask"])
        return pydyf.Stream([item if isinstance(item, bytes) else item.data for item in stream.stream], extra,
                            stream.compress)

    def get_x_object(interpolate: bool, dpi_ratio: float) -> pydyf.Stream:
        key = (interpolate, dpi_ratio)
        if key not in made:
            made[key] = kept(make(interpolate, dpi_ratio))
        return kept(made[key])

    image.get_x_object = get_x_object


def render_pdf(doc: Document, style: Style, standard: str | None = None) -> bytes:
    """`standard`: None (plain PDF) or a key of pdfmeta.STANDARDS ("pdfa-2b"); metadata is written either way."""
    return render_settled(doc, style, standard)[1]


def render_settled(doc: Document, style: Style, standard: str | None = None) -> tuple[Document, bytes]:
    """The PDF, and the document with what its layout decided (settle), which the DOCX then follows."""
    from replygen.writers.pdfmeta import pdf_options

    options = pdf_options(doc, standard)
    finisher = options.pop("finisher")
    doc, rendered = settle(doc, style, **options)
    return doc, _written(rendered, doc, style, finisher, options)


def lay_out(doc: Document, style: Style, **options: object):
    """The document laid out by WeasyPrint and not yet written: render_pdf writes it, review measures it.
    `options`: WeasyPrint's rendering options."""
    return settle(doc, style, **options)[1]


TIGHTENED_ROLES = ("salutation", "body", "heading-1", "heading-2", "heading-3", "heading-4", "attachment",
                   "attachment-first")
"""the roles 7.3.5.5 may set at a tighter pitch: the body's text, never a title or the head"""


def settle(doc: Document, style: Style, **options: object):
    """(the document with `fit` set, its WeasyPrint layout): the decisions only a layout can make, made once, so
    that both writers follow them. A document already settled is laid out as it says.

    1. GB/T 9704 7.3.5.5, a stamped end block: the block keeps together and with the body line before it (the
       stylesheet), so that when the space left on a page cannot hold it, it goes to the next page with the
       body's last lines. Then the last paragraphs are set at a tighter line pitch, down to the style's
       `stamp.min_pitch`, so that the block stays on the page the body ends on; when that is not enough, the
       block keeps the lines it carried along (it never stands alone on a page).
    2. The 版记 on an even page: when the pages come out odd, it is laid out again with the 版记 on a page of its
       own, the next even one (the only case that takes a second layout, besides 7.3.5.5's). That is the page after
       the text's when the text ends on an odd page, else there is a blank page before it (the text ended on an
       even page, but the 版记 did not fit at its foot); neither page carries a number.
       That second layout is mostly avoided (_fit_imprint): the layout a guess says will be final comes first,
       and the layout with the 版记 on its own page tells exactly whether the other would have been even."""
    weasyprint, font_config, fetcher = _weasyprint()
    fonts, css, allowed = _prepared(style, doc.is_letter)
    own = fetcher(allowed, doc.stamp.seals if doc.stamp else ())
    from replygen.writers import htmltree

    def laid_out(fit: Fit):
        html = to_html(replace(doc, fit=fit), style, fonts, inline_css=False)
        rendered = htmltree.parse(weasyprint, html, own).render(font_config=font_config, stylesheets=[css],
                                                                cache=_SEAL_IMAGES, **options)
        _refuse(own.refused)
        return rendered

    if doc.fit is not None:
        return doc, laid_out(doc.fit)
    if _ONE_LAYOUT and doc.stamp is None and doc.imprint_even and doc.has_imprint:
        fit, rendered = _fit_imprint(doc, style, laid_out)
    else:
        fit = Fit()
        rendered = laid_out(fit)
        if doc.stamp is not None:
            fit, rendered = _fit_stamp(doc, style, rendered, laid_out)
        if doc.imprint_even and doc.has_imprint and not fit.imprint_page and len(rendered.pages) % 2:
            fit = replace(fit, imprint_page=True)
            rendered = laid_out(fit)
    if fit.imprint_page:  # on the next even page: after a blank one when the text ends on an even page
        text = max((pc.page for pc in _pieces(rendered)), default=0) + 1
        fit = replace(fit, blank_page=len(rendered.pages) - text == 2)
    return replace(doc, fit=fit), rendered


_PX_PER_PT = 4 / 3  # WeasyPrint lays out in CSS pixels
_SLACK = 2.0
"""pt a tightened page keeps free at its foot (7.3.5.5), so that Word and LibreOffice, whose lines differ from
WeasyPrint's by fractions of a point, still keep the block on that page"""


@dataclass(frozen=True)
class _Piece:
    """A paragraph of the flow (index) or the stamped end block (None) on one page, as laid out, in px."""

    page: int
    index: int | None
    top: float
    """its margin box's top"""
    bottom: float
    """its border box's bottom"""
    lines: int


def _pieces(rendered) -> list[_Piece]:
    """The flow's paragraphs (marked by to_html with data-i) and the stamp block, page by page, in order."""
    out = []
    for number, page in enumerate(rendered.pages):
        stack = list(reversed(page._page_box.children[:1]))
        while stack:
            box = stack.pop()
            element = getattr(box, "element", None)
            index = element.get("data-i") if element is not None and box.element_tag == "p" else None
            block = element is not None and STAMP_BLOCK in (element.get("class") or "").split()
            if index is not None or block:
                lines = sum(1 for child in box.children if type(child).__name__ == "LineBox") or 1
                out.append(_Piece(number, None if block else int(index), box.position_y,
                                  box.border_box_y() + box.border_height(), lines))
                continue
            stack.extend(reversed(getattr(box, "children", None) or []))
    return out


def _area_bottom(page) -> float:
    box = page._page_box
    return box.content_box_y() + box.height


def _footnote_height(page) -> float:
    return sum(c.margin_height() for c in page._page_box.children if type(c).__name__ == "FootnoteAreaBox")


_ONE_LAYOUT = True
"""settle decides the 版记's page from one layout when it can (_fit_imprint); False lays out as before, the 版记
at the text's foot first, then on its own page when the pages come out odd (tests compare the two)"""
_SURE = 0.01
"""px: a 版记 that fits, or overflows, by less than this is decided by laying it out (_a_pages); the measured
values are WeasyPrint's own, so this only guards against rounding in repeating its overflow test"""


def _fit_imprint(doc: Document, style: Style, laid_out) -> tuple[Fit, object]:
    """settle's step 2 for an unstamped reply, in one layout when the guess is right (estimate): A, the 版记 as
    the footnote of the text's last paragraph, is final when its pages come out even; else B, the 版记 on the
    next even page of its own. B is laid out first when it is likely final, and A's page count is read from B
    (_a_pages); A is laid out only when B says A is even, or cannot say."""
    from replygen.writers.estimate import imprint_page_likely

    own_page = Fit(imprint_page=True)
    b = None
    if imprint_page_likely(doc, style):
        b = laid_out(own_page)
        if (pages := _a_pages(doc, b)) is not None and pages % 2:
            return own_page, b
    a = laid_out(Fit())
    if len(a.pages) % 2 == 0:
        return Fit(), a
    return own_page, b if b is not None else laid_out(own_page)


def _a_pages(doc: Document, b) -> int | None:
    """How many pages layout A (the 版记 as the footnote of the text's last paragraph, the carrier) would have,
    read from layout B (the 版记 on a page of its own), or None when B cannot tell for sure.

    Up to the carrier's last line, A and B are the same layout: the footnote call in A's line is an empty
    inline box of font size 0, which changes neither the line's breaks nor its height. WeasyPrint lays that
    line out on the page P where it ends in B, then adds the footnote to P's footnote area, which raises the
    page's bottom by the area's height, and reports the footnote to the next page, the line staying, when the
    line's bottom then overflows the page (layout/block.py, _linebox_layout; footnote-policy auto): A has
    P + 1 pages when it does not, else P + 2. The footnote is the one box of B's last page's footnote area, on a
    page as wide, so it is as high. Bottom padding or borders on the carrier or around it (which WeasyPrint's
    tests count in ways of their own) are not repeated here: B cannot tell then."""
    body = [i for i, p in enumerate(doc.paragraphs) if p.group not in (IMPRINT, LETTERHEAD)]
    found = _last_fragment(b, body[-1]) if body else None
    if found is None:
        return None
    page, box = found
    lines = [child for child in box.children if type(child).__name__ == "LineBox"]
    notes = [n for n, p in enumerate(b.pages) if _footnote_height(p)]
    own = page + 1 if page % 2 == 0 else page + 2  # B's 版记 page (from 0): the next even one, counted from 1
    if not lines or notes != [own] or len(b.pages) != own + 1:
        return None
    page_box = b.pages[page]._page_box
    footnote = _footnote_height(b.pages[own])
    if footnote >= page_box.height:
        return None
    line = lines[-1]
    bottom = line.position_y + line.height
    limit = page_box.content_box_y() + page_box.height
    limit -= footnote  # WeasyPrint's context.page_bottom, in the same steps
    if abs(bottom - limit) < _SURE:
        return None
    return page + 1 if bottom <= limit * (1 + 1e-9) else page + 2


def _last_fragment(rendered, index: int):
    """(page number, box) of the last fragment of the flow's paragraph `index` (data-i), when neither it nor a
    box around it has bottom padding, borders or margins; else None."""
    for number in range(len(rendered.pages) - 1, -1, -1):
        found = None
        stack = [(box, True) for box in rendered.pages[number]._page_box.children[:1]]
        while stack:  # depth first, in order: the last one found is the page's last
            box, plain = stack.pop()
            plain = plain and not (box.padding_bottom or box.border_bottom_width or box.margin_bottom)
            element = getattr(box, "element", None)
            if element is not None and box.element_tag == "p" and element.get("data-i") == str(index):
                found = (box, plain)
            else:
                stack.extend((child, plain) for child in reversed(getattr(box, "children", None) or [])
                             if type(child).__name__ != "LineBox")
        if found is not None:
            box, plain = found
            return (number, box) if plain else None
    return None


def _fit_stamp(doc: Document, style: Style, rendered, laid_out) -> tuple[Fit, object]:
    """7.3.5.5 (see settle): the layout as it came when the block fits where the body ends, else the last
    paragraphs tightened just enough, else the block with the lines it carried to the next page."""
    pieces = _pieces(rendered)
    block = next((pc for pc in pieces if pc.index is None), None)
    if block is None or block.page == 0:
        return Fit(), rendered
    carried = [pc for pc in pieces if pc.page == block.page and pc.index is not None and pc.top < block.top]
    before = [pc for pc in pieces if pc.page == block.page - 1]
    limit = _area_bottom(rendered.pages[block.page - 1])
    grid = _floor(style.line_pitch)
    if not carried or not before or limit - max(pc.bottom for pc in before) < grid * _PX_PER_PT - 0.5:
        return Fit(), rendered  # the page before is full: the block follows the body's lines where they are
    lines = sum(pc.lines for pc in carried)
    fallback = Fit(grid_pitch=grid, carried=lines, page=block.page + 1)
    # the body's last paragraphs before the block, back to the first that starts before the page before
    start = block_indices(doc.paragraphs)[0]
    first_page = {}
    for pc in pieces:
        if pc.index is not None:
            first_page.setdefault(pc.index, pc.page)
    tightened: list[int] = []
    for i in sorted((i for i in first_page if i < start), reverse=True):
        if doc.paragraphs[i].role not in TIGHTENED_ROLES or first_page[i] < block.page - 1:
            break
        tightened.append(i)
    if not tightened:
        return fallback, rendered
    fallback = replace(fallback, min_pitch=style.stamp.min_pitch)
    first = tightened[-1]
    ours = [pc for pc in pieces if pc.index in tightened]
    top = min((pc.top for pc in ours if pc.page == block.page - 1), default=max(pc.bottom for pc in before))
    spaces = sum(style.role(doc.paragraphs[i].role).space_before for i in tightened)
    # when the block ends the text, the 版记 is the footnote of the paragraph before it and comes along, unless it
    # will take a page of its own (when this page is odd); after 附注 lines it is theirs, and they may follow on
    # the next page, as they do whenever the block itself just fits
    imprint_page = doc.imprint_even and doc.has_imprint and block.page % 2 == 1
    ends = not any(pc.index is not None and pc.index > start for pc in pieces)
    footnote = _footnote_height(rendered.pages[block.page]) if ends and not imprint_page else 0
    # a little room to spare, for the DOCX: Word and LibreOffice round pitches to twips, measure their own lines
    room = limit - top - (block.bottom - block.top) - footnote - _SLACK * _PX_PER_PT
    pitch = math.floor(room / _PX_PER_PT / (sum(pc.lines for pc in ours) + spaces) * 100) / 100
    pitch = min(pitch, grid - 0.05)
    for _ in range(3):  # the first try nearly always fits: the room was measured
        if pitch < style.stamp.min_pitch:
            break
        fit = Fit(imprint_page=imprint_page, tighten_from=first, pitch=pitch, grid_pitch=grid, page=block.page,
                  min_pitch=style.stamp.min_pitch)
        tried = laid_out(fit)
        if any(pc.index is None and pc.page == block.page - 1 for pc in _pieces(tried)):
            return fit, tried
        pitch = round(pitch - 0.25, 2)
    return fallback, rendered


def write_laid_out(laid_out, doc: Document, style: Style) -> bytes:
    """A plain PDF (with its metadata) of a document lay_out() has laid out: render_pdf's bytes."""
    from replygen.writers.pdfmeta import pdf_options

    options = pdf_options(doc, None)
    finisher = options.pop("finisher")
    return _written(laid_out, doc, style, finisher, options)


def _written(laid_out, doc: Document, style: Style, finisher, options: dict) -> bytes:
    _, css, _ = _prepared(style, doc.is_letter)
    return laid_out.write_pdf(finisher=finisher, stylesheets=[css], cache=_SEAL_IMAGES, **options)


def seal_pdf(seal: Seal) -> bytes:
    """A one-page PDF the size of the seal holding just its image (how the DOCX writer turns an SVG into a PNG);
    the fetcher lets in the image and nothing it names."""
    weasyprint, _, fetcher = _weasyprint()
    url = seal_url(seal)
    own = fetcher(frozenset({url}))
    html = (f'<html><head><style>@page {{ size: {seal.width:.3f}pt {seal.height:.3f}pt; margin: 0 }} '
            f'body {{ margin: 0 }} img {{ display: block; width: {seal.width:.3f}pt; height: {seal.height:.3f}pt }}'
            f'</style></head><body><img src="{url}" alt=""></body></html>')
    pdf = weasyprint.HTML(string=html, url_fetcher=own).write_pdf()
    _refuse(own.refused)
    return pdf


def write_pdf(doc: Document, style: Style, target: Path) -> None:
    atomic_write(target, render_pdf(doc, style))


def warm_up(style: Style) -> None:
    """Do once per process what every PDF needs: import WeasyPrint, find the fonts, load them by laying out a
    line in each role."""
    from replygen.document import Paragraph, Run

    sample = Document(tuple(Paragraph(name, (Run("公文。"),)) for name in style.roles if name not in ("signature", "date")))
    render_pdf(sample, style)
