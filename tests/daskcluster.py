"""A real Dask cluster on 127.0.0.1 for tests and bench/: `dask scheduler` and `dask worker` processes (each in
its own session, so that a worker is killed with its nanny), started on free ports and waited for by condition:
the scheduler's port open, the wanted number of workers connected."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

DASK = str(Path(sys.executable).parent / "dask")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll a condition (every 50 ms) until it holds; fail naming it after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"not within {timeout:g} s: {what}")
        time.sleep(0.05)


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


class LocalDask:
    """One scheduler and the workers added to it; `close()` kills them all."""

    def __init__(self, logs: Path, env: dict[str, str] | None = None, dashboard: bool = True) -> None:
        self.logs = logs
        logs.mkdir(parents=True, exist_ok=True)
        self.env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), **(env or {})}
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.workers: dict[str, subprocess.Popen[bytes]] = {}
        self._client = None
        dash = ["--dashboard-address", f"127.0.0.1:{free_port()}"] if dashboard else ["--no-dashboard"]
        self.scheduler = self._start("scheduler", [DASK, "scheduler", "--host", "127.0.0.1", "--port", str(self.port),
                                                   *dash], self.env)
        wait_until(lambda: _port_open(self.port) or self._died(self.scheduler, "scheduler"), 60, "scheduler port open")

    def _start(self, name: str, cmd: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("wb")
        return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)

    def _died(self, proc: subprocess.Popen[bytes], name: str) -> bool:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited: {(self.logs / f'{name}.log').read_text(errors='replace')[-3000:]}")
        return False

    def add_worker(self, name: str, env: dict[str, str] | None = None, nanny: bool = True) -> None:
        """Start `dask worker` (one thread, as the README advises); wait for it with `wait_for_workers`."""
        cmd = [DASK, "worker", self.address, "--name", name, "--nthreads", "1", "--host", "127.0.0.1",
               "--no-dashboard", "--nanny" if nanny else "--no-nanny",
               "--local-directory", str(self.logs / f"{name}-space")]
        self.workers[name] = self._start(name, cmd, {**self.env, **(env or {})})

    def names(self) -> list[str]:
        """The names of the workers the scheduler has connected."""
        return sorted(str(w["name"]) for w in self.call(lambda c: c.scheduler_info(n_workers=-1)["workers"].values()))

    def wait_for_workers(self, names: list[str], timeout: float = 90) -> None:
        def ready() -> bool:
            for name in names:
                self._died(self.workers[name], name)
            return self.names() == sorted(names)

        wait_until(ready, timeout, f"workers {names} connected")

    def kill_worker(self, name: str) -> None:
        """SIGKILL a worker and its nanny: gone for good, mid-task."""
        proc = self.workers.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def kill_scheduler(self) -> None:
        self._disconnect()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.scheduler.pid, signal.SIGKILL)
        self.scheduler.wait()

    def transitions(self) -> int:
        """How many task state changes the scheduler has seen: unchanged means no task was sent."""
        return self.call(lambda c: c.run_on_scheduler(lambda dask_scheduler: dask_scheduler.transition_counter))

    def call(self, action):
        """action(client), on one client kept for the cluster's life: a connection per call (wait_for_workers polls
        20 times a second) costs the test and the scheduler tens of milliseconds of CPU each."""
        if self._client is None:
            from distributed import Client

            self._client = Client(self.address, timeout=30, set_as_default=False)
        return action(self._client)

    def _disconnect(self) -> None:
        if self._client is not None:
            with contextlib.suppress(Exception):  # a scheduler already gone
                self._client.close(timeout=5)
            self._client = None

    def close(self) -> None:
        for name in list(self.workers):
            self.kill_worker(name)
        self.kill_scheduler()
