"""DOCX custom properties (docProps/custom.xml): one per GB/T 33480 element, named in Chinese, from metadata_of.

Word shows them under 文件 → 属性 → 自定义, WPS likewise, and archive systems read them with any OOXML library.
python-docx has no API for this part, so it is added as a plain OPC part related from the package.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part

from replygen.metadata import Metadata

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"  # the format id Word gives user-defined properties


def custom_properties_xml(meta: Metadata) -> bytes:
    props = "".join(
        f'<property fmtid="{_FMTID}" pid="{pid}" name={quoteattr(label)}><vt:lpwstr>{escape(value)}</vt:lpwstr></property>'
        for pid, (_name, label, value) in enumerate(meta.flat(), start=2))  # pid 0 and 1 are reserved
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Properties xmlns="{_NS}" xmlns:vt="{_VT}">{props}</Properties>').encode()


def add_custom_properties(document: docx.document.Document, meta: Metadata) -> None:
    package = document.part.package
    part = Part(PackURI("/docProps/custom.xml"), CONTENT_TYPE, custom_properties_xml(meta), package)
    package.relate_to(part, RT.CUSTOM_PROPERTIES)
