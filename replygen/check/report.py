"""What `replygen check` reports: one Finding per deviation, and the tolerances it judges by."""

from __future__ import annotations

from dataclasses import dataclass, field

# Tolerances: a document is conformant when each measure lies within these of the house style's value.
PAPER_MM = 1.0  # paper width and height
MARGIN_MM = 1.0  # each margin of the text area (GB/T 9704: 天头 37 mm ±1, 订口 28 mm ±1)
POSITION_MM = 1.5  # page numbers, the red header's organ mark and the 版记 (a line box is measured from its glyphs)
SIZE_PT = 0.5  # type sizes
GRID_CHARS = 0.5  # characters per line, measured from the glyph pitch


@dataclass(frozen=True)
class Finding:
    """One deviation: which rule, which element, what was measured and what GB/T 9704 (the house style) wants.
    `pages` are 1-based page numbers (PDF), `where` a place in the package (DOCX: a part or a paragraph)."""

    rule: str
    element: str
    measured: str
    expected: str
    pages: tuple[int, ...] = ()
    where: str | None = None

    def __str__(self) -> str:
        place = " ".join(p for p in (_pages(self.pages), self.where) if p)
        return f"{place + ' ' if place else ''}{self.element}：实测 {self.measured}，应为 {self.expected}〔{self.rule}〕"


def _pages(pages: tuple[int, ...]) -> str:
    if not pages:
        return ""
    spans: list[list[int]] = []
    for p in pages:
        if spans and p == spans[-1][1] + 1:
            spans[-1][1] = p
        else:
            spans.append([p, p])
    text = "、".join(str(a) if a == b else f"{a}–{b}" for a, b in spans)
    return f"第{text}页"


LAYOUT = "GB/T 9704-2012"


@dataclass
class Report:
    """The findings of one file (empty: conformant), or why it could not be read."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None
    passed: str = f"符合 {LAYOUT}"
    """what the file's line says when nothing was found: no more than what its checks verified"""
    failed: str = f"处不符合 {LAYOUT}"
    """what follows the number of findings when something was found"""


def merge_pages(findings: list[Finding]) -> list[Finding]:
    """The same deviation on several pages, reported once with all its pages."""
    merged: dict[tuple, list[int]] = {}
    for f in findings:
        merged.setdefault((f.rule, f.element, f.measured, f.expected, f.where), []).extend(f.pages)
    return [Finding(rule, element, measured, expected, tuple(sorted(set(pages))), where)
            for (rule, element, measured, expected, where), pages in merged.items()]
