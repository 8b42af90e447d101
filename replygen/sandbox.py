"""The sandbox templates run in, and the loader that hands them their files.

A templates folder may come from another office, so templates are untrusted code. What they cannot do:

- read a file outside their folder, or a file that is not a template (`TemplateLoader`: only `*.j2` files that
  stay inside the folder once every symbolic link is followed);
- reach Python internals or change the data they are given (Jinja's immutable sandbox, and no attribute of a
  module; refusals say so in Chinese and keep the attribute's name);
- make a value beyond `MAX_SIZE` characters or items (`*`, `**`, `%` and `+` are checked, before computing where
  the size is known in advance, so `'a' * 10**9` costs nothing; so are the results of filters and calls), output
  more than `MAX_OUTPUT` characters, or take more than `MAX_STEPS` loop iterations and calls (`Budget`), or more
  than the per-reply time limit, in whichever thread they run (a deadline checked at each step, no signal).

Intercepting the operators also stops Jinja from folding constant expressions while it compiles a template, which
would otherwise compute `'a' * 10**9` when the template is first loaded; and every filter is passed the context,
which stops Jinja from running filters on constants at compile time.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import types
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import update_wrapper
from pathlib import Path

import jinja2
from jinja2 import nodes, pass_context
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from replygen.paths import OutsideRoot, inside

TEMPLATE_SUFFIX = ".j2"
MAX_SIZE = 10_000_000
"""characters of a string, items of a list: far beyond any reply, far below a process's memory"""
MAX_OUTPUT = 50_000_000
"""characters output by {{ }}, counted at every level of macros (so text is counted once per level it passes):
a reply of 1 MB YAML outputs around 15 million"""
MAX_INT_BITS = 4096
MAX_STEPS = 1_000_000
"""loop items and calls in one composition: a typical reply takes under a hundred, one of 1 MB YAML 250,000"""
MAX_RANGE = 100_000


class TemplateRefused(SecurityError):
    """A template reached for something the sandbox or the loader does not give it; the message is in Chinese."""


class TemplateLimit(Exception):
    """A template went beyond one of the bounds on the work it may cause; the message is in Chinese."""


def template_file(root: Path, name: str) -> Path:
    """The file a template name stands for: a `.j2` file inside `root`, every symbolic link followed."""
    try:
        path = inside(root, name)
    except OutsideRoot as exc:
        raise TemplateRefused(f"引用的{exc}，已拒绝：模板只能引用模板目录中的文件") from None
    if path.suffix != TEMPLATE_SUFFIX:
        raise TemplateRefused(f"引用的“{name}”不是模板文件，已拒绝：模板只能引用模板目录中以 {TEMPLATE_SUFFIX} 结尾的文件")
    if not path.is_file():
        raise jinja2.TemplateNotFound(name)
    return path


def template_files(root: Path) -> Iterator[Path]:
    """Every template file below `root` where it really is (links are not followed: a link to a template inside
    the folder names a file listed here; one leading out is refused by the loader and by `links_leaving`)."""
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder) / name
            if name.endswith(TEMPLATE_SUFFIX) and not path.is_symlink():
                yield path


class TemplateLoader(jinja2.BaseLoader):
    """Loads a template name only through `template_file`: the one rule for what templates may read."""

    def __init__(self, root: Path):
        self.root = root

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        path = template_file(self.root, template)
        mtime = path.stat().st_mtime
        return (path.read_text(encoding="utf-8"), os.path.normpath(self.root / template),
                lambda: _mtime(path) == mtime)


def _mtime(path: Path) -> float | None:
    try:
        return path.stat().st_mtime
    except OSError:
        return None


@dataclass
class Budget:
    """What one composition may still spend."""

    seconds: float
    deadline: float = 0.0
    steps: int = MAX_STEPS
    output: int = MAX_OUTPUT

    def __post_init__(self) -> None:
        self.deadline = time.monotonic() + self.seconds

    def step(self) -> None:
        self.steps -= 1
        if self.steps < 0:
            raise TemplateLimit(f"模板执行的循环和调用超过 {MAX_STEPS:,} 次，已停止（模板可能有死循环或失控的递归，"
                                "或内容过长）")
        if time.monotonic() > self.deadline:
            raise TemplateLimit(f"模板运行超过每份答复 {self.seconds:g} 秒的上限，已停止（模板可能有死循环）；"
                                "确需更长时间时可设置环境变量 REPLYGEN_RENDER_SECONDS")

    def emit(self, text: str) -> None:
        self.output -= len(text)
        if self.output < 0:
            raise TemplateLimit(f"模板输出的文字超过 {MAX_OUTPUT:,} 字，已停止（模板可能有死循环，或内容过长）")


def _too_long(items: int) -> None:
    if items > MAX_SIZE:
        raise TemplateLimit(f"模板产生的值过大（超过 {MAX_SIZE:,} 个字符或元素），已停止")


def _too_wide(bits: int) -> None:
    if bits > MAX_INT_BITS:
        raise TemplateLimit(f"模板算出的数过大（超过 {MAX_INT_BITS} 位二进制），已停止")


def _too_big(value: object) -> object:
    """`value`, unless it is beyond the sizes a template may make."""
    if isinstance(value, str | bytes | list | tuple | dict | set | frozenset):
        _too_long(len(value))
    elif isinstance(value, int):
        _too_wide(value.bit_length())
    return value


def _before(operator: str, left: object, right: object) -> None:
    """Refuse `*` and `**` whose result would be too big, before computing it."""
    if operator == "*":
        for count, seq in ((right, left), (left, right)):
            if type(count) is int and isinstance(seq, str | list | tuple):
                _too_long(len(seq) * count)
        if isinstance(left, int) and isinstance(right, int):
            _too_wide(left.bit_length() + right.bit_length())
    elif operator == "**" and isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
        _too_wide((left.bit_length() - 1) * right)


def _range(*args: int) -> range:
    """range(), at most MAX_RANGE items."""
    r = range(*args)
    if len(r) > MAX_RANGE:
        raise TemplateLimit(f"range() 最多 {MAX_RANGE:,} 项，这里是 {len(r):,} 项")
    return r


_COUNTED = "_counted"


class _StepCounter(CodeGenerator):
    """Compiles every loop to draw its items through the `_counted` filter, one step per item: a loop whose body
    calls nothing (`{% for i in range(n) %}x{% endfor %}`) would otherwise run unseen by the budget."""

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        for loop in node.find_all(nodes.For):
            loop.iter = nodes.Filter(loop.iter, _COUNTED, [], [], None, None, lineno=loop.lineno)
            loop.iter.set_environment(self.environment)
        super().visit_Template(node, frame)


_REFUSED = "模板试图访问不安全的内容，已被沙箱拒绝："


class ReplySandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, no attribute of a module, refusals in Chinese, and bounds on the work done."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})
    code_generator_class = _StepCounter

    def __init__(self, root: Path, filters: dict[str, Callable]):
        super().__init__(loader=TemplateLoader(root), autoescape=True, undefined=jinja2.StrictUndefined,
                         trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False, finalize=self._output)
        self._local = threading.local()
        self.globals["range"] = _range
        del self.globals["lipsum"]  # lipsum(n) writes n paragraphs in one call
        self.filters.update(filters)
        self.filters.update({name: _guarded(self, f) for name, f in self.filters.items()})
        self.filters[_COUNTED] = self._counted

    @contextlib.contextmanager
    def budget(self, seconds: float) -> Iterator[Budget]:
        """Rendering in this thread spends from a fresh Budget until the block exits."""
        previous, self._local.budget = self._spending(), Budget(seconds)
        try:
            yield self._local.budget
        finally:
            self._local.budget = previous

    def _spending(self) -> Budget | None:
        return getattr(self._local, "budget", None)

    def step(self) -> None:
        if (budget := self._spending()) is not None:
            budget.step()

    def _output(self, value: object) -> object:
        if isinstance(value, str) and (budget := self._spending()) is not None:
            budget.emit(value)
        return value

    def _counted(self, items: Iterable[object]) -> Iterator[object]:
        """A loop's items, one step each (see _StepCounter)."""
        for item in items:
            self.step()
            yield item

    def is_safe_attribute(self, obj: object, attr: str, value: object) -> bool:
        return not isinstance(obj, types.ModuleType) and super().is_safe_attribute(obj, attr, value)

    def unsafe_undefined(self, obj: object, attribute: str) -> jinja2.Undefined:
        return self.undefined(f"{_REFUSED}不能访问 {type(obj).__name__} 对象的“{attribute}”（模板只能读取答复和"
                              "机关档案的字段，不能修改数据或使用程序内部的功能）",
                              name=attribute, obj=obj, exc=TemplateRefused)

    def call(__self, __context: Context, __obj: object, *args: object, **kwargs: object) -> object:
        if not __self.is_safe_callable(__obj):
            name = getattr(__obj, "__name__", type(__obj).__name__)
            raise TemplateRefused(f"{_REFUSED}不能调用“{name}”（模板不能使用会修改数据的功能）")
        __self.step()
        return _too_big(__context.call(__obj, *args, **kwargs))

    def call_binop(self, context: Context, operator: str, left: object, right: object) -> object:
        _before(operator, left, right)
        return _too_big(self.binop_table[operator](left, right))


def _guarded(env: ReplySandbox, f: Callable) -> Callable:
    """A filter that counts as a step and whose result is size-checked. It takes the context (and hands the
    original what it asked for), which also keeps Jinja from running it on constants at compile time."""
    kind = getattr(getattr(f, "jinja_pass_arg", None), "name", None)

    def guarded(context: Context, *args: object, **kwargs: object) -> object:
        env.step()
        first = {"context": (context,), "eval_context": (context.eval_ctx,), "environment": (env,)}.get(kind, ())
        return _too_big(f(*first, *args, **kwargs))

    return pass_context(update_wrapper(guarded, f))  # after update_wrapper, which copies f's own pass_* mark
