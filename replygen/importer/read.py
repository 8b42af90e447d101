"""An archived reply's text as numbered lines: plain text (UTF-8 or GB18030, detected), a DOCX's paragraphs, a PDF's
paragraphs from its layout (pdf.py), a web page's reply block (html.py); .doc/.wps/.rtf/.odt come as DOCX made by
LibreOffice (office.py). Every format gives the same Lines, so the recogniser never knows where they came from."""

from __future__ import annotations

import io
import os
import re
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from replygen.errors import ReplyError
from replygen.importer.office import OFFICE_SUFFIXES, converted_one
from replygen.limits import Limits, too_large, variable

SPACE = re.compile(r"[\s\u3000\u00a0\ufeff]+")
"""White space as the round trip ignores it: ASCII and Unicode spaces, the ideographic space, NBSP, a stray BOM."""

_HEADER_KEY = re.compile(r"^[a-z_]+:")
HTML_SUFFIXES = (".html", ".htm", ".mhtml", ".mht")


@dataclass(frozen=True)
class Line:
    """One non-blank line of the source, trimmed, with its line number (DOCX: paragraph number; PDF: the row on
    its page where the paragraph starts, and the page)."""

    no: int
    text: str
    page: int | None = None

    @property
    def where(self) -> str:
        """The place a clerk looks: `12` (line), or `第2页第5行` in a PDF."""
        return f"第{self.page}页第{self.no}行" if self.page else str(self.no)


@dataclass(frozen=True)
class Source:
    path: Path
    lines: tuple[Line, ...]
    encoding: str
    """the text's encoding, or the format it was read from (docx, pdf)"""
    format: str = "txt"

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


def read_source(path: Path, limits: Limits | None = None, converted: Path | None = None) -> Source:
    """The source's lines, within the limits (default: from the REPLYGEN_* variables). A .doc/.wps/.rtf/.odt is
    read from `converted`, its DOCX made by office.convert (converted here when not given)."""
    limits = limits or Limits.from_env()
    suffix = path.suffix.lower()
    if suffix in OFFICE_SUFFIXES:
        if converted is None:
            with tempfile.TemporaryDirectory(prefix="replygen-import-") as work:
                return read_source(path, limits, converted_one(path, limits, Path(work)))
        raw = read_bounded(converted, limits.import_bytes)
        return Source(path, docx_lines(path, raw, limits), "LibreOffice 转换", suffix.lstrip("."))
    raw = read_bounded(path, limits.import_bytes)
    if suffix == ".docx":
        return Source(path, docx_lines(path, raw, limits), "docx", "docx")
    if suffix == ".pdf":
        from replygen.importer.pdf import pdf_paragraphs

        lines = tuple(Line(p.row, text, p.page) for p in pdf_paragraphs(path, raw) if (text := _trim(p.text)))
        return Source(path, lines, "文字层", "pdf")
    if suffix in HTML_SUFFIXES:
        from replygen.importer.html import page_lines

        found, encoding = page_lines(path, raw)
        return Source(path, tuple(Line(no, text) for no, line in found if (text := _trim(line))), encoding,
                      suffix.lstrip("."))
    text, encoding = decode(raw, path)
    return Source(path, _text_lines(text.splitlines()), encoding)


def read_bounded(path: Path, limit: int) -> bytes:
    """The file's bytes, refused by its size before reading, and by what was read (a file still growing)."""
    with path.open("rb") as f:
        size = os.fstat(f.fileno()).st_size
        raw = f.read(limit + 1) if size <= limit else b""
    if size > limit or len(raw) > limit:
        raise too_large(path, max(size, len(raw)), limit, variable("import_mb"))
    return raw


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


def docx_lines(path: Path, raw: bytes, limits: Limits) -> tuple[Line, ...]:
    import docx
    from lxml.etree import XMLSyntaxError

    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile:
        raise ReplyError.at("不是 DOCX 文件：不是 zip 压缩包（若是 .doc 或 WPS 格式，请先另存为 .docx）", path) from None
    _check_unpacked(archive, path, limits)
    try:
        document = docx.Document(io.BytesIO(raw))
    except (KeyError, ValueError):
        raise ReplyError.at("不是 Word 文档：压缩包中没有 Word 正文（word/document.xml）", path) from None
    except XMLSyntaxError as exc:
        raise ReplyError.at(f"DOCX 文件已损坏：其中的 XML 无法解析（第 {exc.lineno} 行）", path) from None
    # a soft line break (Shift+Enter, "\n" in python-docx's text) starts a new line on the page: a two-line title
    # typed as one paragraph keeps its split
    return tuple(Line(no, text) for no, p in enumerate(document.paragraphs, 1)
                 for part in p.text.split("\n") if (text := _trim(part)))


_WORD_COMPRESSION = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
"""What OOXML packages may use. zipfile inflates bzip2 and lzma a whole read at once, beyond any chunk bound."""


def _check_unpacked(archive: zipfile.ZipFile, path: Path, limits: Limits) -> None:
    """Refuse a zip bomb before python-docx inflates it: by the sizes the zip declares, then, since those can lie,
    by inflating every part a chunk at a time and counting, never holding more than a chunk."""
    parts = archive.infolist()
    if any(part.compress_type not in _WORD_COMPRESSION for part in parts):
        raise ReplyError.at("DOCX 文件使用了 Word 不用的压缩方式（只接受 stored 和 deflate），不予读取", path)
    if sum(part.file_size for part in parts) > limits.unpacked_bytes:
        raise _unpacked_too_large(path, limits)
    total = 0
    try:
        for part in parts:
            with archive.open(part) as stream:
                while chunk := stream.read(1 << 20):
                    total += len(chunk)
                    if total > limits.unpacked_bytes:
                        raise _unpacked_too_large(path, limits)
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError):
        raise ReplyError.at("DOCX 文件已损坏：压缩包中的内容无法解压（或已加密）", path) from None


def _unpacked_too_large(path: Path, limits: Limits) -> ReplyError:
    return ReplyError.at(f"DOCX 文件解压后超过 {limits.unpacked_mb} MB 的上限（可能是“压缩炸弹”），不予读取；"
                         f"确需处理时可设置环境变量 {variable('unpacked_mb')}", path)
