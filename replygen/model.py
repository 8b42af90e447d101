"""The reply schema: the single source of truth for what a reply YAML may say.

Field names are English; each class names the Chinese element it stands for. Wording that every reply shares
(title pattern, opening formula, numbering words) is not here: it belongs to the templates.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator, model_validator
from pydantic_core import PydanticCustomError

_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters XML 1.0 cannot hold: neither the DOCX nor the PDF (through HTML) can carry them."""


def _clean_text(value: str) -> str:
    if bad := _NOT_IN_XML.search(value):  # else validate says yes and the writers fail
        raise PydanticCustomError("xml_char", "xml_char", {"char": bad[0], "position": bad.start() + 1})
    # Long text is written as a YAML block (|); its line breaks are editing breaks, not part of the wording.
    text = "".join(line.strip() for line in value.splitlines())
    if not text:
        raise ValueError("empty_text")
    return text


Text = Annotated[str, AfterValidator(_clean_text)]
"""Non-empty wording that the writers can write. Line breaks inside it are joined without a space, as Chinese
text wants."""

META_LIMIT = 255
"""Characters a DOCX core property (title, subject, keywords) holds; python-docx refuses more."""
TITLE_PART_LIMIT = 100
"""Characters of session and number, which the templates word into the title (a core property): two of them
leave the title's own wording 55 characters."""


def _too_long(length: int, limit: int, why: str) -> PydanticCustomError:
    return PydanticCustomError("too_long", "too_long", {"length": length, "limit": limit, "why": why})


def _at_most(limit: int, why: str) -> AfterValidator:
    def check(value: str) -> str:
        if len(value) > limit:
            raise _too_long(len(value), limit, why)
        return value
    return AfterValidator(check)


MetaText = Annotated[Text, _at_most(META_LIMIT, "meta")]
"""Text that the DOCX writer puts in a core property as it is."""
TitlePart = Annotated[Text, _at_most(TITLE_PART_LIMIT, "title")]
"""Text that the templates word into the title."""


def _issuer_id(value: str) -> str:
    if not re.fullmatch(r"[^./\\][^/\\]{0,31}", value):
        raise PydanticCustomError("issuer_id", "issuer_id")
    return value


IssuerId = Annotated[Text, AfterValidator(_issuer_id)]
"""A file name in templates/issuers/ without .yaml: no folder, not hidden, short enough to quote."""


def empty_list() -> list:
    """The default of list fields: a new empty list. A function rather than `list`: pydantic looks at each default
    factory's signature, and a builtin type's is found only by tokenizing its text signature (which compiles
    tokenize's largest regular expression: some 10 ms of a cold start)."""
    return []


def empty_dict() -> dict:
    """The default of mapping fields: a new empty dict (a function, as empty_list)."""
    return {}


class Model(BaseModel):
    # defer_build: the validators are built when a reply is first validated, and only Reply's (the nested
    # models' own are never needed): about 60 ms off every cold command that loads a reply
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)


class RunInItem(Model):
    """One run-in item of a list (一是…二是…): an optional lead sentence, then the text."""

    lead: Text | None = None
    text: Text | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> RunInItem:
        if self.lead is None and self.text is None:
            raise ValueError("item_empty")
        return self


def _item_from_text(value: Any) -> Any:
    return {"text": value} if isinstance(value, str) else value


class _HasItems(Model):
    @model_validator(mode="before")
    @classmethod
    def _strings_are_items(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("items"), list):
            data = {**data, "items": [_item_from_text(i) for i in data["items"]]}
        return data


class Achievements(_HasItems):
    """工作成效: past work, one paragraph: an intro (近年来，…) followed by run-in items 一是…二是…."""

    intro: Text | None = None
    items: list[RunInItem] = Field(min_length=1)
    outro: Text | None = None


class Cooperation(Achievements):
    """配合措施: what the office will do together with others, one paragraph of run-in items."""


class Tier(_HasItems):
    """One tier of next steps (第一、…), one paragraph: a lead sentence, text, run-in items, closing text."""

    lead: Text
    text: Text | None = None
    items: list[RunInItem] = Field(default_factory=empty_list)
    outro: Text | None = None


NumberingStyle = Literal["第一、", "一、", "（一）", "(一)", "1.", "1．", "1、", "（1）", "(1)"]
"""How tiers or headings are numbered, written as the first number: the templates count on from it (第二、, (二),
2．). Full- and half-width brackets and dots are distinct styles, as archived replies print them."""


class NextSteps(Model):
    """下一步工作: a transition paragraph, then one paragraph per tier."""

    intro: Text | None = None
    numbering: NumberingStyle = "第一、"
    tiers: list[Tier] = Field(min_length=1)


class Section(Model):
    """A headed section (一、/（一）/1./（1）, by depth) holding further blocks."""

    heading: Text
    numbering: NumberingStyle | None = None
    """the heading's numbering; omitted: its depth's, as the templates number headings (一、 （一） 1. （1））"""
    body: list[Block] = Field(min_length=1)


BLOCK_KINDS = ("paragraph", "achievements", "next_steps", "cooperation", "section")


def _block_kind(value: Any) -> str | None:
    if isinstance(value, str):
        return "paragraph"
    if isinstance(value, dict) and len(value) == 1:
        key = next(iter(value))
        return key if key in BLOCK_KINDS else None
    return None


class ParagraphBlock(Model):
    paragraph: Text

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        return {"paragraph": data} if isinstance(data, str) else data


class AchievementsBlock(Model):
    achievements: Achievements


class NextStepsBlock(Model):
    next_steps: NextSteps


class CooperationBlock(Model):
    cooperation: Cooperation


class SectionBlock(Model):
    section: Section


Block = Annotated[
    Annotated[ParagraphBlock, Tag("paragraph")]
    | Annotated[AchievementsBlock, Tag("achievements")]
    | Annotated[NextStepsBlock, Tag("next_steps")]
    | Annotated[CooperationBlock, Tag("cooperation")]
    | Annotated[SectionBlock, Tag("section")],
    Discriminator(_block_kind, custom_error_type="block_kind", custom_error_message="block_kind"),
]
"""A body block: a plain string is a paragraph; otherwise a mapping with exactly one of BLOCK_KINDS."""


class Salutation(Model):
    """主送: whom the reply addresses."""

    names: list[Text] = Field(default_factory=empty_list)
    title: Text | None = None
    """委员 / 代表; defaults to the kind's usual title."""
    honorific: bool = False
    """尊敬的…"""
    total: int | None = Field(default=None, ge=2)
    """等N位: the number of people when only the first is named."""
    organisation: Text | None = None
    """an organisation (a party committee, a 委员小组) or, for a co-handling opinion, the lead unit."""
    text: Text | None = None
    """the exact salutation, colon excluded, when none of the above fits."""
    colon: Literal["：", ":", ""] = "："
    """the mark after it, as an archived reply printed it"""
    pronoun: Literal["您", "你", "你们", "您们"] | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        return {"names": [data]} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _someone(self) -> Salutation:
        if not (self.names or self.organisation or self.text):
            raise ValueError("salutation_empty")
        return self


class Contact(Model):
    """A contact line (附注): 联系人 and 联系电话, optionally the unit; or the exact text."""

    name: Text | None = None
    phone: Text | None = None
    unit: Text | None = None
    text: Text | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        return {"text": data} if isinstance(data, str) else data


class CopyTo(Model):
    """One 抄送 recipient, optionally with a copy count (2份)."""

    organ: Text
    copies: int | None = Field(default=None, ge=1)

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        return {"organ": data} if isinstance(data, str) else data


class Printed(Model):
    """印发机关和印发日期: the printing office and date at the foot of the 版记."""

    organ: Text | None = None
    date: dt.date | None = None


class HeadLine(Model):
    """One line of the head block (版头) as an archived reply printed it: exactly one of these keys, or
    doc_number with signer on one line."""

    category: Text | None = None
    """the 答复类别 marker: (A)类, 办理结果：C"""
    doc_number: Text | None = None
    signer: Text | None = None
    """签发人：王一川"""
    organ: Text | None = None
    """the issuing organ's line of a 复函"""
    title: list[Text] | None = None
    text: Text | None = None
    """any other line"""

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"text": data}
        if isinstance(data, dict) and isinstance(data.get("title"), str):
            return {**data, "title": [data["title"]]}
        return data

    @model_validator(mode="after")
    def _one_line(self) -> HeadLine:
        keys = [k for k in type(self).model_fields if getattr(self, k) is not None]
        if len(keys) != 1 and keys != ["doc_number", "signer"]:
            raise ValueError("head_line")
        return self


class AsPrinted(Model):
    """印刷原样: how an archived reply printed elements whose wording the templates would set differently
    (half-width punctuation, other brackets, labels, order). Each one given replaces the template's text; the
    structured fields keep the meaning."""

    head: list[HeadLine] | None = None
    """the lines above the salutation, in order: replaces the category, 发文字号, 签发人 and title lines"""
    salutation: Text | None = None
    """the salutation line, colon included"""
    date: Text | None = None
    """the date line: 二○一一年五月十日"""
    notes: list[Text] | None = None
    """the 附注 lines after the date, in order and brackets included: replaces contact, notes and disclosure"""
    cc: Text | None = None
    """the 抄送 line"""
    printed: Text | None = None
    """the 印发 line"""


Kind = Literal["proposal", "suggestion", "co-handling"]


class Reply(Model):
    """One reply to a proposal (提案) or a deputy's suggestion (建议)."""

    issuer: IssuerId
    """the issuer profile's id: templates/issuers/<id>.yaml"""
    kind: Kind
    doc_number: int | MetaText | None = None
    """发文字号: the serial number (245) completed from the issuer's prefix and the year, or the full text."""
    category: Text | None = None
    """答复类别 code (A/B/C…), mapped to a label by the issuer profile."""
    signer: Text | None = None
    """签发人"""
    disclosure: Literal["主动公开", "依申请公开", "不予公开"] | None = None
    """公开属性"""
    session: TitlePart | None
    """会议届次, e.g. 市政协十四届四次会议; null: unknown (an archived reply that gives its own title)"""
    number: TitlePart | None
    """提案/建议编号, e.g. 0688 (a text: write it in quotes if it starts with 0), or 14-3-67"""
    subject: MetaText | None
    """the proposal's own title, e.g. 关于…的提案; null: unknown (an archived reply with its own opening)"""
    title: list[Text] | None = None
    """the title lines, when the template's title does not fit; []: no title"""
    salutation: Salutation | None
    opening: Text | Literal[False] | None = None
    """the opening paragraph, when the template's formula does not fit; false: none"""
    body: list[Block] = Field(min_length=1)
    closing: list[Text] | None = None
    """closing paragraphs; omitted: the template's default; []: none"""
    closing_block: list[Text] = Field(default_factory=empty_list)
    """labelled lines between the closing and the signature (办复类别：B类 / 联系人：… / 联系电话：…)"""
    signature: Text | Annotated[list[Text], Field(min_length=1)] | Literal[False] | None = None
    """发文机关署名; omitted: the issuer's; false: none (date only); a list: 联合行文 whose other organs have no
    profile to name in `joint` (an archived reply), every organ's name in order, printed unstamped"""
    date: dt.date | Literal[False]
    """成文日期; false: none printed (an archived reply without one)"""
    contact: list[Contact] = Field(default_factory=empty_list)
    notes: list[Text] = Field(default_factory=empty_list)
    """further 附注 lines"""
    cc: list[CopyTo] | None = None
    """抄送; omitted: the issuer's default; []: none"""
    printed: Printed | bool = False
    """印发 line: true for the issuer's office and the reply's date"""
    attachments: list[Text] = Field(default_factory=empty_list)
    """附件说明: attachment names"""
    as_printed: AsPrinted = Field(default_factory=AsPrinted)  # a factory: no model is built at import
    """archived replies: elements exactly as printed"""
    stamped: bool | Literal["seal", "signature"] | None = None
    """盖章: false unstamped; true stamped, space left for a hand stamp; seal: the profile's seal image drawn;
    signature: the signer's signature seal (签发人签名章); omitted: as the issuer profile says"""
    joint: list[IssuerId] = Field(default_factory=empty_list)
    """联合行文: the profiles of the organs issuing jointly with `issuer`, in order after it"""

    @model_validator(mode="before")
    @classmethod
    def _wrap_single(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = dict(data)
            for key in ("title", "closing", "contact", "notes", "cc", "attachments", "joint"):
                if isinstance(data.get(key), str | dict):
                    data[key] = [data[key]]
        return data

    @field_validator("title")
    @classmethod
    def _title_fits(cls, lines: list[str] | None) -> list[str] | None:
        if lines and (length := sum(map(len, lines))) > META_LIMIT:  # the lines, joined, are a core property
            raise _too_long(length, META_LIMIT, "meta")
        return lines

    @model_validator(mode="after")
    def _template_needs(self) -> Reply:
        if self.title is None and self.as_printed.head is None and not (self.session and self.number):
            raise ValueError("title_needs_session")
        if self.opening is None and not self.subject:
            raise ValueError("opening_needs_subject")
        return self

