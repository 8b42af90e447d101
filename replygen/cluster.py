"""Regenerating an archive on a Dask cluster (`replygen batch --scheduler tcp://HOST:PORT`).

No file system is shared with the workers. The client (the `batch` process, which holds the archive's lock and
its manifest) sends each task the YAML bytes of its replies; the templates folder travels as one bundle per run
(one task's data, fetched once per worker and run, kept on each worker's disk under its SHA-256, so later runs reuse it). Workers render in memory
and return the bytes; the client commits each reply's formats together (output.commit) and records them in the
manifest as results arrive, so the manifest stays the checkpoint: an interrupted run loses only the replies in
flight.

Before anything is sent, every worker reports its renderer stack (fingerprint.renderer_stack: library versions and
the font file serving each role); a worker whose stack differs from the client's is named and the run refused,
since its outputs would not be byte-identical. Replies travel in groups (a few to 200 per task), so that the
scheduler's cost per reply stays small at a million. A worker that dies has its task run again elsewhere (by
Dask); a group whose task kills workers repeatedly (Dask's KilledWorker) is split into one task per reply, and a
reply that still kills workers is reported as failed, not retried forever.

Per-reply limits on a cluster: Dask runs tasks in worker threads, where no alarm signal reaches, so the render
time limit applies to template execution (the sandbox checks it) but not to WeasyPrint's layout; memory is the
worker's (`dask worker --memory-limit`, enforced by its nanny, which restarts the worker and so makes the task
retried, then reported). One reply renders at a time in each worker process (WeasyPrint is not thread-safe).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from replygen.batch import Job, Result
from replygen.compose import Templates
from replygen.errors import Location, Problem, ReplyError
from replygen.fingerprint import Fingerprinter
from replygen.limits import Limits
from replygen.output import commit, describe

_ADDRESS = re.compile(r"(tcp|tls)://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})")
MAX_GROUP = 200
"""replies per task at most: a task's results (DOCX + PDF, ≈ 0.3 MB a reply) travel as one message"""
TASKS_PER_THREAD = 4
"""groups per worker thread (when there are enough replies): keeps every worker busy to the end"""
KILLS_BEFORE_REPORT = 2
"""KilledWorker errors a reply gets, in a task of its own, before it is reported rather than tried again"""
IN_FLIGHT_PER_THREAD = 2
"""tasks submitted ahead per worker thread: the replies in flight are what an interruption loses"""


def parse_address(text: str) -> str:
    """A scheduler address as Dask takes it, or ValueError in Chinese: tcp://HOST:PORT (tls:// too)."""
    match = _ADDRESS.fullmatch(text.strip())
    if not match or not 0 < int(match[3]) < 65536:
        raise ValueError(f"调度器地址“{text}”格式不对：应写作 tcp://主机:端口，如 tcp://192.168.1.10:8786")
    return match[0]


def connect_timeout() -> float:
    """How long to try to reach the scheduler (and wait for its first worker): REPLYGEN_SCHEDULER_TIMEOUT seconds."""
    raw = os.environ.get("REPLYGEN_SCHEDULER_TIMEOUT", "").strip()
    try:
        value = float(raw) if raw else 20.0
    except ValueError:
        value = -1
    if value <= 0:
        raise ReplyError(Problem(f"环境变量 REPLYGEN_SCHEDULER_TIMEOUT={raw!r} 无效：应为正数（秒）"))
    return value


def group_size(replies: int, threads: int) -> int:
    """Replies per task: enough tasks to balance the workers, never more than MAX_GROUP replies in one."""
    return max(1, min(MAX_GROUP, math.ceil(replies / max(1, threads * TASKS_PER_THREAD))))


# --- what travels -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Bundle:
    """A templates folder as bytes (style, templates, issuer profiles, skeleton): what a worker needs besides
    the replies, keyed by the SHA-256 of its content."""

    key: str
    files: tuple[tuple[str, bytes], ...]

    @classmethod
    def of(cls, root: Path) -> Bundle:
        files = tuple((p.relative_to(root).as_posix(), p.read_bytes())
                      for p in sorted(root.rglob("*")) if p.is_file())
        h = hashlib.sha256()
        for name, data in files:
            h.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
        return cls(h.hexdigest()[:32], files)

    def install(self) -> Path:
        """This bundle as a folder on this machine (made once, atomically: two workers may race)."""
        cache = Path(os.environ.get("REPLYGEN_CLUSTER_CACHE") or Path(tempfile.gettempdir()) / "replygen-templates")
        root = cache / self.key
        if not root.is_dir():
            cache.mkdir(parents=True, exist_ok=True)
            scratch = Path(tempfile.mkdtemp(prefix=f".{self.key}.", dir=cache))
            for name, data in self.files:
                (scratch / name).parent.mkdir(parents=True, exist_ok=True)
                (scratch / name).write_bytes(data)
            try:
                scratch.rename(root)
            except OSError:  # another worker made it first
                import shutil

                shutil.rmtree(scratch, ignore_errors=True)
        return root


@dataclass(frozen=True)
class Settings:
    """What every task of a run renders with."""

    formats: tuple[str, ...]
    pdf_standard: str | None
    limits: Limits
    stack: tuple[tuple[str, str], ...]
    """the client's renderer stack: a worker whose own differs refuses to render"""
    client_root: str
    """the templates folder on the client: a worker's messages name it rather than its own copy"""


@dataclass(frozen=True)
class Item:
    stem: str
    source: str
    """the path on the client: messages name it"""
    data: bytes


@dataclass
class Rendered:
    """One reply's outcome on a worker: the files' bytes (relative to the archive), or its problems."""

    stem: str
    files: dict[str, bytes]
    problems: list[str]
    lasting: bool = False
    notes: list[str] = field(default_factory=list)
    """what the layout adjusted (document.fit_notes), printed as a local batch prints them"""


class StackMismatch(Exception):
    """Raised by a task on a worker whose renderer stack differs from the client's (a worker that joined after
    the check at the start): the run stops, since that worker's files would differ."""


# --- worker side ------------------------------------------------------------------------------------------

@dataclass
class _Prepared:
    templates: Templates
    stack: dict[str, str]


_prepared: dict[tuple, _Prepared] = {}
_render_lock = threading.Lock()
_prepare_lock = threading.Lock()


def _prepare(bundle: Bundle, settings: Settings) -> _Prepared:
    """Open the bundle's templates, load the writers and warm WeasyPrint once per worker process and run."""
    key = (bundle.key, settings.formats, settings.pdf_standard, settings.limits)
    with _prepare_lock:  # the check at the start (client.run) and a first task may both come here
        if key not in _prepared:
            _prepared[key] = _prepare_now(bundle, settings)
    return _prepared[key]


def _prepare_now(bundle: Bundle, settings: Settings) -> _Prepared:
    from replygen.fingerprint import renderer_stack
    from replygen.render import load_writers

    templates = Templates.open(bundle.install(), settings.limits)
    load_writers(settings.formats)
    from replygen.writers.pdf import warm_up

    warm_up(templates.style)  # every format lays out with WeasyPrint (a DOCX follows the PDF's layout)
    return _Prepared(templates, renderer_stack(templates.style))


def worker_stack(bundle: Bundle, settings: Settings) -> dict[str, str]:
    """This worker's renderer stack for the bundle's style (run on every worker before the batch starts)."""
    return _prepare(bundle, settings).stack


def render_group(bundle: Bundle, settings: Settings, items: list[Item]) -> list[Rendered]:
    """A task: render each reply of the group in memory, one at a time; return their bytes or problems."""
    _fault_injection()
    prepared = _prepare(bundle, settings)
    if differences(dict(settings.stack), prepared.stack):
        raise StackMismatch("；".join(differences(dict(settings.stack), prepared.stack)))
    with _render_lock:
        return [_render_one(item, prepared.templates, settings) for item in items]


def _identity(bundle: Bundle) -> Bundle:
    return bundle


def _fault_injection() -> None:
    """For the tests: REPLYGEN_TEST_HANG=folder makes this worker stop for good at its first task once
    folder/arm exists (saying so in folder/hung), so that a test can kill it in mid-run."""
    folder = os.environ.get("REPLYGEN_TEST_HANG")
    if folder and (Path(folder) / "arm").exists():
        (Path(folder) / "hung").write_text(str(os.getpid()))
        threading.Event().wait()


def _render_one(item: Item, templates: Templates, settings: Settings) -> Rendered:
    from replygen.document import fit_notes
    from replygen.limits import render_limits
    from replygen.load import load_reply
    from replygen.render import regarding, render_document
    from replygen.yamlsource import _decode

    if os.environ.get("REPLYGEN_TEST_CRASH") == item.stem:  # fault injection: a reply that kills its worker
        os._exit(70)
    source = Path(item.source)
    try:
        with render_limits(source, settings.limits):
            doc = templates.compose(load_reply(source, _decode(item.data, source)))
            rendered, doc = render_document(doc, templates, Path(item.stem), settings.formats, settings.pdf_standard)
    except ReplyError as err:
        problems = [str(p) for p in regarding(err, source).problems]
        return Rendered(item.stem, {}, _client_paths(problems, templates, settings), lasting=True)
    except Exception as exc:
        return Rendered(item.stem, {}, [f"{source}: 内部错误：{type(exc).__name__}: {exc}"])
    return Rendered(item.stem, {target.as_posix(): data for target, data in rendered.items()}, [],
                    notes=fit_notes(doc))


def _client_paths(problems: list[str], templates: Templates, settings: Settings) -> list[str]:
    """A template's problem names the client's templates folder, not the worker's copy of it."""
    return [p.replace(str(templates.root), settings.client_root) for p in problems]


# --- both sides -------------------------------------------------------------------------------------------

def differences(mine: dict[str, str], theirs: dict[str, str]) -> list[str]:
    """What differs between the client's stack and a worker's, one '名称：本机 …，工作进程 …' per component. A font
    is the same when its content is (the folder it is installed in does not change a byte of output)."""
    def same(key: str) -> bool:
        a, b = mine.get(key, "无"), theirs.get(key, "无")
        return a == b or (key.startswith("字体") and a.rpartition("/")[2] == b.rpartition("/")[2])

    return [f"{key}：本机 {mine.get(key, '无')}，工作进程 {theirs.get(key, '无')}"
            for key in sorted(mine.keys() | theirs.keys()) if not same(key)]


# --- client side ------------------------------------------------------------------------------------------

def run(address: str, jobs: list[Job], out: Path, templates: Templates, formats: list[str], limits: Limits,
        fingerprints: Fingerprinter, on_result: Callable[[Result], None], pdf_standard: str | None = None,
        on_connect: Callable[[str], None] = lambda message: None) -> list[Result]:
    """Render jobs on the cluster at `address`, committing each reply's files as its group comes back."""
    timeout = connect_timeout()
    _quiet()
    client = _connect(address, timeout)
    try:
        on_connect(_connected(client, address))
        _wait_for_workers(client, address, timeout)
        bundle = Bundle.of(templates.root)
        settings = Settings(tuple(formats), pdf_standard, limits, tuple(sorted(fingerprints.stack.items())),
                            str(templates.root))
        _check_workers(client, bundle, settings, fingerprints.stack, address)
        return _Run(client, address, bundle, settings, out, fingerprints, on_result).all(jobs)
    finally:
        _close(client)


def _quiet() -> None:
    """Dask's own log lines (in English, with tracebacks, about reconnecting and retrying) are not for clerks:
    our messages say what happened. REPLYGEN_DEBUG=1 keeps them. Called once distributed is imported, which
    sets the levels of its loggers."""
    import distributed  # noqa: F401

    if os.environ.get("REPLYGEN_DEBUG"):
        return
    for name in ["distributed", *logging.root.manager.loggerDict]:
        if name == "distributed" or name.startswith("distributed."):
            logging.getLogger(name).setLevel(logging.CRITICAL)


def _connect(address: str, timeout: float):
    from distributed import Client

    try:
        return Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ReplyError(Problem(f"无法连接调度器 {address}（{timeout:g} 秒内没有响应：{_why(exc)}）；请确认调度器已启动"
                                 "（.venv/bin/dask scheduler）、地址和端口正确、防火墙允许连接；未做任何改动")) from None


def _why(exc: BaseException) -> str:
    text = str(exc)
    if "refused" in text.lower():
        return "连接被拒绝"
    if "timed out" in text.lower() or isinstance(exc, TimeoutError):
        return "连接超时"
    return type(exc).__name__


def _connected(client, address: str) -> str:
    try:
        link = client.dashboard_link if "dashboard" in client.scheduler_info().get("services", {}) else None
    except Exception:  # no dashboard served
        link = None
    return f"已连接调度器 {address}" + (f"；Dask 仪表板：{link}" if link else "")


def _wait_for_workers(client, address: str, timeout: float) -> None:
    try:
        client.wait_for_workers(1, timeout=timeout)
    except TimeoutError:
        raise ReplyError(Problem(f"调度器 {address} 上 {timeout:g} 秒内没有工作进程；请先在各台机器上启动 "
                                 f".venv/bin/dask worker {address}")) from None


def _check_workers(client, bundle: Bundle, settings: Settings, mine: dict[str, str], address: str) -> None:
    """Refuse the run, before any task, when a worker would render with other fonts or libraries than the
    client: naming each such worker and what differs."""
    stacks = _on_workers(client, address, lambda: client.run(worker_stack, bundle, settings))
    names = {addr: info.get("name", addr) for addr, info in client.scheduler_info()["workers"].items()}
    problems = []
    for worker, stack in sorted(stacks.items()):
        if found := differences(mine, stack):
            name = str(names.get(worker, worker))
            who = name if name == worker else f"{name}（{worker}）"
            problems.append(Problem(f"工作进程 {who} 的生成环境与本机不同，生成的文件不会逐字节一致："
                                    + "；".join(found)))
    if problems:
        problems.append(Problem("未发送任何任务，未做任何改动；请让各工作进程使用与本机相同的字体和软件版本"
                                "（相同的 REPLYGEN_FONTS 设置和安装步骤），或停止不同的工作进程"))
        raise ReplyError(problems)


def _on_workers(client, address: str, call: Callable[[], dict]):
    try:
        return call()
    except (OSError, TimeoutError) as exc:
        raise _lost(address, exc) from None


def _lost(address: str, exc: BaseException, done: int | None = None) -> ReplyError:
    kept = (f"已完成的 {done} 份已写入并记入清单；" if done else "") + "再次运行同一命令会生成其余答复"
    return ReplyError(Problem(f"与调度器 {address} 的连接中断（{_why(exc)}）；{kept}"))


def _close(client) -> None:
    with contextlib.suppress(Exception):  # a scheduler already gone: nothing to tidy up
        client.close(timeout=5)


class _Run:
    """One run's tasks: submitted a window at a time, results committed as they come."""

    def __init__(self, client, address: str, bundle: Bundle, settings: Settings, out: Path,
                 fingerprints: Fingerprinter, on_result: Callable[[Result], None]) -> None:
        self.client, self.address, self.settings, self.out = client, address, settings, out
        self.fingerprints, self.on_result = fingerprints, on_result
        # A task rather than scattered data: the scheduler keeps its spec, so that when every worker holding
        # the bundle has died, it is made again instead of the run's tasks being cancelled.
        self.bundle = client.submit(_identity, bundle, key=f"replygen-bundle-{bundle.key}", pure=False)
        self.results: list[Result] = []
        self.seen: set[str] = set()
        self.killed: dict[str, int] = {}

    def all(self, jobs: list[Job]) -> list[Result]:
        from distributed import as_completed

        threads = sum(w.get("nthreads", 1) for w in self.client.scheduler_info()["workers"].values())
        size = group_size(len(jobs), threads)
        pending: Iterator[list[Job]] = (jobs[i:i + size] for i in range(0, len(jobs), size))
        window = max(2, threads * IN_FLIGHT_PER_THREAD)
        flying = as_completed(loop=self.client.loop)
        groups: dict[str, list[Job]] = {}

        def launch(group: list[Job]) -> None:
            if (future := self._submit(group, groups)) is not None:
                flying.add(future)

        for group in _take(pending, window):
            launch(group)
        for future in flying:
            group = groups.pop(future.key)
            for again in self._collect(future, group):
                launch(again)
            for more in _take(pending, window - flying.count()):
                launch(more)
        return self.results

    def _submit(self, group: list[Job], groups: dict[str, list[Job]]):
        """One task for the group's replies, read now: a file changed since the plan is sent as it is now, under
        the fingerprint of what was sent; one that cannot be read any more fails alone."""
        items, sent = [], []
        for job in group:
            try:
                data = job.source.read_bytes()
            except OSError as exc:
                self._record(job, Rendered(job.stem, {}, [str(Problem(f"无法读取：{describe(exc)}",
                                                                      Location(job.source)))]))
                continue
            items.append(Item(job.stem, str(job.source), data))
            sent.append(replace(job, fingerprint=self.fingerprints.of(data)))
        if not items:
            return None
        future = self.client.submit(render_group, self.bundle, self.settings, items, pure=False,
                                    key=f"replygen-render-{os.urandom(8).hex()}")
        groups[future.key] = sent
        return future

    def _collect(self, future, group: list[Job]) -> list[list[Job]]:
        """Record a finished task's replies; what to submit again (a group that killed workers, one by one)."""
        from distributed import KilledWorker

        if future.status == "cancelled":
            raise _lost(self.address, ConnectionError("cancelled"), len(self.results))
        try:
            rendered = future.result()
        except KilledWorker:
            # Dask blames every task a dying worker held: a reply alone is blamed once more before it is
            # reported, since an innocent one may have shared a worker with the culprit.
            if len(group) > 1:
                return [[job] for job in group]
            job = group[0]
            self.killed[job.stem] = self.killed.get(job.stem, 0) + 1
            if self.killed[job.stem] < KILLS_BEFORE_REPORT:
                return [group]
            self._record(job, Rendered(job.stem, {}, [f"{job.source}: 渲染时工作进程反复意外退出（已在多个工作进程上重试），"
                                                      "这份答复未生成"]))
            return []
        except StackMismatch as exc:
            raise ReplyError(Problem(f"一个新加入的工作进程的生成环境与本机不同（{exc}）；已停止，"
                                     f"已完成的 {len(self.results)} 份已写入并记入清单")) from None
        except (OSError, TimeoutError) as exc:
            raise _lost(self.address, exc, len(self.results)) from None
        except Exception as exc:
            for job in group:
                self._record(job, Rendered(job.stem, {}, [f"{job.source}: 内部错误：{type(exc).__name__}: {exc}"]))
            return []
        for job, outcome in zip(group, rendered, strict=True):
            self._record(job, outcome)
        return []

    def _record(self, job: Job, outcome: Rendered) -> None:
        if job.stem in self.seen:  # Dask may, rarely, finish a task twice: a reply is committed once
            return
        self.seen.add(job.stem)
        result = Result(job, problems=outcome.problems, lasting=outcome.lasting, notes=outcome.notes)
        if outcome.files:
            files = {self.out / rel: data for rel, data in outcome.files.items()}
            try:
                result.written = commit(files)
                result.hashes = {rel: (hashlib.sha256(data).hexdigest(), len(data))
                                 for rel, data in outcome.files.items()}
            except ReplyError as err:
                result.problems = [str(p) for p in err.problems]
        self.results.append(result)
        self.on_result(result)


def _take(groups: Iterator[list[Job]], n: int) -> list[list[Job]]:
    taken: list[list[Job]] = []
    if n <= 0:
        return taken
    for group in groups:
        taken.append(group)
        if len(taken) >= n:
            break
    return taken
