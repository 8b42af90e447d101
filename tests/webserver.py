"""A real workbench server for tests: `replygen serve` in a subprocess on a free loopback port, and plain HTTP to it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def call(method: str, url: str, data: Any = None, timeout: float = 120) -> tuple[int, Any]:
    """(status, JSON answer) of one request; error statuses are answers too, not exceptions."""
    body = None if data is None else json.dumps(data).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"} if body else {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        with err:
            return err.code, json.loads(err.read())


def until(condition: Callable[[], Any], timeout: float, what: str, interval: float = 0.05) -> Any:
    """Poll `condition` until it returns something true; its value. Fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls on threads released together; their results, in order."""
    start = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i: int) -> None:
        start.wait()
        results[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def group(pgid: int) -> list[int]:
    """The processes still in process group `pgid` (the server and every process it started)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


@dataclass
class Server:
    process: subprocess.Popen
    base: str
    log: IO[str]

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def health(self) -> dict[str, Any]:
        return call("GET", self.base + "/api/health", timeout=5)[1]

    def warm(self) -> bool:
        """Every render worker has started and rendered once: a preview now takes a warm worker's time."""
        try:
            health = self.health()
        except OSError:
            return False
        return health["workers"]["warm"] == health["workers"]["count"]


@contextmanager
def workbench(content: Path, *, host: str = "127.0.0.1", workers: int = 2, env: dict[str, str] | None = None,
              warm: bool = True, timeout: float = 60, preexec: Callable[[], None] | None = None) -> Iterator[Server]:
    """Start the server on `content`; yield it once it answers (and, with `warm`, once its workers are warm);
    stop it afterwards. It runs in a process group of its own, so that nothing it started can outlive the test."""
    port = free_port(host)
    base = f"http://{host}:{port}"
    environ = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    # the log goes to a file, not a pipe: a full pipe nobody reads would stall the server
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "replygen", "serve", str(content), "--host", host, "--port", str(port),
             "--workers", str(workers)],
            stdout=log, stderr=subprocess.STDOUT, text=True, env=environ, start_new_session=True,
            preexec_fn=preexec)
        server = Server(process, base, log)
        try:
            def answers() -> bool:
                if process.poll() is not None:
                    raise RuntimeError(f"server exited: {server.output()}")
                try:
                    with urllib.request.urlopen(base + "/", timeout=2):
                        return True
                except OSError:
                    return False

            until(answers, timeout, "the server to answer", 0.1)
            if warm:
                until(server.warm, timeout, "the render workers to be warm", 0.1)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            for pid in group(process.pid):
                os.kill(pid, signal.SIGKILL)
