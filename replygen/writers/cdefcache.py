"""WeasyPrint's C declarations kept between runs: about a sixth of `import weasyprint` (parsing them, and
importing the C parser to do it).

When it is imported, WeasyPrint declares the C functions and types it calls in one `ffi.cdef` of some 450 lines,
which cffi parses with pycparser into its model of C types (plain Python objects, kept in the FFI's parser).
While WeasyPrint is imported, a first cdef on a fresh FFI is looked up in the cache folder: the model made from
the same source by the same cffi under the same Python, pickled by an earlier process. Found and whole, it is
put in place as cffi's own parse would have left it; otherwise the source is parsed as usual and its model
saved.

The folder must be the user's own (cachedir.private_folder): a pickle runs code when it is read.
"""

from __future__ import annotations

import contextlib
import hashlib
import pickle
import sys
from collections.abc import Iterator
from pathlib import Path

from replygen.cachedir import private_folder, read_whole, write_whole

_PARSER_STATE = ("_declarations", "_int_constants", "_included_declarations", "_anonymous_counter")
"""what cffi's Parser.parse leaves in the parser for a first source"""


def _key(cffi, csource: str) -> str:
    text = "\0".join((cffi.__version__, sys.version, csource))
    return hashlib.sha256(text.encode()).hexdigest()


def _fresh(ffi) -> bool:
    """`ffi` has declared nothing yet (a restored model would replace what it has)."""
    parser = getattr(ffi, "_parser", None)
    return (parser is not None and all(hasattr(parser, a) for a in _PARSER_STATE) and not parser._declarations
            and not parser._int_constants and not getattr(ffi, "_cdefsources", True))


def _restore(ffi, csource: str, state: dict) -> None:
    with ffi._lock:
        for name in _PARSER_STATE:
            setattr(ffi._parser, name, state[name])
        ffi._cdef_version = object()
        ffi._cdefsources.append(csource)


def _cacheable(ffi) -> bool:
    """No struct declared with `...` (cffi completes those against the library as it parses: state that lives
    in the FFI, not in the model)."""
    return not any(getattr(tp, "partial", False) for tp, _ in ffi._parser._declarations.values())


@contextlib.contextmanager
def cached_cdefs() -> Iterator[None]:
    """Within the block, a first `cdef` on a fresh cffi.FFI is served from the cache folder when it can be (see
    the module's docstring)."""
    import cffi
    import cffi.api

    folder = private_folder("cdef")
    original = cffi.api.FFI.cdef
    if folder is None or getattr(original, "__name__", "") != "cdef":
        yield
        return

    def cdef(ffi, csource, override=False, packed=False, pack=None):
        if override or packed or pack or not isinstance(csource, str) or not _fresh(ffi):
            return original(ffi, csource, override=override, packed=packed, pack=pack)
        path = folder / _key(cffi, csource)
        state = _load(path)
        if state is not None:
            return _restore(ffi, csource, state)
        original(ffi, csource)
        if _cacheable(ffi):
            _save(path, {name: getattr(ffi._parser, name) for name in _PARSER_STATE})
        return None

    cffi.api.FFI.cdef = cdef
    try:
        yield
    finally:
        cffi.api.FFI.cdef = original


def _load(path: Path) -> dict | None:
    data = read_whole(path)
    if data is None:
        return None
    try:
        state = pickle.loads(data)
    except Exception:  # written by a cffi laid out otherwise, or damaged: parse instead
        return None
    return state if isinstance(state, dict) and set(state) == set(_PARSER_STATE) else None


def _save(path: Path, state: dict) -> None:
    try:
        data = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # a model object that does not pickle: nothing is cached
        return
    write_whole(path, data)
