"""The review as a self-contained HTML report (and, for CI, the same groups as JSON).

    index.html              the verdict, the outliers, the groups largest first, the unchanged replies
    groups/gNNN.html        one group: what changed, its representative in full, every member by name
    replies/<stem>.html     one changed reply: its text difference, its measures, its pages when pictured
    replies/<stem>/*.png    page images before, after and their difference

Page images exist only for the pictured replies (pictures.py decides which); every other member's page shows
its own text difference and measures and points to its group's representative for the pictures.

The report's own templates (report/*.j2, shipped in the package) are trusted code, unlike the reply templates
under review; they are still autoescaped, because everything they show comes from replies and templates. Links
are relative and nothing is fetched from the network: the folder can be zipped, attached to a CI job, opened
from disk. The report is written into a scratch folder beside the target and renamed into place, so a review
that fails leaves no partial report and an earlier report untouched.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import jinja2

from replygen import __version__
from replygen.errors import Problem, ReplyError
from replygen.output import atomic_write
from replygen.review.groups import Group, Outlier
from replygen.review.pages import PageDiff
from replygen.review.survey import CHANGED, FAILED, UNCHANGED, Comparison

REPLIES = "replies"
GROUPS = "groups"
GENERATOR = "replygen review"
_MARK = f'<meta name="generator" content="{GENERATOR}">'


@dataclass
class Review:
    base: str
    """the old side, as the reviewer named it"""
    new: str
    comparisons: list[Comparison]
    groups: list[Group] = field(default_factory=list)
    outliers: list[Outlier] = field(default_factory=list)
    pictured: dict[str, list[PageDiff]] = field(default_factory=dict)
    command: str = ""
    """the review's command line, without the sources: shown where a reply's pictures can be had"""

    def with_status(self, status: str) -> list[Comparison]:
        return [c for c in self.comparisons if c.status == status]

    @property
    def counts(self) -> dict[str, int]:
        counts = {status: len(self.with_status(status)) for status in (CHANGED, UNCHANGED, FAILED)}
        return {"total": len(self.comparisons), **counts, "groups": len(self.groups), "outliers": len(self.outliers)}

    @property
    def exit_code(self) -> int:
        """0 nothing changed, 1 something changed, 2 some reply could not be rendered (the review is incomplete)."""
        if self.with_status(FAILED):
            return 2
        return 1 if self.with_status(CHANGED) else 0

    def group_of(self, stem: str) -> Group | None:
        return next((g for g in self.groups if any(m.stem == stem for m in g.members)), None)


def page_path(stem: str) -> str:
    return f"{REPLIES}/{stem}.html"


def group_path(group: Group) -> str:
    return f"{GROUPS}/{group.slug}.html"


# --- where the report goes -------------------------------------------------------------------------------------

def check_target(report: Path) -> None:
    """Refuse, before any work, a target that holds something other than an earlier report, or that cannot be
    written: its nearest existing folder is no folder, or does not let us create anything in it."""
    if report.exists() and not report.is_dir():
        raise ReplyError(Problem(f"报告目录 {report} 是一个文件，不是目录；请换一个目录"))
    if report.is_dir() and any(report.iterdir()):
        index = report / "index.html"
        if not (index.is_file() and _MARK in index.read_text(encoding="utf-8", errors="replace")):
            raise ReplyError(Problem(f"报告目录 {report} 已存在，且不是 replygen 评审报告；为免覆盖，请换一个目录或先清空"))
    existing = report.resolve()
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise ReplyError(Problem(f"无法创建报告目录 {report}：{existing} 是文件，不是目录"))
    try:
        tempfile.TemporaryDirectory(prefix=".replygen-probe-", dir=existing).cleanup()
    except OSError as err:
        raise ReplyError(Problem(f"无法写入报告目录 {report}：{existing} 不可写（{err.strerror or err}）；"
                                 "请换一个有写权限的目录")) from None


@contextmanager
def staging(report: Path) -> Iterator[Path]:
    """A scratch folder beside `report` (same file system: it is renamed into place); removed, with any folder
    made for it, unless `publish` moved it. Failing to create it is the reviewer's error, in Chinese."""
    parent = report.resolve().parent
    made = []
    folder = parent
    while not folder.exists():
        made.append(folder)
        folder = folder.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".{report.name}.replygen-", dir=parent))
    except OSError as err:
        _remove_empty(made)
        raise ReplyError(Problem(f"无法写入报告目录 {report}：{err.strerror or err}")) from None
    try:
        yield scratch
    finally:
        if scratch.exists():
            shutil.rmtree(scratch, ignore_errors=True)
            _remove_empty(made)


def _remove_empty(folders: list[Path]) -> None:
    for folder in folders:  # deepest first
        with suppress(OSError):
            folder.rmdir()


def publish(scratch: Path, report: Path) -> None:
    """Put the finished report in place of `report`: an earlier report is replaced whole, never mixed."""
    check_target(report)
    old = None
    if report.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{report.name}.old-", dir=report.resolve().parent))
        os.replace(report, old / "report")
    try:
        os.replace(scratch, report)
    except OSError:
        if old is not None:
            os.replace(old / "report", report)
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


# --- the pages -------------------------------------------------------------------------------------------------

def write_report(review: Review, scratch: Path) -> None:
    """Every page of the report into `scratch` (which already holds the page images)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "report"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    outlier_of = {o.item.stem: o for o in review.outliers}
    common = {"review": review, "counts": review.counts, "generator": GENERATOR, "page_path": page_path,
              "group_path": group_path, "outlier_of": outlier_of, "pictured": review.pictured}
    _write(scratch / "index.html", env.get_template("index.html.j2").render(
        root="", unchanged=review.with_status(UNCHANGED), **common))
    group_page, reply_page = env.get_template("group.html.j2"), env.get_template("reply.html.j2")
    for group in review.groups:
        representative = group.representative
        _write(scratch / group_path(group), group_page.render(
            root="../", group=group, item=representative, assets=f"../{REPLIES}/{representative.stem}",
            **common))
        for i, item in enumerate(group.members):
            stem = PurePosixPath(item.stem)
            neighbours = {"previous": group.members[i - 1] if i else None,
                          "next": group.members[i + 1] if i + 1 < len(group.members) else None}
            _write(scratch / page_path(item.stem), reply_page.render(
                root="../" * len(stem.parts), group=group, item=item, assets=stem.name, position=i + 1,
                **neighbours, **common))


def _write(path: Path, html: str) -> None:
    atomic_write(path, html.encode())


def as_json(review: Review) -> dict:
    """The groups for CI: what a pipeline needs to decide and to point a reviewer at."""
    return {
        "generator": GENERATOR, "version": __version__, "base": review.base, "new": review.new,
        "exit_code": review.exit_code, "counts": review.counts,
        "groups": [{
            "id": g.slug, "count": len(g.members), "failed": g.failed, "kinds": g.change.kinds,
            "description": g.description, "facts": [{"kind": f.kind, "text": f.text} for f in g.change.facts],
            "representative": g.representative.stem, "members": [m.stem for m in g.members],
            "outliers": sorted(g.outliers), "page": group_path(g),
        } for g in review.groups],
        "outliers": [{"reply": o.item.stem, "group": o.group.slug, "reasons": o.reasons,
                      "page": page_path(o.item.stem)} for o in review.outliers],
        "failed": {c.stem: c.problems for c in review.with_status(FAILED)},
        "unchanged": [c.stem for c in review.with_status(UNCHANGED)],
    }


def write_json(review: Review, path: Path) -> None:
    atomic_write(path, json.dumps(as_json(review), ensure_ascii=False, indent=1).encode())
