"""Which files a command's arguments stand for (a file for itself, a folder for the matching files below it), and
the rule that keeps what a templates folder names inside that folder."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path


def files_below(args: Iterable[Path], suffixes: Iterable[str]) -> Iterator[tuple[Path, Path]]:
    """(file, its path relative to the folder argument) for each argument. Below a folder: files whose suffix is
    one of `suffixes` (any case), sorted, except in hidden folders (.history/ holds earlier versions), hidden files
    and Word's lock files (~$名称.docx)."""
    wanted = {s.lower() for s in suffixes}
    for arg in args:
        if not arg.is_dir():
            yield arg, Path(arg.name)
            continue
        for path in sorted(arg.rglob("*")):
            rel = path.relative_to(arg)
            if (path.suffix.lower() in wanted and path.is_file() and not path.name.startswith("~$")
                    and not any(part.startswith(".") for part in rel.parts)):
                yield path, rel


class OutsideRoot(ValueError):
    """A name that leads out of the folder it was read from; its message says so in Chinese."""


def inside(root: Path, name: str | Path) -> Path:
    """`root/name` with every symbolic link followed, provided it stays inside `root`: the one rule for each file
    replygen reads on behalf of a templates folder (templates, style.yaml, issuer profiles, the skeleton, font files
    the style names). A folder from another office may link its parts to each other, never to the rest of the
    machine: `{% include 'x.txt' %}` with x.txt → /etc/passwd would print that file into the reply."""
    real_root = Path(root).resolve()
    try:
        path = (real_root / name).resolve()
    except (OSError, RuntimeError):  # a loop of links
        raise OutsideRoot(f"“{Path(name).as_posix()}”是循环的符号链接") from None
    if not path.is_relative_to(real_root):
        raise OutsideRoot(f"“{Path(name).as_posix()}”在模板目录之外（指向 {path}）")
    return path


def links_leaving(root: Path) -> list[Path]:
    """Every symbolic link below `root` (files and folders, hidden ones too) whose target is outside it. Links are
    checked where they are, without following linked folders: a link that stays inside points at a place that is
    walked anyway."""
    found = []
    for folder, dirs, files in os.walk(root):
        for name in (*dirs, *files):
            path = Path(folder) / name
            if path.is_symlink():
                try:
                    inside(root, path.relative_to(root))
                except OutsideRoot:
                    found.append(path)
    return sorted(found)
