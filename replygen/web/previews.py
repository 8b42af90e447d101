"""Rendering for the workbench, off the event loop: WeasyPrint is CPU-bound, so pages and downloads are made in a
few worker processes, and the server stays free to answer the list and the editor meanwhile.

At most `workers` renders run at once and at most `queue` wait; beyond that a request is refused (Busy) rather
than piling up. A preview still waiting when a newer one for the same reply arrives is dropped (superseded): only
the text the clerk sees last is worth rendering.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import signal
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from replygen.compose import Templates
from replygen.errors import Problem, ReplyError
from replygen.load import load_reply
from replygen.web.catalog import unexpected


@dataclass(frozen=True)
class Rendered:
    """What a worker sends back: the files (PNG pages, or one PDF/DOCX), or the problems that prevented them."""

    files: list[bytes] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


class Busy(Exception):
    """Too many renders waiting."""


_templates: dict[str, Templates] = {}


def _open(root: str) -> Templates:
    if root not in _templates:
        _templates[root] = Templates.open(Path(root))
    return _templates[root]


def _ignore_interrupt() -> None:
    """Ctrl+C reaches the workers too; the server shuts them down itself, without their tracebacks."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _warm(root: str) -> None:
    """Render a new reply's draft once, so that a worker has the templates open, WeasyPrint imported and the fonts
    loaded (2 s on the first render, a third of that afterwards) before the first preview."""
    from replygen.skeleton import SKELETON, new_reply

    templates = _open(root)
    issuers = templates.issuer_ids()
    if issuers:
        render(root, str(templates.root / SKELETON), new_reply(templates, issuers[0], "proposal"), "png")


def render(root: str, path: str, text: str | None, fmt: str) -> Rendered:
    """In a worker: the reply at `path` (its `text` if given, else the file) as PNG pages ("png"), or "pdf", "docx"."""
    from replygen.raster import pdf_to_pngs
    from replygen.render import render_bytes

    templates = _open(root)
    try:
        doc = templates.compose(load_reply(Path(path), text))
        if fmt == "png":
            return Rendered(pdf_to_pngs(render_bytes(doc, templates, "pdf")))
        return Rendered([render_bytes(doc, templates, fmt)])
    except ReplyError as err:
        return Rendered(problems=err.problems)
    except Exception as exc:  # a reply that passes the check but breaks a writer: the clerk reads why
        return Rendered(problems=[unexpected(Path(path), exc, "生成")])


class RenderPool:
    def __init__(self, templates_root: Path, workers: int = 2, queue: int = 64):
        self.root = str(templates_root)
        self.workers = workers
        self.queue = queue
        self._executor: ProcessPoolExecutor | None = None
        self._slots: asyncio.Semaphore | None = None
        self._waiting = 0
        self._latest: dict[str, int] = {}

    def start(self) -> None:
        self._slots = asyncio.Semaphore(self.workers)
        self._executor = self._spawn()

    def _spawn(self) -> ProcessPoolExecutor:
        # spawn, not fork: the server has threads running, and a forked copy of their locks can deadlock
        executor = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                       initializer=_ignore_interrupt)
        for _ in range(self.workers):
            executor.submit(_warm, self.root)
        return executor

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

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

    async def _run(self, path: Path, text: str | None, fmt: str, superseded) -> Rendered | None:
        if self._executor is None or self._slots is None:
            raise RuntimeError("render pool not started")
        if self._waiting >= self.queue:
            raise Busy
        self._waiting += 1
        try:
            async with self._slots:
                if superseded():
                    return None
                executor = self._executor
                try:
                    return await asyncio.wrap_future(executor.submit(render, self.root, str(path), text, fmt))
                except BrokenProcessPool:
                    if self._executor is executor:  # a worker died (out of memory?): the next request gets a new pool
                        executor.shutdown(wait=False, cancel_futures=True)
                        self._executor = self._spawn()
                    raise
        finally:
            self._waiting -= 1
