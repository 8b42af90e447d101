"""The archive's manifest as a user relies on it: stale after an upgrade, readable or refused in Chinese, one
writer at a time, and reproducible on this machine (verify --deep). DOCX only, to stay quick."""

from __future__ import annotations

import json
import os
import shutil
from importlib import metadata
from pathlib import Path

import pytest
from filelock import FileLock

from replygen.manifest import LOCK_NAME

from archives import copy_archive, finish, make_archive, outputs, replygen, start


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Three replies rendered to DOCX into out/, once for the module."""
    root = tmp_path_factory.mktemp("archive")
    src, out = root / "content", root / "out"
    make_archive(src, good=3)
    r = replygen("batch", str(src), "-o", str(out), "--format", "docx")
    assert r.returncode == 0, r.stderr
    return src, out


@pytest.fixture
def small(rendered: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    """Three replies rendered to DOCX into out/: the test's own copy of them and of the archive."""
    return copy_archive(*rendered, tmp_path)


def test_an_upgraded_library_makes_the_archive_stale(small: tuple[Path, Path], tmp_path: Path) -> None:
    """WeasyPrint 'upgraded' (its metadata says 99.0): verify names it, batch renders everything again."""
    src, out = small
    fake = tmp_path / "site"
    (fake / "weasyprint-99.0.dist-info").mkdir(parents=True)
    (fake / "weasyprint-99.0.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: weasyprint\nVersion: 99.0\n")
    upgraded = {"PYTHONPATH": os.pathsep.join([str(fake), os.environ.get("PYTHONPATH", "")])}
    stale = replygen("verify", str(out), env=upgraded)
    assert stale.returncode == 1
    assert f"生成环境已变，归档可能已过时：2025/301.docx 等 3 个文件（weasyprint {metadata.version('weasyprint')} → 99.0）" \
        in stale.stderr
    again = replygen("batch", str(src), "-o", str(out), "--format", "docx", env=upgraded)
    assert "生成 3 份（写出 0 个文件）" in again.stdout, "the same bytes: files are not rewritten"
    assert replygen("verify", str(out), env=upgraded).returncode == 0


def test_a_font_file_changed_in_place_makes_the_archive_stale(tmp_path: Path) -> None:
    """Same path, size and time stamp, other content: the role's font is identified by what it holds."""
    font = tmp_path / "fonts" / "fang.otf"
    font.parent.mkdir()
    shutil.copyfile("/usr/local/share/fonts/fandol/FandolFang-Regular.otf"
                    if Path("/usr/local/share/fonts/fandol/FandolFang-Regular.otf").is_file()
                    else next(Path("/usr/share/fonts").rglob("*.[ot]t[fc]")), font)
    (tmp_path / "fonts.yaml").write_text(f"fangsong: {font}\n", encoding="utf-8")
    env = {"REPLYGEN_FONTS": str(tmp_path / "fonts.yaml")}
    src, out = tmp_path / "content", tmp_path / "out"
    make_archive(src, good=2)
    assert replygen("batch", str(src), "-o", str(out), "--format", "docx", env=env).returncode == 0
    stamp = font.stat()
    data = bytearray(font.read_bytes())
    data[-100] ^= 0xFF
    font.write_bytes(bytes(data))
    os.utime(font, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    stale = replygen("verify", str(out), env=env)
    assert stale.returncode == 1 and "字体 fangsong" in stale.stderr
    again = replygen("batch", str(src), "-o", str(out), "--format", "docx", env=env)
    assert "生成 2 份" in again.stdout


def test_a_corrupt_manifest_is_named_not_a_traceback(small: tuple[Path, Path], tmp_path: Path) -> None:
    src, out = small
    manifest = out / "manifest.json"
    manifest.write_text('{"outputs": [', encoding="utf-8")
    for args in (["verify", str(out)], ["manifest", "merge", str(out), "-o", str(tmp_path / "merged")],
                 ["batch", str(src), "-o", str(out), "--format", "docx"]):
        r = replygen(*args)
        assert r.returncode == 1, args
        assert f"{manifest}:1:14: 清单已损坏，无法读取" in r.stderr and "Traceback" not in r.stderr, args
    assert "可用 --force 全部重新生成，同时重建清单" in r.stderr
    assert not (tmp_path / "merged" / "manifest.json").exists()
    rebuilt = replygen("batch", str(src), "-o", str(out), "--format", "docx", "--force")
    assert rebuilt.returncode == 0 and replygen("verify", str(out)).returncode == 0


def test_a_second_batch_waits_for_the_first_or_gives_up(tmp_path: Path) -> None:
    src, out = tmp_path / "content", tmp_path / "out"
    make_archive(src, good=2)
    out.mkdir()
    with FileLock(out / LOCK_NAME):
        waiting = start("batch", str(src), "-o", str(out), "--format", "docx")
        assert waiting.stderr is not None
        assert "正由另一个 replygen 进程使用，等待其结束（最多 600 秒）" in waiting.stderr.readline()
        refused = replygen("batch", str(src), "-o", str(out), "--format", "docx", "--wait", "1")
        assert refused.returncode == 1
        assert "等待 1 秒后，输出目录仍由另一个 replygen 进程使用；未做任何改动" in refused.stderr
        assert outputs(out) == {}
    done = finish(waiting, 120)  # the lock is free: the waiting batch goes on
    assert done.returncode == 0 and len(outputs(out)) == 2


def test_two_concurrent_batches_into_one_folder_keep_both_in_the_manifest(tmp_path: Path) -> None:
    """Both batches are running at once: each has started and waits for the folder, held here, when it is freed."""
    out = tmp_path / "out"
    make_archive(tmp_path / "a", good=3, first=300)
    make_archive(tmp_path / "b", good=3, first=400)
    out.mkdir()
    with FileLock(out / LOCK_NAME):
        runs = [start("batch", str(tmp_path / name), "-o", str(out), "--format", "docx", "--jobs", "1")
                for name in "ab"]
        for run in runs:
            assert run.stderr is not None
            assert "正由另一个 replygen 进程使用，等待其结束" in run.stderr.readline()
    for run in [finish(r, 300) for r in runs]:
        assert run.returncode == 0, run.stderr
    listed = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["outputs"]
    assert len(listed) == 6 and set(listed) == set(outputs(out))
    assert replygen("verify", str(out)).returncode == 0


def test_deep_verify_renders_again_and_compares_bytes(small: tuple[Path, Path]) -> None:
    src, out = small
    ok = replygen("verify", str(out), "--deep")
    assert ok.returncode == 0, ok.stderr
    assert "深度核对：重新生成 3 份答复" in ok.stdout and "本机重新生成的结果逐字节相同" in ok.stdout
    edited = src / "2026" / "300.yaml"
    edited.write_text(edited.read_text(encoding="utf-8").replace("王晓明", "李晓明"), encoding="utf-8")
    (src / "2025" / "301.yaml").unlink()
    bad = replygen("verify", str(out), "--deep")
    assert bad.returncode == 1
    assert "重新生成的结果不同：2026/300.docx（答复、模板或生成环境在生成后有改动）" in bad.stderr
    assert f"源文件缺失，无法重新生成：2025/301（{src / '2025' / '301.yaml'}）" in bad.stderr


def test_deep_verify_samples_the_same_replies_every_time(small: tuple[Path, Path]) -> None:
    src, out = small
    for path in src.rglob("*.yaml"):  # every reply now differs: the findings show which were sampled
        path.write_text(path.read_text(encoding="utf-8").replace("王晓明", "李晓明"), encoding="utf-8")
    runs = [replygen("verify", str(out), "--deep", "--sample", "2") for _ in range(2)]
    assert all(r.returncode == 1 and "重新生成 2 份答复（从 3 份中固定抽取）" in r.stdout for r in runs)
    sampled = [sorted(line for line in r.stderr.splitlines() if line.startswith("重新生成的结果不同")) for r in runs]
    assert len(sampled[0]) == 2 and sampled[0] == sampled[1]
