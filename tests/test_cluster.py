"""`replygen batch --scheduler`: a real Dask scheduler and workers on 127.0.0.1 render an archive byte for byte
as a local batch does, survive a killed worker, send nothing when nothing changed, refuse a worker with other
fonts, report a reply that keeps killing workers, and say in Chinese when the scheduler cannot be reached or goes
away.

The tests share one cluster and run in file order: the one whose reply kills workers (which their nannies bring
back) after those that need a steady cluster, then the one that kills a worker for good, and last the one whose
scheduler goes away."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from daskcluster import LocalDask, free_port, wait_until

from replygen.cluster import parse_address

from archives import finish, make_archive, replygen, start
from conftest import CONTENT

pytest.importorskip("distributed")

FAST = {"REPLYGEN_SCHEDULER_TIMEOUT": "20"}
CRASH = "2025/905"
"""the reply on which the cluster's workers die: only the archive of the test about it holds one"""


def files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.suffix in (".docx", ".pdf")}


def generated(stdout: str) -> Counter[str]:
    """How many times each reply was reported generated (one line per reply when not on a terminal)."""
    return Counter(line.removeprefix("已生成：") for line in stdout.splitlines() if line.startswith("已生成："))


@pytest.fixture(scope="module")
def content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("cluster") / "content"
    make_archive(src, good=60)
    return src


@pytest.fixture(scope="module")
def local(content: Path) -> Path:
    """The same 60 replies rendered by a local batch (DOCX): what the cluster must reproduce byte for byte."""
    out = content.parent / "local"
    result = replygen("batch", str(content), "-o", str(out), "--format", "docx", "--jobs", "2")
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalDask]:
    """Two workers (with nannies, as the README starts them), each of which dies on reply CRASH (and is brought
    back by its nanny) and stops for good at its next task once its hang folder is armed; Dask gives up on a task
    after 1 more death."""
    logs = tmp_path_factory.mktemp("dask")
    dask = LocalDask(logs, env={"DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "1"})
    try:
        for name in ("w-a", "w-b"):
            (logs / f"hang-{name}").mkdir()
            dask.add_worker(name, env={"REPLYGEN_TEST_CRASH": CRASH, "REPLYGEN_TEST_HANG": str(logs / f"hang-{name}")})
        dask.wait_for_workers(["w-a", "w-b"])
        yield dask
    finally:
        dask.close()


@pytest.mark.parametrize("address", ["127.0.0.1:8786", "tcp://127.0.0.1", "tcp://127.0.0.1:99999",
                                     "http://host:80", "tcp://:8786", "tcp://a b:1"])
def test_malformed_addresses(address: str) -> None:
    with pytest.raises(ValueError, match=f"调度器地址“{re.escape(address)}”格式不对：应写作 tcp://主机:端口"):
        parse_address(address)


def test_a_malformed_address_is_refused_before_anything(content: Path, tmp_path: Path) -> None:
    result = replygen("batch", str(content), "-o", str(tmp_path / "out"), "--scheduler", "127.0.0.1:8786")
    assert result.returncode == 1
    assert "错误：调度器地址“127.0.0.1:8786”格式不对" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_unreachable_scheduler_changes_nothing(content: Path, local: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(local, out)
    edited = content / "2025" / "301.yaml"
    original = edited.read_text(encoding="utf-8")
    edited.write_text(original.replace("王晓明", "李晓明"), encoding="utf-8")
    try:
        result = replygen("batch", str(content), "-o", str(out), "--format", "docx",
                          "--scheduler", f"tcp://127.0.0.1:{free_port()}", env={"REPLYGEN_SCHEDULER_TIMEOUT": "2"})
    finally:
        edited.write_text(original, encoding="utf-8")
    assert result.returncode == 1
    assert "无法连接调度器" in result.stderr and "未做任何改动" in result.stderr
    assert "Traceback" not in result.stderr
    assert files(out) == files(local)
    assert replygen("verify", str(out)).returncode == 0


def test_cluster_matches_local_batch_and_a_second_run_sends_no_task(
        cluster: LocalDask, content: Path, local: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = replygen("batch", str(content), "-o", str(out), "--format", "docx", "--scheduler", cluster.address,
                      env=FAST)
    assert result.returncode == 0, result.stderr
    assert "汇总：生成 60 份（写出 60 个文件）" in result.stdout
    assert f"已连接调度器 {cluster.address}；Dask 仪表板：http://127.0.0.1:" in result.stderr
    assert files(out) == files(local)
    verified = replygen("verify", str(out))
    assert verified.returncode == 0 and "核对通过：60 个文件" in verified.stdout
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["outputs"].keys() == json.loads((local / "manifest.json").read_text(encoding="utf-8"))[
        "outputs"].keys()

    before = cluster.transitions()
    again = replygen("batch", str(content), "-o", str(out), "--format", "docx", "--scheduler", cluster.address,
                     env=FAST)
    assert again.returncode == 0 and "生成 0 份" in again.stdout and "未变跳过 60 份" in again.stdout
    assert "已连接调度器" not in again.stderr
    assert cluster.transitions() == before, "a run with nothing to do sends no task"


def test_both_formats_are_byte_identical_and_layout_notes_printed(cluster: LocalDask, content: Path,
                                                                   tmp_path: Path) -> None:
    few = [content / "2026" / "300.yaml", content / "2025" / "301.yaml", CONTENT / "2026" / "example-signature.yaml"]
    here = replygen("batch", *map(str, few), "-o", str(tmp_path / "local"), "--jobs", "1")
    there = replygen("batch", *map(str, few), "-o", str(tmp_path / "cluster"), "--scheduler", cluster.address,
                     env=FAST)
    assert here.returncode == 0 and there.returncode == 0, there.stderr
    assert sorted(files(tmp_path / "cluster")) == ["300.docx", "300.pdf", "301.docx", "301.pdf",
                                                   "example-signature.docx", "example-signature.pdf"]
    assert files(tmp_path / "cluster") == files(tmp_path / "local")
    # the summary a clerk reads is a local batch's: what the layout adjusted (GB/T 9704 7.3.5.5) included
    assert layout_notes(there.stdout) == layout_notes(here.stdout)
    assert any(source.endswith("example-signature.yaml") and "7.3.5.5" in note
               for source, note in layout_notes(there.stdout))


def layout_notes(stdout: str) -> Counter[tuple[str, str]]:
    """(reply, note) for each "版面调整" line, under the "已生成" line of its reply."""
    found: Counter[tuple[str, str]] = Counter()
    source = ""
    for line in stdout.splitlines():
        if line.startswith("已生成："):
            source = line.removeprefix("已生成：")
        elif line.startswith("  版面调整："):
            found[source, line.removeprefix("  版面调整：")] += 1
    return found


def test_worker_with_another_fallback_font_is_refused(cluster: LocalDask, content: Path, tmp_path: Path) -> None:
    fonts = tmp_path / "fonts.yaml"
    fonts.write_text("fangsong: [FandolFang, Noto Serif CJK SC]\n", encoding="utf-8")
    cluster.add_worker("w-other-fonts", env={"REPLYGEN_FONTS": str(fonts)})
    try:
        cluster.wait_for_workers(["w-a", "w-b", "w-other-fonts"])
        before = cluster.transitions()
        result = replygen("batch", str(content), "-o", str(tmp_path / "out"), "--format", "docx",
                          "--scheduler", cluster.address, env=FAST)
    finally:
        cluster.kill_worker("w-other-fonts")
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if "生成环境与本机不同" in line]
    assert len(lines) == 1 and "工作进程 w-other-fonts（tcp://127.0.0.1:" in lines[0]
    assert "字体 fangsong 补字1：本机 /usr/share/fonts/truetype/arphic/ukai.ttc#0" in lines[0]
    assert "工作进程 /usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc" in lines[0]
    assert "未发送任何任务" in result.stderr
    assert cluster.transitions() == before
    assert files(tmp_path / "out") == {}
    cluster.wait_for_workers(["w-a", "w-b"])


def test_a_reply_that_kills_workers_is_reported_not_retried_forever(cluster: LocalDask, tmp_path: Path) -> None:
    src = tmp_path / "content"
    make_archive(src, good=8, first=900)  # 900 … 907: 2025/905 is CRASH
    result = replygen("batch", str(src), "-o", str(tmp_path / "out"), "--format", "docx",
                      "--scheduler", cluster.address, env=FAST, timeout=180)
    assert result.returncode == 1
    assert "生成 7 份" in result.stdout and "失败 1 份" in result.stdout
    assert "905.yaml: 渲染时工作进程反复意外退出" in result.stderr
    assert len(files(tmp_path / "out")) == 7
    assert replygen("verify", str(tmp_path / "out")).returncode == 0
    cluster.wait_for_workers(["w-a", "w-b"])  # back from the dead: the nannies restarted them


def test_a_worker_killed_mid_run_loses_nothing(cluster: LocalDask, content: Path, local: Path,
                                               tmp_path: Path) -> None:
    """w-b stops for good at its next task (armed fault injection); the test kills it there, and Dask gives its
    task to w-a. w-b is gone afterwards."""
    cluster.wait_for_workers(["w-a", "w-b"])
    hang = cluster.logs / "hang-w-b"
    (hang / "arm").touch()
    out = tmp_path / "out"
    proc = start("batch", str(content), "-o", str(out), "--format", "docx", "--scheduler", cluster.address, env=FAST)
    try:
        wait_until(lambda: (hang / "hung").exists() or proc.poll() is not None, 90, "w-b took a task")
    finally:
        cluster.kill_worker("w-b")
    result = finish(proc, timeout=120)
    assert (hang / "hung").exists(), "w-b was given a task"
    assert result.returncode == 0, result.stderr
    assert "汇总：生成 60 份（写出 60 个文件）" in result.stdout
    counts = generated(result.stdout)
    assert len(counts) == 60 and set(counts.values()) == {1}, "every reply recorded once"
    assert files(out) == files(local)
    assert replygen("verify", str(out)).returncode == 0


def test_scheduler_gone_mid_run_keeps_what_was_written(cluster: LocalDask, content: Path, local: Path,
                                                        tmp_path: Path) -> None:
    """w-a, the one worker left, writes a first group of replies, then stops for good at its next task (armed
    once the first outputs are there: a group takes it seconds); the scheduler goes away meanwhile."""
    cluster.wait_for_workers(["w-a"])
    hang = cluster.logs / "hang-w-a"
    out = tmp_path / "out"
    proc = start("batch", str(content / "2026"), "-o", str(out), "--format", "docx", "--scheduler", cluster.address,
                 env={"REPLYGEN_SCHEDULER_TIMEOUT": "3"})
    try:
        wait_until(lambda: any(out.glob("*.docx")) or proc.poll() is not None, 90, "w-a wrote outputs")
        (hang / "arm").touch()
        wait_until(lambda: (hang / "hung").exists() or proc.poll() is not None, 90, "w-a stopped")
    finally:
        cluster.kill_scheduler()
    result = finish(proc, timeout=120)
    assert (hang / "hung").exists(), "the run was still going when the scheduler went away"
    assert result.returncode == 1
    assert f"与调度器 {cluster.address} 的连接中断" in result.stderr and "再次运行同一命令会生成其余答复" in result.stderr
    assert "Traceback" not in result.stderr
    written = files(out)
    assert 0 < len(written) < 30
    verified = replygen("verify", str(out))
    assert verified.returncode == 0 and f"核对通过：{len(written)} 个文件" in verified.stdout
    rest = replygen("batch", str(content / "2026"), "-o", str(out), "--format", "docx", "--jobs", "2")
    assert rest.returncode == 0 and f"未变跳过 {len(written)} 份" in rest.stdout
    assert files(out) == {k.removeprefix("2026/"): v for k, v in files(local).items() if k.startswith("2026/")}
