"""The content folder as the workbench sees it: reply files by name, read with their version, and saved through
replygen.edits (a save refused when the file changed since the editor loaded it, the previous version kept)."""

from __future__ import annotations

from pathlib import Path

from replygen import edits
from replygen.render import reply_files


class NotFound(Exception):
    """No reply of that name under the content folder (also for names pointing outside it)."""


class ContentStore:
    """Replies are named by their path below `root`, in posix form: `2026/245.yaml`."""

    def __init__(self, root: Path):
        self.root = root.resolve()

    def replies(self) -> list[tuple[str, Path]]:
        """(name, file) of every reply the workbench serves. A link leading out of the folder is left out: it is
        not served (`path` refuses it), so listing it would only offer a page that answers 404."""
        found = []
        for path, _ in reply_files([self.root]):
            name = path.relative_to(self.root).as_posix()
            try:
                found.append((name, self.path(name)))
            except NotFound:
                continue
        return found

    def path(self, name: str) -> Path:
        """The file a name stands for; only YAML files under root, never in a hidden folder."""
        parts = Path(name).parts
        try:
            path = (self.root / name).resolve()
        except (OSError, ValueError):  # a NUL byte, a name too long, a loop of links
            raise NotFound(name) from None
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
        return data.decode("utf-8", errors="replace"), edits.version_of(data)

    def save(self, name: str, text: str, base: str | None) -> str:
        """Write `text` if the file is still at version `base` (None: the file must not exist yet). Returns the
        new version; raises edits.Conflict or edits.WriteFailed."""
        return edits.save(self.path(name), text.encode("utf-8"), base)

    def history(self, name: str) -> list[Path]:
        """Earlier versions of a reply, oldest first."""
        return edits.history(self.path(name))
