"""Regenerating an archive: failure isolation, incremental runs, determinism, verify and sharding."""

from __future__ import annotations

import json
import os
import shutil
import signal
from pathlib import Path

import pytest

from archives import SEED, Run, finish, make_archive, outputs, replygen, start
from conftest import SEED_YAML


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Run]:
    root = tmp_path_factory.mktemp("batch")
    src = root / "content"
    make_archive(src, good=24, bad=2)
    out = root / "out"
    result = replygen("batch", str(src / "2025"), str(src / "2026"), "-o", str(out), "--jobs", "2")
    return src, out, result


def test_good_replies_rendered_and_broken_ones_named(archive: tuple[Path, Path, Run]) -> None:
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
        archive: tuple[Path, Path, Run], tmp_path: Path) -> None:
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


def test_verify_passes_and_names_a_corrupted_pdf(archive: tuple[Path, Path, Run],
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


def test_manifest_records_hashes_and_sizes(archive: tuple[Path, Path, Run]) -> None:
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
    make_archive(src, good=4)  # two in each shard
    outs = [tmp_path / "s1", tmp_path / "s2"]
    for i, out in enumerate(outs, 1):
        r = replygen("batch", str(src), "-o", str(out), "--shard", f"{i}/2", "--format", "docx", "--jobs", "1")
        assert r.returncode == 0, r.stderr
    first, second = (set(outputs(o)) for o in outs)
    assert first and second and not first & second and len(first | second) == 4
    for p in outs[1].rglob("*.docx"):  # a job runner collects the shards' files into one archive
        target = outs[0] / p.relative_to(outs[1])
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(p, target)
    assert replygen("manifest", "merge", str(outs[1]), "-o", str(outs[0])).returncode == 0
    assert replygen("verify", str(outs[0])).returncode == 0
    again = replygen("batch", str(src), "-o", str(outs[0]), "--format", "docx")
    assert "未变跳过 4 份" in again.stdout


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


def test_a_rerun_reports_unchanged_bad_replies_from_the_manifest(archive: tuple[Path, Path, Run], tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 17: 24 good and 2 bad replies, nothing changed: no renderer starts, the bad ones are reported again."""
    from replygen import batch

    src, out, first = archive
    work = tmp_path / "out"
    shutil.copytree(out, work)
    again = replygen("batch", str(src / "2025"), str(src / "2026"), "-o", str(work), "--jobs", "2")
    assert again.returncode == 1
    assert "未变跳过 24 份，失败 2 份（其中 2 份未变，沿用上次的结果）" in again.stdout
    for i in range(2):
        assert f"broken-{i}.yaml:13:7: 字段 kind" in again.stderr
    print(f"first run {first.elapsed:.1f} s, re-run {again.elapsed:.1f} s")
    assert again.elapsed < first.elapsed / 2

    def no_pool(*args: object) -> None:
        raise AssertionError("a render pool was started")

    monkeypatch.setattr(batch, "Workers", no_pool)
    summary = batch.batch([src / "2025", src / "2026"], work, formats=["docx", "pdf"], workers=2)
    assert summary.skipped == 24 and [(r.job.stem, r.known) for r in summary.failed] == [
        ("broken-0", True), ("broken-1", True)]


def test_an_output_with_a_flipped_byte_is_rendered_again(archive: tuple[Path, Path, Run], tmp_path: Path) -> None:
    src, out, _ = archive
    work = tmp_path / "out"
    shutil.copytree(out, work)
    victim = work / "301.pdf"
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0x01
    victim.write_bytes(bytes(data))
    again = replygen("batch", str(src / "2025"), str(src / "2026"), "-o", str(work), "--jobs", "2")
    assert "生成 1 份（写出 1 个文件），未变跳过 23 份" in again.stdout
    assert victim.read_bytes() == (out / "301.pdf").read_bytes()
    assert replygen("verify", str(work)).returncode == 0


def test_temporaries_left_by_a_killed_run_are_removed_by_the_next(archive: tuple[Path, Path, Run],
                                                                  tmp_path: Path) -> None:
    src, out, _ = archive
    work = tmp_path / "out"
    shutil.copytree(out, work)
    left = [work / ".301.pdf.k2x_ab9z.tmp", work / "sub" / ".300.docx.0a1b2c3d.tmp"]
    for path in left:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"half a PDF")
    (work / ".notes.tmp").write_bytes(b"not ours")
    again = replygen("batch", str(src / "2025"), str(src / "2026"), "-o", str(work), "--jobs", "2")
    assert "已清除上次中断留下的 2 个临时文件" in again.stdout
    assert not any(p.exists() for p in left) and (work / ".notes.tmp").exists()


def test_an_unreadable_reply_fails_alone(tmp_path: Path) -> None:
    """A named pipe given as a reply used to block the batch for ever; a vanished file aborted it."""
    from replygen import batch

    src = tmp_path / "content"
    make_archive(src, good=4)
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    r = replygen("batch", str(src), str(fifo), "-o", str(tmp_path / "out"), "--format", "docx", timeout=120)
    assert r.returncode == 1
    assert f"{fifo}: 无法读取：不是普通文件" in r.stderr and "Traceback" not in r.stderr
    assert "生成 4 份" in r.stdout and len(outputs(tmp_path / "out")) == 4

    gone = tmp_path / "gone.yaml"  # listed, then removed before it was read
    summary = batch.batch([src, gone], tmp_path / "out2", formats=["docx"], workers=1)
    assert len(summary.rendered) == 4
    assert [p for r in summary.failed for p in r.problems] == [f"{gone}: 无法读取：不存在（可能已被删除或移动）"]


def test_jobs_beyond_the_cores_are_capped(tmp_path: Path) -> None:
    src = tmp_path / "content"
    make_archive(src, good=3)
    cores = len(os.sched_getaffinity(0))
    asked = cores + 30  # not 100000: the old code forked every one of them
    r = replygen("batch", str(src), "-o", str(tmp_path / "out"), "--format", "docx", "--jobs", str(asked))
    assert r.returncode == 0, r.stderr
    assert f"注意：--jobs {asked} 超过本机可用的 {cores} 个 CPU 核，按 {cores} 个进程运行" in r.stderr


def test_a_reply_name_with_a_dot_keeps_it(tmp_path: Path) -> None:
    reply = tmp_path / "245.v2.yaml"
    reply.write_text(SEED, encoding="utf-8")
    (tmp_path / "245.yaml").write_text(SEED, encoding="utf-8")
    r = replygen("batch", str(tmp_path), "-o", str(tmp_path / "out"), "--format", "docx")
    assert r.returncode == 0, r.stderr
    assert sorted(outputs(tmp_path / "out")) == ["245.docx", "245.v2.docx"]


def test_an_interrupted_batch_keeps_what_it_finished_in_the_manifest(tmp_path: Path) -> None:
    """Ctrl-C after the first reply: what was finished is in the manifest, and the queued replies are not started
    (the pool used to render the whole queue before it let the command end)."""
    src, out = tmp_path / "content", tmp_path / "out"
    make_archive(src, good=60)
    # unbuffered, as on a terminal: the first 已生成 line arrives when it is printed, not when the run ends
    run = start("batch", str(src), "-o", str(out), "--format", "pdf", "--jobs", "1", env={"PYTHONUNBUFFERED": "1"})
    assert run.stdout is not None
    for line in run.stdout:
        if line.startswith("已生成"):
            break
    else:
        pytest.fail("no reply was rendered")
    os.killpg(run.pid, signal.SIGINT)  # Ctrl-C
    assert finish(run, 60).returncode != 0
    listed = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["outputs"]
    assert listed and set(listed) <= set(outputs(out))
    assert len(outputs(out)) < 30, "the queue went on rendering after Ctrl-C"
