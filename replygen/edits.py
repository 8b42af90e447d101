"""Changing a reply file without losing anyone's edit, when several processes write one content folder: two
workbenches, `replygen lint --fix`, `replygen new`.

A change names the version it was made from (the sha256 of the bytes the editor, or lint, read) and is written
only if the file is still at that version; otherwise it is refused (Conflict) and the file is left as it is. The
check and the write happen while holding a lock file, so that between processes, not only between threads, they
are one step. The version a save replaces is kept under `.history/<file name>/` beside the file, and only when
the save happens. The lock and the history live in hidden folders beside the file (`.locks/`, `.history/`), which
every listing of replies skips, and are found from the file alone, so that every writer, whatever folder it was
given, takes the same lock.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
from pathlib import Path

from filelock import FileLock, Timeout

from replygen.output import atomic_write

HISTORY = ".history"
LOCKS = ".locks"
LOCK_WAIT = 10.0  # seconds; a save holds the lock for milliseconds, so a longer wait means a stuck writer

_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_DENIED = {errno.EACCES, errno.EPERM, errno.EROFS}


class Conflict(Exception):
    """The file is not at the version the change was made from: someone else saved in between."""

    def __init__(self, current: str | None):
        super().__init__(current)
        self.current = current


class WriteFailed(Exception):
    """The file could not be written (disk full, read-only folder, lock held too long); it is unchanged. The
    message is for the clerk; `full` tells a full disk from the other causes."""

    def __init__(self, message: str, full: bool = False):
        super().__init__(message)
        self.full = full


def version_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def history(path: Path) -> list[Path]:
    """Earlier versions of a reply, oldest first."""
    path = path.resolve()
    folder = path.parent / HISTORY / path.name
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


def save(path: Path, data: bytes, base: str | None) -> str:
    """Write `data` to `path` if the file is still at version `base` (None: only if there is no such file yet),
    keeping the version it replaces under .history/. Returns the new version. Raises Conflict, WriteFailed.
    A link is followed: the file it leads to is changed, under that file's lock, whichever name a writer used."""
    path = path.resolve()
    try:
        with FileLock(path.parent / LOCKS / f"{path.name}.lock", timeout=LOCK_WAIT):
            old = path.read_bytes() if path.is_file() else None
            current = None if old is None else version_of(old)
            if current != base:
                raise Conflict(current)
            if old != data:
                _replace(path, data, old)
    except Timeout:
        raise WriteFailed(f"未保存：{path.name} 正被另一个程序保存，请稍后再试。") from None
    except OSError as exc:
        raise _failed(path, exc) from exc
    return version_of(data)


def _replace(path: Path, data: bytes, old: bytes | None) -> None:
    """The history copy first, so that the replaced version is never only in memory; taken back if the file
    itself cannot be written, so that .history holds only versions that were really replaced."""
    kept = None
    if old is not None:
        kept = path.parent / HISTORY / path.name / f"{dt.datetime.now():%Y%m%d-%H%M%S-%f}-{version_of(old)[:8]}.yaml"
        atomic_write(kept, old)
    try:
        atomic_write(path, data)
    except BaseException:
        if kept is not None:
            kept.unlink(missing_ok=True)
            _remove_empty(kept.parent, stop=path.parent)
        raise


def _remove_empty(folder: Path, stop: Path) -> None:
    while folder != stop:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def _failed(path: Path, exc: OSError) -> WriteFailed:
    if exc.errno in _FULL:
        return WriteFailed(f"未保存：磁盘空间不足（或超过文件大小上限），无法写入 {path.name}；请清理磁盘后再保存。", full=True)
    if exc.errno in _DENIED:
        return WriteFailed(f"未保存：没有写入 {path.parent} 的权限（文件夹只读？）。")
    return WriteFailed(f"未保存：写入 {path.name} 时出错（{exc.strerror or exc}）。")
