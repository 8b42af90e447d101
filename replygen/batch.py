"""Regenerating an archive: many replies on several worker processes, only what changed, never a half file.

The main process holds the archive folder's lock, decides what to render (fingerprints against the manifest,
and the outputs re-hashed) and reports the replies that failed before with nothing changed straight from the
manifest. It loads the writers and warms WeasyPrint and the fonts once; the workers, forked from it, inherit
that, cap their memory, then render replies one by one, each within the per-reply limits, and commit each reply's
formats together. A reply that fails is reported and skipped; a worker that crashes takes only its own reply
down: the others are retried in a fresh pool. `reproduce` re-renders an archive in memory to show that it is
reproducible here (`verify --deep`).
"""

from __future__ import annotations

import hashlib
import os
import signal
import stat
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from replygen.compose import DEFAULT_TEMPLATES, Templates
from replygen.document import fit_notes
from replygen.errors import Problem, ReplyError
from replygen.fingerprint import Fingerprinter
from replygen.limits import Limits, limit_process_memory, render_limits, too_large, variable
from replygen.manifest import Failure, Finding, Manifest, Output, locked
from replygen.output import commit, describe, sha256_file, sweep_temporaries
from replygen.parallel import Workers, usable_cores
from replygen.render import document_for, load_writers, regarding, render_document, reply_files


@dataclass(frozen=True)
class Job:
    source: Path
    stem: str
    """the output path without suffix, relative to the archive (posix): mirrors the source folders"""
    fingerprint: str


@dataclass
class Result:
    job: Job
    hashes: dict[str, tuple[str, int]] = field(default_factory=dict)
    """output path relative to the archive → (SHA-256, size)"""
    written: int = 0
    problems: list[str] = field(default_factory=list)
    lasting: bool = False
    """the failure follows from what the fingerprint covers (content, templates, stack) and the limits: it is
    recorded and not retried until one of them changes"""
    known: bool = False
    """reported from the manifest: failed before, nothing changed, not rendered again"""
    notes: list[str] = field(default_factory=list)
    """what the layout adjusted (document.fit_notes), for the clerk"""


@dataclass
class Summary:
    rendered: list[Result] = field(default_factory=list)
    skipped: int = 0
    failed: list[Result] = field(default_factory=list)
    swept: int = 0
    """temporary files that a killed run had left, removed"""


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


def limits_key(limits: Limits) -> str:
    """The limits a failure happened under: raising them is a reason to try again."""
    return f"{limits.render_seconds:g} 秒，{limits.render_memory_mb} MB"


def plan(sources: Iterable[Path], out: Path, fingerprints: Fingerprinter, formats: list[str], *, force: bool,
         shard: tuple[int, int] | None, manifest: Manifest, limits: Limits,
         pdf_standard: str | None = None) -> tuple[list[Job], int, list[Result]]:
    """The replies to render, how many are up to date, and those that fail without rendering: unreadable now,
    or failed before with nothing changed since."""
    jobs, skipped, failed = [], 0, []
    for path, rel in reply_files(sources):
        stem = rel.as_posix()
        if not in_shard(stem, shard):
            continue
        try:
            job = Job(path, stem, fingerprints.of(_read_source(path, limits)))
        except ReplyError as err:
            failed.append(Result(Job(path, stem, ""), problems=[str(p) for p in err.problems]))
            continue
        if force:
            jobs.append(job)
        elif all(_up_to_date(out, f"{stem}.{fmt}", job.fingerprint, manifest)
                 and manifest.outputs[f"{stem}.{fmt}"].standard == output_standard(fmt, pdf_standard)
                 for fmt in formats):
            skipped += 1
        elif (before := manifest.failures.get(stem)) and (before.fingerprint, before.formats, before.limits) == (
                job.fingerprint, formats, limits_key(limits)):
            failed.append(Result(job, problems=before.problems, lasting=True, known=True))
        else:
            jobs.append(job)
    return jobs, skipped, failed


def _read_source(path: Path, limits: Limits) -> bytes:
    """A reply's bytes, or a ReplyError naming it: never blocks on a named pipe, never reads a huge file."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as f:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise ReplyError.at("无法读取：不是普通文件（如命名管道、设备）", path)
            if info.st_size > limits.yaml_bytes:
                raise too_large(path, info.st_size, limits.yaml_bytes, variable("yaml_kb"))
            return f.read()
    except OSError as exc:
        raise ReplyError.at(f"无法读取：{describe(exc)}", path) from None


def output_standard(fmt: str, pdf_standard: str | None) -> str | None:
    """What the manifest records as a format's standard."""
    if fmt == "ofd":
        from replygen.ofd import STANDARD

        return STANDARD
    if fmt == "pdf":
        from replygen.writers.pdfmeta import standard_label

        return standard_label(pdf_standard)
    return None


def pdf_standard_of(label: str | None) -> str | None:
    """The inverse of output_standard for a PDF: the --pdf-standard a recorded output was rendered with."""
    from replygen.writers.pdfmeta import STANDARDS, standard_label

    return next((key for key in STANDARDS if standard_label(key) == label), None)


def _up_to_date(out: Path, rel: str, fingerprint: str, manifest: Manifest) -> bool:
    """Recorded from these inputs, and the file still holds the recorded bytes: re-hashed, because a flipped
    byte keeps the size. Cheap: 1000 DOCX outputs re-hash in about 0.4 s; rendering them takes about 100 s."""
    record = manifest.outputs.get(rel)
    if record is None or record.fingerprint != fingerprint:
        return False
    try:
        return (out / rel).stat().st_size == record.size and sha256_file(out / rel) == record.sha256
    except OSError:
        return False


# --- worker side -------------------------------------------------------------------------------------------

_worker: dict[str, object] = {}


def _init_worker(templates: Templates, formats: list[str], limits: Limits, pdf_standard: str | None = None) -> None:
    """What a worker does once, on what it inherited from the main process (warm_up): cap its memory. Ctrl-C is
    the main process's to handle (the terminal sends it to every process of the batch): a worker that died of it
    in the middle of the pool's queue operations could leave the pool waiting for it for ever; it finishes the
    reply in hand instead."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    limit_process_memory(limits)
    _worker.update(templates=templates, formats=formats, limits=limits, pdf_standard=pdf_standard)
    if _data_size() >= limits.render_memory_mb * 1024 * 1024:  # a limit too small even for what it inherited
        _worker["unusable"] = (f"生成进程启动时内存不足：超过 {limits.render_memory_mb} MB 的上限；"
                               "请设置更大的环境变量 REPLYGEN_RENDER_MEMORY_MB")


def _data_size() -> int:
    """This process's data segment in bytes, as the memory limit (RLIMIT_DATA) counts it; 0 when unknown."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii", errors="replace")
    except OSError:
        return 0
    return next((int(line.split()[1]) * 1024 for line in status.splitlines() if line.startswith("VmData:")), 0)


def _render(job: Job, out: Path, write: bool = True) -> Result:
    """Render one reply within its limits; commit its formats together unless only the hashes are wanted."""
    if os.environ.get("REPLYGEN_TEST_CRASH") == job.stem:  # fault injection for the isolation test
        os._exit(70)
    result = Result(job)
    if "unusable" in _worker:
        result.problems = [f"{job.source}: {_worker['unusable']}"]
        return result
    templates: Templates = _worker["templates"]  # type: ignore[assignment]
    try:
        with render_limits(job.source, _worker["limits"]):  # type: ignore[arg-type]
            rendered, doc = render_document(document_for(job.source, templates), templates, out / job.stem,
                                            _worker["formats"], _worker["pdf_standard"])  # type: ignore[arg-type]
        result.notes = fit_notes(doc)
    except ReplyError as err:
        result.problems, result.lasting = [str(p) for p in regarding(err, job.source).problems], True
        return result
    except Exception as exc:
        result.problems = [f"{job.source}: 内部错误：{type(exc).__name__}: {exc}"]
        return result
    if write:
        try:
            result.written = commit(rendered)
        except ReplyError as err:
            result.problems = [str(p) for p in regarding(err, job.source).problems]
            return result
    result.hashes = {target.relative_to(out).as_posix(): (hashlib.sha256(data).hexdigest(), len(data))
                     for target, data in rendered.items()}
    return result


# --- main side ---------------------------------------------------------------------------------------------

def run(jobs: list[Job], out: Path, templates: Templates, formats: list[str], workers: int, limits: Limits,
        on_result: Callable[[Result], None], write: bool = True, pdf_standard: str | None = None) -> list[Result]:
    """Render jobs on worker processes (never more than the cores, or the jobs): the calling process never
    renders a reply, so that its memory is never capped and a crash never takes it down."""
    workers = max(1, min(workers, usable_cores(), len(jobs)))
    # What every worker needs first (the writers imported, WeasyPrint and the fonts warm: about a second of CPU)
    # is done here once, before the workers are forked, instead of in each worker and in each pool a crash makes.
    load_writers(formats)
    from replygen.writers.pdf import warm_up

    warm_up(templates.style)  # every format lays out with WeasyPrint (a DOCX follows the PDF's layout)
    results: list[Result] = []
    # a worker killed mid-write leaves its temporary files: swept before its replies are tried again
    retry = (lambda: sweep_temporaries(out)) if write else (lambda: None)
    with Workers(workers, _init_worker, (templates, formats, limits, pdf_standard)) as pool, \
            _interruption() as interrupted:
        for job, result in pool.run(partial(_render, out=out, write=write), jobs, interrupted, retry):
            results.append(result or Result(job, problems=[f"{job.source}: 渲染进程意外退出（单独重试后仍然如此）"]))
            on_result(results[-1])
    return results


@contextmanager
def _interruption() -> Iterator[threading.Event]:
    """Ctrl+C as an event the run loop looks at, instead of a KeyboardInterrupt raised wherever the main thread
    is: raised inside concurrent.futures' wait() it can leave a future's lock held, and the pool's shutdown then
    waits for ever. Off the main thread (where no signal handler can be set) the event is never set."""
    interrupted = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield interrupted
        return
    previous = signal.signal(signal.SIGINT, lambda signum, frame: interrupted.set())
    try:
        yield interrupted
    finally:
        signal.signal(signal.SIGINT, previous)


def batch(sources: list[Path], out: Path, *, templates_root: Path = DEFAULT_TEMPLATES, formats: list[str],
          workers: int, force: bool = False, shard: tuple[int, int] | None = None, wait: float = 600,
          pdf_standard: str | None = None, scheduler: str | None = None,
          on_wait: Callable[[str], None] = lambda message: None,
          on_connect: Callable[[str], None] = lambda message: None,
          on_plan: Callable[[int, int, int], None] = lambda todo, skipped, failed: None,
          on_result: Callable[[Result], None] = lambda r: None) -> Summary:
    """Render what changed under `sources` into the archive `out`, holding its lock throughout: on worker
    processes of this machine, or on the Dask cluster whose scheduler is at `scheduler` (cluster.py). Nothing
    changed: no worker is started and the scheduler is not contacted."""
    limits = Limits.from_env()
    templates = Templates.open(templates_root)
    with locked(out, wait, on_wait):
        try:
            manifest, rebuilt = Manifest.load(out), False
        except ReplyError as err:
            if not force:
                raise ReplyError([Problem(f"{p.message}；可用 --force 全部重新生成，同时重建清单", p.location)
                                  for p in err.problems]) from None
            manifest, rebuilt = Manifest(), True
        summary = Summary(swept=sweep_temporaries(out))
        fingerprints = Fingerprinter(templates)
        jobs, summary.skipped, summary.failed = plan(sources, out, fingerprints, formats, force=force, shard=shard,
                                                     manifest=manifest, limits=limits, pdf_standard=pdf_standard)
        on_plan(len(jobs), summary.skipped, len(summary.failed))

        def record(result: Result) -> None:
            _record(manifest, result, fingerprints, templates, formats, limits, pdf_standard)
            (summary.failed if result.problems else summary.rendered).append(result)
            on_result(result)

        try:
            if jobs and scheduler:
                from replygen import cluster

                cluster.run(scheduler, jobs, out, templates, formats, limits, fingerprints, record,
                            pdf_standard=pdf_standard, on_connect=on_connect)
            elif jobs:
                run(jobs, out, templates, formats, workers, limits, record, pdf_standard=pdf_standard)
        finally:  # also when interrupted (Ctrl-C): what was committed stays recorded
            if jobs or rebuilt:
                manifest.save(out)
    return summary


def _record(manifest: Manifest, result: Result, fingerprints: Fingerprinter, templates: Templates,
            formats: list[str], limits: Limits, pdf_standard: str | None = None) -> None:
    job = result.job
    source = str(job.source.absolute())
    if result.problems:
        if result.lasting:
            manifest.failures[job.stem] = Failure(source, job.fingerprint, formats, limits_key(limits), result.problems)
        else:
            manifest.failures.pop(job.stem, None)
        return
    manifest.failures.pop(job.stem, None)
    manifest.stacks[fingerprints.stack_id] = fingerprints.stack
    for rel, (sha256, size) in result.hashes.items():
        manifest.outputs[rel] = Output(sha256, size, job.fingerprint, output_standard(rel.rsplit(".", 1)[1], pdf_standard),
                                       fingerprints.stack_id, source, str(templates.root))


def reproduce(folder: Path, *, sample: int | None, workers: int,
              on_plan: Callable[[int, int], None] = lambda todo, total: None) -> list[Finding]:
    """Render again, in memory, every reply of an archive (or a stable sample of `sample` of them) from the
    source and templates its manifest records, and compare the bytes: what differs, or cannot be rendered."""
    manifest = Manifest.load(folder)
    replies = manifest.replies()
    stems = sorted(replies)
    if sample is not None and sample < len(stems):
        stems = sorted(sorted(stems, key=lambda s: hashlib.sha256(s.encode()).digest())[:sample])
    on_plan(len(stems), len(replies))
    findings: list[Finding] = []
    groups: dict[tuple[str, tuple[str, ...], str | None], list[Job]] = {}
    for stem in stems:
        first = manifest.outputs[replies[stem][0]]
        if not first.source or not Path(first.source).is_file():
            findings.append(Finding("source-missing", stem, first.source or "清单未记录源文件"))
            continue
        formats = tuple(rel.rsplit(".", 1)[1] for rel in replies[stem])
        pdf = next((manifest.outputs[rel] for rel in replies[stem] if rel.endswith(".pdf")), first)
        key = (first.templates or str(DEFAULT_TEMPLATES), formats, pdf_standard_of(pdf.standard))
        groups.setdefault(key, []).append(Job(Path(first.source), stem, first.fingerprint))
    limits = Limits.from_env()
    for (root, formats, pdf_standard), jobs in groups.items():
        templates = Templates.open(Path(root))
        fingerprints = Fingerprinter(templates)
        for result in run(jobs, folder, templates, list(formats), workers, limits, lambda r: None, write=False,
                          pdf_standard=pdf_standard):
            findings += _compare(result, manifest, fingerprints)
    return sorted(findings, key=lambda f: f.path)


def _compare(result: Result, manifest: Manifest, fingerprints: Fingerprinter) -> list[Finding]:
    job = result.job
    if result.problems:
        return [Finding("failed", job.stem, "；".join(result.problems))]
    differs = [rel for rel, (sha256, _) in sorted(result.hashes.items()) if manifest.outputs[rel].sha256 != sha256]
    if not differs:
        return []
    try:
        same_inputs = fingerprints.of(job.source.read_bytes()) == job.fingerprint
    except OSError:
        same_inputs = False
    why = "输入和生成环境都没有变：本机不能复现" if same_inputs else "答复、模板或生成环境在生成后有改动"
    return [Finding("differs", rel, why) for rel in differs]
