"""Font roles → font files on this machine, for the PDF; and the names DOCX files use.

A role (fangsong, xiaobiaosong, hei, kai, song) lists candidates in style.yaml: family names looked up with
fontconfig ("Family" or "Family:bold") or font file paths. The first one present serves the role. Offices that
own the real fonts (仿宋_GB2312 …) name them first, or point REPLYGEN_FONTS at a YAML file of overrides.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pydantic import ConfigDict, RootModel

from replygen.errors import Problem, ReplyError, shown
from replygen.load import load_model
from replygen.style import FontRole, Style, is_font_file


@dataclass(frozen=True)
class Face:
    family: str
    file: Path
    index: int
    bold: bool


@dataclass(frozen=True)
class ResolvedFont:
    """What serves one role: the candidate that matched and the face behind it (None: nothing found)."""

    role: str
    docx_name: str
    candidate: str | None
    face: Face | None
    tried: tuple[str, ...]
    fallbacks: tuple[Face, ...] = ()
    """the role's later candidates that are installed too: they serve characters the first face lacks"""

    @property
    def css_family(self) -> str:
        """The family to name in CSS: the role's own @font-face name, bound to exactly the resolved file; or, for a
        face inside a font collection (which @font-face cannot pick), its fontconfig family."""
        if self.face is None:
            return "serif"
        return f"rg-{self.role}" if _single_face(self.face) else self.face.family

    @property
    def css_stack(self) -> str:
        """The CSS font-family list: the role's face, then its installed fallbacks (for rare characters)."""
        names = [self.css_family, *(f.family for f in self.fallbacks)]
        return ", ".join(f'"{n}"' for n in dict.fromkeys(names))

    @property
    def bold(self) -> bool:
        return bool(self.face and self.face.bold)


def _single_face(face: Face) -> bool:
    return face.index == 0 and face.file.suffix.lower() not in (".ttc", ".otc")


@cache
def installed_faces() -> tuple[Face, ...]:
    """Every face fontconfig knows, read once per process."""
    try:
        out = subprocess.run(["fc-list", "--format", "%{family}\t%{weight}\t%{file}\t%{index}\t%{style}\n"],
                             capture_output=True, text=True, check=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    faces = []
    for line in out.splitlines():
        families, weight, file, index, styles = ([*line.split("\t"), "", "", "", "0", ""])[:5]
        # fontconfig: weight 80 regular, 200 bold; some files (FandolSong-Bold) only say so in their style name
        bold = (int(weight) if weight.isdigit() else 80) >= 200 or "bold" in styles.lower()
        for family in families.split(","):
            faces.append(Face(family.strip(), Path(file), int(index or 0), bold))
    return tuple(faces)


def _find(candidate: str) -> Face | None:
    if is_font_file(candidate):
        path = Path(candidate).expanduser()
        return Face(path.stem, path, 0, False) if path.is_file() else None
    family, _, weight = candidate.partition(":")
    want_bold = weight.strip().lower() == "bold"
    matches = [f for f in installed_faces() if f.family.lower() == family.strip().lower()]
    exact = [f for f in matches if f.bold == want_bold]
    return (exact or matches or [None])[0]


class _Overrides(RootModel[dict[str, str | list[str]]]):
    """A REPLYGEN_FONTS file: role → a candidate or a list of them."""

    model_config = ConfigDict(strict=True, defer_build=True)  # built only where REPLYGEN_FONTS is set


def overrides(style: Style) -> dict[str, list[str]]:
    """Per-machine candidates from the YAML file named by REPLYGEN_FONTS: {role: [candidate, …]}. A file that
    cannot be read, is not such a mapping or names a role the style lacks is a ReplyError located in it."""
    name = os.environ.get("REPLYGEN_FONTS")
    if not name:
        return {}
    data, source = load_model(Path(name), _Overrides)
    unknown = [role for role in data.root if role not in style.fonts]
    if unknown:
        raise ReplyError([Problem(f"没有字体角色“{shown(role)}”（环境变量 REPLYGEN_FONTS 所指文件）；可用的有："
                                  + "、".join(style.fonts), source.locate((role,), key=True)) for role in unknown])
    return {role: [v] if isinstance(v, str) else v for role, v in data.root.items()}


def resolve(style: Style) -> dict[str, ResolvedFont]:
    extra = overrides(style)
    return {role: _resolve(role, spec, extra.get(role, [])) for role, spec in style.fonts.items()}


def _resolve(role: str, spec: FontRole, extra: list[str]) -> ResolvedFont:
    tried = (*extra, *spec.pdf)
    found = [(c, face) for c in tried if (face := _find(c)) is not None]
    if not found:
        return ResolvedFont(role, spec.docx, None, None, tried)
    (candidate, face), rest = found[0], found[1:]
    return ResolvedFont(role, spec.docx, candidate, face, tried, tuple(f for c, f in rest if not is_font_file(c)))


def font_face_css(fonts: dict[str, ResolvedFont]) -> str:
    """@font-face rules for roles served by a font file rather than a fontconfig family."""
    rules = []
    for font in fonts.values():
        if font.face and _single_face(font.face):
            weight = "bold" if font.face.bold else "normal"
            rules.append(f'@font-face {{ font-family: "rg-{font.role}"; src: url("{font.face.file.as_uri()}"); '
                         f"font-weight: {weight}; }}")
    return "\n".join(rules)


def fontconfig_aliases(fonts: dict[str, ResolvedFont]) -> str:
    """A fontconfig file mapping the DOCX font names to this machine's stand-ins, so that LibreOffice (and
    anything else using fontconfig) shows a replygen DOCX with the same faces as the PDF."""
    lines = ['<?xml version="1.0"?>', '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">', "<fontconfig>"]
    for font in fonts.values():
        if font.face is None:
            continue
        lines += ["  <match target=\"pattern\">",
                  f"    <test name=\"family\"><string>{font.docx_name}</string></test>",
                  f"    <edit name=\"family\" mode=\"assign\" binding=\"strong\"><string>{font.face.family}</string></edit>"]
        if font.face.bold:
            lines.append("    <edit name=\"weight\" mode=\"assign\" binding=\"strong\"><const>bold</const></edit>")
        lines.append("  </match>")
    lines.append("</fontconfig>")
    return "\n".join(lines) + "\n"


def harfbuzz_subset_available() -> bool:
    """WeasyPrint subsets fonts with HarfBuzz when libharfbuzz-subset is present, else with fontTools (~30× slower)."""
    import ctypes.util

    return ctypes.util.find_library("harfbuzz-subset") is not None
