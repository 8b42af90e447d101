"""Templates are untrusted: they run sandboxed, with autoescape and StrictUndefined; errors name file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from jinja2.exceptions import SecurityError

from replygen.compose import DEFAULT_TEMPLATES, Templates
from replygen.errors import ReplyError
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
