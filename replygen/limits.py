"""Bounds on the work one input may cause: input sizes, and per-reply render time and memory.

Every place where input enters (a YAML file, an imported document, a workbench request) and every process that
renders (render, batch workers, workbench workers, review) takes its numbers from one `Limits`, so that a hostile
or broken reply or template costs at most these and is reported in Chinese, naming the reply and the limit.

Each limit is set by an environment variable (so that it reaches worker processes and the workbench alike):

    REPLYGEN_RENDER_SECONDS   per-reply render time                     default 60
    REPLYGEN_RENDER_MEMORY_MB memory of a rendering process, in MB       default 1024
    REPLYGEN_MAX_YAML_KB      size of one reply or profile YAML, in KB    default 1024
    REPLYGEN_MAX_IMPORT_MB    size of one file to import, in MB          default 50
    REPLYGEN_MAX_UNPACKED_MB  unpacked size of one DOCX, in MB           default 200
    REPLYGEN_MAX_REQUEST_KB   body of one workbench request, in KB       default 2048
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass, fields
from pathlib import Path

from replygen.errors import Location, Problem, ReplyError

_ENV = {
    "render_seconds": "REPLYGEN_RENDER_SECONDS",
    "render_memory_mb": "REPLYGEN_RENDER_MEMORY_MB",
    "yaml_kb": "REPLYGEN_MAX_YAML_KB",
    "import_mb": "REPLYGEN_MAX_IMPORT_MB",
    "unpacked_mb": "REPLYGEN_MAX_UNPACKED_MB",
    "request_kb": "REPLYGEN_MAX_REQUEST_KB",
}


@dataclass(frozen=True)
class Limits:
    render_seconds: float = 60
    render_memory_mb: int = 1024
    yaml_kb: int = 1024
    import_mb: int = 50
    unpacked_mb: int = 200
    request_kb: int = 2048

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Limits:
        """The defaults, overridden by the REPLYGEN_* variables that are set. A malformed value is a ReplyError."""
        environ = os.environ if environ is None else environ
        values: dict[str, float | int] = {}
        for f in fields(cls):
            raw = environ.get(_ENV[f.name], "").strip()
            if not raw:
                continue
            kind = float if f.type in ("float", float) else int
            try:
                value = kind(raw)
            except ValueError:
                value = -1
            if value <= 0:
                raise ReplyError(Problem(f"环境变量 {_ENV[f.name]}={raw!r} 无效：应为正{'数' if kind is float else '整数'}"))
            values[f.name] = value
        return cls(**values)

    @property
    def yaml_bytes(self) -> int:
        return self.yaml_kb * 1024

    @property
    def import_bytes(self) -> int:
        return self.import_mb * 1024 * 1024

    @property
    def unpacked_bytes(self) -> int:
        return self.unpacked_mb * 1024 * 1024

    @property
    def request_bytes(self) -> int:
        return self.request_kb * 1024


def variable(name: str) -> str:
    """The environment variable that sets the limit `name` (a Limits field): messages tell clerks which to raise."""
    return _ENV[name]


def too_large(path: Path, size: int, limit: int, variable: str) -> ReplyError:
    """The error for an input over its size limit, naming the variable that raises it."""
    return ReplyError(Problem(f"文件太大（{_size(size)}，上限 {_size(limit)}）；确需处理时可设置环境变量 {variable}",
                              Location(path)))


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


def limit_process_memory(limits: Limits) -> None:
    """Cap this process's data segment (heap and anonymous mappings) at the render memory limit: an allocation
    beyond it raises MemoryError in Python, which render_limits() reports. Call it only in a process that exists
    to render (a worker, or a one-shot CLI command), never in a long-lived server."""
    cap = limits.render_memory_mb * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (cap, hard))


ALARM_GRACE = 1.0
"""seconds the timer waits past the limit for the sandbox's own deadline (see render_limits)"""


class RenderTimeout(BaseException):
    """Raised inside the rendering code when a reply has used up its time. A BaseException, so that the
    `except Exception` of the code it interrupts (Jinja, WeasyPrint) does not swallow it."""


def _alarm(signum: int, frame: object) -> None:
    raise RenderTimeout


@contextlib.contextmanager
def render_limits(reply: Path, limits: Limits) -> Iterator[None]:
    """Render one reply within the time limit (an interval timer, main thread only; elsewhere no timer) and turn
    running out of time or memory into a ReplyError naming the reply and the limit. The timer is the backstop for
    code that keeps no time itself (WeasyPrint): it rings ALARM_GRACE seconds late, so that the template sandbox,
    which checks the same limit at every step, stops a runaway template first and names its line."""
    timed = threading.current_thread() is threading.main_thread()
    if timed:
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, limits.render_seconds + ALARM_GRACE)
    try:
        yield
    except RenderTimeout:
        raise ReplyError(Problem(f"生成超时：超过每份答复 {limits.render_seconds:g} 秒的上限（模板或内容可能有死循环，"
                                 f"或内容过长）；确需更长时间时可设置环境变量 {_ENV['render_seconds']}",
                                 Location(reply))) from None
    except MemoryError:
        raise ReplyError(Problem(f"内存不足：超过生成进程 {limits.render_memory_mb} MB 的上限（模板或内容可能制造了"
                                 f"过大的数据）；确需更多内存时可设置环境变量 {_ENV['render_memory_mb']}",
                                 Location(reply))) from None
    finally:
        if timed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
