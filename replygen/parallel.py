"""Many files, one function, all cores: for work that is pure computation per file (check, lint)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
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
