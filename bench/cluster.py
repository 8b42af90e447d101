"""Local process pool vs Dask, on this machine, in one run; prints a Markdown table.

    .venv/bin/python bench/cluster.py [-n 200] [--format docx,pdf] [--workers 2]

Measures, each over the same N replies (bench.build) with --force, each in a fresh client process:
  1. `replygen batch --jobs W`                      the embedded default (ProcessPoolExecutor)
  2. a Dask LocalCluster (W processes, 1 thread each) made in the client, then batch on it: start-up included,
     i.e. what `batch` would cost if it used Dask for local runs too
  3. `replygen batch --scheduler` on an external `dask scheduler` with W `dask worker` processes, already
     running: first on cold workers (they import WeasyPrint and load fonts), then again on warm ones
and the costs that bound a large cluster: the scheduler's round trip per task (no-op tasks through the same
client), hence per reply at the group sizes used; and the client's cost per reply of committing the returned
files (write + fsync of DOCX and PDF), since one client writes every output.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "tests")]

from daskcluster import LocalDask  # noqa: E402

from bench import build, measured  # noqa: E402

PY = sys.executable

LOCAL_CLUSTER = """
import sys, time
t = time.perf_counter()
from pathlib import Path
from distributed import LocalCluster
from replygen.batch import batch
src, out, fmt, workers = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
    summary = batch([Path(src)], Path(out), formats=fmt.split(","), workers=workers, force=True,
                    scheduler=cluster.scheduler_address)
assert not summary.failed, summary.failed
print(time.perf_counter() - t)
"""

ROUND_TRIP = """
import sys, time
from distributed import Client, as_completed
client = Client(sys.argv[1], set_as_default=False)
n = int(sys.argv[2])
def noop(x):
    return x
client.gather(client.map(noop, range(50), pure=False))  # warm
t = time.perf_counter()
for f in as_completed(client.map(noop, range(n), pure=False), loop=client.loop):
    f.result()
print((time.perf_counter() - t) / n)
client.close()
"""

COMMIT = """
import sys, time
from pathlib import Path
from replygen.output import commit
src, target = Path(sys.argv[1]), Path(sys.argv[2])
replies = sorted(p.with_suffix("") for p in src.rglob("*.docx"))
t = time.perf_counter()
for stem in replies:
    rel = stem.relative_to(src)
    commit({target / f"{rel}.{fmt}": (src / f"{rel}.{fmt}").read_bytes() for fmt in ("docx", "pdf")
            if (src / f"{rel}.{fmt}").exists()})
print((time.perf_counter() - t) / len(replies))
"""


def python(code: str, *args: str) -> float:
    out = subprocess.run([PY, "-c", code, *args], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    return float(out.stdout.strip().splitlines()[-1])


class Rows(list):
    """The table's rows, each also shown on stderr as soon as it is measured."""

    def append(self, row: tuple[str, str]) -> None:
        print(f"{row[0]}: {row[1]}", file=sys.stderr, flush=True)
        super().append(row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("--format", default="docx,pdf")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--tasks", type=int, default=2000, help="no-op tasks for the round trip")
    args = parser.parse_args()
    replygen = str(Path(PY).parent / "replygen")
    n, w, fmt = args.n, args.workers, args.format
    rows = Rows()
    with tempfile.TemporaryDirectory(prefix="replygen-bench-cluster-") as tmp:
        work = Path(tmp)
        src = work / "content"
        build(src, n)
        common = ("batch", str(src), "--format", fmt, "--force")

        pool = measured(replygen, *common, "-o", str(work / "pool"), "--jobs", str(w))["wall"]
        rows.append((f"local process pool, {w} processes (start-up included)", f"{pool:.1f} s = {n / pool:.1f} replies/s"))

        local = python(LOCAL_CLUSTER, str(src), str(work / "local-cluster"), fmt, str(w))
        rows.append((f"Dask LocalCluster, {w} processes × 1 thread (start-up included)",
                     f"{local:.1f} s = {n / local:.1f} replies/s ({(local / pool - 1) * 100:+.0f} % vs pool)"))

        dask = LocalDask(work / "dask", dashboard=False)
        try:
            names = [f"w{i}" for i in range(w)]
            for name in names:
                dask.add_worker(name)
            dask.wait_for_workers(names)
            for label in ("cold workers", "warm workers"):
                r = measured(replygen, *common, "-o", str(work / f"external-{label[:4]}"), "--scheduler", dask.address)
                rows.append((f"external `dask scheduler` + {w} `dask worker`, {label}",
                             f"{r['wall']:.1f} s = {n / r['wall']:.1f} replies/s"))
            trips = [python(ROUND_TRIP, dask.address, str(args.tasks)) for _ in range(3)]
        finally:
            dask.close()
        trip = statistics.median(trips)
        from replygen.cluster import MAX_GROUP, group_size

        size = group_size(n, w)
        rows.append(("scheduler round trip per task (no-op tasks, median of 3)", f"{trip * 1000:.2f} ms"))
        rows.append((f"scheduler overhead per reply: {size} replies per task (this run) / {MAX_GROUP} (large runs)",
                     f"{trip / size * 1000:.3f} ms / {trip / MAX_GROUP * 1000:.4f} ms"))
        commit = python(COMMIT, str(work / "pool"), str(work / "committed"))
        rows.append((f"client: commit one reply's files ({fmt}, written and fsync'ed)", f"{commit * 1000:.1f} ms"))
        per_machine = n / r["wall"]
        ceiling = 1 / (commit + trip / MAX_GROUP)
        rows.append(("capacity model", json.dumps({"replies_per_s_per_machine": round(per_machine, 1),
                                                   "client_ceiling_replies_per_s": round(ceiling)})))
        for machines in (1, 10, 50, 100):
            rate = min(machines * per_machine, ceiling)
            rows.append((f"1,000,000 replies on {machines} such machines (estimate)", f"{1e6 / rate / 3600:.1f} h"))
    print(f"| measurement ({n} replies, {fmt}, {w} workers, {time.strftime('%Y-%m-%d')}) | result |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
