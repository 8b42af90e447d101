"""CSS selectors' compiled Python code kept between runs: some 350 compilations fewer for a process's first PDF.

cssselect2 (WeasyPrint's selector matching) turns each selector into the source of a Python lambda and `eval`s
it: the user-agent stylesheet WeasyPrint parses when it is imported has some 350 of them, and the reply's
stylesheet adds its own. Here cssselect2's compiler is given an `eval` of its own that keeps the code objects
Python compiles from those sources, by source, and writes them (marshal) into the cache folder, for the same
cssselect2 under the same Python; a later process evaluates the kept code, which is what compiling the same
source gives. A missing or damaged file means compiling as before.

The folder must be the user's own (cachedir.private_folder): the kept code runs.
"""

from __future__ import annotations

import hashlib
import marshal
import sys
import types
from pathlib import Path

from replygen.cachedir import private_folder, read_marshalled_dict, write_whole

MAX_KEPT = 5000
"""selectors one file keeps (stylesheets with ever new selectors would otherwise grow it without end)"""


class CompiledSelectors:
    """An `eval` for cssselect2's compiler that compiles each source once and keeps the code."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.codes: dict[str, types.CodeType] = _load(path) if path else {}
        self.added = False

    def __call__(self, source, globals=None, locals=None):
        if not isinstance(source, str):
            return eval(source, globals, locals)
        code = self.codes.get(source)
        if code is None:
            code = compile(source, "<string>", "eval")  # as eval compiles a string
            if len(self.codes) < MAX_KEPT:
                self.codes[source] = code
                self.added = True
        return eval(code, globals, locals)

    def save(self) -> None:
        if self.added and self.path is not None:
            self.added = False
            write_whole(self.path, marshal.dumps(self.codes))


def _load(path: Path) -> dict[str, types.CodeType]:
    codes = read_marshalled_dict(path)
    if not all(isinstance(k, str) and isinstance(v, types.CodeType) for k, v in codes.items()):
        return {}
    return codes


def install() -> CompiledSelectors | None:
    """Give cssselect2's compiler the keeping `eval`, once per process; None (and nothing changed) when the
    compiler has a global `eval` of its own. A compiler that no longer calls eval just never uses it."""
    import cssselect2
    import cssselect2.compiler as compiler

    current = compiler.__dict__.get("eval")
    if isinstance(current, CompiledSelectors):
        return current
    if current is not None:
        return None
    folder = private_folder("selectors")
    key = hashlib.sha256(f"{cssselect2.__version__}\0{sys.version}".encode()).hexdigest()
    compiled = CompiledSelectors(folder / key if folder else None)
    compiler.eval = compiled  # the module's global name shadows the builtin for its code alone
    return compiled

