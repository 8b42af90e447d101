"""The review as a self-contained HTML report: index.html, one page per changed reply, page images beside them.

The report's own templates (report/*.j2, shipped in the package) are trusted code, unlike the reply templates
under review; they are still autoescaped, because everything they show comes from replies and templates. Links
are relative and nothing is fetched from the network: the folder can be zipped, attached to a CI job, opened
from disk.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import jinja2

from replygen.errors import Problem, ReplyError
from replygen.output import atomic_write
from replygen.review.compare import CHANGED, FAILED, UNCHANGED, Comparison

REPLIES = "replies"
GENERATOR = "replygen review"
_MARK = f'<meta name="generator" content="{GENERATOR}">'


@dataclass
class Review:
    base: str
    """the base as given: a folder or a git revision"""
    templates: Path
    comparisons: list[Comparison]

    def with_status(self, status: str) -> list[Comparison]:
        found = [c for c in self.comparisons if c.status == status]
        if status == CHANGED:
            found.sort(key=lambda c: c.size, reverse=True)
        return found

    @property
    def exit_code(self) -> int:
        """0 nothing changed, 1 something changed, 2 some reply could not be rendered (the review is incomplete)."""
        if self.with_status(FAILED):
            return 2
        return 1 if self.with_status(CHANGED) else 0


def page_path(stem: str) -> str:
    return f"{REPLIES}/{stem}.html"


def check_target(report: Path) -> None:
    """Refuse to replace a folder that holds something other than an earlier report."""
    if not report.exists() or (report.is_dir() and not any(report.iterdir())):
        return
    index = report / "index.html"
    if not (index.is_file() and _MARK in index.read_text(encoding="utf-8", errors="replace")):
        raise ReplyError(Problem(f"报告目录 {report} 已存在，且不是 replygen 评审报告；为免覆盖，请换一个目录或先清空"))


def write_report(review: Review, staging: Path, report: Path) -> Path:
    """Write the pages into `staging` (which already holds the page images), then move it in place of `report`:
    an earlier report is replaced whole, never mixed with the new one. Returns index.html."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "report"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    changed, unchanged, failed = (review.with_status(status) for status in (CHANGED, UNCHANGED, FAILED))
    counts = {"total": len(review.comparisons), CHANGED: len(changed), UNCHANGED: len(unchanged), FAILED: len(failed)}
    common = {"review": review, "counts": counts, "generator": GENERATOR, "page_path": page_path}
    atomic_write(staging / "index.html", env.get_template("index.html.j2").render(
        root="", changed=changed, unchanged=unchanged, failed=failed, **common).encode())
    detail = env.get_template("reply.html.j2")
    for i, item in enumerate(changed):
        stem = PurePosixPath(item.stem)
        neighbours = {"previous": changed[i - 1] if i else None, "next": changed[i + 1] if i + 1 < len(changed) else None}
        html = detail.render(root="../" * len(stem.parts), item=item, assets=stem.name, position=i + 1,
                             **neighbours, **common)
        atomic_write(staging / page_path(item.stem), html.encode())
    check_target(report)
    if report.exists():
        shutil.rmtree(report)
    report.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(staging, report)
    return report / "index.html"
