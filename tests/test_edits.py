"""No edit is lost when several processes write one content folder: two workbenches racing on the same version,
`lint --fix` racing a workbench save. Real processes each."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from pathlib import Path

from replygen.edits import history, save, version_of

from conftest import SEED_YAML
from webserver import at_once, call, workbench

ROUNDS = 40
LINT_RUNS = 8


def test_two_workbenches_on_one_folder_never_both_accept_the_same_version(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    shutil.copy(SEED_YAML, content / "race.yaml")
    with workbench(content, workers=1, warm=False) as a, workbench(content, workers=1, warm=False) as b:
        for round_ in range(ROUNDS):
            _, loaded = call("GET", a.base + "/api/replies/race.yaml")
            texts = [loaded["text"] + f"# 第{round_}轮，工作台{i}\n" for i in range(2)]
            saves = [(server.base + "/api/replies/race.yaml", {"text": text, "version": loaded["version"]})
                     for server, text in zip((a, b), texts, strict=True)]
            answers = at_once(*(lambda url=url, body=body: call("PUT", url, body) for url, body in saves))
            statuses = [status for status, _ in answers]
            assert sorted(statuses) == [200, 409], f"round {round_}: {statuses}"
            winner = statuses.index(200)
            assert (content / "race.yaml").read_text(encoding="utf-8") == texts[winner]
    kept = history(content / "race.yaml")
    assert len(kept) == ROUNDS, "every replaced version is kept once"
    assert not [p for p in content.rglob("*") if p.is_file() and ".locks" not in p.parts and ".history" not in p.parts
                and p.name != "race.yaml"], "no lock or temporary file among the replies"


def test_lint_fix_never_overwrites_a_workbench_save(tmp_path: Path) -> None:
    """A clerk saves again and again in the workbench (each save adds a line, and brings back a half-width comma
    for lint to fix) while `lint --fix` runs on the same file. Every save answered 200 is in the file at the end."""
    content = tmp_path / "content"
    content.mkdir()
    path = content / "245.yaml"
    shutil.copy(SEED_YAML, path)
    saved: list[str] = []
    done = threading.Event()

    def clerk(base: str) -> None:
        while not done.is_set():
            _, loaded = call("GET", base + "/api/replies/245.yaml")
            line = f"# 第{len(saved)}次保存\n"
            text = loaded["text"].replace("曾指出，要", "曾指出要").replace("曾指出要", "曾指出,要") + line
            status, _ = call("PUT", base + "/api/replies/245.yaml", {"text": text, "version": loaded["version"]})
            assert status in (200, 409)
            if status == 200:
                saved.append(line)

    with workbench(content, workers=1, warm=False) as server:
        saving = threading.Thread(target=clerk, args=(server.base,))
        saving.start()
        try:
            runs = [subprocess.run([sys.executable, "-m", "replygen", "lint", "--fix", str(path)],
                                   capture_output=True, text=True, timeout=60) for _ in range(LINT_RUNS)]
        finally:
            done.set()
            saving.join(timeout=60)
    final = path.read_text(encoding="utf-8")
    assert saved and all("Traceback" not in run.stderr for run in runs)
    assert [line for line in saved if line not in final] == [], "a save answered 200 is not in the file"
    assert any("已修正" in run.stdout for run in runs), "lint fixed the file at least once meanwhile"


def test_a_save_through_a_link_changes_the_file_it_leads_to_under_its_lock(tmp_path: Path) -> None:
    """`lint --fix 2026/245.yaml` where that name is a link, and the workbench saving the file it leads to, take
    the same lock and keep one history; the link stays a link."""
    target = tmp_path / "drafts" / "245.yaml"
    target.parent.mkdir()
    target.write_bytes(b"first\n")
    link = tmp_path / "245.yaml"
    link.symlink_to(target)
    save(link, b"second\n", version_of(b"first\n"))
    assert link.is_symlink() and target.read_bytes() == b"second\n"
    assert [p.read_bytes() for p in history(target)] == [b"first\n"] and history(link) == history(target)
    assert (target.parent / ".locks" / "245.yaml.lock").exists() and not (tmp_path / ".locks").exists()
