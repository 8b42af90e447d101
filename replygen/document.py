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
class Document:
    paragraphs: tuple[Paragraph, ...]
    meta: dict[str, str] = field(default_factory=dict)
    stamp: Stamp | None = None
    imprint_even: bool = False
    """the 版记 goes on an even page: a page of its own is added when the text ends on an odd one"""

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
