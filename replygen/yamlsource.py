"""Safe YAML loading that remembers where every value came from.

Only plain data is accepted: no tags beyond YAML's own scalars, no aliases (so no alias bombs), no duplicate keys,
no nesting deeper than any reply needs, no file larger than Limits.yaml_kb. Every mapping key and value keeps its
line and column, and every scalar its node (lint edits the text at the nodes' spans), so later stages can point a
clerk at the exact place.

This is the one place where YAML text becomes data, so it is the one place where whatever a document provokes on
the way (a syntax slip, a character YAML refuses, a date that does not exist, a number too long for Python,
nesting deep enough to exhaust the stack) becomes a ReplyError at a line and column, in Chinese.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from replygen.errors import Location, ReplyError, char_name, shown
from replygen.limits import Limits, too_large, variable

DataPath = tuple[str | int, ...]

MAX_DEPTH = 50
"""Nesting a reply never reaches (four heading levels take about fifteen); deeper is a slip or an attack, refused
before the composer's recursion exhausts Python's stack."""

_TOO_DEEP = f"嵌套超过 {MAX_DEPTH} 层：可能有未闭合的方括号或花括号，或缩进有误"

MAX_INT_BITS = 64
"""Integers beyond this are no serial number or count: refused, as Python cannot even print some of them."""


class _Refused(yaml.MarkedYAMLError):
    """A problem already worded in Chinese, at a mark; `at`: the value's data path when it has one."""

    def __init__(self, problem: str, problem_mark: yaml.Mark, at: DataPath | None = None) -> None:
        super().__init__(problem=problem, problem_mark=problem_mark)
        self.at = at


def field_name(data_path: DataPath) -> str:
    """A data path as clerks read it in messages: body[2].achievements.items[0]."""
    out = ""
    for step in data_path:
        out += f"[{step}]" if isinstance(step, int) else (f".{shown(step)}" if out else shown(step))
    return out or "（顶层）"


class _Checks:
    """What both loaders refuse while composing: aliases (anchors alone are harmless) and nesting deeper than
    MAX_DEPTH."""

    depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise _Refused("不允许使用别名（*alias）：回复内容不需要它，且它可被用来制造“别名炸弹”",
                           self.peek_event().start_mark)
        if self.depth >= MAX_DEPTH:
            raise _Refused(_TOO_DEEP, self.peek_event().start_mark)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class _Loader(_Checks, yaml.SafeLoader):
    """PyYAML's own scanner and parser: slow (a 1 MB flow list takes 13 s), but its error texts are the ones
    _PROBLEMS words for clerks."""

    def fetch_flow_collection_start(self, token_class: Any) -> None:
        # The scanner keeps every unclosed [ or { as a possible key and rescans them all for each further token:
        # refused here, 10^5 brackets cost as little as 50.
        if self.flow_level >= MAX_DEPTH:
            raise _Refused(_TOO_DEEP, self.get_mark())
        super().fetch_flow_collection_start(token_class)


def _fast_loader() -> type | None:
    """libyaml's scanner and parser under PyYAML's composer (so that _Checks still sees every event): six times
    faster, with the same nodes and marks. None where PyYAML was built without libyaml."""
    try:
        from yaml._yaml import CParser
    except ImportError:
        return None

    class _FastLoader(_Checks, yaml.composer.Composer, CParser, yaml.constructor.SafeConstructor,
                      yaml.resolver.Resolver):
        def __init__(self, text: str) -> None:
            CParser.__init__(self, text)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            yaml.composer.Composer.__init__(self)

        def compose_scalar_node(self, anchor: Any) -> yaml.ScalarNode:
            node = super().compose_scalar_node(anchor)
            node.style = node.style or None  # libyaml says '' for a plain scalar, PyYAML None
            return node

    return _FastLoader


_LOADERS = tuple(loader for loader in (_fast_loader(), _Loader) if loader is not None)


@dataclass
class YamlSource:
    """Data loaded from one YAML file, with the position of each value (`marks`) and key (`key_marks`), and the
    node of each scalar value (`scalars`)."""

    path: Path
    data: Any
    marks: dict[DataPath, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[DataPath, tuple[int, int]] = field(default_factory=dict)
    scalars: dict[DataPath, yaml.ScalarNode] = field(default_factory=dict, repr=False)

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
    (r"failed to decode base64 data", "“!!binary”之后的内容不是有效的 Base64 数据；回复文件不需要二进制数据"),
]


_TOKENS = {"<scalar>": "文字", "<block mapping start>": "新的键", "<block sequence start>": "列表",
           "<block end>": "缩进的结束", "<stream end>": "文件结尾", "<document start>": "“---”",
           "<flow mapping start>": "{", "<flow sequence start>": "["}


def _problem_text(err: yaml.MarkedYAMLError) -> str:
    problem = err.problem or str(err)
    if isinstance(err, _Refused):
        return problem
    if problem.startswith("could not determine a constructor for the tag"):
        return _tag_refused(problem.split("tag", 1)[1].strip(" '"))
    for pattern, chinese in _PROBLEMS:
        if m := re.match(pattern, problem):
            return chinese.format(*(_TOKENS.get(token, shown(token)) for token in m.groups()))
    return f"YAML 语法错误：{shown(problem, 80)}"


def _tag_refused(tag: str) -> str:
    return f"不接受 YAML 标签 {shown(tag, 40)}：回复文件只能包含普通数据（文字、数字、日期、列表、映射）"


_UNREADABLE = {errno.ENOENT: "文件不存在", errno.EACCES: "没有读取权限", errno.EISDIR: "这是一个目录，不是文件"}


def _read(path: Path, limit: int) -> str:
    """The file's text, refused unread beyond its first `limit` bytes when it is larger."""
    try:
        with path.open("rb") as f:
            raw = f.read(limit + 1)
            size = max(len(raw), os.fstat(f.fileno()).st_size)
    except OSError as exc:
        raise ReplyError.at(f"无法读取文件：{_UNREADABLE.get(exc.errno, exc.strerror or type(exc).__name__)}", path) from None
    if size > limit:
        raise too_large(path, size, limit, variable("yaml_kb"))
    return _decode(raw, path)


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
    """Load one YAML file (or `text` as if it were that file) safely, keeping positions. Raises ReplyError, located
    in the file, for anything that is not plain data; never another exception (but MemoryError, which the render
    limits report)."""
    limit = Limits.from_env().yaml_bytes
    if text is None:
        text = _read(path, limit)
    elif len(text) > limit // 4 and (size := len(text.encode("utf-8", "surrogatepass"))) > limit:
        raise too_large(path, size, limit, variable("yaml_kb"))
    if not text.strip():
        raise ReplyError.at("文件为空", path, 1, 1)
    source = YamlSource(path, None)
    source.data = _parse(text, source)
    if source.data is None:
        raise ReplyError.at("文件中没有内容（只有注释？）", path, 1, 1)
    return source


def _parse(text: str, source: YamlSource) -> Any:
    """The document's data, read by the fast loader; a document it cannot read is read again by PyYAML's own,
    whose words _PROBLEMS turns into Chinese (errors are rare, and speed matters for every valid file)."""
    *fast, exact = _LOADERS
    for loader_class in fast:
        loader = None
        try:
            loader = loader_class(text)
            return _compose(loader, source)
        except _Refused as err:  # already worded for clerks, at its place
            raise _located(err, text, source, loader) from None
        except MemoryError:
            raise
        except Exception:
            source.marks.clear(), source.key_marks.clear(), source.scalars.clear()
        finally:
            if loader is not None:
                loader.dispose()
    loader = None
    try:
        loader = exact(text)
        return _compose(loader, source)
    except MemoryError:
        raise
    except Exception as exc:
        raise _located(exc, text, source, loader) from None
    finally:
        if loader is not None:
            loader.dispose()


def _compose(loader: Any, source: YamlSource) -> Any:
    node = loader.get_single_node()
    return None if node is None else _construct(loader, node, (), source)


def _located(exc: Exception, text: str, source: YamlSource, loader: Any) -> ReplyError:
    """Whatever reading the document raised, as a Chinese problem at its line and column."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark or (loader.get_mark() if loader else None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        at = getattr(exc, "at", None)
        return ReplyError.at(_problem_text(exc), source.path, line, col, field_name(at) if at else None)
    if isinstance(exc, yaml.reader.ReaderError):  # a character YAML does not allow anywhere in a file
        line, col = _line_column(text, exc.position)
        return ReplyError.at(f"文件中有不能使用的字符 {char_name(chr(exc.character))}：请删除它", source.path, line, col)
    mark = loader.get_mark() if loader else None  # a last resort: still located, never a traceback
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    return ReplyError.at(f"无法读取此处的内容（{type(exc).__name__}: {shown(exc, 60)}）", source.path, line, col)


def _line_column(text: str, offset: int) -> tuple[int, int]:
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


_PLAIN_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


def _construct(loader: _Loader, node: yaml.Node, at: DataPath, source: YamlSource) -> Any:
    source.marks[at] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if not isinstance(node, yaml.ScalarNode) and node.tag not in _PLAIN_TAGS:
        raise _Refused(_tag_refused(node.tag), node.start_mark, at)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise _Refused("不允许使用合并键（<<）", key_node.start_mark)
            key = _scalar(loader, key_node, at) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str | int):
                raise _Refused("键应为文字", key_node.start_mark, at)
            if key in out:
                raise _Refused(f"重复的键“{shown(key)}”：同一层中每个键只能出现一次", key_node.start_mark,
                               (*at, key))
            source.key_marks[(*at, key)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            out[key] = _construct(loader, value_node, (*at, key), source)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(loader, item, (*at, i), source) for i, item in enumerate(node.value)]
    source.scalars[at] = node
    return _scalar(loader, node, at)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _scalar(loader: _Loader, node: yaml.ScalarNode, at: DataPath | None = None) -> Any:
    """One scalar's value. YAML's resolvers hand every plain scalar that looks like a date, a time or a number to
    Python's constructors, which raise on what does not exist (2026-02-30, 25:00) or is too long (5,000 digits)."""
    try:
        value = loader.construct_object(node, deep=True)
    except (yaml.MarkedYAMLError, MemoryError):
        raise
    except Exception as exc:  # ValueError, KeyError (!!bool x), OverflowError … from the constructors
        raise _Refused(_unconstructable(node, exc), node.start_mark, at) from None
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise _Refused("数字太大：如果这是编号或文字，请加引号", node.start_mark, at)
    if isinstance(value, str) and (bad := _SURROGATE.search(value)):
        raise _Refused(f"第 {bad.start() + 1} 个字符是 {char_name(bad[0])}，无法保存为 UTF-8：请删除它"
                       "（双引号中的“\\u”转义不能单独写出 D800–DFFF）", node.start_mark, at)
    return value


_TIME_FIELDS = [("month", "月应为 1–12"), ("day", "该月没有这一天"), ("year", "年应为 1–9999"),
                ("hour", "时应为 0–23"), ("minute", "分应为 0–59"), ("second", "秒应为 0–59"),
                ("offset", "时区偏移应小于 24 小时")]


def _unconstructable(node: yaml.ScalarNode, exc: Exception) -> str:
    value, kind = shown(node.value), node.tag.rsplit(":", 1)[-1]
    if kind == "timestamp":
        why = next((chinese for word, chinese in _TIME_FIELDS if str(exc).startswith(word)), "无法读作日期")
        return f"日期“{value}”不存在：{why}；如果这是文字，请加引号"
    if kind == "int" and "digits" in str(exc):
        return "数字太长：如果这是编号或文字，请加引号"
    return f"“{value}”无法读作{_KINDS.get(kind, '标签 ' + shown(node.tag, 40) + ' 所指的类型')}；如果这是文字，请加引号"


_KINDS = {"int": "整数", "float": "小数", "bool": "布尔值", "null": "空值", "str": "文字"}
