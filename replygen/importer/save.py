"""Writing an imported reply's YAML without ever losing a file already there: the output folder may hold replies
written or corrected by hand since an earlier import."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from replygen.errors import ReplyError
from replygen.output import atomic_write

HISTORY = ".history"
"""Earlier versions, as the workbench keeps them (replygen/web/store.py): <root>/.history/<name>/<time>-<sha>.yaml.
Hidden, so render, validate and the workbench's list pass them by."""


@dataclass(frozen=True)
class Saved:
    """What writing one YAML did: a new file, the same text already there, or a file replaced and kept as backup."""

    unchanged: bool = False
    backup: Path | None = None


def save(target: Path, text: str, root: Path, source: Path, overwrite: bool) -> Saved:
    """Write `text` to `target` (below `root`, the output folder). A different file already there is refused,
    unless `overwrite`: then it is kept under root/.history/ first."""
    data = text.encode("utf-8")
    old = target.read_bytes() if target.is_file() else None
    if old == data:
        return Saved(unchanged=True)
    backup = None
    if old is not None:
        if not overwrite:
            raise ReplyError.at(f"已有此文件，且内容与导入 {source} 的结果不同，未覆盖；确需覆盖时请加 --overwrite"
                                f"（原文件会先备份到 {root / HISTORY}/）", target)
        backup = _keep(target, root, old)
    atomic_write(target, data)
    return Saved(backup=backup)


def _keep(target: Path, root: Path, data: bytes) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    backup = root / HISTORY / target.relative_to(root).as_posix() / f"{stamp}-{hashlib.sha256(data).hexdigest()[:8]}.yaml"
    atomic_write(backup, data)
    return backup
