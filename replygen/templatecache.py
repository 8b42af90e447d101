"""Compiled templates kept between runs: Jinja's bytecode, and what the opening scan found in each template.

Parsing and compiling the templates is most of what a cold `replygen validate` does; with this cache a later
process loads the code Jinja compiled before instead. The cache can never serve code that the environment at
hand would not compile itself:

- each entry is checked against the template's source (Jinja's checksum of it, and its name and file);
- entries live in a folder named for a digest of everything else that decides what a source compiles to:
  the sandbox's code (its module's source: the step counter, the intercepted operators), Jinja's version and
  syntax settings, the filters and tests with what they are passed, autoescaping, finalize, replygen's version
  and the Python that runs (an environment configured otherwise never looks in another's folder);
- each file is checked against the digest it carries (cachedir.read_whole), and written whole.

Any failure (a read-only or missing home, a corrupt or truncated file, a full disk) means compiling as if there
were no cache, silently. The folder must be the user's own (cachedir.private_folder): the sandbox's checks are
part of the compiled code, so whoever could write to the cache could leave them out.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import jinja2
from jinja2.bccache import Bucket, BytecodeCache

from replygen import __version__
from replygen.cachedir import private_folder, read_whole, source_digest, write_whole

Facts = tuple[list[tuple[str, int]], list[tuple[str, int]]]
"""what the opening scan found in one template: (internal names, line), (templates named, line)"""


def _qualname(obj: object) -> str | None:
    if obj is None:
        return None
    return f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', type(obj).__qualname__)}"


def _pass_arg(f: object) -> str | None:
    kind = getattr(f, "jinja_pass_arg", None)
    return getattr(kind, "name", None)


def environment_key(env: jinja2.Environment) -> str | None:
    """A digest of what, besides a template's source, decides the code `env` compiles it to; None when the source
    of a class that compiles cannot be read (then nothing is cached)."""
    classes = (type(env), env.code_generator_class, env.context_class)
    sources = source_digest(*(sys.modules.get(m) for m in dict.fromkeys(cls.__module__ for cls in classes)))
    if sources is None:
        return None
    finalize = env.finalize
    settings = {
        "replygen": __version__, "jinja2": jinja2.__version__, "python": sys.version,
        "classes": [_qualname(cls) for cls in classes], "sources": sources,
        "sandboxed": env.sandboxed, "optimized": env.optimized, "async": env.is_async,
        "binops": sorted(getattr(env, "intercepted_binops", ())), "unops": sorted(getattr(env, "intercepted_unops", ())),
        "syntax": [env.block_start_string, env.block_end_string, env.variable_start_string, env.variable_end_string,
                   env.comment_start_string, env.comment_end_string, env.line_statement_prefix,
                   env.line_comment_prefix, env.trim_blocks, env.lstrip_blocks, env.newline_sequence,
                   env.keep_trailing_newline],
        "extensions": sorted(env.extensions),
        "autoescape": env.autoescape if isinstance(env.autoescape, bool) else _qualname(env.autoescape),
        "finalize": [_qualname(finalize), _pass_arg(finalize)] if finalize else None,
        "filters": sorted((name, _pass_arg(f)) for name, f in env.filters.items()),
        "tests": sorted((name, _pass_arg(f)) for name, f in env.tests.items()),
    }
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:24]


class TemplateCache(BytecodeCache):
    """Jinja's bytecode of each template and the opening scan's findings, in one folder per environment key."""

    def __init__(self, folder: Path):
        self.folder = folder

    @classmethod
    def for_environment(cls, env: jinja2.Environment) -> TemplateCache | None:
        """The cache for `env` as it is configured now (attach it once its filters are all in place); None when
        there is none to be had."""
        try:
            key = environment_key(env)
        except Exception:  # an environment configured in a way this module does not know: no cache
            return None
        folder = private_folder(f"templates-{key}") if key else None
        return cls(folder) if folder else None

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        return hashlib.sha256(json.dumps([name, filename]).encode()).hexdigest()

    def load_bytecode(self, bucket: Bucket) -> None:
        data = self._read(f"{bucket.key}.code")
        if data is not None:
            try:
                bucket.bytecode_from_string(data)  # checks the magic (Jinja's and Python's version) and checksum
            except Exception:
                bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            data = bucket.bytecode_to_string()
        except Exception:
            return
        self._write(f"{bucket.key}.code", data)

    def facts(self, name: str, filename: str, source: str) -> Facts | None:
        """What the scan found in this source before, if it was kept."""
        data = self._read(f"{self.get_cache_key(name, filename)}.scan")
        try:
            kept = json.loads(data) if data is not None else None
            if kept is None or kept["checksum"] != self.get_source_checksum(source):
                return None
            return ([(str(n), int(line)) for n, line in kept["internal"]],
                    [(str(n), int(line)) for n, line in kept["named"]])
        except (ValueError, TypeError, KeyError):
            return None

    def keep_facts(self, name: str, filename: str, source: str, facts: Facts) -> None:
        internal, named = facts
        data = {"checksum": self.get_source_checksum(source), "internal": internal, "named": named}
        self._write(f"{self.get_cache_key(name, filename)}.scan", json.dumps(data, ensure_ascii=False).encode())

    def _read(self, file: str) -> bytes | None:
        return read_whole(self.folder / file)

    def _write(self, file: str, body: bytes) -> None:
        write_whole(self.folder / file, body)
