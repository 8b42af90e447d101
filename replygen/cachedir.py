"""The per-user cache folder: what replygen keeps between runs only to start faster (compiled templates).

Nothing in it is ever needed: a folder that cannot be made, read or written, or that someone else could write
to, means working without it. Where it is: $REPLYGEN_CACHE_DIR, else $XDG_CACHE_HOME/replygen, else
~/.cache/replygen. Each kind of cached thing keeps a folder of its own there, named for what made it.
"""

from __future__ import annotations

import os
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
