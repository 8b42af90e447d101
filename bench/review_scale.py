"""`replygen review` at archive scale against a plain `replygen batch` of the same replies, in one run.

    .venv/bin/python bench/review_scale.py [-n 1000] [--jobs 2]

N varied replies (tests/replies.py: the archive the review tests use) are rendered by `replygen batch --force`
(DOCX + PDF, the default) and reviewed against a copy of templates/ whose opening formula is changed in every
reply kind (答复如下 → 回复如下: every reply changes, one way). Prints a Markdown table: wall times, their
ratio, the report's size and how many groups it found. Issue 16 asks for at most 2× and at most 30 MB.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

from bench import PY, ROOT, measured

sys.path.insert(0, str(ROOT / "tests"))
from replies import write_archive


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="replygen-review-bench-") as tmp:
        work = Path(tmp)
        write_archive(work / "archive", args.n)
        old, new = work / "old", work / "new"
        shutil.copytree(ROOT / "templates", old)
        shutil.copytree(ROOT / "templates", new)
        for path in (new / "reply").glob("*.j2"):
            path.write_text(path.read_text(encoding="utf-8").replace("答复如下", "回复如下"), encoding="utf-8")
        batch = measured(PY, "-m", "replygen", "batch", str(work / "archive"), "-o", str(work / "out"), "--force",
                         "--jobs", str(args.jobs))
        report = work / "report"
        review = measured(PY, "-m", "replygen", "review", str(work / "archive"), "--base", str(old), "--templates",
                          str(new), "-o", str(report), "--json", str(work / "review.json"), "--jobs", str(args.jobs),
                          ok=(1,))
        size = sum(f.stat().st_size for f in report.rglob("*") if f.is_file())
        images = sum(1 for _ in report.rglob("*.png"))
        groups = json.loads((work / "review.json").read_text(encoding="utf-8"))["groups"]
    print(f"| measurement ({args.n} replies, {args.jobs} jobs, one run) | result |\n|---|---|")
    print(f"| `replygen batch --force` (DOCX + PDF) | {batch['wall']:.0f} s |")
    print(f"| `replygen review`, opening formula changed | {review['wall']:.0f} s "
          f"= {review['wall'] / batch['wall']:.2f}× the batch |")
    print(f"| report | {size / 1e6:.1f} MB, {images} images; {len(groups)} group(s): "
          f"{', '.join(str(g['count']) for g in groups)} |")


if __name__ == "__main__":
    main()
