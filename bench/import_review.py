"""Throughput of `replygen import` and `replygen review` over an archive; prints a Markdown table.

    .venv/bin/python bench/import_review.py [-n 30] [--jobs 2]

import: the eight published samples in ../shared/samples/ and the seed, copied until there are N texts, imported
in one fresh process. review: N replies varied from content/ (as bench.py does), compared against a copy of
templates/ with the opening formula changed (every reply changed) and against an identical copy (none changed).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from bench import PY, ROOT, build, measured

SAMPLES = [*sorted((ROOT.parent / "shared" / "samples").glob("*.txt")), ROOT.parent / "shared" / "seed" / "reply-245.txt"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=30, help="texts and replies (default 30)")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        texts = Path(tmp) / "texts"
        texts.mkdir()
        for i in range(args.n):
            shutil.copy(SAMPLES[i % len(SAMPLES)], texts / f"{i:04d}.txt")
        wall = measured(PY, "-m", "replygen", "import", str(texts), "-o", str(Path(tmp) / "imported"))["wall"]
        rows.append(f"| import | {args.n} texts | 1 | {wall:.1f} s | {wall / args.n * 1000:.0f} ms | |")

        src = Path(tmp) / "src"
        build(src, args.n)
        same, changed = Path(tmp) / "same", Path(tmp) / "changed"
        shutil.copytree(ROOT / "templates", same)
        shutil.copytree(ROOT / "templates", changed)
        for path in changed.rglob("*.j2"):
            path.write_text(path.read_text(encoding="utf-8").replace("答复如下", "回复如下"), encoding="utf-8")
        for what, base in (("review, none changed", same), ("review, all changed", changed)):
            result = measured(PY, "-m", "replygen", "review", str(src), "--base", str(base), "-o",
                              str(Path(tmp) / what), "-j", str(args.jobs), ok=(0, 1))
            size = sum(f.stat().st_size for f in (Path(tmp) / what).rglob("*") if f.is_file()) / 1e6
            rows.append(f"| {what} | {args.n} replies | {args.jobs} | {result['wall']:.1f} s | "
                        f"{result['wall'] / args.n * 1000:.0f} ms | {size:.0f} MB |")
    print("| command | input | processes | wall | per item | report |\n|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
