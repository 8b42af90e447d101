"""Fuzz: a thousand malformed or hostile replies (tests/fuzzcases.py) through everything that reads one.

In process, each must either validate (load and compose) or be refused with a ReplyError whose every problem is
located at a line; lint must read each without an exception. A sample of them goes through the command line,
where a bad reply is reported at its line, without a traceback, and leaves nothing in the output folder, while a
hostile reply that validates is rendered.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from fuzzcases import CONTENT, cases

from replygen.compose import Templates
from replygen.document import Document
from replygen.errors import ReplyError
from replygen.lint import lint_file
from replygen.load import load_reply

COUNT = 1000
SAMPLE_BAD, SAMPLE_GOOD = 18, 2


@dataclass(frozen=True)
class Outcome:
    name: str
    path: Path
    doc: Document | None
    error: ReplyError | None

    @property
    def mutations(self) -> str:
        return self.name.split("-")[1]

    @property
    def base(self) -> str:
        return self.name.split("-", 2)[2]


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory, templates: Templates) -> list[Outcome]:
    """Every case validated in process (as the workbench does, from text), and written to a file for the rest."""
    folder = tmp_path_factory.mktemp("fuzz")
    out = []
    for name, text in cases(COUNT):
        path = folder / f"{name}.yaml"
        path.write_bytes(text.encode("utf-8", "surrogatepass"))  # a lone surrogate: a file that is not UTF-8
        try:
            out.append(Outcome(name, path, templates.compose(load_reply(path, text)), None))
        except ReplyError as err:
            out.append(Outcome(name, path, None, err))
    return out


def test_every_case_validates_or_is_located(outcomes: list[Outcome]) -> None:
    unlocated = [(o.name, str(p)) for o in outcomes if o.error for p in o.error.problems
                 if p.location is None or p.location.line is None]
    assert not unlocated, unlocated[:10]
    refused = sum(o.error is not None for o in outcomes)
    assert COUNT * 0.6 < refused < COUNT, "the cases are mostly, not all, bad"


def test_lint_reads_every_case(outcomes: list[Outcome]) -> None:
    for outcome in outcomes:
        report = lint_file(outcome.path)  # an exception fails the test, naming the case
        assert all(isinstance(e, str) and e.startswith(f"{outcome.path}:") for e in report.errors), report.errors


def _sample(outcomes: list[Outcome], templates: Templates) -> tuple[list[Outcome], list[Outcome]]:
    """Bad cases, one per mutation in turn; and good ones whose mutation changed the document."""
    bad: dict[str, list[Outcome]] = {}
    for o in outcomes:
        if o.error is not None:
            bad.setdefault(o.mutations, []).append(o)
    rounds = [o for row in itertools.zip_longest(*bad.values()) for o in row if o is not None]
    unchanged = {path.stem: templates.compose(load_reply(path)) for path in CONTENT.rglob("*.yaml")}
    changed = sorted((o for o in outcomes if o.doc is not None and o.doc != unchanged[o.base]),
                     key=lambda o: o.path.stat().st_size)
    good = [next(o for o in changed if o.mutations == kind) for kind in ("huge_scalar", "control_character")]
    return rounds[:SAMPLE_BAD], good[:SAMPLE_GOOD]


def _replygen(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "replygen", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def test_command_line_on_a_sample(outcomes: list[Outcome], templates: Templates, tmp_path: Path) -> None:
    bad, good = _sample(outcomes, templates)
    print("rendered:", *(o.name for o in good))
    assert len(bad) == SAMPLE_BAD and len(good) == SAMPLE_GOOD
    folder = tmp_path / "sample"
    folder.mkdir()
    for o in bad + good:
        (folder / o.path.name).write_bytes(o.path.read_bytes())
    out = tmp_path / "out"
    validate = _replygen("validate", str(folder), cwd=tmp_path)
    render = _replygen("render", str(folder), "-o", str(out), cwd=tmp_path)
    for result in (validate, render):
        assert result.returncode == 1
        assert "Traceback" not in result.stderr and "内部错误" not in result.stderr, result.stderr[-3000:]
        for o in bad:
            assert f"错误：{folder / o.path.name}:{o.error.problems[0].location.line}:" in result.stderr, (
                o.name, result.stderr[-3000:])
    assert all(f"通过：{folder / o.path.name}" in validate.stdout for o in good), validate.stdout
    written = sorted(p.name for p in out.rglob("*") if p.is_file())
    assert written == sorted(f"{Path(o.name).name}.{fmt}" for o in good for fmt in ("docx", "pdf")), written
