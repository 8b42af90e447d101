"""replygen import: archived replies (text, DOCX) → YAML whose rendering gives back the source text.

The round trip is checked the way a clerk would: render the imported YAML to DOCX, read the DOCX's paragraphs
with python-docx, and compare with the source line for line, white space aside.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import docx
import pytest

from replygen.compose import Templates
from replygen.importer import Imported, import_reply
from replygen.importer.read import read_source, squeeze
from replygen.importer.resplit import resplit
from replygen.load import load_reply
from replygen.render import render_bytes

from conftest import ROOT, SEED_TEXT, SEED_YAML

SAMPLES = sorted((ROOT.parent / "shared" / "samples").glob("*.txt"))
FRESH = sorted((ROOT / "tests" / "data" / "import").glob("*.txt"))


def roundtrip(path: Path, templates: Templates) -> tuple[Imported, list[tuple[str, str]]]:
    """Import, load the YAML as written, render DOCX; (the import, [(role, text)] of the composed paragraphs)."""
    imported = import_reply(path, templates)
    loaded = load_reply(path.with_suffix(".yaml"), imported.yaml)
    doc = templates.compose(loaded)
    data = render_bytes(doc, templates, "docx")
    docx_text = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    assert lines_without_spaces(docx_text) == lines_without_spaces(resplit(read_source(path)).text)
    return imported, [(p.role, p.text) for p in doc.paragraphs]


def lines_without_spaces(text: str) -> list[str]:
    return [line for line in map(squeeze, text.splitlines()) if line]


def lines_of(path: Path) -> list[str]:
    return [line.text for line in read_source(path).lines]


@pytest.mark.parametrize("path", [*SAMPLES, SEED_TEXT, *FRESH], ids=lambda p: p.name)
def test_round_trip_through_docx(path: Path, templates: Templates) -> None:
    roundtrip(path, templates)


# title lines and date lines, as printed in each source (None: the source has none)
TITLES = {
    "reply-02.txt": ["对区十九届人大第次会议第30", "代表建议的答复"],
    "reply-04.txt": None,
    "reply-10.txt": ["泰顺县水利局关于答复县十七届人大三次会议第413号代表建议的函"],
    "reply-19.txt": ["关于区人大十八届第四次会议第39号建议的复函"],
    "reply-22.txt": ["对市政协十届五次会议", "第110号提案的答复"],
    "reply-30.txt": ["对县政协九届二次会议第54号提案的复函"],
    "reply-36.txt": ["关于市十七届人大三次会议第182号代表建议的答复函"],
    "reply-39.txt": ["对县十六届人大六次会议第37号建议的复函"],
    "reply-245.txt": ["对市政协十四届四次会议", "第0688号提案的答复"],
}
DATES = {"reply-02.txt": "2025 915", "reply-04.txt": "2018年9月26日", "reply-10.txt": "2024年6月26日",
         "reply-19.txt": "2020年12月3日", "reply-22.txt": "2021年7月20日", "reply-30.txt": "2023年10月8日",
         "reply-36.txt": "2023年5月5日", "reply-39.txt": "二○一一年五月十日", "reply-245.txt": None}


@pytest.mark.parametrize("path", [*SAMPLES, SEED_TEXT], ids=lambda p: p.name)
def test_titles_and_dates_are_set_as_title_and_date(path: Path, templates: Templates) -> None:
    _, paragraphs = roundtrip(path, templates)
    titles = [text for role, text in paragraphs if role in ("title-first", "title")]
    expected = TITLES[path.name]
    assert titles[-len(expected):] == expected if expected else titles == []
    dates = [text for role, text in paragraphs if role == "date"]
    assert dates == ([DATES[path.name]] if DATES[path.name] else [])


def test_a_title_split_unlike_the_template_keeps_its_split(tmp_path: Path, templates: Templates) -> None:
    """The template splits 对…会议 / 第0688号提案的答复; a source split elsewhere keeps its own lines (issue 11)."""
    path = tmp_path / "split.txt"
    path.write_text(SEED_TEXT.read_text(encoding="utf-8")
                    .replace("对市政协十四届四次会议\n", "对市政协十四届四次会议第0688号\n")
                    .replace("\n第0688号提案的答复", "\n提案的答复"), encoding="utf-8")
    imported, paragraphs = roundtrip(path, templates)
    assert load_reply(Path("x.yaml"), imported.yaml).reply.title == ["对市政协十四届四次会议第0688号", "提案的答复"]
    assert [text for role, text in paragraphs if role in ("title-first", "title")] == [
        "对市政协十四届四次会议第0688号", "提案的答复"]


def test_a_docx_title_split_by_a_soft_break_keeps_its_split(tmp_path: Path, templates: Templates) -> None:
    """Shift+Enter inside the title paragraph is where the title's line breaks, as a new paragraph would be."""
    document = docx.Document()
    for text in lines_of(SEED_TEXT):
        if text == "对市政协十四届四次会议":
            run = document.add_paragraph().add_run("对市政协十四届四次会议第0688号")
            run.add_break()
            run.add_text("提案的答复")
        elif text != "第0688号提案的答复":
            document.add_paragraph(text)
    path = tmp_path / "soft.docx"
    document.save(str(path))
    _, paragraphs = roundtrip(path, templates)
    assert [text for role, text in paragraphs if role in ("title-first", "title")] == [
        "对市政协十四届四次会议第0688号", "提案的答复"]


def test_a_title_with_opening_words_is_still_the_title(templates: Templates) -> None:
    """…提案办理情况的复函 shares 办理情况 with openings; a 文件 line above it is kept and named."""
    path = FRESH_BY_NAME["county-title-with-banli.txt"]
    imported, paragraphs = roundtrip(path, templates)
    assert [text for role, text in paragraphs if role in ("title-first", "title")] == [
        "某县住房和城乡建设局关于县政协十一届三次会议第36号提案办理情况的复函"]
    assert [text for role, text in paragraphs if role == "salutation"] == ["陈俊等委员："]
    assert [text for role, text in paragraphs if role == "date"] == ["二〇二四年六月十二日"]
    assert [line for line, _ in imported.warnings] == ["3"]


def test_seed_imports_with_the_structure_of_the_seed_yaml(templates: Templates) -> None:
    imported = import_reply(SEED_TEXT, templates)
    reply = load_reply(Path("x.yaml"), imported.yaml).reply
    seed = load_reply(SEED_YAML).reply
    assert reply.title is None and reply.opening is None  # the templates' own title and opening fit
    assert (reply.session, reply.number, reply.subject, reply.kind) == (seed.session, seed.number, seed.subject,
                                                                        seed.kind)
    assert reply.salutation.names == ["朱瑞庭"]
    assert reply.body[:3] == seed.body[:3]
    assert reply.body[3].next_steps.tiers == seed.body[3].next_steps.tiers
    assert reply.body[3].next_steps.intro == seed.body[3].next_steps.intro


def load_imported(path: Path, templates: Templates):
    return load_reply(path.with_suffix(".yaml"), import_reply(path, templates).yaml).reply


def test_head_elements(templates: Templates) -> None:
    r02 = load_imported(SAMPLES[0], templates)
    assert (r02.category, r02.signer, r02.kind) == ("A", "王一川", "suggestion")
    assert [list(h.model_dump(exclude_none=True)) for h in r02.as_printed.head] == [
        ["category"], ["doc_number", "signer"], ["title"]]
    r19 = load_imported(ROOT.parent / "shared" / "samples" / "reply-19.txt", templates)
    assert (r19.doc_number, r19.category, r19.session, r19.number) == (
        "巴南交通发〔2020〕188号", "A", "区人大十八届第四次会议", "39")
    assert r19.as_printed.head[2].organ == "重庆市巴南区交通局"
    r30 = load_imported(ROOT.parent / "shared" / "samples" / "reply-30.txt", templates)
    assert [next(iter(h.model_dump(exclude_none=True))) for h in r30.as_printed.head] == [
        "title", "text", "category", "signer", "doc_number"]
    tiers = load_imported(FRESH_BY_NAME["suggestion-tiers.txt"], templates)
    assert (tiers.number, tiers.category, tiers.signer) == ("14-3-67", "B", "周立新")


FRESH_BY_NAME = {p.name: p for p in FRESH}


def test_salutations(templates: Templates) -> None:
    sal = {name: load_imported(p, templates).salutation for name, p in FRESH_BY_NAME.items()}
    assert sal["proposal-sections.txt"].names == ["李明华"] and sal["proposal-sections.txt"].honorific
    assert sal["co-handling.txt"].organisation == "市市场监督管理局"
    assert sal["organisation-fallback.txt"].organisation == "农工党内蒙古区委"
    assert sal["suggestion-tiers.txt"].text == "尚路鹏(等4位)代表"
    r04 = load_imported(SAMPLES[1], templates)
    assert r04.salutation.text.startswith("张群、刘定海") and r04.salutation.colon == ":"
    r22 = load_imported(ROOT.parent / "shared" / "samples" / "reply-22.txt", templates)
    assert r22.salutation.names == ["陈磊", "卢晓辉", "李洪涛", "张天翼", "陈文晓"] and r22.salutation.honorific


def test_body_structures(templates: Templates) -> None:
    sections = load_imported(FRESH_BY_NAME["proposal-sections.txt"], templates)
    first = sections.body[1].section
    assert first.heading == "工作开展情况"
    assert first.body[0].section.heading == "完善保护制度"
    assert [i.text for i in first.body[0].section.body[0].achievements.items] == [
        "修订保护规划，明确保护范围和要求。", "建立保护名录动态调整机制。", "加强日常巡查。"]
    point = sections.body[2].section.body[0].paragraph
    assert point.startswith("关于您提出的“建立多元投入机制”的建议。")
    tiers = load_imported(FRESH_BY_NAME["suggestion-tiers.txt"], templates)
    assert tiers.body[0].achievements.intro == "近年来，我局高度重视老旧小区加装电梯工作，"
    steps = tiers.body[1].next_steps
    assert steps.intro.startswith("下一步") and steps.numbering == "（一）"
    assert [t.lead for t in steps.tiers] == ["加强政策宣传。", "优化审批服务。", "强化质量监管。"]
    assert [i.text for i in steps.tiers[1].items] == ["推行联合审图；", "实行并联审批，压缩办理时限。"]
    numbered = load_imported(SAMPLES[0], templates).body[1].next_steps
    assert numbered.numbering == "1." and len(numbered.tiers) == 3


def test_closing_signature_date_and_end_block(templates: Templates) -> None:
    fresh = load_imported(FRESH_BY_NAME["proposal-sections.txt"], templates)
    assert fresh.closing == ["感谢您对本市文化和旅游工作的关心和支持。", "特此答复。"]
    assert fresh.signature == "上海市文化和旅游局" and fresh.date.isoformat() == "2025-06-20"
    assert fresh.contact[0].name == "陈晓" and fresh.contact[0].phone == "021-23112345"
    assert fresh.disclosure == "主动公开"
    assert [(c.organ, c.copies) for c in fresh.cc] == [("市政协提案委员会", 2), ("市政府办公厅", None)]
    assert fresh.printed.organ == "上海市文化和旅游局办公室" and fresh.printed.date.isoformat() == "2025-06-21"
    assert fresh.as_printed.notes is None and fresh.as_printed.cc is None  # the templates' wording fit
    tiers = load_imported(FRESH_BY_NAME["suggestion-tiers.txt"], templates)
    assert tiers.date.isoformat() == "2024-07-05" and tiers.as_printed.date == "二〇二四年七月五日"
    assert tiers.contact[0].name == "沈佳"
    r36 = load_imported(ROOT.parent / "shared" / "samples" / "reply-36.txt", templates)
    assert r36.closing_block == ["办复类别:B类", "联系电话:13855402597", "联系人:胡晓炜"]
    assert r36.category == "B" and r36.signature is False
    r22 = load_imported(ROOT.parent / "shared" / "samples" / "reply-22.txt", templates)
    assert [(c.organ, c.copies) for c in r22.cc] == [("市政协提案委", 2), ("市委、市政府督查局", 2)]
    co = load_imported(FRESH_BY_NAME["co-handling.txt"], templates)
    assert co.kind == "co-handling" and co.title is None and co.closing is None  # template wording fits
    r02 = load_imported(SAMPLES[0], templates)
    assert r02.disclosure == "依申请公开" and r02.date.isoformat() == "2025-09-15"


def test_unrecognised_lines_fall_back_with_line_numbers(templates: Templates) -> None:
    imported = import_reply(FRESH_BY_NAME["organisation-fallback.txt"], templates)
    assert imported.fallback_lines == 1
    assert [line for line, _ in imported.warnings] == ["1"]
    assert "索引号" in imported.warnings[0][1]
    reply = load_reply(Path("x.yaml"), imported.yaml).reply
    assert reply.as_printed.head[0].text.startswith("索引号")
    # with the header block of the samples, line numbers count from the file's first line
    r30 = import_reply(ROOT.parent / "shared" / "samples" / "reply-30.txt", templates)
    assert [line for line, _ in r30.warnings] == ["10"]


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig"])
def test_encodings(encoding: str, tmp_path: Path, templates: Templates) -> None:
    path = tmp_path / "reply.txt"
    path.write_bytes(SEED_TEXT.read_text(encoding="utf-8").encode(encoding))
    imported, _ = roundtrip(path, templates)
    assert imported.yaml.startswith(f"# 由 replygen import 从 reply.txt 导入（编码：{encoding}）")


def test_docx_typed_by_an_office(tmp_path: Path, templates: Templates) -> None:
    """Paragraphs as a clerk types them: blank paragraphs between, spaces and a tab for layout, runs split."""
    source = ROOT.parent / "shared" / "samples" / "reply-19.txt"
    document = docx.Document()
    for text in lines_of(source):
        p = document.add_paragraph()
        if text.startswith("巴南"):
            p.add_run(text)
        elif "（" in text or "(" in text:
            p.add_run("\t" + text[:5])
            p.add_run(text[5:] + "　")
        else:
            p.add_run(text)
        document.add_paragraph("")
    path = tmp_path / "typed.docx"
    document.save(str(path))
    _, paragraphs = roundtrip(path, templates)
    assert ("title-first", "关于区人大十八届第四次会议第39号建议的复函") in paragraphs
    assert ("date", "2020年12月3日") in paragraphs


def test_docx_rendered_by_replygen(tmp_path: Path, templates: Templates) -> None:
    """The seed YAML rendered to DOCX comes back with its signature block, notes and 版记 recognised."""
    path = tmp_path / "245.docx"
    path.write_bytes(render_bytes(templates.compose(load_reply(SEED_YAML)), templates, "docx"))
    imported, paragraphs = roundtrip(path, templates)
    reply = load_reply(Path("x.yaml"), imported.yaml).reply
    seed = load_reply(SEED_YAML).reply
    assert reply.date == seed.date and reply.closing == seed.closing and reply.disclosure == seed.disclosure
    assert reply.signature == "上海市市场监督管理局"
    assert [c.organ for c in reply.cc] == ["市政协提案委员会", "市政府办公厅"]
    assert reply.printed.organ == "上海市市场监督管理局办公室"
    assert [role for role, _ in paragraphs][-7:] == ["body", "signature", "date", "note", "note", "cc", "printed"]


def replygen(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "replygen", *args], capture_output=True, text=True, timeout=300,
                          cwd=cwd)


def test_cli_imports_a_folder_with_a_summary_and_names_bad_files(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for path in FRESH:
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "garbled.txt").write_bytes(b"\xff\xfe\x00\x41\x00\x00\x81")
    (folder / "shopping.txt").write_text("牛奶两盒\n面包一袋\n", encoding="utf-8")
    out = tmp_path / "out"
    result = replygen("import", str(folder), "-o", str(out), cwd=tmp_path)
    assert result.returncode == 1
    assert "garbled.txt: 无法识别文件编码" in result.stderr
    assert "shopping.txt: 看不出这是一份答复" in result.stderr
    assert f"{folder / 'organisation-fallback.txt'}:1: 警告：未识别的版头内容" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(p.with_suffix(".yaml").name for p in FRESH)
    table = result.stdout[result.stdout.index("文件"):]
    assert "garbled.txt" in table and "失败" in table
    row = next(line for line in table.splitlines() if "organisation-fallback" in line)
    assert " 1 " in row and "标题" in row and "主送" in row
    rendered = replygen("validate", str(out), cwd=tmp_path)
    assert rendered.returncode == 0, rendered.stderr


def test_schema_for_archived_replies_explains_what_is_missing(tmp_path: Path, templates: Templates) -> None:
    from replygen.errors import ReplyError

    base = ("kind: proposal\nsession: null\nnumber: null\nsubject: null\nsalutation: null\n"
            "body: [正文。]\ndate: false\n")
    path = tmp_path / "r.yaml"
    doc = templates.compose(load_reply(path, base + "title: []\nopening: false\nissuer: imported\n"))
    assert [p.text for p in doc.paragraphs] == ["正文。", "感谢您对我们工作的关心和支持。"]
    for extra, message in (("opening: false\nissuer: imported\n", "字段 （顶层）：没有写 title（标题）时，需要 session"),
                           ("title: []\nissuer: imported\n", "没有写 opening（开头语）时，需要 subject"),
                           ("title: []\nopening: false\ndoc_number: 12\nissuer: shsmj\n", "字段 doc_number：发文字号只写了序号")):
        with pytest.raises(ReplyError) as err:
            templates.compose(load_reply(path, base + extra))
        assert message in str(err.value)


def test_an_issuer_that_adds_text_is_refused_at_the_first_line_that_differs(templates: Templates) -> None:
    from replygen.errors import ReplyError

    with pytest.raises(ReplyError) as err:
        import_reply(SEED_TEXT, templates, "example-jtj")
    assert "reply-245.txt:1: 无法无损导入：用发文机关档案“example-jtj”生成的文字与原文不一致（原文“沪市监提〔2026〕24”" in str(err.value)
