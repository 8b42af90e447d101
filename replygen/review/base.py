"""The two sides a review compares: for each, a templates folder and the reply files.

`--base` is an existing templates folder, or else a git revision of the repository around the working
directory. An existing folder wins: `--base old-templates/` is that folder even if a branch has the same name.

- A folder: only the templates differ; both sides read the same reply files (a template review).
- A git revision: that revision's `templates/` *and* its version of every reply file under the sources, so a
  review against `HEAD~3` shows what changed in the templates and in the replies' YAML since then (with no
  template change, a content review). Replies outside the repository are read from the working tree on both
  sides; a reply missing on one side is reported as added or deleted.

`--head REV` takes the new side from a revision too (its templates, unless `--templates` is given, and its
replies), so two revisions can be compared without checking either out. Files from git are extracted with
`git archive` into a temporary folder that lives as long as the review; messages name them `REV:path`.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from replygen.errors import Problem, ReplyError
from replygen.render import reply_files

FOLDER = "templates"


class BaseError(ReplyError):
    """A side cannot be had: no such folder or revision, or no templates at that revision."""


@dataclass(frozen=True)
class Side:
    """One side of the comparison."""

    label: str
    """how the report names it: the folder, or 'git 版本 REV'"""
    templates: Path
    replies: dict[str, Path]
    """stem → the reply's YAML file on this side"""
    aliases: dict[str, str] = field(default_factory=dict)
    """temporary folder → how messages name it (REV:)"""

    def shown(self, message: str) -> str:
        for folder, name in self.aliases.items():
            message = message.replace(folder + "/", name)
        return message


@contextmanager
def sides(sources: Sequence[Path], base: str, templates: Path | None, head: str | None = None,
          default_templates: Path | None = None) -> Iterator[tuple[Side, Side]]:
    """(before, after) for `--base base`, `--templates templates` and `--head head`."""
    working = {rel.as_posix(): path for path, rel in reply_files(sources)}
    with ExitStack() as stack:
        if head is None:
            after_templates = templates or default_templates
            if after_templates is None:
                raise ValueError("templates or default_templates")
            after = Side(str(after_templates), after_templates, working)
        else:
            after = stack.enter_context(_revision(head, sources, templates, "新版本"))
        if Path(base).is_dir():
            before = Side(base, Path(base), after.replies)
        else:
            before = stack.enter_context(_revision(base, sources, None, "基准"))
        yield before, after


@contextmanager
def _revision(rev: str, sources: Sequence[Path], templates: Path | None, who: str) -> Iterator[Side]:
    repo = _repository(rev, who)
    inside = {s: s.resolve().relative_to(repo).as_posix() or "." for s in sources
              if s.resolve().is_relative_to(repo)}  # the others: read from the working tree
    wanted = [rel for rel in inside.values() if _git(repo, "cat-file", "-e", f"{rev}:{'' if rel == '.' else rel}")
              is not None]
    if templates is None:
        wanted.append(FOLDER)
    with tempfile.TemporaryDirectory(prefix="replygen-base-") as tmp:
        if wanted:
            archive = _git(repo, "archive", "--format=tar", rev, "--", *wanted)
            if archive is None:
                raise BaseError(Problem(f"无法从 git 版本 {rev} 取出 {'、'.join(wanted)}"))
            with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
                # git writes the archive from its own tree (no absolute or .. paths); the filter where Python has it
                tar.extractall(tmp, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
        root = Path(tmp)
        if templates is None and not (root / FOLDER).is_dir():
            raise BaseError(Problem(f"git 版本 {rev} 中没有模板目录 {FOLDER}/"))
        mapped = [(root / inside[s]) if s in inside else s for s in sources]
        replies = {rel.as_posix(): path for path, rel in reply_files([m for m in mapped if m.exists()])}
        yield Side(f"git 版本 {rev}", templates or root / FOLDER, replies, {str(root): f"{rev}:"})


def _repository(rev: str, who: str) -> Path:
    where = Path.cwd()
    top = _git(where, "rev-parse", "--show-toplevel")
    if top is None:
        raise BaseError(Problem(f"{who}“{rev}”不是已有目录；当前目录 {where} 也不在 git 仓库中，无法当作 git 版本读取"))
    repo = Path(top.decode().strip())
    if _git(repo, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}") is None:
        raise BaseError(Problem(f"{who}“{rev}”既不是已有目录，也不是仓库 {repo} 中的 git 版本（分支、标签或提交）"))
    return repo


def _git(cwd: Path, *args: str) -> bytes | None:
    """git's output, or None when git fails (or is missing)."""
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except OSError:
        return None
    return done.stdout if done.returncode == 0 else None
