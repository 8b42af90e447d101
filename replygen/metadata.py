"""The reply's archival metadata, named after GB/T 33480-2016 (党政机关电子公文元数据规范), read from the rendered
document and nothing else.

Every writer takes its metadata from `metadata_of(doc)`: the PDF (XMP and Info), the DOCX (core and custom
properties) and the OFD (DocInfo and CustomDatas). Reading the rendered document rather than the reply model
means the metadata says what the page says: a 发文字号 or 抄送 written verbatim (`as_printed`) is recorded as
printed. Values the page does not spell in a machine-readable way (ISO dates, 公开属性, the proposal's session
and number) come from the document's `<meta>` elements, which the templates write beside the text.

In XMP the fields live in the replygen namespace `NAMESPACE` (prefix `PREFIX`), one property per field, with
the ASCII names below; the DOCX and the OFD use the Chinese element names themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

from replygen.document import Document, Paragraph

NAMESPACE = "urn:replygen:xmp:gbt33480:1.0/"
PREFIX = "gw"
LIST_SEPARATOR = "；"  # how a list (附注, 抄送机关) is written where a property holds one string


@dataclass(frozen=True)
class Metadata:
    """One value per GB/T 33480 element that a reply has; empty strings and tuples for those it has not.
    Each field's metadata gives its Chinese element name (`label`) and whether it is a date."""

    issuing_organ: str = ""
    organ_mark: str = ""
    document_number: str = ""
    signer: str = ""
    title: str = ""
    recipients: str = ""
    date_written: str = ""
    notes: tuple[str, ...] = ()
    copy_to: tuple[str, ...] = ()
    printing_organ: str = ""
    printing_date: str = ""
    document_type: str = ""
    disclosure: str = ""
    session: str = ""
    proposal_number: str = ""

    def items(self) -> list[tuple[str, str, str | tuple[str, ...]]]:
        """(XMP property name, Chinese element name, value) of every element the reply has, in a fixed order."""
        return [(XMP_NAMES[f.name], LABELS[f.name], getattr(self, f.name))
                for f in fields(self) if getattr(self, f.name)]

    def flat(self) -> list[tuple[str, str, str]]:
        """As items(), lists joined into one string (DOCX custom properties, the PDF Info dictionary, OFD)."""
        return [(name, label, LIST_SEPARATOR.join(v) if isinstance(v, tuple) else v) for name, label, v in self.items()]


LABELS = {
    "issuing_organ": "发文机关", "organ_mark": "发文机关标志", "document_number": "发文字号", "signer": "签发人",
    "title": "标题", "recipients": "主送机关", "date_written": "成文日期", "notes": "附注", "copy_to": "抄送机关",
    "printing_organ": "印发机关", "printing_date": "印发日期", "document_type": "文种", "disclosure": "公开属性",
    "session": "会议届次", "proposal_number": "提案建议编号",
}
XMP_NAMES = {
    "issuing_organ": "IssuingOrgan", "organ_mark": "OrganMark", "document_number": "DocumentNumber",
    "signer": "Signer", "title": "Title", "recipients": "Recipients", "date_written": "DateWritten",
    "notes": "Notes", "copy_to": "CopyTo", "printing_organ": "PrintingOrgan", "printing_date": "PrintingDate",
    "document_type": "DocumentType", "disclosure": "Disclosure", "session": "Session",
    "proposal_number": "ProposalNumber",
}

# 文种 as the title ends (longest first): the kinds of document replies are issued as
_DOCUMENT_TYPES = ("答复函", "复函", "答复", "回复", "会办意见", "协办意见", "意见", "函")
_CN_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")


def metadata_of(doc: Document) -> Metadata:
    """The metadata of one rendered document."""
    meta = doc.meta
    by_role: dict[str, list[Paragraph]] = {}
    for p in doc.paragraphs:
        by_role.setdefault(p.role, []).append(p)
    title = meta.get("title", "")
    return Metadata(
        issuing_organ=meta.get("author", ""),
        organ_mark=_first_text(by_role, "organ-mark", "letter-mark"),
        document_number=meta.get("keywords", "") or _document_number(doc),
        signer=_signer(doc),
        title=title,
        recipients=_first_text(by_role, "salutation").rstrip("：:"),
        date_written=meta.get("date", ""),
        notes=tuple(p.text for p in by_role.get("note", [])),
        copy_to=_copy_to(_first_text(by_role, "cc")),
        printing_organ=_printed(by_role)[0],
        printing_date=_printed(by_role)[1],
        document_type=next((t for t in _DOCUMENT_TYPES if title.endswith(t)), ""),
        disclosure=meta.get("disclosure", ""),
        session=meta.get("session", ""),
        proposal_number=meta.get("number", ""),
    )


def _first_text(by_role: dict[str, list[Paragraph]], *roles: str) -> str:
    for role in roles:
        if by_role.get(role):
            return by_role[role][0].text
    return ""


def _document_number(doc: Document) -> str:
    for p in doc.paragraphs:
        if p.role.startswith("doc-number"):
            return "".join(r.text for r in p.split()[0])
    return ""


def _signer(doc: Document) -> str:
    for p in doc.paragraphs:
        for run in p.runs:
            if run.role == "signer":
                return run.text
        if p.role.startswith("doc-number") or p.role == "head":
            right = "".join(r.text for r in p.split()[1]) or p.text
            if right.startswith("签发人："):
                return right.removeprefix("签发人：").strip()
    return ""


def _copy_to(text: str) -> tuple[str, ...]:
    """抄送：甲，乙（2份）。 → (甲, 乙)"""
    body = re.sub(r"^抄送[：:]", "", text).rstrip("。.")
    organs = (re.sub(r"[（(]\d+份[）)]$", "", o.strip()) for o in re.split(r"[，、,]", body))
    return tuple(o for o in organs if o)


def _printed(by_role: dict[str, list[Paragraph]]) -> tuple[str, str]:
    """(印发机关, 印发日期 as ISO 8601 when it is written in Arabic numerals, else as printed)."""
    if not by_role.get("printed"):
        return "", ""
    left, right = by_role["printed"][0].split()
    organ, date = "".join(r.text for r in left).strip(), "".join(r.text for r in right).strip()
    date = date.removesuffix("印发")
    if m := _CN_DATE.fullmatch(date):
        date = f"{int(m[1]):04d}-{int(m[2]):02d}-{int(m[3]):02d}"
    return organ, date
