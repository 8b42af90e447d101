"""Every reply on both sides, on all cores: composed, laid out, measured and compared, in one pass.

One task per reply does everything that reply needs, so that it is loaded and composed once per side and
its layouts never leave the worker (only the measured `Layout`s and the text difference travel back).
Nothing is written: page images are made afterwards, for the few replies the report shows them for
(pictures.py). A reply whose two composed documents and styles are equal is unchanged without being laid out.

Workers are separate processes, as in `batch`, forked from the review's process once it has opened both
templates folders and warmed WeasyPrint; the same workers serve the survey and then the pictures (`Workers`);
each reply runs within the render limits (time, memory; limits.py); a worker that crashes takes only its own
reply down: what its pool had not finished is retried one reply at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from replygen import parallel
from replygen.compose import Templates, UnsafeTemplate
from replygen.errors import Problem, ReplyError
from replygen.load import load_reply
from replygen.review.base import Side
from replygen.review.change import Change, Measures, describe_change, failure, presence, reply_values
from replygen.review.layout import Layout, lay_out, measure_layout, pdf_bytes
from replygen.review.pages import PageDiff, compare_pages
from replygen.review.textdiff import TextDiff, diff_paragraphs

BEFORE, AFTER = "before", "after"
CHANGED, UNCHANGED, FAILED = "changed", "unchanged", "failed"

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class Comparison:
    """One reply, before and after."""

    stem: str
    """its path relative to the sources, without suffix (posix): 2026/245"""
    source: str
    """its file as the reviewer knows it (the working tree's, or REV:path when it exists only at the base)"""
    status: str = UNCHANGED
    text: TextDiff | None = None
    change: Change | None = None
    measures: Measures | None = None
    problems: dict[str, list[str]] = field(default_factory=dict)
    """side → why the reply could not be rendered with that side"""
    unsafe: list[str] = field(default_factory=list)
    """a template's refusal by the sandbox"""
    cached: int = 0
    """how many of its two layouts came from the layout cache"""

    @property
    def size(self) -> int:
        return self.text.removed + self.text.added if self.text else 0


@dataclass(frozen=True)
class Task:
    stem: str
    before: Path | None
    after: Path | None


class Workers:
    """The review's worker processes (parallel.Workers), forked once for the survey and the pictures from this
    process, which has opened both templates folders and warmed WeasyPrint and the fonts for them. With one
    worker, or when the first work is a single reply, the work is done in this process instead."""

    def __init__(self, before: Side, after: Side, workers: int, cache: Path | None = None) -> None:
        self.setup = (str(before.templates), str(after.templates), str(cache or ""))
        self.workers = workers
        self.cache = cache
        """where layouts are taken from and kept (cache.py), or None"""
        self._pool = parallel.Workers(workers, _limit_memory)
        self._ready = False

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.__exit__(*exc)

    def run(self, function: Callable[[T], R], tasks: list[T]) -> list[tuple[T, R | None]]:
        """(task, its result) for every task, in the tasks' order; None for a task whose worker crashed, also
        when retried alone."""
        if not self._ready:
            _init(*self.setup)
            self._ready = True
        if not self._pool.started and (self.workers <= 1 or len(tasks) <= 1):
            return [(task, function(task)) for task in tasks]
        results = dict(self._pool.run(function, tasks))
        return [(task, results[task]) for task in tasks]


def survey(before: Side, after: Side, workers: Workers,
           on_step: Callable[[str], None] = lambda message: None) -> list[Comparison]:
    """Compare every reply of either side. Raises ReplyError when a templates folder cannot be opened, and
    UnsafeTemplate when a template is refused by the sandbox (then the review does not go on)."""
    for side in (before, after):
        Templates.open(side.templates)  # a folder that is no templates folder stops the review here
    stems = sorted(before.replies.keys() | after.replies.keys())
    tasks = [Task(stem, before.replies.get(stem), after.replies.get(stem)) for stem in stems]
    on_step(f"比较 {len(tasks)} 份答复（{workers.workers} 个进程）……")
    done = [item if item is not None else _crashed(task) for task, item in workers.run(_compare, tasks)]
    if workers.cache is not None:
        on_step(f"排版缓存：{sum(c.cached for c in done)} 个排版取自 {workers.cache}")
    out = []
    for item in done:
        item.problems = {side: [(before if side == BEFORE else after).shown(p) for p in problems]
                         for side, problems in item.problems.items()}
        if item.unsafe:  # the templates are at fault, not this reply: no review with them
            raise UnsafeTemplate([Problem(after.shown(before.shown(p))) for p in item.unsafe])
        if item.problems:
            item.change = failure(item.problems)
        out.append(item)
    return out


def _crashed(task: Task) -> Comparison:
    item = Comparison(task.stem, str(task.after or task.before), FAILED)
    item.problems = {AFTER: [f"{task.after or task.before}: 生成进程意外退出（单独重试后仍然如此）"]}
    return item


# --- worker side ---------------------------------------------------------------------------------------------

_worker: dict[str, object] = {}


def _init(before: str, after: str, cache: str = "") -> None:
    from replygen.limits import Limits
    from replygen.review.cache import LayoutCache
    from replygen.writers.pdf import warm_up

    sides = {BEFORE: Templates.open(Path(before)), AFTER: Templates.open(Path(after))}
    for templates in sides.values():
        warm_up(templates.style)
    caches = {side: LayoutCache(Path(cache), t.style) for side, t in sides.items()} if cache else {}
    _worker.update(sides=sides, limits=Limits.from_env(), caches=caches)


def _limit_memory() -> None:
    """A forked worker's start: cap its memory (the review process itself is never capped)."""
    from replygen.limits import limit_process_memory

    limit_process_memory(_worker["limits"])  # type: ignore[arg-type]


def _measured(item: Comparison, side: str, doc) -> Layout:
    """The side's layout of `doc`, from the cache when it holds it."""
    cache = _worker["caches"].get(side)  # type: ignore[attr-defined]
    key = cache.key(doc) if cache else ""
    if cache and (known := cache.get(key)) is not None:
        item.cached += 1
        return known
    layout = measure_layout(lay_out(doc, _worker["sides"][side].style), doc)  # type: ignore[index]
    if cache:
        cache.put(key, layout)
    return layout


def _compare(task: Task) -> Comparison:
    from replygen.limits import render_limits

    sides: dict[str, Templates] = _worker["sides"]  # type: ignore[assignment]
    item = Comparison(task.stem, str(task.after or task.before))
    if task.before is None or task.after is None:
        item.status = CHANGED
        item.change = presence(AFTER if task.before is None else BEFORE)
        return item
    composed = {}
    for side, path in ((BEFORE, task.before), (AFTER, task.after)):
        try:
            with render_limits(path, _worker["limits"]):  # type: ignore[arg-type]
                reply = load_reply(path)
                composed[side] = (reply, sides[side].compose(reply))
        except UnsafeTemplate as err:
            item.unsafe = [str(p) for p in err.problems]
        except ReplyError as err:
            item.problems[side] = [str(p) for p in err.problems]
        except Exception as exc:  # a bug, not the reply's fault: still only this reply's failure
            item.problems[side] = [f"{path}: 内部错误：{type(exc).__name__}: {exc}"]
    if item.problems or item.unsafe:
        item.status = FAILED
        return item
    (old_reply, old), (new_reply, new) = composed[BEFORE], composed[AFTER]
    item.text = diff_paragraphs(old.paragraphs, new.paragraphs)
    if old.paragraphs == new.paragraphs and sides[BEFORE].style == sides[AFTER].style:
        return item  # the same document in the same style: the same pages
    layouts: dict[str, Layout] = {}
    for side, doc, path in ((BEFORE, old, task.before), (AFTER, new, task.after)):
        try:
            with render_limits(path, _worker["limits"]):  # type: ignore[arg-type]
                layouts[side] = _measured(item, side, doc)
        except ReplyError as err:
            item.problems[side] = [str(p) for p in err.problems]
        except Exception as exc:
            item.problems[side] = [f"{path}: 内部错误：{type(exc).__name__}: {exc}"]
    if item.problems:
        item.status = FAILED
        return item
    try:
        values = {**reply_values(new_reply.reply), **reply_values(old_reply.reply)}
        item.change, item.measures = describe_change(item.text, old.paragraphs, new.paragraphs,
                                                     (layouts[BEFORE], layouts[AFTER]), values)
    except Exception as exc:  # a bug in the review itself: this reply's failure, reported, not the review's end
        item.problems[AFTER] = [f"{task.after}: 内部错误（比较）：{type(exc).__name__}: {exc}"]
        item.status = FAILED
        return item
    item.status = CHANGED if item.change.facts else UNCHANGED
    return item


# --- page images, for the few replies the report shows them for ----------------------------------------------

def pictures(tasks: list[tuple[Task, Path]], workers: Workers) -> dict[str, list[PageDiff]]:
    """stem → its pages before, after and their difference, written as images into the folder given with it.
    A reply that cannot be pictured (it failed on a side, or its worker crashed) is left out."""
    done = [result for _, result in workers.run(_picture, tasks)]
    return {stem: pages for stem, pages in filter(None, done) if pages is not None}


def _picture(job: tuple[Task, Path]) -> tuple[str, list[PageDiff] | None]:
    from replygen.limits import render_limits

    task, folder = job
    sides: dict[str, Templates] = _worker["sides"]  # type: ignore[assignment]
    pdfs: dict[str, bytes | None] = {}
    try:
        for side, path in ((BEFORE, task.before), (AFTER, task.after)):
            if path is None:
                pdfs[side] = None
                continue
            with render_limits(path, _worker["limits"]):  # type: ignore[arg-type]
                doc = sides[side].compose(load_reply(path))
                pdfs[side] = pdf_bytes(lay_out(doc, sides[side].style), doc, sides[side].style)
        return task.stem, compare_pages(pdfs[BEFORE], pdfs[AFTER], folder)
    except ReplyError:  # it failed on a side: its page shows why instead
        return task.stem, None
