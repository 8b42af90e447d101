"""What the list shows of each reply (编号、标题、主送、日期、是否通过检查), and the check the editor runs as the
clerk types: load and compose, no rendering, so it takes milliseconds."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from replygen.compose import Templates
from replygen.errors import Location, Problem, ReplyError
from replygen.load import load_reply
from replygen.web.store import ContentStore


def unexpected(path: Path, exc: Exception, doing: str) -> Problem:
    """A failure that loading or a writer did not turn into a Problem itself (a NUL byte, an impossible date,
    deep nesting: their bug, to be fixed there). Shown as this reply's problem, so that one file never answers
    500 for a whole list, a save or a preview."""
    detail = f"{type(exc).__name__}: {exc}"
    return Problem(f"{doing}时出错（{detail[:300]}）；请检查文件内容", Location(path))


def check(templates: Templates, path: Path, text: str | None = None) -> tuple[list[Problem], dict[str, str]]:
    """The problems of a reply (`text`, or the file), and when there are none its composed document's summary."""
    try:
        doc = templates.compose(load_reply(path, text))
    except ReplyError as err:
        return err.problems, {}
    except Exception as exc:
        return [unexpected(path, exc, "读取")], {}
    salutation = next((p.text for p in doc.paragraphs if p.role == "salutation"), "")
    return [], {"number": doc.meta.get("keywords", ""), "title": doc.meta.get("title", ""),
                "addressee": salutation.rstrip("：:"), "date": doc.meta.get("date", "")}


def problem_json(problem: Problem, path: Path) -> dict[str, object]:
    """A problem for the page; line and column only when they point into the reply itself (not a template)."""
    here = problem.location is not None and problem.location.path.resolve() == path.resolve()
    return {"message": f"字段 {problem.field}：{problem.message}" if problem.field else problem.message,
            "line": problem.location.line if here else None,
            "column": problem.location.column if here else None,
            "text": str(problem)}


@dataclass(frozen=True)
class Entry:
    name: str
    number: str = ""
    title: str = ""
    addressee: str = ""
    date: str = ""
    problems: list[str] = field(default_factory=list)

    def json(self) -> dict[str, object]:
        return {"name": self.name, "number": self.number, "title": self.title, "addressee": self.addressee,
                "date": self.date, "valid": not self.problems, "problems": self.problems}


class Catalog:
    """Entries for every reply, each recomputed only when its file changed (size or mtime)."""

    def __init__(self, store: ContentStore, templates: Templates):
        self.store = store
        self.templates = templates
        self._cache: dict[str, tuple[tuple[int, int], Entry]] = {}
        self._lock = threading.Lock()

    def entries(self) -> list[Entry]:
        out = []
        for name, path in self.store.replies():
            try:
                stat = path.stat()
            except OSError:  # removed since it was listed: not a reply to show
                continue
            stamp = (stat.st_mtime_ns, stat.st_size)
            with self._lock:
                cached = self._cache.get(name)
            if cached is None or cached[0] != stamp:
                problems, summary = check(self.templates, path)
                cached = (stamp, Entry(name, problems=[str(p) for p in problems], **summary))
                with self._lock:
                    self._cache[name] = cached
            out.append(cached[1])
        return out
