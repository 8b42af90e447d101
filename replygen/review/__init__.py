"""Template (and content) review: what a change does to every reply, grouped by kind of change, as an HTML report.

    base.py      the two sides: templates folders and reply files (a folder, or a git revision)
    survey.py    every reply composed, laid out and measured on both sides, on all cores; page images
    cache.py     measured layouts kept on disk between reviews (`--cache`)
    layout.py    WeasyPrint's layout measured as `check` measures a PDF, line by line, element by element
    textdiff.py  paragraph- and character-level difference of the text
    change.py    one reply's change, abstracted into facts that another reply changed the same way shares
    groups.py    groups of the same change, and the outliers
    pages.py     page images before/after and a difference image
    report.py    the HTML report (report/*.j2, trusted templates of our own) and the JSON for CI

Page images cost most of a report's bytes and a good share of its time, so only the replies that show a kind
of change are pictured: each group's representative and the outliers, at most PICTURED in all (`--pictures N`; 0 for a CI run that reads only the JSON) (largest groups
first, then outliers). Every other changed reply has its own page with its text difference and measures; the
reviewer sees its kind of change in its group's pictures, and can have its own pictures by reviewing that
reply alone (the page gives the command). Images are not made lazily in the browser: the report is a static
folder opened from disk or a CI artefact, with no server to render them and no PDFs in it to render from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from replygen.review.base import sides
from replygen.review.groups import group
from replygen.review.report import REPLIES, Review, check_target, publish, staging, write_json, write_report
from replygen.review.survey import Task, Workers, pictures, survey

__all__ = ["PICTURED", "Review", "review"]

PICTURED = 30
"""replies with page images, at most (`--pictures`): each is 0.1–1 MB, whatever the archive's size"""


def review(sources: Iterable[Path], base: str, templates: Path | None, report: Path, workers: int, *,
           head: str | None = None, default_templates: Path | None = None, json_path: Path | None = None,
           command: str = "", pictured: int = PICTURED, cache: Path | None = None,
           on_step: Callable[[str], None] = lambda message: None) -> tuple[Review, Path]:
    """Compare the replies under `sources` on the `base` side and the new side; write the report (and the JSON).
    Returns the review and its index.html. Raises ReplyError when the review cannot be made (no report then)."""
    sources = list(sources)
    check_target(report)
    with sides(sources, base, templates, head, default_templates) as (before, after), \
            Workers(before, after, workers, cache) as pool:
        on_step(f"基准：{before.label}；新：{after.label}")
        comparisons = survey(before, after, pool, on_step)
        groups, outliers = group(comparisons)
        result = Review(before.label, after.label, comparisons, groups, outliers, command=command)
        with staging(report) as scratch:
            chosen = _to_picture(result, pictured)
            if chosen:
                on_step(f"为 {len(chosen)} 份答复（各组代表和需要注意的答复）生成页面图片……")
                tasks = [(Task(c.stem, before.replies.get(c.stem), after.replies.get(c.stem)),
                          scratch / REPLIES / c.stem) for c in chosen]
                result.pictured = pictures(tasks, pool)
            write_report(result, scratch)
            publish(scratch, report)
    if json_path is not None:
        write_json(result, json_path)
    return result, report / "index.html"


def _to_picture(result: Review, limit: int) -> list:
    """Each group's representative, largest groups first, then the outliers; failed replies have no pages."""
    chosen = {}
    for candidate in [g.representative for g in result.groups] + [o.item for o in result.outliers]:
        if candidate.status != "failed" and len(chosen) < limit:
            chosen.setdefault(candidate.stem, candidate)
    return list(chosen.values())
