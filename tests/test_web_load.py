"""A bounded load test against a real server on 127.0.0.1: 20 previews at once on the two render workers all
succeed, and meanwhile the list of 200 replies keeps answering quickly (rendering never holds up the event loop,
and the list re-checks only the files that changed)."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

from conftest import SEED_YAML
from webserver import call, workbench

PREVIEWS = 20
REPLIES = 200
LIST_P95 = 1.0  # seconds: generous, for a loaded 2-core machine; an idle one answers in tens of milliseconds


def test_twenty_concurrent_previews_and_the_list_stays_responsive(tmp_path: Path, record_property) -> None:
    content = tmp_path / "content"
    content.mkdir()
    seed = SEED_YAML.read_text(encoding="utf-8")
    for i in range(REPLIES):  # previews go to different replies, so that none is coalesced with another
        shutil.copy(SEED_YAML, content / f"{i:03d}.yaml")
    with workbench(content) as server:
        status, listed = call("GET", server.base + "/api/replies", timeout=120)  # the first list checks them all
        assert status == 200 and len(listed) == REPLIES
        answers: list = [None] * PREVIEWS
        start = threading.Barrier(PREVIEWS + 1)

        def preview(i: int) -> None:
            start.wait()
            text = seed.replace("党和国家", f"第{i}稿：党和国家")
            answers[i] = call("POST", f"{server.base}/api/preview/{i:03d}.yaml", {"text": text}, timeout=300)

        threads = [threading.Thread(target=preview, args=(i,)) for i in range(PREVIEWS)]
        for t in threads:
            t.start()
        began = time.monotonic()
        start.wait()
        latencies = []
        while any(t.is_alive() for t in threads):
            (content / f"{len(latencies) % REPLIES:03d}.yaml").touch()  # a reply to check again, not only the cache
            asked = time.monotonic()
            status, listed = call("GET", server.base + "/api/replies", timeout=30)
            latencies.append(time.monotonic() - asked)
            assert status == 200 and len(listed) == REPLIES
        total = time.monotonic() - began
        for t in threads:
            t.join()
    assert all(status == 200 and len(body["pages"]) >= 2 and not body["problems"] for status, body in answers)
    p95 = sorted(latencies)[int(0.95 * (len(latencies) - 1))]
    record_property("list_p95_s", round(p95, 3))
    record_property("previews_total_s", round(total, 2))
    print(f"\n{PREVIEWS} previews in {total:.2f} s; the list of {REPLIES} answered {len(latencies)} times meanwhile, "
          f"p95 {p95 * 1000:.0f} ms, slowest {max(latencies) * 1000:.0f} ms")
    assert len(latencies) >= 5, "the list was asked while the previews rendered"
    assert p95 < LIST_P95, f"the list's p95 latency {p95:.2f} s while previews render"
