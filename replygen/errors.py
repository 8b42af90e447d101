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


QUOTE_LIMIT = 20
"""Characters of an input value a message quotes: enough to recognise the place, never a screenful."""


def shown(value: object, limit: int = QUOTE_LIMIT) -> str:
    """A value as a message may quote it: cut to `limit` characters (saying how long it was), and every character
    a terminal cannot show written as U+XXXX, so that a hostile value neither floods nor garbles the message."""
    text = str(value)
    out = "".join(c if c.isprintable() else f"U+{ord(c):04X}" for c in text[:limit])
    return out if len(text) <= limit else f"{out}…（共 {len(text)} 字）"


def char_name(char: str) -> str:
    """A character no document can hold, as U+XXXX and what it is, in Chinese."""
    code = ord(char)
    kind = ("空字符" if code == 0 else "控制字符" if code < 0x20 or 0x7F <= code < 0xA0
            else "单独的代理码位" if 0xD800 <= code < 0xE000 else "非字符" if code in (0xFFFE, 0xFFFF) else "字符")
    return f"U+{code:04X}（{kind}）"
