"""Templates are untrusted: they run sandboxed, with autoescape and StrictUndefined; errors name file and line."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from jinja2.exceptions import SecurityError

from replygen.compose import DEFAULT_TEMPLATES, Templates, UnsafeTemplate
from replygen.errors import Location, ReplyError
from replygen.load import load_reply

from conftest import SEED_YAML


@pytest.fixture()
def template_copy(tmp_path: Path) -> Path:
    root = tmp_path / "templates"
    shutil.copytree(DEFAULT_TEMPLATES, root)
    return root


def _patch(root: Path, old: str, new: str) -> None:
    path = root / "reply" / "proposal.html.j2"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_changed_wording_in_a_template_copy_changes_the_reply(template_copy: Path) -> None:
    _patch(template_copy, "答复如下", "回复如下")
    doc = Templates.open(template_copy).compose(load_reply(SEED_YAML))
    assert "现将办理情况回复如下：" in doc.text


@pytest.mark.parametrize("attack", [
    "{{ reply.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ reply.body.append(1) }}",
])
def test_hostile_template_is_refused_with_file_and_line(template_copy: Path, attack: str) -> None:
    _patch(template_copy, "{% block addressee_title %}委员{% endblock %}",
           "{% block addressee_title %}委员" + attack + "{% endblock %}")
    with pytest.raises(ReplyError) as info:
        Templates.open(template_copy).compose(load_reply(SEED_YAML))
    problem = info.value.problems[0]
    lines = (template_copy / "reply" / "proposal.html.j2").read_text(encoding="utf-8").splitlines()
    assert problem.location is not None and problem.location.path.name == "proposal.html.j2"
    assert attack in lines[problem.location.line - 1]
    assert "模板" in problem.message


def test_missing_value_is_an_error_not_a_gap(template_copy: Path) -> None:
    _patch(template_copy, "{{ reply.subject }}", "{{ reply.subjet }}")
    with pytest.raises(ReplyError) as info:
        Templates.open(template_copy).compose(load_reply(SEED_YAML))
    assert "不存在的值" in info.value.problems[0].message
    assert "subjet" in info.value.problems[0].message


def test_syntax_error_names_the_template_line(template_copy: Path) -> None:
    _patch(template_copy, "{% endblock %}\n{% block addressee_title %}", "{% endblok %}\n{% block addressee_title %}")
    with pytest.raises(ReplyError) as info:
        Templates.open(template_copy).compose(load_reply(SEED_YAML))
    assert "模板语法错误" in str(info.value) and "proposal.html.j2:" in str(info.value)


def test_content_is_data_not_markup_or_template_code(tmp_path: Path, templates: Templates) -> None:
    src = tmp_path / "r.yaml"
    src.write_text(SEED_YAML.read_text(encoding="utf-8").replace(
        "subject: 关于分层分类推动上海市标准化制度建设工作的提案",
        "subject: '{{ 7*7 }}<b>加粗</b>&amp;'"), encoding="utf-8")
    doc = templates.compose(load_reply(src))
    assert "“{{ 7*7 }}<b>加粗</b>&amp;”收悉" in doc.text


def test_a_module_in_the_context_shows_none_of_its_attributes(templates: Templates) -> None:
    import os

    with pytest.raises(SecurityError):
        templates.env.from_string("{{ m.path }}").render(m=os)


# --- what a templates folder may read ------------------------------------------------------------------------

SECRET = "机密-7f3a"
ANCHOR = "{% block addressee_title %}委员{% endblock %}"


def _cli(*args: str, cwd: Path, env: dict[str, str] | None = None, memory_mb: int = 600,
         timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The command, with its memory capped: a template that escapes its bounds must not take the machine down."""
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_DATA, (memory_mb * 1024 * 1024, resource.RLIM_INFINITY))

    return subprocess.run([sys.executable, "-m", "replygen", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, preexec_fn=cap, env={**os.environ, **(env or {})})


def _insert(root: Path, text: str) -> int:
    """Put `text` into the proposal's addressee block; the line it is on."""
    _patch(root, ANCHOR, ANCHOR.replace("委员", "委员" + text))
    lines = (root / "reply" / "proposal.html.j2").read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


def _docx_text(path: Path) -> str:
    import docx

    return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)


LINK_COMMANDS = {  # command: (arguments, exit code)
    "render": (["render", str(SEED_YAML), "--format", "docx"], 1),
    "review": (["review", str(SEED_YAML), "--base", str(DEFAULT_TEMPLATES)], 2),  # its HTML report shows text
}


@pytest.mark.parametrize("command", LINK_COMMANDS)
def test_a_link_out_of_the_folder_is_refused_and_nothing_is_written(template_copy: Path, tmp_path: Path,
                                                                   command: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    (template_copy / "reply" / "evil.txt").symlink_to(secret)
    _insert(template_copy, "{% include 'reply/evil.txt' %}")
    args, code = LINK_COMMANDS[command]
    out = tmp_path / "out"
    result = _cli(*args, "-o", str(out), "--templates", str(template_copy), cwd=tmp_path, memory_mb=2000)
    assert result.returncode == code, result.stderr
    assert f"{template_copy / 'reply' / 'evil.txt'}: 符号链接指向模板目录之外" in result.stderr
    assert SECRET not in result.stderr + result.stdout
    assert not out.exists() or not any(out.rglob("*"))


@pytest.mark.parametrize("link", ["reply/evil.html.j2", "reply/elsewhere", "style.yaml", "issuers/shsmj.yaml"])
def test_links_inside_the_folder_work_and_links_leaving_it_are_refused(template_copy: Path, tmp_path: Path,
                                                                        link: str) -> None:
    (template_copy / "parts").mkdir()
    (template_copy / "reply" / "blocks.html.j2").rename(template_copy / "parts" / "blocks.html.j2")
    (template_copy / "reply" / "blocks.html.j2").symlink_to(template_copy / "parts" / "blocks.html.j2")
    (template_copy / "shared").symlink_to("reply", target_is_directory=True)
    _patch(template_copy, '{% extends "reply/base.html.j2" %}', '{% extends "shared/base.html.j2" %}')
    assert "现将办理情况答复如下" in Templates.open(template_copy).compose(load_reply(SEED_YAML)).text

    outside = tmp_path / "outside"
    shutil.copytree(template_copy / "reply", outside / "reply")
    shutil.copy(template_copy / "style.yaml", outside / "style.yaml")
    shutil.copytree(template_copy / "issuers", outside / "issuers")
    target = template_copy / link
    if target.exists():
        target.unlink()
    target.symlink_to(outside / link if (outside / link).exists() else outside)
    with pytest.raises(UnsafeTemplate) as info:
        Templates.open(template_copy)
    assert [str(p) for p in info.value.problems] == [
        f"{target}: 符号链接指向模板目录之外（{target.resolve()}），已拒绝：模板目录中的文件只能链接到目录之内"]


@pytest.mark.parametrize(("include", "why"), [
    ("style.yaml", "“style.yaml”不是模板文件"),
    ("reply/notes.txt", "“reply/notes.txt”不是模板文件"),
    ("/etc/hostname", "“/etc/hostname”在模板目录之外"),
    ("../outside.html.j2", "“../outside.html.j2”在模板目录之外"),
])
def test_a_template_includes_only_templates_of_its_folder(template_copy: Path, include: str, why: str) -> None:
    """Checked when the folder is opened, at the line of the include: every file the loader could load is then
    scanned too (notes.txt names __class__, which the scan of .j2 files alone used to miss)."""
    (template_copy / "reply" / "notes.txt").write_text("{{ reply.__class__.__mro__ }}", encoding="utf-8")
    (template_copy.parent / "outside.html.j2").write_text(SECRET, encoding="utf-8")
    line = _insert(template_copy, f"{{% include '{include}' %}}")
    with pytest.raises(UnsafeTemplate) as info:
        Templates.open(template_copy)
    assert [str(p) for p in info.value.problems] == [
        f"{template_copy / 'reply' / 'proposal.html.j2'}:{line}: 引用的{why}"
        + ("，已拒绝：模板只能引用模板目录中以 .j2 结尾的文件" if "不是模板" in why else
           f"（指向 {Path('/etc/hostname') if include.startswith('/') else template_copy.parent / 'outside.html.j2'}）"
           "，已拒绝：模板只能引用模板目录中的文件")]


def test_an_include_built_at_run_time_is_refused_at_its_line(template_copy: Path) -> None:
    line = _insert(template_copy, "{% include '../' ~ 'outside.html.j2' %}")
    (template_copy.parent / "outside.html.j2").write_text(SECRET, encoding="utf-8")
    with pytest.raises(UnsafeTemplate) as info:
        Templates.open(template_copy).compose(load_reply(SEED_YAML))
    problem = info.value.problems[0]
    assert problem.location == Location(template_copy / "reply" / "proposal.html.j2", line)
    assert "在模板目录之外" in problem.message and SECRET not in problem.message


# --- issuer: an id, never a path -------------------------------------------------------------------------------

def test_issuer_must_be_a_profile_id_not_a_path(tmp_path: Path) -> None:
    profile = tmp_path / "elsewhere" / "evil.yaml"
    profile.parent.mkdir()
    shutil.copy(DEFAULT_TEMPLATES / "issuers" / "shsmj.yaml", profile)
    text = SEED_YAML.read_text(encoding="utf-8")
    relative = os.path.relpath(profile.with_suffix(""), DEFAULT_TEMPLATES / "issuers")
    src = tmp_path / "reply.yaml"
    src.write_text(text.replace("issuer: shsmj", f"issuer: {relative}"), encoding="utf-8")
    out = tmp_path / "out"
    result = _cli("render", str(src), "-o", str(out), "--format", "docx", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    line = text[: text.index("issuer: shsmj")].count("\n") + 1
    assert f"{src}:{line}:9: 字段 issuer：应为 templates/issuers/ 中档案的文件名（不含 .yaml）：不含“/”" in result.stderr
    assert not out.exists() or not any(out.rglob("*"))


def test_an_absolute_issuer_path_is_never_read(tmp_path: Path) -> None:
    other = tmp_path / "settings.yaml"
    other.write_text("database_password: hunter2\n", encoding="utf-8")
    src = tmp_path / "reply.yaml"
    src.write_text(SEED_YAML.read_text(encoding="utf-8").replace("issuer: shsmj", f"issuer: {other.with_suffix('')}"),
                   encoding="utf-8")
    with pytest.raises(ReplyError) as info:  # the model refuses it; compose would too (paths.inside)
        Templates.open(DEFAULT_TEMPLATES).compose(load_reply(src))
    [problem] = info.value.problems
    assert problem.field == "issuer" and problem.location is not None and problem.location.path == src
    assert "database_password" not in problem.message and "不含“/”" in problem.message


# --- runaway templates ------------------------------------------------------------------------------------------

RUNAWAY = {
    # attack: (template text, environment, expected message)
    "huge string": ("{{ 'a' * 10**9 }}", {}, "模板产生的值过大（超过 10,000,000 个字符或元素），已停止"),
    "huge string measured": ("{{ ('x' * 200000000)|length }}", {}, "模板产生的值过大"),
    "huge number": ("{{ 7 ** 10000000 }}", {}, "模板算出的数过大"),
    "nested loops": ("{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}", {},
                     "模板执行的循环和调用超过 1,000,000 次，已停止"),
    "exponential macro": ("{% macro f(n) %}{% if n < 60 %}{{ f(n + 1) }}{{ f(n + 1) }}{% endif %}{% endmacro %}"
                          "{{ f(0) }}", {"REPLYGEN_RENDER_SECONDS": "1"}, "模板运行超过每份答复 1 秒的上限，已停止"),
    "deep recursion": ("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", {}, "模板递归过深"),
    "output": ("{% set x = 'x' * 9000000 %}{% for i in range(99999) %}{{ x }}{% endfor %}", {},
               "模板输出的文字超过 50,000,000 字，已停止"),
}


@pytest.mark.parametrize("attack", RUNAWAY)
def test_a_runaway_template_stops_at_its_line_in_chinese(template_copy: Path, tmp_path: Path, attack: str) -> None:
    text, env, message = RUNAWAY[attack]
    line = _insert(template_copy, text)
    out = tmp_path / "out"
    result = _cli("render", str(SEED_YAML), "-o", str(out), "--format", "docx", "--templates", str(template_copy),
                  cwd=tmp_path, env=env)
    assert result.returncode == 1, result.stderr
    assert f"{template_copy / 'reply' / 'proposal.html.j2'}:{line}: {message}" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists() or not any(out.rglob("*"))


@pytest.mark.parametrize(("attack", "name"), [
    ("{{ reply.body.append(1) }}", "“append”"),
    ("{{ '{0.__class__}'.format(reply) }}", "“__class__”"),
    ("{{ reply|attr('_' ~ '_dict_' ~ '_') }}", "“__dict__”"),
])
def test_sandbox_refusals_are_in_chinese(template_copy: Path, attack: str, name: str) -> None:
    line = _insert(template_copy, attack)
    with pytest.raises(UnsafeTemplate) as info:
        Templates.open(template_copy).compose(load_reply(SEED_YAML))
    [problem] = info.value.problems
    assert problem.location == Location(template_copy / "reply" / "proposal.html.j2", line)
    assert problem.message.startswith("模板试图访问不安全的内容，已被沙箱拒绝：不能访问")
    assert name in problem.message and "unsafe" not in problem.message


def test_a_template_that_writes_no_paragraph_is_an_error(template_copy: Path, tmp_path: Path) -> None:
    (template_copy / "reply" / "proposal.html.j2").write_text("{# 空 #}\n", encoding="utf-8")
    out = tmp_path / "out"
    result = _cli("render", str(SEED_YAML), "-o", str(out), "--format", "docx", "--templates", str(template_copy),
                  cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert f"{template_copy / 'reply' / 'proposal.html.j2'}: 模板没有写出任何段落" in result.stderr
    assert not out.exists() or not any(out.rglob("*"))
