"""`replygen new`: a commented draft from an issuer's profile that validates and renders, its blanks in 【】."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from replygen.compose import Templates
from replygen.load import load_reply
from replygen.skeleton import new_reply


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "replygen", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize("kind", ["proposal", "suggestion", "co-handling"])
def test_every_issuer_and_kind_gives_a_draft_that_composes(templates: Templates, tmp_path: Path, kind: str) -> None:
    for issuer in templates.issuer_ids():
        path = tmp_path / f"{issuer}-{kind}.yaml"
        path.write_text(new_reply(templates, issuer, kind), encoding="utf-8")
        loaded = load_reply(path)
        assert (loaded.reply.issuer, loaded.reply.kind) == (issuer, kind)
        text = templates.compose(loaded).text
        assert "【正文第一段" in text and "【姓名】" in text, "the blanks show on the page: plainly a draft"


def test_new_writes_a_draft_that_validates(tmp_path: Path) -> None:
    made = run("new", "--issuer", "shsmj", "--kind", "suggestion", "-o", "2026/246.yaml", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert "已新建：2026/246.yaml" in made.stdout
    text = (tmp_path / "2026" / "246.yaml").read_text(encoding="utf-8")
    assert text.startswith("# 新建的答复（草稿）") and "上海市市场监督管理局" in text and "沪市监建〔" in text
    checked = run("validate", "2026/246.yaml", cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr


def test_new_never_overwrites(tmp_path: Path) -> None:
    (tmp_path / "246.yaml").write_text("mine\n", encoding="utf-8")
    made = run("new", "--issuer", "shsmj", "-o", "246.yaml", cwd=tmp_path)
    assert made.returncode == 1 and "已存在" in made.stderr
    assert (tmp_path / "246.yaml").read_text(encoding="utf-8") == "mine\n"


def test_new_asks_which_issuer_when_there_are_several(tmp_path: Path) -> None:
    made = run("new", "-o", "246.yaml", cwd=tmp_path)
    assert made.returncode == 1 and "--issuer" in made.stderr and "shsmj" in made.stderr
    unknown = run("new", "--issuer", "nobody", "-o", "246.yaml", cwd=tmp_path)
    assert unknown.returncode == 1 and "找不到发文机关档案“nobody”" in unknown.stderr
    assert "Traceback" not in unknown.stderr and not (tmp_path / "246.yaml").exists()
