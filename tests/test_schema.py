"""The schema expresses every element of a reply (REPLIES.md); each is worded by the templates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from replygen.compose import Templates
from replygen.document import Document
from replygen.errors import ReplyError
from replygen.load import load_reply

BASE = {
    "issuer": "shsmj", "kind": "proposal", "doc_number": 12, "session": "市政协十四届四次会议", "number": "0001",
    "subject": "关于测试的提案", "salutation": {"names": ["张三"]}, "body": ["正文。"], "date": dt.date(2026, 5, 20),
}


def compose(tmp_path: Path, templates: Templates, **changes: object) -> Document:
    data = {**BASE, **changes}
    data = {k: v for k, v in data.items() if v is not ...}
    path = tmp_path / "r.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return templates.compose(load_reply(path))


def roles(doc: Document) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in doc.paragraphs:
        out.setdefault(p.role, []).append(p.text)
    return out


def test_document_number_from_prefix_and_year(tmp_path: Path, templates: Templates) -> None:
    assert roles(compose(tmp_path, templates))["doc-number"] == ["沪市监提〔2026〕12号"]
    doc = compose(tmp_path, templates, kind="suggestion", doc_number=3)
    assert roles(doc)["doc-number"] == ["沪市监建〔2026〕3号"]
    assert roles(compose(tmp_path, templates, doc_number="沪市监函〔2026〕8号"))["doc-number"] == ["沪市监函〔2026〕8号"]


@pytest.mark.parametrize(("salutation", "expected", "pronoun"), [
    ({"names": ["朱瑞庭"]}, "朱瑞庭委员：", "您"),
    ({"names": ["朱瑞庭"], "honorific": True}, "尊敬的朱瑞庭委员：", "您"),
    ({"names": ["王福英", "王玉琴"]}, "王福英、王玉琴委员：", "你们"),
    ({"names": ["尚路鹏"], "total": 4}, "尚路鹏等4位委员：", "你们"),
    ({"organisation": "农工党上海市委"}, "农工党上海市委：", "您"),
    ({"names": ["陈磊", "卢晓辉"], "pronoun": "您"}, "陈磊、卢晓辉委员：", "您"),
])
def test_salutation_and_pronoun(tmp_path: Path, templates: Templates, salutation: dict, expected: str,
                                pronoun: str) -> None:
    doc = compose(tmp_path, templates, salutation=salutation)
    assert roles(doc)["salutation"] == [expected]
    assert roles(doc)["body"][0].startswith(f"{pronoun}提出的“关于测试的提案”收悉")


def test_no_salutation(tmp_path: Path, templates: Templates) -> None:
    assert "salutation" not in roles(compose(tmp_path, templates, salutation=None))


STYLES = [("第一、", "第二、"), ("一、", "二、"), ("（一）", "（二）"), ("(一)", "(二)"), ("1.", "2."), ("1．", "2．"),
          ("1、", "2、"), ("（1）", "（2）"), ("(1)", "(2)")]


@pytest.mark.parametrize(("style", "second"), STYLES)
def test_next_step_numbering_styles(tmp_path: Path, templates: Templates, style: str, second: str) -> None:
    body = [{"next_steps": {"intro": "下一步：", "numbering": style,
                            "tiers": [{"lead": "甲。", "text": "乙。", "items": ["丙。", {"lead": "丁。", "text": "戊。"}]},
                                      {"lead": "己。"}]}}]
    texts = roles(compose(tmp_path, templates, body=body))["body"]
    assert texts[1:4] == ["下一步：", f"{style}甲。乙。一是丙。二是丁。戊。", f"{second}己。"]


def test_tiers_count_on_past_nine(tmp_path: Path, templates: Templates) -> None:
    tiers = [{"lead": f"第{n}层。"} for n in range(1, 13)]
    for style, tenth, twelfth in (("(一)", "(十)", "(十二)"), ("1．", "10．", "12．"), ("第一、", "第十、", "第十二、")):
        texts = roles(compose(tmp_path, templates, body=[{"next_steps": {"numbering": style, "tiers": tiers}}]))["body"]
        assert texts[10].startswith(tenth) and texts[12].startswith(twelfth)


def test_headings_numbered_by_depth_or_as_the_section_says(tmp_path: Path, templates: Templates) -> None:
    def section(heading: str, body: list, numbering: str | None = None) -> dict:
        return {"section": {"heading": heading, **({"numbering": numbering} if numbering else {}), "body": body}}

    body = [section("甲", [section("乙", ["正文。"]), section("丙", ["正文。"], "(一)")]),
            section("丁", [section("戊", ["正文。"], "1、"), section("己", ["正文。"], "1、")], "一、")]
    r = roles(compose(tmp_path, templates, body=body))
    assert r["heading-1"] == ["一、甲", "二、丁"]
    assert r["heading-2"] == ["（一）乙", "(二)丙", "1、戊", "2、己"]


@pytest.mark.parametrize("numbering", ["①", "(一）", "1)", 1.0])
def test_unknown_numbering_styles_are_refused_in_chinese(tmp_path: Path, templates: Templates,
                                                          numbering: object) -> None:
    with pytest.raises(ReplyError) as info:
        compose(tmp_path, templates, body=[{"next_steps": {"numbering": numbering, "tiers": [{"lead": "甲。"}]}}])
    message = str(info.value)
    assert "numbering" in message and "应为以下之一：第一、, 一、, （一）, (一), 1., 1．, 1、, （1）, (1)" in message
    assert ("编号样式请加引号" in message) == isinstance(numbering, float)


def test_joint_signatures_without_profiles(tmp_path: Path, templates: Templates) -> None:
    """An archived 联合行文 names its organs in `signature`, one line each; only `joint` profiles bring seals."""
    doc = compose(tmp_path, templates, signature=["上海市市场监督管理局", "上海市财政局"])
    assert roles(doc)["signature"] == ["上海市市场监督管理局", "上海市财政局"] and doc.stamp is None
    with pytest.raises(ReplyError) as info:
        compose(tmp_path, templates, signature=["上海市市场监督管理局", "上海市财政局"], stamped=True)
    assert "字段 signature" in str(info.value) and "请在 joint 中列出会同发文机关的档案" in str(info.value)
    assert roles(compose(tmp_path, templates, signature=["上海市市场监督管理局"], stamped=True))["signature"] == [
        "上海市市场监督管理局"]
    with pytest.raises(ReplyError) as info:
        compose(tmp_path, templates, signature=[])
    assert "字段 signature" in str(info.value)


def test_kinds_word_the_title(tmp_path: Path, templates: Templates) -> None:
    assert roles(compose(tmp_path, templates))["title-first"] + roles(compose(tmp_path, templates))["title"] == [
        "对市政协十四届四次会议", "第0001号提案的答复"]
    doc = compose(tmp_path, templates, kind="suggestion", session="市十六届人大三次会议")
    assert roles(doc)["title"] == ["第0001号代表建议的答复"] and roles(doc)["salutation"] == ["张三代表："]
    doc = compose(tmp_path, templates, kind="co-handling", salutation={"organisation": "市市场监督管理局"})
    assert roles(doc)["title"] == ["第0001号提案的会办意见"]
    doc = compose(tmp_path, templates, title=["关于某某问题的答复"])
    assert roles(doc)["title-first"] == ["关于某某问题的答复"] and "title" not in roles(doc)


def test_closing_signature_notes_cc_printed(tmp_path: Path, templates: Templates) -> None:
    doc = compose(tmp_path, templates, closing=["特此答复。"], contact=[{"name": "李四", "phone": "123"}],
                  notes=["此件不公开"], cc=["甲单位", {"organ": "乙单位", "copies": 2}],
                  printed={"organ": "某办公室", "date": dt.date(2026, 5, 21)}, attachments=["明细表"])
    r = roles(doc)
    assert r["body"][-1] == "特此答复。"
    assert r["attachment-first"] == ["附件：明细表"]
    assert r["signature"] == ["上海市市场监督管理局"] and r["date"] == ["2026年5月20日"]
    assert r["note"] == ["（联系人：李四，联系电话：123）", "（此件不公开）"]
    assert r["cc"] == ["抄送：甲单位，乙单位（2份）。"]
    assert r["printed"] == ["某办公室2026年5月21日印发"]
    assert [p.group for p in doc.paragraphs if p.role in ("cc", "printed")] == ["imprint", "imprint"]


def test_defaults_from_the_issuer_and_opting_out(tmp_path: Path, templates: Templates) -> None:
    r = roles(compose(tmp_path, templates))
    assert r["body"][-1] == "感谢您对我们工作的关心和支持。"
    assert r["cc"] == ["抄送：市政协提案委员会，市政府办公厅。"]
    r = roles(compose(tmp_path, templates, closing=[], cc=[], signature=False))
    assert r["body"][-1] == "正文。" and "cc" not in r and "signature" not in r


def test_signer_and_category(tmp_path: Path, templates: Templates) -> None:
    doc = compose(tmp_path, templates, issuer="example-jtj", signer="王一川", category="B")
    r = roles(doc)
    assert r["category"] == ["B类"]
    assert r["doc-number-signed-header"] == ["示交提〔2026〕12号签发人：王一川"]
    signed = next(p for p in doc.paragraphs if p.role == "doc-number-signed-header")
    assert [run.role for run in signed.runs] == ["", "tab", "", "signer"]
    assert r["organ-mark"] == ["示例区交通运输局"]


def test_headings_deeper_than_four_levels_are_refused(tmp_path: Path, templates: Templates) -> None:
    deep: object = ["正文。"]
    for level in range(5):
        deep = [{"section": {"heading": f"第{level}级", "body": deep}}]
    with pytest.raises(ReplyError) as info:
        compose(tmp_path, templates, body=deep)
    assert "标题最多四级" in str(info.value) and "section" in str(info.value)
