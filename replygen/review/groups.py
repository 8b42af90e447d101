"""Changed replies → groups of the same change, largest first, and the outliers a reviewer must look at.

A group is every reply whose change has the same key (change.py). Its representative is a member whose page
count, last-page fill and signature page changed as most replies' did, so the example shown is a typical one.

An outlier is a reply that changed unlike the others, which is where template bugs show:
- its change forms a group of its own, while other replies share theirs;
- its page count, its last page's fill (in lines) or its signature's page changed differently from what most
  changed replies did ("most": more than half of them; with no such majority there is no norm to differ from).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from replygen.review.change import Change, Measures
from replygen.review.survey import CHANGED, FAILED, Comparison

MIN_FOR_NORM = 3
"""below this many changed replies nothing is unlike 'the others'"""


@dataclass
class Group:
    number: int
    change: Change
    members: list[Comparison]
    representative: Comparison
    outliers: set[str] = field(default_factory=set)

    @property
    def failed(self) -> bool:
        return self.representative.status == FAILED

    @property
    def slug(self) -> str:
        return f"g{self.number:03d}"

    @property
    def description(self) -> str:
        return self.change.describe()


@dataclass
class Outlier:
    item: Comparison
    group: Group
    reasons: list[str]


def group(comparisons: list[Comparison]) -> tuple[list[Group], list[Outlier]]:
    changed = [c for c in comparisons if c.status in (CHANGED, FAILED) and c.change is not None]
    by_key: dict[tuple, list[Comparison]] = {}
    for item in sorted(changed, key=lambda c: c.stem):
        by_key.setdefault(item.change.key, []).append(item)  # type: ignore[union-attr]
    measured = [c for c in changed if c.status == CHANGED and c.measures is not None]
    reasons = _unlike_most(measured)
    shared = any(len(members) > 1 for members in by_key.values())
    if len([c for c in changed if c.status == CHANGED]) >= MIN_FOR_NORM and shared:
        for members in by_key.values():
            if len(members) == 1 and members[0].status == CHANGED:
                reasons.setdefault(members[0].stem, []).insert(0, "变化与其他答复都不同（独自一组）")
    ordered = sorted(by_key.values(), key=lambda ms: (-len(ms), ms[0].status == FAILED, ms[0].stem))
    groups = []
    for number, members in enumerate(ordered, 1):
        typical = [m for m in members if m.stem not in reasons] or members
        groups.append(Group(number, members[0].change, members, typical[0],  # type: ignore[arg-type]
                            {m.stem for m in members if m.stem in reasons}))
    home = {m.stem: g for g in groups for m in g.members}
    outliers = [Outlier(next(m for m in home[stem].members if m.stem == stem), home[stem], why)
                for stem, why in reasons.items()]
    outliers.sort(key=lambda o: (-len(o.reasons), o.group.number, o.item.stem))
    return groups, outliers


def _unlike_most(items: list[Comparison]) -> dict[str, list[str]]:
    """stem → why its measures differ from what most replies' did."""
    reasons: dict[str, list[str]] = {}
    if len(items) < MIN_FOR_NORM:
        return reasons
    checks: list[tuple[Callable[[Measures], object], Callable[[Measures, object, int], str]]] = [
        (lambda m: m.page_delta, _pages_reason),
        (lambda m: m.signature_moved, _signature_reason),
        (lambda m: m.fill_delta, _fill_reason),
    ]
    for value_of, reason in checks:
        values = {c.stem: value_of(c.measures) for c in items}  # type: ignore[arg-type]
        norm, count = Counter(values.values()).most_common(1)[0]
        if count * 2 <= len(items):
            continue
        for c in items:
            if values[c.stem] != norm:
                reasons.setdefault(c.stem, []).append(reason(c.measures, norm, count))  # type: ignore[arg-type]
    return reasons


def _pages_reason(m: Measures, norm: object, count: int) -> str:
    most = "页数未变" if norm == 0 else f"页数{'增加' if norm > 0 else '减少'} {abs(norm)} 页"  # type: ignore[operator]
    return f"页数 {m.pages[0]}→{m.pages[1]}（其余 {count} 份{most}）"


def _signature_reason(m: Measures, norm: object, count: int) -> str:
    if m.signature_alone[1]:
        return f"署名移到新的一页（第 {m.signature_page[1]} 页只有署名，其余 {count} 份没有这样）"
    return f"署名回到正文所在的页（其余 {count} 份没有这样）"


def _fill_reason(m: Measures, norm: object, count: int) -> str:
    most = "未变" if norm == 0 else f"变化 {norm:+d} 行"
    return f"末页文字 {m.fill[0]:.0f}→{m.fill[1]:.0f} 行（其余 {count} 份{most}）"
