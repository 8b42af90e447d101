"""The workbench's HTTP API through Starlette's test client, on a copy of content/: the list, checks located at
their line, saves that keep the previous version and refuse a stale one, previews, downloads, new replies, and
what keeps other people and other files out."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from replygen.web.app import create_app
from replygen.web.store import ContentStore, NotFound

from conftest import CONTENT
from webserver import at_once

SEED = "2026/245.yaml"


@pytest.fixture(scope="module")
def content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("web") / "content"
    shutil.copytree(CONTENT, folder)
    return folder


@pytest.fixture(scope="module")
def client(content: Path) -> Iterator[TestClient]:
    with TestClient(create_app(content, workers=1)) as client:
        yield client


def _copy(content: Path, name: str) -> str:
    """A fresh reply to change, so that tests sharing the folder do not meet."""
    (content / name).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(content / SEED, content / name)
    return name


def _line_of(text: str, start: str) -> int:
    return 1 + next(i for i, line in enumerate(text.splitlines()) if line.startswith(start))


def test_list_shows_number_title_addressee_date_and_state(client: TestClient, content: Path) -> None:
    (content / "drafts").mkdir(exist_ok=True)
    (content / "drafts" / "broken.yaml").write_text("issuer: shsmj\nkind: [\n", encoding="utf-8")
    entries = {e["name"]: e for e in client.get("/api/replies").json()}
    seed = entries[SEED]
    assert (seed["number"], seed["title"], seed["addressee"], seed["date"], seed["valid"]) == (
        "沪市监提〔2026〕245号", "对市政协十四届四次会议第0688号提案的答复", "朱瑞庭委员", "2026-06-18", True)
    broken = entries["drafts/broken.yaml"]
    assert not broken["valid"] and "broken.yaml:3" in broken["problems"][0]
    assert "未闭合" in broken["problems"][0]


def test_check_reports_each_problem_at_its_line(client: TestClient) -> None:
    text = client.get(f"/api/replies/{SEED}").json()["text"].replace("kind: proposal", "kind: proposl")
    problems = client.post(f"/api/check/{SEED}", json={"text": text}).json()["problems"]
    assert len(problems) == 1
    assert problems[0]["line"] == _line_of(text, "kind:") and problems[0]["column"] == 7
    assert problems[0]["message"].startswith("字段 kind：应为以下之一")
    assert client.post(f"/api/check/{SEED}", json={"text": text.replace("proposl", "proposal")}).json() == {
        "problems": []}


def test_save_keeps_the_previous_version_and_refuses_a_stale_one(client: TestClient, content: Path) -> None:
    name = _copy(content, "2026/save.yaml")
    loaded = client.get(f"/api/replies/{name}").json()
    first = loaded["text"].replace("高度重视标准化工作", "十分重视标准化工作")
    saved = client.put(f"/api/replies/{name}", json={"text": first, "version": loaded["version"]})
    assert saved.status_code == 200 and saved.json()["problems"] == []
    assert (content / name).read_text(encoding="utf-8") == first
    store = ContentStore(content)
    assert [p.read_text(encoding="utf-8") for p in store.history(name)] == [loaded["text"]]

    stale = client.put(f"/api/replies/{name}", json={"text": "kind: lost\n", "version": loaded["version"]})
    assert stale.status_code == 409
    assert "已被修改" in stale.json()["error"] and stale.json()["version"] == saved.json()["version"]
    assert (content / name).read_text(encoding="utf-8") == first


def test_an_invalid_reply_is_saved_as_a_draft_and_listed_as_invalid(client: TestClient, content: Path) -> None:
    name = _copy(content, "2026/draft.yaml")
    loaded = client.get(f"/api/replies/{name}").json()
    draft = loaded["text"].replace("date: 2026-06-18", "date: 六月十八日")
    saved = client.put(f"/api/replies/{name}", json={"text": draft, "version": loaded["version"]}).json()
    assert saved["problems"][0]["line"] == _line_of(draft, "date:")
    assert (content / name).read_text(encoding="utf-8") == draft
    entry = next(e for e in client.get("/api/replies").json() if e["name"] == name)
    assert not entry["valid"] and "字段 date" in entry["problems"][0]




def test_racing_saves_never_lose_either_silently(client: TestClient, content: Path) -> None:
    name = _copy(content, "2026/race.yaml")
    for round_ in range(5):
        loaded = client.get(f"/api/replies/{name}").json()
        texts = [loaded["text"] + f"# 第{round_}轮，窗口{i}\n" for i in range(2)]
        save = {"version": loaded["version"]}
        answers = at_once(*(lambda t=t, save=save: client.put(f"/api/replies/{name}", json={**save, "text": t})
                             for t in texts))
        assert sorted(a.status_code for a in answers) == [200, 409], "one save wins, the other is refused"
        winner = next(i for i, a in enumerate(answers) if a.status_code == 200)
        assert (content / name).read_text(encoding="utf-8") == texts[winner]
    history = [p.read_text(encoding="utf-8") for p in ContentStore(content).history(name)]
    assert len(history) == 5, "every overwritten version is kept"


def test_a_preview_overtaken_by_a_newer_one_is_dropped(client: TestClient, content: Path) -> None:
    name = _copy(content, "2026/coalesce.yaml")
    text = (content / name).read_text(encoding="utf-8")
    editors = ["tab-1"] * 4 + ["tab-2"]
    answers = at_once(*(lambda i=i, e=e: client.post(f"/api/preview/{name}", json={"text": text + f"# {i}\n",
                                                                                     "editor": e})
                         for i, e in enumerate(editors)))
    bodies = [a.json() for a in answers]
    assert all(a.status_code == 200 for a in answers)
    assert any(b.get("superseded") for b in bodies[:4]), "the one worker was busy: waiting previews were overtaken"
    assert any(b.get("pages") for b in bodies[:4]), "the newest preview is rendered"
    assert bodies[4].get("pages"), "another editor's previews of the same reply are not overtaken by these"


def test_preview_pages_are_the_printed_pages(client: TestClient, content: Path) -> None:
    """Each preview page is, pixel for pixel, the downloaded PDF's page rasterised the same way (pdfium, 96 dpi)."""
    import base64

    from PIL import Image, ImageChops

    from replygen.raster import pdf_to_pngs

    text = (content / SEED).read_text(encoding="utf-8")
    preview = client.post(f"/api/preview/{SEED}", json={"text": text}).json()
    pdf = client.get(f"/api/download/pdf/{SEED}")
    assert pdf.status_code == 200
    shown = [Image.open(io.BytesIO(base64.b64decode(page.split(",", 1)[1]))) for page in preview["pages"]]
    printed = [Image.open(io.BytesIO(png)) for png in pdf_to_pngs(pdf.content)]
    assert len(shown) == len(printed) >= 2
    assert shown[0].size == (794, 1123), "A4 at 96 dpi"
    for number, (a, b) in enumerate(zip(shown, printed, strict=True), 1):
        assert a.size == b.size and ImageChops.difference(a.convert("RGB"), b.convert("RGB")).getbbox() is None, (
            f"page {number} of the preview differs from the printed page")

    changed = client.post(f"/api/preview/{SEED}", json={"text": text.replace("高度重视", "十分重视")}).json()
    assert changed["pages"][0] != preview["pages"][0]
    broken = client.post(f"/api/preview/{SEED}", json={"text": text.replace("kind: proposal", "kind: x")}).json()
    assert broken["pages"] == [] and broken["problems"][0]["line"] == _line_of(text, "kind:")


def test_downloads_are_the_reply_as_docx_and_pdf(client: TestClient, content: Path) -> None:
    import docx

    pdf = client.get(f"/api/download/pdf/{SEED}")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-disposition"].endswith("''245.pdf")
    word = client.get(f"/api/download/docx/{SEED}")
    assert word.headers["content-disposition"].endswith("''245.docx")
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(word.content)).paragraphs)
    assert "朱瑞庭委员：" in text

    (content / "2026" / "bad.yaml").write_text("issuer: shsmj\n", encoding="utf-8")
    refused = client.get("/api/download/pdf/2026/bad.yaml")
    assert refused.status_code == 422 and "缺少必填字段" in refused.json()["error"]


def test_new_reply_from_an_issuer_template(client: TestClient, content: Path) -> None:
    made = client.post("/api/replies", json={"name": "2026/246", "issuer": "shsmj", "kind": "suggestion"})
    assert made.status_code == 201 and made.json()["name"] == "2026/246.yaml"
    text = (content / "2026" / "246.yaml").read_text(encoding="utf-8")
    assert "issuer: shsmj" in text and "kind: suggestion" in text
    entry = next(e for e in client.get("/api/replies").json() if e["name"] == "2026/246.yaml")
    assert entry["valid"], entry["problems"]

    again = client.post("/api/replies", json={"name": "2026/246.yaml", "issuer": "shsmj"})
    assert again.status_code == 409 and (content / "2026" / "246.yaml").read_text(encoding="utf-8") == text
    unknown = client.post("/api/replies", json={"name": "2026/247.yaml", "issuer": "nobody"})
    assert unknown.status_code == 400 and "nobody" in unknown.json()["error"]
    outside = client.post("/api/replies", json={"name": "../escape.yaml", "issuer": "shsmj"})
    assert outside.status_code == 400 and not (content.parent / "escape.yaml").exists()


@pytest.mark.parametrize("name", ["../x.yaml", "2026/../../x.yaml", "/etc/x.yaml", ".history/2026/245.yaml",
                                  "2026/245.yml", "2026"])
def test_only_replies_under_the_content_folder(content: Path, name: str) -> None:
    (content.parent / "x.yaml").write_text("secret: 1\n", encoding="utf-8")
    with pytest.raises(NotFound):
        ContentStore(content).path(name)


def test_paths_outside_the_content_folder_are_not_served(client: TestClient, content: Path) -> None:
    (content.parent / "x.yaml").write_text("secret: 1\n", encoding="utf-8")
    for url in ("/api/replies/..%2Fx.yaml", "/api/replies/2026/..%2F..%2Fx.yaml", "/edit/..%2Fx.yaml",
                "/api/replies/a%00.yaml", "/edit/a%00.yaml"):
        answer = client.get(url)
        assert answer.status_code == 404 and "secret" not in answer.text
    assert client.put("/api/replies/a%00.yaml", json={"text": "x", "version": None}).status_code == 404


def test_writes_take_json_only(client: TestClient) -> None:
    answer = client.put(f"/api/replies/{SEED}", content="text=x", headers={"Content-Type": "text/plain"})
    assert answer.status_code == 415


def test_a_token_guards_every_request(content: Path) -> None:
    client = TestClient(create_app(content, token="s3cret"))
    assert client.get("/api/replies").status_code == 401
    assert client.get("/", headers={"X-Replygen-Token": "wrong"}).status_code == 401
    assert client.get("/api/replies", headers={"X-Replygen-Token": "s3cret"}).status_code == 200
    entry = client.get("/?token=s3cret", follow_redirects=False)
    assert entry.status_code == 303 and entry.headers["location"].endswith("/")
    assert client.get("/api/replies").status_code == 200, "the cookie set by the link is enough from then on"


def test_on_loopback_only_loopback_host_names_are_served(content: Path) -> None:
    client = TestClient(create_app(content, allowed_hosts=["127.0.0.1", "localhost"]),
                        base_url="http://attacker.example")
    assert client.get("/api/replies").status_code == 400


def test_serve_reports_a_port_in_use(content: Path) -> None:
    import socket
    import subprocess
    import sys

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        ran = subprocess.run([sys.executable, "-m", "replygen", "serve", str(content), "--port", str(port)],
                             capture_output=True, text=True, timeout=60)
    assert ran.returncode == 1 and f"端口 {port} 已被占用" in ran.stderr
    assert "请在浏览器中打开" not in ran.stdout and "Traceback" not in ran.stderr


@pytest.mark.parametrize(("host", "loopback"), [("127.0.0.1", True), ("localhost", True), ("::1", True),
                                                 ("127.0.0.2", True), ("0.0.0.0", False), ("192.168.1.5", False),
                                                 ("example.org", False)])
def test_only_loopback_addresses_go_without_a_token(host: str, loopback: bool) -> None:
    from replygen.web.server import is_loopback

    assert is_loopback(host) is loopback


BROKEN = {  # what loading does not (yet) report as a located problem of its own
    "impossible-date": lambda seed: seed.replace("date: 2026-06-18", "date: 2026-02-30"),
    "nul-byte": lambda seed: seed.replace("党和国家", "党和\x00国家"),
    "deep-nesting": lambda seed: seed + "deep: " + "[" * 100_000 + "]" * 100_000 + "\n",
    "huge-integer": lambda seed: seed.replace("doc_number: 245", "doc_number: " + "9" * 5000),
}


def _folder_with(tmp_path: Path, files: dict[str, str]) -> Path:
    content = tmp_path / "content"
    content.mkdir()
    for name, text in files.items():
        (content / name).write_text(text, encoding="utf-8")
    return content


@pytest.mark.parametrize("kind", BROKEN)
def test_one_broken_file_is_listed_as_broken_and_the_others_still_listed(tmp_path: Path, kind: str) -> None:
    seed = (CONTENT / SEED).read_text(encoding="utf-8")
    content = _folder_with(tmp_path, {"good.yaml": seed, "bad.yaml": BROKEN[kind](seed)})
    answer = TestClient(create_app(content)).get("/api/replies")
    assert answer.status_code == 200
    entries = {e["name"]: e for e in answer.json()}
    assert entries["good.yaml"]["valid"]
    assert not entries["bad.yaml"]["valid"] and "bad.yaml" in entries["bad.yaml"]["problems"][0]


def test_a_link_leading_out_of_the_content_folder_is_left_out(tmp_path: Path) -> None:
    seed = (CONTENT / SEED).read_text(encoding="utf-8")
    content = _folder_with(tmp_path, {"good.yaml": seed})
    (tmp_path / "outside.yaml").write_text(seed, encoding="utf-8")
    (content / "link.yaml").symlink_to(tmp_path / "outside.yaml")
    client = TestClient(create_app(content))
    answer = client.get("/api/replies")
    assert answer.status_code == 200 and [e["name"] for e in answer.json()] == ["good.yaml"]
    assert client.get("/api/replies/link.yaml").status_code == 404


@pytest.mark.parametrize("kind", BROKEN)
def test_saving_checking_and_previewing_a_broken_draft_answer_its_problems(client: TestClient, content: Path,
                                                                            kind: str) -> None:
    name = _copy(content, f"2026/broken-{kind}.yaml")
    loaded = client.get(f"/api/replies/{name}").json()
    draft = BROKEN[kind](loaded["text"])
    saved = client.put(f"/api/replies/{name}", json={"text": draft, "version": loaded["version"]})
    assert saved.status_code == 200 and saved.json()["problems"], "saved as a draft, with its problems"
    assert (content / name).read_text(encoding="utf-8") == draft
    again = client.put(f"/api/replies/{name}", json={"text": draft + "# 再存一次\n", "version": saved.json()["version"]})
    assert again.status_code == 200, "the version the save answered is the one on disk: no spurious conflict"
    for url in (f"/api/check/{name}", f"/api/preview/{name}"):
        answer = client.post(url, json={"text": draft})
        assert answer.status_code == 200 and name in answer.json()["problems"][0]["text"], url


def test_a_reply_the_writers_cannot_hold_is_named_by_check_and_download_answers_422(client: TestClient,
                                                                                    content: Path) -> None:
    """A control character DOCX cannot hold: the check names it at its line (what validates renders), and the
    download answers JSON 422 with the message, never a raw 500."""
    name = _copy(content, "2026/unrenderable.yaml")
    path = content / name
    path.write_text(path.read_text(encoding="utf-8").replace(
        "subject: 关于分层分类", 'subject: "关于\\x01分层分类').replace("建设工作的提案\n", '建设工作的提案"\n', 1),
        encoding="utf-8")
    [problem] = client.post(f"/api/check/{name}", json={"text": path.read_text(encoding="utf-8")}).json()["problems"]
    assert problem["line"] and "U+0001" in problem["message"]
    answer = client.get(f"/api/download/docx/{name}")
    assert answer.status_code == 422 and "U+0001" in answer.json()["error"]
