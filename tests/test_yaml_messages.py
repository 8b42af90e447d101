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
