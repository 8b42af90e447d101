"""A bounded load test against a real server on 127.0.0.1: 20 previews at once on the two render workers all
succeed, and the list answers while they run (rendering never holds up the event loop)."""

from __future__ import annotations

import json
import shutil
import threading
import time
import urllib.request
from pathlib import Path

from conftest import SEED_YAML
from webserver import workbench

PREVIEWS = 20


def _post(url: str, data: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, json.dumps(data).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return response.status, json.loads(response.read())


def test_twenty_concurrent_previews_and_the_list_stays_responsive(tmp_path: Path, record_property) -> None:
    content = tmp_path / "content"
    content.mkdir()
    seed = SEED_YAML.read_text(encoding="utf-8")
    for i in range(PREVIEWS):  # one reply each: previews of different replies are never coalesced
        shutil.copy(SEED_YAML, content / f"{i:02d}.yaml")
    with workbench(content) as base:
        with urllib.request.urlopen(base + "/api/replies", timeout=30) as response:
            assert len(json.loads(response.read())) == PREVIEWS
        answers: list = [None] * PREVIEWS
        start = threading.Barrier(PREVIEWS + 1)

        def preview(i: int) -> None:
            start.wait()
            text = seed.replace("党和国家", f"第{i}稿：党和国家")
            answers[i] = _post(f"{base}/api/preview/{i:02d}.yaml", {"text": text})

        threads = [threading.Thread(target=preview, args=(i,)) for i in range(PREVIEWS)]
        for t in threads:
            t.start()
        began = time.monotonic()
        start.wait()
        time.sleep(0.5)  # the workers are busy now
        (content / "00.yaml").touch()  # the list has a reply to check again, not only its cache to read
        listed = time.monotonic()
        with urllib.request.urlopen(base + "/api/replies", timeout=30) as response:
            assert response.status == 200 and len(json.loads(response.read())) == PREVIEWS
        list_latency = time.monotonic() - listed
        for t in threads:
            t.join(timeout=180)
        total = time.monotonic() - began
    assert all(a is not None for a in answers), "every preview answered"
    assert all(status == 200 and len(body["pages"]) >= 2 and not body["problems"] for status, body in answers)
    still_running = sum(1 for t in threads if t.is_alive())
    assert still_running == 0
    record_property("list_latency_s", round(list_latency, 3))
    record_property("previews_total_s", round(total, 2))
    print(f"\n{PREVIEWS} previews in {total:.2f} s; the list answered in {list_latency * 1000:.0f} ms meanwhile")
