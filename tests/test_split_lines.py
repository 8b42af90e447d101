"""Split lines (印发机关 left and 印发日期 right, 发文字号 and 签发人): two blocks, the right one pulled up onto the
left one's line, make the PDF the flex box they were makes, byte for byte, without WeasyPrint's flex layout (some
10 ms of the seed's PDF); a line with an empty part stays a flex box. For replies: tests/test_same_pdfs.py."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from unpatched import split_lines_as_flex

from replygen.compose import Templates
from replygen.document import TAB, Document, Run
from replygen.render import render_bytes


@pytest.fixture
def flex_counter(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many flex boxes WeasyPrint lays out while the test runs."""
    from weasyprint.layout import block

    calls = [0]
    original = block.flex_layout

    def counted(*args, **kwargs):
        calls[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(block, "flex_layout", counted)
    yield calls


def _with_printed(doc: Document, *runs: Run) -> Document:
    """The document with its 印发 line made of `runs`."""
    paragraphs = list(doc.paragraphs)
    k = next(k for k, p in enumerate(paragraphs) if p.role == "printed")
    paragraphs[k] = dataclasses.replace(paragraphs[k], runs=runs)
    return dataclasses.replace(doc, paragraphs=tuple(paragraphs))


LINES = {
    "as printed": (Run("上海市市场监督管理局办公室"), Run("", TAB), Run("2026年6月18日印发")),
    "parts just filling the line": (Run("办" * 14), Run("", TAB), Run("印" * 14)),
    "an office name running into the date": (Run("上海市市场监督管理局（上海市知识产权局）办公室秘书处"), Run("", TAB),
                                             Run("2026年6月18日印发")),
    "an office name longer than the line": (Run("上海市市场监督管理局知识产权局办公室综合处" * 3), Run("", TAB),
                                            Run("2026年6月18日印发")),
    "no date": (Run("上海市市场监督管理局办公室"),),
    "an empty date": (Run("上海市市场监督管理局办公室"), Run("", TAB)),
    "no office": (Run("", TAB), Run("2026年6月18日印发")),
}


@pytest.mark.parametrize("name", LINES)
def test_printed_lines_are_the_same(name: str, seed_doc: Document, templates: Templates,
                                    flex_counter: list[int]) -> None:
    doc = _with_printed(seed_doc, *LINES[name])
    ours = render_bytes(doc, templates, "pdf")
    pulled_up = not flex_counter[0]
    with split_lines_as_flex():
        assert render_bytes(doc, templates, "pdf") == ours
    assert flex_counter[0] > 0  # the counter sees the flex boxes there are
    assert pulled_up == (name not in ("no date", "an empty date", "no office"))
