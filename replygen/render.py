"""One reply file → its outputs: load, compose once, then hand the same document to each writer."""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from replygen.compose import Templates
from replygen.document import Document
from replygen.errors import Location, Problem, ReplyError
from replygen.limits import Limits, render_limits
from replygen.load import load_reply
from replygen.output import commit
from replygen.paths import files_below

FORMATS = ("docx", "pdf")


def document_for(path: Path, templates: Templates) -> Document:
    return templates.compose(load_reply(path))


def load_writers(formats: Iterable[str]) -> None:
    """Import the writers (WeasyPrint takes about a second) before the first reply's time limit starts."""
    for fmt in formats:
        importlib.import_module(f"replygen.writers.{fmt}")


def render_bytes(doc: Document, templates: Templates, fmt: str) -> bytes:
    if fmt == "pdf":
        from replygen.writers.pdf import render_pdf

        return render_pdf(doc, templates.style)
    from replygen.writers.docx import render_docx

    return render_docx(doc, templates.style)


def render_file(path: Path, templates: Templates, target_stem: Path, formats: Iterable[str],
                limits: Limits) -> list[Path]:
    """Render every format in memory first, within the reply's time and memory limits, then commit them
    together: a failure in one changes none of them."""
    try:
        with render_limits(path, limits):
            outputs = render_all(document_for(path, templates), templates, target_stem, formats)
        commit(outputs)
    except ReplyError as err:
        raise regarding(err, path) from None
    return list(outputs)


def regarding(err: ReplyError, reply: Path) -> ReplyError:
    """The same problems, each naming the reply first when it points elsewhere (a template line, an output
    file): in a folder of replies, a clerk must see which one failed."""
    return ReplyError([p if p.location and p.location.path == reply else Problem(str(p), Location(reply))
                       for p in err.problems])


def render_all(doc: Document, templates: Templates, target_stem: Path, formats: Iterable[str]) -> dict[Path, bytes]:
    """The one document in each format: {target path: bytes}."""
    return {target_stem.with_name(f"{target_stem.name}.{fmt}"): render_bytes(doc, templates, fmt) for fmt in formats}


def reply_files(args: Iterable[Path]) -> Iterator[tuple[Path, Path]]:
    """(file, its path relative to the output folder without suffix) for each argument: a file stands for
    itself (out/<stem>); a folder for every *.yaml below it, mirrored (out/<sub/dirs>/<stem>)."""
    return ((path, rel.with_suffix("")) for path, rel in files_below(args, [".yaml"]))
