"""Modules WeasyPrint imports and replygen's PDFs never use, loaded only if something does use them: about a
fifth of `import weasyprint` (fontTools' subsetter and variable-font instancer, with the designspace, feature and
OpenType-layout builders they import).

weasyprint.pdf.fonts imports `fontTools.subset` (its subsetter when HarfBuzz's is missing) and
`instantiateVariableFont` from `fontTools.varLib.instancer` (for variable fonts) when it is imported. While
WeasyPrint is imported, those two names are stand-ins in sys.modules; afterwards they are taken out again, so any
later import gets the real module, and the stand-ins WeasyPrint keeps import the real module the first time they
are used. Whatever WeasyPrint takes from them at import time other than what is listed here loads the real module
there and then, as without this module.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import types
from collections.abc import Iterator

DEFERRED: dict[str, tuple[str, ...]] = {
    "fontTools.subset": (),
    "fontTools.varLib.instancer": ("instantiateVariableFont",),
}
"""module → the functions WeasyPrint imports from it by name (`from module import name`)"""


class _StandIn(types.ModuleType):
    """A module not imported yet: the first attribute asked for imports the real module and answers from it."""

    def __getattr__(self, name: str) -> object:
        if name.startswith("__"):  # what the import system asks of any module (__path__ …): a plain module's
            raise AttributeError(name)
        return getattr(_real(self.__name__, self), name)


def _real(name: str, stand_in: types.ModuleType) -> types.ModuleType:
    if sys.modules.get(name) is stand_in:  # asked for while WeasyPrint is being imported: import it now
        del sys.modules[name]
    return importlib.import_module(name)


def _forward(module: str, name: str, stand_in: types.ModuleType):
    def forward(*args, **kwargs):
        return getattr(_real(module, stand_in), name)(*args, **kwargs)

    forward.__name__ = forward.__qualname__ = name
    return forward


@contextlib.contextmanager
def deferred_imports() -> Iterator[None]:
    """Within the block, the DEFERRED modules not imported yet are stand-ins (see the module's docstring)."""
    placed = {}
    for module, names in DEFERRED.items():
        if module in sys.modules:
            continue
        stand_in = _StandIn(module)
        for name in names:
            setattr(stand_in, name, _forward(module, name, stand_in))
        placed[module] = sys.modules[module] = stand_in
    try:
        yield
    finally:
        for module, stand_in in placed.items():
            if sys.modules.get(module) is stand_in:
                del sys.modules[module]
