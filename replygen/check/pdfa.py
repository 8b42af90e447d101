"""PDF/A self-checks: what a PDF that claims PDF/A (pdfaid in its XMP) must show, clause by clause of ISO 19005-2
(GB/T 23286), and the replygen metadata when the file carries it.

Checked: the claim itself (6.6.4: pdfaid:part 1–4, conformance A/B/U); no encryption (6.1.3); a file identifier
in the trailer (6.1.3); an OutputIntent GTS_PDFA1 with an embedded ICC profile whose colour space fits (6.2.3);
every font embedded, Type 3 aside (6.2.11.4.1); blend modes in ExtGState only from the standard list
(6.2.10); the Info entries equal to their XMP counterparts (6.6.2.3.1); every property of the
replygen namespace described by an extension schema (6.6.2.3.3); and the metadata fields 发文字号, 标题, 成文日期
present in XMP and equal to the Info dictionary's copies.

Not checked (a real validator such as veraPDF does): the content streams' operators and colour spaces
(6.2.4–6.2.8), glyph widths against the font programs (6.2.11.5), the ICC profile's own validity, annotations
and forms (6.3, 6.4), the XMP packet's full syntax, and PDF/A-2's file structure rules (6.1.x) beyond the two
above.
"""

from __future__ import annotations

import re
from pathlib import Path

from replygen.check.report import Finding
from replygen.metadata import NAMESPACE, XMP_NAMES

_BLEND_MODES = {"Normal", "Compatible", "Multiply", "Screen", "Overlay", "Darken", "Lighten", "ColorDodge",
                "ColorBurn", "HardLight", "SoftLight", "Difference", "Exclusion", "Hue", "Saturation", "Color",
                "Luminosity"}
_KEY_FIELDS = {"DocumentNumber": "发文字号", "Title": "标题", "DateWritten": "成文日期"}


def check_pdfa(path: Path) -> list[Finding]:
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import resolve1

    with path.open("rb") as f:
        document = PDFDocument(PDFParser(f))
        catalog = resolve1(document.catalog)
        xmp = _xmp(catalog)
        claim = _claim(xmp)
        findings: list[Finding] = []
        info = {k: _text(resolve1(v)) for i in document.info for k, v in i.items()}
        if NAMESPACE in xmp:
            findings += _metadata(xmp, info)
        if claim is None:
            return findings
        part, conformance = claim
        label = f"PDF/A-{part}{conformance.lower()}"
        if part not in ("1", "2", "3", "4") or conformance not in ("A", "B", "U"):
            findings.append(Finding("pdfa-claim", "PDF/A 标识（6.6.4）", f"part={part} conformance={conformance}",
                                    "part 1–4，conformance A/B/U"))
        if document.encryption:
            findings.append(Finding("pdfa-encryption", f"{label} 加密（6.1.3）", "已加密", "不加密"))
        if not any("ID" in xref.get_trailer() for xref in document.xrefs):
            findings.append(Finding("pdfa-id", f"{label} 文件标识 ID（6.1.3）", "缺失", "文件尾含 ID"))
        findings += _output_intent(catalog, label)
        findings += _fonts_and_blending(document, label)
        findings += _info_matches(xmp, info, label)
        if NAMESPACE in xmp:
            findings += _extension_schema(xmp, label)
    return findings


def claimed_standard(path: Path) -> str | None:
    """'PDF/A-2b' when the file claims it, else None."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import resolve1

    with path.open("rb") as f:
        claim = _claim(_xmp(resolve1(PDFDocument(PDFParser(f)).catalog)))
    return f"PDF/A-{claim[0]}{claim[1].lower()}" if claim else None


def _xmp(catalog) -> str:
    from pdfminer.pdftypes import resolve1

    stream = resolve1(catalog.get("Metadata")) if catalog else None
    return stream.get_data().decode("utf-8", "replace") if stream is not None else ""


def _claim(xmp: str) -> tuple[str, str] | None:
    part = re.search(r'pdfaid:part(?:="|>)\s*(\w+)', xmp)
    conformance = re.search(r'pdfaid:conformance(?:="|>)\s*(\w+)', xmp)
    return (part[1], conformance[1] if conformance else "") if part else None


def _text(value) -> str:
    if isinstance(value, bytes):
        if value.startswith(b"\xfe\xff"):
            return value[2:].decode("utf-16-be", "replace")
        return value.decode("latin-1")
    return str(value)


def _xmp_value(xmp: str, qname: str) -> str | None:
    """A simple property's text, or the first rdf:li of an array: enough for the fields replygen writes."""
    m = re.search(rf"<{re.escape(qname)}>(.*?)</{re.escape(qname)}>", xmp, re.S)
    if not m:
        return None
    inner = m[1]
    li = re.search(r"<rdf:li[^>]*>(.*?)</rdf:li>", inner, re.S)
    from xml.sax.saxutils import unescape

    return unescape((li[1] if li else inner).strip())


def _metadata(xmp: str, info: dict[str, str]) -> list[Finding]:
    prefix = re.search(rf'xmlns:(\w+)="{re.escape(NAMESPACE)}"', xmp)
    p = prefix[1] if prefix else "gw"
    findings = []
    for name, label in _KEY_FIELDS.items():
        value = _xmp_value(xmp, f"{p}:{name}")
        if value is None:
            continue
        if info.get(name) not in (None, value):
            findings.append(Finding("pdf-metadata", f"元数据 {label}", f"XMP {value}，Info {info.get(name)}",
                                    "两处一致"))
    return findings


def _output_intent(catalog, label: str) -> list[Finding]:
    from pdfminer.pdftypes import resolve1

    intents = [resolve1(i) for i in resolve1(catalog.get("OutputIntents")) or []]
    pdfa = [i for i in intents if getattr(resolve1(i.get("S")), "name", None) == "GTS_PDFA1"]
    if not pdfa:
        return [Finding("pdfa-output-intent", f"{label} 输出意图（6.2.3）", "缺失", "GTS_PDFA1 输出意图与 ICC 配置文件")]
    profile = resolve1(pdfa[0].get("DestOutputProfile"))
    if profile is None:
        return [Finding("pdfa-output-intent", f"{label} 输出意图（6.2.3）", "没有 DestOutputProfile", "嵌入 ICC 配置文件")]
    data = profile.get_data()
    space = data[16:20].decode("latin-1") if len(data) >= 20 else "?"
    if space not in ("RGB ", "CMYK", "GRAY"):
        return [Finding("pdfa-output-intent", f"{label} ICC 配置文件（6.2.3）", f"颜色空间 {space.strip()}", "RGB/CMYK/GRAY")]
    return []


def _fonts_and_blending(document, label: str) -> list[Finding]:
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdftypes import resolve1

    missing: dict[str, list[int]] = {}
    blend: dict[str, list[int]] = {}
    for number, page in enumerate(PDFPage.create_pages(document), start=1):
        resources = resolve1(page.resources) or {}
        for font in (resolve1(resources.get("Font")) or {}).values():
            font = resolve1(font)
            name = _text(getattr(resolve1(font.get("BaseFont")), "name", "?"))
            if getattr(resolve1(font.get("Subtype")), "name", "") == "Type3":
                continue
            descendants = resolve1(font.get("DescendantFonts"))
            target = resolve1(descendants[0]) if descendants else font
            descriptor = resolve1(target.get("FontDescriptor")) or {}
            if not any(k in descriptor for k in ("FontFile", "FontFile2", "FontFile3")):
                missing.setdefault(name, []).append(number)
        for state in (resolve1(resources.get("ExtGState")) or {}).values():
            bm = resolve1(resolve1(state).get("BM"))
            names = [getattr(resolve1(b), "name", str(b)) for b in (bm if isinstance(bm, list) else [bm])] if bm else []
            for n in names:
                if n not in _BLEND_MODES:
                    blend.setdefault(n, []).append(number)
    findings = [Finding("pdfa-fonts", f"{label} 字体嵌入（6.2.11.4.1）", f"{name} 未嵌入", "全部嵌入", tuple(pages))
                for name, pages in missing.items()]
    findings += [Finding("pdfa-transparency", f"{label} 混合模式（6.2.10）", n, "标准混合模式", tuple(pages))
                 for n, pages in blend.items()]
    return findings


def _info_matches(xmp: str, info: dict[str, str], label: str) -> list[Finding]:
    pairs = {"Title": "dc:title", "Author": "dc:creator", "Producer": "pdf:Producer", "Keywords": "pdf:Keywords",
             "Creator": "xmp:CreatorTool"}
    findings = []
    for key, qname in pairs.items():
        if key in info and _xmp_value(xmp, qname) != info[key]:
            findings.append(Finding("pdfa-info", f"{label} 文档信息 {key}（6.6.2.3.1）",
                                    f"Info {info[key]}，XMP {_xmp_value(xmp, qname)}", "两处一致"))
    return findings


def _extension_schema(xmp: str, label: str) -> list[Finding]:
    prefix = re.search(rf'xmlns:(\w+)="{re.escape(NAMESPACE)}"', xmp)
    p = prefix[1] if prefix else "gw"
    used = set(re.findall(rf"<{p}:(\w+)>", xmp))
    described = set(re.findall(r"<pdfaProperty:name>(\w+)</pdfaProperty:name>", xmp))
    undescribed = sorted(used - described)
    if undescribed and set(undescribed) <= set(XMP_NAMES.values()) | used:
        return [Finding("pdfa-xmp-schema", f"{label} XMP 扩展模式（6.6.2.3.3）", "、".join(undescribed) + " 未描述",
                        "每个自定义属性都有 pdfaExtension 描述")]
    return []
