"""Bad input, as a clerk would meet it on the command line: a precise Chinese message with file:line:column,
a non-zero exit, no traceback, and nothing written to the output folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SEED_YAML

SEED = SEED_YAML.read_text(encoding="utf-8")


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "replygen", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def _edit(old: str, new: str) -> str:
    assert old in SEED
    return SEED.replace(old, new, 1)


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


CASES = {
    # name: (file content as bytes or text, expected fragments in the message, expected line or None)
    "yaml syntax": (_edit("kind: proposal", "kind: [proposal"), ["方括号列表", "未闭合"], None),
    "tab indent": (_edit("salutation:\n  names", "salutation:\n\tnames"), ["制表符"], "\tnames"),
    "unknown key": (_edit("kind: proposal", "kind: proposal\ntittle: 标题"), ["未知字段“tittle”", "是不是“title”"],
                    "tittle:"),
    "wrong type": (_edit("doc_number: 245", "doc_number: [245]"), ["doc_number", "应为整数 或 文字"], "doc_number: ["),
    "number not quoted": (_edit('number: "0688"', "number: 688"), ["字段 number", "加引号"], "number: 688"),
    "bad date": (_edit("date: 2026-06-18", "date: 2026年6月18日"), ["字段 date", "日期"], "date: 2026年"),
    "missing field": (_edit("session: 市政协十四届四次会议\n", ""), ["字段 session", "缺少必填字段"], None),
    "empty file": ("", ["文件为空"], None),
    "only comments": ("# 空\n", ["没有内容"], None),
    "not utf-8": (SEED.encode("gb18030"), ["UTF-8"], None),
    "python tag": (_edit("kind: proposal", "kind: !!python/object/apply:os.system [echo pwned]"),
                   ["YAML 标签", "python"], "!!python"),
    "alias bomb": ('a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n'
                   "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n", ["别名"], "*a"),
    "list at top": ("- 朱瑞庭\n- 委员\n", ["顶层应为映射"], None),
    "duplicate key": (_edit("kind: proposal", "kind: proposal\nkind: suggestion"), ["重复的键“kind”"], "kind: sugg"),
    "unknown block": (_edit("  - achievements:", "  - achievement:"), ["正文的每一块", "是不是“achievements”"],
                      "achievement:"),
    "empty item": (_edit("        - lead: 建立完善标准化工作机制。", "        - {}\n        - lead: 建立完善标准化工作机制。"),
                   ["lead", "text"], "- {}"),
    "unknown issuer": (_edit("issuer: shsmj", "issuer: nobody"), ["找不到发文机关档案“nobody”"], None),
    "unknown category": (_edit("kind: proposal", "kind: proposal\ncategory: Z"), ["答复类别", "字段 category"],
                         "category: Z"),
}


@pytest.mark.parametrize("name", CASES)
def test_bad_input_is_reported_precisely(name: str, tmp_path: Path) -> None:
    content, fragments, line_of = CASES[name]
    src = tmp_path / "reply.yaml"
    if isinstance(content, bytes):
        src.write_bytes(content)
    else:
        src.write_text(content, encoding="utf-8")
    out = tmp_path / "out"
    result = run("render", str(src), "-o", str(out), cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr
    assert str(src) in result.stderr
    if line_of is not None:
        text = content if isinstance(content, str) else content.decode("gb18030")
        assert f"{src}:{_line_of(text, line_of)}:" in result.stderr, result.stderr
    assert not out.exists() or not any(out.rglob("*")), "nothing may be written for a bad reply"


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    src = tmp_path / "reply.yaml"
    src.write_text(_edit("kind: proposal", "kind: answer\nsubjekt: x"), encoding="utf-8")
    result = run("validate", str(src), cwd=tmp_path)
    assert result.returncode == 1
    assert "字段 kind" in result.stderr and "proposal" in result.stderr
    assert "未知字段“subjekt”" in result.stderr


def test_one_bad_file_does_not_stop_the_others(tmp_path: Path) -> None:
    folder = tmp_path / "content"
    folder.mkdir()
    (folder / "good.yaml").write_text(SEED, encoding="utf-8")
    (folder / "bad.yaml").write_text(_edit("kind: proposal", "kind: nope"), encoding="utf-8")
    out = tmp_path / "out"
    result = run("render", str(folder), "-o", str(out), "--format", "docx", cwd=tmp_path)
    assert result.returncode == 1
    assert "bad.yaml" in result.stderr and "失败 1 份" in result.stderr
    assert sorted(p.name for p in out.rglob("*") if p.is_file()) == ["good.docx"]


def test_a_failure_keeps_the_previous_output_whole(tmp_path: Path) -> None:
    src = tmp_path / "245.yaml"
    src.write_text(SEED, encoding="utf-8")
    out = tmp_path / "out"
    assert run("render", str(src), "-o", str(out), "--format", "docx", cwd=tmp_path).returncode == 0
    before = (out / "245.docx").read_bytes()
    src.write_text(_edit("kind: proposal", "kind: nope"), encoding="utf-8")
    assert run("render", str(src), "-o", str(out), "--format", "docx", cwd=tmp_path).returncode == 1
    assert (out / "245.docx").read_bytes() == before
    assert [p.name for p in out.iterdir()] == ["245.docx"], "no temporary files left behind"


SUBJECT = "subject: 关于分层分类推动上海市标准化制度建设工作的提案"

HOSTILE = {
    # file name: (content, the text its error is reported at, fragments of the message)
    "day.yaml": (_edit("date: 2026-06-18", "date: 2026-02-30"), "date: 2026-02-30",
                 ["字段 date：日期“2026-02-30”不存在：该月没有这一天"]),
    "time.yaml": (_edit("printed: true", "printed: {date: 2026-06-18 24:00:00}"), "printed:", ["时应为 0–23"]),
    "nul.yaml": (_edit(SUBJECT, SUBJECT + "\x00"), SUBJECT, ["U+0000（空字符）"]),
    "surrogate.yaml": (_edit(SUBJECT, 'subject: "关于\\ud800提案"'), "subject:", ["字段 subject", "U+D800"]),
    "deep.yaml": (_edit("body:\n", "body: " + "[" * 100_000 + "\n"), "body:", ["嵌套超过 50 层"]),
    "digits.yaml": (_edit("doc_number: 245", "doc_number: " + "9" * 5000), "doc_number:", ["字段 doc_number：数字太长"]),
    "long-subject.yaml": (_edit(SUBJECT, "subject: " + "长" * 10_000), "subject:",
                          ["字段 subject：太长：最多 255 字，这里有 10000 字", "DOCX"]),
    "long-session.yaml": (_edit("session: 市政协十四届四次会议", "session: " + "届" * 300), "session:",
                          ["字段 session：太长：最多 100 字"]),
    "long-title.yaml": (_edit(SUBJECT, SUBJECT + "\ntitle: [" + ", ".join(["对" * 100] * 3) + "]"), "title:",
                        ["字段 title：太长：最多 255 字，这里有 300 字"]),
    "control.yaml": (_edit(SUBJECT, 'subject: "关于\\x01提案"'), "subject:",
                     ["字段 subject：第 3 个字符是 U+0001（控制字符）"]),
    "noncharacter.yaml": (_edit("  names: [朱瑞庭]", '  names: ["朱瑞庭\\uFFFF"]'), "  names:",
                          ["字段 salutation.names[0]：第 4 个字符是 U+FFFF"]),
    "issuer.yaml": (_edit("issuer: shsmj", "issuer: ../issuers/shsmj"), "issuer:", ["字段 issuer", "不含“/”"]),
}
"""Replies that today's validate passed, or that crashed it, the render or lint."""


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    for name, (content, _, _) in HOSTILE.items():
        (folder / name).write_text(content, encoding="utf-8", errors="surrogatepass")
    return folder


def _reported_each(stderr: str, folder: Path) -> None:
    assert "Traceback" not in stderr and "内部错误" not in stderr, stderr[:2000]
    assert max(map(len, stderr.splitlines())) < 200, "no message repeats a long value"
    for name, (content, at, fragments) in HOSTILE.items():
        lines = [line for line in stderr.splitlines() if line.startswith(f"错误：{folder / name}:{_line_of(content, at)}:")]
        assert lines, f"{name} not reported at line {_line_of(content, at)}:\n{stderr}"
        assert all(fragment in "\n".join(lines) for fragment in fragments), (name, lines)


def test_validate_refuses_what_the_writers_cannot_write(hostile: Path) -> None:
    result = run("validate", str(hostile), cwd=hostile)
    assert result.returncode == 1
    assert "通过" not in result.stdout
    _reported_each(result.stderr, hostile)
    assert f"{len(HOSTILE)} 个文件有错误。" in result.stderr


def test_render_writes_nothing_for_hostile_replies(hostile: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("render", str(hostile), "-o", str(out), cwd=hostile)
    assert result.returncode == 1
    _reported_each(result.stderr, hostile)
    assert not out.exists() or not any(out.rglob("*"))


def test_lint_reports_unreadable_replies_without_a_traceback(hostile: Path) -> None:
    result = run("lint", str(hostile), cwd=hostile)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    for name in ("day.yaml", "time.yaml", "nul.yaml", "surrogate.yaml", "deep.yaml", "digits.yaml"):
        content, at, _ = HOSTILE[name]
        assert f"错误：{hostile / name}:{_line_of(content, at)}:" in result.stderr, (name, result.stderr)
    assert "6 个无法读取" in result.stdout


def test_yaml_over_the_size_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    small, big = tmp_path / "245.yaml", tmp_path / "big.yaml"
    small.write_text(SEED, encoding="utf-8")
    big.write_text(SEED + "# " + "注" * 4000 + "\n" + "[" * 100_000, encoding="utf-8")  # unparsable beyond the limit
    result = subprocess.run([sys.executable, "-m", "replygen", "validate", str(small), str(big)], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120, env={**os.environ, "REPLYGEN_MAX_YAML_KB": "12"})
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == (f"错误：{big}: 文件太大（117 KB，上限 12 KB）；"
                                             "确需处理时可设置环境变量 REPLYGEN_MAX_YAML_KB")
    assert f"通过：{small}" in result.stdout


FONTS = {
    # REPLYGEN_FONTS file content: expected message (after "错误：<file>")
    "fangsong: [FandolFang\n": ":2:1: 方括号列表",
    "- FandolFang\n": ":1:1: 文件顶层应为映射",
    "fangsong: 12\n": ":1:11: 字段 fangsong：应为文字 或 列表",
    "fangsong: [FandolFang, {file: a.ttf}]\n": ":1:24: 字段 fangsong[1]：应为文字，实际是映射",
    "fangsog: FandolFang\n": ":1:1: 没有字体角色“fangsog”",
    b"fangsong: \xb7\xc2\xcb\xce\n": ":1:11: 文件不是 UTF-8 编码",
    None: ": 无法读取文件：文件不存在",
}


@pytest.mark.parametrize("content", FONTS, ids=range(len(FONTS)))
def test_a_malformed_fonts_file_is_named(content: str | bytes | None, tmp_path: Path) -> None:
    fonts = tmp_path / "fonts.yaml"
    if isinstance(content, str):
        fonts.write_text(content, encoding="utf-8")
    elif content is not None:
        fonts.write_bytes(content)
    result = subprocess.run([sys.executable, "-m", "replygen", "fonts"], cwd=tmp_path, capture_output=True, text=True,
                            timeout=120, env={**os.environ, "REPLYGEN_FONTS": str(fonts)})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "内部错误" not in result.stderr, result.stderr
    assert f"错误：{fonts}{FONTS[content]}" in result.stderr, result.stderr
