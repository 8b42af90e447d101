"""Measured layouts kept on disk between reviews (`replygen review --cache DIR`).

A reviewer tries one template change after another against the same base, and the base side's layouts are the
same every time: laying a reply out is most of a review's time, so the second review of an archive costs about
half the first. A layout depends on the composed document, the style and the renderer stack (replygen's own
code, the Python and native libraries, the font files by content); an entry's key hashes all of them, so it is
never served for anything else. Entries are JSON (data, never code: a cache folder another user can write
cannot make replygen run anything), written whole with their digest (cachedir.write_whole), so that workers
share the folder freely; an entry that cannot be read, is not whole or is malformed is a miss. Each of the 256
sub-folders keeps at most cachedir.MAX_FILES entries; delete the folder to reclaim it all.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from pathlib import Path

from replygen.cachedir import read_whole, write_whole
from replygen.check.measure import Line
from replygen.document import Document
from replygen.review.layout import Block, Layout
from replygen.style import Style

VERSION = 1
"""of the entries' format"""


@functools.cache
def _code_id() -> str:
    """replygen's own source, by content: a change to a writer moves every key, released or not."""
    h = hashlib.sha256()
    package = Path(__file__).resolve().parent.parent
    for path in sorted(package.rglob("*")):
        if path.suffix in {".py", ".css", ".j2"} and path.is_file():
            h.update(path.relative_to(package).as_posix().encode())
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


class LayoutCache:
    """One side's layouts: the key takes that side's style and its renderer stack."""

    def __init__(self, folder: Path, style: Style) -> None:
        from replygen.fingerprint import renderer_stack, stack_id

        self.folder = folder
        self._side = hashlib.sha256(json.dumps(
            [VERSION, _code_id(), stack_id(renderer_stack(style)), style.model_dump(mode="json")],
            sort_keys=True, ensure_ascii=False).encode()).digest()

    def key(self, doc: Document) -> str:
        h = hashlib.sha256(self._side)
        h.update(json.dumps(dataclasses.asdict(doc), sort_keys=True, ensure_ascii=False, default=_bytes).encode())
        return h.hexdigest()

    def get(self, key: str) -> Layout | None:
        body = read_whole(self._path(key))
        try:
            return _layout(json.loads(body)) if body is not None else None
        except (ValueError, TypeError, KeyError):
            return None

    def put(self, key: str, layout: Layout) -> None:
        """Best effort: a folder that cannot be written costs the next review its time, nothing else."""
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            return
        write_whole(path, json.dumps(dataclasses.asdict(layout), ensure_ascii=False, default=sorted).encode())

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"


def _bytes(value: object) -> str:
    if isinstance(value, bytes):
        return hashlib.sha256(value).hexdigest()
    raise TypeError(f"not JSON: {type(value).__name__}")


def _line(data: dict) -> Line:
    return Line(**{**data, "fonts": frozenset(data["fonts"])})


def _layout(data: dict) -> Layout:
    return Layout(data["pages"], tuple(b if b is None else Block(**b) for b in data["blocks"]),
                  tuple(_line(n) for n in data["page_numbers"]), data["pitch"], data["fill"])
