"""The per-user cache folder: what replygen keeps between runs only to start faster (compiled templates).

Nothing in it is ever needed: a folder that cannot be made, read or written, or that someone else could write
to, means working without it. Where it is: $REPLYGEN_CACHE_DIR, else $XDG_CACHE_HOME/replygen, else
~/.cache/replygen. Each kind of cached thing keeps a folder of its own there, named for what made it; each file
carries a SHA-256 digest of its contents and is written whole under a temporary name, then renamed into place.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import tempfile
from pathlib import Path

ENV_VAR = "REPLYGEN_CACHE_DIR"


def cache_root() -> Path:
    if folder := os.environ.get(ENV_VAR):
        return Path(folder)
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache"  # the XDG rule: a relative path is ignored
    return base / "replygen"


def private_folder(name: str) -> Path | None:
    """The folder `name` under the cache root, made if need be and readable and writable by this user only;
    None when it cannot be made or another user could write to it (its contents would then be untrusted)."""
    try:
        folder = cache_root() / name
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.stat()
    except (OSError, RuntimeError):  # RuntimeError: no home folder to expand ~ from
        return None
    if hasattr(os, "getuid") and (info.st_uid != os.getuid() or info.st_mode & 0o022):
        return None
    return folder


_DIGEST = hashlib.sha256().digest_size


def read_whole(path: Path) -> bytes | None:
    """What write_whole wrote to `path`, if it is there and whole (its digest checks out); else None."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    digest, body = data[:_DIGEST], data[_DIGEST:]
    return body if len(digest) == _DIGEST and hashlib.sha256(body).digest() == digest else None


def read_marshalled_dict(path: Path) -> dict:
    """The dict marshal.dumps made of what write_whole wrote to `path`; an empty one when the file is missing, not
    whole or not a marshalled dict. The caller checks its entries."""
    data = read_whole(path)
    try:
        kept = marshal.loads(data) if data is not None else {}
    except (EOFError, ValueError, TypeError):
        return {}
    return kept if isinstance(kept, dict) else {}


MAX_FILES = 2000
"""files one cache folder keeps: past that, writing a file removes the older half (templates opened from ever new
temporary folders, as `review --base` does, would otherwise add files without end)"""


def write_whole(path: Path, body: bytes) -> None:
    """Write `body` and its digest to `path`, whole or not at all (a reader never sees it half done); a failure
    to write is ignored: the cache is only ever a shortcut."""
    tmp: str | None = None
    try:
        with tempfile.NamedTemporaryFile("wb", dir=path.parent, prefix=f".{path.name}.", delete=False) as f:
            tmp = f.name
            f.write(hashlib.sha256(body).digest() + body)
        os.replace(tmp, path)
        _prune(path.parent)
    except OSError:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _prune(folder: Path) -> None:
    """Past MAX_FILES files, remove the older half (by modification time; another process may remove them too)."""
    with os.scandir(folder) as entries:
        files = [e for e in entries if e.is_file(follow_symlinks=False)]
    if len(files) <= MAX_FILES:
        return
    files.sort(key=lambda e: e.stat(follow_symlinks=False).st_mtime)
    for entry in files[: len(files) - MAX_FILES // 2]:
        with contextlib.suppress(OSError):
            os.unlink(entry.path)


def source_digest(*modules: object) -> str | None:
    """A digest of the source files of `modules` (module objects): the code whose output a cache keeps; None when
    one cannot be read (then nothing should be cached)."""
    digest = hashlib.sha256()
    for module in modules:
        try:
            digest.update(Path(getattr(module, "__file__", None) or "").read_bytes())
        except OSError:
            return None
    return digest.hexdigest()
