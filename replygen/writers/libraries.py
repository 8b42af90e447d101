"""WeasyPrint's native libraries found without ctypes' slow search: about 0.6 s off every process's first PDF.

WeasyPrint opens each library it needs (GObject, Pango, HarfBuzz, fontconfig…) by trying a list of names in
turn. For every name that is not the file's own, cffi asks `ctypes.util.find_library`, which on Linux runs
`ldconfig -p`, then gcc, then ld, in new processes: some 30 ms for each of the ~20 names tried, most of which
exist on no system (the Windows and macOS spellings). While WeasyPrint is imported, `find_library` answers
from the ldconfig cache alone (its own first step, read once): the same answer wherever that step finds the
library; where it does not, WeasyPrint's next name, the library's file name, is opened by the dynamic loader
directly, from the places it always looks.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import os
import re
import struct
import subprocess
import sys
from collections.abc import Callable, Iterator

_ABI = {"x86_64-64": "libc6,x86-64", "ppc64-64": "libc6,64bit", "sparc64-64": "libc6,64bit",
        "s390x-64": "libc6,64bit", "ia64-64": "libc6,IA-64"}
"""the ABI ldconfig names for this machine's libraries, as ctypes.util reads it (libc6 for any other)"""


def _ldconfig() -> bytes:
    try:
        return subprocess.run(["/sbin/ldconfig", "-p"], stdin=subprocess.DEVNULL, capture_output=True,
                              env={"LC_ALL": "C", "LANG": "C"}, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return b""


def cached_lookup(listing: bytes) -> Callable[[str], str | None]:
    """find_library's first step on Linux, over one `ldconfig -p` listing: the soname of library `name` built
    for this machine's ABI, or None."""
    abi = _ABI.get(f"{os.uname().machine}-{struct.calcsize('l') * 8}", "libc6")
    found: dict[str, str | None] = {}

    def lookup(name: str) -> str | None:
        if name not in found:
            match = re.search(os.fsencode(rf"\s+(lib{re.escape(name)}\.[^\s]+)\s+\({abi}"), listing)
            found[name] = os.fsdecode(match[1]) if match else None
        return found[name]

    return lookup


@contextlib.contextmanager
def quick_library_search() -> Iterator[None]:
    """Within the block, ctypes.util.find_library answers from the ldconfig cache read once (on Linux with
    glibc's ldconfig; elsewhere nothing changes)."""
    if not sys.platform.startswith("linux") or not os.path.exists("/sbin/ldconfig"):
        yield
        return
    original = ctypes.util.find_library
    ctypes.util.find_library = cached_lookup(_ldconfig())
    try:
        yield
    finally:
        ctypes.util.find_library = original
