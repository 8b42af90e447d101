"""Benchmark replygen's batch rendering against LibreOffice on this machine; prints a Markdown table.

    .venv/bin/python bench/bench.py [-n 200] [--jobs 2] [--noop 1000] [--no-libreoffice]

It builds N replies varied from content/ (numbers, names, paragraph order and length), then measures in fresh
processes: `replygen batch --force` for DOCX only, PDF only and both; peak RSS of the largest worker; a
cold `replygen render` of one reply and `replygen validate`; a no-op batch over --noop replies; and LibreOffice
converting the same DOCX files to PDF in one call. Figures are medians only where it says so: machines are noisy.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
MEASURE = """
import json, resource, subprocess, sys, time
t = time.perf_counter()
p = subprocess.run(sys.argv[1:], capture_output=True, text=True)
wall = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"wall": wall, "rss_mb": rss, "code": p.returncode, "err": p.stderr[-2000:]}))
"""


def measured(*cmd: str, ok: tuple[int, ...] = (0,)) -> dict:
    """Run a command in a fresh process; its wall time and the peak RSS of its largest descendant."""
    out = subprocess.run([PY, "-c", MEASURE, *cmd], capture_output=True, text=True, check=True).stdout
    result = json.loads(out)
    if result["code"] not in ok:
        raise SystemExit(f"command failed ({result['code']}): {' '.join(cmd)}\n{result['err']}")
    return result


def build(folder: Path, n: int, seed: int = 1) -> list[Path]:
    """N replies varied from content/: other numbers and names, body blocks shuffled and trimmed."""
    rng = random.Random(seed)
    sources = sorted((ROOT / "content").rglob("*.yaml"))
    names = ["朱瑞庭", "王福英", "李建国", "陈晓红", "张伟", "刘芳"]
    paths = []
    for i in range(n):
        text = sources[i % len(sources)].read_text(encoding="utf-8")
        text = re.sub(r"^doc_number: .*$", f"doc_number: {1000 + i}", text, count=1, flags=re.M)
        text = re.sub(r"names: \[[^]]*\]", f"names: [{rng.choice(names)}]", text, count=1)
        if rng.random() < 0.3:  # some shorter replies: drop the next-steps block
            text = re.sub(r"\n  - next_steps:.*?(?=\n\S|\n# )", "", text, count=1, flags=re.S)
        path = folder / f"{i // 50:02d}" / f"{1000 + i}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=200, help="replies to render (default 200)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--noop", type=int, default=1000, help="replies in the no-op run (0: skip)")
    parser.add_argument("--no-libreoffice", action="store_true")
    args = parser.parse_args()
    replygen = str(Path(PY).parent / "replygen")
    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory(prefix="replygen-bench-") as tmp:
        work = Path(tmp)
        build(work / "content", args.n)
        one = ROOT / "content" / "2026" / "245.yaml"
        runs = {}
        for label, fmt in (("DOCX", "docx"), ("PDF", "pdf"), ("DOCX + PDF", "docx,pdf")):
            out = work / f"out-{fmt.replace(',', '-')}"
            r = measured(replygen, "batch", str(work / "content"), "-o", str(out), "--format", fmt,
                         "--jobs", str(args.jobs), "--force")
            runs[fmt] = r
            rows.append((f"batch {args.n} replies, {label}, {args.jobs} jobs",
                         f"{r['wall']:.1f} s = {args.n / r['wall']:.1f} replies/s; peak RSS {r['rss_mb']:.0f} MB"))
        cold = [measured(replygen, "render", str(one), "-o", str(work / "one"))["wall"] for _ in range(3)]
        rows.append(("cold `replygen render` of one reply, DOCX + PDF (median of 3)", f"{statistics.median(cold):.2f} s"))
        val = [measured(replygen, "validate", str(one))["wall"] for _ in range(5)]
        rows.append(("cold `replygen validate` of one reply (median of 5)", f"{statistics.median(val):.2f} s"))
        if args.noop:
            noop_src = work / "noop"
            build(noop_src, args.noop, seed=2)
            noop_out = work / "noop-out"
            measured(replygen, "batch", str(noop_src), "-o", str(noop_out), "--format", "docx", "--jobs", str(args.jobs))
            r = measured(replygen, "batch", str(noop_src), "-o", str(noop_out), "--format", "docx")
            rows.append((f"no-op batch over {args.noop} unchanged replies", f"{r['wall']:.2f} s"))
        if not args.no_libreoffice and shutil.which("soffice"):
            docx = sorted(str(p) for p in (work / "out-docx").rglob("*.docx"))
            lo_out = work / "lo"
            r = measured("soffice", f"-env:UserInstallation={(work / 'lo-profile').as_uri()}", "--headless",
                         "--convert-to", "pdf", "--outdir", str(lo_out), *docx)
            ours = runs["docx,pdf"]["wall"]
            rows.append((f"LibreOffice DOCX → PDF, the same {len(docx)} files, one call", f"{r['wall']:.1f} s"))
            rows.append(("replygen whole pipeline ÷ LibreOffice conversion alone", f"{ours / r['wall']:.2f}×"))
    print(f"| measurement ({args.n} replies, {args.jobs} jobs) | result |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
