"""Throughput of `replygen check` and `replygen lint` over an archive; prints a Markdown table.

    .venv/bin/python bench/check_lint.py [-n 200] [--jobs 2]

Builds N replies varied from content/ (as bench.py does), renders them once with `replygen batch`, then times
in fresh processes: `replygen lint` over the N YAML files and `replygen check` over the N PDF and N DOCX files,
on one process and on --jobs processes.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bench import PY, build, measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=200, help="replies (default 200)")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "src", Path(tmp) / "out"
        build(src, args.n)
        measured(PY, "-m", "replygen", "batch", str(src), "-o", str(out), "-j", str(args.jobs))
        rows = []
        for what, cmd, files in (("lint", ["lint", str(src)], args.n),
                                 ("check PDF", ["check", *map(str, sorted(out.rglob("*.pdf")))], args.n),
                                 ("check DOCX", ["check", *map(str, sorted(out.rglob("*.docx")))], args.n)):
            for jobs in sorted({1, args.jobs}):
                wall = measured(PY, "-m", "replygen", *cmd, "-j", str(jobs))["wall"]
                rows.append(f"| {what} | {files} | {jobs} | {wall:.1f} s | {files / wall:.0f} |")
    print("| command | files | processes | wall | files/s |\n|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
