"""`replygen lint`: each rule on a reply that breaks it, located at file:line; the content folder comes out clean;
`--fix` repairs the safe slips in place and shows the diff."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from replygen.lint import RULES, lint_file

from conftest import CONTENT, SEED_YAML

HEAD = """\
# 测试用答复
issuer: shsmj
kind: proposal
doc_number: 245
session: 市政协十四届四次会议
number: "0688"
subject: 关于测试的提案
date: 2026-06-18
"""


def replygen(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "replygen", *args], capture_output=True, text=True, timeout=120)


def lint(tmp_path: Path, rest: str, *, head: str = HEAD) -> list[tuple[str, int, str]]:
    """(rule, line, message) of each finding in a reply made of HEAD and `rest`."""
    path = tmp_path / "reply.yaml"
    path.write_text(head + rest, encoding="utf-8")
    report = lint_file(path)
    assert report.errors == []
    return [(f.rule, f.location.line, f.message) for f in report.findings]


def rules(found: list[tuple[str, int, str]]) -> list[tuple[str, int]]:
    return [(rule, line) for rule, line, _ in found]


def test_content_folder_is_clean() -> None:
    for path in sorted(CONTENT.rglob("*.yaml")):
        report = lint_file(path)
        assert report.errors == [] and report.findings == [], [str(f) for f in report.findings]


def test_every_rule_has_an_explanation() -> None:
    assert set(RULES) == {"punct-halfwidth", "doc-number", "date-form", "title-mismatch", "pronoun", "numbering",
                          "placeholder", "member-contact", "stamp-needs"}
    assert all(explanation for explanation, _ in RULES.values())


def test_half_width_punctuation(tmp_path: Path) -> None:
    found = lint(tmp_path, 'salutation: 朱瑞庭\nbody:\n  - 经研究,现答复如下:一是加强协调;二是(专题)研究"方案".\n'
                           "  - ISO/IEC 17025:2017, version 1.2 (draft)\n")
    assert rules(found) == [("punct-halfwidth", 11)] * 6
    assert [m.split("，")[0] for _, _, m in found] == ["中文文字中用了半角“,”", "中文文字中用了半角“:”",
                                                      "中文文字中用了半角“;”", "中文文字中用了半角“()”",
                                                      "中文文字中用了半角“\"\"”", "中文文字中用了半角“.”"]


def test_document_number_forms(tmp_path: Path) -> None:
    head = HEAD.replace("doc_number: 245", "doc_number: 沪市监提[2026]245号")
    found = lint(tmp_path, "salutation: 朱瑞庭\nbody:\n  - 依据沪府发【2025】12号、沪府办〔2025〕第3号和国办发〔2024〕05号文件。\n"
                           "  - 依据国办发〔2024〕5号文件。\n", head=head)
    assert rules(found) == [("doc-number", 4), ("doc-number", 11), ("doc-number", 11), ("doc-number", 11)]
    assert found[0][2] == "发文字号“[2026]245号”应写作“〔2026〕245号”"
    assert [m for _, _, m in found[1:]] == ["发文字号“【2025】12号”应写作“〔2025〕12号”",
                                           "发文字号“〔2025〕第3号”应写作“〔2025〕3号”",
                                           "发文字号“〔2024〕05号”应写作“〔2024〕5号”"]


def test_a_document_number_that_is_not_one(tmp_path: Path) -> None:
    head = HEAD.replace("doc_number: 245", "doc_number: 周交政发〔202527")
    found = lint(tmp_path, "salutation: 朱瑞庭\nbody:\n  - 正文。\n", head=head)
    assert found == [("doc-number", 4, "发文字号“周交政发〔202527”不完整，应以 〔年份〕序号号 结尾，如 〔2026〕245号")]


def test_date_forms(tmp_path: Path) -> None:
    found = lint(tmp_path, "salutation: 朱瑞庭\nbody:\n  - 二〇二六年五月二十日、2026年05月08日和2026-5-20召开会议，2026年5月20日完成。\n")
    assert [m for _, _, m in found] == ["日期“二〇二六年五月二十日”应写作“2026年5月20日”",
                                       "日期“2026年05月08日”不应编虚位，应写作“2026年5月8日”",
                                       "中文文字中的日期“2026-5-20”应写作“2026年5月20日”"]
    assert {rule for rule, _, _ in found} == {"date-form"}


def test_title_disagreeing_with_session_and_number(tmp_path: Path) -> None:
    found = lint(tmp_path, "title: [对市政协十四届三次会议, 第0689号提案的答复]\nsalutation: 朱瑞庭\nbody: [正文。]\n")
    assert rules(found) == [("title-mismatch", 9), ("title-mismatch", 9)]
    assert "与会议届次 session（市政协十四届四次会议）不一致" in found[0][2]
    assert found[1][2] == "“第0689号”与编号 number（0688）不一致"
    assert lint(tmp_path, "title: [对市政协十四届四次会议, 第0688号提案的答复]\nsalutation: 朱瑞庭\nbody: [正文。]\n") == []


def test_pronouns_follow_the_salutation(tmp_path: Path) -> None:
    one = lint(tmp_path, "salutation: {names: [朱瑞庭]}\nbody:\n  - 感谢你们的建议。\n")
    assert rules(one) == [("pronoun", 11)] and "正文应称“您”" in one[0][2]
    several = lint(tmp_path, "salutation: {names: [王福英, 王玉琴]}\nbody:\n  - 感谢您的建议，也感谢你们的支持。\n")
    assert rules(several) == [("pronoun", 11)] and "这里是“您”" in several[0][2]
    counted = lint(tmp_path, "salutation: {names: [尚路鹏], total: 4}\nbody:\n  - 感谢您们的建议。\n")
    assert counted == []
    chosen = lint(tmp_path, "salutation: {organisation: 农工党市委, pronoun: 你们}\nbody:\n  - 感谢您的建议。\n")
    assert rules(chosen) == [("pronoun", 11)]


def test_numbering_that_skips_or_repeats(tmp_path: Path) -> None:
    found = lint(tmp_path, "salutation: 朱瑞庭\nbody:\n  - 一是加强协调。三是完善机制。\n  - 一、总体情况。\n  - 一、具体措施。\n"
                           "  - section:\n      heading: （一）关于协调\n      body: [正文。]\n")
    assert rules(found) == [("numbering", 11), ("numbering", 13), ("numbering", 15)]
    assert [m for _, _, m in found] == ["编号“三是”跳过了 2（前一个是 1）", "编号“一、”重复（前一个是 1）",
                                       "“（一）”：模板会自动编号，这里不必再写"]


def test_half_width_and_enumeration_comma_numbers_count_too(tmp_path: Path) -> None:
    """(一) 1、 1． (1), as archived replies print them, are numbers like （一） 1. （1）."""
    found = lint(tmp_path, "salutation: 朱瑞庭\nbody:\n  - 1、总体情况。\n  - 3、具体措施。\n"
                           "  - section:\n      heading: (一)关于协调\n      body: [正文。]\n"
                           "  - section:\n      heading: 1．关于监管\n      body: [正文。]\n")
    assert [m for rule, _, m in found if rule == "numbering"] == [
        "编号“3、”跳过了 2（前一个是 1）", "“(一)”：模板会自动编号，这里不必再写", "“1．”：模板会自动编号，这里不必再写"]


def test_half_width_numbering_styles_are_fixed_to_full_width(tmp_path: Path) -> None:
    """An import keeps (一) as printed; lint --fix makes it （一）, as it does other half-width brackets."""
    path = tmp_path / "reply.yaml"
    body = ("salutation: 朱瑞庭\nbody:\n  - next_steps:\n      numbering: (一)\n      tiers: [{lead: 甲。}, {lead: 乙。}]\n"
            "  - section:\n      heading: 关于协调\n      numbering: (1)\n      body: [正文。]\n")
    path.write_text(HEAD + body, encoding="utf-8")
    assert [(f.rule, f.message) for f in lint_file(path).findings] == [
        ("punct-halfwidth", "编号“(一)”用了半角括号，应为全角“（一）”"),
        ("punct-halfwidth", "编号“(1)”用了半角括号，应为全角“（1）”")]
    assert replygen("lint", "--fix", str(path)).returncode == 0
    assert path.read_text(encoding="utf-8") == HEAD + body.replace("(一)", "（一）").replace("(1)", "（1）")


def test_placeholders(tmp_path: Path) -> None:
    found = lint(tmp_path, "salutation: XXX\nbody:\n  - 请××同志于TODO前完成，IEEE XXXL 标准除外。\n")
    assert [(rule, line, m) for rule, line, m in found] == [("placeholder", 9, "留有占位符“XXX”"),
                                                           ("placeholder", 11, "留有占位符“××”"),
                                                           ("placeholder", 11, "留有占位符“TODO”")]


def test_a_new_draft_keeps_its_blanks_flagged_until_filled(tmp_path: Path) -> None:
    draft = tmp_path / "246.yaml"
    assert replygen("new", "--issuer", "shsmj", "-o", str(draft)).returncode == 0
    result = replygen("lint", str(draft))
    assert result.returncode == 1
    assert "留有占位符“【姓名】”〔placeholder〕" in result.stdout
    bracketed_year = lint(tmp_path, "salutation: 朱瑞庭\nbody:\n  - 见沪市监提【2026】245号文。\n")
    assert "placeholder" not in {rule for rule, _, _ in bracketed_year}  # the doc-number rule's business


def test_member_contact_in_a_public_reply(tmp_path: Path) -> None:
    rest = ("salutation: 朱瑞庭\nbody:\n  - 朱瑞庭委员（电话13812345678，zhu@example.com）反映的问题已解决。\n"
            "contact:\n  - {name: 朱瑞庭, phone: 021-64220000}\n  - {name: 王晓明, phone: 021-64220001}\n")
    found = lint(tmp_path, rest + "disclosure: 主动公开\n")
    assert rules(found) == [("member-contact", 11), ("member-contact", 11), ("member-contact", 13)]
    assert "13812345678" in found[0][2] and "zhu@example.com" in found[1][2] and "朱瑞庭" in found[2][2]
    assert lint(tmp_path, rest + "disclosure: 依申请公开\n") == []


def test_seed_passes() -> None:
    result = replygen("lint", str(SEED_YAML))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "汇总：检查 1 个文件，0 个有问题，0 个无法读取。" in result.stdout


BAD = HEAD.replace("doc_number: 245", "doc_number: 沪市监提[2026]245号  # 字号") + """\
salutation: 朱瑞庭
body:
  - |
    经研究,现答复如下：
    一是加强协调,二是完善机制。
  - "您提出的建议收悉(第0688号)。"
"""


def test_fix_repairs_in_place_and_shows_the_diff(tmp_path: Path) -> None:
    path = tmp_path / "reply.yaml"
    path.write_text(BAD, encoding="utf-8")
    before = replygen("lint", str(path))
    assert before.returncode == 1
    assert f"{path}:4:17: 字段 doc_number：发文字号“[2026]245号”应写作“〔2026〕245号”〔doc-number〕" in before.stdout
    assert f"{path}:12:8: 字段 body[0]：中文文字中用了半角“,”，应为全角“，”〔punct-halfwidth〕" in before.stdout
    fixed = replygen("lint", "--fix", str(path))
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "-doc_number: 沪市监提[2026]245号  # 字号\n+doc_number: 沪市监提〔2026〕245号  # 字号" in fixed.stdout
    assert "已修正 4 处" in fixed.stdout
    assert path.read_text(encoding="utf-8") == BAD.replace("[2026]", "〔2026〕").replace(",", "，").replace(
        "(第0688号)", "（第0688号）")
    assert replygen("lint", str(path)).returncode == 0


def test_fix_leaves_unfixable_findings_and_fails(tmp_path: Path) -> None:
    path = tmp_path / "reply.yaml"
    path.write_text(HEAD + "salutation: 朱瑞庭\nbody:\n  - 请XXX同志联系,谢谢。\n", encoding="utf-8")
    result = replygen("lint", "--fix", str(path))
    assert result.returncode == 1
    assert "留有占位符“XXX”〔placeholder〕" in result.stdout and "半角" not in result.stdout
    assert "请XXX同志联系，谢谢。" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("text", ["body: [a\n", "- just a list\n"])
def test_unreadable_yaml_is_an_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    result = replygen("lint", str(path))
    assert result.returncode == 1 and f"错误：{path}:" in result.stderr and "Traceback" not in result.stderr


CLOSING_MARK = HEAD + """\
salutation: 朱瑞庭
body:
  - |
    根据《上海市标准化条例实施方案》,
    我局会同有关部门开展了调研。
  - "见附件（明细表）;"
  - |
    英文缩写 ISO,
    国际标准化组织。
"""


def test_half_width_mark_after_a_chinese_closing_mark_or_before_a_line_break(tmp_path: Path) -> None:
    found = lint(tmp_path, CLOSING_MARK.removeprefix(HEAD))
    assert [(rule, line, m.split("，")[0]) for rule, line, m in found] == [
        ("punct-halfwidth", 12, "中文文字中用了半角“,”"), ("punct-halfwidth", 14, "中文文字中用了半角“;”"),
        ("punct-halfwidth", 16, "中文文字中用了半角“,”")]
    path = tmp_path / "reply.yaml"
    fixed = replygen("lint", "--fix", str(path))
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert path.read_text(encoding="utf-8") == CLOSING_MARK.replace("》,", "》，").replace("）;", "）；").replace(
        "ISO,", "ISO，")


def test_rules_survive_fields_of_the_wrong_shape(tmp_path: Path) -> None:
    """lint reads the raw data, before the schema: a field of another type is no reason for an exception."""
    found = lint(tmp_path, "salutation: {names: [[朱瑞庭], {a: 1}], text: 1}\nbody: [第十号]\ndisclosure: 主动公开\n",
                 head=HEAD.replace("session: 市政协十四届四次会议", "session: [一, 二]").replace('number: "0688"', "number: {a: 1}")
                 + "title: [市政协第五次会议第3号]\n")
    assert rules(found) == []


def test_long_values_are_quoted_briefly(tmp_path: Path) -> None:
    found = lint(tmp_path, "salutation: 朱瑞庭\nbody: [正文。]\n",
                 head=HEAD.replace("doc_number: 245", "doc_number: 沪市监提" + "字" * 5000))
    assert found == [("doc-number", 4, "发文字号“沪市监提字字字字字字字字字字字字字字字字…（共 5004 字）”不完整，"
                                        "应以 〔年份〕序号号 结尾，如 〔2026〕245号")]


def test_long_runs_take_linear_time(tmp_path: Path) -> None:
    """Values built to make a backtracking pattern quadratic (each took 15 to 55 s at 20,000 characters)."""
    runs = ["【" * 20_000, "【" + "中" * 20_000, "a" * 20_000, "政协" * 10_000, "〔2026〕" + " " * 20_000 + "号",
            "," + " " * 20_000 + "x"]
    path = tmp_path / "reply.yaml"
    path.write_text(HEAD + "disclosure: 主动公开\nsalutation: 朱瑞庭\ntitle:\n"
                    + "".join(f'  - "{run}"\n' for run in runs) + "body:\n" + "".join(f'  - "{run}"\n' for run in runs),
                    encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "replygen", "lint", str(path)], capture_output=True, text=True,
                            timeout=20)
    assert "汇总：检查 1 个文件" in result.stdout and "Traceback" not in result.stderr
