"""parallel.Workers, the pool batch and review render on: a task that kills its worker is pinned on itself and
costs no other task; the workers inherit what the caller warmed; Ctrl+C (an event) starts no queued task."""

from __future__ import annotations

import os
import threading
import time

import pytest

from replygen.parallel import Workers

WARMED: dict[str, int] = {}


def square_or_die(n: int) -> tuple[int, int, int]:
    if n == 3:
        os._exit(70)  # as a segfault in a native library would
    return n * n, os.getpid(), WARMED.get("by", 0)


def test_a_crash_is_pinned_on_its_task_and_the_others_finish() -> None:
    WARMED["by"] = os.getpid()
    with Workers(2) as pool:
        done = dict(pool.run(square_or_die, range(8)))
        again = dict(pool.run(square_or_die, [5]))
    assert done[3] is None, "the task that kills its worker, also when retried alone"
    assert {n: r[0] for n, r in done.items() if r} == {n: n * n for n in range(8) if n != 3}
    assert all(r[1] != os.getpid() and r[2] == os.getpid() for r in done.values() if r), \
        "run in workers forked from this process, which they inherited from"
    assert again[5] is not None and again[5][0] == 25, "a crash leaves the pool usable for the next run"


def slow(n: int) -> int:
    time.sleep(0.2)  # a reply's work
    return n


def test_interruption_starts_no_queued_task() -> None:
    interrupted = threading.Event()
    finished = []
    with Workers(1) as pool, pytest.raises(KeyboardInterrupt):
        for n, _ in pool.run(slow, range(20), interrupted):
            finished.append(n)
            interrupted.set()
    assert 1 <= len(finished) <= 3, "the task in hand and those already handed to the worker end; no other starts"
