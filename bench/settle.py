"""WeasyPrint layouts and CPU time of settling a generated archive (writers.pdf.settle): the 版记 decided from one
layout (now) against the two-layout rule (before: the 版记 at the text's foot, then on its own page when the
pages come out odd).

    .venv/bin/python bench/settle.py [-n 300] [--seed 7] [--runs 2]

Composes tests/replies.py's archive, then settles every reply with each rule in turn, `--runs` times,
alternating; prints layouts per reply and the minimum CPU time of each (the machine is shared: CPU time leaves
out the waits for a core, the minimum the other processes' cache and memory traffic).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from replygen.compose import Templates
from replygen.load import load_reply
from replygen.writers import pdf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from replies import write_archive  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    templates = Templates.open()
    with tempfile.TemporaryDirectory() as folder:
        docs = [templates.compose(load_reply(path)) for path in write_archive(Path(folder), args.n, args.seed)]
    weasyprint = pdf._weasyprint()[0]
    render = weasyprint.HTML.render
    made = [0]

    def counted(self, *a, **kw):
        made[0] += 1
        return render(self, *a, **kw)

    weasyprint.HTML.render = counted
    pdf.settle(docs[0], templates.style)  # warm-up: fonts, stylesheet
    rules = {"two layouts (before)": False, "one layout (now)": True}
    cpu: dict[str, list[float]] = {name: [] for name in rules}
    layouts: dict[str, int] = {}
    odd = 0
    for _ in range(args.runs):
        for name, one in rules.items():
            pdf._ONE_LAYOUT = one
            made[0] = 0
            start = time.process_time()
            fits = [pdf.settle(doc, templates.style)[0].fit for doc in docs]
            cpu[name].append(time.process_time() - start)
            layouts[name] = made[0]
            odd = sum(1 for fit in fits if fit and fit.imprint_page)
    print(f"{len(docs)} replies (seed {args.seed}), {odd} with the 版记 on a page of its own "
          f"({odd / len(docs):.0%})\n")
    print("| rule | layouts | per reply | min CPU time | per reply |\n|---|---|---|---|---|")
    for name in rules:
        least = min(cpu[name])
        print(f"| {name} | {layouts[name]} | {layouts[name] / len(docs):.2f} | {least:.1f} s "
              f"| {least / len(docs) * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
