"""Archival metadata (GB/T 33480 element names): read from the rendered document, carried by every writer."""

from __future__ import annotations

import io
import zipfile
from xml.etree import ElementTree as ET

from replygen.document import Document
from replygen.metadata import metadata_of
from replygen.writers.docx import render_docx

SEED_NUMBER = "沪市监提〔2026〕245号"
SEED_TITLE = "对市政协十四届四次会议第0688号提案的答复"
CUSTOM = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"


def test_seed_metadata_says_what_the_page_says(seed_doc: Document) -> None:
    meta = metadata_of(seed_doc)
    assert meta.document_number == SEED_NUMBER
    assert meta.title == SEED_TITLE
    assert meta.date_written == "2026-06-18"
    assert meta.issuing_organ == "上海市市场监督管理局"
    assert meta.recipients == "朱瑞庭委员"
    assert meta.copy_to == ("市政协提案委员会", "市政府办公厅")
    assert meta.printing_organ == "上海市市场监督管理局办公室"
    assert meta.printing_date == "2026-06-18"
    assert meta.document_type == "答复"
    assert meta.disclosure == "主动公开"
    assert (meta.session, meta.proposal_number) == ("市政协十四届四次会议", "0688")
    assert "（此件公开发布）" in meta.notes


def test_docx_custom_properties_carry_the_same_values(seed_doc: Document, templates) -> None:
    data = render_docx(seed_doc, templates.style)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        props = {p.get("name"): p[0].text for p in ET.fromstring(z.read("docProps/custom.xml"))}
        types = z.read("[Content_Types].xml").decode()
        rels = z.read("_rels/.rels").decode()
    assert props["发文字号"] == SEED_NUMBER
    assert props["成文日期"] == "2026-06-18"
    assert props["标题"] == SEED_TITLE
    assert props["抄送机关"] == "市政协提案委员会；市政府办公厅"
    assert "custom-properties+xml" in types and "docProps/custom.xml" in rels
    assert render_docx(seed_doc, templates.style) == data


def test_a_signer_and_an_organ_mark_are_read_from_the_page(templates) -> None:
    from replygen.render import document_for

    from conftest import CONTENT

    meta = metadata_of(document_for(CONTENT / "2026" / "example-suggestion.yaml", templates))
    assert meta.signer == "王一川"
    assert meta.organ_mark == "示例区交通运输局"
    assert meta.disclosure == "依申请公开"
