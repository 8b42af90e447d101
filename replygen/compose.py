"""Model → the one rendered document, through the templates in a sandboxed Jinja environment.

Templates are untrusted input: they run in Jinja's immutable sandbox, with autoescaping on (content is data,
never markup or template code) and StrictUndefined (a missing value is an error, never an empty gap).
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from replygen import document
from replygen.errors import Location, Problem, ReplyError
from replygen.issuers import Issuer, load_issuer
from replygen.load import LoadedReply
from replygen.model import Reply
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


def cn_date(d) -> str:
    """GB/T 9704 date: Arabic numerals, full year, no padding: 2026年5月20日."""
    return f"{d.year}年{d.month}月{d.day}日"


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
        env = ImmutableSandboxedEnvironment(
            loader=jinja2.FileSystemLoader(root),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        env.filters["cn"] = cn_number
        env.filters["cn_date"] = cn_date
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
            raise ReplyError(Problem(f"模板语法错误：{exc.message}",
                                     Location(Path(exc.filename or name), exc.lineno))) from None
        except jinja2.TemplateNotFound as exc:
            raise ReplyError(Problem(f"找不到模板 {exc.name}", Location(self.root / exc.name))) from None
        except Exception as exc:
            raise ReplyError(self._template_problem(exc, name)) from None
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


def _context(loaded: LoadedReply, issuer: Issuer) -> dict[str, object]:
    """Facts the templates need that follow from the content by rule, not by wording."""
    reply: Reply = loaded.reply
    s = reply.salutation
    several = bool(s and (len(s.names) > 1 or s.total))
    pronoun = (s.pronoun if s and s.pronoun else ("你们" if several else "您"))
    if isinstance(reply.doc_number, int):
        prefix = issuer.number_prefix.get(reply.kind)
        if prefix is None:
            raise loaded.error(f"机关档案 {issuer.id} 没有 {reply.kind} 的发文字号前缀（number_prefix）；"
                               "请写完整字号，或在档案中补上", "doc_number")
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
        printed = {"organ": organ, "date": getattr(reply.printed, "date", None) or reply.date}
    return {"pronoun": pronoun, "doc_number": doc_number, "category_label": category_label,
            "signature": signature, "cc": cc, "printed": printed}
