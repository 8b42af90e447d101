"""Committing a reply's outputs: all formats or none, no temporary file left, durable before the manifest."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from replygen import output
from replygen.errors import ReplyError

from conftest import SEED_YAML


def replygen(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "replygen", *args], capture_output=True, text=True, timeout=300)


def test_render_changes_no_format_when_one_cannot_be_written(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "245.pdf").mkdir(parents=True)  # the PDF's target is a folder: it cannot be replaced
    (out / "245.docx").write_bytes(b"old")
    r = replygen("render", str(SEED_YAML), "-o", str(out))
    assert r.returncode == 1
    assert f"{out / '245.pdf'}: 无法写出" in r.stderr and "均未改动" in r.stderr and "Traceback" not in r.stderr
    assert (out / "245.docx").read_bytes() == b"old"
    assert sorted(p.name for p in out.iterdir()) == ["245.docx", "245.pdf"], "no temporary file remains"


def test_a_failed_rename_puts_back_the_files_already_renamed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b, c = tmp_path / "a.docx", tmp_path / "b.pdf", tmp_path / "new" / "c.pdf"
    a.write_bytes(b"old a")
    b.write_bytes(b"old b")
    real = os.replace

    def replace(src: str, dst: str) -> None:
        if Path(dst) == c:
            raise OSError(28, "No space left on device", str(dst))
        real(src, dst)

    monkeypatch.setattr(output.os, "replace", replace)
    with pytest.raises(ReplyError, match="均未改动"):
        output.commit({a: b"new a", b: b"new b", c: b"new c"})
    assert (a.read_bytes(), b.read_bytes(), c.exists()) == (b"old a", b"old b", False)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a.docx", "b.pdf", "new"]


def test_files_and_folders_are_fsynced_before_they_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A power cut after commit() must not leave an empty file: each temporary file is synced before its rename,
    and the folder (and a folder made for it) after the renames."""
    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(output.os, "fsync",
                        lambda fd: (events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}"))), real_fsync(fd)))
    monkeypatch.setattr(output.os, "replace", lambda s, d: (events.append(("replace", str(d))), real_replace(s, d)))
    target = tmp_path / "sub" / "a.pdf"
    output.commit({target: b"pdf"})
    synced_before = [path for kind, path in events[:events.index(("replace", str(target)))] if kind == "fsync"]
    assert any(Path(p).name.startswith(".a.pdf.") for p in synced_before), events
    assert str(tmp_path) in synced_before, "the new folder's entry is synced"
    assert events[-1] == ("fsync", str(target.parent))
    assert target.read_bytes() == b"pdf"



def test_formats_are_given_by_commas_or_by_repeating_the_option(tmp_path: Path) -> None:
    r = replygen("render", str(SEED_YAML), "-o", str(tmp_path / "out"), "--format", "pdf", "--format", "docx,pdf")
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["245.docx", "245.pdf"]
    r = replygen("render", str(SEED_YAML), "-o", str(tmp_path / "bad"), "--format", "pdf", "--format", "odt")
    assert r.returncode == 2 and "不支持的格式：odt" in r.stderr and not (tmp_path / "bad").exists()
