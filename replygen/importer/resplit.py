"""A reply whose line breaks were lost (the whole reply on one line, as copied from some web pages) cut back into
its lines at the landmarks every reply has: after the title and the document number, after the salutation's colon,
after the opening formula (…答复如下：), before each numbered point (第一、 一、 （一） (一) 1、 1． 1.) that starts a
sentence, before the closing formulas (感谢… 特此答复。), before the signing organ and the date, and before the notes
after the date.

Run-in items (一是…二是…) stay inside their paragraph, as replies print them. The cut only adds line breaks, so the
text stays the same character for character and the round trip is checked against the cut lines.

The organ names of a joint issuance (联合行文), set side by side above the date, are cut into one line each.
"""

from __future__ import annotations

import re
from itertools import pairwise

from replygen.importer import patterns as P
from replygen.importer.read import Line, Source

LONG = 150
"""A line longer than this holding a salutation, an opening formula and a date is a reply that lost its breaks."""

_TITLE_END = re.compile(r"(?:答复函|答复|复函|回复|的函|会办意见|协办意见|办理意见)(?=\s*(?:尊敬的)?[\u4e00-\u9fff、]{1,40}[:：])")
_DOC_NUMBER = re.compile(r"[〔\[【（(]\s*\d{4}\s*[〕\]】）)]\s*\d+\s*号(?:\s*[（(【〔\[]\s*[A-D]\d?\s*类?\s*[)）】〕\]])?")
_SALUTATION = re.compile(r"(?:尊敬的)?[\u4e00-\u9fff、()（）\d]{1,60}?(?:委员|代表|同志|局|委|办|组|政府|单位)[:：]")
_OPENING_END = re.compile(r"(?:答复如下|回复如下|函复如下|复函如下|报告如下|答复)[:：。]")
_DATE = re.compile(rf"(?:\d{{4}}\s*年\s*\d{{1,2}}\s*月\s*\d{{1,2}}\s*日|[{P.CN_DIGITS}{P.YEAR_ZEROS}]{{4}}年[{P.CN}]{{1,2}}月[{P.CN}]{{1,3}}日)")
_POINT = re.compile(rf"(?<=[。；;！!？?：:])(?=第[{P.CN}]{{1,3}}、|[{P.CN}]{{1,3}}、|[（(][{P.CN}]{{1,3}}[)）]"
                    r"|\d{1,2}(?:[、．]|\.(?!\d))|下一步[，,])")
_NOTE_LABEL = re.compile(r"联\s*系\s*人|联系电话|联系单位|承办人|经办人|主管领导|办复类别|抄\s*送[:：]")


def resplit(source: Source) -> Source:
    """The source with its one long line cut at the landmarks, and organ names set side by side above the date
    as one line each; other sources as they are."""
    return _side_by_side(_one_line(source))


def _side_by_side(source: Source) -> Source:
    """A joint issuance (联合行文) stamped: its organs sign side by side above the date, each name under its seal, so
    a PDF (or a typist copying it) has several names on one line. Each name is a line of its own, as the
    templates write them."""
    lines = list(source.lines)
    out: list[Line] = []
    for k, line in enumerate(lines):
        pieces = line.text.split()
        if len(pieces) > 1 and all(P.ORGAN.match(p) for p in pieces) and _above_date(lines, k):
            out += [Line(line.no, piece, line.page) for piece in pieces]
        else:
            out.append(line)
    return source if len(out) == len(lines) else Source(source.path, tuple(out), source.encoding, source.format)


def _above_date(lines: list[Line], k: int) -> bool:
    """Whether lines[k] is in the run of organ names just above a date line (one name or several on each)."""
    for line in lines[k + 1:]:
        if P.parse_date(line.text) or P.DATE_CN.match(line.text):
            return True
        if not all(P.ORGAN.match(p) for p in line.text.split()):
            return False
    return False


def _one_line(source: Source) -> Source:
    lines = list(source.lines)
    total = sum(len(line.text) for line in lines)
    k = max(range(len(lines)), key=lambda i: len(lines[i].text), default=None)
    if k is None:
        return source
    text = lines[k].text
    if len(text) < LONG or len(text) < 0.7 * total or not (P.OPENING.search(text) and _DATE.search(text)):
        return source
    parts = cut(text)
    if len(parts) < 3:
        return source
    line = lines[k]
    new = [*lines[:k], *(Line(line.no, part, line.page) for part in parts), *lines[k + 1:]]
    return Source(source.path, tuple(new), source.encoding, source.format)


def cut(text: str) -> list[str]:
    """The text's lines: the pieces between the landmarks, trimmed, none empty."""
    cuts: set[int] = set()
    salutation = None
    for m in _SALUTATION.finditer(text[:300]):
        head = text[: m.start()]
        if t := _TITLE_END.search(text, 0, m.end()):
            cuts.add(t.end())
            head = text[: t.end()]
            salutation = _SALUTATION.match(text, t.end())
        else:
            salutation = m
        for number in _DOC_NUMBER.finditer(head):
            cuts.add(number.end())
        break
    if salutation is None:
        return [text]
    cuts.add(salutation.end())
    if opening := _OPENING_END.search(text, salutation.end()):
        cuts.add(opening.end())
    dates = [m for m in _DATE.finditer(text) if not re.match(r"\s*印发", text[m.end():])]
    end = len(text)
    if dates:
        date = dates[-1]
        cuts |= {date.start(), date.end()}
        cuts |= _notes(text, date.end())
        before = text[: date.start()]
        sentence_end = max(before.rfind(c) for c in "。！!？?")
        organ = before[sentence_end + 1:].strip()
        if sentence_end >= 0 and organ and (P.ORGAN.match(organ) or re.fullmatch(r"[\u4e00-\u9fff（）()]{4,30}", organ)):
            cuts.add(sentence_end + 1)
            end = sentence_end + 1
        else:
            end = date.start()
        if m := re.search(r"抄\s*送[:：]", text[date.end():]):
            cc = date.end() + m.start()
            if printed := re.search(r"[\u4e00-\u9fff]{4,30}\s*" + _DATE.pattern + r"\s*印发", text[cc:]):
                cuts.add(cc + printed.start())
    body_start = max(c for c in cuts if c <= (opening.end() if opening else salutation.end()))
    cuts |= {m.start() for m in _POINT.finditer(text, body_start, end)}
    cuts |= _closing(text, body_start, end)
    bounds = sorted({0, *cuts, len(text)})
    return [piece for a, b in pairwise(bounds) if (piece := text[a:b].strip())]


def _notes(text: str, start: int) -> set[int]:
    """Where the notes after the date begin: at each bracket opened outside brackets, and at each label
    (联系人：, 抄送：…) outside brackets."""
    found: set[int] = set()
    depth = 0
    for k in range(start, len(text)):
        c = text[k]
        if c in "（(":
            if depth == 0:
                found.add(k)
            depth += 1
        elif c in "）)":
            depth = max(0, depth - 1)
        elif depth == 0 and _NOTE_LABEL.match(text, k):
            found.add(k)
    return found


def _closing(text: str, start: int, end: int) -> set[int]:
    """Where the closing sentences (感谢…。 特此答复。) at the end of the body begin."""
    sentences = [m.end() for m in re.finditer(r"[。！!？?]", text[start:end])]
    starts = [start, *(start + e for e in sentences)]
    found: set[int] = set()
    for s in reversed(starts):
        if s >= end:
            continue
        if not P.CLOSING.match(text[s:end].lstrip()):
            break
        found.add(s)
    return found
