"""The templates a review compares against: a folder, or the same templates folder at a git revision.

An existing folder wins: `--base old-templates/` is that folder even if a branch has the same name. Anything
else is a git revision (`HEAD~1`, `main`, a tag, a commit) of the git repository around the working directory,
whose `templates/` folder at that revision is extracted with `git archive` into a temporary folder.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from replygen.errors import Problem, ReplyError

FOLDER = "templates"


class BaseError(ReplyError):
    """The base cannot be had: no such folder or revision, or no templates at that revision."""


@contextmanager
def base_templates(base: str) -> Iterator[Path]:
    """The base templates folder; one extracted from git lives as long as the context."""
    if Path(base).is_dir():
        yield Path(base)
        return
    where = Path.cwd()
    top = _git(where, "rev-parse", "--show-toplevel")
    if top is None:
        raise BaseError(Problem(f"基准“{base}”不是已有目录；当前目录 {where} 也不在 git 仓库中，无法当作 git 版本读取"))
    repo = Path(top.decode().strip())
    if _git(repo, "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}") is None:
        raise BaseError(Problem(f"基准“{base}”既不是已有目录，也不是仓库 {repo} 中的 git 版本（分支、标签或提交）"))
    archive = _git(repo, "archive", "--format=tar", base, "--", FOLDER)
    if archive is None:
        raise BaseError(Problem(f"git 版本 {base} 中没有模板目录 {FOLDER}/"))
    with tempfile.TemporaryDirectory(prefix="replygen-base-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            # git writes the archive from its own tree (no absolute or .. paths); the filter where Python has it
            tar.extractall(tmp, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
        yield Path(tmp) / FOLDER


def _git(cwd: Path, *args: str) -> bytes | None:
    """git's output, or None when git fails (or is missing)."""
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except OSError:
        return None
    return done.stdout if done.returncode == 0 else None
