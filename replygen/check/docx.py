"""A DOCX read from its XML against the house style: page, margins, grid, fonts, theme fonts, indents, footers.

Paragraphs are judged by what they are, whoever wrote the file: the title (a Title style, or the centred lines
before the salutation), headings (a Heading style, or a line that opens with 一、（一）1.（1）), body text
(paragraphs longer than one line), the closing (成文日期: a line that is a date alone; 发文机关署名: the short line
just above it) and the 版记 (抄送 and 印发 lines). Run properties are resolved as Word does: document defaults, the paragraph
style and the styles it is based on, then the run's own.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from replygen.check.report import GRID_CHARS, MARGIN_MM, PAPER_MM, SIZE_PT, Finding
from replygen.style import PT_PER_MM, Style, signature_indents, text_width

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_THEME_ATTRS = ("asciiTheme", "eastAsiaTheme", "hAnsiTheme", "cstheme")
_HEADING = [re.compile(p) for p in (r"^[一二三四五六七八九十]+、", r"^（[一二三四五六七八九十]+）", r"^\d+[.．]", r"^（\d+）")]
_TWIPS_PER_MM = 20 * PT_PER_MM
_DATE = re.compile(r"(?:\d{4}|[〇○零O0一二三四五六七八九]{4})年[\d一二三四五六七八九十]{1,3}月[\d一二三四五六七八九十]{1,3}日")
_CLOSING_STYLES = {"rg-signature": "signature", "rg-date": "date", "rg-cc": "cc", "rg-printed": "printed"}
_ELEMENTS = {"title": "标题", "body": "正文", "signature": "发文机关署名", "date": "成文日期", "cc": "抄送",
             "printed": "印发机关和印发日期"}
POSITION_CHARS = 0.5  # the closing's placement, in grid characters


def _w(name: str) -> str:
    return f"{{{W}}}{name}"


def _find(el, path: str):
    return el.find(path, {"w": W}) if el is not None else None


def _val(el, attr: str = "val") -> str | None:
    return el.get(_w(attr)) if el is not None else None


@dataclass
class _Run:
    east_asia: str | None = None
    theme: str | None = None
    size: float | None = None  # pt


class _Styles:
    """styles.xml: each style's paragraph and run properties along its basedOn chain."""

    def __init__(self, root) -> None:
        self.by_id = {s.get(_w("styleId")): s for s in root.iterfind("w:style", {"w": W})} if root is not None else {}
        self.defaults = _find(root, "w:docDefaults/w:rPrDefault/w:rPr")
        self.default_para = next((sid for sid, s in self.by_id.items()
                                  if s.get(_w("type")) == "paragraph" and s.get(_w("default")) in ("1", "true")), None)

    def chain(self, style_id: str | None) -> list:
        out, seen = [], set()
        while style_id and style_id in self.by_id and style_id not in seen:
            seen.add(style_id)
            out.append(self.by_id[style_id])
            style_id = _val(_find(self.by_id[style_id], "w:basedOn"))
        return out[::-1]

    def name(self, style_id: str | None) -> str:
        return (_val(_find(self.by_id.get(style_id or ""), "w:name")) or "").lower()


def _apply(run: _Run, rpr) -> None:
    if rpr is None:
        return
    fonts = _find(rpr, "w:rFonts")
    if fonts is not None:
        if fonts.get(_w("eastAsiaTheme")):
            run.theme, run.east_asia = fonts.get(_w("eastAsiaTheme")), None
        elif fonts.get(_w("eastAsia")):
            run.east_asia, run.theme = fonts.get(_w("eastAsia")), None
    size = _val(_find(rpr, "w:sz"))
    if size:
        run.size = int(size) / 2


def check_docx(source: Path | BinaryIO, style: Style) -> list[Finding]:
    with zipfile.ZipFile(source) as package:
        parts = {n: package.read(n) for n in package.namelist() if n.endswith((".xml", ".rels"))}
    document = etree.fromstring(parts["word/document.xml"])
    styles = _Styles(etree.fromstring(parts["word/styles.xml"]) if "word/styles.xml" in parts else None)
    settings = etree.fromstring(parts["word/settings.xml"]) if "word/settings.xml" in parts else None
    sections = document.findall("w:body/w:p/w:pPr/w:sectPr", {"w": W}) + document.findall("w:body/w:sectPr", {"w": W})
    sect = sections[0] if sections else None  # the text's section
    return [*_page(sect, style), *_grid(sect, styles, style), *_theme_fonts(parts),
            *_paragraphs(document, sect, styles, style), *_footers(sect, settings, parts, style), *_seals(document),
            *_imprint_section(sections, parts)]


_WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
_EMU_PER_MM = 36000


def _seals(document) -> list[Finding]:
    """Seal images (pictures 20–60 mm across, about square) must float behind the text (GB/T 9704 7.3.5: the
    text stays readable over the red), not sit inline, where they push the organ name and date apart."""
    out = []
    for k, drawing in enumerate(document.iter(f"{{{_WP}}}inline", f"{{{_WP}}}anchor"), 1):
        extent = drawing.find(f"{{{_WP}}}extent")
        if extent is None:
            continue
        w, h = (int(extent.get(a, "0")) / _EMU_PER_MM for a in ("cx", "cy"))
        if not (20 <= w <= 60 and 20 <= h <= 60 and 0.7 < w / h < 1.4):
            continue
        inline = drawing.tag.endswith("}inline")
        if inline or drawing.get("behindDoc") != "1":
            out.append(Finding("docx-seal", f"第{k}个图像（{w:.0f}×{h:.0f} mm，印章）",
                               "嵌入型（随文字排列）" if inline else "浮于文字上方", "衬于文字下方（behindDoc）"))
    return out


def _twips_mm(value: str | None) -> float | None:
    return int(value) / _TWIPS_PER_MM if value is not None else None


def _page(sect, style: Style) -> list[Finding]:
    out = []
    size, margin = _find(sect, "w:pgSz"), _find(sect, "w:pgMar")
    want_w, want_h = style.page.width / PT_PER_MM, style.page.height / PT_PER_MM
    w, h = _twips_mm(_val(size, "w")), _twips_mm(_val(size, "h"))
    if w is None or h is None or abs(w - want_w) > PAPER_MM or abs(h - want_h) > PAPER_MM:
        measured = f"{w:.1f}×{h:.1f} mm" if w and h else "未设置"
        out.append(Finding("docx-page-size", "纸张", measured, f"{want_w:.0f}×{want_h:.0f} mm（±{PAPER_MM:g} mm）",
                           where="节属性 pgSz"))
    for side, name in (("top", "上边距（天头）"), ("bottom", "下边距"), ("left", "左边距（订口）"), ("right", "右边距")):
        got = _twips_mm(_val(margin, side))
        want = getattr(style.page.margin, side) / PT_PER_MM
        if got is None or abs(got - want) > MARGIN_MM:
            out.append(Finding("docx-margins", name, "未设置" if got is None else f"{got:.1f} mm",
                               f"{want:.0f} mm（±{MARGIN_MM:g} mm）", where="节属性 pgMar"))
    return out


def _text_area(sect) -> tuple[float, float] | None:
    """Text width and height in points, from the section's page size and margins."""
    size, margin = _find(sect, "w:pgSz"), _find(sect, "w:pgMar")
    try:
        width = int(_val(size, "w")) - int(_val(margin, "left")) - int(_val(margin, "right"))
        height = int(_val(size, "h")) - int(_val(margin, "top")) - int(_val(margin, "bottom"))
    except (TypeError, ValueError):
        return None
    return width / 20, height / 20


def _grid(sect, styles: _Styles, style: Style) -> list[Finding]:
    """22 lines × 28 characters: a line grid (docGrid type lines or linesAndChars) whose pitch fits 22 lines in
    the text area; characters fitted by the grid's charSpace or by the body text's character spacing."""
    grid, area = _find(sect, "w:docGrid"), _text_area(sect)
    kind = _val(grid, "type")
    want = style.grid
    if kind not in ("lines", "linesAndChars", "snapToChars"):
        return [Finding("docx-grid", "文档网格", f"未设置（docGrid type={kind or '缺省'}）",
                        f"每页 {want.lines} 行、每行 {want.chars} 字的网格（type=lines 或 linesAndChars）",
                        where="节属性 docGrid")]
    if area is None:
        return []
    out = []
    pitch = int(_val(grid, "linePitch") or 0) / 20
    lines = int(area[1] // pitch) if pitch else 0
    if lines != want.lines:
        out.append(Finding("docx-grid", "每页行数", f"{lines} 行（行距 {pitch:g} pt）", f"{want.lines} 行",
                           where="节属性 docGrid"))
    body = _Run()
    for rpr in [styles.defaults, *(_find(s, "w:rPr") for s in styles.chain(styles.default_para))]:
        _apply(body, rpr)
    advance = (body.size or 10) + (int(_val(grid, "charSpace") or 0) / 4096 if kind != "lines" else
                                   _spacing(styles) / 20)
    chars = area[0] / advance
    if abs(chars - round(chars)) > GRID_CHARS or int(chars + 0.05) != want.chars:
        out.append(Finding("docx-grid", "每行字数", f"{int(chars + 0.05)} 字（字距 {advance:.2f} pt）",
                           f"{want.chars} 字", where="节属性 docGrid"))
    return out


def _spacing(styles: _Styles) -> int:
    """The character spacing (twips) the body text gets: from its style chain (replygen: rg-body)."""
    body_id = next((sid for sid in styles.by_id if styles.name(sid) in ("rg-body", "body text", "正文文本")),
                   styles.default_para)
    spacing = 0
    for s in [None, *styles.chain(body_id)]:
        value = _val(_find(_find(s, "w:rPr"), "w:spacing")) if s is not None else _val(
            _find(styles.defaults, "w:spacing"))
        if value is not None:
            spacing = int(value)
    return spacing


def _theme_fonts(parts: dict[str, bytes]) -> list[Finding]:
    out = []
    for name, data in sorted(parts.items()):
        if not name.startswith("word/") or b"Theme" not in data:
            continue
        count = sum(1 for el in etree.fromstring(data).iter() for a in _THEME_ATTRS if el.get(_w(a)))
        if count:
            out.append(Finding("docx-theme-fonts", "主题字体", f"{count} 处主题字体属性（asciiTheme/eastAsiaTheme…）",
                               "无主题字体，字体名写明（WPS 会报缺字体或把黑体换成等线）", where=name))
    return out


@dataclass(frozen=True)
class _Para:
    index: int  # 1-based, among the body's paragraphs
    text: str
    el: object
    ppr: object
    style_id: str | None

    @property
    def where(self) -> str:
        return f"第{self.index}段“{self.text[:10]}”"


def _paragraphs(document, sect, styles: _Styles, style: Style) -> list[Finding]:
    out: list[Finding] = []
    body_seen = False
    closing: dict[str, _Para] = {}
    previous: _Para | None = None
    for i, p in enumerate(document.iterfind(".//w:body/w:p", {"w": W}), 1):
        text = "".join(t.text or "" for t in p.iterfind(".//w:t", {"w": W})).strip()
        if not text:
            continue
        ppr = _find(p, "w:pPr")
        style_id = _val(_find(ppr, "w:pStyle")) or styles.default_para
        name = styles.name(style_id)
        role = _CLOSING_STYLES.get(name) or _closing_role(text, body_seen, closing)
        if role == "date" and "signature" not in closing and previous and _could_sign(previous.text, style):
            closing["signature"] = previous  # a foreign document: the short line above the date signs it
        role = role or _role(text, name, _align(ppr, styles.chain(style_id)), body_seen, style)
        current = previous = _Para(i, text, p, ppr, style_id)
        if role is None:
            continue
        if role in ("signature", "date"):
            closing.setdefault(role, current)
        body_seen = body_seen or role == "body" or text.endswith("：")
        if role != "signature":  # known only once the date is found: checked below
            out += _fonts(p, styles, style_id, role, style, current.where)
        if role == "body":
            out += _indent(ppr, styles.chain(style_id), style, current.where)
    if (name := closing.get("signature")) is not None:
        out += _fonts(name.el, styles, name.style_id, "signature", style, name.where)
    return out + _closing_place(closing, sect, styles, style)


def _closing_role(text: str, body_seen: bool, closing: dict[str, _Para]) -> str | None:
    """A foreign document's closing and 版记, told by their text: the first line after the body that is a date
    alone, a line that opens with 抄送, a line that ends with 印发."""
    if text.startswith("抄送"):
        return "cc"
    if text.endswith("印发") and _DATE.search(text):
        return "printed"
    if body_seen and "date" not in closing and _DATE.fullmatch(text):
        return "date"
    return None


def _could_sign(text: str, style: Style) -> bool:
    return len(text) <= style.grid.chars - style.signature.right and not re.search(r"[。；，：:]", text)


def _closing_place(closing: dict[str, _Para], sect, styles: _Styles, style: Style) -> list[Finding]:
    """发文机关署名 and 成文日期 placed as GB/T 9704 7.3.5.2 wants (the house style's signature rule)."""
    area = _text_area(sect)
    if "date" not in closing or area is None:
        return []
    name = closing.get("signature")
    want_name, want_date = signature_indents(style, name.text if name else None, closing["date"].text)
    date = closing["date"]
    got_date = _left_chars(date.ppr, styles.chain(date.style_id), date.text, area[0], style)
    if abs(style.grid.chars - text_width(date.text) - got_date - style.stamp.date_right) <= POSITION_CHARS:
        # stamped (7.3.5.1): the date 右空四字, the organ name centred over it; a joint issuance's row of names
        # (tab-separated, one per seal) is placed by its tab stops
        want_date = got_date
        joint = name is not None and name.el.find(f".//{_w('tab')}") is not None
        want_name = None if name is None or joint else got_date + (text_width(date.text) - text_width(name.text)) / 2
        if name is not None and want_name is not None:
            got_name = _left_chars(name.ppr, styles.chain(name.style_id), name.text, area[0], style)
            if abs(got_name - style.stamp.signature.title_left) <= POSITION_CHARS:
                want_name = None  # 7.3.5.3: the signer's title 左空二字 beside a signature seal
    out = []
    for role, want in (("signature", want_name), ("date", want_date)):
        para = closing.get(role)
        if para is None or want is None:
            continue
        got = _left_chars(para.ppr, styles.chain(para.style_id), para.text, area[0], style)
        if abs(got - want) > POSITION_CHARS:
            got_right = area[0] / style.char_pitch - text_width(para.text) - got
            want_right = style.grid.chars - text_width(para.text) - want
            out.append(Finding("docx-signature", f"{_ELEMENTS[role]}位置", f"左起 {got:.1f} 字（右空 {got_right:.1f} 字）",
                               f"左起 {want:.1f} 字（右空 {want_right:.1f} 字）", where=para.where))
    return out


def _left_chars(ppr, chain: list, text: str, width: float, style: Style) -> float:
    """Where a one-line paragraph's text starts, in grid characters from the text area's left edge."""
    left = right = first = 0.0
    for pp in [*(_find(s, "w:pPr") for s in chain), ppr]:
        ind = _find(pp, "w:ind")
        if ind is None:
            continue
        left = _twips_pt(_val(ind, "left") or _val(ind, "start"), left)
        right = _twips_pt(_val(ind, "right") or _val(ind, "end"), right)
        first = _twips_pt(_val(ind, "firstLine"), first)
        if _val(ind, "hanging") is not None:
            first = -int(_val(ind, "hanging")) / 20
    pitch = style.char_pitch
    span = text_width(text) * pitch
    align = _align(ppr, chain)
    if align in ("right", "end"):
        return (width - right - span) / pitch
    if align == "center":
        return (left + (width - left - right - span) / 2) / pitch
    return (left + first) / pitch


def _twips_pt(value: str | None, default: float) -> float:
    return int(value) / 20 if value is not None else default


def _align(ppr, chain: list) -> str | None:
    found = None
    for pp in [*(_find(s, "w:pPr") for s in chain), ppr]:
        value = _val(_find(pp, "w:jc"))
        found = value or found
    return found


def _role(text: str, style_name: str, align: str | None, body_seen: bool, style: Style) -> str | None:
    if style_name == "title" or style_name.startswith("rg-title"):
        return "title"
    heading = re.fullmatch(r"(?:heading |rg-heading-)(\d)", style_name)
    if heading:
        return f"heading-{min(int(heading[1]), 4)}"
    if style_name.startswith("rg-") and style_name != "rg-body":
        return None  # replygen's other roles (salutation, notes…) are set as the body is, or by the rules above
    if not body_seen and align == "center" and "〔" not in text:
        return "title"
    if len(text) <= style.grid.chars:
        for level, pattern in enumerate(_HEADING, 1):
            if pattern.match(text) and not re.search(r"[。；].", text):
                return f"heading-{level}"
    if len(text) > style.grid.chars and not text.startswith("抄送"):
        return "body"
    return None


def _fonts(p, styles: _Styles, style_id: str | None, role: str, style: Style, where: str) -> list[Finding]:
    """The Chinese font and size of the paragraph's first run with text, resolved as Word resolves them."""
    run = next((r for r in p.iterfind("w:r", {"w": W}) if _find(r, "w:t") is not None), None)
    if run is None:
        return []
    got = _Run()
    chain = styles.chain(style_id)
    rpr = _find(run, "w:rPr")
    for level in [styles.defaults, *(_find(s, "w:rPr") for s in chain),
                  *(_find(s, "w:rPr") for s in styles.chain(_val(_find(rpr, "w:rStyle")))), rpr]:
        _apply(got, level)
    want_role = style.role(role)
    font = style.fonts[want_role.font]
    names = {font.docx, *(c.split(":")[0] for c in font.pdf)}
    element = _ELEMENTS.get(role, f"{role[-1]}级标题")
    out = []
    if got.east_asia not in names:
        measured = f"主题字体 {got.theme}" if got.theme else (got.east_asia or "未写明中文字体（eastAsia）")
        out.append(Finding("docx-fonts", f"{element}中文字体", measured, f"{font.docx}（写明 eastAsia）", where=where))
    if got.size is None or abs(got.size - want_role.size) > SIZE_PT:
        out.append(Finding("docx-fonts", f"{element}字号", f"{got.size:g} pt" if got.size else "未设置",
                           f"{want_role.size:g} pt", where=where))
    return out


def _indent(ppr, chain: list, style: Style, where: str) -> list[Finding]:
    """Body paragraphs: the first line indented two characters (firstLine in twips, or firstLineChars)."""
    role = style.role("body")
    want = role.indent * style.char_width(role)
    got = None
    for pp in [*(_find(s, "w:pPr") for s in chain), ppr]:
        ind = _find(pp, "w:ind")
        if ind is None:
            continue
        if _val(ind, "firstLineChars") is not None:
            got = int(_val(ind, "firstLineChars")) / 100 * style.char_width(role)
        elif _val(ind, "firstLine") is not None:
            got = int(_val(ind, "firstLine")) / 20
        elif _val(ind, "hanging") is not None:
            got = -int(_val(ind, "hanging")) / 20
    got = got or 0.0
    if abs(got - want) > style.char_width(role) / 4:
        return [Finding("docx-indent", "正文首行缩进", f"{got / style.char_width(role):.1f} 字（{got:.1f} pt）",
                        f"{role.indent:g} 字（{want:.1f} pt）", where=where)]
    return []


def _footers(sect, settings, parts: dict[str, bytes], style: Style) -> list[Finding]:
    """Odd and even footers, each with a PAGE field: odd pages right, even pages left."""
    out = []
    if settings is None or _find(settings, "w:evenAndOddHeaders") is None or _val(
            _find(settings, "w:evenAndOddHeaders")) in ("0", "false"):
        out.append(Finding("docx-footer", "页码", "未设奇偶页不同的页脚", "单页页码居右、双页居左（evenAndOddHeaders）",
                           where="settings.xml"))
    rels = _relationships(parts.get("word/_rels/document.xml.rels"))
    for kind, side, align in (("default", "单页", "right"), ("even", "双页", "left")):
        ref = next((r for r in sect.iterfind("w:footerReference", {"w": W}) if _val(r, "type") == kind), None) \
            if sect is not None else None
        target = rels.get(ref.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")) \
            if ref is not None else None
        if target is None or f"word/{target}" not in parts:
            out.append(Finding("docx-footer", f"{side}页脚", "没有", "含 PAGE 页码域的页脚", where="节属性 footerReference"))
            continue
        footer = etree.fromstring(parts[f"word/{target}"])
        fields = "".join(t.text or "" for t in footer.iterfind(".//w:instrText", {"w": W}))
        fields += "".join(f.get(_w("instr"), "") for f in footer.iterfind(".//w:fldSimple", {"w": W}))
        if "PAGE" not in fields.upper():
            out.append(Finding("docx-footer", f"{side}页码", "页脚中没有 PAGE 域", "PAGE 页码域", where=f"word/{target}"))
            continue
        p = next((p for p in footer.iterfind(".//w:p", {"w": W}) if p.find(".//w:instrText", {"w": W}) is not None
                  or p.find(".//w:fldSimple", {"w": W}) is not None), None)
        got = _val(_find(_find(p, "w:pPr"), "w:jc")) or "left"
        if got.replace("end", "right").replace("start", "left") != align:
            out.append(Finding("docx-footer", f"{side}页码对齐", got, align, where=f"word/{target}"))
    return out


def _imprint_section(sections: list, parts: dict[str, bytes]) -> list[Finding]:
    """A section after the text's: the 版记's page of its own (GB/T 9704: 版记 on an even page; neither it nor a
    blank page before it carries a page number): it starts on an even page (or on the next page, with a blank page
    made by a page break), and its footers hold no PAGE field."""
    if len(sections) < 2:
        return []
    sect, out = sections[-1], []
    kind = _val(_find(sect, "w:type")) or "nextPage"
    after = sections[-2].getparent().getparent().getnext()  # the paragraph after the one ending the text's section
    blank = after is not None and any(_val(br, "type") == "page" for br in after.iterfind(".//w:br", {"w": W}))
    if kind != "evenPage" and not (kind == "nextPage" and blank):
        out.append(Finding("docx-footer", "版记页的起始", kind, "evenPage（版记另起一页时在双页），或 nextPage 后接空白页",
                           where="最后一节的节属性"))
    rels = _relationships(parts.get("word/_rels/document.xml.rels"))
    for ref in sect.iterfind("w:footerReference", {"w": W}):
        target = rels.get(ref.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"))
        footer = parts.get(f"word/{target}", b"")
        if b"PAGE" in footer.upper():
            out.append(Finding("docx-footer", "版记页页码", "页脚中有 PAGE 域", "不编页码（版记另起一页时，该页和其前的空白页）",
                               where=f"word/{target}"))
    return out


def _relationships(data: bytes | None) -> dict[str, str]:
    if not data:
        return {}
    root = etree.fromstring(data)
    return {r.get("Id"): r.get("Target").lstrip("/").removeprefix("word/") for r in root}
