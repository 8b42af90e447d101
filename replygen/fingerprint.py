"""Fingerprints of what a reply's output depends on: its YAML, its issuer profile, the templates and style, and
the renderer stack (replygen, the Python libraries and native libraries that lay out and write the files, and the
font file serving each role, by content). Computed without parsing the YAML or importing WeasyPrint, so that
checking a thousand unchanged replies stays well under the time to render one."""

from __future__ import annotations

import ctypes
import hashlib
import json
import platform
import re
import zlib
from importlib import metadata
from pathlib import Path

from replygen import __version__
from replygen.compose import Templates
from replygen.fonts import resolve
from replygen.output import sha256_file
from replygen.style import Style

_ISSUER = re.compile(rb"^issuer:[ \t]*['\"]?([^'\"\s#]+)", re.MULTILINE)

PACKAGES = ("weasyprint", "pydyf", "tinycss2", "cssselect2", "pyphen", "fonttools", "python-docx", "lxml",
            "jinja2", "pyyaml", "zlib-ng")
"""the Python distributions whose upgrade can change a DOCX or PDF byte"""

_NATIVE = (  # (name, the sonames WeasyPrint loads, the function that tells the version)
    ("pango", ("libpango-1.0.so.0", "libpango-1.0.dylib"), "pango_version_string"),
    ("harfbuzz", ("libharfbuzz.so.0", "libharfbuzz.0.dylib"), "hb_version_string"),
    ("harfbuzz-subset", ("libharfbuzz-subset.so.0", "libharfbuzz-subset.0.dylib"), None),
    ("fontconfig", ("libfontconfig.so.1", "libfontconfig.1.dylib"), "FcGetVersion"),
)


def renderer_stack(style: Style) -> dict[str, str]:
    """Everything besides the inputs that decides the output bytes, as {component: version or identity}. Read
    once per run: package metadata, one call into each native library, and a hash of each font file."""
    stack = {"replygen": __version__, "python": platform.python_version(), "zlib": zlib.ZLIB_RUNTIME_VERSION}
    for name in PACKAGES:
        try:
            stack[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            stack[name] = "无"
    for name, sonames, call in _NATIVE:
        stack[name] = _native_version(sonames, call)
    digests: dict[Path, str] = {}
    for role, font in sorted(resolve(style).items()):
        faces = [face for face in (font.face, *font.fallbacks) if face is not None]
        for n, face in enumerate(faces):
            if face.file not in digests:
                digests[face.file] = sha256_file(face.file)
            stack[f"字体 {role}" + (f" 补字{n}" if n else "")] = f"{face.file}#{face.index} sha256:{digests[face.file][:16]}"
        if not faces:
            stack[f"字体 {role}"] = "缺失"
    return stack


def stack_id(stack: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(stack, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def stack_changes(old: dict[str, str], new: dict[str, str]) -> list[str]:
    """What differs between two stacks, one '名称 旧 → 新' per component."""
    return [f"{key} {old.get(key, '无')} → {new.get(key, '无')}" for key in sorted(old.keys() | new.keys())
            if old.get(key) != new.get(key)]


def _native_version(sonames: tuple[str, ...], call: str | None) -> str:
    for soname in sonames:
        try:
            lib = ctypes.CDLL(soname)
        except OSError:
            continue
        if call is None:
            return "有"
        function = getattr(lib, call)
        if call == "FcGetVersion":  # an int: major * 10000 + minor * 100 + revision
            function.restype = ctypes.c_int
            n = function()
            return f"{n // 10000}.{n // 100 % 100}.{n % 100}"
        function.restype = ctypes.c_char_p
        return function().decode()
    return "无"


class Fingerprinter:
    """One run's fingerprints: the stack and the templates are read once, then each reply costs a hash."""

    def __init__(self, templates: Templates):
        self.stack = renderer_stack(templates.style)
        self.stack_id = stack_id(self.stack)
        h = hashlib.sha256(json.dumps(self.stack, sort_keys=True, ensure_ascii=False).encode())
        issuers = templates.root / "issuers"
        for path in sorted(p for p in templates.root.rglob("*") if p.is_file() and issuers not in p.parents):
            h.update(path.relative_to(templates.root).as_posix().encode() + b"\0" + path.read_bytes())
        self._base = h.hexdigest()
        self._issuers = {p.stem: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(issuers.glob("*.yaml"))}
        self._all_issuers = hashlib.sha256("".join(self._issuers.values()).encode()).hexdigest()

    def of(self, source: bytes) -> str:
        match = _ISSUER.search(source)
        issuer = self._issuers.get(match[1].decode(errors="replace"), self._all_issuers) if match else self._all_issuers
        return hashlib.sha256(f"{self._base}\0{issuer}\0".encode() + hashlib.sha256(source).digest()).hexdigest()
