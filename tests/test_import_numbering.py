"""replygen import of the numbering variants archives print (issue 14): half-width (一) and (1), 1、 and 1． come out
as tiers and headings in that numbering style, and the imported YAML renders back to the same text, from a text
file, a DOCX and a PDF alike. A paragraph that merely starts with a number, outside a sequence, stays as it is.

The sources are the samples and test replies with their numbering rewritten.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

import docx
import pytest

from replygen.compose import Templates
from replygen.importer import import_reply
from replygen.importer import patterns as P
from replygen.importer.read import read_source, shape
from replygen.load import load_reply
from replygen.model import NextStepsBlock, NumberingStyle, Reply, SectionBlock
from replygen.render import render_bytes

from conftest import ROOT, SEED_TEXT

DATA = ROOT / "tests" / "data" / "import"
SAMPLES = ROOT.parent / "shared" / "samples"

VARIANTS: dict[str, tuple[Path, list[tuple[str, str]], list[tuple[str, str | None]]]] = {
    # name: (source, its numbering rewritten (old → new), the numbered blocks of the import in order (kind, style))
    "tiers-half-width-brackets": (DATA / "suggestion-tiers.txt", [("（一）", "(一)"), ("（二）", "(二)"), ("（三）", "(三)")],
                                  [("next_steps", "(一)")]),
    "tiers-enumeration-comma": (SEED_TEXT, [("第一、", "1、"), ("第二、", "2、"), ("第三、", "3、")],
                                [("next_steps", "1、")]),
    "tiers-full-width-dot": (SAMPLES / "reply-02.txt", [("1. ", "1．"), ("2. ", "2．"), ("3. ", "3．")],
                             [("next_steps", "1．")]),
    "tiers-in-a-section": (DATA / "headings-and-counted-names.txt", [("1.优化", "1、优化"), ("2.提升", "2、提升")],
                           [("section", None), ("section", None), ("next_steps", "1、")]),
    "headings-half-width-brackets": (DATA / "proposal-sections.txt", [("（一）完善", "(一)完善"), ("（二）推进", "(二)推进")],
                                     [("section", None), ("section", "(一)"), ("section", "(一)"), ("section", None)]),
    "headings-arabic": (DATA / "proposal-sections.txt", [("一、工作", "1、工作"), ("二、下一步", "2、下一步"),
                                                         ("（一）完善", "(1)完善"), ("（二）推进", "(2)推进")],
                        [("section", "1、"), ("section", "(1)"), ("section", "(1)"), ("section", "1、")]),
}


def rewritten(path: Path, changes: list[tuple[str, str]]) -> str:
    text = path.read_text(encoding="utf-8")
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new)
    return text


def numbered(blocks: list[Any]) -> Iterator[tuple[str, str | None]]:
    """(kind, numbering) of the sections and next steps, depth first."""
    for block in blocks:
        if isinstance(block, SectionBlock):
            yield "section", block.section.numbering
            yield from numbered(block.section.body)
        elif isinstance(block, NextStepsBlock):
            yield "next_steps", block.next_steps.numbering


def typed_docx(path: Path, lines: list[str]) -> None:
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    document.save(str(path))


def imported(path: Path, templates: Templates) -> tuple[Reply, tuple[str, ...]]:
    """The imported reply, as the loader reads its YAML, and the text it renders to."""
    loaded = load_reply(path.with_suffix(".yaml"), import_reply(path, templates).yaml)
    return loaded.reply, shape(templates.compose(loaded).text)


def test_the_importer_knows_every_numbering_style_the_templates_print() -> None:
    assert set(P.NUMBERING) == set(get_args(NumberingStyle))
    assert {s for styles in P.HEADING_LEVELS.values() for s in styles} | {"第一、"} == set(P.NUMBERING)


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory, templates: Templates) -> dict[str, dict[str, Path]]:
    """Each variant as a text file, a DOCX and a PDF (the text's import, rendered)."""
    out = tmp_path_factory.mktemp("numbering")
    made: dict[str, dict[str, Path]] = {}
    for name, (path, changes, _) in VARIANTS.items():
        txt = out / f"{name}.txt"
        txt.write_text(rewritten(path, changes), encoding="utf-8")
        typed_docx(out / f"{name}.docx", [line.text for line in read_source(txt).lines])
        loaded = load_reply(txt.with_suffix(".yaml"), import_reply(txt, templates).yaml)
        (out / f"{name}.pdf").write_bytes(render_bytes(templates.compose(loaded), templates, "pdf"))
        made[name] = {suffix: out / f"{name}.{suffix}" for suffix in ("txt", "docx", "pdf")}
    return made


@pytest.mark.parametrize("suffix", ["txt", "docx", "pdf"])
@pytest.mark.parametrize("name", VARIANTS)
def test_numbering_variants_import_as_structure_and_render_back(name: str, suffix: str, sources, templates) -> None:
    path = sources[name][suffix]
    reply, text = imported(path, templates)
    assert list(numbered(reply.body)) == VARIANTS[name][2]
    assert text == shape(read_source(path).text) == shape(read_source(sources[name]["txt"]).text)


def test_a_half_width_tier_renders_back_through_the_docx_writer(sources, templates: Templates) -> None:
    """What a clerk opens: the DOCX made of the imported YAML has the source's lines, (一) and all."""
    path = sources["tiers-half-width-brackets"]["txt"]
    loaded = load_reply(path.with_suffix(".yaml"), import_reply(path, templates).yaml)
    written = docx.Document(io.BytesIO(render_bytes(templates.compose(loaded), templates, "docx")))
    lines = [p.text.replace(" ", "").replace("\u3000", "") for p in written.paragraphs if p.text.strip()]
    assert [line for line in lines if line.startswith("(")] == [
        "(一)加强政策宣传。通过社区宣传栏、微信公众号等渠道宣传加装电梯政策。",
        "(二)优化审批服务。一是推行联合审图；二是实行并联审批，压缩办理时限。",
        "(三)强化质量监管。加强施工现场安全检查，确保工程质量。"]


@pytest.mark.parametrize(("changes", "kept"), [
    ([("1.优化", "1、优化"), ("2.提升", "提升")], ["1、优化线网布局。新开通线路6条。"]),
    ([("1.优化", "1、优化"), ("2.提升", "3、提升")], ["1、优化线网布局。新开通线路6条。", "3、提升服务水平。更新新能源公交车200辆。"]),
    ([("1.优化", "(一)优化"), ("2.提升", "(三)提升")], ["(一)优化线网布局。新开通线路6条。", "(三)提升服务水平。更新新能源公交车200辆。"]),
    ([("1.优化", "1．5亿元用于优化"), ("2.提升", "提升")], ["1．5亿元用于优化线网布局。新开通线路6条。"]),
], ids=["once", "out-of-order", "half-width-out-of-order", "a-decimal"])
def test_a_number_outside_a_sequence_stays_in_its_paragraph(changes: list[tuple[str, str]], kept: list[str],
                                                            tmp_path: Path, templates: Templates) -> None:
    path = tmp_path / "r.txt"
    path.write_text(rewritten(DATA / "headings-and-counted-names.txt", changes), encoding="utf-8")
    reply, text = imported(path, templates)
    section = reply.body[1].section
    assert [b.paragraph for b in section.body if hasattr(b, "paragraph")][:len(kept)] == kept
    assert not any(isinstance(b, NextStepsBlock) for b in section.body)
    assert text == shape(path.read_text(encoding="utf-8"))


def test_a_one_line_reply_is_cut_before_arabic_numbers(tmp_path: Path, templates: Templates) -> None:
    path = tmp_path / "one.txt"
    path.write_text(rewritten(DATA / "one-line.txt", [("第一、", "1．"), ("第二、", "2．")]), encoding="utf-8")
    reply, text = imported(path, templates)
    steps = reply.body[1].next_steps
    assert steps.numbering == "1．" and [t.lead for t in steps.tiers] == ["扩大护学岗覆盖范围。", "推广家长志愿者参与护学。"]
    assert "".join(text) == "".join(shape(path.read_text(encoding="utf-8")))
