"""Errors that clerks read: each names the file, the place in it, the field and what was expected."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Location:
    """A place in a source file; line and column count from 1."""

    path: Path
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [str(self.path)]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, in Simplified Chinese."""

    message: str
    location: Location | None = None
    field: str | None = None

    def __str__(self) -> str:
        head = f"{self.location}: " if self.location else ""
        field = f"字段 {self.field}：" if self.field else ""
        return f"{head}{field}{self.message}"


class ReplyError(Exception):
    """Input that cannot become a reply. Carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = problems if isinstance(problems, list) else [problems]
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def at(cls, message: str, path: Path, line: int | None = None, column: int | None = None,
           field: str | None = None) -> ReplyError:
        return cls(Problem(message, Location(path, line, column), field))
