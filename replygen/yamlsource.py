"""Safe YAML loading that remembers where every value came from.

Only plain data is accepted: no tags beyond YAML's own scalars, no aliases (so no alias bombs), no duplicate keys.
Every mapping key and value keeps its line and column, so later stages can point a clerk at the exact place.
"""

from __future__ import annotations

import re
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


_PROBLEMS = [  # PyYAML's problem text (a regex from its start) → what to tell the clerk; {0}: the character met
    (r"found (a tab character|character '\\t')", "不能使用制表符（Tab），请用空格缩进"),
    (r"mapping values are not allowed here", "此处不能出现“: ”；如果文字中含有半角冒号加空格，请给整段文字加引号"),
    (r"found undefined alias", "不允许使用别名（*alias）"),
    (r"expected <block end>, but found '<block mapping start>'", "缩进不一致：同一层的键应左对齐"),
    (r"expected <block end>, but found '-'", "缩进不一致：列表项“- ”应与同一列表的其他项左对齐"),
    (r"expected <block end>, but found '<scalar>'", "此处多出了文字：引号结束后同一行不能再有内容（整段文字应放在一对引号之内），或缩进不一致"),
    (r"expected <block end>", "缩进不一致：请检查本行与上一层的缩进"),
    (r"did not find expected '-' indicator", "列表项应以“- ”开头，并与同一列表的其他项左对齐"),
    (r"did not find expected key", "缩进不一致或缺少“键:”：请检查本行的缩进"),
    (r"could not find expected ':'", "找不到“:”：每一项应写成“键: 值”，或文字跨行时请加引号或用“|”"),
    (r"found unexpected end of stream", "文件意外结束：可能有未闭合的引号或括号"),
    (r"expected ',' or '\]', but got '?([^']*)'?", "方括号列表 [ ] 中此处应为“,”或“]”，却是“{0}”：列表未闭合，或其中的文字含半角符号，需加引号"),
    (r"expected ',' or '}', but got '?([^']*)'?", "花括号 {{ }} 中此处应为“,”或“}}”，却是“{0}”：花括号未闭合，或其中的文字含半角符号，需加引号"),
    (r"expected a comment or a line break, but found '?([^']*)'?", "引号已结束，同一行后面还有“{0}”：整段文字应放在一对引号之内"),
    (r"found unknown escape character '?([^']*)'?", "双引号中的“\\{0}”不是有效的转义：反斜杠请写成“\\\\”，或改用单引号"),
    (r"found character '?([^']*)'? that cannot start any token", "“{0}”不能作为一段文字的开头：请给整段文字加引号"),
    (r"expected alphabetic or numeric character, but found", "以“&”或“*”开头的文字要加引号（YAML 中它们表示锚点和别名）"),
    (r"expected chomping or indentation indicators", "“|”或“>”之后应直接换行，文字从下一行开始"),
    (r"expected the node content, but found '<stream end>'", "文件意外结束：可能有未闭合的引号或括号"),
    (r"expected the node content, but found '?([^']*)'?", "此处缺少内容，却遇到“{0}”"),
    (r"but found another document", "一个文件只能写一份答复：文件中出现了第二个“---”"),
    (r"expected '<document start>', but found", "一份答复之后还有多余的内容：请检查缩进，或删去多余的“...”/“---”"),
    (r"found duplicate anchor", "不允许使用锚点（&anchor）"),
]


_TOKENS = {"<scalar>": "文字", "<block mapping start>": "新的键", "<block sequence start>": "列表",
           "<block end>": "缩进的结束", "<stream end>": "文件结尾", "<document start>": "“---”",
           "<flow mapping start>": "{", "<flow sequence start>": "["}


def _problem_text(err: yaml.MarkedYAMLError) -> str:
    problem = err.problem or str(err)
    if problem.startswith("could not determine a constructor for the tag"):
        tag = problem.split("tag", 1)[1].strip(" '")
        return f"不接受 YAML 标签 {tag}：回复文件只能包含普通数据（文字、数字、日期、列表、映射）"
    for pattern, chinese in _PROBLEMS:
        if m := re.match(pattern, problem):
            return chinese.format(*(_TOKENS.get(token, token) for token in m.groups()))
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
