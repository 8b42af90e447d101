"""The archive's manifest: per output, the fingerprint of everything it depends on (inputs and renderer stack),
its SHA-256 and size, and where it came from; per reply that failed, why. It makes re-rendering incremental (also
for bad replies), lets `replygen verify` vouch for the archive, and `verify --deep` re-render it.

One process at a time changes an archive folder: `locked` holds a lock file in it while a batch (or a merge)
reads, renders and saves, so that two runs into one folder keep both runs' outputs in the manifest."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from filelock import FileLock, Timeout

from replygen.errors import Location, Problem, ReplyError
from replygen.output import atomic_write, sha256_file

MANIFEST_NAME = "manifest.json"
LOCK_NAME = ".replygen.lock"
FORMAT_VERSION = 2


@dataclass
class Output:
    sha256: str
    size: int
    fingerprint: str
    """the inputs' and the renderer stack's fingerprint this output was rendered from"""
    standard: str | None = None
    """the standard the file conforms to: PDF/A-2b, OFD 1.0（GB/T 33190-2016）; None for a plain PDF or a DOCX"""
    stack: str = ""
    """the renderer stack (a key of Manifest.stacks)"""
    source: str = ""
    """the YAML file it came from (absolute)"""
    templates: str = ""
    """the templates folder it was rendered with (absolute)"""


@dataclass
class Failure:
    """A reply that could not be rendered: reported again, without rendering, while nothing it depends on
    changes (its fingerprint, the formats asked for, and the limits it ran under)."""

    source: str
    fingerprint: str
    formats: list[str]
    limits: str
    problems: list[str]


@dataclass
class Manifest:
    outputs: dict[str, Output] = field(default_factory=dict)
    """output path relative to the archive folder (posix) → record"""
    failures: dict[str, Failure] = field(default_factory=dict)
    """reply (output path without suffix) → why it failed last time"""
    stacks: dict[str, dict[str, str]] = field(default_factory=dict)
    """renderer stack id → {component: version or identity}"""

    @classmethod
    def load(cls, folder: Path) -> Manifest:
        """The folder's manifest (empty when there is none). A manifest that cannot be read is a ReplyError
        naming the file, never a traceback."""
        path = folder / MANIFEST_NAME
        if not path.exists():
            return cls()
        try:
            data = json.loads(path.read_bytes())
            if not isinstance(data, dict):
                raise TypeError("不是 JSON 对象")
            if data.get("version", 1) > FORMAT_VERSION:
                raise ReplyError(Problem(f"清单由更新版本的 replygen 写出（格式 {data['version']}），本版本只能读到格式 "
                                         f"{FORMAT_VERSION}", Location(path)))
            sources = data.get("sources", {})  # format 1 kept them beside the outputs
            outputs = {rel: Output(**{"source": sources.get(rel, ""), **record})
                       for rel, record in data.get("outputs", {}).items()}
            failures = {stem: Failure(**record) for stem, record in data.get("failures", {}).items()}
            stacks = {key: dict(stack) for key, stack in data.get("stacks", {}).items()}
        except json.JSONDecodeError as exc:
            raise ReplyError(Problem(f"清单已损坏，无法读取：JSON 格式错误（{exc.msg}）",
                                     Location(path, exc.lineno, exc.colno))) from None
        except (OSError, UnicodeDecodeError, TypeError, ValueError, AttributeError) as exc:
            raise ReplyError(Problem(f"清单已损坏，无法读取：{exc}", Location(path))) from None
        return cls(outputs, failures, stacks)

    def save(self, folder: Path) -> None:
        used = {record.stack for record in self.outputs.values()}
        data = {"version": FORMAT_VERSION,
                "outputs": {k: asdict(v) for k, v in sorted(self.outputs.items())},
                "failures": {k: asdict(v) for k, v in sorted(self.failures.items())},
                "stacks": {k: v for k, v in sorted(self.stacks.items()) if k in used}}
        atomic_write(folder / MANIFEST_NAME, (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode())

    def merge(self, other: Manifest) -> None:
        self.outputs.update(other.outputs)
        self.stacks.update(other.stacks)
        self.failures.update(other.failures)
        stems = {rel.rsplit(".", 1)[0] for rel in other.outputs}
        for stem in stems - other.failures.keys():  # rendered there: no longer failed
            self.failures.pop(stem, None)

    def replies(self) -> dict[str, list[str]]:
        """reply (output path without suffix) → its outputs' paths"""
        found: dict[str, list[str]] = {}
        for rel in sorted(self.outputs):
            found.setdefault(rel.rsplit(".", 1)[0], []).append(rel)
        return found


@contextlib.contextmanager
def locked(folder: Path, wait: float, on_wait: Callable[[str], None]) -> Iterator[None]:
    """Hold the archive folder's lock: wait for another run (saying so) at most `wait` seconds, else refuse."""
    folder.mkdir(parents=True, exist_ok=True)
    lock = FileLock(folder / LOCK_NAME)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        on_wait(f"输出目录 {folder} 正由另一个 replygen 进程使用，等待其结束（最多 {wait:g} 秒）……")
        try:
            lock.acquire(timeout=wait)
        except Timeout:
            raise ReplyError(Problem(f"等待 {wait:g} 秒后，输出目录仍由另一个 replygen 进程使用；未做任何改动。"
                                     "请等它结束后再运行，或用 --wait 延长等待", Location(folder / LOCK_NAME))) from None
    try:
        yield
    finally:
        lock.release()


@dataclass(frozen=True)
class Finding:
    kind: str  # missing | changed | unexpected | stale | source-missing | differs | failed
    path: str
    detail: str = ""

    def __str__(self) -> str:
        label = {"missing": "缺失", "changed": "内容已变", "unexpected": "清单之外的文件",
                 "stale": "生成环境已变，归档可能已过时", "source-missing": "源文件缺失，无法重新生成",
                 "differs": "重新生成的结果不同", "failed": "无法重新生成"}[self.kind]
        return f"{label}：{self.path}" + (f"（{self.detail}）" if self.detail else "")


def verify(folder: Path) -> list[Finding]:
    """Re-hash every output against the manifest; name what is missing, changed, or not in it, and the outputs
    that a different renderer stack (library versions, fonts) produced than this machine's."""
    manifest = Manifest.load(folder)
    findings = []
    for rel, record in sorted(manifest.outputs.items()):
        path = folder / rel
        if not path.is_file():
            findings.append(Finding("missing", rel))
        elif path.stat().st_size != record.size or sha256_file(path) != record.sha256:
            findings.append(Finding("changed", rel))
    findings += _stale(manifest)
    known = set(manifest.outputs) | {MANIFEST_NAME, LOCK_NAME}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if rel not in known:
            findings.append(Finding("unexpected", rel))
    return findings


def _stale(manifest: Manifest) -> list[Finding]:
    """One finding per group of outputs whose recorded renderer stack differs from the current one."""
    from replygen.compose import DEFAULT_TEMPLATES
    from replygen.fingerprint import renderer_stack, stack_changes
    from replygen.style import load_style

    groups: dict[tuple[str, str], list[str]] = {}
    for rel, record in sorted(manifest.outputs.items()):
        groups.setdefault((record.templates or str(DEFAULT_TEMPLATES), record.stack), []).append(rel)
    current: dict[str, dict[str, str] | None] = {}
    findings = []
    for (templates, stack), rels in groups.items():
        if templates not in current:
            try:
                current[templates] = renderer_stack(load_style(Path(templates) / "style.yaml"))
            except (ReplyError, OSError):
                current[templates] = None
        now = current[templates]
        if now is None:
            changes = [f"生成时的模板目录 {templates} 已无法读取，不能核对"]
        elif stack not in manifest.stacks:
            changes = ["清单没有记录生成环境，由旧版 replygen 写出"]
        else:
            changes = stack_changes(manifest.stacks[stack], now)
        if changes:
            where = rels[0] if len(rels) == 1 else f"{rels[0]} 等 {len(rels)} 个文件"
            findings.append(Finding("stale", where, "；".join(changes)))
    return findings
