"""Test helpers for archives: the CLI in a subprocess (killed with its workers on timeout), and archives of
numbered copies of the seed reply."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import SEED_YAML

SEED = SEED_YAML.read_text(encoding="utf-8")


class Run(subprocess.CompletedProcess[str]):
    elapsed: float = 0.0
    """wall-clock seconds"""


def start(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """`replygen args` in its own session, so that it can be killed together with its worker processes."""
    return subprocess.Popen([sys.executable, "-m", "replygen", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})},
                            start_new_session=True)


def finish(proc: subprocess.Popen[str], timeout: float = 600) -> Run:
    begun = time.monotonic()
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise
    run = Run(proc.args, proc.returncode, out, err)
    run.elapsed = time.monotonic() - begun
    return run


def replygen(*args: str, env: dict[str, str] | None = None, timeout: float = 600) -> Run:
    return finish(start(*args, env=env), timeout)


def make_archive(root: Path, good: int, bad: int = 0, first: int = 300) -> list[Path]:
    """`good` valid replies spread over two folders (each with its own number), and `bad` broken ones."""
    files = []
    for i in range(good):
        folder = root / ("2025" if i % 2 else "2026")
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{first + i}.yaml"
        path.write_text(SEED.replace("doc_number: 245", f"doc_number: {first + i}"), encoding="utf-8")
        files.append(path)
    for i in range(bad):
        path = root / "2026" / f"broken-{i}.yaml"
        path.write_text(SEED.replace("kind: proposal", "kind: unknown"), encoding="utf-8")
    return files


def outputs(out: Path) -> dict[str, int]:
    return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*") if p.suffix in (".docx", ".pdf")}


def copy_archive(src: Path, out: Path, to: Path) -> tuple[Path, Path]:
    """A copy of the replies `src` and of the archive `out` rendered from them, into `to`, the copied manifest
    naming the copied replies as their sources: the archive as if rendered there (neither a reply's fingerprint
    nor its files depend on where it lies). Tests change their copies, not the archive a module renders once."""
    from replygen.manifest import Manifest

    copied_src, copied_out = to / "content", to / "out"
    shutil.copytree(src, copied_src)
    shutil.copytree(out, copied_out)
    manifest = Manifest.load(copied_out)
    for record in [*manifest.outputs.values(), *manifest.failures.values()]:
        record.source = str(copied_src / Path(record.source).relative_to(src))
    manifest.save(copied_out)
    return copied_src, copied_out
