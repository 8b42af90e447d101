"""The workbench API under the fuzz cases of tests/fuzzcases.py: 1,000 malformed or hostile drafts checked as a
clerk types them, a sample saved, previewed and downloaded, and the list read after each save. No answer is a 500,
every problem the page shows is located in the draft, and the list keeps every reply."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fuzzcases import cases
from starlette.testclient import TestClient

from replygen.web.app import create_app

from conftest import CONTENT

COUNT = 1000
SAVED = range(0, COUNT, 50)  # 20 drafts saved, previewed and downloaded


@pytest.fixture(scope="module")
def content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("web-fuzz") / "content"
    shutil.copytree(CONTENT, folder)
    return folder


@pytest.fixture(scope="module")
def client(content: Path) -> Iterator[TestClient]:
    with TestClient(create_app(content, workers=1), raise_server_exceptions=False) as client:
        yield client


def _located(problems: list[dict]) -> bool:
    """A problem in the draft names its line; one elsewhere (a template) names its file in the text."""
    return all(p["line"] or ".j2" in p["text"] or ".yaml" in p["text"] for p in problems)


def test_every_draft_is_answered_and_located(client: TestClient, content: Path) -> None:
    name = "2026/fuzz.yaml"
    shutil.copy(content / "2026" / "245.yaml", content / name)
    version = client.get(f"/api/replies/{name}").json()["version"]
    listed = len(client.get("/api/replies").json())
    refused = 0
    for i, (case, text) in enumerate(cases(COUNT)):
        text = text.encode("utf-8", "replace").decode("utf-8")  # what a browser can send: no lone surrogates
        checked = client.post(f"/api/check/{name}", json={"text": text})
        assert checked.status_code == 200, (case, checked.text)
        problems = checked.json()["problems"]
        assert _located(problems), (case, problems)
        refused += bool(problems)
        if i not in SAVED:
            continue
        saved = client.put(f"/api/replies/{name}", json={"text": text, "version": version})
        assert saved.status_code == 200, (case, saved.text)
        version = saved.json()["version"]
        assert (content / name).read_text(encoding="utf-8") == text, case
        entries = client.get("/api/replies")
        assert entries.status_code == 200 and len(entries.json()) == listed, case
        preview = client.post(f"/api/preview/{name}", json={"text": text, "editor": "fuzz"})
        assert preview.status_code == 200, (case, preview.text)
        assert _located(preview.json()["problems"]) and bool(preview.json()["pages"]) != bool(problems), case
        download = client.get(f"/api/download/docx/{name}")
        assert download.status_code == (422 if problems else 200), (case, download.text[:200])
    assert refused > COUNT // 2, "most mutations make a draft that cannot be a reply"
