"""How much a stamped reply costs to render against the same reply unstamped (issue 12: within 10 %).

    .venv/bin/python bench/stamp.py [-n 15]

Renders content/2026/example-stamped.yaml as it is (a 42 mm seal image), with `stamped: true` (space for a hand
stamp) and with `stamped: false`, to PDF and DOCX as `render` does (render.render_all, in memory) in one process
after a warm-up, alternating the variants so that a noisy machine slows them alike; prints the minimum and the
median per variant and their ratios to the unstamped one, and the minimum CPU time (on a shared machine the
minimum is the steadier figure: other processes only ever add time; CPU time leaves out the waits for a core).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from replygen.compose import Templates
from replygen.load import load_reply
from replygen.render import render_all

ROOT = Path(__file__).resolve().parent.parent
REPLY = ROOT / "content" / "2026" / "example-stamped.yaml"
VARIANTS = {"unstamped": "stamped: false", "hand stamp": "stamped: true", "seal image": "stamped: seal"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=15)
    args = parser.parse_args()
    templates = Templates.open()
    text = REPLY.read_text(encoding="utf-8")
    docs = {name: templates.compose(load_reply(REPLY, text.replace("stamped: seal", line)))
            for name, line in VARIANTS.items()}
    times: dict[str, list[float]] = {name: [] for name in docs}
    cpu: dict[str, list[float]] = {name: [] for name in docs}
    for doc in docs.values():  # warm-up: fonts, stylesheet, WeasyPrint
        render_all(doc, templates, Path("bench"), ["pdf", "docx"])
    for _ in range(args.n):
        for name, doc in docs.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            render_all(doc, templates, Path("bench"), ["pdf", "docx"])  # what render does, in memory
            times[name].append(time.perf_counter() - start)
            cpu[name].append(time.process_time() - start_cpu)
    low, mid, low_cpu = min(times["unstamped"]), statistics.median(times["unstamped"]), min(cpu["unstamped"])
    print("| variant | min render (PDF + DOCX) | vs unstamped | median | vs unstamped | min CPU time | vs unstamped |\n"
          "|---|---|---|---|---|---|---|")
    for name, values in times.items():
        least, median, least_cpu = min(values), statistics.median(values), min(cpu[name])
        print(f"| {name} | {least * 1000:.0f} ms | {least / low:.2f}× | {median * 1000:.0f} ms | {median / mid:.2f}× "
              f"| {least_cpu * 1000:.0f} ms | {least_cpu / low_cpu:.2f}× |")

if __name__ == "__main__":
    main()
