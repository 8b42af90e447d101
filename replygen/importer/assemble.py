"""Draft → reply data: for each element, the most structured alternative with which the real templates still
regenerate the source's characters. The all-verbatim draft is checked first, so the result can never lose text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from replygen.compose import Templates
from replygen.document import Document
from replygen.errors import ReplyError
from replygen.importer.read import Source, shape
from replygen.importer.recognise import Draft
from replygen.load import LoadedReply
from replygen.model import Reply
from replygen.yamlsource import YamlSource

NULLABLE = ("session", "number", "subject", "salutation")
"""Fields the schema requires even when unknown: written as null."""


def assemble(draft: Draft, source: Source, templates: Templates) -> dict[str, Any]:
    target = shape(source.text)
    picks = [len(c.options) - 1 for c in draft.choices]
    segs = [len(s.options) - 1 for s in draft.body]

    def attempt() -> dict[str, Any] | None:
        data = _data(draft, picks, segs)
        doc = compose(data, source.path, templates)
        return data if doc is not None and shape(doc.text) == target else None

    best = attempt()
    if best is None:
        doc = compose(_data(draft, picks, segs), source.path, templates)
        raise _why_not(doc, source, draft.fields["issuer"])
    for picked in (segs, picks):
        for k, verbatim in enumerate(picked):
            for option in range(verbatim):
                picked[k] = option
                if (found := attempt()) is not None:
                    best = found
                    break
            else:
                picked[k] = verbatim
    return best


def _data(draft: Draft, picks: list[int], segs: list[int]) -> dict[str, Any]:
    fields = dict(draft.fields)
    for choice, pick in zip(draft.choices, picks, strict=True):
        fields.update(choice.options[pick])
    data: dict[str, Any] = {}
    printed: dict[str, Any] = {}
    for key, value in fields.items():
        if key.startswith("as_printed."):
            if value is not None:
                printed[key.removeprefix("as_printed.")] = value
        elif value is not None or key in NULLABLE:
            data[key] = value
    data["body"] = [block for seg, pick in zip(draft.body, segs, strict=True) for block in seg.options[pick]]
    if printed:
        data["as_printed"] = printed
    return data


def compose(data: dict[str, Any], path: Path, templates: Templates) -> Document | None:
    """The document the templates make of this data; None when the data is not a valid reply for them."""
    try:
        return templates.compose(LoadedReply(Reply.model_validate(data), YamlSource(path, data)))
    except (ValidationError, ReplyError):
        return None


def _why_not(doc: Document | None, source: Source, issuer: str) -> ReplyError:
    """The error when even the all-verbatim draft does not give back the source: at the first line that differs."""
    if doc is None:
        return ReplyError.at(f"无法导入：整理出的内容不能用发文机关档案“{issuer}”生成答复", source.path)
    target, got = shape(source.text), shape(doc.text)  # one entry per source line: no source line is all space
    k = next((i for i, (a, b) in enumerate(zip(got, target, strict=False)) if a != b), min(len(got), len(target)))
    want, made = (lines[k][:12] if k < len(lines) else "（无）" for lines in (target, got))
    line = source.lines[min(k, len(source.lines) - 1)]
    return ReplyError.at(f"无法无损导入：用发文机关档案“{issuer}”生成的文字与原文不一致（原文“{want}”，生成的是“{made}”）；"
                         "请换用不加版头文字的档案（header: none）" + (f"（{line.where}）" if line.page else ""),
                         source.path, None if line.page else line.no)
