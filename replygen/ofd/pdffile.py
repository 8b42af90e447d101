"""The PDF as objects: a small reader of what pydyf writes, for layout.py to read the pages from.

Classic cross-reference tables and compressed ones (cross-reference and object streams), FlateDecode streams,
direct or indirect /Length, the page tree with inherited attributes; anything else is a PdfFileError. Values are
Python values: dict (names as keys, without the slash), list, int, float, bool, None, bytes (strings), Name and
Ref; a stream object is a Stream (its dictionary and where its data lies).
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from typing import Any

_WS = b" \t\r\n\f\x00"
_TOKEN = re.compile(rb"[^\s()<>\[\]{}/%\x00]+")
_REF = re.compile(rb"\s+(\d+)\s+R(?![^\s()<>\[\]{}/%\x00])")
_OBJ = re.compile(rb"\s*(\d+)\s+(\d+)\s+obj")
_STREAM = re.compile(rb"\s*stream\r?\n")
_NUMBERS = re.compile(rb"\[(?:[\s\d.+-]|\[[\s\d.+-]*\])*\]")
_NUMBER_PART = re.compile(rb"\[([^\]]*)\]|([-+]?(?:\d+\.?\d*|\.\d+))")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_STRING_ESCAPES = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b", ord("f"): b"\f"}


class PdfFileError(Exception):
    """The PDF is not made the way this reader reads (the message says where)."""


class Name(str):
    """A PDF name, without its slash."""


@dataclass(frozen=True)
class Ref:
    num: int


@dataclass(frozen=True)
class Stream:
    info: dict[str, Any]
    start: int
    """offset of the stream's first data byte in the file"""
    length: int


@dataclass(frozen=True)
class Page:
    box: tuple[float, float, float, float]
    """left, bottom, right, top"""
    resources: dict[str, Any]
    content: bytes
    """the content streams decoded and joined"""


@dataclass(frozen=True)
class ImageData:
    """An image XObject as stored: its dictionary and encoded data, and its soft mask's, if any."""

    info: dict[str, Any]
    data: bytes
    mask_info: dict[str, Any] | None
    mask_data: bytes | None


class PdfFile:
    def __init__(self, data: bytes):
        self.data = data
        self.trailer: dict[str, Any] = {}
        self._where: dict[int, tuple[int, int, int]] = {}  # object number → (1, offset, 0) or (2, stream, index)
        self._object_streams: dict[int, tuple[bytes, list[tuple[int, int]]]] = {}
        self._objects: dict[int, Any] = {}
        start = data.rfind(b"startxref", max(0, len(data) - 1024))
        match = re.match(rb"startxref\s+(\d+)", data[start:]) if start >= 0 else None
        if match is None:
            raise PdfFileError("no startxref")
        offset: int | None = int(match.group(1))
        seen = set()
        while offset is not None and offset not in seen:
            seen.add(offset)
            offset = self._xref_section(offset)

    # cross-reference sections

    def _xref_section(self, offset: int) -> int | None:
        """Read the section at `offset` (newer sections are read first and win); the previous section's offset."""
        if self.data.startswith(b"xref", offset):
            return self._xref_table(offset + 4)
        value, stream = self._indirect(offset)
        if not isinstance(stream, Stream) or value.get("Type") != "XRef":
            raise PdfFileError(f"no cross-reference section at {offset}")
        for key, item in value.items():
            self.trailer.setdefault(key, item)
        widths = value["W"]
        index = value.get("Index", [0, value["Size"]])
        rows = self.decoded(stream)
        row_size, position = sum(widths), 0
        for first, count in zip(index[::2], index[1::2], strict=True):
            for num in range(first, first + count):
                fields, at = [], position
                for width in widths:
                    fields.append(int.from_bytes(rows[at:at + width], "big") if width else 1)
                    at += width
                position += row_size
                if fields[0] in (1, 2):
                    self._where.setdefault(num, (fields[0], fields[1], fields[2]))
        return value.get("Prev")

    def _xref_table(self, at: int) -> int | None:
        lines = iter(self.data[at:].splitlines())
        for line in lines:
            head = line.split()
            if not head:
                continue
            if head[0] == b"trailer":
                break
            first, count = int(head[0]), int(head[1])
            for num in range(first, first + count):
                entry = next(lines).split()
                if entry[2] == b"n":
                    self._where.setdefault(num, (1, int(entry[0]), 0))
        trailer_at = self.data.index(b"trailer", at) + len(b"trailer")
        trailer, _ = _parse(self.data, trailer_at)
        for key, item in trailer.items():
            self.trailer.setdefault(key, item)
        if "XRefStm" in trailer:
            self._xref_section(trailer["XRefStm"])
        return trailer.get("Prev")

    # objects

    def get(self, num: int) -> Any:
        """The object's value: a dict, list, number, Name, bytes, Ref, None or a Stream (its dictionary and place);
        parsed once (callers do not change it)."""
        if num in self._objects:
            return self._objects[num]
        where = self._where.get(num)
        if where is None:
            value = None
        elif where[0] == 1:
            value = self._indirect(where[1])[1]
        else:
            data, offsets = self._object_stream(where[1])
            value = _parse(data, offsets[where[2]][1])[0]
        self._objects[num] = value
        return value

    def resolve(self, value: Any) -> Any:
        return self.get(value.num) if isinstance(value, Ref) else value

    def _indirect(self, offset: int) -> tuple[Any, Any]:
        """The object at `offset`: (its value or a stream's dictionary, its value or the Stream)."""
        match = _OBJ.match(self.data, offset)
        if match is None:
            raise PdfFileError(f"no object at {offset}")
        value, end = _parse(self.data, match.end())
        stream = _STREAM.match(self.data, end)
        if stream is None or not isinstance(value, dict):
            return value, value
        length = value.get("Length")
        if isinstance(length, Ref):
            length = self.get(length.num)
        if not isinstance(length, int) or stream.end() + length > len(self.data):
            raise PdfFileError(f"stream at {offset} has no valid /Length")
        return value, Stream(value, stream.end(), length)

    def _object_stream(self, num: int) -> tuple[bytes, list[tuple[int, int]]]:
        if num not in self._object_streams:
            stream = self.get(num)
            if not isinstance(stream, Stream) or stream.info.get("Type") != "ObjStm":
                raise PdfFileError(f"object {num} is not an object stream")
            data = self.decoded(stream)
            first, count = stream.info["First"], stream.info["N"]
            numbers = [int(v) for v in data[:first].split()[:2 * count]]
            offsets = [(numbers[2 * i], first + numbers[2 * i + 1]) for i in range(count)]
            self._object_streams[num] = (data, offsets)
        return self._object_streams[num]

    def raw(self, stream: Stream) -> bytes:
        return self.data[stream.start:stream.start + stream.length]

    def decoded(self, stream: Stream) -> bytes:
        """Stream data with its FlateDecode filter undone (the only filter pydyf writes, images aside)."""
        filters = stream.info.get("Filter")
        filters = filters if isinstance(filters, list) else [filters] if filters else []
        if any(f != "FlateDecode" for f in filters) or stream.info.get("DecodeParms"):
            raise PdfFileError(f"stream filter {filters} {stream.info.get('DecodeParms')} not supported")
        data = self.raw(stream)
        try:
            return zlib.decompress(data) if filters else data
        except zlib.error as exc:
            raise PdfFileError(f"stream data does not inflate ({exc})") from None

    def pages(self) -> list[Page]:
        """The pages in order, with the attributes they inherit."""
        root = self.resolve(self.trailer.get("Root"))
        if not isinstance(root, dict):
            raise PdfFileError("no document catalogue")
        out: list[Page] = []
        self._pages(self.resolve(root.get("Pages")), {}, out, set())
        return out

    def _pages(self, node: Any, inherited: dict[str, Any], out: list[Page], seen: set[int]) -> None:
        if not isinstance(node, dict) or len(seen) > 100_000:
            raise PdfFileError("broken page tree")
        attributes = {**inherited, **{k: node[k] for k in _INHERITED if k in node}}
        if node.get("Type") == "Pages" or "Kids" in node:
            for kid in self.resolve(node.get("Kids")) or []:
                if isinstance(kid, Ref):
                    if kid.num in seen:
                        raise PdfFileError("page tree loops")
                    seen.add(kid.num)
                self._pages(self.resolve(kid), attributes, out, seen)
            return
        box = [float(v) for v in self.resolve(attributes.get("MediaBox")) or []]
        crop = [float(v) for v in self.resolve(attributes.get("CropBox")) or box]
        if len(box) != 4 or len(crop) != 4:
            raise PdfFileError("page without MediaBox")
        box = [max(min(box[0], box[2]), min(crop[0], crop[2])), max(min(box[1], box[3]), min(crop[1], crop[3])),
               min(max(box[0], box[2]), max(crop[0], crop[2])), min(max(box[1], box[3]), max(crop[1], crop[3]))]
        if self.resolve(attributes.get("Rotate")) not in (None, 0):
            raise PdfFileError("rotated page")
        contents = self.resolve(node.get("Contents"))
        streams = [self.resolve(c) for c in contents] if isinstance(contents, list) else [contents] if contents else []
        if any(not isinstance(s, Stream) for s in streams):
            raise PdfFileError("page content is not a stream")
        data = b"\n".join(self.decoded(s) for s in streams)
        out.append(Page((box[0], box[1], box[2], box[3]), self.resolve(attributes.get("Resources")) or {}, data))

    def image(self, stream: Stream) -> ImageData:
        """An image XObject as stored, with its soft mask."""
        mask = self.resolve(stream.info.get("SMask"))
        mask = mask if isinstance(mask, Stream) else None
        return ImageData(stream.info, self.raw(stream), mask.info if mask else None, self.raw(mask) if mask else None)


_INHERITED = ("Resources", "MediaBox", "CropBox", "Rotate")


# the object syntax


def _skip_ws(data: bytes, pos: int) -> int:
    n = len(data)
    while pos < n:
        c = data[pos]
        if c in _WS:
            pos += 1
        elif c == 0x25:  # % comment, to the end of the line
            while pos < n and data[pos] not in b"\r\n":
                pos += 1
        else:
            break
    return pos


def _parse(data: bytes, pos: int) -> tuple[Any, int]:
    pos = _skip_ws(data, pos)
    if pos >= len(data):
        raise PdfFileError("unexpected end of data")
    c = data[pos]
    if data.startswith(b"<<", pos):
        out: dict[str, Any] = {}
        pos = _skip_ws(data, pos + 2)
        while not data.startswith(b">>", pos):
            key, pos = _parse(data, pos)
            if not isinstance(key, Name):
                raise PdfFileError(f"dictionary key {key!r} at {pos} is not a name")
            out[key], pos = _parse(data, pos)
            pos = _skip_ws(data, pos)
            if pos >= len(data):
                raise PdfFileError("unterminated dictionary")
        return out, pos + 2
    if c == 0x5B:  # [
        numbers = _NUMBERS.match(data, pos)
        if numbers:  # a font's /W: thousands of numbers, read at once
            return _numbers(numbers.group()), numbers.end()
        items = []
        pos = _skip_ws(data, pos + 1)
        while pos < len(data) and data[pos] != 0x5D:
            item, pos = _parse(data, pos)
            items.append(item)
            pos = _skip_ws(data, pos)
        if pos >= len(data):
            raise PdfFileError("unterminated array")
        return items, pos + 1
    if c == 0x2F:  # /
        match = _TOKEN.match(data, pos + 1)
        raw = match.group() if match else b""
        if b"#" in raw:
            raw = _NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), raw)
        return Name(raw.decode("latin-1")), pos + 1 + (match.end() - match.start() if match else 0)
    if c == 0x28:  # (
        return _literal(data, pos + 1)
    if c == 0x3C:  # <
        end = data.find(b">", pos)
        if end < 0:
            raise PdfFileError("unterminated hex string")
        digits = re.sub(rb"\s", b"", data[pos + 1:end])
        return bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode("ascii")), end + 1
    match = _TOKEN.match(data, pos)
    if match is None:
        raise PdfFileError(f"unexpected {data[pos:pos + 10]!r} at {pos}")
    token, end = match.group(), match.end()
    if token == b"true":
        return True, end
    if token == b"false":
        return False, end
    if token == b"null":
        return None, end
    try:
        number: int | float = int(token)
    except ValueError:
        try:
            return float(token), end
        except ValueError:
            raise PdfFileError(f"unexpected {token[:20]!r} at {pos}") from None
    ref = _REF.match(data, end)
    if ref:
        return Ref(number), ref.end()
    return number, end


def _numbers(text: bytes) -> list[Any]:
    """An array of numbers and arrays of numbers (a font's /W), as _NUMBERS matched it."""
    out: list[Any] = []
    for group, number in _NUMBER_PART.findall(text, 1, len(text) - 1):
        if number:
            out.append(_number(number))
        else:
            items = group.split()
            out.append(list(map(int, items)) if b"." not in group else [_number(v) for v in items])
    return out


def _number(token: bytes) -> int | float:
    try:
        return int(token)
    except ValueError:
        return float(token)


def _literal(data: bytes, pos: int) -> tuple[bytes, int]:
    out, depth, n = bytearray(), 1, len(data)
    while pos < n:
        c = data[pos]
        if c == 0x5C:  # backslash
            nxt = data[pos + 1] if pos + 1 < n else 0
            if nxt in _STRING_ESCAPES:
                out += _STRING_ESCAPES[nxt]
                pos += 2
            elif 0x30 <= nxt <= 0x37:
                match = re.match(rb"[0-7]{1,3}", data[pos + 1:pos + 4])
                out.append(int(match.group(), 8) & 0xFF)  # type: ignore[union-attr]
                pos += 1 + len(match.group())  # type: ignore[union-attr]
            elif nxt in b"\r\n":  # a line continuation
                pos += 3 if data[pos + 1:pos + 3] == b"\r\n" else 2
            else:
                out.append(nxt)
                pos += 2
            continue
        if c == 0x28:
            depth += 1
        elif c == 0x29:
            depth -= 1
            if depth == 0:
                return bytes(out), pos + 1
        out.append(c)
        pos += 1
    raise PdfFileError("unterminated string")
