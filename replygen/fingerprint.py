"""Fingerprints of what a reply's output depends on: its YAML, its issuer profile, the templates and style, the
font files serving each role, and replygen's version. Computed without parsing the YAML, so that checking a
thousand unchanged replies stays well under the time to render one."""

from __future__ import annotations

import hashlib
import re

from replygen import __version__
from replygen.compose import Templates
from replygen.fonts import resolve

_ISSUER = re.compile(rb"^issuer:[ \t]*['\"]?([^'\"\s#]+)", re.MULTILINE)


class Fingerprinter:
    def __init__(self, templates: Templates):
        h = hashlib.sha256(f"replygen {__version__}\n".encode())
        issuers = templates.root / "issuers"
        for path in sorted(p for p in templates.root.rglob("*") if p.is_file() and issuers not in p.parents):
            h.update(path.relative_to(templates.root).as_posix().encode() + b"\0" + path.read_bytes())
        for role, font in sorted(resolve(templates.style).items()):
            for face in (font.face, *font.fallbacks):
                if face is not None:
                    stat = face.file.stat()
                    h.update(f"{role}\0{face.file}\0{face.index}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
        self._base = h.hexdigest()
        self._issuers = {p.stem: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(issuers.glob("*.yaml"))}
        self._all_issuers = hashlib.sha256("".join(self._issuers.values()).encode()).hexdigest()

    def of(self, source: bytes) -> str:
        match = _ISSUER.search(source)
        issuer = self._issuers.get(match[1].decode(errors="replace"), self._all_issuers) if match else self._all_issuers
        return hashlib.sha256(f"{self._base}\0{issuer}\0".encode() + hashlib.sha256(source).digest()).hexdigest()
