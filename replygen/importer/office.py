""".doc, .wps, .rtf and .odt replies: converted to DOCX by LibreOffice (headless), then read as DOCX.

One soffice run converts many files (its start-up costs seconds), with its own profile folder
(-env:UserInstallation) so that parallel runs, and a LibreOffice the user has open, do not collide. Each input is
copied under a numbered name first: two replies of one name (a.doc, a.wps) would otherwise become one a.docx.

LibreOffice opens almost anything, a damaged .doc as plain text among others; so the file's first bytes are
checked first, and Word's binary format is opened with the Word filter only: a file that is not what it claims,
or that the filter cannot load, is reported instead of being imported as garbage.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
from pathlib import Path

from replygen.errors import ReplyError
from replygen.limits import Limits

OFFICE_SUFFIXES = (".doc", ".wps", ".rtf", ".odt")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""Compound file: Word 97–2003 .doc, and the .wps WPS Office writes."""
TIMEOUT = 600


def kind(raw: bytes) -> str | None:
    """What the bytes are, as LibreOffice should open them: "word" (binary Word/WPS), "other" (RTF, ODT/DOCX zip,
    HTML saved as .doc), or None (nothing LibreOffice should be trusted with)."""
    head = raw[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if raw.startswith(_OLE):
        return "word"
    if head.startswith((b"{\\rtf", b"PK\x03\x04", b"<")):
        return "other"
    return None


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        raise ReplyError.at("导入 .doc、.wps、.rtf、.odt 需要 LibreOffice（soffice），本机没有找到；"
                            "请运行 bash scripts/setup.sh --import 安装", Path("soffice"))
    return found


def convert(paths: list[Path], work: Path, limits: Limits) -> dict[Path, Path | ReplyError]:
    """Each path's DOCX made by LibreOffice in `work`, or the error that says why there is none."""
    from replygen.importer.read import read_bounded

    out: dict[Path, Path | ReplyError] = {}
    groups: dict[str, list[tuple[Path, Path]]] = {"word": [], "other": []}
    inbox = work / "in"
    inbox.mkdir(parents=True, exist_ok=True)
    for n, path in enumerate(paths):
        try:
            raw = read_bounded(path, limits.import_bytes)
        except ReplyError as exc:
            out[path] = exc
            continue
        found = kind(raw)
        if found is None:
            out[path] = ReplyError.at(f"不是 Word、WPS、RTF 或 ODT 文档（文件内容与扩展名 {path.suffix} 不符），"
                                      "LibreOffice 无法打开", path)
            continue
        copy = inbox / f"{n}{path.suffix.lower()}"
        copy.write_bytes(raw)
        groups[found].append((path, copy))
    program = None
    for group, members in groups.items():
        if not members:
            continue
        try:
            program = program or soffice()
        except ReplyError as exc:
            out.update((path, ReplyError.at(exc.problems[0].message, path)) for path, _ in members)
            continue
        made = _run(program, [copy for _, copy in members], work, "MS Word 97" if group == "word" else None)
        for path, copy in members:
            docx = made / f"{copy.stem}.docx"
            out[path] = docx if docx.is_file() else ReplyError.at(
                "LibreOffice 无法打开此文件（可能已损坏、加密，或不是 Word/WPS 文档）", path)
    return out


def _run(program: str, files: list[Path], work: Path, infilter: str | None) -> Path:
    made = work / ("out-" + (infilter or "auto").replace(" ", "-"))
    profile = Path(tempfile.mkdtemp(prefix="lo-profile-", dir=work))
    command = [program, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
               *([f"--infilter={infilter}"] if infilter else []),
               "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(made), *map(str, files)]
    # on a timeout, what was converted before LibreOffice hung is there; the rest is reported as not converted
    with contextlib.suppress(subprocess.TimeoutExpired):
        subprocess.run(command, capture_output=True, timeout=TIMEOUT, check=False)
    return made


def convert_all(paths: list[Path], work: Path, limits: Limits) -> dict[Path, Path | ReplyError]:
    """The DOCX of each .doc/.wps/.rtf/.odt among `paths`, in one LibreOffice run (none when there are none)."""
    office = [path for path in paths if path.suffix.lower() in OFFICE_SUFFIXES]
    return convert(office, work, limits) if office else {}


def converted_one(path: Path, limits: Limits, work: Path) -> Path:
    """One file's DOCX, for a file imported on its own."""
    result = convert([path], work, limits)[path]
    if isinstance(result, ReplyError):
        raise result
    return result
