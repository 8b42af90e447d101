"""An archived reply's text as numbered lines: plain text (UTF-8 or GB18030, detected) or a DOCX's paragraphs."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from replygen.errors import ReplyError

SPACE = re.compile(r"[\s\u3000\u00a0\ufeff]+")
"""White space as the round trip ignores it: ASCII and Unicode spaces, the ideographic space, NBSP, a stray BOM."""

_HEADER_KEY = re.compile(r"^[a-z_]+:")


@dataclass(frozen=True)
class Line:
    """One non-blank line of the source, trimmed, with its line number (DOCX: paragraph number)."""

    no: int
    text: str


@dataclass(frozen=True)
class Source:
    path: Path
    lines: tuple[Line, ...]
    encoding: str

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


def squeeze(text: str) -> str:
    """The text with all white space removed."""
    return SPACE.sub("", text)


def shape(text: str) -> tuple[str, ...]:
    """What the round trip compares: the text's lines, each without white space. Spaces are layout, but where a
    line breaks is not: a two-line title's split is its shape on the page (GB/T 9704 sets titles as a trapezoid or
    a diamond), so a template title that splits elsewhere must not pass for the source's."""
    return tuple(line for line in map(squeeze, text.split("\n")) if line)


def read_source(path: Path) -> Source:
    if path.suffix.lower() == ".docx":
        return Source(path, _docx_lines(path), "docx")
    raw = path.read_bytes()
    text, encoding = decode(raw, path)
    return Source(path, _text_lines(text.splitlines()), encoding)


def decode(raw: bytes, path: Path) -> tuple[str, str]:
    """UTF-8 (with or without BOM) first, then GB18030; anything else is not a text reply."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw, bom = raw[3:], "-sig"
    else:
        bom = ""
    for encoding in ("utf-8", "gb18030"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return text, encoding + (bom if encoding == "utf-8" else "")
    raise ReplyError.at("无法识别文件编码：应为 UTF-8 或 GB18030（GBK）的纯文本", path)


def _text_lines(raw_lines: list[str]) -> tuple[Line, ...]:
    start = _header_end(raw_lines)
    return tuple(Line(no, text) for no, line in enumerate(raw_lines[start:], start + 1)
                 if (text := _trim(line)))


def _header_end(raw_lines: list[str]) -> int:
    """Where the text begins: after a header block of `key: value` lines closed by `---`, when there is one."""
    if raw_lines and _HEADER_KEY.match(raw_lines[0]):
        for i, line in enumerate(raw_lines):
            if line.strip() == "---":
                return i + 1
    return 0


_RUN = re.compile(r"(\s)\s+")
_BREAKS = re.compile(r"[\t\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")


def _trim(line: str) -> str:
    """Trimmed, a run of spaces kept as its first one (tabs become spaces): white space is layout here."""
    return _RUN.sub(r"\1", _BREAKS.sub(" ", line).replace("\ufeff", "")).strip()


def _docx_lines(path: Path) -> tuple[Line, ...]:
    import docx

    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ReplyError.at(f"无法读取 DOCX 文件：{exc}", path) from None
    return tuple(Line(no, text) for no, p in enumerate(document.paragraphs, 1) if (text := _trim(p.text)))
