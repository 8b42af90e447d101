"""Writing outputs so that neither an error nor a power cut leaves half a file behind, the formats of one reply
change together or not at all, and an unchanged file is left alone."""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
import tempfile
from pathlib import Path

from replygen.errors import Location, Problem, ReplyError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_MODE = 0o666 & ~_umask()
_WHY = {errno.EISDIR: "是文件夹", errno.ENOENT: "不存在（可能已被删除或移动）", errno.ENOSPC: "磁盘空间不足",
        errno.EACCES: "没有权限", errno.EPERM: "没有权限", errno.EROFS: "只读文件系统",
        errno.ENOTDIR: "路径中有同名的文件", errno.ELOOP: "符号链接循环"}
_TEMPORARY = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp")
"""the names _stage and _backup give (mkstemp: prefix, 8 random characters, suffix)"""


def atomic_write(target: Path, data: bytes) -> None:
    """Write to a temporary file beside target, then rename it into place: a reader sees the old file or the
    whole new one, also after a power cut. The file gets the usual permissions (mkstemp alone would leave it
    readable by its owner only)."""
    _commit({Path(target): data})


def commit(outputs: dict[Path, bytes]) -> int:
    """Give every target its new bytes, all of them or none: the outputs of one reply (DOCX and PDF) never
    disagree. Targets that already hold exactly these bytes are left alone; returns how many files changed."""
    changed = {target: data for target, data in outputs.items() if not _holds(target, data)}
    try:
        _commit(changed)
    except OSError as exc:
        raise ReplyError(Problem(f"无法写出（{describe(exc)}），这份答复的输出文件均未改动",
                                 Location(Path(exc.filename)))) from None
    return len(changed)


def describe(exc: OSError) -> str:
    """Why a file could not be read or written, in words a clerk reads."""
    return _WHY.get(exc.errno or 0, exc.strerror or str(exc))


def _commit(outputs: dict[Path, bytes]) -> None:
    """Stage each file (written and fsync'ed beside its target), then rename them all into place; when any step
    fails, put back what was renamed and remove every temporary file. Directories are fsync'ed last, so that the
    renames survive a power cut too."""
    staged: dict[Path, Path] = {}
    replaced: list[tuple[Path, Path | None]] = []  # (target, a link to its old file, or None: there was none)
    target = None
    try:
        for target, data in outputs.items():
            staged[target] = _stage(target, data)
        for target, tmp in staged.items():
            backup = _backup(target)
            try:
                os.replace(tmp, target)
            except BaseException:
                if backup is not None:
                    backup.unlink()
                raise
            replaced.append((target, backup))
    except BaseException as exc:
        _put_back(replaced)
        if isinstance(exc, OSError) and target is not None:  # name the output, not its temporary file
            exc.filename, exc.filename2 = str(target), None
        raise
    finally:
        for path in [*staged.values(), *(backup for _, backup in replaced if backup is not None)]:
            path.unlink(missing_ok=True)
    for folder in dict.fromkeys(target.parent for target in outputs):
        _fsync_dir(folder)


def _stage(target: Path, data: bytes) -> Path:
    _make_dirs(target.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            os.fchmod(f.fileno(), _MODE)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def _backup(target: Path) -> Path | None:
    """A second name for target's current file (a hard link, else a copy), so that a failed commit can put it
    back; None when target does not exist yet."""
    if not target.is_file():
        return None
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    backup = Path(name)
    backup.unlink()
    try:
        os.link(target, backup)
    except OSError:  # a file system without hard links
        shutil.copy2(target, backup)
    return backup


def _put_back(replaced: list[tuple[Path, Path | None]]) -> None:
    for target, backup in reversed(replaced):
        if backup is None:
            target.unlink(missing_ok=True)
        else:
            os.replace(backup, target)


def _make_dirs(folder: Path) -> None:
    """mkdir -p, fsync'ing the parent of each folder made, so that a new folder's entry is durable too."""
    if folder.is_dir():
        return
    _make_dirs(folder.parent)
    folder.mkdir(exist_ok=True)
    _fsync_dir(folder.parent)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _holds(target: Path, data: bytes) -> bool:
    try:
        return target.is_file() and target.stat().st_size == len(data) and sha256_file(target) == hashlib.sha256(
            data).hexdigest()
    except OSError:
        return False


def sweep_temporaries(folder: Path) -> int:
    """Remove the temporary files that a killed run left below folder (only names this module gives); how many.
    Call it only while holding the folder's lock: another run's temporaries are in use."""
    swept = 0
    for path in folder.rglob(".*.tmp"):
        if _TEMPORARY.fullmatch(path.name) and path.is_file():
            path.unlink(missing_ok=True)
            swept += 1
    return swept


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
