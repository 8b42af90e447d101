"""Work spread over processes: `map_files` for pure computation per file (check, lint); `Workers` for
rendering, where a task may crash its process (batch, review)."""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

MIN_PER_WORKER = 4  # below this a process pool costs more than it saves


def usable_cores() -> int:
    """The cores this process may run on (a container or taskset may allow fewer than the machine has)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def map_files(action: Callable[[T], R], items: Sequence[T], workers: int | None = None) -> Iterator[R]:
    """action(item) for each item, in order, on up to `workers` processes (default: the CPU count). `action`
    must be a picklable module-level callable (or a functools.partial of one) that reports its own errors."""
    workers = min(workers or usable_cores(), usable_cores(), len(items) // MIN_PER_WORKER or 1)
    if workers <= 1:
        yield from map(action, items)
        return
    with ProcessPoolExecutor(workers) as pool:
        yield from pool.map(action, items, chunksize=max(1, len(items) // (workers * 8)))


class Workers:
    """Worker processes forked from this one, which has warmed once what every task needs (imports, templates,
    fonts): they inherit it instead of each doing it again. Each task runs in a worker, so that a crash, or a
    worker's memory limit, never takes the caller down. A crash breaks the whole pool: what it had not finished
    is retried one task at a time, which pins the crash on the one task that causes it. The pool started by the
    first `run` serves the next ones."""

    def __init__(self, workers: int, initializer: Callable[..., object] | None = None,
                 initargs: tuple[object, ...] = ()) -> None:
        self.workers = workers
        self._initializer = initializer
        self._initargs = initargs
        self._pool: ProcessPoolExecutor | None = None

    @property
    def started(self) -> bool:
        return self._pool is not None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def _start(self, workers: int) -> ProcessPoolExecutor:
        gc.freeze()  # out of the collector's sight: the workers' collections would walk (and copy) all they inherit
        return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                   initializer=self._initializer, initargs=self._initargs)

    def run(self, function: Callable[[T], R], tasks: Iterable[T], interrupted: threading.Event | None = None,
            before_retry: Callable[[], object] = lambda: None) -> Iterator[tuple[T, R | None]]:
        """(task, function(task)) as each finishes; (task, None) for a task whose worker crashed, also when
        retried alone. Once `interrupted` is set, the tasks in flight finish, no queued one starts, and
        KeyboardInterrupt is raised. `before_retry` runs once before the tasks a crash took down are retried."""
        tasks = list(tasks)
        if self._pool is None:
            self._pool = self._start(max(1, min(self.workers, len(tasks))))
        futures = {self._pool.submit(function, task): i for i, task in enumerate(tasks)}
        lost: list[int] = []
        while futures and not (interrupted is not None and interrupted.is_set()):
            done, _ = wait(futures, timeout=0.2, return_when=FIRST_COMPLETED)
            for future in done:
                i = futures.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool:
                    lost.append(i)
                    continue
                yield tasks[i], result
        if interrupted is not None and interrupted.is_set():
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
            raise KeyboardInterrupt
        if not lost:
            return
        self._pool.shutdown()
        self._pool = None
        before_retry()
        alone: ProcessPoolExecutor | None = None
        try:
            for i in sorted(lost):
                alone = alone or self._start(1)
                try:
                    retried: R | None = alone.submit(function, tasks[i]).result()
                except BrokenProcessPool:
                    alone.shutdown()
                    alone, retried = None, None
                yield tasks[i], retried
        finally:
            if alone is not None:
                alone.shutdown()
