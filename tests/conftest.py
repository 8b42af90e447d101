"""Shared fixtures: the templates, the seed reply composed once, and its PDF rendered once per session."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from replygen.compose import DEFAULT_TEMPLATES, Templates
from replygen.document import Document
from replygen.load import load_reply

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
SEED_YAML = CONTENT / "2026" / "245.yaml"
SEED_TEXT = ROOT.parent / "shared" / "seed" / "reply-245.txt"


SLOW_FIRST = ("test_review_archive.py", "test_cluster.py", "test_batch.py", "test_archive.py", "test_review.py",
              "test_stamp.py", "test_settle.py", "test_web_server.py", "test_render_limits.py", "test_web_fuzz.py", "test_web_load.py",
              "test_web_browser.py", "test_edits.py", "test_fuzz.py", "test_letter.py")
"""the modules that take longest, slowest first: with pytest-xdist (scripts/test.sh runs two workers, whole files
each) the short ones then fill in at the end, instead of one worker finishing a long module while the other waits"""


def pytest_configure(config: pytest.Config) -> None:
    """A cache folder of the session's own (compiled templates), inherited by every command a test runs: no test
    writes to the real home, and none sees what an earlier session left."""
    os.environ["REPLYGEN_CACHE_DIR"] = tempfile.mkdtemp(prefix="replygen-test-cache-")


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(os.environ.pop("REPLYGEN_CACHE_DIR", ""), ignore_errors=True)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: the rest keep their order


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/ from current output")


@pytest.fixture(scope="session")
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="session")
def templates() -> Templates:
    return Templates.open(DEFAULT_TEMPLATES)


@pytest.fixture(scope="session")
def seed_doc(templates: Templates) -> Document:
    return templates.compose(load_reply(SEED_YAML))


@pytest.fixture(scope="session")
def seed_paragraphs() -> list[str]:
    """The reference reply's paragraphs: its non-empty lines, without the edges' white space."""
    if not SEED_TEXT.is_file():
        pytest.fail(f"reference reply missing: {SEED_TEXT}")
    return [line.strip() for line in SEED_TEXT.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def seed_pdf(tmp_path_factory: pytest.TempPathFactory, seed_doc: Document, templates: Templates) -> Path:
    from replygen.writers.pdf import write_pdf

    path = tmp_path_factory.mktemp("pdf") / "245.pdf"
    write_pdf(seed_doc, templates.style, path)
    return path


@pytest.fixture(scope="session")
def seed_docx(tmp_path_factory: pytest.TempPathFactory, seed_doc: Document, templates: Templates) -> Path:
    from replygen.writers.docx import write_docx

    path = tmp_path_factory.mktemp("docx") / "245.docx"
    write_docx(seed_doc, templates.style, path)
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Chromium (Playwright `Browser`), started once per test session."""
    from browser import chromium

    with chromium() as instance:
        yield instance
