"""Metadata and PDF/A for the PDF writer: the XMP packet and the Info dictionary, both from `metadata_of(doc)`.

WeasyPrint lays out and writes the PDF; a finisher (WeasyPrint's hook between building the PDF objects and
serialising them) then writes our XMP packet into the catalog's /Metadata stream (replacing the one WeasyPrint's
PDF/A mode made, so that there is exactly one) and sets the Info entries that ISO 19005-2 6.6.2.3.1 requires to
match their XMP equivalents. PDF/A itself (OutputIntent with WeasyPrint's sRGB profile, embedded fonts, the file
identifier) is WeasyPrint's `pdf_variant`.

The replygen properties are described by a PDF/A extension schema inside the packet (ISO 19005-2 6.6.2.3.3), so
that validators accept them; without it a PDF/A validator rejects any property outside the predefined schemas.
Nothing here reads the clock: no CreationDate/ModDate, no random DocumentID; the file identifier WeasyPrint
writes for PDF/A is an MD5 of the content, so the bytes stay reproducible.
"""

from __future__ import annotations

from collections.abc import Callable
from xml.sax.saxutils import escape

from replygen import __version__
from replygen.document import Document
from replygen.metadata import LABELS, NAMESPACE, PREFIX, XMP_NAMES, Metadata, metadata_of

# --pdf-standard value → (WeasyPrint pdf_variant, PDF/A part, conformance)
STANDARDS: dict[str, tuple[str, int, str]] = {"pdfa-2b": ("pdf/a-2b", 2, "B")}
PRODUCER = f"replygen {__version__}"

_NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "pdfaExtension": "http://www.aiim.org/pdfa/ns/extension/",
    "pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#",
    "pdfaProperty": "http://www.aiim.org/pdfa/ns/property#",
}
_LIST_FIELDS = {XMP_NAMES[name] for name in ("notes", "copy_to")}


def standard_label(standard: str | None) -> str | None:
    """How the manifest and messages name a standard: 'PDF/A-2b', or None for plain PDF."""
    if standard is None:
        return None
    _, part, conformance = STANDARDS[standard]
    return f"PDF/A-{part}{conformance.lower()}"


def pdf_options(doc: Document, standard: str | None) -> dict[str, object]:
    """Keyword arguments for WeasyPrint's write_pdf: the variant, and the finisher that writes the metadata."""
    if standard is not None and standard not in STANDARDS:
        raise ValueError(f"unknown PDF standard {standard!r}")
    options: dict[str, object] = {"finisher": _finisher(metadata_of(doc), standard)}
    if standard:
        options["pdf_variant"] = STANDARDS[standard][0]
    return options


def _finisher(meta: Metadata, standard: str | None) -> Callable[[object, object], None]:
    def finish(_document, pdf) -> None:
        import pydyf

        part = conformance = None
        if standard:
            _, part, conformance = STANDARDS[standard]
        packet = xmp_packet(meta, part, conformance)
        current = pdf.catalog.get("Metadata")
        if current is not None:
            stream = pdf.objects[int(current.split()[0])]
            stream.stream, stream.compress = [packet], False
        else:
            stream = pydyf.Stream([packet], {"Type": "/Metadata", "Subtype": "/XML"}, compress=False)
            pdf.add_object(stream)
            pdf.catalog["Metadata"] = stream.reference
        for key in ("Title", "Author", "Subject", "Keywords", "Creator", "Producer", "CreationDate", "ModDate"):
            pdf.info.pop(key, None)
        for key, value in _info(meta).items():
            pdf.info[key] = pydyf.String(value)

    return finish


def _info(meta: Metadata) -> dict[str, str]:
    """The Info dictionary: the standard entries equal to their XMP counterparts, then one entry per field."""
    info = {"Producer": PRODUCER, "Creator": PRODUCER}
    if meta.title:
        info["Title"] = meta.title
    if meta.issuing_organ:
        info["Author"] = meta.issuing_organ
    if meta.document_number:
        info["Keywords"] = meta.document_number
    for name, _label, value in meta.flat():
        info.setdefault(name, value)
    return info


def xmp_packet(meta: Metadata, part: int | None = None, conformance: str | None = None) -> bytes:
    """The whole XMP packet (ISO 16684-1): PDF/A identification, Dublin Core, the PDF and XMP basic properties
    that mirror the Info dictionary, the replygen properties and their extension schema."""
    d = '<rdf:Description rdf:about=""'
    out = ['<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>',
           '<x:xmpmeta xmlns:x="adobe:ns:meta/">',
           f'<rdf:RDF xmlns:rdf="{_NS["rdf"]}">']
    if part:
        out.append(f'{d} xmlns:pdfaid="{_NS["pdfaid"]}" pdfaid:part="{part}" pdfaid:conformance="{conformance}"/>')
    dc = []
    if meta.title:
        dc.append(f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(meta.title)}</rdf:li></rdf:Alt></dc:title>')
    if meta.issuing_organ:
        dc.append(f"<dc:creator><rdf:Seq><rdf:li>{escape(meta.issuing_organ)}</rdf:li></rdf:Seq></dc:creator>")
    if meta.document_number:
        dc.append(f"<dc:identifier>{escape(meta.document_number)}</dc:identifier>")
    if meta.date_written:
        dc.append(f"<dc:date><rdf:Seq><rdf:li>{escape(meta.date_written)}</rdf:li></rdf:Seq></dc:date>")
    if meta.document_type:
        dc.append(f"<dc:type><rdf:Bag><rdf:li>{escape(meta.document_type)}</rdf:li></rdf:Bag></dc:type>")
    dc.append("<dc:format>application/pdf</dc:format>")
    out.append(f'{d} xmlns:dc="{_NS["dc"]}">{"".join(dc)}</rdf:Description>')
    keywords = f"<pdf:Keywords>{escape(meta.document_number)}</pdf:Keywords>" if meta.document_number else ""
    out.append(f'{d} xmlns:pdf="{_NS["pdf"]}"><pdf:Producer>{escape(PRODUCER)}</pdf:Producer>{keywords}</rdf:Description>')
    out.append(f'{d} xmlns:xmp="{_NS["xmp"]}"><xmp:CreatorTool>{escape(PRODUCER)}</xmp:CreatorTool></rdf:Description>')
    props = []
    for name, _label, value in meta.items():
        if isinstance(value, tuple):
            items = "".join(f"<rdf:li>{escape(v)}</rdf:li>" for v in value)
            props.append(f"<{PREFIX}:{name}><rdf:Seq>{items}</rdf:Seq></{PREFIX}:{name}>")
        else:
            props.append(f"<{PREFIX}:{name}>{escape(value)}</{PREFIX}:{name}>")
    out.append(f'{d} xmlns:{PREFIX}="{NAMESPACE}">{"".join(props)}</rdf:Description>')
    if part:
        out.append(_extension_schema())
    out += ["</rdf:RDF>", "</x:xmpmeta>", '<?xpacket end="r"?>']
    return "\n".join(out).encode("utf-8")


def _extension_schema() -> str:
    """The PDF/A extension schema describing every replygen property (all of them, used or not)."""
    props = "".join(
        '<rdf:li rdf:parseType="Resource">'
        f"<pdfaProperty:name>{xmp}</pdfaProperty:name>"
        f"<pdfaProperty:valueType>{'Seq Text' if xmp in _LIST_FIELDS else 'Text'}</pdfaProperty:valueType>"
        "<pdfaProperty:category>external</pdfaProperty:category>"
        f"<pdfaProperty:description>{escape(LABELS[field])}（GB/T 33480-2016）</pdfaProperty:description>"
        "</rdf:li>" for field, xmp in XMP_NAMES.items())
    return (f'<rdf:Description rdf:about="" xmlns:pdfaExtension="{_NS["pdfaExtension"]}" '
            f'xmlns:pdfaSchema="{_NS["pdfaSchema"]}" xmlns:pdfaProperty="{_NS["pdfaProperty"]}">'
            '<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">'
            "<pdfaSchema:schema>replygen 党政机关电子公文元数据（GB/T 33480-2016）</pdfaSchema:schema>"
            f"<pdfaSchema:namespaceURI>{escape(NAMESPACE)}</pdfaSchema:namespaceURI>"
            f"<pdfaSchema:prefix>{PREFIX}</pdfaSchema:prefix>"
            f"<pdfaSchema:property><rdf:Seq>{props}</rdf:Seq></pdfaSchema:property>"
            "</rdf:li></rdf:Bag></pdfaExtension:schemas></rdf:Description>")

