"""The workbench as a real `replygen serve` process: what only a process shows (request sizes at the socket, the
render workers' limits, a killed worker, Ctrl+C, the address it prints, a disk that fills up)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import resource
import shutil
import signal
import socket
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from replygen.edits import history

from conftest import SEED_YAML
from webserver import Server, call, group, until, workbench


@pytest.fixture
def content(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    folder.mkdir()
    shutil.copy(SEED_YAML, folder / "245.yaml")
    return folder


def _raw(server: Server, head: str, body: bytes = b"", timeout: float = 10) -> tuple[int, str]:
    """Send `head` and `body` as they are (no client library to fix them up); the status and the answer's body."""
    host, port = server.base.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=timeout) as connection:
        connection.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        answer = b""
        while b"\r\n\r\n" not in answer or len(answer.split(b"\r\n\r\n", 1)[1]) < _length(answer):
            chunk = connection.recv(65536)
            if not chunk:
                break
            answer += chunk
    status = int(answer.split(b" ", 2)[1])
    return status, answer.split(b"\r\n\r\n", 1)[1].decode("utf-8", errors="replace")


def _length(answer: bytes) -> int:
    match = re.search(rb"(?i)content-length: *(\d+)", answer)
    return int(match.group(1)) if match else 0


def _workers(server: Server) -> list[int]:
    """The render workers: the server's child processes that run multiprocessing's spawn entry point."""
    children = []
    for task in Path(f"/proc/{server.process.pid}/task").iterdir():
        children += [int(pid) for pid in (task / "children").read_text().split()]
    return [pid for pid in children
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()]


def _quietly(function, *args) -> None:
    """Run `function` and forget how it ends (a request the server is stopped in the middle of)."""
    with contextlib.suppress(Exception):
        function(*args)


def test_a_body_over_the_limit_is_refused_before_it_is_read(content: Path) -> None:
    with workbench(content, workers=1, env={"REPLYGEN_MAX_REQUEST_KB": "64"}, warm=False) as server:
        # 300 MB announced, 1 KB sent: an answer (and no wait for the rest) shows nothing more is read
        status, body = _raw(server, f"PUT /api/replies/245.yaml HTTP/1.1\nHost: 127.0.0.1\n"
                                    f"Content-Type: application/json\nContent-Length: {300 * 1024 * 1024}\n",
                            b"{" + b" " * 1023)
        assert status == 413 and "64 KB" in json.loads(body)["error"]
        # the same in chunks of no announced length: refused once past the limit, the rest never sent
        chunk = b" " * 16384
        chunks = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(5))
        status, body = _raw(server, "PUT /api/replies/245.yaml HTTP/1.1\nHost: 127.0.0.1\n"
                                    "Content-Type: application/json\nTransfer-Encoding: chunked\n", chunks)
        assert status == 413 and "REPLYGEN_MAX_REQUEST_KB" in json.loads(body)["error"]
        assert call("GET", server.base + "/api/replies/245.yaml")[0] == 200, "and the server carries on"


def test_render_workers_are_limited_in_memory_and_time(content: Path) -> None:
    seed = SEED_YAML.read_text(encoding="utf-8")
    runaway = seed.replace("body:\n", "body:\n" + "".join(f"  - 第{i}段。{'标准化工作' * 40}\n" for i in range(400)), 1)
    limits = {"REPLYGEN_RENDER_SECONDS": "2", "REPLYGEN_RENDER_MEMORY_MB": "900"}
    with workbench(content, workers=1, env=limits) as server:
        workers = _workers(server)
        assert len(workers) == 1
        for pid in workers:
            limits = Path(f"/proc/{pid}/limits").read_text()
            assert re.search(rf"Max data size +{900 * 1024 * 1024} ", limits), limits
        began = time.monotonic()
        status, answer = call("POST", server.base + "/api/preview/245.yaml", {"text": runaway})
        took = time.monotonic() - began
        assert status == 200 and answer["pages"] == [] and "生成超时" in answer["problems"][0]["message"]
        assert took < 15, f"the 2 s limit answered after {took:.1f} s (rendering it whole takes longer)"


def test_a_killed_worker_is_replaced(content: Path) -> None:
    text = (content / "245.yaml").read_text(encoding="utf-8")
    with workbench(content, workers=1) as server:
        os.kill(_workers(server)[0], signal.SIGKILL)
        answers = [call("POST", server.base + "/api/preview/245.yaml", {"text": text}) for _ in range(2)]
        assert all(status == 200 for status, _ in answers), answers
        assert answers[-1][1]["pages"], "a new worker renders"
        until(server.warm, 60, "a full pool of warm workers again")


def test_serve_on_another_loopback_address_answers_at_the_address_it_prints(content: Path) -> None:
    with workbench(content, host="127.0.0.2", workers=1, warm=False) as server:
        printed = re.search(r"请在浏览器中打开：(\S+)", server.output()).group(1)
        assert printed == server.base + "/"
        with urllib.request.urlopen(printed, timeout=10) as response:
            assert response.status == 200


def test_a_full_disk_refuses_the_save_in_chinese_and_keeps_no_history_copy(content: Path) -> None:
    """The server may write files of at most 64 KB: the old version (4 KB) could be copied to .history, the new
    one (over 100 KB) cannot be written, as on a disk that is nearly full."""
    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))

    with workbench(content, workers=1, warm=False, preexec=small_files) as server:
        status, loaded = call("GET", server.base + "/api/replies/245.yaml")
        longer = loaded["text"] + "# 很长的备注\n" * 10_000
        status, answer = call("PUT", server.base + "/api/replies/245.yaml",
                              {"text": longer, "version": loaded["version"]})
        assert status == 507 and "磁盘空间不足" in answer["error"]
        assert (content / "245.yaml").read_text(encoding="utf-8") == loaded["text"]
        assert history(content / "245.yaml") == []
        assert call("PUT", server.base + "/api/replies/245.yaml",
                    {"text": loaded["text"] + "# 短\n", "version": loaded["version"]})[0] == 200, "the version stays valid"


@pytest.mark.parametrize("busy", [False, True], ids=["idle", "rendering"])
def test_ctrl_c_stops_the_workbench_and_its_workers_within_3_s(content: Path, busy: bool) -> None:
    seed = SEED_YAML.read_text(encoding="utf-8")
    runaway = seed.replace("body:\n", "body:\n" + "".join(f"  - 第{i}段。{'标准化工作' * 40}\n" for i in range(400)), 1)
    with workbench(content) as server:
        if busy:  # a preview that renders for longer than 3 s, started
            threading.Thread(target=_quietly, args=(call, "POST", server.base + "/api/preview/245.yaml",
                                                    {"text": runaway}), daemon=True).start()
            until(lambda: server.health()["renders"] > 0, 30, "a worker to be rendering")
        assert len(group(server.process.pid)) > 1, "the server and its workers"
        stopped = time.monotonic()
        os.killpg(server.process.pid, signal.SIGINT)  # as Ctrl+C in a terminal: to the whole process group
        server.process.wait(timeout=30)
        until(lambda: not group(server.process.pid), 3, "every process of the workbench to exit", 0.02)
        took = time.monotonic() - stopped
        assert took < 3, f"the workbench took {took:.1f} s to stop"
        assert server.process.returncode == 0 and "工作台已停止" in server.output()
