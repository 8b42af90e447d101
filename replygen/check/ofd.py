"""OFD self-checks (GB/T 33190-2016): the package opens, its entry points lead somewhere, every font a page uses is
declared and embedded, every image (MultiMedia) a page draws is declared and its file is in the package, every
page parses, and — when the PDF of the same name lies beside it — each page's text equals the PDF page's text.

A structural fault (not a zip, OFD.xml or DocBody missing, a file the package names but lacks) makes the file
unreadable: `OfdError`, reported as the file's error. Content that parses but disagrees is a Finding.

Not checked: the XML against the standard's schemas, signatures (Signs/), annotations, templates and
attachments, the glyph outlines themselves beyond fontTools opening the font and mapping the text, and an image's
pixels beyond Pillow reading the file.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

from replygen.check.report import Finding

NS = {"ofd": "http://www.ofdspec.org/2016"}


class OfdError(Exception):
    """The package is broken: the message says where, in Chinese."""


def _xml(z: zipfile.ZipFile, name: str, what: str) -> ET.Element:
    try:
        data = z.read(name)
    except KeyError:
        raise OfdError(f"缺少{what}：{name}") from None
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise OfdError(f"{what} {name} 不是有效的 XML（{exc}）") from None


def _join(base: str, loc: str) -> str:
    loc = loc.lstrip("/")
    return loc if not base or loc.startswith(base + "/") else f"{base}/{loc}"


def read_ofd_text(path: Path) -> list[str]:
    """Each page's text, TextCodes in document order."""
    return [text for text, _ in _pages(path)[0]]


def _pages(path: Path) -> tuple[list[tuple[str, int]], list[Finding]]:
    try:
        z = zipfile.ZipFile(path)
        z.testzip()
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise OfdError(f"不是有效的 OFD 文件：zip 结构损坏或文件被截断（{exc}）") from None
    with z:
        root = _xml(z, "OFD.xml", "入口文件")
        body = root.find("ofd:DocBody", NS)
        if body is None:
            raise OfdError("OFD.xml 中没有 DocBody（文档入口）")
        doc_root = body.find("ofd:DocRoot", NS)
        if doc_root is None or not (doc_root.text or "").strip():
            raise OfdError("DocBody 中没有 DocRoot（文档根节点）")
        doc_path = doc_root.text.strip().lstrip("/")
        base = doc_path.rsplit("/", 1)[0] if "/" in doc_path else ""
        document = _xml(z, doc_path, "文档根节点")
        fonts: dict[str, str] = {}
        media: dict[str, str] = {}
        findings: list[Finding] = []
        for res_loc in document.findall("ofd:CommonData/ofd:PublicRes", NS) + document.findall(
                "ofd:CommonData/ofd:DocumentRes", NS):
            res_path = _join(base, (res_loc.text or "").strip())
            res = _xml(z, res_path, "资源文件")
            res_base = _join(res_path.rsplit("/", 1)[0], res.get("BaseLoc", "")) if res.get("BaseLoc") else res_path.rsplit("/", 1)[0]
            for font in res.findall("ofd:Fonts/ofd:Font", NS):
                file = font.find("ofd:FontFile", NS)
                if file is None:
                    findings.append(Finding("ofd-fonts", "字体嵌入", f"字体 {font.get('FontName')} 没有 FontFile",
                                            "每个字体都嵌入字体文件", where=res_path))
                    fonts[font.get("ID", "")] = ""
                    continue
                name = _join(res_base, (file.text or "").strip())
                if name not in z.namelist():
                    raise OfdError(f"字体 {font.get('FontName')}（ID {font.get('ID')}）引用的字体文件 {name} 不在包中")
                fonts[font.get("ID", "")] = name
            for item in res.findall("ofd:MultiMedias/ofd:MultiMedia", NS):
                file = item.find("ofd:MediaFile", NS)
                name = _join(res_base, (file.text or "").strip()) if file is not None else ""
                if name not in z.namelist():
                    raise OfdError(f"多媒体资源（图像）ID {item.get('ID')} 引用的文件 {name or '（未写明）'} 不在包中")
                media[item.get("ID", "")] = name
        pages: list[tuple[str, int]] = []
        for number, page in enumerate(document.findall("ofd:Pages/ofd:Page", NS), start=1):
            content = _xml(z, _join(base, page.get("BaseLoc", "")), f"第{number}页内容")
            text = []
            for obj in content.iter(f"{{{NS['ofd']}}}TextObject"):
                font_id = obj.get("Font", "")
                if font_id not in fonts:
                    raise OfdError(f"第{number}页的文字引用了未声明的字体 ID {font_id}")
                text += [code.text or "" for code in obj.findall("ofd:TextCode", NS)]
            for obj in content.iter(f"{{{NS['ofd']}}}ImageObject"):
                if obj.get("ResourceID", "") not in media:
                    raise OfdError(f"第{number}页的图像引用了未声明的多媒体资源 ID {obj.get('ResourceID', '')}")
            pages.append(("".join(text), number))
        if not pages:
            raise OfdError("文档没有任何页面（Pages 为空）")
        findings += _fonts_open(z, fonts) + _images_open(z, media)
    return pages, findings


def _fonts_open(z: zipfile.ZipFile, fonts: dict[str, str]) -> list[Finding]:
    from fontTools.ttLib import TTFont

    findings = []
    for name in sorted({n for n in fonts.values() if n}):
        try:
            TTFont(io.BytesIO(z.read(name)), lazy=True).getBestCmap()
        except Exception as exc:
            findings.append(Finding("ofd-fonts", "字体文件", f"{name} 无法解析（{type(exc).__name__}）", "有效的 OpenType/TrueType"))
    return findings


def _images_open(z: zipfile.ZipFile, media: dict[str, str]) -> list[Finding]:
    from PIL import Image, UnidentifiedImageError

    findings = []
    for name in sorted(set(media.values())):
        try:
            with Image.open(io.BytesIO(z.read(name))) as image:
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            findings.append(Finding("ofd-images", "图像文件", f"{name} 无法解析（{type(exc).__name__}）", "有效的 PNG 或 JPEG"))
    return findings


def verdicts(path: Path) -> tuple[str, str]:
    """The report's words for an OFD that passes and one that does not: what was checked, which is the package
    against GB/T 33190 and its text against the PDF beside it, not the layout against GB/T 9704."""
    pdf = path.with_suffix(".pdf")
    if pdf.is_file():
        passed = f"OFD 结构、字体、图像与文字检查通过（GB/T 33190；文字与 {pdf.name} 一致）"
    else:
        passed = "OFD 结构、字体与图像检查通过（GB/T 33190；同目录没有同名 PDF，未比对文字）"
    return passed, "处未通过 OFD 检查（GB/T 33190）"


def check_ofd(path: Path) -> list[Finding]:
    pages, findings = _pages(path)
    pdf = path.with_suffix(".pdf")
    if pdf.is_file():
        findings += _against_pdf([t for t, _ in pages], pdf)
    return findings


def pdf_page_texts(pdf: Path | bytes) -> list[str]:
    """Each PDF page's text as pdfium extracts it, without the line breaks and spaces it generates."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        texts = []
        for page in document:
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
        return texts
    finally:
        document.close()


def _plain(text: str) -> str:
    """The text without whitespace and zero-width spaces; pdfium reads a hyphen that ends a line as U+FFFE."""
    return "".join(c for c in text.replace("\ufffe", "-") if not c.isspace() and c != "\u200b")


def _against_pdf(ofd_pages: list[str], pdf: Path) -> list[Finding]:
    pdf_pages = pdf_page_texts(pdf)
    if len(pdf_pages) != len(ofd_pages):
        return [Finding("ofd-text", f"页数（对照 {pdf.name}）", str(len(ofd_pages)), str(len(pdf_pages)))]
    findings = []
    for number, (a, b) in enumerate(zip(ofd_pages, pdf_pages, strict=True), start=1):
        a, b = _plain(a), _plain(b)
        if a != b:
            at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
            findings.append(Finding("ofd-text", f"文字（对照 {pdf.name}）", f"第{at + 1}字起“{a[at:at + 12]}”",
                                    f"“{b[at:at + 12]}”", (number,)))
    return findings
