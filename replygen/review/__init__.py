"""Template review: what a change of the templates does to every reply, as an HTML report.

    base.py      the base templates: a folder, or templates/ at a git revision
    compare.py   both sides rendered (batch machinery) and compared per reply
    textdiff.py  paragraph- and character-level difference of the text
    pages.py     page images before/after and a difference image
    report.py    the HTML report (report/*.j2, trusted templates of our own)
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from replygen.review.base import base_templates
from replygen.review.compare import compare
from replygen.review.report import REPLIES, Review, check_target, write_report

__all__ = ["Review", "review"]


def review(sources: Iterable[Path], base: str, templates: Path, report: Path, workers: int,
           on_step: Callable[[str], None] = lambda message: None) -> tuple[Review, Path]:
    """Compare the replies under `sources` rendered with `base` and with `templates`; write the report.
    Returns the review and its index.html. Raises ReplyError when the review cannot be made (no report then)."""
    check_target(report)
    with base_templates(base) as base_root, tempfile.TemporaryDirectory(prefix="replygen-review-") as tmp:
        on_step(f"基准模板：{base}{'' if Path(base).is_dir() else '（git 版本）的 templates/'}；新模板：{templates}")
        work = Path(tmp)
        staging = work / "report"
        comparisons = compare(sources, base_root, templates, work, staging / REPLIES, workers, on_step)
        result = Review(base, templates, comparisons)
        return result, write_report(result, staging, report)
