"""What changed in one reply, said so that the same change in another reply says the same thing.

A template change touches every reply the same way, but never in the same words: the edit lies in a paragraph
whose text is the reply's own, the page count goes from 3 to 4 here and from 4 to 5 there. A `Change` is the
reply's change with that abstracted away: a tuple of `Fact`s, each with a hashable `key` and the one line a
reviewer reads. Replies whose keys are equal form one group (groups.py).

- Text: each changed paragraph is named by its element (开头语, 抄送, 标题…) and reduced to its edits (what was
  deleted, what inserted); the reply's own field values in an edit (提案标题, 主送姓名…) become placeholders.
  The same edit in several paragraphs counts once.
- Pages: the page count's change (+1, not 4→5), the signature block moving to a page of its own, the title
  wrapping into another number of lines.
- Layout (text or not): what moved, measured on the laid-out lines as `check` measures (layout.py): the body's
  line pitch, and per element its size, its left end, the space above it, where the first page's text
  starts, the page numbers' places. Only paragraphs whose text did not change are measured for moves, so a
  longer title does not count as a moved title.

`Measures` are the three numbers outliers are judged by (groups.py): the page count's change, the last page's
fill in lines, and whether the signature's page changed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from replygen.document import Paragraph
from replygen.review.layout import Block, Layout
from replygen.review.textdiff import ADDED, CHANGED, REMOVED, SAME, TextDiff
from replygen.style import PT_PER_MM

ELEMENTS = {
    "body": "正文", "category": "答复类别", "organ-mark": "发文机关标志", "letter-mark": "发文机关标志",
    "doc-number": "发文字号", "doc-number-letter": "发文字号", "doc-number-header": "发文字号",
    "doc-number-signed": "发文字号", "doc-number-signed-header": "发文字号", "title": "标题", "title-first": "标题",
    "salutation": "主送", "heading-1": "一级标题", "heading-2": "二级标题", "heading-3": "三级标题",
    "heading-4": "四级标题", "attachment": "附件说明", "attachment-first": "附件说明", "signature": "署名",
    "date": "成文日期", "note": "附注", "head": "版头", "cc": "抄送", "printed": "印发",
}
FIELDS = {
    "subject": "提案标题", "session": "会议届次", "number": "编号", "signer": "签发人", "doc_number": "发文字号",
    "names": "主送姓名", "organisation": "主送单位", "title": "标题",
}
IMPRINT_ROLES = ("cc", "printed")
SIGNATURE_ROLES = ("signature", "date")
MOVE_MM = 0.15
"""moves smaller than this are noise (sub-pixel placement), not a change"""
SIZE_PT = 0.1
SHOWN = 24
"""characters of an edit quoted in a description"""


@dataclass(frozen=True)
class Fact:
    kind: str
    """text, pages, signature, title, layout, failed, presence"""
    key: tuple
    text: str


@dataclass(frozen=True)
class Measures:
    pages: tuple[int, int]
    fill: tuple[float, float]
    """the last page's text (without the 版记) reaches this many lines down"""
    signature_page: tuple[int, int]
    """the page of the signature block (0: none)"""
    signature_alone: tuple[bool, bool]
    """whether the signature block starts a page after the text it signs"""

    @property
    def page_delta(self) -> int:
        return self.pages[1] - self.pages[0]

    @property
    def fill_delta(self) -> int:
        return round(self.fill[1] - self.fill[0])

    @property
    def signature_moved(self) -> bool:
        return self.signature_alone[0] != self.signature_alone[1]


@dataclass(frozen=True)
class Change:
    facts: tuple[Fact, ...]

    @property
    def key(self) -> tuple:
        return tuple((f.kind, f.key) for f in self.facts)

    @property
    def kinds(self) -> list[str]:
        """文字, 页数, 仅版面 … in the reviewer's words, for badges."""
        kinds = {f.kind for f in self.facts}
        out = [name for kind, name in (("text", "文字"), ("pages", "页数"), ("signature", "署名页"),
                                       ("title", "标题行数"), ("presence", "增删答复"), ("failed", "无法生成"))
               if kind in kinds]
        if "layout" in kinds and not kinds & {"text", "presence"}:
            out.append("仅版面")
        elif "layout" in kinds:
            out.append("版面")
        return out

    def describe(self, limit: int = 4) -> str:
        texts = [f.text for f in self.facts]
        return "；".join(texts[:limit]) + (f"；等 {len(texts)} 处" if len(texts) > limit else "")


def describe_change(text: TextDiff, before: Sequence[Paragraph], after: Sequence[Paragraph],
                    layouts: tuple[Layout, Layout], values: dict[str, str]) -> tuple[Change, Measures]:
    """The change's facts and the measures, for one reply rendered on both sides."""
    facts = _text_facts(text, before, after, values)
    measures = _measures(layouts)
    facts += _page_facts(measures, layouts)
    facts += _layout_facts(text, layouts)
    return Change(tuple(facts)), measures


# --- text ----------------------------------------------------------------------------------------------------

def element(paragraphs: Sequence[Paragraph], index: int) -> str:
    """The element a paragraph is, in the reviewer's words: 开头语 and 结束语 are the first and last body text."""
    role = paragraphs[index].role
    if role == "body":
        bodies = [i for i, p in enumerate(paragraphs) if p.role == "body"]
        if index == bodies[0]:
            return "开头语"
        if index == bodies[-1]:
            return "结束语"
    return ELEMENTS.get(role, role)


def abstract(text: str, values: dict[str, str]) -> str:
    """`text` with the reply's own field values replaced by placeholders (longest first)."""
    for name, value in sorted(values.items(), key=lambda item: -len(item[1])):
        if len(value) >= 2 and value in text:
            text = text.replace(value, f"〈{FIELDS.get(name.rstrip('0123456789'), name)}〉")
    return text


def reply_values(reply) -> dict[str, str]:
    """The field values of a reply (model.Reply) that templates print into its text: what makes one reply's
    edit its own."""
    values: dict[str, str] = {}
    for name in ("subject", "session", "number", "signer", "doc_number"):
        value = getattr(reply, name, None)
        if value not in (None, False):
            values[name] = str(value)
    for i, line in enumerate(reply.title or []):
        values[f"title{i}"] = str(line)
    salutation = reply.salutation
    if salutation is not None:
        for i, name in enumerate(salutation.names or []):
            values[f"names{i}"] = str(name)
        if salutation.organisation:
            values["organisation"] = str(salutation.organisation)
    return {k: v for k, v in values.items() if v}


def _quote(text: str) -> str:
    return f"“{text if len(text) <= SHOWN else text[:SHOWN] + '…'}”"


def _text_facts(text: TextDiff, before: Sequence[Paragraph], after: Sequence[Paragraph],
                values: dict[str, str]) -> list[Fact]:
    facts: dict[tuple, Fact] = {}
    for row in text.rows:
        if row.kind == ADDED:
            name, body = element(after, row.after), abstract(after[row.after].text, values)
            key = (name, "+", body)
            line = f"新增一段{name}：{_quote(body)}"
        elif row.kind == REMOVED:
            name, body = element(before, row.before), abstract(before[row.before].text, values)
            key = (name, "-", body)
            line = f"删去一段{name}：{_quote(body)}"
        elif row.kind == CHANGED:
            name = element(after, row.after)
            edits = _edits(row.segments, values)
            words = [f"{_quote(d)}→{_quote(i)}" if d and i else (f"删去{_quote(d)}" if d else f"新增{_quote(i)}")
                     for d, i in edits]
            if row.role_changed:
                words.append(f"段落类型 {ELEMENTS.get(row.role_before, row.role_before)}→"
                             f"{ELEMENTS.get(row.role_after, row.role_after)}")
            key = (name, "~", edits, row.role_before, row.role_after)
            line = f"{name}：{'，'.join(words)}"
        else:
            continue
        facts.setdefault(key, Fact("text", key, line))
    return list(facts.values())


def _edits(segments, values: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """Runs of deleted and inserted text between unchanged text: ((deleted, inserted), …), abstracted."""
    edits, deleted, inserted = [], "", ""
    for segment in (*segments, None):
        if segment is None or segment.kind == SAME:
            if deleted or inserted:
                edits.append((abstract(deleted, values), abstract(inserted, values)))
            deleted = inserted = ""
        elif segment.kind == "del":
            deleted += segment.text
        else:
            inserted += segment.text
    return tuple(edits)


# --- pages ---------------------------------------------------------------------------------------------------

def _measures(layouts: tuple[Layout, Layout]) -> Measures:
    pages, fill, page, alone = [], [], [], []
    for layout in layouts:
        pages.append(layout.pages)
        fill.append(layout.fill)
        p, a = _signature(layout)
        page.append(p)
        alone.append(a)
    return Measures(tuple(pages), tuple(fill), tuple(page), tuple(alone))  # type: ignore[arg-type]


def _signature(layout: Layout) -> tuple[int, bool]:
    """The signature block's page, and whether it begins a page of its own (the text it signs ends earlier)."""
    blocks = [(i, b) for i, b in enumerate(layout.blocks) if b]
    for n, (_, block) in enumerate(blocks):
        if block.role in SIGNATURE_ROLES:
            before = [b for _, b in blocks[:n] if b.role not in SIGNATURE_ROLES]
            return block.page, bool(before) and before[-1].last_page < block.page
    return 0, False


def _page_facts(measures: Measures, layouts: tuple[Layout, Layout]) -> list[Fact]:
    facts = []
    if measures.page_delta:
        delta = measures.page_delta
        facts.append(Fact("pages", (delta,), f"页数{'增加' if delta > 0 else '减少'} {abs(delta)} 页"))
    if measures.signature_moved:
        alone = measures.signature_alone[1]
        facts.append(Fact("signature", (alone,),
                          "署名移到新的一页（与正文分开）" if alone else "署名回到正文所在的页"))
    titles = [sum(b.lines for b in layout.blocks if b and b.role in ("title", "title-first")) for layout in layouts]
    if titles[0] != titles[1]:
        facts.append(Fact("title", tuple(titles), f"标题由 {titles[0]} 行变为 {titles[1]} 行"))
    return facts


# --- layout --------------------------------------------------------------------------------------------------

def _layout_facts(text: TextDiff, layouts: tuple[Layout, Layout]) -> list[Fact]:
    old, new = layouts
    facts = []
    if old.pitch and new.pitch and abs(new.pitch - old.pitch) >= 0.05:
        facts.append(Fact("layout", ("pitch", _r(old.pitch), _r(new.pitch)),
                          f"正文行距 {old.pitch * PT_PER_MM:.2f}→{new.pitch * PT_PER_MM:.2f} pt"))
    moves: dict[tuple[str, str], list] = {}
    for i, j in text.pairs:
        a, b = old.blocks[i], new.blocks[j]
        if a is None or b is None:
            continue
        name = ELEMENTS.get(a.role, a.role)
        if abs(b.size - a.size) >= SIZE_PT:
            moves.setdefault((name, "size"), []).append((a.size, b.size))
        if a.lines == 1 == b.lines or a.size == b.size:
            moves.setdefault((name, "x"), []).append(_r(b.x0 - a.x0))
        gap_a, gap_b = _gap(old.blocks, i), _gap(new.blocks, j)
        if gap_a is not None and gap_b is not None and a.role not in IMPRINT_ROLES:  # the 版记 sits at the foot
            moves.setdefault((name, "gap"), []).append(_r(gap_b - gap_a))
    first = [(i, j) for i, j in text.pairs if old.blocks[i] and new.blocks[j]][:1]
    if first and first[0] == (0, 0):
        moves[("首页首行", "y")] = [_r(new.blocks[0].top - old.blocks[0].top)]  # type: ignore[union-attr]
    for (name, what), values in moves.items():
        value = Counter(values).most_common(1)[0][0]
        fact = _move(name, what, value)
        if fact:
            facts.append(fact)
    facts += _page_number_facts(old, new)
    return facts


def _gap(blocks: Sequence[Block | None], index: int) -> float | None:
    """The space between a paragraph's first line and the previous paragraph's last, on one page."""
    block = blocks[index]
    previous = next((b for b in reversed(blocks[:index]) if b), None)
    if block is None or previous is None or previous.last_page != block.page:
        return None
    return block.top - previous.bottom


def _move(name: str, what: str, value) -> Fact | None:
    if what == "size":
        a, b = value
        return Fact("layout", (name, what, a, b), f"{name}字号 {a:g}→{b:g} pt")
    if abs(value) < MOVE_MM:
        return None
    if what == "x":
        return Fact("layout", (name, what, value), f"{name}{'右' if value > 0 else '左'}移 {abs(value):.1f} mm")
    if what == "gap":
        return Fact("layout", (name, what, value), f"{name}上方间距{'增加' if value > 0 else '减少'} {abs(value):.1f} mm")
    return Fact("layout", (name, what, value), f"{name}{'下' if value > 0 else '上'}移 {abs(value):.1f} mm")


def _page_number_facts(old: Layout, new: Layout) -> list[Fact]:
    """The page numbers' places: the first odd and even page that has one on both sides."""
    facts = []
    numbers_old = {ln.page: ln for ln in old.page_numbers}
    numbers_new = {ln.page: ln for ln in new.page_numbers}
    for parity, name in ((1, "单页页码"), (0, "双页页码")):
        common = sorted(p for p in numbers_old.keys() & numbers_new.keys() if p % 2 == parity)
        if not common:
            continue
        a, b = numbers_old[common[0]], numbers_new[common[0]]
        for what, value in (("x", _r(b.x0 - a.x0)), ("y", _r(b.top - a.top))):
            fact = _move(name, what, value)
            if fact:
                facts.append(fact)
        if abs(b.size - a.size) >= SIZE_PT:
            facts.append(Fact("layout", (name, "size", a.size, b.size), f"{name}字号 {a.size:g}→{b.size:g} pt"))
    return facts


def _r(value: float) -> float:
    return round(value, 1) + 0.0  # + 0.0: no -0.0 in keys


def failure(side_problems: dict[str, list[str]]) -> Change:
    """A reply that cannot be rendered on a side: grouped by the side and the first message's gist."""
    sides = tuple(sorted(side_problems))
    which = {("before",): "用基准模板无法生成", ("after",): "用新模板无法生成"}.get(sides, "两套模板都无法生成")
    gist = _gist(next(iter(side_problems.values()))[0]) if side_problems else ""
    return Change((Fact("failed", (sides, gist), f"{which}：{gist}" if gist else which),))


def _gist(message: str) -> str:
    """A message without the reply's own path and place (the template's path and line stay: they are the cause)."""
    head, _, rest = message.partition(": ")
    return rest if (rest and head.endswith((".yaml",))) or ".yaml:" in head else message


def presence(side: str) -> Change:
    text = "新增的答复（基准中没有）" if side == "after" else "删去的答复（只在基准中有）"
    return Change((Fact("presence", (side,), text),))
