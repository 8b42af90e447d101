"""Modules imported by libraries replygen uses, and seldom or never used by replygen, loaded only if something
does use them.

- `import weasyprint` (about a fifth of it): weasyprint.pdf.fonts imports `fontTools.subset` (its subsetter when
  HarfBuzz's is missing) and `instantiateVariableFont` from `fontTools.varLib.instancer` (for variable fonts),
  with the designspace, feature and OpenType-layout builders they import; cffi's parser imports pycparser, which
  only parsing C needs (writers/cdefcache.py and writers/cffitypes.py spare most of it).
- pydantic's plugin loader imports importlib.metadata, which only looking plugins up needs (cli.py).

While such an import runs, those names are stand-ins in sys.modules; afterwards they are taken out again, so any
later import gets the real module, and the stand-ins the importing modules keep import the real module the first
time they are used. Whatever is taken from them at import time other than what is listed loads the real module
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
    "pycparser": (),
}
"""what WeasyPrint imports: module → the functions it imports from it by name (`from module import name`)"""


_IMPORT_SYSTEM = frozenset({"__path__", "__file__", "__cached__", "__loader__", "__package__", "__spec__",
                             "__builtins__"})


class _StandIn(types.ModuleType):
    """A module not imported yet: the first attribute asked for imports the real module and answers from it."""

    def __getattr__(self, name: str) -> object:
        if name in _IMPORT_SYSTEM:  # asked of any module by the import system (`from x import y` asks __path__)
            raise AttributeError(name)
        real = _real(self.__name__, self)
        self.__dict__.update(real.__dict__)  # from now on without this method: cffi's parser asks a lot
        return getattr(real, name)


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
def deferred_imports(modules: dict[str, tuple[str, ...]] = DEFERRED) -> Iterator[None]:
    """Within the block, the `modules` not imported yet are stand-ins (see the module's docstring): module → the
    functions taken from it by name at import time."""
    placed = {}
    for module, names in modules.items():
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
