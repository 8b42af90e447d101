"""The one rendered document: a flat sequence of paragraphs with roles, parsed from the templates' HTML.

The templates write semantic HTML in a small vocabulary:

    <meta name="title" content="…">               document properties
    <p class="ROLE">text <span class="lead">…</span> …</p>   a paragraph; ROLE is a key of style.roles
    <span class="INLINE">…</span>                  an inline role (style.inline): lead, signer
    <span class="tab"></span>                      what follows goes to the right end of the line
    <div class="imprint">…</div>                   the 版记 group (抄送, 印发), set at the foot of the last page
    <div class="letterhead">…</div>                the 信函格式 head (organ mark), set above the first page's text
                                                   area between double lines; a document with it is a letter:
                                                   no page number on the first page, no rules in the 版记

Line breaks and the indentation around them are template layout and are dropped; all other text is kept
exactly. Both writers read this tree and nothing else, so DOCX and PDF cannot say different things.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Literal

TAB = "tab"
IMPRINT = "imprint"
LETTERHEAD = "letterhead"


@dataclass(frozen=True)
class Run:
    text: str
    role: str = ""


@dataclass(frozen=True)
class Paragraph:
    role: str
    runs: tuple[Run, ...]
    group: str = ""

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)

    def split(self) -> tuple[tuple[Run, ...], tuple[Run, ...]]:
        """The runs before and after a tab (the left and right parts of a split line)."""
        for i, run in enumerate(self.runs):
            if run.role == TAB:
                return self.runs[:i], self.runs[i + 1:]
        return self.runs, ()


@dataclass(frozen=True)
class Seal:
    """One seal of a stamped end block, at its physical size in points; `image` None leaves the space for a
    hand stamp (the paper workflow), else the PNG (with transparency) or SVG drawn behind the text."""

    width: float
    height: float
    image: bytes | None = None
    mime: str = "image/png"


@dataclass(frozen=True)
class Stamp:
    """How the end block is stamped (GB/T 9704 7.3.5): `organ` seals press the organ names and the date
    (7.3.5.1, one seal per signature paragraph, in order); a `signature` seal (签发人签名章, 7.3.5.3) stands
    beside the signer's title. Set by compose from the issuer profiles, never by a template."""

    layout: Literal["organ", "signature"]
    seals: tuple[Seal, ...]


STAMPED_ROLES = ("signature", "signer-title", "date")
"""The paragraphs a stamped end block places (the date last)."""


@dataclass(frozen=True)
class Fit:
    """What laying the document out decided, which only a layout can decide: taken once, from the PDF writer's
    layout (WeasyPrint), and kept in the document so that both writers follow the same decision. Word and WPS lay
    out a DOCX themselves, so the DOCX follows the decision, not a measurement of its own."""

    imprint_page: bool = False
    """the 版记 on a page of its own, so that it lands on an even page; that page carries no page number"""
    blank_page: bool = False
    """a blank page (no page number either) before the 版记's own page: the text ended on an even page, but the
    版记 did not fit at its foot"""
    tighten_from: int | None = None
    """GB/T 9704 7.3.5.5: the paragraphs from this one up to the stamped end block are set at `pitch`, so that
    the block stays on the page of the body's last lines"""
    pitch: float = 0.0
    """the tightened line pitch, pt"""
    grid_pitch: float = 0.0
    """the line pitch it was tightened from, pt"""
    carried: int = 0
    """7.3.5.5 when tightening down to the style's limit could not keep the block on the body's page: body lines
    carried to the next page with it, so that it never stands alone there"""
    page: int = 0
    """the page the stamped end block is on (1-based; 0 when the layout did not have to adjust it)"""
    min_pitch: float = 0.0
    """the tightest pitch the style allows, pt (for the message)"""


def fit_notes(doc: Document) -> list[str]:
    """What the layout adjusted, in the words a clerk reads (render and batch print them)."""
    fit, out = doc.fit, []
    if fit is None or doc.stamp is None:
        return out
    seal = "签发人签名章" if doc.stamp.layout == "signature" else "印章"
    if fit.tighten_from is not None:
        block = next(i for i in range(fit.tighten_from, len(doc.paragraphs))
                     if doc.paragraphs[i].role in STAMPED_ROLES and not doc.paragraphs[i].group)
        out.append(f"第{fit.page}页最后 {block - fit.tighten_from} 段行距由 {_pt(fit.grid_pitch)} pt 收紧为 "
                   f"{_pt(fit.pitch)} pt，使{seal}与正文同页（GB/T 9704 7.3.5.5）")
    elif fit.carried:
        tried = f"最后几段行距收紧到 {_pt(fit.min_pitch)} pt 也放不下" if fit.min_pitch else "正文最后不是可收紧行距的段落"
        out.append(f"第{fit.page - 1}页剩余的地方放不下{seal}和成文日期，{tried}：已将正文最后 {fit.carried} 行"
                   f"与{seal}一起移到第{fit.page}页，{seal}不单独成页（GB/T 9704 7.3.5.5）")
    return out


def _pt(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Document:
    paragraphs: tuple[Paragraph, ...]
    meta: dict[str, str] = field(default_factory=dict)
    stamp: Stamp | None = None
    imprint_even: bool = False
    """the 版记 goes on an even page: a page of its own is added when the text ends on an odd one"""
    fit: Fit | None = None
    """what the layout decided (None: not laid out yet); see writers.pdf.settle"""

    @property
    def has_imprint(self) -> bool:
        return any(p.group == IMPRINT for p in self.paragraphs)

    @property
    def needs_layout(self) -> bool:
        """Whether a layout must decide something before either writer writes it: where a stamped end block goes
        (7.3.5.5), whether the 版记 takes a page of its own."""
        return self.fit is None and (self.stamp is not None or (self.imprint_even and self.has_imprint))

    @property
    def is_letter(self) -> bool:
        return any(p.group == LETTERHEAD for p in self.paragraphs)

    @property
    def text(self) -> str:
        """The text as a reader sees it: one line per paragraph."""
        return "\n".join(p.text for p in self.paragraphs)


_LAYOUT_SPACE = re.compile(r"[ \t\r]*\n\s*")


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[Paragraph] = []
        self.meta: dict[str, str] = {}
        self.group = ""
        self.role: str | None = None
        self.runs: list[Run] = []
        self.inline: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        cls = a.get("class") or ""
        if tag == "meta" and a.get("name"):
            self.meta[a["name"] or ""] = a.get("content") or ""
        elif tag == "div":
            self.group = cls
        elif tag == "p":
            self.role, self.runs = cls or "body", []
        elif tag == "span" and self.role is not None:
            if cls == TAB:
                self.runs.append(Run("", TAB))
            self.inline.append(cls)

    def handle_endtag(self, tag: str) -> None:
        if tag == "div":
            self.group = ""
        elif tag == "p" and self.role is not None:
            self.paragraphs.append(Paragraph(self.role, _merge(self.runs), self.group))
            self.role = None
        elif tag == "span" and self.inline:
            self.inline.pop()

    def handle_data(self, data: str) -> None:
        if self.role is None:
            return
        text = _LAYOUT_SPACE.sub("", data)
        if text:
            role = next((r for r in reversed(self.inline) if r and r != TAB), "")
            self.runs.append(Run(text, role))


def _merge(runs: list[Run]) -> tuple[Run, ...]:
    out: list[Run] = []
    for run in runs:
        if out and out[-1].role == run.role and run.role != TAB:
            out[-1] = Run(out[-1].text + run.text, run.role)
        else:
            out.append(run)
    # a paragraph's own edges never carry layout spaces
    if out and not out[0].role:
        out[0] = Run(out[0].text.lstrip(" "), "")
    if out and not out[-1].role:
        out[-1] = Run(out[-1].text.rstrip(" "), "")
    return tuple(r for r in out if r.text or r.role == TAB)


def parse(html: str) -> Document:
    parser = _Parser()
    parser.feed(html)
    parser.close()
    return Document(tuple(parser.paragraphs), parser.meta)
