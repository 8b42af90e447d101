"""The fast loader (libyaml under PyYAML's composer) reads every document exactly as PyYAML's own loader does:
the same data, the same positions and the same scalar spans (lint edits the text at them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from replygen import yamlsource
from replygen.yamlsource import YamlSource

from conftest import CONTENT, ROOT

DOCUMENTS = sorted([*CONTENT.rglob("*.yaml"), *(ROOT / "templates").rglob("*.yaml")])


def _read_with(loader: type, path: Path, monkeypatch: pytest.MonkeyPatch) -> YamlSource:
    monkeypatch.setattr(yamlsource, "_LOADERS", (loader,) if loader is yamlsource._Loader else (loader, yamlsource._Loader))
    return yamlsource.load_yaml(path)


@pytest.mark.skipif(len(yamlsource._LOADERS) < 2, reason="PyYAML without libyaml: only the exact loader")
@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_fast_and_exact_loaders_agree(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = _read_with(yamlsource._LOADERS[0], path, monkeypatch)
    exact = _read_with(yamlsource._Loader, path, monkeypatch)
    assert fast.data == exact.data and fast.marks == exact.marks and fast.key_marks == exact.key_marks
    assert {at: (n.start_mark.index, n.end_mark.index, n.style) for at, n in fast.scalars.items()} == \
        {at: (n.start_mark.index, n.end_mark.index, n.style) for at, n in exact.scalars.items()}


def test_a_syntax_slip_is_worded_by_the_exact_loader(tmp_path: Path) -> None:
    path = tmp_path / "slip.yaml"
    path.write_text("issuer: shsmj\nsubject: 关于: 标准化\n", encoding="utf-8")
    with pytest.raises(yamlsource.ReplyError) as info:
        yamlsource.load_yaml(path)
    assert str(info.value).startswith(f"{path}:2:12: 此处不能出现“: ”")
