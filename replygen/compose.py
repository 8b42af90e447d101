"""Model → the one rendered document, through the templates in a sandboxed Jinja environment.

Templates are untrusted input: they run in Jinja's immutable sandbox, with autoescaping on (content is data,
never markup or template code) and StrictUndefined (a missing value is an error, never an empty gap). Opening a
templates folder reads every template once and refuses one that names an internal attribute (`__class__`, `_x`),
so that an obviously hostile template stops a command before it renders or writes anything; what can only be
seen while rendering (a name built at run time, a module's attribute) the sandbox refuses then.
"""

from __future__ import annotations

import traceback
import types
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from jinja2 import nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from replygen import document
from replygen.errors import Location, Problem, ReplyError
from replygen.issuers import Issuer, load_issuer
from replygen.load import LoadedReply
from replygen.model import Reply, Salutation
from replygen.style import Style, load_style

DEFAULT_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九 (numbering words go up to 99)."""
    if not 0 < n < 100:
        raise ValueError(f"numbering beyond 99: {n}")
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")


_CN_VALUES = {cn_number(n): n for n in range(1, 100)}
_YEAR_DIGITS = {c: i for i, c in enumerate(_DIGITS)} | {"〇": 0, "○": 0, "O": 0}


def cn_value(text: str) -> int | None:
    """The inverse of cn_number: 一 → 1, 二十三 → 23; None for anything that is not such a word."""
    return _CN_VALUES.get(text)


def numbering_value(text: str) -> int | None:
    """A numbering word's value, in Arabic (3) or Chinese (三) numerals."""
    return int(text) if text.isdigit() else cn_value(text)


def cn_year(text: str) -> int | None:
    """二○一一 → 2011: a year written digit by digit in Chinese numerals."""
    digits = [_YEAR_DIGITS.get(c) for c in text]
    return None if None in digits else int("".join(map(str, digits)))


def cn_date(d) -> str:
    """GB/T 9704 date: Arabic numerals, full year, no padding: 2026年5月20日."""
    return f"{d.year}年{d.month}月{d.day}日"


class UnsafeTemplate(ReplyError):
    """A template reached for Python internals and the sandbox refused it: the templates, not a reply, are at fault."""


class ReplySandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, and no attribute of a module either: templates see only the data they are given."""

    def is_safe_attribute(self, obj: object, attr: str, value: object) -> bool:
        return not isinstance(obj, types.ModuleType) and super().is_safe_attribute(obj, attr, value)


def _internal_names(tree: nodes.Template) -> list[tuple[str, int]]:
    """(name, line) of each internal attribute a template names literally: x.__class__, x['_y'], x|attr('__z')."""
    found = []
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter)):
        if isinstance(node, nodes.Getattr):
            names = [node.attr]
        elif isinstance(node, nodes.Getitem):
            names = [node.arg.value] if isinstance(node.arg, nodes.Const) else []
        else:
            names = [a.value for a in node.args if isinstance(a, nodes.Const)] if node.name == "attr" else []
        found += [(name, node.lineno) for name in names if isinstance(name, str) and name.startswith("_")]
    return found


@dataclass
class Templates:
    """A templates folder: the Jinja environment, the house style and the issuer profiles it holds."""

    root: Path
    env: jinja2.Environment
    style: Style
    _issuers: dict[str, Issuer] = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, root: Path = DEFAULT_TEMPLATES) -> Templates:
        root = Path(root).resolve()
        if not (root / "style.yaml").is_file():
            raise ReplyError.at("不是模板目录：缺少 style.yaml", root)
        env = ReplySandbox(
            loader=jinja2.FileSystemLoader(root),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        env.filters["cn"] = cn_number
        env.filters["cn_date"] = cn_date
        _refuse_internal_names(env, root)
        return cls(root, env, load_style(root / "style.yaml"))

    def issuer(self, issuer_id: str) -> Issuer:
        """An issuer profile, read once per templates folder (a batch composes many replies from one profile)."""
        if issuer_id not in self._issuers:
            self._issuers[issuer_id] = load_issuer(self.root, issuer_id)
        return self._issuers[issuer_id]

    def issuer_ids(self) -> list[str]:
        """The issuer profiles in this folder, by id."""
        return sorted(p.stem for p in (self.root / "issuers").glob("*.yaml"))

    def compose(self, loaded: LoadedReply) -> document.Document:
        reply = loaded.reply
        if not (self.root / "issuers" / f"{reply.issuer}.yaml").is_file():
            known = "、".join(self.issuer_ids()) or "无"
            raise loaded.error(f"找不到发文机关档案“{reply.issuer}”（{self.root / 'issuers'} 中现有：{known}）", "issuer")
        issuer = self.issuer(reply.issuer)
        context = _context(loaded, issuer)
        name = f"reply/{reply.kind}.html.j2"
        try:
            html = self.env.get_template(name).render(reply=reply, issuer=issuer, **context)
        except jinja2.TemplateSyntaxError as exc:
            raise _syntax_error(exc, name) from None
        except jinja2.TemplateNotFound as exc:
            raise ReplyError(Problem(f"找不到模板 {exc.name}", Location(self.root / exc.name))) from None
        except Exception as exc:
            refused = isinstance(exc, jinja2.exceptions.SecurityError)
            raise (UnsafeTemplate if refused else ReplyError)(self._template_problem(exc, name)) from None
        return document.parse(html)

    def _template_problem(self, exc: Exception, name: str) -> Problem:
        where = Location(self.root / name)
        for frame in reversed(traceback.extract_tb(exc.__traceback__)):
            if frame.filename.startswith(str(self.root)):
                where = Location(Path(frame.filename), frame.lineno)
                break
        if isinstance(exc, jinja2.exceptions.SecurityError):
            return Problem(f"模板试图访问不安全的内容，已被沙箱拒绝：{exc}", where)
        if isinstance(exc, jinja2.UndefinedError):
            return Problem(f"模板用到了不存在的值：{exc.message}", where)
        return Problem(f"模板出错：{type(exc).__name__}: {exc}", where)


def _syntax_error(exc: jinja2.TemplateSyntaxError, name: str) -> ReplyError:
    return ReplyError(Problem(f"模板语法错误：{exc.message}", Location(Path(exc.filename or name), exc.lineno)))


def _refuse_internal_names(env: jinja2.Environment, root: Path) -> None:
    """Parse every template of the folder; refuse the folder when any names an internal attribute."""
    problems = []
    for path in sorted(root.rglob("*.j2")):
        name = path.relative_to(root).as_posix()
        try:
            tree = env.parse(path.read_text(encoding="utf-8"), name, str(path))
        except jinja2.TemplateSyntaxError as exc:
            raise _syntax_error(exc, name) from None
        by_line: dict[int, list[str]] = {}
        for attr, line in reversed(_internal_names(tree)):  # innermost first: in the order they are written
            by_line.setdefault(line, []).append(f"“{attr}”")
        problems += [Problem(f"模板访问内部属性{'、'.join(names)}，已被拒绝：模板只能使用答复的字段和机关档案",
                             Location(path, line)) for line, names in sorted(by_line.items())]
    if problems:
        raise UnsafeTemplate(problems)


def pronoun_for(salutation: Salutation | None) -> str:
    """How the reply addresses its readers: as the salutation says, else 你们 for several people, else 您."""
    if salutation and salutation.pronoun:
        return salutation.pronoun
    return "你们" if salutation and (len(salutation.names) > 1 or salutation.total) else "您"


def _context(loaded: LoadedReply, issuer: Issuer) -> dict[str, object]:
    """Facts the templates need that follow from the content by rule, not by wording."""
    reply: Reply = loaded.reply
    pronoun = pronoun_for(reply.salutation)
    if isinstance(reply.doc_number, int):
        prefix = issuer.number_prefix.get(reply.kind)
        if prefix is None:
            raise loaded.error(f"机关档案 {issuer.id} 没有 {reply.kind} 的发文字号前缀（number_prefix）；"
                               "请写完整字号，或在档案中补上", "doc_number")
        if not reply.date:
            raise loaded.error("发文字号只写了序号，但没有成文日期（date）来补全年份；请写完整字号", "doc_number")
        doc_number = f"{prefix}〔{reply.date.year}〕{reply.doc_number}号"
    else:
        doc_number = reply.doc_number or ""
    if issuer.header == "letter" and reply.signer:
        raise loaded.error(f"机关档案 {issuer.id} 用信函格式（header: letter），信函格式不印签发人；请去掉 signer", "signer")
    category_label = None
    if reply.category is not None:
        if issuer.header == "letter" and issuer.category.position == "head":
            raise loaded.error(f"机关档案 {issuer.id} 用信函格式（header: letter），答复类别不能印在版头"
                               "（category.position: head）；请改用 number、end 或 hidden", "category")
        labels = issuer.category.labels.get(reply.kind, {})
        if labels and reply.category not in labels:
            raise loaded.error(f"答复类别应为以下之一：{'、'.join(labels)}（见机关档案 {issuer.id}）", "category")
        category_label = labels.get(reply.category, reply.category)
    signature = issuer.signature if reply.signature is None else (reply.signature or None)
    cc = issuer.cc if reply.cc is None else reply.cc
    printed = None
    if reply.printed:
        organ = getattr(reply.printed, "organ", None) or issuer.office
        if organ is None:
            raise loaded.error("印发机关未知：请写 printed.organ，或在机关档案中设置 office", "printed")
        date = getattr(reply.printed, "date", None) or reply.date
        if not date and not reply.as_printed.printed:
            raise loaded.error("印发日期未知：请写 printed.date，或写成文日期（date）", "printed")
        printed = {"organ": organ, "date": date}
    return {"pronoun": pronoun, "doc_number": doc_number, "category_label": category_label,
            "signature": signature, "cc": cc, "printed": printed}
