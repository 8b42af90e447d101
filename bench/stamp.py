"""How much a stamped reply costs to render against the same reply unstamped (issue 12: within 10 %).

    .venv/bin/python bench/stamp.py [-n 15]

Renders content/2026/example-stamped.yaml as it is (a 42 mm seal image), with `stamped: true` (space for a hand
stamp) and with `stamped: false`, to PDF and DOCX in one process after a warm-up, alternating the variants so that
a noisy machine slows them alike; prints the minimum and the median per variant and their ratios to the unstamped
one (on a shared machine the minimum is the steadier figure: other processes only ever add time).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from replygen.compose import Templates
from replygen.load import load_reply
from replygen.writers.docx import render_docx
from replygen.writers.pdf import render_pdf

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
    for doc in docs.values():  # warm-up: fonts, stylesheet, WeasyPrint
        render_pdf(doc, templates.style)
        render_docx(doc, templates.style)
    for _ in range(args.n):
        for name, doc in docs.items():
            start = time.perf_counter()
            render_pdf(doc, templates.style)
            render_docx(doc, templates.style)
            times[name].append(time.perf_counter() - start)
    low, mid = min(times["unstamped"]), statistics.median(times["unstamped"])
    print("| variant | min render (PDF + DOCX) | vs unstamped | median | vs unstamped |\n|---|---|---|---|---|")
    for name, values in times.items():
        least, median = min(values), statistics.median(values)
        print(f"| {name} | {least * 1000:.0f} ms | {least / low:.2f}× | {median * 1000:.0f} ms | {median / mid:.2f}× |")


if __name__ == "__main__":
    main()
