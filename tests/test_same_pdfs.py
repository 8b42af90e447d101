"""Each of replygen's speed-ups of WeasyPrint (unpatched.SWITCHES) makes the PDF WeasyPrint makes without it, byte
for byte: for every reply of content/ and an archive of varied replies. Each speed-up's own module tests the paths
it takes beyond replies (tests/test_text_drawing.py, test_page_styles.py, test_split_lines.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from replies import write_archive
from unpatched import SWITCHES, both

from replygen.compose import Templates
from replygen.document import TAB, Document
from replygen.render import document_for, render_bytes

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory, templates: Templates) -> list[Document]:
    return [document_for(path, templates) for path in write_archive(tmp_path_factory.mktemp("archive"), 24, seed=3)]


@pytest.mark.parametrize("switch", SWITCHES)
@pytest.mark.parametrize("reply", sorted((ROOT / "content").rglob("*.yaml")), ids=lambda p: p.stem)
def test_every_reply_is_the_pdf_weasyprint_makes(reply: Path, switch: str, templates: Templates) -> None:
    doc = document_for(reply, templates)
    ours, theirs = both(lambda: render_bytes(doc, templates, "pdf"), SWITCHES[switch])
    assert ours == theirs


def test_the_archive_has_split_lines(archive: list[Document]) -> None:
    assert sum(TAB in (run.role for p in doc.paragraphs for run in p.runs) for doc in archive) >= 12


@pytest.mark.parametrize("switch", SWITCHES)
def test_an_archive_of_varied_replies_is_the_same(switch: str, archive: list[Document], templates: Templates) -> None:
    for doc in archive:
        ours, theirs = both(lambda doc=doc: render_bytes(doc, templates, "pdf"), SWITCHES[switch])
        assert ours == theirs, doc.meta.get("title")
