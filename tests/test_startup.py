"""What a cold command loads and finds: native libraries without ctypes' slow search, and nothing a command does
not use (no timings here: the figures are bench/cold_start.py's)."""

from __future__ import annotations

import ctypes.util
import os
import struct
import subprocess
import sys

import pytest

from replygen.writers.libraries import cached_lookup, quick_library_search

from conftest import ROOT, SEED_YAML

HEAVY = ("weasyprint", "docx", "lxml", "fontTools", "PIL", "pikepdf", "pypdfium2", "pdfplumber", "dask",
         "distributed", "cffi", "starlette", "uvicorn")
LOADED = """
import sys
from replygen.cli import main
try:
    main(sys.argv[1:])
except SystemExit as stop:
    assert not stop.code, stop.code
print(" ".join(sorted({name.split(".")[0] for name in sys.modules})))
"""


def _loaded_by(*args: str) -> set[str]:
    """The top-level packages a `replygen` command imported, run in a fresh process."""
    result = subprocess.run([sys.executable, "-c", LOADED, *args], capture_output=True, text=True, cwd=ROOT,
                            env=os.environ | {"PYTHONPATH": str(ROOT)}, timeout=120)
    assert result.returncode == 0, result.stderr
    return set(result.stdout.strip().splitlines()[-1].split())


def test_validate_loads_no_writer() -> None:
    loaded = _loaded_by("validate", str(SEED_YAML))
    assert loaded & set(HEAVY) == set()
    assert {"replygen", "jinja2", "pydantic", "yaml"} <= loaded

_ABI = "libc6,x86-64" if os.uname().machine == "x86_64" and struct.calcsize("l") == 8 else "libc6"


def test_library_lookup_reads_the_ldconfig_listing() -> None:
    listing = (b"3 libs found in cache `/etc/ld.so.cache'\n"
               b"\tlibpangoft2-1.0.so.0 (" + _ABI.encode() + b") => /lib/libpangoft2-1.0.so.0\n"
               b"\tlibpango-1.0.so.0 (" + _ABI.encode() + b") => /lib/libpango-1.0.so.0\n"
               b"\tlibfontconfig.so.1 (" + _ABI.encode() + b") => /lib/libfontconfig.so.1\n")
    lookup = cached_lookup(listing)
    assert lookup("pango-1.0") == "libpango-1.0.so.0"  # not libpangoft2: the name is followed by a dot
    assert lookup("fontconfig") == "libfontconfig.so.1"
    assert lookup("libpango-1.0-0") is None
    assert lookup("harfbuzz-vector") is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ldconfig: Linux only")
def test_quick_search_agrees_with_find_library_and_is_undone() -> None:
    original = ctypes.util.find_library
    with quick_library_search():
        quick = {name: ctypes.util.find_library(name) for name in ("pango-1.0", "harfbuzz", "fontconfig")}
    assert ctypes.util.find_library is original
    assert quick == {name: original(name) for name in quick}


def test_simple_cffi_types_are_the_types_cffis_parser_makes() -> None:
    from replygen.writers.cffitypes import simple_model_type
    from replygen.writers.pdf import _weasyprint

    _weasyprint()
    from weasyprint.text.ffi import ffi

    simple = ["FcChar8 **", "char[]", "PangoRectangle *", "PangoLogAttr[]", "unsigned int *", "hb_tag_t[100]",
              "char[4]", "hb_codepoint_t[424]", "hb_codepoint_t[]", "int", "unsigned  int*", "char *[3]"]
    other = ["const char *", "void *", "struct _x *", "unsigned", "long int", "int (*)(int)"]
    with ffi._lock:  # as cffi holds it while it resolves a type
        for cdecl in simple:
            assert ffi._get_cached_btype(simple_model_type(ffi, cdecl)) is ffi._get_cached_btype(
                ffi._parser.parse_type(cdecl)), cdecl
        assert [simple_model_type(ffi, cdecl) for cdecl in other] == [None] * len(other)
    parsed = []
    parse = ffi._parser.parse_type_and_quals
    ffi._parser.parse_type_and_quals = lambda cdecl: parsed.append(cdecl) or parse(cdecl)
    try:
        assert ffi.typeof("hb_codepoint_t[12345]").length == 12345
        assert ffi.typeof("const char *").cname == "char *"
    finally:
        del ffi._parser.parse_type_and_quals
    assert parsed == ["const char *"]  # only what is not simple reaches cffi's parser


RENDERED = """
import sys
from replygen.cli import main
try:
    main(sys.argv[1:])
except SystemExit as stop:
    assert not stop.code, stop.code
print(" ".join(sorted(sys.modules)))
"""


def test_render_leaves_unused_modules_unloaded_and_copies_no_font(tmp_path) -> None:
    """A cold render (its C declarations cached by an earlier one) imports neither fontTools' subsetter or
    instancer nor pycparser nor importlib.metadata, and leaves no temporary copy of a font."""
    env = os.environ | {"PYTHONPATH": str(ROOT), "REPLYGEN_CACHE_DIR": str(tmp_path / "cache"),
                        "TMPDIR": str(tmp_path / "tmp")}
    (tmp_path / "tmp").mkdir()
    runs = [subprocess.run([sys.executable, "-c", RENDERED, "render", str(SEED_YAML), "-o", str(tmp_path / out)],
                           capture_output=True, text=True, cwd=ROOT, env=env, timeout=300) for out in ("a", "b")]
    assert all(run.returncode == 0 for run in runs), runs[-1].stderr
    loaded = set(runs[1].stdout.strip().splitlines()[-1].split())
    assert not {m for m in loaded if m.startswith(("fontTools.subset", "fontTools.varLib", "pycparser"))}
    assert "importlib.metadata" not in loaded
    assert list((tmp_path / "tmp").iterdir()) == []
    for name in ("245.pdf", "245.docx"):  # parsed or cached declarations: the same bytes
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_deferred_module_loads_when_used() -> None:
    from replygen.deferred import deferred_imports

    with deferred_imports({"json.tool": (), "colorsys": ("rgb_to_hsv",)}):
        import json.tool as tool
        from colorsys import rgb_to_hsv
    assert "json.tool" not in sys.modules or sys.modules["json.tool"] is not tool  # taken out after the block
    assert tool.main is sys.modules["json.tool"].main  # the first attribute asked for imports the real module
    assert rgb_to_hsv(1.0, 0.0, 0.0) == (0.0, 1.0, 1.0)  # a function taken by name forwards to the real one
    assert "colorsys" in sys.modules


def test_cached_cdef_is_the_parsed_one(tmp_path, monkeypatch) -> None:
    import cffi

    from replygen.writers.cdefcache import cached_cdefs

    monkeypatch.setenv("REPLYGEN_CACHE_DIR", str(tmp_path))
    source = "typedef int my_t;\ntypedef struct { my_t a; char *b; } pair_t;\nint f(pair_t *p, my_t n);\n#define K 7\n"
    made = []
    for _ in range(2):
        with cached_cdefs():
            ffi = cffi.FFI()
            ffi.cdef(source)
        made.append(ffi)
    assert len(list((tmp_path / "cdef").iterdir())) == 1
    parsed, cached = made
    assert cached._parser._declarations.keys() == parsed._parser._declarations.keys()
    assert cached.sizeof("pair_t") == parsed.sizeof("pair_t")
    assert [f for f, _ in cached.typeof("pair_t").fields] == ["a", "b"]
    assert str(cached.typeof("int(*)(pair_t *, my_t)")) == str(parsed.typeof("int(*)(pair_t *, my_t)"))
    assert cached._parser._int_constants == parsed._parser._int_constants == {"K": 7}
    assert cffi.FFI.cdef.__name__ == "cdef" and cffi.FFI.cdef.__module__ == "cffi.api"  # put back


def test_kept_selector_code_matches_as_compiled(tmp_path) -> None:
    import cssselect2
    from lxml import etree

    from replygen.writers.selectorcache import CompiledSelectors

    root = cssselect2.ElementWrapper.from_xml_root(etree.fromstring('<p class="a b"><span/><i lang="zh"/></p>'))
    selectors = "p.a > span, p:not(.c) i:lang(zh), .b span + i"
    written = CompiledSelectors(tmp_path / "codes")
    made = [s.test for s in cssselect2.compile_selector_list(selectors)]
    compiled = [written(f"lambda el: {source}", {"split_whitespace": str.split, "ascii_lower": str.lower,
                                                   "urlparse": None}, {})
                for source in [cssselect2.compiler._compile_node(s.parsed_tree)
                               for s in cssselect2.parser.parse(selectors)]]
    written.save()
    kept = CompiledSelectors(tmp_path / "codes")
    assert kept.codes.keys() == written.codes.keys() and len(kept.codes) == 3 and not kept.added
    for el in root.iter_subtree():
        assert [t(el) for t in made] == [t(el) for t in compiled]
    from replygen.writers.pdf import _weasyprint

    _weasyprint()
    assert isinstance(cssselect2.compiler.__dict__.get("eval"), CompiledSelectors)  # what WeasyPrint's compiles


PARSED = """
import re._parser, sys
sys.argv = sys.argv[1:]  # the command's own: replygen/__main__.py, as `python -m replygen` runs
parsed = []
parse = re._parser.parse
re._parser.parse = lambda p, *args: parsed.append(p) or parse(p, *args)
from replygen.cli import main
try:
    main(sys.argv[1:])
except SystemExit as stop:
    assert not stop.code, stop.code
tokenized = "tokenize" in sys.modules and sys.modules["tokenize"]._compile.cache_info().currsize
import gc
print(len(parsed), int(tokenized), gc.get_freeze_count()); print(parsed, file=sys.stderr)
"""


def test_validate_parses_no_regular_expression_once_kept(tmp_path) -> None:
    """A cold validate, run as the command with the start-up's regular expressions kept by an earlier run, hands
    re's engine the kept code (regexcache): re's compiler parses none of them, and tokenize's (the largest,
    compiled only when a builtin's signature is looked at, as pydantic does for a default factory `list`) is not
    compiled at all. The start-up's objects are frozen, out of the collector's way."""
    command = [sys.executable, "-c", PARSED, str(ROOT / "replygen" / "__main__.py"), "validate", str(SEED_YAML)]
    env = os.environ | {"PYTHONPATH": str(ROOT), "REPLYGEN_CACHE_DIR": str(tmp_path / "cache")}
    runs = [subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
            for _ in range(2)]
    assert all(run.returncode == 0 for run in runs), runs[-1].stderr
    first, second = ([int(n) for n in run.stdout.split()[-3:]] for run in runs)
    assert first[0] > 20  # what the start-up compiles, kept by the first run
    assert second[:2] == [0, 0], runs[1].stderr
    assert second[2] > 10_000  # the start-up's objects frozen: the collector never walks them (cli._freeze_startup)


def test_kept_regular_expressions_are_res(tmp_path, monkeypatch) -> None:
    import re

    from replygen import regexcache

    monkeypatch.setenv("REPLYGEN_CACHE_DIR", str(tmp_path))
    original = re._compiler.compile
    patterns = [(r"(?P<year>\d{4})-(?P<m>\d\d)(?:-(?P=m))?", 0), (r"(?i)[^a-z\u4e00-\u9fff]+?\b", 0),
                (r"^\s*#.*$", re.MULTILINE), (rb"(?<=\x00)[\x80-\xff]{2,5}(?!\n)", 0), ("a|b|[.]*", re.ASCII),
                (r"(?x) a  # comment\n (b)?", re.DOTALL), (r"(a)|b\1?", re.IGNORECASE)]
    made = []
    for _ in range(2):
        regexcache.start()
        try:
            made.append([re._compiler.compile(p, flags) for p, flags in patterns])
        finally:
            regexcache.finish()
        assert re._compiler.compile is original
    assert len(list(tmp_path.glob("regex-*/patterns"))) == 1
    by_res = [original(p, flags) for p, flags in patterns]
    monkeypatch.setattr(re._parser, "parse", lambda *args: pytest.fail("parsed although kept"))
    regexcache.start()
    try:
        kept = [re._compiler.compile(p, flags) for p, flags in patterns]
    finally:
        regexcache.finish()
    for compiled, again, by_re in zip(made[0], kept, by_res, strict=True):
        assert compiled == again == by_re  # flags, pattern and code alike
        assert (again.groups, again.groupindex) == (by_re.groups, by_re.groupindex)
    assert kept[0].match("2026-05-05").group("m") == "05"
    assert kept[6].fullmatch("A") and kept[6].fullmatch("b") and not kept[6].fullmatch("ab")
