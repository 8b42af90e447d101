"""Golden files: the composed text of every reply in content/, one line per paragraph with its role.

A change in wording or structure shows up as a diff of tests/golden/; accept it with
`.venv/bin/python -m pytest tests/test_golden.py --update-golden`, which rewrites the files that differ and fails
for each of them, so that an update run is never a green run: review `git diff tests/golden`, then run again.
`scripts/test.sh` (the CI command) refuses the switch.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from replygen.compose import Templates
from replygen.load import load_reply

from conftest import CONTENT, ROOT

GOLDEN = ROOT / "tests" / "golden"
REPLIES = sorted(CONTENT.rglob("*.yaml"))


def snapshot(path: Path, templates: Templates) -> str:
    doc = templates.compose(load_reply(path))
    return "".join(f"[{p.group + '/' if p.group else ''}{p.role}] {p.text}\n" for p in doc.paragraphs)


@pytest.mark.parametrize("path", REPLIES, ids=lambda p: str(p.relative_to(CONTENT)))
def test_composed_text_matches_golden(path: Path, templates: Templates, update_golden: bool) -> None:
    golden = GOLDEN / path.relative_to(CONTENT).with_suffix(".txt")
    actual = snapshot(path, templates)
    if update_golden and (not golden.is_file() or golden.read_text(encoding="utf-8") != actual):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
        pytest.fail(f"rewrote {golden.relative_to(ROOT)}: review the diff, then run again without --update-golden")
    assert golden.is_file(), f"no golden file for {path.name}: run pytest --update-golden and review it"
    assert actual == golden.read_text(encoding="utf-8")


def test_content_folder_starts_with_the_seed() -> None:
    assert REPLIES and REPLIES[0].name == "245.yaml"


def test_seed_reproduces_the_reference_exactly(seed_doc, seed_paragraphs) -> None:
    texts = [p.text for p in seed_doc.paragraphs]
    assert texts[: len(seed_paragraphs)] == seed_paragraphs
    rest = [p.role for p in seed_doc.paragraphs[len(seed_paragraphs):]]
    assert rest == ["body", "signature", "date", "note", "note", "cc", "printed"]
