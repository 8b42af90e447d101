"""Import archived replies (text, DOCX, PDF, web pages; .doc/.wps/.rtf/.odt through LibreOffice) into reply YAML
that renders back to the same text.

read (one module per format, all giving Lines; resplit.py cuts a reply that lost its line breaks)
→ recognise (a draft: every line verbatim, plus structured alternatives) → assemble (keep the most
structured alternative the templates reproduce exactly) → emit (YAML, reloaded and composed once more to check).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from replygen.compose import Templates
from replygen.errors import ReplyError
from replygen.importer.assemble import assemble
from replygen.importer.emit import to_yaml
from replygen.importer.office import OFFICE_SUFFIXES
from replygen.importer.read import HTML_SUFFIXES, read_source, shape
from replygen.importer.recognise import NotAReply, recognise
from replygen.importer.resplit import resplit
from replygen.limits import Limits
from replygen.load import load_reply
from replygen.paths import files_below

SUFFIXES = (".txt", ".docx", ".pdf", *HTML_SUFFIXES, *OFFICE_SUFFIXES)
DEFAULT_ISSUER = "imported"


@dataclass(frozen=True)
class Imported:
    path: Path
    yaml: str
    found: list[str]
    """recognised elements, in the order met"""
    warnings: list[tuple[str, str]]
    """(where, message): lines kept as printed because nothing recognised them, located as `12` (line) or
    `第2页第5行` (PDF); where is empty for a warning about the whole reply"""
    fallback_lines: int
    format: str = "txt"


def import_reply(path: Path, templates: Templates, issuer: str = DEFAULT_ISSUER,
                 limits: Limits | None = None, converted: Path | None = None) -> Imported:
    """One source as reply YAML; limits (default: from the REPLYGEN_* variables) bound what reading it may cost.
    `converted`: the DOCX LibreOffice made of a .doc/.wps/.rtf/.odt (see office.convert), else made here."""
    source = resplit(read_source(path, limits, converted))
    if not source.lines:
        raise ReplyError.at("文件中没有文字", path)
    try:
        draft = recognise(source, issuer)
    except NotAReply:
        raise ReplyError.at("看不出这是一份答复：没有标题、主送、开头语或日期，或者没有正文", path) from None
    result = assemble(draft, source, templates)
    header = f"由 replygen import 从 {path.name} 导入（{_how(source)}）。as_printed 中是按原样保留的印刷文字。"
    text = to_yaml(result, header)
    _check(path, text, shape(source.text), templates)
    warnings = sorted(draft.warnings, key=lambda w: (w[0].page or 0, w[0].no) if w[0] else (0, 0))
    return Imported(path, text, draft.found, [(line.where if line else "", message) for line, message in warnings],
                    draft.fallback_lines, source.format)


def _how(source) -> str:
    return f"编码：{source.encoding}" if source.format in ("txt", "docx") else f"格式：{source.format}，{source.encoding}"


def _check(path: Path, text: str, target: tuple[str, ...], templates: Templates) -> None:
    """The written YAML itself, read by the real loader, must compose back to the source text, line for line."""
    doc = templates.compose(load_reply(path.with_suffix(".yaml"), text))
    if shape(doc.text) != target:
        raise ReplyError.at("内部错误：写出的 YAML 重新读取后与原文不一致", path)


def targets(args: list[Path], out_dir: Path) -> list[tuple[Path, Path]]:
    """(source, the YAML to write for it): each file argument, and the importable files (SUFFIXES) below each folder
    argument, sorted; each source once.

    The YAML sits where the source sits below its folder argument (as render places outputs), so that two
    folders' reply.txt stay two replies. A name already taken (reply.txt beside reply.docx, or two file arguments
    of one name) gets the source's suffix, then a number: reply.yaml, reply-docx.yaml, reply-docx-2.yaml. Text
    files choose first, so reply.txt is reply.yaml whether or not a reply.docx lies beside it."""
    found: dict[Path, Path] = {}
    for path, rel in files_below(args, SUFFIXES):
        found.setdefault(path, rel)
    taken: set[Path] = set()
    chosen: dict[Path, Path] = {}
    for path in sorted(found, key=lambda p: p.suffix.lower() != ".txt"):  # stable: sorted order within each
        chosen[path] = next(t for t in _names(out_dir / found[path]) if t not in taken)
        taken.add(chosen[path])
    return [(path, chosen[path]) for path in found]


def _names(place: Path) -> Iterator[Path]:
    """reply.yaml, reply-docx.yaml, reply-docx-2.yaml, … for place = out/reply.docx."""
    stem, ext = place.with_suffix(""), place.suffix.lstrip(".").lower()
    yield stem.with_name(f"{stem.name}.yaml")
    yield stem.with_name(f"{stem.name}-{ext}.yaml")
    for n in itertools.count(2):
        yield stem.with_name(f"{stem.name}-{ext}-{n}.yaml")
