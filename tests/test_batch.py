"""Regenerating an archive: failure isolation, incremental runs, determinism, verify and sharding."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SEED_YAML

SEED = SEED_YAML.read_text(encoding="utf-8")


def replygen(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "replygen", *args], capture_output=True, text=True, timeout=600,
                          env={**os.environ, **(env or {})})


def make_archive(root: Path, good: int, bad: int = 0) -> list[Path]:
    """`good` valid replies spread over two folders (each with its own number), and `bad` broken ones."""
    files = []
    for i in range(good):
        folder = root / ("2025" if i % 2 else "2026")
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{300 + i}.yaml"
        path.write_text(SEED.replace("doc_number: 245", f"doc_number: {300 + i}"), encoding="utf-8")
        files.append(path)
    for i in range(bad):
        path = root / "2026" / f"broken-{i}.yaml"
        path.write_text(SEED.replace("kind: proposal", "kind: unknown"), encoding="utf-8")
    return files


def outputs(out: Path) -> dict[str, int]:
    return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*") if p.suffix in (".docx", ".pdf")}


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, subprocess.CompletedProcess[str]]:
    root = tmp_path_factory.mktemp("batch")
    src = root / "content"
    make_archive(src, good=24, bad=2)
    out = root / "out"
    result = replygen("batch", str(src / "2025"), str(src / "2026"), "-o", str(out), "--jobs", "2")
    return src, out, result


def test_good_replies_rendered_and_broken_ones_named(archive: tuple[Path, Path, subprocess.CompletedProcess[str]]) -> None:
    _src, out, result = archive
    assert result.returncode == 1
    names = outputs(out)
    assert len([n for n in names if n.endswith(".docx")]) == 24
    assert len([n for n in names if n.endswith(".pdf")]) == 24
    for i in range(2):
        assert f"broken-{i}.yaml:13:7: 字段 kind" in result.stderr
    assert "生成 24 份" in result.stdout and "失败 2 份" in result.stdout
    assert "Traceback" not in result.stderr


def test_second_run_rewrites_nothing_and_one_edit_rerenders_one(
        archive: tuple[Path, Path, subprocess.CompletedProcess[str]], tmp_path: Path) -> None:
    src, out, _ = archive
    work = tmp_path / "out"
    shutil.copytree(out, work)
    before = outputs(work)
    again = replygen("batch", str(src / "2025"), str(src / "2026"), "-o", str(work), "--jobs", "2")
    assert "生成 0 份" in again.stdout and "未变跳过 24 份" in again.stdout
    assert outputs(work) == before, "an unchanged reply's files are not rewritten"
    edited = src / "2026" / "300.yaml"
    edited.write_text(edited.read_text(encoding="utf-8").replace("王晓明", "李晓明"), encoding="utf-8")
    try:
        third = replygen("batch", str(src / "2025"), str(src / "2026"), "-o", str(work), "--jobs", "2")
    finally:
        edited.write_text(SEED.replace("doc_number: 245", "doc_number: 300"), encoding="utf-8")
    assert "生成 1 份" in third.stdout and "未变跳过 23 份" in third.stdout
    changed = {k for k, v in outputs(work).items() if before[k] != v}
    assert changed == {"300.docx", "300.pdf"}


def test_verify_passes_and_names_a_corrupted_pdf(archive: tuple[Path, Path, subprocess.CompletedProcess[str]],
                                                 tmp_path: Path) -> None:
    _, out, _ = archive
    work = tmp_path / "out"
    shutil.copytree(out, work)
    ok = replygen("verify", str(work))
    assert ok.returncode == 0 and "核对通过：48 个文件" in ok.stdout
    victim = work / "301.pdf"
    victim.write_bytes(victim.read_bytes()[:-10] + b"0123456789")
    (work / "300.docx").unlink()
    (work / "stray.pdf").write_bytes(b"%PDF")
    bad = replygen("verify", str(work))
    assert bad.returncode == 1
    assert "内容已变：301.pdf" in bad.stderr and "缺失：300.docx" in bad.stderr and "清单之外的文件：stray.pdf" in bad.stderr


def test_manifest_records_hashes_and_sizes(archive: tuple[Path, Path, subprocess.CompletedProcess[str]]) -> None:
    _, out, _ = archive
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    record = data["outputs"]["300.pdf"]
    assert record["size"] == (out / "300.pdf").stat().st_size and len(record["sha256"]) == 64


def test_renders_are_byte_identical(tmp_path: Path) -> None:
    import time

    first, second = tmp_path / "a", tmp_path / "b"
    assert replygen("render", str(SEED_YAML), "-o", str(first)).returncode == 0
    time.sleep(1.1)
    assert replygen("render", str(SEED_YAML), "-o", str(second)).returncode == 0
    for name in ("245.docx", "245.pdf"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_shards_partition_the_archive_and_manifests_merge(tmp_path: Path) -> None:
    src = tmp_path / "content"
    make_archive(src, good=8)
    outs = [tmp_path / "s1", tmp_path / "s2"]
    for i, out in enumerate(outs, 1):
        r = replygen("batch", str(src), "-o", str(out), "--shard", f"{i}/2", "--format", "docx", "--jobs", "1")
        assert r.returncode == 0, r.stderr
    first, second = (set(outputs(o)) for o in outs)
    assert first and second and not first & second and len(first | second) == 8
    for p in outs[1].rglob("*.docx"):  # a job runner collects the shards' files into one archive
        target = outs[0] / p.relative_to(outs[1])
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(p, target)
    assert replygen("manifest", "merge", str(outs[1]), "-o", str(outs[0])).returncode == 0
    assert replygen("verify", str(outs[0])).returncode == 0
    again = replygen("batch", str(src), "-o", str(outs[0]), "--format", "docx")
    assert "未变跳过 8 份" in again.stdout


def test_a_crashing_worker_loses_only_its_own_reply(tmp_path: Path) -> None:
    src = tmp_path / "content"
    make_archive(src, good=6)
    out = tmp_path / "out"
    r = replygen("batch", str(src), "-o", str(out), "--format", "docx", "--jobs", "2",
                 env={"REPLYGEN_TEST_CRASH": "2026/302"})
    assert r.returncode == 1
    assert "302.yaml: 渲染进程意外退出" in r.stderr and r.stderr.count("渲染进程意外退出") == 1
    assert len(outputs(out)) == 5
    assert replygen("verify", str(out)).returncode == 0


def test_temporaries_of_a_killed_write_are_discarded(tmp_path: Path) -> None:
    """What a worker killed mid-write leaves beside its targets goes; other files stay."""
    from replygen.output import sweep_temporaries

    for name in ("sub/.245[1].docx.k2x_ab9z.tmp", ".245[1].docx", ".notes.tmp", "245[1].docx", ".246.pdf.0a1b2c3d.tmp"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    assert sweep_temporaries(tmp_path) == 2
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()) == [
        ".245[1].docx", ".notes.tmp", "245[1].docx"]
