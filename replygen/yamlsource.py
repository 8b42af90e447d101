"""Safe YAML loading that remembers where every value came from.

Only plain data is accepted: no tags beyond YAML's own scalars, no aliases (so no alias bombs), no duplicate keys.
Every mapping key and value keeps its line and column, so later stages can point a clerk at the exact place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from replygen.errors import Location, ReplyError

DataPath = tuple[str | int, ...]


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses aliases; anchors alone are harmless."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise yaml.MarkedYAMLError(problem="不允许使用别名（*alias）：回复内容不需要它，且它可被用来制造“别名炸弹”",
                                       problem_mark=mark)
        return super().compose_node(parent, index)


@dataclass
class YamlSource:
    """Data loaded from one YAML file, with the position of each value (`marks`) and key (`key_marks`)."""

    path: Path
    data: Any
    marks: dict[DataPath, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[DataPath, tuple[int, int]] = field(default_factory=dict)

    def locate(self, data_path: Sequence[str | int], *, key: bool = False) -> Location:
        """The position of a value (or of its key), falling back to the nearest enclosing value."""
        p = tuple(data_path)
        if key and p in self.key_marks:
            line, col = self.key_marks[p]
            return Location(self.path, line, col)
        while p not in self.marks and p:
            p = p[:-1]
        line, col = self.marks.get(p, (1, 1))
        return Location(self.path, line, col)

    def resolve(self, loc: Sequence[str | int]) -> DataPath:
        """Map a validator's error path onto a path through the data, skipping steps the data does not have
        (union tags and the like)."""
        node, out = self.data, []
        for step in loc:
            if (isinstance(node, dict) and step in node) or (isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node)):
                node = node[step]
            else:
                continue
            out.append(step)
        return tuple(out)


_PROBLEMS = {
    "found character '\\t' that cannot start any token": "不能使用制表符（Tab），请用空格缩进",
    "mapping values are not allowed here": "此处不能出现“: ”；如果文字中含有半角冒号加空格，请给整段文字加引号",
    "found undefined alias": "不允许使用别名（*alias）",
    "expected <block end>, but found '<block mapping start>'": "缩进不一致：同一层的键应左对齐",
    "could not find expected ':'": "找不到“:”：每一项应写成“键: 值”，或文字跨行时请加引号或用“|”",
    "found unexpected end of stream": "文件意外结束：可能有未闭合的引号或括号",
}


def _problem_text(err: yaml.MarkedYAMLError) -> str:
    problem = err.problem or str(err)
    if problem.startswith("could not determine a constructor for the tag"):
        tag = problem.split("tag", 1)[1].strip(" '")
        return f"不接受 YAML 标签 {tag}：回复文件只能包含普通数据（文字、数字、日期、列表、映射）"
    for english, chinese in _PROBLEMS.items():
        if problem.startswith(english):
            return chinese
    return f"YAML 语法错误：{problem}"


def _decode(raw: bytes, path: Path) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        raise ReplyError.at(f"文件不是 UTF-8 编码（第 {exc.start} 字节 0x{raw[exc.start]:02X} 无法解码）；"
                            "请在编辑器中另存为 UTF-8", path, line, column) from None


def load_yaml(path: Path, text: str | None = None) -> YamlSource:
    """Load one YAML file safely, keeping positions. Raises ReplyError for anything that is not plain data."""
    if text is None:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise ReplyError.at(f"无法读取文件：{exc.strerror}", path) from None
        text = _decode(raw, path)
    if not text.strip():
        raise ReplyError.at("文件为空：应包含一份回复的内容（见 content/2026/245.yaml 示例）", path)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        source = YamlSource(path, None)
        source.data = None if node is None else _construct(loader, node, (), source)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise ReplyError.at(_problem_text(err), path, line, col) from None
    except yaml.YAMLError as err:
        raise ReplyError.at(f"YAML 错误：{err}", path) from None
    finally:
        loader.dispose()
    if source.data is None:
        raise ReplyError.at("文件中没有内容（只有注释？）", path)
    return source


_PLAIN_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


def _construct(loader: _Loader, node: yaml.Node, at: DataPath, source: YamlSource) -> Any:
    source.marks[at] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if not isinstance(node, yaml.ScalarNode) and node.tag not in _PLAIN_TAGS:
        raise yaml.MarkedYAMLError(problem=f"could not determine a constructor for the tag {node.tag!r}",
                                   problem_mark=node.start_mark)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise yaml.MarkedYAMLError(problem="不允许使用合并键（<<）", problem_mark=key_node.start_mark)
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int):
                raise yaml.MarkedYAMLError(problem="键应为文字", problem_mark=key_node.start_mark)
            if key in out:
                raise yaml.MarkedYAMLError(problem=f"重复的键“{key}”：同一层中每个键只能出现一次",
                                           problem_mark=key_node.start_mark)
            source.key_marks[(*at, key)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            out[key] = _construct(loader, value_node, (*at, key), source)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(loader, item, (*at, i), source) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)
