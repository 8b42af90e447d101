"""Per-reply limits wherever replies are rendered here (`render` in its own process, `batch` workers): a template
that loops or hoards memory for one reply fails that reply, in Chinese, within seconds; the others are written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from replygen.compose import DEFAULT_TEMPLATES

from archives import make_archive, outputs, replygen

ONLY_301 = "{% block opening %}{% if reply.doc_number == 301 %}"
LOOP = ONLY_301 + "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}{% endif %}"
HOARD = ("{% block opening %}{% macro grow(s, n) %}{% if n %}{{ grow(s ~ s, n - 1) }}{% else %}{{ s|length }}"
         "{% endif %}{% endmacro %}{% if reply.doc_number == 301 %}{{ grow('x', 30) }}{% endif %}")
"""doubles a string 30 times: 1 GiB, a few GiB on the way, unless the memory limit stops it"""


def templates_with(tmp_path: Path, opening: str) -> Path:
    """A copy of the templates whose proposal opening first runs `opening` (for reply 301 only)."""
    root = tmp_path / "templates"
    shutil.copytree(DEFAULT_TEMPLATES, root)
    proposal = root / "reply" / "proposal.html.j2"
    text = proposal.read_text(encoding="utf-8")
    assert "{% block opening %}" in text
    proposal.write_text(text.replace("{% block opening %}", opening, 1), encoding="utf-8")
    return root


@pytest.mark.parametrize("command", ["render", "batch"])
def test_a_looping_template_times_out_for_its_reply_alone(tmp_path: Path, command: str) -> None:
    src, out = tmp_path / "content", tmp_path / "out"
    make_archive(src, good=3)
    r = replygen(command, str(src), "-o", str(out), "--format", "docx", "--templates",
                 str(templates_with(tmp_path, LOOP)), env={"REPLYGEN_RENDER_SECONDS": "2"}, timeout=60)
    assert r.returncode == 1
    # the sandbox counts the loop's steps and usually stops it first; on a loaded machine its clock (the template
    # budget's share of the time limit) may; the process's time limit is the backstop (test below)
    reply = f"{src / '2025' / '301.yaml'}: "
    stops = ("循环和调用超过", "模板运行超过每份答复 2 秒的上限", "生成超时")
    assert any(reply in line and any(s in line for s in stops) for line in r.stderr.splitlines()), r.stderr
    assert sorted(outputs(out)) == ["2026/300.docx", "2026/302.docx"]
    assert r.elapsed < 30


@pytest.mark.parametrize("command", ["render", "batch"])
def test_a_reply_too_long_to_lay_out_in_time_fails_alone(tmp_path: Path, command: str) -> None:
    """What the sandbox does not count (WeasyPrint breaking a 300,000-character paragraph into lines: a minute or
    more) the per-reply time limit stops, while an ordinary reply takes half a second, a second or two on a loaded
    machine (the limit is the time the long reply spends: kept short)."""
    src, out = tmp_path / "content", tmp_path / "out"
    ordinary, long = make_archive(src, good=2)
    paragraph = "本市持续推进标准化工作围绕重点产业开展国际标准研制推动标准与科技创新深度融合取得了积极成效" * 6500
    long.write_text(long.read_text(encoding="utf-8").replace("body:\n", f"body:\n  - {paragraph}\n", 1),
                    encoding="utf-8")
    r = replygen(command, str(src), "-o", str(out), "--format", "pdf", env={"REPLYGEN_RENDER_SECONDS": "5"},
                 timeout=180)
    assert r.returncode == 1
    assert f"{long}: 生成超时：超过每份答复 5 秒的上限" in r.stderr
    assert sorted(outputs(out)) == [f"{ordinary.relative_to(src).with_suffix('.pdf').as_posix()}"]


@pytest.mark.parametrize("command", ["render", "batch"])
def test_a_template_hoarding_memory_fails_its_reply_alone(tmp_path: Path, command: str) -> None:
    src, out = tmp_path / "content", tmp_path / "out"
    make_archive(src, good=3)
    r = replygen(command, str(src), "-o", str(out), "--format", "docx", "--templates",
                 str(templates_with(tmp_path, HOARD)), env={"REPLYGEN_RENDER_MEMORY_MB": "400"}, timeout=60)
    assert r.returncode == 1
    # the sandbox reports a MemoryError inside a template at its line ("模板用尽了内存"); where render_limits sees
    # it, it names the limit ("内存不足：超过生成进程 400 MB 的上限")
    reply = f"{src / '2025' / '301.yaml'}: "
    assert any(reply in line and ("内存不足" in line or "用尽了内存" in line) for line in r.stderr.splitlines()), r.stderr
    assert sorted(outputs(out)) == ["2026/300.docx", "2026/302.docx"]
    assert r.elapsed < 30
