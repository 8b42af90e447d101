"""The content folder as the workbench sees it: reply files by name, read with their version, saved atomically
with the previous version kept, and a save refused when the file changed since the editor loaded it."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from pathlib import Path

from replygen.output import atomic_write
from replygen.render import reply_files

HISTORY = ".history"


class NotFound(Exception):
    """No reply of that name under the content folder (also for names pointing outside it)."""


class Conflict(Exception):
    """The file is not the version the editor started from: someone else saved in between."""

    def __init__(self, current: str | None):
        super().__init__(current)
        self.current = current


def version_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ContentStore:
    """Replies are named by their path below `root`, in posix form: `2026/245.yaml`."""

    def __init__(self, root: Path):
        self.root = root.resolve()
        self._lock = threading.Lock()  # a version check and the write it allows happen as one step

    def names(self) -> list[str]:
        return [path.relative_to(self.root).as_posix() for path, _ in reply_files([self.root])]

    def path(self, name: str) -> Path:
        """The file a name stands for; only YAML files under root, never in a hidden folder."""
        parts = Path(name).parts
        path = (self.root / name).resolve()
        if (not name.endswith(".yaml") or any(p.startswith(".") for p in parts) or Path(name).is_absolute()
                or not path.is_relative_to(self.root)):
            raise NotFound(name)
        return path

    def read(self, name: str) -> tuple[str, str]:
        """(text, version) of an existing reply."""
        path = self.path(name)
        try:
            data = path.read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            raise NotFound(name) from None
        return data.decode("utf-8", errors="replace"), version_of(data)

    def save(self, name: str, text: str, base: str | None) -> str:
        """Write `text` if the file is still at version `base` (None: the file must not exist yet); keep the
        version it replaces under .history/. Returns the new version; raises Conflict otherwise."""
        path = self.path(name)
        data = text.encode("utf-8")
        with self._lock:
            old = path.read_bytes() if path.is_file() else None
            current = None if old is None else version_of(old)
            if current != base:
                raise Conflict(current)
            if old == data:
                return current
            if old is not None:
                self._keep(name, old)
            atomic_write(path, data)
        return version_of(data)

    def history(self, name: str) -> list[Path]:
        """Earlier versions of a reply, oldest first."""
        folder = self.root / HISTORY / name
        return sorted(folder.glob("*.yaml")) if folder.is_dir() else []

    def _keep(self, name: str, data: bytes) -> None:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        atomic_write(self.root / HISTORY / name / f"{stamp}-{version_of(data)[:8]}.yaml", data)
