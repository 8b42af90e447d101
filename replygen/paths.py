"""Which files a command's arguments stand for: a file for itself, a folder for the matching files below it."""

from __future__ import annotations

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
