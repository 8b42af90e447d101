"""Writing an imported reply's YAML without ever losing a file already there: the output folder may hold replies
written or corrected by hand since an earlier import. The write goes through edits.save, as the workbench's and
`lint --fix`'s do: under the file's lock, from the version read here, the replaced file kept under .history/."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from replygen.edits import HISTORY, Conflict, WriteFailed, history, version_of
from replygen.edits import save as save_edit
from replygen.errors import ReplyError
from replygen.output import atomic_write


@dataclass(frozen=True)
class Saved:
    """What writing one YAML did: a new file, the same text already there, or a file replaced and kept as backup."""

    unchanged: bool = False
    backup: Path | None = None


def save(target: Path, text: str, source: Path, overwrite: bool) -> Saved:
    """Write `text` to `target`. A different file already there is refused, unless `overwrite`: then it is kept
    in .history/ beside it first."""
    data = text.encode("utf-8")
    old = target.read_bytes() if target.is_file() else None
    if old == data:
        return Saved(unchanged=True)
    if old is not None and not overwrite:
        raise ReplyError.at(f"已有此文件，且内容与导入 {source} 的结果不同，未覆盖；确需覆盖时请加 --overwrite"
                            f"（原文件会先备份到 {target.parent / HISTORY}/）", target)
    if old is None:  # a new file: nothing to lose, and no lock folder left in a fresh import's output
        atomic_write(target, data)
        return Saved()
    try:
        save_edit(target, data, version_of(old))
    except Conflict:
        raise ReplyError.at("文件在导入期间被修改（可能是工作台或其他程序保存的），未覆盖；请重新导入", target) from None
    except WriteFailed as failed:
        raise ReplyError.at(str(failed), target) from None
    return Saved(backup=target.parent / HISTORY / target.name / history(target)[-1].name)  # as the clerk named it
