"""Rendering for the workbench, off the event loop: WeasyPrint is CPU-bound, so pages and downloads are made in a
few worker processes, and the server stays free to answer the list and the editor meanwhile.

At most `workers` renders run at once and at most `queue` wait; beyond that a request is refused (Busy) rather
than piling up. A preview still waiting when a newer one for the same reply arrives is dropped (superseded): only
the text the clerk sees last is worth rendering.

Each worker exists to render: its memory is capped and each render is timed (replygen.limits), so a runaway reply
or template costs a Chinese problem in the preview, not the server. A worker that dies anyway (killed, out of
memory in C code) takes the pool with it; the next request starts a new one.
"""

from __future__ import annotations

import asyncio
import dataclasses
import multiprocessing
import signal
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path

from replygen.compose import Templates
from replygen.errors import Location, Problem, ReplyError
from replygen.limits import Limits, limit_process_memory, render_limits
from replygen.load import load_reply
from replygen.web.catalog import unexpected

STOP_WAIT = 1.0  # seconds a worker gets to exit on SIGTERM before it is killed
WARM_SECONDS = 60.0


@dataclass(frozen=True)
class Rendered:
    """What a worker sends back: the files (PNG pages, or one PDF/DOCX), or the problems that prevented them."""

    files: list[bytes] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


class Busy(Exception):
    """Too many renders waiting."""


_templates: dict[str, Templates] = {}
_limits = Limits()


def _open(root: str) -> Templates:
    if root not in _templates:
        _templates[root] = Templates.open(Path(root))
    return _templates[root]


def _start_worker(root: str, limits: Limits, warm: Synchronized) -> None:
    """A new worker: Ctrl+C is the server's to handle (it stops the workers itself, without their tracebacks);
    memory is capped; then one draft is rendered, so that the templates are open, WeasyPrint imported and the fonts
    loaded (2 s on the first render, a third of that afterwards) before the first preview, and `warm` counts it.
    That first render may take WARM_SECONDS even when renders are limited to less."""
    global _limits
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    limit_process_memory(limits)
    _limits = dataclasses.replace(limits, render_seconds=max(limits.render_seconds, WARM_SECONDS))
    try:
        from replygen.skeleton import SKELETON, new_reply

        templates = _open(root)
        issuers = templates.issuer_ids()
        if issuers:
            render(root, str(templates.root / SKELETON), new_reply(templates, issuers[0], "proposal"), "png")
    except Exception:
        pass  # broken templates: each render will report them
    finally:
        _limits = limits
        with warm.get_lock():
            warm.value += 1


def _started() -> None:
    """A task that makes the pool start a worker (it starts them on demand) and waits for its warm-up."""


def render(root: str, path: str, text: str | None, fmt: str) -> Rendered:
    """In a worker: the reply at `path` (its `text` if given, else the file) as PNG pages ("png"), or "pdf", "docx"."""
    from replygen.raster import pdf_to_pngs
    from replygen.render import render_bytes

    try:
        with render_limits(Path(path), _limits):
            templates = _open(root)
            doc = templates.compose(load_reply(Path(path), text))
            if fmt == "png":
                return Rendered(pdf_to_pngs(render_bytes(doc, templates, "pdf")))
            return Rendered([render_bytes(doc, templates, fmt)])
    except ReplyError as err:
        return Rendered(problems=err.problems)
    except Exception as exc:  # a reply that passes the check but breaks a writer: the clerk reads why
        return Rendered(problems=[unexpected(Path(path), exc, "生成")])


class RenderPool:
    def __init__(self, templates_root: Path, limits: Limits, workers: int = 2, queue: int = 64):
        self.root = str(templates_root)
        self.limits = limits
        self.workers = workers
        self.queue = queue
        self._executor: ProcessPoolExecutor | None = None
        self._warm: Synchronized | None = None
        self._slots: asyncio.Semaphore | None = None
        self.waiting = 0
        self._latest: dict[str, int] = {}

    def start(self) -> None:
        self._slots = asyncio.Semaphore(self.workers)
        self._executor = self._spawn()

    def warm(self) -> int:
        """How many workers of the current pool have started and rendered once."""
        return 0 if self._warm is None else self._warm.value

    def _spawn(self) -> ProcessPoolExecutor:
        # spawn, not fork: the server has threads running, and a forked copy of their locks can deadlock
        context = multiprocessing.get_context("spawn")
        self._warm = context.Value("i", 0)
        executor = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_start_worker,
                                       initargs=(self.root, self.limits, self._warm))
        for _ in range(self.workers):
            executor.submit(_started)
        return executor

    def close(self) -> None:
        """Stop the workers now, even mid-render: what they make is only ever sent to a page, so nothing is lost,
        and Ctrl+C should not wait for a render (or a warm-up) to finish."""
        executor, self._executor = self._executor, None
        if executor is None:
            return
        # ProcessPoolExecutor can only wait for its workers (terminate_workers() arrives in Python 3.14)
        processes = list((executor._processes or {}).values())
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(STOP_WAIT)
            if process.is_alive():
                process.kill()
                process.join()
        executor.shutdown(wait=True, cancel_futures=True)

    async def preview(self, key: str, path: Path, text: str) -> Rendered | None:
        """The pages of `text`, or None when a newer preview with the same `key` (one editor's previews of one
        reply) came in while this one waited."""
        ticket = self._latest[key] = self._latest.get(key, 0) + 1
        try:
            return await self._run(path, text, "png", lambda: self._latest.get(key) != ticket)
        finally:
            if self._latest.get(key) == ticket:
                del self._latest[key]

    async def render(self, path: Path, fmt: str) -> Rendered:
        result = await self._run(path, None, fmt, lambda: False)
        assert result is not None
        return result

    async def _run(self, path: Path, text: str | None, fmt: str, superseded: Callable[[], bool]) -> Rendered | None:
        if self._executor is None or self._slots is None:
            raise RuntimeError("render pool not started")
        if self.waiting >= self.queue:
            raise Busy
        self.waiting += 1
        try:
            async with self._slots:
                if superseded():
                    return None
                executor, future = self._submit(path, text, fmt)
                try:
                    return await asyncio.wrap_future(future)
                except BrokenProcessPool:  # this render's worker died: most likely this reply exhausted it
                    self._replace(executor)
                    return Rendered(problems=[Problem(
                        "生成进程意外退出（可能是内存不足），已重新启动；请再试一次，如仍失败请缩短内容或检查模板",
                        Location(path))])
        finally:
            self.waiting -= 1

    def _submit(self, path: Path, text: str | None, fmt: str) -> tuple[ProcessPoolExecutor, Future]:
        """Submit a render; when a worker died since the last one (the pool is broken), to a new pool."""
        for _ in range(2):
            executor = self._executor
            if executor is None:
                raise RuntimeError("render pool closed")
            try:
                return executor, executor.submit(render, self.root, str(path), text, fmt)
            except BrokenProcessPool:
                self._replace(executor)
        raise BrokenProcessPool("a new pool broke at once")

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        """A new pool for the broken one, once: several renders may find the same pool broken."""
        if self._executor is broken:
            broken.shutdown(wait=False, cancel_futures=True)
            self._executor = self._spawn()
