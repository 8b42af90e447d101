"""Every reply rendered with two templates folders, and what changed between the two.

The text of each side comes from composing in this process (cheap, and where a hostile template is refused
before anything is rendered); the PDFs come from the batch machinery (all cores, crash isolation); the
rasterising and pixel comparison of each reply runs on all cores too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from replygen import batch
from replygen.compose import Templates, UnsafeTemplate
from replygen.document import Paragraph
from replygen.errors import ReplyError
from replygen.load import load_reply
from replygen.render import reply_files
from replygen.review.pages import PageDiff, compare_pages
from replygen.review.textdiff import TextDiff, diff_paragraphs

BEFORE, AFTER = "before", "after"
CHANGED, UNCHANGED, FAILED = "changed", "unchanged", "failed"


@dataclass
class Comparison:
    """One reply, before and after the template change."""

    stem: str
    """its path relative to the content folder, without suffix (posix): 2026/245"""
    source: Path
    status: str = UNCHANGED
    text: TextDiff | None = None
    pages: list[PageDiff] = field(default_factory=list)
    page_count: tuple[int, int] = (0, 0)
    problems: dict[str, list[str]] = field(default_factory=dict)
    """side → why the reply could not be rendered with that side's templates"""

    @property
    def kinds(self) -> list[str]:
        """What changed, in the reviewer's words: 文字 (the wording), 页数 (page count), 仅版面 (layout only)."""
        kinds = []
        if self.text is not None and self.text.changed:
            kinds.append("文字")
        if self.page_count[0] != self.page_count[1]:
            kinds.append("页数")
        if not kinds and any(page.changed for page in self.pages):
            kinds.append("仅版面")
        return kinds

    @property
    def changed_share(self) -> float:
        """the share of page pixels that changed, over all pages"""
        total = sum(page.total_pixels for page in self.pages)
        return sum(page.changed_pixels for page in self.pages) / total if total else 0.0

    @property
    def size(self) -> tuple[int, float]:
        """how big the change is, for sorting: characters changed, then pixels changed"""
        chars = self.text.removed + self.text.added if self.text else 0
        return chars, self.changed_share


def compare(sources: Iterable[Path], before: Path, after: Path, work: Path, assets: Path, workers: int,
            on_step: Callable[[str], None] = lambda message: None) -> list[Comparison]:
    """Compare every reply under `sources` as rendered with the templates `before` and `after`; page images go
    to `assets`/<stem>/; `work` is a scratch folder. Raises ReplyError when a templates folder cannot be used."""
    sources = list(sources)
    roots = {BEFORE: before, AFTER: after}
    comparisons = {rel.as_posix(): Comparison(rel.as_posix(), path) for path, rel in reply_files(sources)}
    paragraphs: dict[str, dict[str, tuple[Paragraph, ...]]] = {BEFORE: {}, AFTER: {}}
    for side, root in roots.items():
        templates = Templates.open(root)
        for item in comparisons.values():
            try:
                paragraphs[side][item.stem] = templates.compose(load_reply(item.source)).paragraphs
            except UnsafeTemplate:
                raise
            except ReplyError as err:
                item.problems[side] = [str(p) for p in err.problems]
    for side, root in roots.items():
        on_step(f"用{'基准' if side == BEFORE else '新'}模板生成 PDF……")
        summary = batch.batch(sources, work / side, templates_root=root, formats=["pdf"], workers=workers, force=True)
        for result in summary.failed:
            comparisons[result.job.stem].problems.setdefault(side, result.problems)
    tasks = []
    for item in comparisons.values():
        if item.problems:
            item.status = FAILED
            continue
        pdfs = tuple(work / side / f"{item.stem}.pdf" for side in roots)
        tasks.append((item, paragraphs[BEFORE][item.stem], paragraphs[AFTER][item.stem], pdfs, assets / item.stem))
    on_step(f"比较 {len(tasks)} 份答复的文字和页面")
    if workers > 1 and len(tasks) > 1:
        with ProcessPoolExecutor(min(workers, len(tasks))) as pool:
            done = list(pool.map(_compare_one, tasks))
    else:
        done = [_compare_one(task) for task in tasks]
    for item in done:
        comparisons[item.stem] = item
    return list(comparisons.values())


def _compare_one(task: tuple[Comparison, tuple[Paragraph, ...], tuple[Paragraph, ...], tuple[Path, Path], Path]
                 ) -> Comparison:
    item, before, after, (before_pdf, after_pdf), folder = task
    item.text = diff_paragraphs(before, after)
    old, new = before_pdf.read_bytes(), after_pdf.read_bytes()
    if old == new and not item.text.changed:
        return item
    item.pages = compare_pages(old, new, folder)
    item.page_count = (sum(p.before is not None for p in item.pages), sum(p.after is not None for p in item.pages))
    if item.kinds:
        item.status = CHANGED
    else:  # the PDFs differ in bytes only, not in anything a reader sees: no images needed
        item.pages = []
        for image in folder.iterdir():
            image.unlink()
        folder.rmdir()
    return item
