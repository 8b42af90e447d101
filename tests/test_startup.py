"""What a cold command loads and finds: native libraries without ctypes' slow search, and nothing a command does
not use (no timings here: the figures are bench/cold_start.py's)."""

from __future__ import annotations

import ctypes.util
import os
import struct
import sys

import pytest

from replygen.writers.libraries import cached_lookup, quick_library_search

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
