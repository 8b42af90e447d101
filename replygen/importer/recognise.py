"""Source lines → a draft reply: every line placed verbatim (the draft always renders back to the source),
and for each element it recognises, the structured alternatives, most structured first.

Which alternative is kept is decided by composing with the real templates (see assemble.py): an alternative is
kept only when the templates regenerate exactly the source's characters with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from replygen.compose import cn_number, numbering_value
from replygen.importer import patterns as P
from replygen.importer.read import Line, Source

Patch = dict[str, Any]
"""Top-level reply fields to set; a key "as_printed.x" sets a field of as_printed; the value None removes it."""


class NotAReply(ValueError):
    """The text has none of a reply's landmarks (title, salutation, opening, date) or no body."""


@dataclass
class Choice:
    """One recognised element: its alternatives, most structured first; the draft starts from the last one."""

    element: str
    line: int
    options: list[Patch]


@dataclass
class Segment:
    """A run of body paragraphs: their alternatives as lists of blocks, most structured first, plain last."""

    element: str
    line: int
    options: list[list[Any]]


@dataclass
class Draft:
    fields: Patch
    choices: list[Choice] = field(default_factory=list)
    body: list[Segment] = field(default_factory=list)
    found: list[str] = field(default_factory=list)
    warnings: list[tuple[Line | None, str]] = field(default_factory=list)
    """(the line it is about, or None for the whole reply; message)"""
    fallback_lines: int = 0
    category: str | None = None

    def note(self, element: str) -> None:
        if element not in self.found:
            self.found.append(element)

    def unrecognised(self, line: Line, where: str) -> None:
        self.warnings.append((line, f"未识别的{where}内容，按原样保留：{line.text[:30]}"))
        self.fallback_lines += 1


def recognise(source: Source, issuer: str) -> Draft:
    lines = list(source.lines)
    draft = Draft({"issuer": issuer, "kind": None, "session": None, "number": None, "subject": None,
                   "salutation": None, "date": False, "cc": [], "signature": False})
    sal = _salutation_index(lines)
    opening_at = sal + 1 if sal is not None else _opening_index(lines)
    head = lines[: sal if sal is not None else (opening_at if opening_at is not None else 0)]
    _head(draft, head)
    rest_start = len(head)
    if sal is not None:
        _salutation(draft, lines[sal])
        rest_start = sal + 1
    end = _end(draft, lines, rest_start)
    if rest_start < end and opening_at is not None and _is_opening(lines[rest_start].text):
        _opening(draft, lines[rest_start])
        rest_start += 1
    else:
        draft.fields["opening"] = False
    closing_start = end
    while closing_start > rest_start + 1 and P.CLOSING.match(lines[closing_start - 1].text):
        closing_start -= 1
    closing = lines[closing_start:end]
    body = lines[rest_start:closing_start]
    if not body:  # the schema wants a body: a reply of formulas alone keeps its first closing line there
        body, closing = closing[:1], closing[1:]
    if closing:
        draft.note("结束语")
    draft.fields["closing"] = [line.text for line in closing]
    draft.choices.append(Choice("结束语", closing[0].no if closing else 0, [{"closing": None}, {}]))
    if not body or not {"标题", "主送", "开头语", "日期"} & set(draft.found):
        raise NotAReply
    draft.body = _segments(draft, body, 1)
    _kind(draft)
    if draft.category:  # the issuer profile prints the code by its own rule: kept only where it adds nothing
        draft.choices.append(Choice("答复类别", 0, [{"category": draft.category}, {}]))
    return draft


# ---------------------------------------------------------------------------------------------------- head

def _is_opening(text: str) -> bool:
    """An opening sentence; a title such as …提案办理情况的复函 shares its words but ends like a title."""
    return bool(P.OPENING.search(text)) and not P.TITLE_END.search(text)


def _salutation_index(lines: list[Line]) -> int | None:
    for i, line in enumerate(lines[:15]):
        if _is_opening(line.text) and not P.SALUTATION.match(line.text):
            return None
        m = P.SALUTATION.match(line.text)
        if m and not P.HEAD_LABEL.match(line.text) and not P.TITLE_END.search(m["who"]):
            return i
    return None


def _opening_index(lines: list[Line]) -> int | None:
    return next((i for i, line in enumerate(lines[:15]) if _is_opening(line.text)), None)


def _head(draft: Draft, lines: list[Line]) -> None:
    printed: list[dict[str, Any]] = []
    fields = draft.fields
    i = 0
    while i < len(lines):
        text = lines[i].text
        if code := P.category_code(text, "suggestion"):
            printed.append({"category": text})
            draft.category = code
            draft.note("答复类别")
        elif m := P.DOC_NUMBER.match(text):
            fields["doc_number"] = m["number"].strip()
            draft.note("发文字号")
            if m["code"]:
                draft.category = m["code"]
                draft.note("答复类别")
            if m["signer"]:
                fields["signer"] = m["name"]
                draft.note("签发人")
                printed.append({"doc_number": text[: m.start("signer")].strip(), "signer": m["signer"]})
            else:
                printed.append({"doc_number": text})
        elif m := P.SIGNER.match(text):
            fields["signer"] = m["name"]
            printed.append({"signer": text})
            draft.note("签发人")
        elif title := _title_at(lines, i):
            printed.append({"title": title})
            fields["title"] = title
            _title_facts(fields, "".join(title))
            draft.note("标题")
            i += len(title)
            continue
        elif P.ORGAN.match(text):
            printed.append({"organ": text})
            draft.note("发文机关")
        else:
            printed.append({"text": text})
            draft.unrecognised(lines[i], "版头")
        i += 1
    if "title" not in fields:
        fields["title"] = []
    template_head = {"as_printed.head": None}
    options = [{**template_head, "title": None}, template_head] if fields["title"] else [template_head]
    draft.choices.append(Choice("版头", lines[0].no if lines else 0, [*options, {"as_printed.head": printed}]))


def _title_at(lines: list[Line], i: int) -> list[str] | None:
    one = lines[i].text
    if P.TITLE_END.search(one) and len(one) <= 70:
        return [one]
    if i + 1 < len(lines):
        two = lines[i + 1].text
        if P.TITLE_START.match(one) and P.TITLE_END.search(two) and len(one + two) <= 80:
            return [one, two]
    return None


def _title_facts(fields: Patch, title: str) -> None:
    if m := P.SESSION_NUMBER.search(title):
        fields["session"], fields["number"] = m["session"].strip(), m["number"]


# ---------------------------------------------------------------------------------------------- salutation

def _salutation(draft: Draft, line: Line) -> None:
    who = P.SALUTATION.match(line.text)["who"]  # type: ignore[index]
    colon = line.text[-1]
    structured: dict[str, Any] | None = None
    if m := P.PERSONS.match(who):
        structured = {"names": m["names"].split("、"), "title": m["title"]}
        if m["hon"]:
            structured["honorific"] = True
        if m["total"]:
            structured["total"] = int(m["total"])
        if m["etc"]:
            structured = None
    elif P.ORGANISATION.search(who):
        structured = {"organisation": who}
    exact = {"text": who}
    colon_field = {} if colon == "：" else {"colon": colon}
    draft.fields["salutation"] = {**(structured or exact), **colon_field}
    draft.fields["as_printed.salutation"] = line.text
    options: list[Patch] = [{"as_printed.salutation": None}]
    if structured:
        options.append({"as_printed.salutation": None, "salutation": {**exact, **colon_field}})
    draft.choices.append(Choice("主送", line.no, [*options, {}]))
    draft.note("主送")


def _opening(draft: Draft, line: Line) -> None:
    text = line.text
    draft.fields["opening"] = text
    if m := P.QUOTED.search(text) or P.SUBJECT.search(text):
        draft.fields["subject"] = m["subject"]
        draft.choices.append(Choice("开头语", line.no, [{"opening": None}, {}]))
    if draft.fields["session"] is None and (m := P.SESSION_NUMBER.search(text)):
        draft.fields["session"], draft.fields["number"] = m["session"].strip(), m["number"]
    elif draft.fields["number"] is None and (m := re.search(r"第\s*(?P<n>[A-Za-z]*\d[\dA-Za-z\-]*)\s*号", text)):
        draft.fields["number"] = m["n"]
    draft.note("开头语")


# ----------------------------------------------------------------------------------------------------- end

def _end(draft: Draft, lines: list[Line], start: int) -> int:
    """Recognise the signature block and what follows it, from the bottom up; returns where they begin."""
    fields = draft.fields
    end = len(lines)
    if end > start and (m := P.PRINTED.match(lines[end - 1].text)):
        fields["printed"] = {"organ": m["organ"].strip(), "date": P.parse_date(m["date"])}
        fields["as_printed.printed"] = lines[end - 1].text
        draft.choices.append(Choice("印发", lines[end - 1].no, [{"as_printed.printed": None}, {}]))
        draft.note("印发")
        end -= 1
    if end > start and (m := P.CC.match(lines[end - 1].text)):
        _cc(draft, lines[end - 1], m["rest"])
        end -= 1
    date_at = next((i for i in range(end - 1, max(start, end - 12) - 1, -1) if _is_date(lines[i].text)), None)
    if date_at is None:
        notes_from = end
        while notes_from > start + 1 and _is_note(lines[notes_from - 1].text):
            notes_from -= 1
        _notes(draft, lines[notes_from:end], strict=True)
        return notes_from
    _notes(draft, lines[date_at + 1:end], strict=False)
    _date(draft, lines[date_at])
    end = date_at
    signers: list[str] = []  # a joint issuance (联合行文) signs with several organs' names, one a line
    while end > start + 1 and (P.ORGAN.match(lines[end - 1].text)
                               or (not signers and _bare_name(lines[end - 1].text))):
        signers.insert(0, lines[end - 1].text)
        end -= 1
    if signers:
        fields["signature"] = signers[0] if len(signers) == 1 else signers
        draft.note("署名" if len(signers) == 1 else "联合署名")
    block_from = end
    while block_from > start + 1 and _is_note(lines[block_from - 1].text) \
            and not P.DISCLOSURE.match(lines[block_from - 1].text):
        block_from -= 1
    if block_from < end:
        fields["closing_block"] = [line.text for line in lines[block_from:end]]
        fields.setdefault("as_printed.notes", [])  # its contact lines are not printed a second time
        draft.note("结束块（标注行）")
        for line in lines[block_from:end]:
            if code := P.category_code(line.text, "suggestion"):
                draft.category = draft.category or code
                draft.note("答复类别")
            elif contact := _contact(line.text):
                fields.setdefault("contact", []).append(contact)
                draft.note("联系人")
    return block_from


def _bare_name(text: str) -> bool:
    return bool(re.fullmatch(r"[\u4e00-\u9fff（）()]{4,30}", text)) and not P.CLOSING.match(text)


def _is_date(text: str) -> bool:
    return P.parse_date(text) is not None or bool(P.DATE_CN.match(text))


def _is_note(text: str) -> bool:
    return bool(P.DISCLOSURE.match(text) or P.category_code(text, "") or (P.CONTACT_LABEL.search(text) and (P.LABEL.match(text) or
                                                                              P.BRACKETED.match(text))))


def _date(draft: Draft, line: Line) -> None:
    date = P.parse_date(line.text)
    draft.fields["date"] = date or False
    draft.fields["as_printed.date"] = line.text
    if date:
        draft.choices.append(Choice("日期", line.no, [{"as_printed.date": None}, {}]))
    draft.note("日期")


def _notes(draft: Draft, lines: list[Line], strict: bool) -> None:
    if not lines:
        return
    contacts, notes = [], []
    for line in lines:
        text = line.text
        if m := P.DISCLOSURE.match(text):
            draft.fields["disclosure"] = P.DISCLOSURES[m["what"]]
            draft.note("公开属性")
        elif code := P.category_code(text, "suggestion"):
            draft.category = draft.category or code
            draft.note("答复类别")
        elif contact := _contact(text):
            contacts.append(contact)
            draft.note("联系人")
        elif P.BRACKETED.match(text):
            notes.append(text.strip("（()）"))
            draft.note("附注")
        elif not strict:
            notes.append(text)
            draft.unrecognised(line, "附注")
    if contacts:
        draft.fields["contact"] = contacts
    if notes:
        draft.fields["notes"] = notes
    draft.fields["as_printed.notes"] = [line.text for line in lines]
    draft.choices.append(Choice("附注", lines[0].no, [{"as_printed.notes": None}, {}]))


def _contact(text: str) -> dict[str, str] | None:
    if not P.CONTACT_LABEL.search(text):
        return None
    inner = text.strip("（()）")
    found = {key: m["v"] for key, rx in (("unit", P.UNIT_IN_CONTACT), ("name", P.NAME_IN_CONTACT),
                                         ("phone", P.PHONE_IN_CONTACT)) if (m := rx.search(inner))}
    return found or {"text": inner}


def _cc(draft: Draft, line: Line, rest: str) -> None:
    entries = []
    for part in re.split(r"[，,；;]|\s+(?![（(])", rest.rstrip("。.")):
        if not part:
            continue
        m = P.COPIES.search(part)
        organ = part[: m.start()].strip() if m else part
        if m and not organ and entries:  # a count set apart from its organ: 市政协 (2份)
            entries[-1]["copies"] = int(m["n"])
        elif organ:
            entries.append({"organ": organ, "copies": int(m["n"])} if m else {"organ": organ})
    draft.fields["cc"] = entries
    draft.fields["as_printed.cc"] = line.text
    draft.choices.append(Choice("抄送", line.no, [{"as_printed.cc": None}, {}]))
    draft.note("抄送")


# ---------------------------------------------------------------------------------------------------- body

def _heading(text: str) -> tuple[int, str, re.Match[str]] | None:
    """A heading line's level (1–4: 一、 （一） 1. （1）, P.HEADING_LEVELS), numbering style and number."""
    for level, styles in P.HEADING_LEVELS.items():
        for style in styles:
            if (m := P.NUMBERING[style].match(text)) and _is_heading_text(text[m.end():]):
                return level, style, m
    return None


def _heading_depth(text: str) -> int | None:
    return heading[0] if (heading := _heading(text)) else None


def _is_heading_text(text: str) -> bool:
    return 0 < len(text) <= 40 and not any(c in text for c in "。；;！？!?")


def _segments(draft: Draft, paras: list[Line], depth: int, level: int | None = None) -> list[Segment]:
    """The paragraphs as blocks at this depth (of sections); headings of `level` (default: depth) and deeper
    open its sections."""
    level = level or depth
    out: list[Segment] = []
    i = 0
    while i < len(paras):
        p = paras[i]
        heading = _heading(p.text)
        if heading is not None and heading[0] >= level:
            j = i + 1
            while j < len(paras) and not ((e := _heading_depth(paras[j].text)) is not None and e <= heading[0]):
                j += 1
            out.append(_section(draft, paras[i:j], depth, heading))
            i = j
            continue
        run = _tier_run(paras, i)
        if run:
            style, j = run
            intro = out.pop() if out and _is_intro(out[-1]) else None
            out.append(_next_steps(draft, intro, paras[i:j], style))
            i = j
            continue
        if (items := _split_items(p.text)) is not None:
            out.append(_achievements(draft, p, items))
        else:
            if p.text.startswith("关于") and ("您" in p.text[:12] or "你" in p.text[:12]):
                draft.note("逐条答复")
            elif p.text.startswith(("近年来", "下一步")):
                draft.note("工作情况" if p.text.startswith("近年来") else "下一步工作")
            out.append(Segment("段落", p.no, [[p.text]]))
        i += 1
    return out


def _is_intro(segment: Segment) -> bool:
    plain = segment.options[-1]
    return (segment.element == "段落" and len(plain) == 1 and isinstance(plain[0], str)
            and (plain[0].startswith("下一步") or plain[0].endswith(("：", ":"))))


def _section(draft: Draft, paras: list[Line], depth: int, heading: tuple[int, str, re.Match[str]]) -> Segment:
    """A section at `depth` (of nesting) whose heading has `level` (of numbering): a 1、 heading may head a section
    of the first depth, numbered in its own style."""
    level, style, m = heading
    head = paras[0]
    text = head.text[m.end():].strip()
    own = {} if style == P.HEADING_STYLES[depth - 1] else {"numbering": style}
    children = _segments(draft, paras[1:], depth + 1, level + 1)
    plain = [p.text for p in paras]
    draft.note(f"{depth}级标题")
    options: list[list[Any]] = []
    if children:
        options.append([{"section": {"heading": text, **own, "body": [b for s in children for b in s.options[0]]}}])
        flat = [b for s in children for b in s.options[-1]]
        if flat != options[0][0]["section"]["body"]:
            options.append([{"section": {"heading": text, **own, "body": flat}}])
    return Segment(f"{depth}级标题", head.no, [*options, plain])


def _tier_run(paras: list[Line], i: int) -> tuple[str, int] | None:
    """(style, end) of the tiers from paras[i]: two or more paragraphs numbered 1, 2, … in one style (a paragraph
    that merely starts with 1、 stays a paragraph)."""
    for style, rx in P.NUMBERING.items():
        j, n = i, 1
        while j < len(paras) and (m := rx.match(paras[j].text)) and numbering_value(m["n"]) == n \
                and _heading_depth(paras[j].text) is None and len(paras[j].text) > m.end():
            j, n = j + 1, n + 1
        if j > i + 1:
            return style, j
    return None


def _next_steps(draft: Draft, intro: Segment | None, paras: list[Line], style: str) -> Segment:
    rx = P.NUMBERING[style]
    rich, bare = [], []
    for p in paras:
        m = rx.match(p.text)
        rest = p.text[m.end():].strip()  # type: ignore[union-attr]
        lead, after = _lead(rest)
        tier: dict[str, Any] = {"lead": lead}
        items = _split_items(after) if after else None
        if items is not None:
            text, entries = items
            if text:
                tier["text"] = text
            tier["items"] = entries
        elif after:
            tier["text"] = after
        rich.append(tier)
        bare.append({"lead": lead, **({"text": after} if after else {})})
    head = {"intro": intro.options[-1][0]} if intro else {}
    element = "下一步工作" if intro and intro.options[-1][0].startswith("下一步") else "分层条目"
    draft.note(element)
    plain = (intro.options[-1] if intro else []) + [p.text for p in paras]
    options = [[{"next_steps": {**head, "numbering": style, "tiers": rich}}]]
    if bare != rich:
        options.append([{"next_steps": {**head, "numbering": style, "tiers": bare}}])
    return Segment(element, (intro.line if intro else paras[0].no), [*options, plain])


def _lead(text: str) -> tuple[str, str]:
    """A run-in lead: the first sentence, when the paragraph says more after it."""
    for k, c in enumerate(text):
        if c in "。！？!?" and k + 1 < len(text):
            return text[: k + 1], text[k + 1:]
    return text, ""


_ITEM = re.compile(rf"(?P<n>[{P.CN}]{{1,3}})是")


def _split_items(text: str) -> tuple[str, list[Any]] | None:
    """intro and run-in items 一是…二是…, when the paragraph has at least 一是 and 二是 in order."""
    cuts, n, pos = [], 1, 0
    while True:
        word = cn_number(n) + "是"
        k = text.find(word, pos)
        while k > 0 and text[k - 1] not in P.ITEM_BOUNDARY:
            k = text.find(word, k + 1)
        if k < 0:
            break
        cuts.append(k)
        pos, n = k + len(word), n + 1
    if len(cuts) < 2:
        return None
    intro = text[: cuts[0]]
    items = []
    for a, b, number in zip(cuts, [*cuts[1:], len(text)], range(1, len(cuts) + 1), strict=True):
        body = text[a + len(cn_number(number)) + 1: b]
        lead, after = _lead(body)
        items.append({"lead": lead, "text": after} if after and len(lead) <= 30 else body)
    return intro, items


def _achievements(draft: Draft, p: Line, split: tuple[str, list[Any]]) -> Segment:
    intro, items = split
    element = "下一步工作" if p.text.startswith("下一步") else "工作情况（一是/二是）"
    draft.note(element)
    block = {**({"intro": intro} if intro else {}), "items": items}
    plain_items = [i if isinstance(i, str) else i["lead"] + i["text"] for i in items]
    options = [[{"achievements": block}]]
    if plain_items != items:
        options.append([{"achievements": {**block, "items": plain_items}}])
    return Segment(element, p.no, [*options, [p.text]])


def _kind(draft: Draft) -> None:
    fields = draft.fields
    hint = "".join(fields["title"]) + (fields.get("opening") or "")
    who = fields.get("as_printed.salutation", "")[:-1]  # the salutation line without its colon
    if "会办" in hint or "协办" in hint:
        kind = "co-handling"
    elif "提案" in hint or who.endswith("委员"):
        kind = "proposal"
    elif "建议" in hint or who.endswith("代表"):
        kind = "suggestion"
    else:
        kind = "proposal"
        draft.warnings.append((None, "看不出是提案还是建议的答复，暂按提案（kind: proposal）处理"))
    fields["kind"] = kind
