"""Every YAML syntax slip a clerk is likely to make is explained in Chinese, at its line, with no English left."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from replygen.errors import ReplyError
from replygen.yamlsource import load_yaml

CASES = {
    # name: (YAML text, fragment of the message, line)
    "unclosed list": ("kind: [proposal\nbody: x\n", "方括号列表", 2),
    "unclosed mapping": ("salutation: {names: [a]\nbody: x\n", "花括号", 2),
    "text after quote": ('subject: "关于" 提案\n', "引号", 1),
    "text after quote in a mapping": ('a:\n  subject: "关于" 提案\n', "引号", 2),
    "bad escape": ('subject: "C:\\d"\n', "不是有效的转义", 1),
    "at sign": ("subject: @某某\n", "“@”不能作为一段文字的开头", 1),
    "ampersand": ("subject: & 某某\n", "锚点和别名", 1),
    "block scalar": ("subject: |x\n  abc\n", "之后应直接换行", 1),
    "second document": ("a: 1\n---\nb: 2\n", "第二个“---”", 2),
    "list misaligned": ("body:\n  - a\n - b\n", "缩进", 3),
    "key misaligned": ("a:\n  b: 1\n c: 2\n", "缩进", 3),
    "tab": ("a: 1\n\tb: 2\n", "制表符", 2),
    "colon": ("a: b: c\n", "半角冒号", 1),
    "unclosed quote": ('a: "abc\n', "文件意外结束", 2),
    "unclosed list at the end": ("a: [\n", "未闭合", 2),
    "missing content": ("a: [, b]\n", "缺少内容", 1),
}


@pytest.mark.parametrize("name", CASES)
def test_syntax_slip_explained_in_chinese(name: str) -> None:
    text, fragment, line = CASES[name]
    with pytest.raises(ReplyError) as caught:
        load_yaml(Path("reply.yaml"), text)
    message = str(caught.value.problems[0])
    assert message.startswith(f"reply.yaml:{line}:"), message
    assert fragment in message, message
    assert not re.search(r"[a-z]{3,}", message.split(": ", 1)[1]), f"PyYAML's English left in: {message}"


HOSTILE = {
    # name: (YAML text, fragment of the message, line, column, field)
    "day that does not exist": ("kind: proposal\ndate: 2026-02-30\n", "日期“2026-02-30”不存在：该月没有这一天", 2, 7, "date"),
    "month that does not exist": ("date: 2026-13-01\n", "月应为 1–12", 1, 7, "date"),
    "hour that does not exist": ("printed:\n  date: 2026-05-20 25:00:00\n", "时应为 0–23", 2, 9, "printed.date"),
    "time zone beyond a day": ("date: 2026-05-20 10:00:00 +25:00\n", "时区偏移应小于 24 小时", 1, 7, "date"),
    "NUL byte": ("subject: 关于\x00提案\n", "U+0000（空字符）", 1, 12, None),
    "control character": ("a: 1\nsubject: 关于\x07提案\n", "U+0007（控制字符）", 2, 12, None),
    "lone surrogate escaped": ('body:\n  - "正文\\ud800"\n', "第 3 个字符是 U+D800（单独的代理码位）", 2, 5, "body[0]"),
    "lone surrogate in a key": ('"\\udfff": 1\n', "U+DFFF", 1, 1, None),
    "deep nesting": ("body: " + "[" * 100_000 + "\n", "嵌套超过", 1, 57, None),
    "deep block nesting": ("body:\n" + "".join("  " * i + "- \n" for i in range(1, 200)), "嵌套超过", 51, 101, None),
    "5,000-digit integer": ("doc_number: " + "7" * 5000 + "\n", "数字太长", 1, 13, "doc_number"),
    "huge hexadecimal integer": ("total: 0x" + "f" * 5000 + "\n", "数字太大", 1, 8, "total"),
    "explicit bool tag": ("honorific: !!bool maybe\n", "无法读作布尔值", 1, 12, "honorific"),
    "explicit int tag": ("copies: !!int 两份\n", "“两份”无法读作整数", 1, 9, "copies"),
    "duplicate key, long": ("a" * 300 + ": 1\n" + "a" * 300 + ": 2\n", "重复的键“aaaaaaaaaaaaaaaaaaaa…（共 300 字）”", 2, 1,
                            "aaaaaaaaaaaaaaaaaaaa…（共 300 字）"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_document_located_in_chinese(name: str) -> None:
    """Whatever the text provokes in YAML or Python's constructors is a located Chinese problem, not a crash."""
    text, fragment, line, column, field = HOSTILE[name]
    with pytest.raises(ReplyError) as caught:
        load_yaml(Path("reply.yaml"), text)
    [problem] = caught.value.problems
    assert (problem.location.line, problem.location.column, problem.field) == (line, column, field), str(problem)
    assert fragment in problem.message, problem.message
    assert not re.search(r"[a-z]{3,}", re.sub("“[^”]*”", "", problem.message)), f"English left in: {problem.message}"
    assert len(str(problem)) < 200, "a message quotes a few characters of the input, not all of it"


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPLYGEN_MAX_YAML_KB", "4")
    path = tmp_path / "big.yaml"
    path.write_text("body:\n" + "  - 正文。\n" * 1000, encoding="utf-8")
    with pytest.raises(ReplyError) as caught:
        load_yaml(path)
    assert str(caught.value) == f"{path}: 文件太大（14 KB，上限 4 KB）；确需处理时可设置环境变量 REPLYGEN_MAX_YAML_KB"
    with pytest.raises(ReplyError, match="文件太大"):
        load_yaml(path, path.read_text(encoding="utf-8"))  # the workbench's text, held to the same limit
    path.write_text("body:\n" + "  - 正文。\n" * 100, encoding="utf-8")
    assert len(load_yaml(path).data["body"]) == 100
