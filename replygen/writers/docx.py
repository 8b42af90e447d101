"""The DOCX writer: one DOCX paragraph per document paragraph, laid out on the GB/T 9704 grid.

Every number comes from the Style; this module only converts units and speaks OOXML. Choices that matter:

- The grid is `docGrid type="lines"` plus a negative character spacing on every run, not `linesAndChars`:
  LibreOffice lays a 16 pt glyph over two 15.79 pt grid cells with a character grid (14 characters a line).
- Fonts are named explicitly (eastAsia / ascii / hAnsi / cs) and no theme-font attribute is left anywhere:
  WPS reports missing fonts or substitutes 等线 when theme fonts are present.
- The 版记 is a frame anchored to the bottom of the text area, so it sits at the foot of the last page
  in Word and LibreOffice without counting lines.
- A letter (信函格式) has a first-page header and footer of its own (titlePg): the organ mark and the double
  lines are frames placed on the paper, each line the border of an empty paragraph; no page number there.
- The package is rewritten with fixed timestamps, core properties from the document's meta and an app.xml
  naming replygen (python-docx's template says "Microsoft Macintosh Word", 1 page), so the same input gives
  the same bytes; it is written to a temporary file and renamed into place.
"""

from __future__ import annotations

import hashlib
import io
import math
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import docx
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.section import Section
from docx.shared import Emu, Length, Pt, RGBColor, Twips
from docx.styles.style import ParagraphStyle
from docx.text.paragraph import Paragraph as DocxParagraph

from replygen import __version__
from replygen.cachedir import private_folder, read_whole, source_digest, write_whole
from replygen.document import IMPRINT, LETTERHEAD, TAB, Document, Fit, Paragraph, Seal
from replygen.metadata import metadata_of
from replygen.output import atomic_write
from replygen.stamp import Box, Layout, place
from replygen.style import Role, Style, signature_lefts, text_width
from replygen.writers.docxprops import add_custom_properties

__all__ = ["render_docx", "write_docx"]

_TWIPS_PER_PT = Pt(1) / Twips(1)  # OOXML spacing and grid values are in twentieths of a point
_EIGHTHS_PER_PT = 8  # OOXML border widths (w:sz) are in eighths of a point
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest zip timestamp: a fixed one keeps output byte-identical
_STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"
_APP_XML = (  # extended properties: who wrote the file, and no page or word counts that Word did not compute
    "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    f"<Application>replygen {__version__}</Application><DocSecurity>0</DocSecurity></Properties>"
).encode()
_THEME_ATTRS = ("asciiTheme", "eastAsiaTheme", "hAnsiTheme", "cstheme")
_ALIGN = {
    "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "split": WD_ALIGN_PARAGRAPH.LEFT,
}


def render_docx(doc: Document, style: Style) -> bytes:
    """`doc` as DOCX bytes (the CLI renders every format in memory before writing any)."""
    return _deterministic_zip(_build(doc, style))


def write_docx(doc: Document, style: Style, target: Path) -> None:
    """Write `doc` as a DOCX file at `target`, atomically."""
    atomic_write(Path(target), render_docx(doc, style))


# ---------------------------------------------------------------------------------------------- building


def _base(style: Style) -> bytes:
    """What every reply shares (page, grid, role styles, footers, no theme fonts): made once per style in a
    process, and kept in the cache folder for the next process (building it takes longer than writing a reply)."""
    key = id(style)
    if key not in _BASES:
        kept = _kept_base(style)
        base = read_whole(kept) if kept else None
        if base is None:
            base = _build_base(style)
            if kept:
                write_whole(kept, base)
        _BASES[key] = (style, base)  # the style is kept so that its id is not reused
    return _BASES[key][1]


_BASES: dict[int, tuple[Style, bytes]] = {}


def _kept_base(style: Style) -> Path | None:
    """Where the base for `style` is kept: a file named for the style, in a folder named for the code that builds
    it (this module and style.py, python-docx's version and replygen's); None without a usable cache folder."""
    try:
        code = source_digest(sys.modules[__name__], sys.modules[Style.__module__])
        versions = f"{__version__}|{docx.__version__}|{code}"
        folder = private_folder(f"docx-{hashlib.sha256(versions.encode()).hexdigest()[:24]}") if code else None
        return folder / f"{hashlib.sha256(style.model_dump_json().encode()).hexdigest()}.docx" if folder else None
    except Exception:  # the cache is only a shortcut: never a reason for a reply to fail
        return None


def _build_base(style: Style) -> bytes:
    document = docx.Document()
    _drop_extra_parts(document)
    _trim_styles(document)
    _set_defaults(document, style)
    _page_setup(document, style)
    for name, role in style.roles.items():
        _role_style(document, style, name, role)
    _page_numbers(document, style)
    _strip_theme_fonts(document)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _trim_styles(document: docx.document.Document) -> None:
    """python-docx's template defines some 160 styles and latent styles a reply never uses; parsing and searching
    them was most of the writer's time. Keep the defaults only."""
    root = document.styles.element
    for el in list(root):
        if el.tag == qn("w:latentStyles") or (el.tag == qn("w:style") and el.get(qn("w:default")) != "1"):
            root.remove(el)


def _build(doc: Document, style: Style) -> bytes:
    document = docx.Document(io.BytesIO(_base(style)))
    by_name = {s.name: s for s in document.styles if s.type == WD_STYLE_TYPE.PARAGRAPH}
    styles = {name: by_name[f"rg-{name}"] for name in style.roles}
    used = {p.role for p in doc.paragraphs}
    for name in sorted(used - styles.keys()):
        style.role(name)  # raises the house-style error for a role the templates use but style.yaml lacks

    layout = place(style, doc.paragraphs, doc.stamp, _line_pitch(style) / _TWIPS_PER_PT) if doc.stamp else None
    lefts = {} if layout else signature_lefts(style, doc.paragraphs)
    fit = doc.fit or Fit()
    tight = Twips(math.floor(fit.pitch * _TWIPS_PER_PT)) if fit.tighten_from is not None and layout else None
    imprint: list[tuple[DocxParagraph, Paragraph]] = []
    previous: DocxParagraph | None = None
    after_rule = 0  # twips the next paragraph adds before it, under a rule
    for i, para in enumerate(doc.paragraphs):
        if para.group == LETTERHEAD:
            continue  # set in the first page's header
        if layout and i in layout.indices:
            if i == layout.first:
                previous = _stamp_block(document, doc, style, styles, layout, previous)
                after_rule = 0
            continue
        out = previous = document.add_paragraph(style=styles[para.role])
        _fill_runs(out, para, style)
        if para.role == "organ-mark":  # moved down on its line, the lines after it on the grid (red_header); on
            # the runs: in the paragraph style, LibreOffice takes the lowering for a subscript's and shrinks the text
            for run in out.runs:
                _lowered(run._r.get_or_add_rPr(), style.organ_mark_drop)
        role = style.roles[para.role]
        if after_rule:
            out.paragraph_format.space_before = Twips(round(role.space_before * _line_pitch(style)) + after_rule)
        after_rule = _after_rule(style, role)
        if tight is not None and layout and fit.tighten_from <= i < layout.first:  # 7.3.5.5, as the PDF's layout
            out.paragraph_format.line_spacing = tight
            out.paragraph_format.space_before = Twips(round(role.space_before * tight.twips))
        hang = style.hanging_after(role, para.text)
        if hang is not None:
            _hang(out, role.left * style.char_width(role), hang)
        elif para.role in lefts:
            _hang(out, lefts[para.role] * style.char_pitch, 0)
        if para.group == IMPRINT:
            if not imprint and fit.imprint_page and len(document.paragraphs) > 1:
                _imprint_section(document, document.paragraphs[-2], out, fit.blank_page)
            imprint.append((out, para))
    if imprint:
        _imprint(imprint, style, ruled=not doc.is_letter)
        _frame_anchor(document)

    if doc.is_letter:
        _letterhead(document, style, [p for p in doc.paragraphs if p.group == LETTERHEAD], styles)
        _strip_theme_fonts(document)
    _core_properties(document, doc)
    add_custom_properties(document, metadata_of(doc))
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _stamp_block(document: docx.document.Document, doc: Document, style: Style, styles: dict[str, ParagraphStyle],
                 layout: Layout, previous: DocxParagraph | None) -> DocxParagraph:
    """The stamped end block (GB/T 9704 7.3.5): an empty paragraph as tall as the space above the first line,
    holding the seals (anchored behind the text at their place, measured from its top), then one paragraph per
    line (a joint issuance's names share a line, each at its own tab stop). The block keeps together and with
    the body line before it, so that it never stands alone on a page (7.3.5.5). Returns the last paragraph."""
    rows = layout.rows()
    if previous is not None:
        previous.paragraph_format.keep_with_next = True
    spacer = document.add_paragraph(style=styles[doc.paragraphs[rows[0][0].index].role])
    _exactly(spacer, rows[0][0].top, 0)
    spacer.paragraph_format.keep_with_next = True
    for k, (box, seal) in enumerate(layout.seals):
        if seal.image is not None:
            _anchored_seal(spacer, seal, box, k + 1)
    bottom = rows[0][0].top
    out = spacer
    for r, row in enumerate(rows):
        out = document.add_paragraph(style=styles[doc.paragraphs[row[0].index].role])
        _exactly(out, layout.pitch, row[0].top - bottom)
        bottom = row[0].top + layout.pitch
        fmt = out.paragraph_format
        fmt.first_line_indent = 0
        fmt.right_indent = 0
        fmt.keep_with_next = r < len(rows) - 1
        if len(row) == 1:
            para = doc.paragraphs[row[0].index]
            if para.role == "date":  # 右空四字 whatever the office's digits measure
                fmt.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                fmt.left_indent = 0
                fmt.right_indent = _pt(style.text_width - row[0].left - text_width(para.text) * style.char_pitch)
            else:
                fmt.left_indent = _pt(row[0].left)
            _fill_runs(out, para, style)
            continue
        fmt.left_indent = 0
        for placed in row:
            fmt.tab_stops.add_tab_stop(_pt(placed.left), WD_TAB_ALIGNMENT.LEFT)
            out.add_run().add_tab()
            _fill_runs(out, doc.paragraphs[placed.index], style)
    return out


def _imprint_section(document: docx.document.Document, last: DocxParagraph, first: DocxParagraph,
                     blank: bool) -> None:
    """The 版记 on a page of its own (the PDF's layout found that the text ends on an odd page, or, with `blank`,
    on an even page whose foot could not hold the 版记): the text's section ends with `last`, and the 版记's section
    (from `first`) has footers of its own that are empty, so that neither its page nor a blank page before it
    carries a page number (GB/T 9704 7.5). The section starts on an even page: Word and WPS add a blank page
    themselves should their own layout end the text on an even page (LibreOffice 7.4 does not). With `blank`, the
    section starts on the next page with the PDF's blank page, made by a page break, so that Word and LibreOffice
    both follow the PDF."""
    sentinel = document.element.body.get_or_add_sectPr()
    last._p.set_sectPr(sentinel.clone())  # the text's section: page numbers, the letter's first page
    for reference in sentinel.xpath("w:headerReference|w:footerReference"):
        sentinel.remove(reference)
    section = Section(sentinel, document.part)
    section.start_type = WD_SECTION.NEW_PAGE if blank else WD_SECTION.EVEN_PAGE
    section.different_first_page_header_footer = False
    for footer in (section.footer, section.even_page_footer):
        footer.is_linked_to_previous = False  # a footer of its own, empty
    if blank:
        page = first.insert_paragraph_before()
        _hairline(page)
        page.add_run().add_break(WD_BREAK.PAGE)


def _exactly(out: DocxParagraph, height: float, before: float) -> None:
    """A paragraph's line exactly `height` points tall, `before` points below the previous one."""
    fmt = out.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = _pt(height)
    fmt.space_before = _pt(max(before, 0))
    fmt.space_after = 0


def _anchored_seal(out: DocxParagraph, seal: Seal, box: Box, order: int) -> None:
    """A seal image floating behind the text (wp:anchor behindDoc, no wrapping), at its physical size, placed
    from the text area's left edge and from the top of the paragraph holding it: Word, WPS and LibreOffice put it
    there whatever the text does, and the text stays readable over the red."""
    emu = Emu(Pt(1))
    image = seal.image if seal.mime == "image/png" else _svg_as_png(seal)
    inline = out.add_run().add_picture(io.BytesIO(image), width=Emu(round(box.width * emu)),
                                       height=Emu(round(box.height * emu)))._inline
    anchor = parse_xml(
        f'<wp:anchor {nsdecls("wp")} distT="0" distB="0" distL="0" distR="0" simplePos="0" '
        f'relativeHeight="{order}" behindDoc="1" locked="0" layoutInCell="1" allowOverlap="1">'
        '<wp:simplePos x="0" y="0"/>'
        f'<wp:positionH relativeFrom="margin"><wp:posOffset>{round(box.x * emu)}</wp:posOffset></wp:positionH>'
        f'<wp:positionV relativeFrom="paragraph"><wp:posOffset>{round(box.y * emu)}</wp:posOffset></wp:positionV>'
        f'<wp:extent cx="{round(box.width * emu)}" cy="{round(box.height * emu)}"/>'
        '<wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapNone/></wp:anchor>')
    for tag in ("wp:docPr", "wp:cNvGraphicFramePr", "a:graphic"):
        anchor.append(inline.find(qn(tag)))
    inline.getparent().replace(inline, anchor)


_SVG_DPI = 600


def _svg_as_png(seal: Seal) -> bytes:
    """An SVG seal as a PNG with transparency at 600 dpi: Word 2013, WPS and LibreOffice all read PNG, not all
    read SVG. Drawn by the PDF writer's own machinery (WeasyPrint, then pypdfium2), so it looks as in the PDF."""
    import pypdfium2 as pdfium

    from replygen.writers.pdf import seal_pdf

    document = pdfium.PdfDocument(seal_pdf(seal))
    try:
        bitmap = document[0].render(scale=_SVG_DPI / 72, fill_color=(255, 255, 255, 0))
        buffer = io.BytesIO()
        bitmap.to_pil().save(buffer, format="PNG")
        return buffer.getvalue()
    finally:
        document.close()


def _drop_extra_parts(document: docx.document.Document) -> None:
    """python-docx's template carries stylesWithEffects.xml (full of theme fonts) and a thumbnail of some other
    document; dropping the relationships drops the parts and their content types on save."""
    part = document.part
    for rid, rel in list(part.rels.items()):
        if rel.reltype == _STYLES_WITH_EFFECTS:
            part.drop_rel(rid)
    package_rels = part.package.rels
    for rid, rel in list(package_rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del package_rels[rid]


def _set_defaults(document: docx.document.Document, style: Style) -> None:
    """docDefaults and Normal name the body font explicitly, at the grid size, Chinese; no theme fonts."""
    body = style.fonts[style.role("body").font].docx
    size = Pt(style.grid.font_size)
    styles_el = document.styles.element
    rpr = styles_el.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(rpr, body, style.latin)
    _set_size(rpr, size)
    _set_lang(rpr)
    ppr = styles_el.find(qn("w:docDefaults")).find(qn("w:pPrDefault")).find(qn("w:pPr"))
    ppr.remove(ppr.find(qn("w:spacing")))  # the template's 10 pt after / 1.15 lines
    normal = document.styles["Normal"]
    _set_fonts(normal.element.get_or_add_rPr(), body, style.latin)
    normal.font.size = size
    _set_lang(normal.element.get_or_add_rPr())
    fmt = normal.paragraph_format
    fmt.space_before = fmt.space_after = 0
    _no_autospace(normal.element.get_or_add_pPr())
    _compress_punctuation(document)


def _compress_punctuation(document: docx.document.Document) -> None:
    """标点挤压: where two punctuation marks meet, Word, WPS and LibreOffice set them half a character narrower
    (as the PDF writer does), so that such lines still hold the grid's characters; python-docx's template says
    doNotCompress."""
    settings = document.settings.element
    _child(settings, "w:characterSpacingControl").set(qn("w:val"), "compressPunctuation")


def _page_setup(document: docx.document.Document, style: Style) -> None:
    section = document.sections[0]
    page = style.page
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Pt(page.width), Pt(page.height)
    section.top_margin, section.bottom_margin = Pt(page.margin.top), Pt(page.margin.bottom)
    section.left_margin, section.right_margin = Pt(page.margin.left), Pt(page.margin.right)
    section.gutter = 0
    _doc_grid(section._sectPr, _line_pitch(style))


def _role_style(document: docx.document.Document, style: Style, name: str, role: Role) -> ParagraphStyle:
    """A paragraph style `rg-NAME` holding everything the role says: the paragraphs carry only what depends on
    their text (signature placement, the 抄送 hanging indent, the 版记 frame)."""
    ps = document.styles.add_style(f"rg-{name}", WD_STYLE_TYPE.PARAGRAPH)
    ps.base_style = document.styles["Normal"]
    ps.quick_style = True
    size = Pt(role.size)
    rpr = ps.element.get_or_add_rPr()
    _set_fonts(rpr, style.fonts[role.font].docx, style.latin)
    ps.font.size = size
    ps.font.bold = role.bold
    if role.color:
        ps.font.color.rgb = RGBColor.from_string(_hex(style.color(role.color)))
    _char_spacing(rpr, _char_spacing_twips(style, role))

    fmt = ps.paragraph_format
    fmt.alignment = _ALIGN[role.align]
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Twips(_line_pitch(style))
    fmt.space_before = Twips(round(role.space_before * _line_pitch(style)))
    fmt.space_after = 0
    fmt.widow_control = False
    _no_snap(ps.element.get_or_add_pPr())
    cw = style.char_width(role)
    fmt.left_indent = _pt(cw * (role.left + role.hanging))
    fmt.right_indent = _pt(cw * role.right)
    fmt.first_line_indent = _pt(cw * (role.indent - role.hanging))
    if role.align == "split":
        fmt.tab_stops.add_tab_stop(_pt(style.text_width - cw * role.right), WD_TAB_ALIGNMENT.RIGHT)
    if role.rule_below:
        rule = role.rule_below
        _border(ps.element.get_or_add_pPr(), "bottom", rule.width, style.color(rule.color), rule.gap)
    return ps


def _after_rule(style: Style, role: Role) -> int:
    """Twips the paragraph after one with a rule below (the red separator) sets before it, beyond its own space
    before: the rule lies in whole lines below the text (style.rule_lines), as in the PDF, and what the border
    and its spacing do not take of them comes here, so that the text after it stays on the grid. (Space after the
    ruled paragraph would do in Word, but LibreOffice takes the larger of space after and space before.)"""
    if not role.rule_below:
        return 0
    rule = role.rule_below
    taken = round(rule.gap) + round(rule.width * _EIGHTHS_PER_PT) / _EIGHTHS_PER_PT  # as _border stores them
    return max(0, style.rule_lines(rule) * _line_pitch(style) - round(taken * _TWIPS_PER_PT))


def _fill_runs(out: DocxParagraph, para: Paragraph, style: Style) -> None:
    """Runs as the document has them; an inline role (lead, signer) becomes run formatting, a tab a w:tab."""
    for run in para.runs:
        if run.role == TAB:
            out.add_run().add_tab()
            continue
        r = out.add_run(run.text)
        inline = style.inline.get(run.role) if run.role else None
        if inline is None:
            continue
        if inline.font:
            _set_fonts(r._r.get_or_add_rPr(), style.fonts[inline.font].docx, style.latin)
        if inline.bold:
            r.bold = True


def _hang(out: DocxParagraph, left: float, hang: float) -> None:
    """Indent a paragraph `left` points, its first line `hang` points less (0: no first-line indent)."""
    fmt = out.paragraph_format
    fmt.left_indent = _pt(left + hang)
    fmt.first_line_indent = -_pt(hang)


def _imprint(paragraphs: list[tuple[DocxParagraph, Paragraph]], style: Style, ruled: bool = True) -> None:
    """The 版记 at the foot of the last page's text area: a rule above, one between paragraphs, one below
    (none in a letter).

    Each paragraph is its own frame, stacked upwards from the bottom of the text area by its line count.
    One frame holding all of them would be simpler, but LibreOffice 7.4 drops a frame of several paragraphs
    as soon as one of them has a border (they then flow as ordinary text, without rules); single-paragraph
    frames with borders convert fine, in Word and in LibreOffice.
    """
    pitch = _line_pitch(style)
    bottom = _pt(style.text_height).twips
    for k, (out, para) in reversed(list(enumerate(paragraphs))):
        height = _lines(out, para, style) * pitch
        bottom -= height
        ppr = out._p.get_or_add_pPr()
        _frame(ppr, _pt(style.text_width), Twips(height), Twips(bottom))
        if not ruled:
            continue
        if k == 0:
            _border(ppr, "top", style.imprint.outer_rule)
        last = k == len(paragraphs) - 1
        _border(ppr, "bottom", style.imprint.outer_rule if last else style.imprint.inner_rule)


def _letterhead(document: docx.document.Document, style: Style, head: list[Paragraph],
                styles: dict[str, ParagraphStyle]) -> None:
    """信函格式: the first page gets a header and footer of its own. The header holds the organ mark, each
    paragraph a frame placed on the paper `mark_top` from its top, one line as tall as its text, and the
    thick-thin double line; the footer holds the thin-thick line and no page number."""
    section = document.sections[0]
    section.different_first_page_header_footer = True
    first, second = style.letter_rules
    header = section.first_page_header
    header.is_linked_to_previous = False
    y = style.letter.mark_top
    for k, para in enumerate(head):
        out = header.paragraphs[0] if k == 0 else header.add_paragraph()
        out.style = styles[para.role]
        _fill_runs(out, para, style)
        size = style.role(para.role).size
        out.paragraph_format.line_spacing = Pt(size)
        _frame(out._p.get_or_add_pPr(), _pt(style.letter.rule.length), None, _pt(y), anchor="page")
        y += size
    # a top border is drawn from the outside in: thin-thick puts the thick line on top
    _double_line(header.add_paragraph(), style, first, "thinThickSmallGap")
    _frame_anchor(header)
    footer = section.first_page_footer
    footer.is_linked_to_previous = False
    _double_line(footer.paragraphs[0], style, second, "thickThinSmallGap")
    _frame_anchor(footer)


def _double_line(out: DocxParagraph, style: Style, top: float, kind: str) -> None:
    """A letter's double line whose top edge lies `top` from the paper's top: the top border of an empty framed
    paragraph as long as the line (the border's own gap from text, w:space, LibreOffice doubles in a frame)."""
    rule = style.letter.rule
    _hairline(out)
    ppr = out._p.get_or_add_pPr()
    _frame(ppr, _pt(rule.length), None, _pt(top), anchor="page")
    _border(ppr, "top", rule.thick, style.color(rule.color), 0, kind)


def _frame_anchor(document) -> None:
    """An empty 1 pt paragraph closing the body (or a header, footer) after frames. LibreOffice drops the frame
    before last when a body with footers ends on consecutive frames; Word needs a paragraph there anyway."""
    _hairline(document.add_paragraph())


def _hairline(out: DocxParagraph) -> None:
    """Make a paragraph an empty 1 pt line that takes no room of its own."""
    fmt = out.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(1)
    fmt.space_before = fmt.space_after = fmt.first_line_indent = 0


def _lines(out: DocxParagraph, para: Paragraph, style: Style) -> int:
    """How many lines `para` takes, set as `out` is: CJK text on a fixed pitch wraps predictably (a split
    line is one line by construction)."""
    role = style.role(para.role)
    if role.align == "split":
        return 1
    fmt = out.paragraph_format
    width = style.text_width - (fmt.left_indent or 0) / Pt(1) - (fmt.right_indent or 0) / Pt(1)
    room = width - (fmt.first_line_indent or 0) / Pt(1)
    lines, used = 1, 0.0
    for ch in para.text:
        w = text_width(ch) * role.size
        if used + w > room:
            lines, used, room = lines + 1, 0.0, width
        used += w
    return lines


def _page_numbers(document: docx.document.Document, style: Style) -> None:
    """Odd pages right, even pages left, each inset `inset` page-number characters; the line's centre sits
    `below_text` under the text area (the footer distance counts from the paper's edge to the line's bottom)."""
    pn = style.page_number
    section = document.sections[0]
    document.settings.odd_and_even_pages_header_footer = True
    section.footer_distance = Pt(style.page.margin.bottom - pn.below_text - pn.size / 2)
    inset = Pt(pn.inset * pn.size)
    before, _, after = pn.format.partition("{n}")
    for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT), (section.even_page_footer,
                                                                       WD_ALIGN_PARAGRAPH.LEFT)):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        fmt = p.paragraph_format
        fmt.alignment = align
        fmt.left_indent, fmt.right_indent = (0, inset) if align == WD_ALIGN_PARAGRAPH.RIGHT else (inset, 0)
        fmt.first_line_indent = fmt.space_before = fmt.space_after = 0
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(pn.size)
        runs = [p.add_run(before), *_page_field(p), p.add_run(after)]
        for r in runs:
            rpr = r._r.get_or_add_rPr()
            _set_fonts(rpr, style.fonts[pn.font].docx, style.latin)
            _set_size(rpr, Pt(pn.size))
            _char_spacing(rpr, 0)


def _page_field(p: DocxParagraph) -> list:
    """A complex PAGE field (begin, instruction, separate, result, end): understood by Word, WPS and LibreOffice."""
    runs = []
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        r = p.add_run()
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            r._r.append(fld)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            r._r.append(instr)
        else:
            r.text = text
        runs.append(r)
    return runs


def _core_properties(document: docx.document.Document, doc: Document) -> None:
    """Properties from the reply, dated by the reply's date (never the clock), so output is reproducible."""
    meta, props = doc.meta, document.core_properties
    props.title = meta.get("title", "")
    props.author = props.last_modified_by = meta.get("author", "")
    props.subject = meta.get("subject", "")
    props.keywords = meta.get("keywords", "")
    props.comments = ""
    props.revision = 1
    when = datetime.fromisoformat(meta["date"]).replace(tzinfo=UTC) if meta.get("date") else datetime(
        *_ZIP_EPOCH, tzinfo=UTC)
    props.created = props.modified = when.replace(hour=0, minute=0, second=0, microsecond=0)


def _deterministic_zip(data: bytes) -> bytes:
    """The same package with fixed timestamps and a stable entry order ([Content_Types].xml first). Images (a
    seal) are stored as they are: a PNG is compressed already, and deflating it again only costs time."""
    src = zipfile.ZipFile(io.BytesIO(data))
    names = sorted(src.namelist(), key=lambda n: (n != "[Content_Types].xml", n))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=_ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_STORED if name.startswith("word/media/") else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, _APP_XML if name == "docProps/app.xml" else src.read(name))
    return out.getvalue()


# ---------------------------------------------------------------------------------------------- units


def _line_pitch(style: Style) -> int:
    """The grid's line pitch in twips, rounded down so that all `grid.lines` lines fit the text area."""
    return math.floor(style.line_pitch * _TWIPS_PER_PT)


def _pt(points: float) -> Length:
    """A length in points, rounded to whole twips (what OOXML stores)."""
    return Twips(round(points * _TWIPS_PER_PT))


def _char_spacing_twips(style: Style, role: Role) -> int:
    """Character spacing that puts a grid-size glyph on the grid's pitch (16 pt → 15.79 pt: −0.25 pt), rounded
    down so that a full line of `grid.chars` characters always fits; other sizes keep their natural width, as
    the PDF writer does (style.char_width)."""
    cw = style.char_width(role)
    return math.floor((cw - role.size) * _TWIPS_PER_PT) if cw == style.char_pitch else 0


# ---------------------------------------------------------------------------------------------- XML helpers


def _child(parent, tag: str, before: tuple[str, ...] = ()):
    """The child `tag` of `parent`, created if missing (inserted before the first of `before` present)."""
    el = parent.find(qn(tag))
    if el is None:
        el = OxmlElement(tag)
        successor = next((parent.find(qn(t)) for t in before if parent.find(qn(t)) is not None), None)
        if successor is not None:
            successor.addprevious(el)
        else:
            parent.append(el)
    return el


# rPr children after rFonts in schema order (CT_RPr): rFonts must come before these
_RPR_AFTER_FONTS = ("w:b", "w:bCs", "w:i", "w:iCs", "w:caps", "w:smallCaps", "w:strike", "w:dstrike", "w:outline",
                    "w:shadow", "w:emboss", "w:imprint", "w:noProof", "w:snapToGrid", "w:vanish", "w:webHidden",
                    "w:color", "w:spacing", "w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight",
                    "w:u", "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em",
                    "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath")


def _set_fonts(rpr, east_asia: str, latin: str) -> None:
    """Name the fonts explicitly: eastAsia for Chinese, `latin` for ascii/hAnsi/cs; drop any theme font."""
    fonts = _child(rpr, "w:rFonts", _RPR_AFTER_FONTS)
    for attr in _THEME_ATTRS:
        fonts.attrib.pop(qn(f"w:{attr}"), None)
    for attr, value in (("ascii", latin), ("hAnsi", latin), ("eastAsia", east_asia), ("cs", latin)):
        fonts.set(qn(f"w:{attr}"), value)


def _set_size(rpr, size: Length) -> None:
    half_points = str(round(size.pt * 2))
    _child(rpr, "w:sz", ("w:szCs", "w:highlight", "w:u", "w:lang")).set(qn("w:val"), half_points)
    _child(rpr, "w:szCs", ("w:highlight", "w:u", "w:lang")).set(qn("w:val"), half_points)


def _set_lang(rpr) -> None:
    """Chinese text: LibreOffice and Word apply CJK line breaking (no closing punctuation at a line start)."""
    lang = _child(rpr, "w:lang", ("w:eastAsianLayout", "w:specVanish", "w:oMath"))
    lang.set(qn("w:eastAsia"), "zh-CN")


def _char_spacing(rpr, twips: int) -> None:
    _child(rpr, "w:spacing", ("w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:effect",
                              "w:bdr", "w:shd", "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang",
                              "w:eastAsianLayout")).set(qn("w:val"), str(twips))


def _lowered(rpr, points: float) -> None:
    """Text set `points` below its baseline (w:position, in half-points), its line where it was."""
    _child(rpr, "w:position", ("w:sz", "w:szCs", "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd", "w:fitText",
                               "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout")
           ).set(qn("w:val"), str(-round(points * 2)))


def _no_snap(ppr) -> None:
    """Exact line spacing equal to the pitch already keeps lines on the grid; LibreOffice would otherwise snap a
    line taller than the pitch (a 22 pt title in a CJK font) to two grid lines."""
    _child(ppr, "w:snapToGrid", ("w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
                                 "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
                                 "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr",
                                 "w:sectPr", "w:pPrChange")).set(qn("w:val"), "0")


def _no_autospace(ppr) -> None:
    """No automatic extra space between Chinese and Latin text or digits: the grid counts a digit as half a
    character (signature placement depends on it), as the PDF does."""
    for tag in ("w:autoSpaceDE", "w:autoSpaceDN"):
        _child(ppr, tag, ("w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
                          "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
                          "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr",
                          "w:pPrChange")).set(qn("w:val"), "0")


_PPR_AFTER_BDR = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
                  "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
                  "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
                  "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId",
                  "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")


def _border(ppr, side: str, width: float, color: str | None = None, gap: float = 0, kind: str = "single") -> None:
    """A paragraph border `width` points wide (stored in eighths of a point), `gap` points from the text. For a
    double kind (thickThinSmallGap, …) the width is the thick line's; the office draws the thin line and gap."""
    bdr = _child(ppr, "w:pBdr", _PPR_AFTER_BDR)
    el = _child(bdr, f"w:{side}", {"top": ("w:left", "w:bottom", "w:right", "w:between", "w:bar"),
                                   "bottom": ("w:right", "w:between", "w:bar")}[side])
    el.set(qn("w:val"), kind)
    el.set(qn("w:sz"), str(round(width * _EIGHTHS_PER_PT)))
    el.set(qn("w:space"), str(round(gap)))
    el.set(qn("w:color"), _hex(color))


def _frame(ppr, width: Length, height: Length | None, y: Length, anchor: str = "margin") -> None:
    """framePr: a frame `width` wide, centred, `y` below the top of the text area (anchor "margin") or of the
    paper ("page"), at least `height` tall (else as tall as its text). A frame in the text area keeps the text
    above and below it but never beside; one placed on the paper (in a header or footer) lets the body's text
    run through, so it never moves the body."""
    fr = _child(ppr, "w:framePr", ("w:widowControl", "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd",
                                   "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
                                   "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi",
                                   "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:jc", "w:rPr"))
    size = (("h", str(height.twips)), ("hRule", "atLeast")) if height is not None else (("hRule", "auto"),)
    wrap = "notBeside" if anchor == "margin" else "through"
    for attr, value in (("w", str(width.twips)), *size, ("wrap", wrap), ("vAnchor", anchor), ("hAnchor", anchor),
                        ("xAlign", "center"), ("y", str(y.twips))):
        fr.set(qn(f"w:{attr}"), value)


def _hex(color: str | None) -> str:
    """An OOXML colour: "#e60012" → "E60012"; no colour or black → "auto" (the text colour)."""
    if not color or color.lower() in ("black", "auto"):
        return "auto"
    return color.lstrip("#").upper()


def _doc_grid(sect_pr, line_pitch: int) -> None:
    """A line grid only (no character grid: see the module docstring); characters are fitted by spacing."""
    grid = _child(sect_pr, "w:docGrid", ("w:printerSettings", "w:sectPrChange"))
    grid.attrib.clear()
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(line_pitch))


def _strip_theme_fonts(document: docx.document.Document) -> None:
    """Remove every theme-font attribute from every XML part the package holds."""
    names = {qn(f"w:{a}") for a in _THEME_ATTRS}
    for part in document.part.package.iter_parts():
        element = getattr(part, "element", None)
        if element is None:
            continue
        for el in element.iter():
            for name in names & set(el.attrib):
                del el.attrib[name]
