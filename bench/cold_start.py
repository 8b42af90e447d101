"""The speed of one reply: cold commands in fresh processes, and one reply's PDF and DOCX in a warm worker.

    .venv/bin/python bench/cold_start.py [-n 7] [--warm 10] [--tree DIR] [reply.yaml]

Cold: `replygen validate` and `replygen render` (DOCX + PDF, and each alone) of the reply, each run a new
process, run N times: wall clock (min and median) and the process's CPU time (min; less disturbed by other work
on a shared machine). Each cold command runs twice over: with an empty cache folder (REPLYGEN_CACHE_DIR: a
first run on a machine, or after an upgrade) and with the cache one earlier run filled (every later run).
Python's own bytecode is written and used as for an installed program (into a folder of the run's own, even
where PYTHONDONTWRITEBYTECODE is set), after one untimed run.
Warm: one process composes the reply, renders it once to warm up (imports, fonts), then renders the same
document --warm times to PDF and to DOCX, in memory: min and median per reply (wall), min CPU time of the
process; the PDF's two phases apart (one
layout of the document as settle() decided it, then writing the PDF), so that gains in either add up; then every
reply in content/ in turn, --warm rounds (as a batch worker meets them: other lengths, other characters), each
reply's times shown too.
--tree runs another checkout's replygen (an older commit, to compare) with this script.
Prints a Markdown table and the load average before and after; the machine is noisy, so compare minimums.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
SEED = ROOT / "content" / "2026" / "245.yaml"
MEASURE = """
import json, resource, subprocess, sys, time
t = time.perf_counter()
p = subprocess.run(sys.argv[1:], capture_output=True, text=True)
wall = time.perf_counter() - t
use = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "cpu": use.ru_utime + use.ru_stime, "code": p.returncode, "err": p.stderr[-2000:]}))
"""
WORKER = """
import json, sys, time
from pathlib import Path
from replygen.compose import DEFAULT_TEMPLATES, Templates
from replygen.render import document_for, render_bytes

reply, runs = Path(sys.argv[1]), int(sys.argv[2])
templates = Templates.open(DEFAULT_TEMPLATES)
doc = document_for(reply, templates)
result = {}

def timed(key, call):
    # wall and CPU time of one call, added to result[key]
    wall, cpu = time.perf_counter(), time.process_time()
    out = call()
    result.setdefault(key, []).append((time.perf_counter() - wall, time.process_time() - cpu))
    return out

for fmt in ("pdf", "docx"):
    render_bytes(doc, templates, fmt)  # warm-up: imports, fonts, the parsed stylesheet
    for _ in range(runs):
        timed(fmt, lambda: render_bytes(doc, templates, fmt))
from replygen.writers.pdf import lay_out, render_settled, write_laid_out
from replygen.writers.pdfmeta import pdf_options

settled = render_settled(doc, templates.style)[0]  # laid out as decided: one layout, whatever settle() costs
options = {k: v for k, v in pdf_options(settled, None).items() if k != "finisher"}
for _ in range(runs):
    laid = timed("layout", lambda: lay_out(settled, templates.style, **options))
    timed("write", lambda: write_laid_out(laid, settled, templates.style))
others = {str(path): document_for(path, templates) for path in sorted(Path("content").rglob("*.yaml"))}
for _ in range(runs):
    for name, other in others.items():
        timed(f"pdf {name}", lambda: render_bytes(other, templates, "pdf"))
        result.setdefault("pdf mixed", []).append(result[f"pdf {name}"][-1])
start = time.perf_counter()
for _ in range(runs):
    document_for(reply, templates)
result["compose"] = [((time.perf_counter() - start) / runs, 0)]
print(json.dumps(result))
"""


def measured(cmd: list[str], env: dict[str, str], cwd: Path) -> dict:
    """One command in a fresh process: its wall time and CPU time (user + system, its descendants included)."""
    out = subprocess.run([PY, "-c", MEASURE, *cmd], capture_output=True, text=True, check=True, env=env,
                         cwd=cwd).stdout
    result = json.loads(out)
    if result["code"] != 0:
        raise SystemExit(f"command failed ({result['code']}): {' '.join(cmd)}\n{result['err']}")
    return result


def environment(tree: Path, work: Path) -> dict[str, str]:
    """The commands' environment: `tree`'s replygen, bytecode written to and read from a folder of this run."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return env | {"PYTHONPATH": str(tree), "PYTHONPYCACHEPREFIX": str(work / "pycache")}


def cold(cmd: list[str], runs: int, cache: Path | None, work: Path, tree: Path) -> tuple[list[float], list[float]]:
    """Wall and CPU times of `cmd` run `runs` times, after one untimed run: with `cache` as the cache folder, or
    with a new empty cache folder each run when `cache` is None."""
    walls, cpus = [], []
    env = environment(tree, work)
    measured(cmd, env | {"REPLYGEN_CACHE_DIR": str(cache or work / "untimed")}, tree)
    for i in range(runs):
        folder = cache if cache is not None else Path(tempfile.mkdtemp(prefix=f"cache-{i}-", dir=work))
        r = measured(cmd, env | {"REPLYGEN_CACHE_DIR": str(folder)}, tree)
        walls.append(r["wall"])
        cpus.append(r["cpu"])
    return walls, cpus


def warm(reply: Path, runs: int, work: Path, tree: Path) -> dict[str, list[tuple[float, float]]]:
    """The warm worker's times: {what: [(wall, CPU), …]}."""
    env = environment(tree, work) | {"REPLYGEN_CACHE_DIR": str(work / "warm")}
    out = subprocess.run([PY, "-c", WORKER, str(reply), str(runs)], capture_output=True, text=True, check=True,
                         env=env, cwd=tree).stdout
    return json.loads(out)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("reply", nargs="?", type=Path, default=SEED)
    parser.add_argument("-n", type=int, default=7, help="runs of each cold command (default 7)")
    parser.add_argument("--warm", type=int, default=10, help="renders per format in the warm worker (default 10)")
    parser.add_argument("--tree", type=Path, default=ROOT, help="the replygen checkout to run (default: this one)")
    parser.add_argument("--warm-only", action="store_true", help="skip the cold commands")
    args = parser.parse_args()
    reply, tree = args.reply.resolve(), args.tree.resolve()
    load_before = os.getloadavg()
    rows: list[tuple[str, str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="replygen-cold-") as tmp:
        work = Path(tmp)
        out = work / "out"
        commands = [("validate", ["validate", str(reply)]),
                    ("render DOCX + PDF", ["render", str(reply), "-o", str(out), "--format", "docx,pdf"]),
                    ("render PDF", ["render", str(reply), "-o", str(out), "--format", "pdf"]),
                    ("render DOCX", ["render", str(reply), "-o", str(out), "--format", "docx"])]
        for label, cmd in [] if args.warm_only else commands:
            for cache_label, cache in (("empty cache", None), ("warm cache", work / "cache")):
                walls, cpus = cold([PY, "-m", "replygen", *cmd], args.n, cache, work, tree)
                rows.append((f"cold `replygen {label}`, {cache_label}", f"{min(walls):.2f} s",
                             f"{statistics.median(walls):.2f} s", f"{min(cpus):.2f} s"))
        times = warm(reply, args.warm, work, tree)
        labels = [("pdf", "one reply to PDF, in memory"), ("docx", "one reply to DOCX, in memory"),
                  ("pdf mixed", "one reply to PDF, every reply of content/ in turn, in memory"),
                  ("layout", "one layout of the reply (as settled: no second layout)"),
                  ("write", "writing the laid-out reply to PDF"),
                  *((k, f"{k[4:]} to PDF (in turn with the others)") for k in sorted(times) if k.startswith("pdf con"))]
        for key, label in labels:
            walls, cpus = [w for w, _ in times[key]], [c for _, c in times[key]]
            rows.append((f"warm worker: {label}", _ms(min(walls)), _ms(statistics.median(walls)), _ms(min(cpus))))
        rows.append(("warm worker: load + compose one reply (mean)", _ms(times["compose"][0][0]), "", ""))
    load_after = os.getloadavg()
    print(f"{reply.name} ({tree}): {args.n} cold runs each, {args.warm} warm renders; load average (1/5/15 min) "
          f"{'/'.join(f'{x:.1f}' for x in load_before)} before, {'/'.join(f'{x:.1f}' for x in load_after)} after\n")
    print("| measurement | min | median | CPU (min) |\n|---|---|---|---|")
    for row in rows:
        print(f"| {' | '.join(row)} |")


if __name__ == "__main__":
    main()
