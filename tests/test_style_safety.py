"""The house style is typed, and the PDF fetches nothing replygen did not put there itself.

style.yaml comes with a templates folder, possibly from another office; its values end up in CSS, HTML and OOXML.
A hostile value (a page-number format closing the CSS string and adding `background-image: url(...)`) would make
WeasyPrint fetch a URL while rendering: here a local HTTP server stands in for that URL and must see no request.
"""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from replygen.compose import DEFAULT_TEMPLATES, Templates
from replygen.document import Document, Paragraph, Run
from replygen.errors import ReplyError
from replygen.style import load_style

from conftest import SEED_YAML

STYLE = (DEFAULT_TEMPLATES / "style.yaml").read_text(encoding="utf-8")


class Beacon:
    """A local HTTP server that records every request it gets."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        beacon = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                beacon.requests.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/beacon"


@pytest.fixture()
def beacon() -> Iterator[Beacon]:
    b = Beacon()
    thread = threading.Thread(target=b.server.serve_forever, daemon=True)
    thread.start()
    yield b
    b.server.shutdown()
    b.server.server_close()


def _line(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def _style_copy(tmp_path: Path, old: str, new: str) -> tuple[Path, str]:
    root = tmp_path / "templates"
    import shutil

    shutil.copytree(DEFAULT_TEMPLATES, root)
    assert old in STYLE
    text = STYLE.replace(old, new, 1)
    (root / "style.yaml").write_text(text, encoding="utf-8")
    return root, text


def _render(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "replygen", "render", str(SEED_YAML), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120, env=dict(os.environ))


def test_a_hostile_style_is_refused_at_its_line_and_fetches_nothing(tmp_path: Path, beacon: Beacon) -> None:
    hostile = f'\'— {{n}} —"; background-image: url("{beacon.url}"); x: "\''
    root, text = _style_copy(tmp_path, 'format: "— {n} —"', f"format: {hostile}")
    out = tmp_path / "out"
    result = _render("-o", str(out), "--format", "pdf", "--templates", str(root), cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert f"{root / 'style.yaml'}:{_line(text, 'format: ')}:11: 字段 page_number.format：页码格式应含一个 {{n}}" \
        in result.stderr, result.stderr
    assert beacon.requests == []
    assert not out.exists() or not any(out.rglob("*"))


@pytest.mark.parametrize(("old", "new", "field", "message"), [
    ("color: red, space_before: 3}", "color: 'red; background: url(x)', space_before: 3}", "roles.organ-mark.color",
     "颜色应写作 #RRGGBB"),
    ('red: "#E60012"', 'red: "rgb(230,0,18)"', "colors.red", "颜色应写作 #RRGGBB，如 #E60012"),
    ("color: red, space_before: 3}", "color: blue, space_before: 3}", "roles.organ-mark.color",
     "颜色“blue”没有在 colors 中定义"),
    ("docx: 宋体,", 'docx: "宋体\\"; }", ', "fonts.song.docx", "字体名不能含引号"),
    ("  font: song\n", "  font: songti\n", "page_number.font", "字体角色“songti”没有在 fonts 中定义"),
    ("  heading-1: {font: hei}", "  heading-1: {font: heiti}", "roles.heading-1.font", "字体角色“heiti”没有在 fonts 中定义"),
    ("  body: {}", "  'body{}': {}", "roles.body{}", "名称只能用小写英文字母"),
    ("size: 22pt, indent: 0, align: center}", "size: .inf, indent: 0, align: center}", "roles.title.size", "应为有限的数"),
    ('format: "— {n} —"', 'format: "第 {n} 页 {x}"', "page_number.format", "页码格式应含一个 {n}"),
    ("pdf: [SimSun,", "pdf: [../../outside.ttf, SimSun,", "fonts.song.pdf[0]", "字体文件“../../outside.ttf”在模板目录之外"),
])
def test_every_style_value_is_typed(tmp_path: Path, old: str, new: str, field: str, message: str) -> None:
    root, text = _style_copy(tmp_path, old, new)
    with pytest.raises(ReplyError) as info:
        load_style(root / "style.yaml")
    [problem] = info.value.problems
    assert problem.field == field and message in problem.message, str(problem)
    assert problem.location is not None and problem.location.path == root / "style.yaml"
    assert problem.location.line == _line(text, new.strip())


def test_a_template_cannot_slip_markup_into_the_pdf(tmp_path: Path, beacon: Beacon) -> None:
    """An unknown class (here one that would close the attribute and add a style) is refused when composing."""
    root, _ = _style_copy(tmp_path, "", "")
    path = root / "reply" / "proposal.html.j2"
    anchor = "{% block addressee_title %}委员{% endblock %}"
    hostile = f"<span class='lead\" style=\"background-image: url({beacon.url})'>委员</span>"
    path.write_text(path.read_text(encoding="utf-8").replace(anchor, anchor.replace("委员", hostile)), encoding="utf-8")
    out = tmp_path / "out"
    result = _render("-o", str(out), "--format", "pdf", "--templates", str(root), cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert f"{path}: 模板用了样式中没有的行内角色“lead\" style=" in result.stderr, result.stderr
    assert beacon.requests == []


def test_the_pdf_writer_fetches_only_what_replygen_put_there(templates: Templates, beacon: Beacon,
                                                               tmp_path: Path) -> None:
    """With the checks before it bypassed: a hostile role is escaped, a hostile page-number format (or a local
    file URL) is refused, never fetched."""
    from replygen.writers.pdf import render_pdf

    doc = Document((Paragraph("body", (Run("正文", f'lead" style="background-image: url({beacon.url})'),)),))
    assert render_pdf(doc, templates.style).startswith(b"%PDF")
    picture = tmp_path / "x.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n")
    for url in (beacon.url, picture.as_uri()):
        pn = templates.style.page_number.model_copy(update={"format": f'{{n}}"; background-image: url("{url}"); x: "'})
        hostile = templates.style.model_copy(update={"page_number": pn})
        with pytest.raises(ReplyError) as info:
            render_pdf(Document((Paragraph("body", (Run("正文"),)),)), hostile)
        assert f"PDF 引用了不是本程序放入的资源（{url}），已拒绝读取" in str(info.value)
    assert beacon.requests == []
