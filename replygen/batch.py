"""Regenerating an archive: many replies on several worker processes, only what changed, never a half file.

The main process decides what to render (fingerprints against the manifest); workers load the templates,
WeasyPrint and the fonts once each, then render replies one by one and write each output atomically. A reply
that fails is reported and skipped; a worker that crashes takes only its own reply down: the others are retried
in a fresh pool.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from replygen.compose import DEFAULT_TEMPLATES, Templates
from replygen.errors import ReplyError
from replygen.fingerprint import Fingerprinter
from replygen.manifest import Manifest, Output
from replygen.output import commit, sweep_temporaries
from replygen.render import document_for, render_all, reply_files


@dataclass(frozen=True)
class Job:
    source: Path
    stem: str
    """the output path without suffix, relative to the archive (posix): mirrors the source folders"""
    fingerprint: str


@dataclass
class Result:
    job: Job
    outputs: dict[str, Output] = field(default_factory=dict)
    written: int = 0
    problems: list[str] = field(default_factory=list)


@dataclass
class Summary:
    rendered: list[Result] = field(default_factory=list)
    skipped: int = 0
    failed: list[Result] = field(default_factory=list)


def parse_shard(text: str) -> tuple[int, int]:
    """'2/4' → (2, 4): the second of four shares."""
    try:
        i, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise ValueError("分片应写作 I/N，如 1/4") from None
    if not 1 <= i <= n:
        raise ValueError("分片应满足 1 ≤ I ≤ N")
    return i, n


def in_shard(stem: str, shard: tuple[int, int] | None) -> bool:
    """A stable share: the same reply lands in the same shard on every machine and every run."""
    if shard is None:
        return True
    i, n = shard
    return int.from_bytes(hashlib.sha256(stem.encode()).digest()[:8], "big") % n == i - 1


def plan(sources: Iterable[Path], out: Path, templates: Templates, formats: list[str], *, force: bool,
         shard: tuple[int, int] | None, manifest: Manifest) -> tuple[list[Job], int]:
    """The replies to render, and how many are up to date."""
    fingerprints = Fingerprinter(templates)
    jobs, skipped = [], 0
    for path, rel in reply_files(sources):
        stem = rel.as_posix()
        if not in_shard(stem, shard):
            continue
        job = Job(path, stem, fingerprints.of(path.read_bytes()))
        if not force and all(_up_to_date(out, f"{stem}.{fmt}", job.fingerprint, manifest) for fmt in formats):
            skipped += 1
        else:
            jobs.append(job)
    return jobs, skipped


def _up_to_date(out: Path, rel: str, fingerprint: str, manifest: Manifest) -> bool:
    record = manifest.outputs.get(rel)
    if record is None or record.fingerprint != fingerprint:
        return False
    try:
        return (out / rel).stat().st_size == record.size
    except OSError:
        return False


# --- worker side -------------------------------------------------------------------------------------------

_worker: dict[str, object] = {}


def _init_worker(templates_root: str, formats: list[str]) -> None:
    _setup(Templates.open(Path(templates_root)), formats)


def _setup(templates: Templates, formats: list[str]) -> None:
    """What a worker does once: keep the templates, and load WeasyPrint and the fonts if PDFs are wanted."""
    _worker.update(templates=templates, formats=formats)
    if "pdf" in formats:
        from replygen.writers.pdf import warm_up

        warm_up(templates.style)


def _render(job: Job, out: Path) -> Result:
    templates: Templates = _worker["templates"]  # type: ignore[assignment]
    if os.environ.get("REPLYGEN_TEST_CRASH") == job.stem:  # fault injection for the isolation test
        os._exit(70)
    result = Result(job)
    try:
        rendered = render_all(document_for(job.source, templates), templates, out / job.stem, _worker["formats"])  # type: ignore[arg-type]
        result.written = commit(rendered)
    except ReplyError as err:
        result.problems = [str(p) for p in err.problems]
        return result
    except Exception as exc:
        result.problems = [f"{job.source}: 内部错误：{type(exc).__name__}: {exc}"]
        return result
    for target, data in rendered.items():
        rel = target.relative_to(out).as_posix()
        result.outputs[rel] = Output(hashlib.sha256(data).hexdigest(), len(data), job.fingerprint)
    return result


# --- main side ---------------------------------------------------------------------------------------------

def run(jobs: list[Job], out: Path, templates: Templates, formats: list[str], workers: int,
        on_result: Callable[[Result], None]) -> list[Result]:
    """Render jobs on `workers` processes (in this process when 1)."""
    if workers <= 1 or len(jobs) <= 1:
        _setup(templates, formats)
        results = []
        for job in jobs:
            results.append(_render(job, out))
            on_result(results[-1])
        return results
    results: list[Result] = []
    lost: list[Job] = []
    with _pool(workers, templates, formats) as pool:
        futures: dict[Future[Result], Job] = {pool.submit(_render, job, out): job for job in jobs}
        while futures:
            done, _ = wait(futures, return_when=FIRST_COMPLETED)
            for future in done:
                job = futures.pop(future)
                try:
                    results.append(future.result())
                    on_result(results[-1])
                except BrokenProcessPool:
                    lost.append(job)
    # A crashed worker breaks the whole pool. Render what it took down again one reply at a time, so that a
    # crash is pinned on the one reply that causes it; a worker killed mid-write leaves its temporary files.
    pool = None
    if lost:
        sweep_temporaries(out)
    for job in sorted(lost, key=lambda j: j.stem):
        pool = pool or _pool(1, templates, formats)
        try:
            result = pool.submit(_render, job, out).result()
        except BrokenProcessPool:
            pool.shutdown()
            pool = None
            result = Result(job, problems=[f"{job.source}: 渲染进程意外退出（单独重试后仍然如此）"])
        results.append(result)
        on_result(result)
    if pool is not None:
        pool.shutdown()
    return results


def _pool(workers: int, templates: Templates, formats: list[str]) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(str(templates.root), formats))


def batch(sources: list[Path], out: Path, *, templates_root: Path = DEFAULT_TEMPLATES, formats: list[str],
          workers: int, force: bool = False, shard: tuple[int, int] | None = None,
          on_plan: Callable[[int, int], None] = lambda todo, skipped: None,
          on_result: Callable[[Result], None] = lambda r: None) -> Summary:
    templates = Templates.open(templates_root)
    manifest = Manifest.load(out)
    jobs, skipped = plan(sources, out, templates, formats, force=force, shard=shard, manifest=manifest)
    on_plan(len(jobs), skipped)
    summary = Summary(skipped=skipped)
    if not jobs:
        return summary
    out.mkdir(parents=True, exist_ok=True)
    for result in run(jobs, out, templates, formats, workers, on_result):
        if result.problems:
            summary.failed.append(result)
            continue
        summary.rendered.append(result)
        manifest.outputs.update(result.outputs)
        manifest.sources.update({rel: str(result.job.source) for rel in result.outputs})
    manifest.save(out)
    return summary
