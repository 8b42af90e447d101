"""YAML file → validated Reply, with every problem reported at its file:line:column in Chinese."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from replygen import model
from replygen.errors import Problem, ReplyError, char_name, shown
from replygen.yamlsource import DataPath, YamlSource, field_name, load_yaml


@dataclass(frozen=True)
class LoadedReply:
    reply: model.Reply
    source: YamlSource

    @property
    def path(self) -> Path:
        return self.source.path

    def error(self, message: str, *data_path: str | int) -> ReplyError:
        """An error about the value at data_path, located in the YAML file."""
        return ReplyError(Problem(message, self.source.locate(data_path), field_name(data_path)))


M = TypeVar("M", bound=BaseModel)


def load_model(path: Path, schema: type[M], text: str | None = None, **extra: Any) -> tuple[M, YamlSource]:
    """A YAML mapping validated against `schema` (with `extra` fields added), every problem located in the file."""
    source = load_yaml(path, text)
    if not isinstance(source.data, dict):
        kind = "列表" if isinstance(source.data, list) else "单个值"
        raise ReplyError.at(f"文件顶层应为映射（键: 值），而不是{kind}", path, 1, 1)
    try:
        return schema.model_validate({**source.data, **extra}), source
    except ValidationError as exc:
        raise ReplyError(translate(exc, source)) from None


def load_reply(path: Path, text: str | None = None) -> LoadedReply:
    reply, source = load_model(path, model.Reply, text)
    loaded = LoadedReply(reply, source)
    _check_depth(loaded, reply.body, ("body",), 1)
    return loaded


MAX_HEADING_DEPTH = 4  # GB/T 9704 numbers headings at four levels: 一、 （一） 1. （1）


def _check_depth(loaded: LoadedReply, blocks: list, at: DataPath, depth: int) -> None:
    for i, block in enumerate(blocks):
        if isinstance(block, model.SectionBlock):
            if depth > MAX_HEADING_DEPTH:
                raise loaded.error(f"标题最多四级（一、（一）1.（1）），这里是第 {depth} 级", *at, i, "section")
            _check_depth(loaded, block.section.body, (*at, i, "section", "body"), depth + 1)


def _all_fields() -> set[str]:
    names: set[str] = set(model.BLOCK_KINDS)
    for obj in vars(model).values():
        if isinstance(obj, type) and issubclass(obj, BaseModel):
            names.update(obj.model_fields)
    return names


_FIELDS = _all_fields()


def _did_you_mean(word: Any) -> str:
    if len(str(word)) > 40:  # no field name is that long; and difflib's time grows with it
        return ""
    import difflib  # only for a problem: not loaded by a cold command whose replies are all right

    close = difflib.get_close_matches(str(word), sorted(_FIELDS), n=1, cutoff=0.6)
    return f"；是不是“{close[0]}”？" if close else ""


_EXPECTED = {
    "string_type": "文字",
    "int_type": "整数",
    "int_from_float": "整数",
    "bool_type": "true 或 false",
    "date_type": "日期（写作 2026-05-20）",
    "list_type": "列表（每项以“- ”开头）",
    "model_type": "映射（键: 值）",
    "dict_type": "映射（键: 值）",
    "model_attributes_type": "映射（键: 值）",
}

_TOO_LONG_WHY = {
    "meta": f"它写入 DOCX 的文档属性，那里最多 {model.META_LIMIT} 字",
    "title": f"模板用它组成标题，标题写入 DOCX 的文档属性，那里最多 {model.META_LIMIT} 字",
}

_VALUE_ERRORS = {
    "empty_text": "不能为空",
    "item_empty": "每一项至少要有 lead（引领句）或 text（内容）",
    "salutation_empty": "主送应写明 names（姓名）、organisation（单位）或 text（全文）",
    "head_line": "版头的每一行应只写一个键：category、doc_number（可同行写 signer）、signer、organ、title 或 text",
    "title_needs_session": "没有写 title（标题）时，需要 session（会议届次）和 number（编号）来生成标题",
    "opening_needs_subject": "没有写 opening（开头语）时，需要 subject（提案标题）来生成开头语",
}


def _message(err: dict[str, Any]) -> tuple[str, bool]:
    """The Chinese message for one pydantic error, and whether it is an expectation that may be merged."""
    kind, ctx, value = err["type"], err.get("ctx", {}), err.get("input")
    if kind in _EXPECTED:
        return _EXPECTED[kind], True
    if kind == "literal_error":
        return "以下之一：" + ctx.get("expected", "").replace("'", "").replace(" or ", ", "), True
    if kind == "extra_forbidden":
        return "", False
    if kind == "missing":
        return "缺少必填字段", False
    if kind == "too_short":
        return f"至少需要 {ctx.get('min_length')} 项", False
    if kind in ("greater_than_equal", "greater_than"):
        return f"应不小于 {ctx.get('ge', ctx.get('gt'))}", False
    if kind == "block_kind":
        hint = ""
        if isinstance(value, dict) and len(value) == 1:
            hint = _did_you_mean(next(iter(value)))
        return ("正文的每一块应为一段文字，或只含一个键的映射：" + "、".join(model.BLOCK_KINDS) + hint), False
    if kind == "value_error":
        reason = str(ctx.get("error", ""))
        return _VALUE_ERRORS.get(reason, reason), False
    if kind == "xml_char":
        return f"第 {ctx['position']} 个字符是 {char_name(ctx['char'])}，DOCX 和 PDF 都不能容纳这种字符：请删除它", False
    if kind == "too_long":
        return f"太长：最多 {ctx['limit']} 字，这里有 {ctx['length']} 字（{_TOO_LONG_WHY[ctx['why']]}）", False
    if kind == "issuer_id":
        return "应为 templates/issuers/ 中档案的文件名（不含 .yaml）：不含“/”，不以“.”开头，最多 32 字", False
    if kind == "invalid_key":
        return "键应为文字", False
    return "值不符合要求", False


def translate(exc: ValidationError, source: YamlSource) -> list[Problem]:
    """Pydantic's errors as Problems, one per field, merged where a union offered several expectations."""
    expectations: dict[DataPath, list[str]] = {}
    problems: dict[DataPath, Problem] = {}
    for err in exc.errors(include_url=False):
        loc = err["loc"]
        data_path = source.resolve(loc)
        message, mergeable = _message(err)
        if err["type"] == "extra_forbidden":
            key = loc[-1]
            data_path = (*source.resolve(loc[:-1]), key)
            problems[data_path] = Problem(f"未知字段“{shown(key)}”{_did_you_mean(key)}",
                                          source.locate(data_path, key=True), field_name(data_path))
            continue
        if err["type"] == "missing":
            data_path = source.resolve(loc[:-1])
            where = source.locate(data_path)
            data_path = (*data_path, loc[-1])
            problems.setdefault(data_path, Problem(message, where, field_name(data_path)))
            continue
        if mergeable:
            found = expectations.setdefault(data_path, [])
            if message not in found:
                found.append(message)
            continue
        problems.setdefault(data_path, Problem(message, source.locate(data_path), field_name(data_path)))
    deeper = {p[:i] for p in (*problems, *expectations) for i in range(len(p))}
    for data_path, wanted in expectations.items():
        if data_path in problems or data_path in deeper:
            continue  # a union member that matched the shape reported what is really wrong, further in
        value = source.data
        for step in data_path:
            value = value[step]
        got = _describe(value)
        hint = "；以 0 开头的编号请加引号，如 \"0688\"" if isinstance(value, int) and wanted == ["文字"] else ""
        if data_path[-1] == "numbering" and isinstance(value, int | float) and not isinstance(value, bool):
            hint = "；YAML 把 1. 读成数字，编号样式请加引号，如 \"1.\""
        problems[data_path] = Problem(f"应为{' 或 '.join(wanted)}，实际是{got}{hint}",
                                      source.locate(data_path), field_name(data_path))
    return sorted(problems.values(), key=lambda p: (p.location.line or 0, p.location.column or 0)
                  if p.location else (0, 0))


def _describe(value: Any) -> str:
    """What a value is, for a clerk, quoting at most a few characters of it."""
    if value is None:
        return "空值"
    if isinstance(value, bool):
        return f"布尔值 {str(value).lower()}"
    if isinstance(value, int | float):
        return f"数字 {shown(value)}"
    if isinstance(value, str):
        return f"文字“{shown(value)}”"
    if isinstance(value, dt.datetime):
        return f"日期时间 {value.isoformat(' ')}"
    if isinstance(value, dt.date):
        return f"日期 {value.isoformat()}"
    if isinstance(value, bytes):
        return "二进制数据"
    if isinstance(value, list):
        return "列表"
    if isinstance(value, dict):
        return "映射"
    return "其他值"
