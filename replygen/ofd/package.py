"""The OFD package (GB/T 33190-2016): OFD.xml → Doc_0/Document.xml → PublicRes.xml (fonts) and DocumentRes.xml
(images, when there are any), their files in Doc_0/Res/, and Doc_0/Pages/Page_N/Content.xml, written as a zip with
fixed timestamps and a fixed entry order.

Coordinates are millimetres, origin at the page's top-left (as the layout already is, in points). Each glyph run
is one TextObject whose TextCode holds the text, the first glyph's origin (X, Y: the baseline) and DeltaX, the
advance to each next glyph: a reader places every glyph where the PDF has it, and the text stays selectable and
searchable. Shapes are PathObjects in AbbreviatedData. An image is a MultiMedia resource (one file per distinct
image) and an ImageObject whose CTM maps the unit square onto its place, as the PDF's image matrix does. Each
page's objects are in one Body layer in the order the PDF paints them, so that a seal drawn before the text lies
behind it. Metadata goes in DocInfo (title, author, keywords) and
CustomDatas (one CustomData per GB/T 33480 element, named in Chinese).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from xml.sax.saxutils import escape, quoteattr

from replygen import __version__
from replygen.metadata import Metadata
from replygen.ofd.layout import Color, GlyphRun, Layout, Picture, Shape

NS = "http://www.ofdspec.org/2016"
VERSION = "1.0"
_MM = 25.4 / 72
_EPOCH = (1980, 1, 1, 0, 0, 0)
_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
_SUFFIXES = {"PNG": "png", "JPEG": "jpg"}


def _n(points: float) -> str:
    """A length in points as millimetres, to 0.001 mm, without trailing zeros ("-0" written as "0")."""
    text = f"{points * _MM:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _color(tag: str, color: Color) -> str:
    return f'<ofd:{tag} Value="{color[0]} {color[1]} {color[2]}"/>'


class _Ids:
    """OFD object identifiers: unique across the document, in writing order (MaxUnitID is the last)."""

    def __init__(self) -> None:
        self.last = 0

    def __call__(self) -> int:
        self.last += 1
        return self.last


def build(layout: Layout, meta: Metadata, font_files: dict[str, str], doc_id: str) -> bytes:
    """`font_files`: base name → file suffix, for every font the layout uses (checked embeddable)."""
    ids = _Ids()
    files: dict[str, bytes] = {}
    font_ids: dict[str, int] = {}
    fonts_xml = []
    for name in sorted(font_files):
        font_ids[name] = fid = ids()
        file_name = f"font_{fid}.{font_files[name]}"
        files[f"Doc_0/Res/{file_name}"] = layout.fonts[name].data or b""
        family = name.removeprefix("rg-").removesuffix("-Bold")
        bold = ' Bold="true"' if name.endswith("-Bold") or layout.fonts[name].bold else ""
        fonts_xml.append(f'<ofd:Font ID="{fid}" FontName={quoteattr(name)} FamilyName={quoteattr(family)}{bold}>'
                         f"<ofd:FontFile>{file_name}</ofd:FontFile></ofd:Font>")
    files["Doc_0/PublicRes.xml"] = (f'{_HEAD}<ofd:Res xmlns:ofd="{NS}" BaseLoc="Res"><ofd:Fonts>{"".join(fonts_xml)}'
                                    "</ofd:Fonts></ofd:Res>").encode()
    media: dict[bytes, int] = {}  # image file → its MultiMedia ID, in order of first use
    media_xml = []
    for page in layout.pages:
        for picture in page.pictures:
            if picture.data not in media:
                media[picture.data] = mid = ids()
                file_name = f"image_{mid}.{_SUFFIXES[picture.format]}"
                files[f"Doc_0/Res/{file_name}"] = picture.data
                media_xml.append(f'<ofd:MultiMedia ID="{mid}" Type="Image" Format="{picture.format}">'
                                 f"<ofd:MediaFile>{file_name}</ofd:MediaFile></ofd:MultiMedia>")
    if media_xml:
        files["Doc_0/DocumentRes.xml"] = (f'{_HEAD}<ofd:Res xmlns:ofd="{NS}" BaseLoc="Res"><ofd:MultiMedias>'
                                          f'{"".join(media_xml)}</ofd:MultiMedias></ofd:Res>').encode()
    pages_xml = []
    for index, page in enumerate(layout.pages):
        page_id, layer_id = ids(), ids()
        objects = []
        for item in page.painted():
            if isinstance(item, GlyphRun):
                objects.append(_text_object(ids(), item, font_ids[item.font]))
            elif isinstance(item, Shape):
                objects.append(_path_object(ids(), item))
            else:
                objects.append(_image_object(ids(), item, media[item.data]))
        box = f"0 0 {_n(page.width)} {_n(page.height)}"
        files[f"Doc_0/Pages/Page_{index}/Content.xml"] = (
            f'{_HEAD}<ofd:Page xmlns:ofd="{NS}"><ofd:Area><ofd:PhysicalBox>{box}</ofd:PhysicalBox></ofd:Area>'
            f'<ofd:Content><ofd:Layer ID="{layer_id}" Type="Body">{"".join(objects)}</ofd:Layer></ofd:Content>'
            "</ofd:Page>").encode()
        pages_xml.append(f'<ofd:Page ID="{page_id}" BaseLoc="Pages/Page_{index}/Content.xml"/>')
    first = layout.pages[0] if layout.pages else None
    box = f"0 0 {_n(first.width)} {_n(first.height)}" if first else "0 0 210 297"
    files["Doc_0/Document.xml"] = (
        f'{_HEAD}<ofd:Document xmlns:ofd="{NS}"><ofd:CommonData><ofd:MaxUnitID>{ids.last}</ofd:MaxUnitID>'
        f"<ofd:PageArea><ofd:PhysicalBox>{box}</ofd:PhysicalBox></ofd:PageArea>"
        f"<ofd:PublicRes>PublicRes.xml</ofd:PublicRes>"
        f"{'<ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes>' if media_xml else ''}</ofd:CommonData>"
        f'<ofd:Pages>{"".join(pages_xml)}</ofd:Pages></ofd:Document>').encode()
    files["OFD.xml"] = (f'{_HEAD}<ofd:OFD xmlns:ofd="{NS}" Version="{VERSION}" DocType="OFD"><ofd:DocBody>'
                        f"{_doc_info(meta, doc_id)}<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>"
                        "</ofd:DocBody></ofd:OFD>").encode()
    return _zip(files)


def _text_object(oid: int, run: GlyphRun, font_id: int) -> str:
    left, right = run.xs[0], run.xs[-1] + run.size
    top = run.y - run.size  # the em box above the baseline, and a fifth of an em below it
    deltas = " ".join(_n(b - a) for a, b in zip(run.xs, run.xs[1:], strict=False))
    delta = f' DeltaX="{deltas}"' if deltas else ""
    return (f'<ofd:TextObject ID="{oid}" Boundary="{_n(left)} {_n(top)} {_n(right - left)} {_n(run.size * 1.2)}" '
            f'Font="{font_id}" Size="{_n(run.size)}">{_color("FillColor", run.color)}'
            f'<ofd:TextCode X="0" Y="{_n(run.size)}"{delta}>{escape(run.text)}</ofd:TextCode></ofd:TextObject>')


def _path_object(oid: int, shape: Shape) -> str:
    points = [(p[i], p[i + 1]) for _, p in shape.ops for i in range(0, len(p), 2)]
    left = min(x for x, _ in points)
    top = min(y for _, y in points)
    width = max(x for x, _ in points) - left
    height = max(y for _, y in points) - top
    data = " ".join(
        op + "".join(f" {_n(p[i] - left)} {_n(p[i + 1] - top)}" for i in range(0, len(p), 2)) for op, p in shape.ops)
    attrs = f' Fill="{"true" if shape.fill else "false"}" Stroke="{"true" if shape.stroke else "false"}"'
    if shape.stroke:
        attrs += f' LineWidth="{_n(shape.line_width)}"'
    if shape.even_odd:
        attrs += ' Rule="Even-Odd"'
    colors = (_color("FillColor", shape.fill) if shape.fill else "") + (
        _color("StrokeColor", shape.stroke) if shape.stroke else "")
    return (f'<ofd:PathObject ID="{oid}" Boundary="{_n(left)} {_n(top)} {_n(width)} {_n(height)}"{attrs}>'
            f"{colors}<ofd:AbbreviatedData>{data}</ofd:AbbreviatedData></ofd:PathObject>")


def _image_object(oid: int, picture: Picture, resource: int) -> str:
    a, b, c, d, e, f = picture.matrix
    corners = [(e + a * u + c * v, f + b * u + d * v) for u in (0, 1) for v in (0, 1)]
    left, top = min(x for x, _ in corners), min(y for _, y in corners)
    width, height = max(x for x, _ in corners) - left, max(y for _, y in corners) - top
    ctm = " ".join(_n(v) for v in (a, b, c, d, e - left, f - top))
    return (f'<ofd:ImageObject ID="{oid}" Boundary="{_n(left)} {_n(top)} {_n(width)} {_n(height)}" CTM="{ctm}" '
            f'ResourceID="{resource}"/>')


def _doc_info(meta: Metadata, doc_id: str) -> str:
    parts = [f"<ofd:DocID>{doc_id}</ofd:DocID>"]
    if meta.title:
        parts.append(f"<ofd:Title>{escape(meta.title)}</ofd:Title>")
    if meta.issuing_organ:
        parts.append(f"<ofd:Author>{escape(meta.issuing_organ)}</ofd:Author>")
    if meta.date_written:
        parts.append(f"<ofd:CreationDate>{escape(meta.date_written)}</ofd:CreationDate>")
    if meta.document_number:
        parts.append(f"<ofd:Keywords><ofd:Keyword>{escape(meta.document_number)}</ofd:Keyword></ofd:Keywords>")
    parts.append(f"<ofd:Creator>replygen</ofd:Creator><ofd:CreatorVersion>{__version__}</ofd:CreatorVersion>")
    custom = "".join(f"<ofd:CustomData Name={quoteattr(label)}>{escape(value)}</ofd:CustomData>"
                     for _name, label, value in meta.flat())
    if custom:
        parts.append(f"<ofd:CustomDatas>{custom}</ofd:CustomDatas>")
    return f"<ofd:DocInfo>{''.join(parts)}</ofd:DocInfo>"


def document_id(seed: bytes) -> str:
    """DocID: 32 hex digits derived from the content (the PDF it was made from), never random or clock-based."""
    return hashlib.md5(seed, usedforsecurity=False).hexdigest()


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name in sorted(files, key=lambda n: (n != "OFD.xml", n)):
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.external_attr = 0o644 << 16
            # font programs are already compact (CFF, subset) and images compressed: deflating costs time for little
            info.compress_type = zipfile.ZIP_STORED if "/Res/" in name else zipfile.ZIP_DEFLATED
            z.writestr(info, files[name])
    return out.getvalue()
