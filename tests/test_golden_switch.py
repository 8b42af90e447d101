"""The golden switch cannot make a green run: an update run fails for each file it rewrites, and the CI command
refuses the switch."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from conftest import CONTENT, ROOT


def test_update_run_rewrites_and_fails_then_passes(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "tests").mkdir(parents=True)
    for name in ("conftest.py", "test_golden.py"):
        shutil.copy(ROOT / "tests" / name, repo / "tests" / name)
    shutil.copytree(ROOT / "tests" / "golden", repo / "tests" / "golden")
    shutil.copytree(CONTENT, repo / "content")
    golden = repo / "tests" / "golden" / "2026" / "245.txt"
    golden.write_text("stale\n", encoding="utf-8")

    def pytest(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "matches_golden",
                               str(repo / "tests" / "test_golden.py"), *args],
                              capture_output=True, text=True, timeout=120, cwd=repo)

    assert pytest().returncode == 1
    update = pytest("--update-golden")
    assert update.returncode == 1 and "rewrote tests/golden/2026/245.txt" in update.stdout
    assert golden.read_text(encoding="utf-8") == (ROOT / "tests" / "golden" / "2026" / "245.txt").read_text(encoding="utf-8")
    assert pytest("--update-golden").returncode == 0  # nothing left to rewrite
    assert pytest().returncode == 0


def test_ci_command_refuses_the_switch() -> None:
    ran = subprocess.run(["bash", str(ROOT / "scripts" / "test.sh"), "--update-golden"], capture_output=True,
                         text=True, timeout=60)
    assert ran.returncode == 2 and "不接受 --update-golden" in ran.stderr
