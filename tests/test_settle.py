"""settle's 版记 decision made from one layout (writers.pdf._fit_imprint): the same decision, and so the same PDF
and DOCX bytes, as laying the 版记 out at the text's foot first and again on a page of its own when the pages
come out odd, which settle did before; and one layout where it took two.

Layout A: the 版记 as the footnote of the text's last paragraph; layout B: the 版记 on a page of its own
(Fit.imprint_page). B is final exactly when A's page count is odd.
"""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest
from replies import write_archive

from replygen.compose import Templates
from replygen.document import Document, Fit
from replygen.load import load_reply
from replygen.writers import estimate, pdf
from replygen.writers.docx import render_docx

from conftest import CONTENT

ARCHIVE = 36
"""generated replies (seed 11): letters and red-header replies, ending anywhere on their last page, the 版记
fitting at the text's foot or not, on an odd page or an even one; among them 版记 that fit with hundredths of a
pixel to spare (the grid's lines fill the page exactly: 2 and 12) and blank pages before the 版记 (15, 21)"""


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory, templates: Templates) -> list[Document]:
    folder = tmp_path_factory.mktemp("archive")
    return [templates.compose(load_reply(path)) for path in write_archive(folder, ARCHIVE, seed=11)]


@pytest.fixture(scope="module")
def both(archive: list[Document], templates: Templates) -> list[tuple[Document, object, object]]:
    """Each generated reply with its layouts A and B, laid out as a settled document says."""
    out = []
    for doc in archive:
        a = pdf.lay_out(dataclasses.replace(doc, fit=Fit()), templates.style)
        b = pdf.lay_out(dataclasses.replace(doc, fit=Fit(imprint_page=True)), templates.style)
        out.append((doc, a, b))
    return out


def test_b_tells_a_page_count(both: list[tuple[Document, object, object]]) -> None:
    """The predicate itself, on every reply: the page count it reads from B is A's, or it says it cannot tell,
    which it may only rarely. The archive covers both answers: 版记 that fit the text's last page and 版记 that
    go to the next, on odd and on even pages."""
    told, cases = 0, Counter()
    for doc, a, b in both:
        assert doc.imprint_even and doc.has_imprint and doc.stamp is None
        pages = pdf._a_pages(doc, b)
        if pages is None:
            continue
        told += 1
        assert pages == len(a.pages), doc.meta
        text = max(pc.page for pc in pdf._pieces(b)) + 1
        cases[(pages == text, pages % 2)] += 1
    assert told >= 0.9 * len(both)
    assert set(cases) == {(True, 0), (True, 1), (False, 0), (False, 1)}, cases


@pytest.mark.parametrize("space", [1.002, 1.02])
def test_b_tells_a_footnote_that_overflows_by_a_hair(both: list[tuple[Document, object, object]],
                                                     templates: Templates, space: float) -> None:
    """The replies whose 版记 fits with hundredths of a pixel to spare (2, 12), their signature moved down by
    0.08 px or 0.8 px (its space before: 1.002 or 1.02 lines): the 版记 now goes to the next page, by that
    little, and B tells so."""
    role = templates.style.roles["signature"]
    roles = templates.style.roles | {"signature": role.model_copy(update={"space_before": space})}
    style = templates.style.model_copy(update={"roles": roles})
    for i in (2, 12):
        doc, a, b = both[i]
        assert pdf._a_pages(doc, b) == len(a.pages) == max(pc.page for pc in pdf._pieces(b)) + 1  # it fits
        a = pdf.lay_out(dataclasses.replace(doc, fit=Fit()), style)
        b = pdf.lay_out(dataclasses.replace(doc, fit=Fit(imprint_page=True)), style)
        text = max(pc.page for pc in pdf._pieces(b)) + 1
        assert len(a.pages) == text + 1  # the 版记 went to the next page
        assert pdf._a_pages(doc, b) == len(a.pages)


def test_a_and_b_agree_up_to_the_carrier(both: list[tuple[Document, object, object]]) -> None:
    """What the predicate rests on: the text's paragraphs, their lines included, are where they are in both."""
    for _, a, b in both:
        assert pdf._pieces(a) == pdf._pieces(b)


def test_the_guess_is_mostly_right(both: list[tuple[Document, object, object]], templates: Templates) -> None:
    """Only speed depends on it: the layout it picks is laid out first, the other only when that one is not
    final."""
    right = sum(estimate.imprint_page_likely(doc, templates.style) == (len(a.pages) % 2 == 1)
                for doc, a, _ in both)
    assert right >= 0.9 * len(both)


def outputs(doc: Document, templates: Templates) -> tuple[Fit | None, bytes, bytes]:
    settled, data = pdf.render_settled(doc, templates.style)
    return settled.fit, data, render_docx(settled, templates.style)


@pytest.mark.parametrize(("guess", "count"), [(None, 16), (True, 16), (False, 16)],
                         ids=["estimate", "b-first", "a-first"])
def test_same_decision_as_two_layouts(both: list[tuple[Document, object, object]], templates: Templates,
                                      monkeypatch: pytest.MonkeyPatch, guess: bool | None, count: int) -> None:
    """settle's Fit and page count against what the two-layout rule takes from A, whichever layout the guess
    (or a forced one) puts first."""
    if guess is not None:
        monkeypatch.setattr(estimate, "imprint_page_likely", lambda doc, style: guess)
    for doc, a, b in both[:count]:
        odd = len(a.pages) % 2 == 1
        text = max(pc.page for pc in pdf._pieces(b)) + 1
        expected = Fit(imprint_page=odd, blank_page=odd and len(b.pages) - text == 2)
        settled, rendered = pdf.settle(doc, templates.style)
        assert settled.fit == expected
        assert len(rendered.pages) == len((b if odd else a).pages)


def test_bytes_as_two_layouts(archive: list[Document], templates: Templates, monkeypatch: pytest.MonkeyPatch) -> None:
    """PDF and DOCX bytes, one layout against two: content/'s replies (stamped, letter, joint) and generated ones
    (a 版记 fitting with hundredths of a pixel to spare, blank pages before the 版记)."""
    docs = [templates.compose(load_reply(path)) for path in sorted(CONTENT.rglob("*.yaml"))]
    docs += [archive[i] for i in (2, 12, 13, 14, 15, 21)]
    new = [outputs(doc, templates) for doc in docs]
    monkeypatch.setattr(pdf, "_ONE_LAYOUT", False)
    old = [outputs(doc, templates) for doc in docs]
    for doc, n, o in zip(docs, new, old, strict=True):
        assert n[0] == o[0], doc.meta
        assert n[1] == o[1], doc.meta
        assert n[2] == o[2], doc.meta
    assert any(fit and fit.imprint_page for fit, _, _ in new)
    assert any(fit and fit.blank_page for fit, _, _ in new)


@pytest.fixture
def layouts(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts WeasyPrint's layouts."""
    weasyprint = pdf._weasyprint()[0]
    render = weasyprint.HTML.render
    made = [0]

    def counted(self, *args, **kwargs):
        made[0] += 1
        return render(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint.HTML, "render", counted)
    return made


def test_odd_reply_laid_out_once(both: list[tuple[Document, object, object]], templates: Templates,
                                 monkeypatch: pytest.MonkeyPatch, layouts: list[int]) -> None:
    """A reply whose 版记 at the text's foot comes out on an odd page: two layouts before, one now; a reply
    where it comes out even stays at one."""
    odd = next(doc for doc, a, b in both if len(a.pages) % 2 and pdf._a_pages(doc, b) is not None
               and estimate.imprint_page_likely(doc, templates.style))
    even = next(doc for doc, a, _ in both if len(a.pages) % 2 == 0
                and not estimate.imprint_page_likely(doc, templates.style))
    counts = {}
    for one in (True, False):
        monkeypatch.setattr(pdf, "_ONE_LAYOUT", one)
        for name, doc in (("odd", odd), ("even", even)):
            layouts[0] = 0
            fit = pdf.settle(doc, templates.style)[0].fit
            counts[(name, one)] = layouts[0]
            assert fit is not None and fit.imprint_page == (name == "odd")
    assert counts == {("odd", False): 2, ("odd", True): 1, ("even", False): 1, ("even", True): 1}


def test_settled_document_laid_out_once(archive: list[Document], templates: Templates, layouts: list[int]) -> None:
    settled = pdf.settle(archive[0], templates.style)[0]
    layouts[0] = 0
    assert pdf.settle(settled, templates.style)[0] == settled
    assert layouts[0] == 1


def test_no_carrier(templates: Templates, monkeypatch: pytest.MonkeyPatch) -> None:
    """A 版记 and no text to carry it: B cannot tell, A decides, as before."""
    from replygen.document import IMPRINT, Paragraph, Run

    doc = Document((Paragraph("cc", (Run("抄送：市政府办公厅。"),), IMPRINT),), imprint_even=True)
    b = pdf.lay_out(dataclasses.replace(doc, fit=Fit(imprint_page=True)), templates.style)
    assert pdf._a_pages(doc, b) is None
    monkeypatch.setattr(estimate, "imprint_page_likely", lambda doc, style: True)
    new = pdf.settle(doc, templates.style)[0].fit
    monkeypatch.setattr(pdf, "_ONE_LAYOUT", False)
    assert new == pdf.settle(doc, templates.style)[0].fit


def test_content_folder_is_covered() -> None:
    assert {path.stem for path in CONTENT.rglob("*.yaml")} >= {"example-stamped", "example-letter", "245"}

