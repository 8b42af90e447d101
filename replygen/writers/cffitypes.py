"""cffi type strings of WeasyPrint's calls resolved without running the C parser: about 0.3 s off a process's
first PDF, and some 20 ms off each later PDF for each new array length.

WeasyPrint passes cffi C type strings (`ffi.new("PangoRectangle *")`, `ffi.new(f"hb_codepoint_t[{n}]", …)`).
cffi parses each new string with pycparser, after declaring again every typedef of WeasyPrint's declarations:
some 15–30 ms a string. It keeps what it parsed, but the subset arrays' lengths change with every document, so
a batch worker parses two or three arrays for each font of each PDF. The simplest strings (a typedef or a
primitive type, then `*`s, then `[N]` or `[]`) are turned here into the same cffi model types that its parser
builds from them, and so into the same backend types; anything else goes to cffi's parser as before.
"""

from __future__ import annotations

import re

_SIMPLE = re.compile(r"\s*([A-Za-z_]\w*(?:\s+[A-Za-z_]\w*)*)\s*((?:\*\s*)*)(?:\[\s*(\d*)\s*\])?\s*")


def simple_model_type(ffi, cdecl: str):
    """The cffi model type of `cdecl` as cffi's parser would build it, when `cdecl` is a simple type string; None
    for any other (cffi then parses it)."""
    from cffi import model
    from cffi.commontypes import resolve_common_type

    match = _SIMPLE.fullmatch(cdecl)
    if not match:
        return None
    name, stars, length = " ".join(match[1].split()), match[2].count("*"), match[3]
    typedef = ffi._parser._declarations.get(f"typedef {name}") if " " not in name else None
    if typedef is not None:
        tp, quals = typedef
    elif name in model.PrimitiveType.ALL_PRIMITIVE_TYPES:  # canonical spellings only: cffi keeps those as they are
        tp, quals = resolve_common_type(ffi._parser, name)
    else:
        return None
    if tp.is_raw_function:  # a function typedef: cffi makes function pointers of those
        return None
    for _ in range(stars):
        tp, quals = model.PointerType(tp, quals), 0
    if length is not None:
        tp = model.ArrayType(tp, int(length) if length else None)
    return tp


def quick_types(ffi) -> None:
    """Make `ffi` (WeasyPrint's cffi.FFI) resolve simple type strings without its C parser. Does nothing to an
    object that is not laid out as cffi's FFI is."""
    original = getattr(ffi, "_typeof_locked", None)
    if original is None or not all(hasattr(ffi, a) for a in ("_parsed_types", "_parser", "_get_cached_btype")):
        return

    def typeof_locked(cdecl):  # called by ffi._typeof with ffi._lock held, as _get_cached_btype wants
        if isinstance(cdecl, str) and cdecl not in ffi._parsed_types:
            try:
                tp = simple_model_type(ffi, cdecl)
            except Exception:  # cffi laid out otherwise than this module knows
                tp = None
            if tp is not None:
                result = ffi._parsed_types[cdecl] = (ffi._get_cached_btype(tp), False)
                return result
        return original(cdecl)

    ffi._typeof_locked = typeof_locked
