"""The template cache serves only what the environment at hand would compile itself, and failing it is harmless."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import jinja2
import pytest

from replygen.compose import DEFAULT_TEMPLATES, Templates, UnsafeTemplate, cn_date, cn_number
from replygen.errors import ReplyError
from replygen.load import load_reply
from replygen.sandbox import ReplySandbox
from replygen.templatecache import TemplateCache, environment_key

from conftest import SEED_YAML


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("REPLYGEN_CACHE_DIR", str(folder))
    return folder


@pytest.fixture()
def template_copy(tmp_path: Path) -> Path:
    root = tmp_path / "templates"
    shutil.copytree(DEFAULT_TEMPLATES, root)
    return root


class Counted:
    """Counts Jinja's parses and compilations while it is in place."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.parsed = self.compiled = 0
        parse, compile_ = jinja2.Environment._parse, jinja2.Environment.compile

        def counted_parse(env, *args, **kwargs):
            self.parsed += 1
            return parse(env, *args, **kwargs)

        def counted_compile(env, *args, **kwargs):
            self.compiled += 1
            return compile_(env, *args, **kwargs)

        monkeypatch.setattr(jinja2.Environment, "_parse", counted_parse)
        monkeypatch.setattr(jinja2.Environment, "compile", counted_compile)


def _text(root: Path) -> str:
    return Templates.open(root).compose(load_reply(SEED_YAML)).text


def test_a_second_process_loads_what_the_first_compiled(cache: Path, template_copy: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    first = _text(template_copy)
    count = Counted(monkeypatch)
    assert _text(template_copy) == first
    assert (count.parsed, count.compiled) == (0, 0)
    [folder] = cache.iterdir()
    assert folder.name.startswith("templates-") and (folder.stat().st_mode & 0o077) == 0


def test_a_changed_template_is_compiled_again(cache: Path, template_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _text(template_copy)
    path = template_copy / "reply" / "proposal.html.j2"
    path.write_text(path.read_text(encoding="utf-8").replace("答复如下", "回复如下"), encoding="utf-8")
    count = Counted(monkeypatch)
    assert "现将办理情况回复如下：" in _text(template_copy)
    assert count.compiled == 1


def test_code_cached_from_the_sandbox_is_still_sandboxed(cache: Path, template_copy: Path) -> None:
    path = template_copy / "reply" / "proposal.html.j2"
    anchor = "{% block addressee_title %}委员"
    text = path.read_text(encoding="utf-8")
    assert anchor in text
    path.write_text(text.replace(anchor, anchor + "{{ 'a' * 10**9 }}"), encoding="utf-8")
    for _ in range(2):  # compiled, then loaded from the cache
        with pytest.raises(ReplyError, match="模板产生的值过大"):
            _text(template_copy)


def test_a_refused_template_is_refused_from_the_cache_too(cache: Path, template_copy: Path) -> None:
    path = template_copy / "reply" / "blocks.html.j2"
    path.write_text(path.read_text(encoding="utf-8") + "{{ reply.__class__ }}\n", encoding="utf-8")
    for _ in range(2):  # the scan's findings kept, then read from the cache
        with pytest.raises(UnsafeTemplate, match="“__class__”"):
            Templates.open(template_copy)


class Loose(ReplySandbox):
    """A sandbox configured otherwise: `+` no longer checked."""

    intercepted_binops = frozenset({"*", "**", "%"})


def _env(cls: type[ReplySandbox], root: Path, **filters) -> ReplySandbox:
    return cls(root, {"cn": cn_number, "cn_date": cn_date, **filters})


def test_each_sandbox_configuration_has_a_cache_of_its_own(template_copy: Path) -> None:
    untrimmed = _env(ReplySandbox, template_copy)
    untrimmed.trim_blocks = False
    keys = {environment_key(_env(ReplySandbox, template_copy)), environment_key(_env(Loose, template_copy)),
            environment_key(_env(ReplySandbox, template_copy, extra=str)), environment_key(untrimmed)}
    assert len(keys) == 4 and None not in keys
    assert environment_key(_env(ReplySandbox, template_copy)) == environment_key(_env(ReplySandbox, DEFAULT_TEMPLATES))


def test_code_compiled_under_one_configuration_is_not_loaded_under_another(cache: Path, template_copy: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    strict, loose = _env(ReplySandbox, template_copy), _env(Loose, template_copy)
    strict.bytecode_cache, loose.bytecode_cache = TemplateCache.for_environment(strict), TemplateCache.for_environment(loose)
    strict.get_template("reply/blocks.html.j2")
    count = Counted(monkeypatch)
    loose.get_template("reply/blocks.html.j2")
    assert count.compiled == 1
    assert len(list(cache.iterdir())) == 2


def test_corrupt_or_truncated_cache_files_are_compiled_again(cache: Path, template_copy: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    first = _text(template_copy)
    [folder] = cache.iterdir()
    files = sorted(folder.iterdir())
    for k, path in enumerate(files):
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2] if k % 2 else data[:-1] + bytes([data[-1] ^ 1]))
    count = Counted(monkeypatch)
    assert _text(template_copy) == first
    assert count.compiled == len([p for p in files if p.suffix == ".code"]) and count.parsed > count.compiled
    count.parsed = count.compiled = 0
    assert _text(template_copy) == first  # written anew
    assert (count.parsed, count.compiled) == (0, 0)


@pytest.mark.parametrize("where", ["a file", "unwritable", "shared"])
def test_without_a_usable_cache_folder_templates_compile_as_before(tmp_path: Path, template_copy: Path,
                                                                   monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    root = tmp_path / "cache"
    if where == "a file":
        root.write_text("not a folder")
    else:
        root.mkdir()
        (root / f"templates-{environment_key(_env(ReplySandbox, template_copy))}").mkdir(mode=0o777)
        os.chmod(root / f"templates-{environment_key(_env(ReplySandbox, template_copy))}", 0o777)
    monkeypatch.setenv("REPLYGEN_CACHE_DIR", str(root))
    if where == "unwritable":  # as root, permissions do not stop a write: make every write fail instead
        monkeypatch.setattr(TemplateCache, "for_environment", classmethod(lambda cls, env: cls(root / "gone")))
    templates = Templates.open(template_copy)
    assert templates.env.bytecode_cache is None or where == "unwritable"
    assert "现将办理情况答复如下：" in templates.compose(load_reply(SEED_YAML)).text
    if where == "shared":  # a folder others may write to is not read, nor written
        assert not any((root / f"templates-{environment_key(templates.env)}").iterdir())


def test_a_cache_folder_keeps_a_bounded_number_of_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from replygen import cachedir

    monkeypatch.setattr(cachedir, "MAX_FILES", 10)
    for i in range(25):
        path = tmp_path / f"{i:02d}"
        cachedir.write_whole(path, b"x" * i)
        os.utime(path, (i, i))
    kept = sorted(p.name for p in tmp_path.iterdir())
    assert 5 <= len(kept) <= 10 and kept[-1] == "24"  # the newest stay
    assert cachedir.read_whole(tmp_path / "24") == b"x" * 24


def test_a_marshalled_dict_is_read_only_when_whole(tmp_path: Path) -> None:
    """The regular expression and selector caches' files: anything but a whole marshalled dict reads as empty."""
    import marshal

    from replygen import cachedir

    path = tmp_path / "kept"
    assert cachedir.read_marshalled_dict(path) == {}  # missing
    cachedir.write_whole(path, marshal.dumps({"a": (1, 2)}))
    assert cachedir.read_marshalled_dict(path) == {"a": (1, 2)}
    path.write_bytes(path.read_bytes()[:-3])  # cut short: its digest no longer checks out
    assert cachedir.read_marshalled_dict(path) == {}
    for body in (b"\x00not marshal", marshal.dumps([("a", 1)]), b""):
        cachedir.write_whole(path, body)
        assert cachedir.read_marshalled_dict(path) == {}
