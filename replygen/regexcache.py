"""Regular expressions' compiled code kept between runs: a cold command parses none of the patterns that the
libraries it imports compile at start-up.

Importing click, PyYAML, Jinja, pydantic, html.parser and tokenize compiles some 80 regular expressions (and
WeasyPrint's stack more), every one parsed and translated by `re`'s pure-Python compiler: about 20 ms of a cold
`validate`. While the start-up runs (`start`, until `finish`), `re`'s compiler is replaced by one that looks each
pattern up, by its text and flags, among those kept from earlier runs and hands `re`'s C engine the kept code;
a pattern it does not know it compiles as `re` does and keeps. What is kept is exactly what `re`'s compiler
makes of the pattern (the same steps; checked at `start` against `re`'s own result for a probe pattern, else no
cache is used), for the same Python and `re` engine (the folder is named for them); the engine itself checks the
code it is given. Only start-up patterns are kept: `finish` puts `re`'s compiler back and writes what was added.
A missing or damaged file means compiling as before.

The folder must be the user's own (cachedir.private_folder).
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import sys
from pathlib import Path
from typing import Any

try:
    import _sre
    from re import _compiler, _parser
except ImportError:  # another Python's internals: no cache
    _sre = _compiler = _parser = None  # type: ignore[assignment]

from replygen.cachedir import private_folder, read_marshalled_dict, write_whole

MAX_KEPT = 2000
"""patterns one file keeps: past that, those this run did not use are dropped (a few patterns differ from run to
run, e.g. tokenize's, built from a set of string prefixes in hash order)"""

_DEBUG = 128  # re.DEBUG: prints while compiling, never kept
_PROBE = (r"(?P<a>[\w.-]+)(?i:x)\s*(?:[^\u4e00-\u9fff]{2,}|\d+?)(?=\1)(?<!b)\Z", 0)
"""a pattern with named groups, inline flags, classes, repeats, look-arounds and a back reference"""

Compiled = tuple[int, list[int], int, dict[str, int], tuple[str | None, ...]]
"""what `_sre.compile` takes after the pattern: flags, code, groups, group index, index group"""


class _Session:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.kept: dict[tuple[str | bytes, int], Compiled] = _load(path) if path else {}
        self.added = False
        self.used: set[tuple[str | bytes, int]] = set()
        self.original = _compiler.compile

    def compile(self, p: Any, flags: int = 0) -> Any:
        if not isinstance(p, str | bytes) or not isinstance(flags, int) or flags & _DEBUG:
            return self.original(p, flags)
        key = (p, int(flags))
        compiled = self.kept.get(key)
        if compiled is not None:
            try:
                pattern = _sre.compile(p, *compiled)
                self.used.add(key)
                return pattern
            except Exception:  # damaged code that the engine refuses: compile it afresh
                self.kept.pop(key, None)
        compiled = _compiled(p, flags)
        pattern = _sre.compile(p, *compiled)
        if len(self.kept) >= MAX_KEPT:
            self.kept = {k: v for k, v in self.kept.items() if k in self.used}
        if len(self.kept) < MAX_KEPT:
            self.kept[key] = compiled
            self.used.add(key)
            self.added = True
        return pattern

    def save(self) -> None:
        if self.added and self.path is not None:
            self.added = False
            write_whole(self.path, marshal.dumps(self.kept))


def _compiled(p: str | bytes, flags: int) -> Compiled:
    """What re._compiler.compile hands the engine for a pattern: the same steps."""
    parsed = _parser.parse(p, flags)
    code = _compiler._code(parsed, flags)
    groupindex = parsed.state.groupdict
    indexgroup: list[str | None] = [None] * parsed.state.groups
    for name, index in groupindex.items():
        indexgroup[index] = name
    return (int(flags | parsed.state.flags), [int(c) for c in code],  # plain ints: re's opcodes are named ones
            parsed.state.groups - 1, dict(groupindex), tuple(indexgroup))


def _load(path: Path) -> dict[tuple[str | bytes, int], Compiled]:
    return {key: value for key, value in read_marshalled_dict(path).items()
            if isinstance(key, tuple) and len(key) == 2 and isinstance(value, tuple) and len(value) == 5}


def _folder_key() -> str:
    engine = [sys.version, _sre.MAGIC, _sre.CODESIZE, _sre.MAXREPEAT, _sre.MAXGROUPS,
              Path(_compiler.__file__).read_bytes(), Path(_parser.__file__).read_bytes()]
    return hashlib.sha256(repr(engine).encode()).hexdigest()[:24]


_session: _Session | None = None


def start() -> None:
    """Compile regular expressions through the kept code until `finish`; nothing when it cannot be had."""
    global _session
    if _session is not None or _compiler is None:
        return
    try:
        folder = private_folder(f"regex-{_folder_key()}")
        session = _Session(folder / "patterns" if folder else None)
        # Kept code comes from a run of the same re (the folder's name): checked then, before anything was kept.
        if not session.kept and _sre.compile(_PROBE[0], *_compiled(*_PROBE)) != _compiler.compile(*_PROBE):
            return  # re compiles otherwise than _compiled does: no cache
    except Exception:
        return
    _session = session
    _compiler.compile = session.compile


def start_for_command() -> None:
    """`start`, when this process is the `replygen` command (its script, or `python -m replygen`), not a program
    that imports the command line (and compiles its own patterns, which are not the command's to keep)."""
    command = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if command is not None and (command.stem == "replygen"
                                or (command.name == "__main__.py" and command.parent.name == "replygen")):
        start()


def finish() -> None:
    """Put re's compiler back, and keep what the start-up added."""
    global _session
    session, _session = _session, None
    if session is None:
        return
    if _compiler.compile == session.compile:
        _compiler.compile = session.original
    with contextlib.suppress(Exception):  # only ever a shortcut
        session.save()
