"""replygen import as a clerk runs it: which YAML files it writes where, what it refuses, and what it says.

Each test runs the command as a subprocess and checks the exit code, the messages and the files in the output
folder. Size limits are made tiny with the REPLYGEN_* variables, so that the bombs stay small.
"""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import pytest

from conftest import SEED_TEXT


def replygen(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "replygen", *args], capture_output=True, text=True, timeout=120,
                          cwd=cwd, env=os.environ | env)


def seed_lines() -> list[str]:
    return [line.strip() for line in SEED_TEXT.read_text(encoding="utf-8").splitlines() if line.strip()]


def seed_docx() -> bytes:
    """The reference reply typed into Word: one paragraph a line."""
    document = docx.Document()
    for line in seed_lines():
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def with_part(raw: bytes, name: str, data: bytes, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """The package with one part's content (and compression) replaced."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename == name:
                dst.writestr(name, data, compress_type=compression)
            else:
                dst.writestr(info, src.read(info))
    return out.getvalue()


def lying_about(raw: bytes, name: str, size: int) -> bytes:
    """The package with `name`'s uncompressed size declared as `size`, in its local and central headers."""
    data = bytearray(raw)
    info = zipfile.ZipFile(io.BytesIO(raw)).getinfo(name)
    struct.pack_into("<I", data, info.header_offset + 22, size)
    pos = 0
    while (pos := data.find(b"PK\x01\x02", pos + 1)) > 0:
        (length,) = struct.unpack_from("<H", data, pos + 28)
        if data[pos + 46: pos + 46 + length] == name.encode():
            struct.pack_into("<I", data, pos + 24, size)
    return bytes(data)


def bomb() -> bytes:
    """A DOCX of a few KB whose document.xml inflates to 5 MB (a comment of spaces), over a 1 MB limit."""
    raw = seed_docx()
    xml = zipfile.ZipFile(io.BytesIO(raw)).read("word/document.xml")
    return with_part(raw, "word/document.xml", xml.replace(b"<w:body>", b"<w:body><!--" + b" " * 5_000_000 + b"-->"))


def import_one(tmp_path: Path, name: str, data: bytes, **env: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / name).write_bytes(data)
    return replygen("import", name, "-o", "out", cwd=tmp_path, **env)


def test_a_file_over_the_import_limit_is_refused_unread(tmp_path: Path) -> None:
    result = import_one(tmp_path, "big.txt", "牛奶两盒\n".encode() * 200_000, REPLYGEN_MAX_IMPORT_MB="1")
    assert result.returncode == 1
    assert "big.txt: 文件太大（2.5 MB，上限 1.0 MB）" in result.stderr
    assert "REPLYGEN_MAX_IMPORT_MB" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_zip_bomb_is_refused_by_its_declared_sizes_until_the_limit_is_raised(tmp_path: Path) -> None:
    raw = bomb()
    assert len(raw) < 100_000
    result = import_one(tmp_path, "bomb.docx", raw, REPLYGEN_MAX_UNPACKED_MB="1")
    assert result.returncode == 1
    assert "bomb.docx: DOCX 文件解压后超过 1 MB 的上限" in result.stderr
    assert "REPLYGEN_MAX_UNPACKED_MB" in result.stderr
    assert not (tmp_path / "out").exists()
    result = import_one(tmp_path, "bomb.docx", raw, REPLYGEN_MAX_UNPACKED_MB="10")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "bomb.yaml").is_file()


def test_a_zip_bomb_lying_about_its_sizes_is_refused(tmp_path: Path) -> None:
    """zipfile stops at the declared size, so the lie shows as a part that does not inflate to what it claims."""
    result = import_one(tmp_path, "liar.docx", lying_about(bomb(), "word/document.xml", 1000),
                        REPLYGEN_MAX_UNPACKED_MB="1")
    assert result.returncode == 1
    assert "liar.docx: DOCX 文件已损坏" in result.stderr
    assert "CRC" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_compression_word_does_not_use_is_refused(tmp_path: Path) -> None:
    """bzip2 inflates a whole read at once; OOXML allows only stored and deflate."""
    raw = seed_docx()
    xml = zipfile.ZipFile(io.BytesIO(raw)).read("word/document.xml")
    result = import_one(tmp_path, "bz.docx", with_part(raw, "word/document.xml", xml, zipfile.ZIP_BZIP2))
    assert result.returncode == 1
    assert "bz.docx: DOCX 文件使用了 Word 不用的压缩方式" in result.stderr


@pytest.mark.parametrize("data", [b"This is not a zip file.", b""], ids=["text", "empty"])
def test_a_docx_that_is_not_a_zip_is_named_in_chinese(tmp_path: Path, data: bytes) -> None:
    result = import_one(tmp_path, "reply.docx", data)
    assert result.returncode == 1
    assert "reply.docx: 不是 DOCX 文件：不是 zip 压缩包" in result.stderr
    assert "内部错误" not in result.stderr


def test_a_zip_without_a_word_document_is_named_in_chinese(tmp_path: Path) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(seed_docx())) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename != "word/document.xml":
                dst.writestr(info, src.read(info))
    result = import_one(tmp_path, "reply.docx", out.getvalue())
    assert result.returncode == 1
    assert "reply.docx: 不是 Word 文档：压缩包中没有 Word 正文（word/document.xml）" in result.stderr
    assert "There is no item" not in result.stderr


def write_seed(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".docx":
        path.write_bytes(seed_docx())
    else:
        path.write_bytes(SEED_TEXT.read_bytes())


def yaml_files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.yaml"))


def test_replies_of_one_name_in_two_folders_stay_two(tmp_path: Path) -> None:
    for name in ("旧答复/甲/reply.txt", "旧答复/乙/reply.txt", "旧答复/reply.txt"):
        write_seed(tmp_path / name)
    result = replygen("import", "旧答复", "-o", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert yaml_files(tmp_path / "out") == ["reply.yaml", "乙/reply.yaml", "甲/reply.yaml"]
    assert f"已导入：{Path('旧答复/甲/reply.txt')} → {Path('out/甲/reply.yaml')}" in result.stdout


def test_a_text_and_a_docx_of_one_name_get_two_yaml_files(tmp_path: Path) -> None:
    for name in ("旧答复/reply.txt", "旧答复/reply.docx"):
        write_seed(tmp_path / name)
    result = replygen("import", "旧答复", "-o", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert yaml_files(tmp_path / "out") == ["reply-docx.yaml", "reply.yaml"]
    assert (tmp_path / "out/reply.yaml").read_text(encoding="utf-8").startswith("# 由 replygen import 从 reply.txt 导入")
    assert "（编码：docx）" in (tmp_path / "out/reply-docx.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert f"已导入：{Path('旧答复/reply.docx')} → {Path('out/reply-docx.yaml')}" in result.stdout


def test_two_file_arguments_of_one_name_get_two_yaml_files(tmp_path: Path) -> None:
    for name in ("a/reply.txt", "b/reply.txt"):
        write_seed(tmp_path / name)
    result = replygen("import", "a/reply.txt", "b/reply.txt", "a/reply.txt", "-o", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert yaml_files(tmp_path / "out") == ["reply-txt.yaml", "reply.yaml"]
    assert result.stdout.count("已导入：") == 2


HAND_WRITTEN = "# 手写的答复，导入不得覆盖\nissuer: shsmj\n"


def test_import_never_overwrites_a_different_yaml(tmp_path: Path) -> None:
    for name in ("旧答复/reply.txt", "旧答复/other.txt"):
        write_seed(tmp_path / name)
    (tmp_path / "out").mkdir()
    (tmp_path / "out/reply.yaml").write_text(HAND_WRITTEN, encoding="utf-8")
    result = replygen("import", "旧答复", "-o", "out", cwd=tmp_path)
    assert result.returncode == 1
    assert f"错误：{Path('out/reply.yaml')}: 已有此文件，且内容与导入 {Path('旧答复/reply.txt')} 的结果不同，未覆盖" in result.stderr
    assert "--overwrite" in result.stderr
    assert (tmp_path / "out/reply.yaml").read_text(encoding="utf-8") == HAND_WRITTEN
    assert f"已导入：{Path('旧答复/other.txt')} → {Path('out/other.yaml')}" in result.stdout  # the others go on
    assert yaml_files(tmp_path / "out") == ["other.yaml", "reply.yaml"]


def test_overwrite_keeps_the_replaced_file_in_history(tmp_path: Path) -> None:
    write_seed(tmp_path / "reply.txt")
    (tmp_path / "out").mkdir()
    (tmp_path / "out/reply.yaml").write_text(HAND_WRITTEN, encoding="utf-8")
    result = replygen("import", "reply.txt", "-o", "out", "--overwrite", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    [backup] = (tmp_path / "out/.history/reply.yaml").iterdir()
    assert backup.read_text(encoding="utf-8") == HAND_WRITTEN
    assert f"已导入：reply.txt → {Path('out/reply.yaml')}（覆盖，原文件备份为 {backup.relative_to(tmp_path)}）" in result.stdout
    assert (tmp_path / "out/reply.yaml").read_text(encoding="utf-8").startswith("# 由 replygen import")
    assert replygen("validate", "out", cwd=tmp_path).returncode == 0  # the backup is not taken for a reply


def test_importing_again_to_the_same_yaml_is_not_an_overwrite(tmp_path: Path) -> None:
    write_seed(tmp_path / "reply.txt")
    assert replygen("import", "reply.txt", "-o", "out", cwd=tmp_path).returncode == 0
    written = (tmp_path / "out/reply.yaml").stat().st_mtime_ns
    result = replygen("import", "reply.txt", "-o", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"未变：reply.txt → {Path('out/reply.yaml')}" in result.stdout
    assert (tmp_path / "out/reply.yaml").stat().st_mtime_ns == written
    assert not (tmp_path / "out/.history").exists()
