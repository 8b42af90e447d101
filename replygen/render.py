"""One reply file → its outputs: load, compose once, then hand the same document to each writer."""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from replygen.compose import Templates
from replygen.document import Document, fit_notes
from replygen.errors import Location, Problem, ReplyError
from replygen.limits import Limits, render_limits
from replygen.load import load_reply
from replygen.output import commit
from replygen.paths import files_below

FORMATS = ("docx", "pdf", "ofd")


def document_for(path: Path, templates: Templates) -> Document:
    return templates.compose(load_reply(path))


_WRITERS = {"docx": ("replygen.writers.docx", "replygen.writers.pdf"), "pdf": ("replygen.writers.pdf",),
            "ofd": ("replygen.writers.pdf", "replygen.ofd")}
"""the DOCX follows the decisions of the PDF's layout (writers.pdf.settle), so it needs the PDF writer too"""


def load_writers(formats: Iterable[str]) -> None:
    """Import the writers (WeasyPrint takes about a second) before the first reply's time limit starts."""
    for fmt in formats:
        for module in _WRITERS[fmt]:
            importlib.import_module(module)


def render_bytes(doc: Document, templates: Templates, fmt: str, pdf_standard: str | None = None,
                 pdf: bytes | None = None) -> bytes:
    """`pdf_standard`: None or a pdfmeta.STANDARDS key. An OFD is made from the PDF of the same document (`pdf`,
    rendered here when not given), so that both have the same layout; a DOCX follows what the PDF's layout
    decided (settled)."""
    if fmt in ("pdf", "ofd"):
        from replygen.writers.pdf import render_pdf

        if fmt == "pdf" or pdf is None:
            pdf = render_pdf(doc, templates.style, pdf_standard)
        if fmt == "pdf":
            return pdf
        from replygen.ofd import render_ofd

        return render_ofd(doc, templates.style, pdf)
    from replygen.writers.docx import render_docx

    return render_docx(settled(doc, templates), templates.style)


def settled(doc: Document, templates: Templates) -> Document:
    """The document with what only a layout can decide (a stamped block's place, GB/T 9704 7.3.5.5; the 版记's
    own page) decided by the PDF writer's layout, when it has such a question and it is not decided yet."""
    if not doc.needs_layout:
        return doc
    from replygen.writers.pdf import settle

    return settle(doc, templates.style)[0]


def render_file(path: Path, templates: Templates, target_stem: Path, formats: Iterable[str],
                limits: Limits, pdf_standard: str | None = None) -> tuple[list[Path], list[str]]:
    """Render every format in memory first, within the reply's time and memory limits, then commit them
    together: a failure in one changes none of them. Returns the files written and what the layout adjusted
    (fit_notes), for the clerk."""
    try:
        with render_limits(path, limits):
            outputs, doc = render_document(document_for(path, templates), templates, target_stem, formats,
                                           pdf_standard)
        commit(outputs)
    except ReplyError as err:
        raise regarding(err, path) from None
    return list(outputs), fit_notes(doc)


def regarding(err: ReplyError, reply: Path) -> ReplyError:
    """The same problems, each naming the reply first when it points elsewhere (a template line, an output
    file): in a folder of replies, a clerk must see which one failed."""
    return ReplyError([p if p.location and p.location.path == reply else Problem(str(p), Location(reply))
                       for p in err.problems])


def render_all(doc: Document, templates: Templates, target_stem: Path, formats: Iterable[str],
               pdf_standard: str | None = None) -> dict[Path, bytes]:
    """The one document in each format: {target path: bytes}. A PDF asked for is rendered once and serves the OFD."""
    return render_document(doc, templates, target_stem, formats, pdf_standard)[0]


def render_document(doc: Document, templates: Templates, target_stem: Path, formats: Iterable[str],
                    pdf_standard: str | None = None) -> tuple[dict[Path, bytes], Document]:
    """render_all's outputs, and the document as its layout settled it (fit: what was adjusted). The PDF's layout
    decides once (writers.pdf.settle) and the other formats follow that decision."""
    formats = list(formats)
    pdf = None
    if "pdf" in formats:
        from replygen.writers.pdf import render_settled

        doc, pdf = render_settled(doc, templates.style, pdf_standard)
    elif "docx" in formats:
        doc = settled(doc, templates)
    outputs = {target_stem.with_name(f"{target_stem.name}.{fmt}"): pdf if fmt == "pdf" and pdf is not None
               else render_bytes(doc, templates, fmt, pdf_standard, pdf) for fmt in formats}
    return outputs, doc


def reply_files(args: Iterable[Path]) -> Iterator[tuple[Path, Path]]:
    """(file, its path relative to the output folder without suffix) for each argument: a file stands for
    itself (out/<stem>); a folder for every *.yaml below it, mirrored (out/<sub/dirs>/<stem>)."""
    return ((path, rel.with_suffix("")) for path, rel in files_below(args, [".yaml"]))
