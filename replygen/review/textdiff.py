"""Two versions of a reply's text → what a reviewer reads: the changed paragraphs with the changed wording marked.

Paragraphs are matched first (difflib over role and text); inside a changed paragraph the characters are
matched, so that 答复如下 → 回复如下 shows as one character removed and one added, not as a new paragraph.
Unchanged paragraphs far from any change are folded into a count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from replygen.document import Paragraph

SAME, DELETED, INSERTED = "same", "del", "ins"
UNCHANGED, CHANGED, REMOVED, ADDED, FOLDED = "unchanged", "changed", "removed", "added", "folded"
SIMILAR = 0.5
"""how alike two paragraphs in a replaced block must be to be shown as one changed paragraph"""


@dataclass(frozen=True)
class Segment:
    kind: str
    """SAME, DELETED or INSERTED"""
    text: str


@dataclass(frozen=True)
class Row:
    """One paragraph of the comparison (or, FOLDED, a run of unchanged paragraphs not shown)."""

    kind: str
    segments: tuple[Segment, ...] = ()
    role_before: str = ""
    role_after: str = ""
    folded: int = 0
    before: int = -1
    """the paragraph's index in the text before (-1: none, or folded)"""
    after: int = -1

    @property
    def role_changed(self) -> bool:
        return self.kind == CHANGED and self.role_before != self.role_after


@dataclass(frozen=True)
class TextDiff:
    rows: tuple[Row, ...]
    removed: int
    """characters removed"""
    added: int
    """characters added"""
    pairs: tuple[tuple[int, int], ...] = ()
    """(index before, index after) of every paragraph that did not change"""

    @property
    def changed(self) -> bool:
        return any(row.kind not in (UNCHANGED, FOLDED) for row in self.rows)

    def first_change(self, around: int = 10) -> tuple[Segment, ...]:
        """The first changed paragraph cut to its first change and `around` characters either side."""
        row = next((r for r in self.rows if r.kind not in (UNCHANGED, FOLDED)), None)
        if row is None:
            return ()
        marked = [i for i, s in enumerate(row.segments) if s.kind != SAME] or [0]  # [0]: the role changed, not the text
        first, last = marked[0], min(marked[-1], marked[0] + 3)  # a glimpse: the reply's page shows every change
        cut = list(row.segments[first:last + 1])
        if first and row.segments[first - 1].kind == SAME:
            text = row.segments[first - 1].text
            cut.insert(0, Segment(SAME, ("…" + text[-around:]) if len(text) > around else text))
        if last + 1 < len(row.segments) and row.segments[last + 1].kind == SAME:
            text = row.segments[last + 1].text
            cut.append(Segment(SAME, (text[:around] + "…") if len(text) > around else text))
        return tuple(Segment(s.kind, s.text if len(s.text) <= 4 * around else s.text[:4 * around] + "…") for s in cut)


def diff_paragraphs(before: Sequence[Paragraph], after: Sequence[Paragraph], context: int = 1) -> TextDiff:
    """The paragraph-level difference, keeping `context` unchanged paragraphs around each change."""
    rows: list[Row] = []
    pairs: list[tuple[int, int]] = []
    keys_before = [(p.role, p.text) for p in before]
    keys_after = [(p.role, p.text) for p in after]
    matcher = SequenceMatcher(None, keys_before, keys_after, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            rows += [Row(UNCHANGED, (Segment(SAME, p.text),), p.role, p.role, before=i, after=j)
                     for i, j, p in zip(range(i1, i2), range(j1, j2), before[i1:i2], strict=True)]
            pairs += zip(range(i1, i2), range(j1, j2), strict=True)
            continue
        old, new = list(range(i1, i2)), list(range(j1, j2))
        while old and new and _similar(before[old[0]].text, after[new[0]].text):
            i, j = old.pop(0), new.pop(0)
            a, b = before[i], after[j]
            rows.append(Row(CHANGED, diff_chars(a.text, b.text), a.role, b.role, before=i, after=j))
        rows += [Row(REMOVED, (Segment(DELETED, before[i].text),), before[i].role, "", before=i) for i in old]
        rows += [Row(ADDED, (Segment(INSERTED, after[j].text),), "", after[j].role, after=j) for j in new]
    removed = sum(len(s.text) for row in rows for s in row.segments if s.kind == DELETED)
    added = sum(len(s.text) for row in rows for s in row.segments if s.kind == INSERTED)
    return TextDiff(_fold(rows, context), removed, added, tuple(pairs))


def diff_chars(before: str, after: str) -> tuple[Segment, ...]:
    segments = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if op == "equal":
            segments.append(Segment(SAME, before[i1:i2]))
            continue
        if i2 > i1:
            segments.append(Segment(DELETED, before[i1:i2]))
        if j2 > j1:
            segments.append(Segment(INSERTED, after[j1:j2]))
    return tuple(segments)


def _similar(a: str, b: str) -> bool:
    return a == b or SequenceMatcher(None, a, b, autojunk=False).ratio() >= SIMILAR


def _fold(rows: list[Row], context: int) -> tuple[Row, ...]:
    """Keep changes and `context` unchanged rows either side of each; fold the rest into counts."""
    near = set()
    for i, row in enumerate(rows):
        if row.kind != UNCHANGED:
            near.update(range(i - context, i + context + 1))
    kept: list[Row] = []
    hidden = 0
    for i, row in enumerate(rows):
        if i in near:
            if hidden:
                kept.append(Row(FOLDED, folded=hidden))
                hidden = 0
            kept.append(row)
        else:
            hidden += 1
    if hidden:
        kept.append(Row(FOLDED, folded=hidden))
    return tuple(kept)
