"""`replygen lint`: the slips in a reply's wording that get replies sent back, each located at file:line:column.

Every rule is a small function over the reply's text values (with their data paths) that yields Hits: a span of
one value, a one-line explanation and, for the safe fixes (punctuation, brackets, dates), the replacement.
`--fix` edits the YAML text in place at those spans (comments and layout stay as written), checks that the file
still reads as the same data with only the fixes applied, and writes it atomically.
"""

from __future__ import annotations

import bisect
import difflib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from replygen.compose import cn_value, cn_year, numbering_value, pronoun_for
from replygen.edits import Conflict, WriteFailed, save, version_of
from replygen.errors import Location, ReplyError, shown
from replygen.model import Salutation
from replygen.yamlsource import DataPath, YamlSource, field_name, load_yaml

CJK = "\u3400-\u9fff\uf900-\ufaff"
_HAN = f"[{CJK}]"
_CJK_MARKS = "\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\u2014\u2026\u2018\u2019\u201c\u201d"
"""Chinese punctuation and brackets (、。《》【】〔〕，：；（）…—“”): around them a mark belongs to Chinese text too."""
_CJK_CONTEXT = f"[{CJK}{_CJK_MARKS}]"
_NOT_WORDING = {"issuer", "kind", "category", "disclosure", "numbering", "pronoun"}
"""Fields holding codes, not wording: no punctuation or numbering rules apply to them."""


@dataclass(frozen=True)
class Hit:
    """A rule's finding inside one text value: value[start:end], why, and the safe replacement if there is one."""

    path: DataPath
    start: int
    end: int
    message: str
    fix: str | None = None


@dataclass(frozen=True)
class Finding:
    rule: str
    message: str
    location: Location
    field: str
    fixable: bool

    def __str__(self) -> str:
        return f"{self.location}: 字段 {self.field}：{self.message}〔{self.rule}〕"


@dataclass
class LintReport:
    path: str
    findings: list[Finding] = field(default_factory=list)
    fixed: int = 0
    diff: str = ""
    errors: list[str] = field(default_factory=list)


class Content:
    """The raw data of one reply file, its text values by path."""

    def __init__(self, data: dict) -> None:
        self.data = data
        self.texts: list[tuple[DataPath, str]] = list(_texts(data, ()))

    def wording(self, *roots: str) -> Iterator[tuple[DataPath, str]]:
        """Text values that are the reply's wording (not codes), optionally under the given top-level fields."""
        for path, text in self.texts:
            if not set(p for p in path if isinstance(p, str)) & _NOT_WORDING and (not roots or path[0] in roots):
                yield path, text


def _texts(value: Any, path: DataPath) -> Iterator[tuple[DataPath, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _texts(item, (*path, i))


# --- rules -------------------------------------------------------------------------------------------------

Rule = Callable[[Content], Iterator[Hit]]
RULES: dict[str, tuple[str, Rule]] = {}


def rule(rule_id: str, explanation: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        RULES[rule_id] = (explanation, fn)
        return fn
    return register


_HALF = {",": "，", ":": "：", ";": "；", ".": "。"}
_HALF_MARK = re.compile(rf"(?<={_CJK_CONTEXT})[,:;]|[,:;](?={_CJK_CONTEXT}|[ \t]*\n[ \t]*{_CJK_CONTEXT})"
                        rf"|(?<=[{CJK}{_CJK_MARKS}\")])\.(?=$|\s|{_HAN})")
"""A half-width , : ; or . in Chinese context: after Chinese text or a Chinese mark (《方案》,), or before one, a
line break of a YAML block between (the line breaks are editing breaks, gone from the printed text)."""
_PAIRS = [(re.compile(r"\(([^()\n]*)\)"), "（", "）"), (re.compile(r'"([^"\n]*)"'), "“", "”")]


_FULL_WIDTH_NUMBERING = {"(一)": "（一）", "(1)": "（1）"}
"""Numbering styles with half-width brackets (an archived reply's, kept by import) and their full-width form."""


@rule("punct-halfwidth", "中文文字中的标点应为全角（，。：；（）“”）")
def half_width_punctuation(reply: Content) -> Iterator[Hit]:
    for path, text in reply.texts:
        if path[-1] == "numbering" and (right := _FULL_WIDTH_NUMBERING.get(text)):
            yield Hit(path, 0, len(text), f"编号“{text}”用了半角括号，应为全角“{right}”", right)
    for path, text in reply.wording():
        for m in _HALF_MARK.finditer(text):
            yield Hit(path, m.start(), m.end(), f"中文文字中用了半角“{m[0]}”，应为全角“{_HALF[m[0]]}”", _HALF[m[0]])
        for pattern, left, right in _PAIRS:
            for m in pattern.finditer(text):
                before = text[m.start() - 1: m.start()]
                if re.search(_HAN, m[1] + before):
                    inner = m[1]
                    yield Hit(path, m.start(), m.end(), f"中文文字中用了半角“{m[0][0]}{m[0][-1]}”，应为全角“{left}{right}”",
                              f"{left}{inner}{right}")


_DOC_NUMBER = re.compile(r"([\[【(（〔［])\s*(\d{4})\s*([\]】)）〕］])\s*(?:第\s*)?(\d+)\s*号")
_WELL_FORMED_NUMBER = re.compile(r"〔\d{4}〕[1-9]\d*号$")


@rule("doc-number", "发文字号应写作 〔YYYY〕N号：六角括号，不加“第”，序号不编虚位")
def document_number(reply: Content) -> Iterator[Hit]:
    for path, text in reply.texts:
        matches = list(_DOC_NUMBER.finditer(text))
        for m in matches:
            right = f"〔{m[2]}〕{m[4].lstrip('0') or '0'}号"
            if m[0] != right:
                yield Hit(path, m.start(), m.end(), f"发文字号“{shown(m[0])}”应写作“{shown(right)}”", right)
        if path[-1] == "doc_number" and not matches and not _WELL_FORMED_NUMBER.search(text):
            yield Hit(path, 0, len(text), f"发文字号“{shown(text)}”不完整，应以 〔年份〕序号号 结尾，如 〔2026〕245号")


_CN_DATE = re.compile(r"([〇○零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月(?:([一二三四五六七八九十]{1,3})日)?")
_PADDED_DATE = re.compile(r"(?<!\d)(\d{4})年(0?\d{1,2})月(?:(0?\d{1,2})日)?")
_NUMERIC_DATE = re.compile(r"(?<![\d.])(\d{4})([-./])(\d{1,2})\2(\d{1,2})(?![\d.])")


def _date(year: int, month: int, day: int | None) -> str | None:
    if not (1 <= month <= 12 and (day is None or 1 <= day <= 31)):
        return None
    return f"{year}年{month}月" + (f"{day}日" if day is not None else "")


@rule("date-form", "日期应以阿拉伯数字写全年份、不编虚位：2026年5月20日")
def date_form(reply: Content) -> Iterator[Hit]:
    for path, text in reply.wording():
        for m in _CN_DATE.finditer(text):
            year, month, day = cn_year(m[1]), cn_value(m[2]), cn_value(m[3]) if m[3] else None
            right = _date(year, month, day) if year and month and (day or not m[3]) else None
            if right:
                yield Hit(path, m.start(), m.end(), f"日期“{m[0]}”应写作“{right}”", right)
        for m in _PADDED_DATE.finditer(text):
            if m[2].startswith("0") or (m[3] or "").startswith("0"):
                right = _date(int(m[1]), int(m[2]), int(m[3]) if m[3] else None)
                if right:
                    yield Hit(path, m.start(), m.end(), f"日期“{m[0]}”不应编虚位，应写作“{right}”", right)
        if re.search(_HAN, text):
            for m in _NUMERIC_DATE.finditer(text):
                right = _date(int(m[1]), int(m[3]), int(m[4]))
                if right:
                    yield Hit(path, m.start(), m.end(), f"中文文字中的日期“{m[0]}”应写作“{right}”", right)


@rule("title-mismatch", "标题、开头语中的会议届次和编号应与 session、number 一致")
def title_mismatch(reply: Content) -> Iterator[Hit]:
    session, number = reply.data.get("session"), reply.data.get("number")
    for path, text in reply.wording("title", "opening"):
        for m in re.finditer(r"第([0-9A-Za-z\-]+)号", text):
            if isinstance(number, str | int) and m[1] != str(number):
                yield Hit(path, m.start(), m.end(), f"“{shown(m[0])}”与编号 number（{shown(number)}）不一致")
        for start, end in _sessions(text):
            if isinstance(session, str) and session and session not in text[start:end]:
                yield Hit(path, start, end, f"“{shown(text[start:end])}”与会议届次 session（{shown(session)}）不一致")


_SESSION_WORD = re.compile("政协|人大|人民代表大会")


def _sessions(text: str) -> Iterator[tuple[int, int]]:
    """Spans of a session's name (…政协…会议) in Chinese text, each from where its run of Chinese characters
    starts: what `{_HAN}*?(?:政协|人大|人民代表大会){_HAN}*?会议` finds, in linear rather than quadratic time."""
    for run in re.finditer(f"{_HAN}+", text):
        start = run.start()
        while (word := _SESSION_WORD.search(text, start, run.end())) and (
                end := text.find("会议", word.end(), run.end())) >= 0:
            yield start, end + 2
            start = end + 2


@rule("pronoun", "正文称呼应与主送一致：一人称“您”，多人称“你们”（或 salutation.pronoun 所定）")
def pronoun(reply: Content) -> Iterator[Hit]:
    raw = reply.data.get("salutation")
    try:
        salutation = Salutation.model_validate({"names": [raw]} if isinstance(raw, str) else raw) if raw else None
    except ValidationError:
        return
    if salutation is None or (salutation.text and not salutation.pronoun):
        return
    expected = pronoun_for(salutation)
    plural = expected.endswith("们")
    wrong = re.compile(r"[你您]们" if not plural else r"[你您](?!们)")
    whom = "一人" if not plural else "多人（或单位）"
    for path, text in reply.wording("opening", "body", "closing"):
        for m in wrong.finditer(text):
            yield Hit(path, m.start(), m.end(), f"主送为{whom}，正文应称“{expected}”，这里是“{m[0]}”")


_CN_NUM = "[一二三四五六七八九十]+"
_INLINE_MARKERS = [re.compile(rf"(?:^|(?<=[。；：，:;,\s]))({_CN_NUM})是"), re.compile(rf"(?:^|(?<=[。；：:;\s]))第({_CN_NUM})[、，]")]
_LEADING_MARKERS = [re.compile(p) for p in (rf"^({_CN_NUM})、", rf"^[（(]({_CN_NUM})[）)]", r"^(\d{1,2})(?:[.．](?!\d)|、)",
                                            r"^[（(](\d{1,2})[）)]", rf"^第({_CN_NUM})[、，]", rf"^({_CN_NUM})是")]
_AUTO_NUMBERED = {"heading", "lead"}
"""Fields the templates number themselves (一、 for a heading, 一是/第一、 for a lead)."""


def _sequence(hits: list[tuple[DataPath, re.Match]], restart: bool) -> Iterator[Hit]:
    """Numbers must count up by one; run-in items (一是…) may start again at one in the same paragraph."""
    previous = 0
    for path, m in hits:
        n = numbering_value(m[1])
        if n is None:
            continue
        if n != previous + 1 and not (restart and n == 1):
            why = ("重复" if n == previous else "没有从一开始" if not previous else
                   f"跳过了 {previous + 1}" if n > previous else "顺序颠倒")
            yield Hit(path, m.start(), m.end(), f"编号“{shown(m[0])}”{why}（前一个是 {previous or '无'}）")
        previous = n


@rule("numbering", "编号应连续：不跳号、不重号；模板自动编号的标题和引领句不应再写编号")
def numbering(reply: Content) -> Iterator[Hit]:
    siblings: dict[DataPath, list[tuple[DataPath, str]]] = {}
    for path, text in reply.wording():
        for pattern in _INLINE_MARKERS:
            yield from _sequence([(path, m) for m in pattern.finditer(text)], restart=True)
        if path[-1] in _AUTO_NUMBERED:
            m = next((m for p in _LEADING_MARKERS if (m := p.match(text))), None)
            if m:
                yield Hit(path, m.start(), m.end(), f"“{shown(m[0])}”：模板会自动编号，这里不必再写")
        elif isinstance(path[-1], int):
            siblings.setdefault(path[:-1], []).append((path, text))
    for items in siblings.values():
        for pattern in _LEADING_MARKERS:
            yield from _sequence([(path, m) for path, text in items if (m := pattern.match(text))], restart=False)


_PLACEHOLDER = re.compile(rf"(?<![A-Za-z])(?:[Xx]{{3,}}|X{{2}}(?={_HAN})|xx(?={_HAN})|×{{2,}}|TODO|FIXME|TBD)(?![A-Za-z])"
                          "|待补充|待填写|此处填写"
                          r"|【[^【】\n]*】")  # the blanks of a `replygen new` draft: 【姓名】 (with Chinese inside)


@rule("placeholder", "不应留下占位符（XXX、××、TODO、新建草稿中【】里的提示）")
def placeholder(reply: Content) -> Iterator[Hit]:
    for path, text in reply.texts:
        for m in _PLACEHOLDER.finditer(text):
            if not m[0].startswith("【") or re.search(_HAN, m[0]):
                yield Hit(path, m.start(), m.end(), f"留有占位符“{shown(m[0])}”")


_PERSONAL = re.compile(r"(?<!\d)(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|\d{17}[\dXx])(?!\d)|(?<![\w.+-])[\w.+-]+@[\w-]+\.[\w.]+")


@rule("member-contact", "主动公开的答复不应含委员、代表的联系方式（电话、邮箱、身份证号）")
def member_contact(reply: Content) -> Iterator[Hit]:
    if reply.data.get("disclosure") != "主动公开":
        return
    raw = reply.data.get("salutation")
    listed = [raw] if isinstance(raw, str) else raw.get("names") if isinstance(raw, dict) else None
    names = {name.strip() for name in listed if isinstance(name, str)} if isinstance(listed, list) else set()
    for path, text in reply.texts:
        if path[0] == "contact":
            if path[-1] == "name" and text.strip() in names:
                yield Hit(path, 0, len(text), f"联系人“{shown(text.strip())}”是主送的委员、代表本人，公开版本不应列其联系方式")
            continue
        for m in _PERSONAL.finditer(text):
            yield Hit(path, m.start(), m.end(), f"公开发布的答复中出现联系方式“{shown(m[0])}”")


# --- running the rules and fixing ------------------------------------------------------------------------


@rule("stamp-needs", "盖章的答复应有发文机关署名和成文日期：印章压在署名和日期上，不能盖空白章")
def stamp_needs(reply: Content) -> Iterator[Hit]:
    stamped = reply.data.get("stamped")
    if stamped in (None, False):
        return
    if reply.data.get("date") is False or "date" not in reply.data:
        yield Hit(("date",) if "date" in reply.data else ("stamped",), 0, 0,
                  "答复要盖章（stamped），但没有成文日期：印章应压在署名和成文日期上")
    if reply.data.get("signature") is False and stamped != "signature":
        yield Hit(("signature",), 0, 0, "答复要盖章（stamped），但不写发文机关署名（signature: false）：印章应压在署名上")


def lint_file(path: Path, fix: bool = False) -> LintReport:
    """Every rule on one reply file; with `fix`, the safe fixes applied to the file in place."""
    report = LintReport(str(path))
    try:
        source = load_yaml(path)
    except ReplyError as err:
        report.errors = [str(p) for p in err.problems]
        return report
    if not isinstance(source.data, dict):
        report.errors = [f"{path}:1:1: 文件顶层应为映射（键: 值）"]
        return report
    reply = Content(source.data)
    hits = [(rule_id, hit) for rule_id, (_, fn) in RULES.items() for hit in fn(reply)]
    if not hits:  # most files: no need to locate spans (a second YAML parse) or to fix anything
        return report
    raw = path.read_bytes()
    bom = raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    spans = _Spans(text, source)
    located = []
    for rule_id, hit in hits:
        offsets = spans.offsets(hit.path, reply_value(reply.data, hit.path))
        at = offsets[hit.start] if offsets and hit.start < len(offsets) and offsets[hit.start] is not None else None
        location = spans.location(path, at) if at is not None else source.locate(hit.path)
        edit = spans.edit(offsets, hit) if hit.fix is not None else None
        located.append((Finding(rule_id, hit.message, location, field_name(hit.path), edit is not None), hit, edit))
    if fix:
        edits = [(f, hit, edit) for f, hit, edit in located if edit is not None]
        try:
            new_text = _apply(text, source.data, [(hit, edit) for _, hit, edit in edits], path)
        except ReplyError as err:
            report.errors = [str(p) for p in err.problems]
            new_text = text
        if new_text != text:
            try:  # only over the version read: a save made meanwhile (the workbench) is never overwritten
                save(path, (b"\xef\xbb\xbf" if bom else b"") + new_text.encode("utf-8"), version_of(raw))
            except Conflict:
                report.errors = [f"{path}: 文件在检查期间被修改（可能是工作台保存的），未修正；请重新运行 lint --fix"]
            except WriteFailed as err:
                report.errors = [f"{path}: {err}"]
            else:
                report.diff = "".join(difflib.unified_diff(text.splitlines(keepends=True),
                                                           new_text.splitlines(keepends=True), f"{path}",
                                                           f"{path}（修正后）"))
                report.fixed = len(edits)
                fixed_ids = {id(hit) for _, hit, _ in edits}
                located = [item for item in located if id(item[1]) not in fixed_ids]
    report.findings = sorted((f for f, _, _ in located), key=lambda f: (f.location.line or 0, f.location.column or 0))
    return report


def reply_value(data: Any, path: DataPath) -> Any:
    for step in path:
        data = data[step]
    return data


class _Spans:
    """Where each character of a text value lies in the YAML text (the loader's scalar nodes, by data path)."""

    def __init__(self, text: str, source: YamlSource) -> None:
        self.text = text
        self.line_starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
        self.nodes = source.scalars

    def offsets(self, path: DataPath, value: str) -> list[int | None] | None:
        """The file offset of each non-space character of `value` (None for spaces); None if they cannot be
        matched one by one (escapes in a double-quoted string)."""
        node = self.nodes.get(path)
        if node is None or not isinstance(value, str):
            return None
        p, end = node.start_mark.index, node.end_mark.index
        if node.style in ('"', "'"):
            p += 1
        elif node.style in ("|", ">"):
            p = self.text.index("\n", p) + 1
        out: list[int | None] = []
        for c in value:
            if c.isspace():
                out.append(None)
                continue
            while p < end and self.text[p] != c:
                p += 1
            if p >= end:
                return None
            out.append(p)
            p += 1
        return out

    def location(self, path: Path, offset: int) -> Location:
        line = bisect.bisect_right(self.line_starts, offset)
        return Location(path, line, offset - self.line_starts[line - 1] + 1)

    def edit(self, offsets: list[int | None] | None, hit: Hit) -> tuple[int, int] | None:
        """The file span of value[start:end] when it is written there as one piece."""
        if not offsets:
            return None
        span = offsets[hit.start:hit.end]
        if not span or None in span or span[-1] - span[0] != hit.end - hit.start - 1:
            return None
        return span[0], span[-1] + 1


def _apply(text: str, data: Any, edits: list[tuple[Hit, tuple[int, int]]], path: Path) -> str:
    """The YAML text with the edits made (later ones first, overlapping ones skipped); refused unless it reads
    back as the same data with just these replacements."""
    expected: dict[DataPath, str] = {}
    taken: list[tuple[int, int]] = []
    chosen = []
    for hit, (a, b) in sorted(edits, key=lambda e: e[1][0]):
        if taken and a < taken[-1][1]:
            continue
        taken.append((a, b))
        chosen.append((hit, (a, b)))
    for hit, _ in sorted(chosen, key=lambda e: -e[0].start):
        value = expected.get(hit.path, reply_value(data, hit.path))
        expected[hit.path] = value[:hit.start] + (hit.fix or "") + value[hit.end:]
    out = text
    for hit, (a, b) in sorted(chosen, key=lambda e: -e[1][0]):
        out = out[:a] + (hit.fix or "") + out[b:]
    reread = load_yaml(path, out).data
    for data_path, value in expected.items():
        if reply_value(reread, data_path) != value:
            raise ReplyError.at("无法安全地自动修改（修改后读出的内容与预期不符），请手工修改", path)
    return out
