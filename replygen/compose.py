"""Model → the one rendered document, through the templates in a sandboxed Jinja environment.

Templates are untrusted input (a folder may come from another office): they run in the sandbox of sandbox.py,
with autoescaping on (content is data, never markup or template code) and StrictUndefined (a missing value is an
error, never an empty gap). Opening a templates folder refuses it, before any command renders or writes anything,
when a symbolic link leads out of it, or when a template names an internal attribute (`__class__`, `_x`) or a
file it may not include; what can only be seen while rendering (a name built at run time, a runaway loop) the
sandbox refuses then, at the template's line. Every file read on behalf of the folder goes through
paths.inside(): style.yaml, issuer profiles (named by id only), templates, the skeleton, font files of the style.
"""

from __future__ import annotations

import dataclasses
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from jinja2 import nodes

from replygen import document
from replygen.errors import Location, Problem, ReplyError
from replygen.issuers import Issuer, OrganSeal, Stamped, load_issuer
from replygen.limits import Limits
from replygen.load import LoadedReply
from replygen.model import Reply, Salutation
from replygen.paths import OutsideRoot, inside, links_leaving
from replygen.sandbox import ReplySandbox, TemplateLimit, TemplateRefused, template_file, template_files
from replygen.style import Style, load_style
from replygen.templatecache import Facts, TemplateCache

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
    """A template reached for what it may not (Python internals, a file outside its folder) and was refused: the
    templates, not a reply, are at fault."""


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


def _named_templates(tree: nodes.Template) -> list[tuple[str, int]]:
    """(name, line) of each template that {% extends %}, {% include %} or {% import %} names literally."""
    found = []
    for node in tree.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)):
        names = node.template.value if isinstance(node.template, nodes.Const) else []
        for name in names if isinstance(names, list | tuple) else [names]:
            if isinstance(name, str):
                found.append((name, node.lineno))
    return found


@dataclass
class Templates:
    """A templates folder: the Jinja environment, the house style and the issuer profiles it holds, and the bounds
    (Limits: the per-reply time) every composition runs within."""

    root: Path
    env: ReplySandbox
    style: Style
    limits: Limits = field(default_factory=Limits)
    _issuers: dict[str, Issuer] = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, root: Path = DEFAULT_TEMPLATES, limits: Limits | None = None) -> Templates:
        """Open a folder, refusing it (before any work) when a link leads out of it or a template names an
        internal attribute or a file it may not read."""
        root = Path(root).resolve()
        if not (root / "style.yaml").is_file():
            raise ReplyError.at("不是模板目录：缺少 style.yaml", root)
        env = ReplySandbox(root, {"cn": cn_number, "cn_date": cn_date})
        env.bytecode_cache = TemplateCache.for_environment(env)
        _scan(env, root)
        return cls(root, env, load_style(_file(root, "style.yaml")), limits or Limits.from_env())

    def file(self, name: str) -> Path:
        """A file of this folder (skeleton.yaml…), refused when it leads out of the folder."""
        return _file(self.root, name)

    def issuer(self, issuer_id: str) -> Issuer:
        """An issuer profile by id: the name of a file in issuers/ without .yaml, never a path. Read once per
        templates folder (a batch composes many replies from one profile)."""
        if issuer_id not in self._issuers:
            if issuer_id not in self.issuer_ids():
                raise ReplyError.at(self._unknown_issuer(issuer_id), self.root / "issuers")
            self._issuers[issuer_id] = load_issuer(self.root, issuer_id)
        return self._issuers[issuer_id]

    def _unknown_issuer(self, issuer_id: str) -> str:
        path = any(c in issuer_id for c in "/\\") or issuer_id.startswith(".") or issuer_id.endswith(".yaml")
        return (f"找不到发文机关档案“{issuer_id}”"
                + ("：应写档案名（issuers/ 中的文件名，不带 .yaml），不能写路径" if path else "")
                + f"（{self.root / 'issuers'} 中现有：{'、'.join(self.issuer_ids()) or '无'}）")

    def issuer_ids(self) -> list[str]:
        """The issuer profiles in this folder, by id."""
        return sorted(p.stem for p in (self.root / "issuers").glob("*.yaml") if not p.name.startswith("."))

    def compose(self, loaded: LoadedReply) -> document.Document:
        """The reply as the one document, within the time limit (checked by the sandbox at every loop iteration
        and call, so in any thread: the workbench composes in a thread pool, where no alarm signal reaches)."""
        reply = loaded.reply
        if reply.issuer not in self.issuer_ids():  # an id, never a path: the named file is not even looked at
            raise loaded.error(self._unknown_issuer(reply.issuer), "issuer")
        issuer = self.issuer(reply.issuer)
        joint = [self._joint_issuer(loaded, i, other) for i, other in enumerate(reply.joint)]
        stamped = _stamped(loaded, issuer)
        context = _context(loaded, issuer) | _stamp_context(issuer, joint, stamped, context_signatures(loaded, issuer))
        name = f"reply/{reply.kind}.html.j2"
        try:
            with self.env.budget(self.limits.render_seconds):
                html = self.env.get_template(name).render(reply=reply, issuer=issuer, **context)
        except jinja2.TemplateSyntaxError as exc:
            raise _syntax_error(exc, name) from None
        except jinja2.TemplateNotFound as exc:
            raise ReplyError(Problem(f"找不到模板 {exc.name}", Location(self.root / exc.name))) from None
        except Exception as exc:
            refused = isinstance(exc, jinja2.exceptions.SecurityError)
            raise (UnsafeTemplate if refused else ReplyError)(self._template_problem(exc, name)) from None
        doc = self._checked(document.parse(html), name)
        return dataclasses.replace(doc, stamp=_stamp(loaded, issuer, joint, stamped, doc, Location(self.root / name)),
                                   imprint_even=issuer.imprint_even_page)

    def _joint_issuer(self, loaded: LoadedReply, index: int, issuer_id: str) -> Issuer:
        if issuer_id not in self.issuer_ids():
            raise loaded.error(self._unknown_issuer(issuer_id), "joint", index)
        return self.issuer(issuer_id)

    def _checked(self, doc: document.Document, name: str) -> document.Document:
        """The document, provided it says something and uses only the roles the style defines: both writers
        rely on that, and an unknown class would otherwise reach the PDF's HTML."""
        where = Location(self.root / name)
        if not doc.paragraphs:
            raise ReplyError(Problem("模板没有写出任何段落（<p class=\"角色\">…</p>），不能生成空白的答复", where))
        problems = []
        for kind, used, known in (
                ("段落角色", {p.role for p in doc.paragraphs}, self.style.roles),
                ("行内角色", {r.role for p in doc.paragraphs for r in p.runs} - {"", document.TAB}, self.style.inline),
                ("分组", {p.group for p in doc.paragraphs} - {""}, {document.IMPRINT, document.LETTERHEAD})):
            problems += [Problem(f"模板用了样式中没有的{kind}“{r}”（可用：{'、'.join(known)}）", where)
                         for r in sorted(used - set(known))]
        if problems:
            raise ReplyError(problems)
        return doc

    def _template_problem(self, exc: Exception, name: str) -> Problem:
        where = Location(self.root / name)
        for frame in reversed(traceback.extract_tb(exc.__traceback__)):
            if frame.filename.startswith(str(self.root)):
                where = Location(Path(frame.filename), frame.lineno)
                break
        if isinstance(exc, jinja2.exceptions.SecurityError | TemplateLimit):
            return Problem(str(exc), where)
        if isinstance(exc, RecursionError):
            return Problem("模板递归过深（宏一层层调用自身），已停止", where)
        if isinstance(exc, MemoryError):
            return Problem("模板用尽了内存（可能制造了过大的数据），已停止", where)
        if isinstance(exc, jinja2.UndefinedError):
            return Problem(f"模板用到了不存在的值：{exc.message}", where)
        return Problem(f"模板出错：{type(exc).__name__}: {exc}", where)


def _file(root: Path, name: str) -> Path:
    try:
        return inside(root, name)
    except OutsideRoot as exc:
        raise UnsafeTemplate(Problem(f"{exc}，已拒绝：模板目录中的文件只能链接到目录之内", Location(root / name))) from None


def _syntax_error(exc: jinja2.TemplateSyntaxError, name: str) -> ReplyError:
    return ReplyError(Problem(f"模板语法错误：{exc.message}", Location(Path(exc.filename or name), exc.lineno)))


def _scan(env: ReplySandbox, root: Path) -> None:
    """Refuse the folder when a link leads out of it, or when a template (every file the loader can load: the
    .j2 files below the folder) names an internal attribute or a file it may not read."""
    problems = [Problem(f"符号链接指向模板目录之外（{link.resolve()}），已拒绝：模板目录中的文件只能链接到目录之内",
                        Location(link)) for link in links_leaving(root)]
    for path in template_files(root):
        internal, named = _facts(env, path.relative_to(root).as_posix(), path)
        by_line: dict[int, list[str]] = {}
        for attr, line in reversed(internal):  # innermost first: in the order they are written
            by_line.setdefault(line, []).append(f"“{attr}”")
        problems += [Problem(f"模板访问内部属性{'、'.join(names)}，已被拒绝：模板只能使用答复的字段和机关档案",
                             Location(path, line)) for line, names in sorted(by_line.items())]
        for other, line in named:
            try:
                template_file(root, other)
            except TemplateRefused as exc:
                problems.append(Problem(str(exc), Location(path, line)))
            except jinja2.TemplateNotFound:
                pass  # reported where it is rendered, or left alone under `ignore missing`
    if problems:
        raise UnsafeTemplate(problems)


def _facts(env: ReplySandbox, name: str, path: Path) -> Facts:
    """What the scan looks for in one template, found by parsing it, or as found before in the same source (the
    template cache, whose folder is this environment's own)."""
    source = path.read_text(encoding="utf-8")
    cache = env.bytecode_cache if isinstance(env.bytecode_cache, TemplateCache) else None
    if cache and (known := cache.facts(name, str(path), source)) is not None:
        return known
    try:
        tree = env.parse(source, name, str(path))
    except jinja2.TemplateSyntaxError as exc:
        raise _syntax_error(exc, name) from None
    found = _internal_names(tree), _named_templates(tree)
    if cache:
        cache.keep_facts(name, str(path), source, found)
    return found


def pronoun_for(salutation: Salutation | None) -> str:
    """How the reply addresses its readers: as the salutation says, else 你们 for several people, else 您."""
    if salutation and salutation.pronoun:
        return salutation.pronoun
    return "你们" if salutation and (len(salutation.names) > 1 or salutation.total) else "您"


def context_signatures(loaded: LoadedReply, issuer: Issuer) -> list[str]:
    """The organ names signed under the reply before any joint profile's: the reply's own (one, or a joint
    issuance's several), else the profile's; none for `signature: false`."""
    signature = loaded.reply.signature
    names = issuer.signature if signature is None else (signature or [])
    return [names] if isinstance(names, str) else list(names)


def _stamped(loaded: LoadedReply, issuer: Issuer) -> Stamped:
    """How this reply is stamped: as it says, else as its profile says."""
    return issuer.stamp.stamped if loaded.reply.stamped is None else loaded.reply.stamped


def _stamp_context(issuer: Issuer, joint: list[Issuer], stamped: Stamped, signatures: list[str]) -> dict[str, object]:
    """What the templates word for the end block: the organ names signed in order (联合行文: the issuer's, then
    each joint organ's), and the signer's title beside a signature seal."""
    names = [name for name in signatures if name]
    names += [other.signature for other in joint if other.signature]
    title = issuer.stamp.signature.title if stamped == "signature" and issuer.stamp.signature else None
    return {"signatures": names, "stamp_layout": _layout(stamped), "signer_title": title}


def _layout(stamped: Stamped) -> str | None:
    return None if stamped is False else "signature" if stamped == "signature" else "organ"


def _stamp(loaded: LoadedReply, issuer: Issuer, joint: list[Issuer], stamped: Stamped, doc: document.Document,
           template: Location) -> document.Stamp | None:
    """The seals of the end block, from the profiles (never from a template): one per organ name for 7.3.5.1,
    the signer's for 7.3.5.3. `stamped: true` leaves the space for hand stamps; `seal` draws the images."""
    layout = _layout(stamped)
    if layout is None:
        return None
    roles = [p.role for p in doc.paragraphs]
    if layout == "signature":
        spec = issuer.stamp.signature
        if spec is None:
            raise issuer.problem("答复要求加盖签发人签名章（stamped: signature），但机关档案没有 stamp.signature"
                                 "（签发人职务 title、签名章图像 image 和尺寸）", "stamp")
        if "signer-title" not in roles:
            raise ReplyError(Problem("签名章版式需要模板写出签发人职务（<p class=\"signer-title\">）", template))
        image = issuer.image(spec.image) if spec.image else (None, "")
        return document.Stamp("signature", (document.Seal(spec.width, spec.height, *image),))
    if not any(r in roles for r in ("signature", "date")):
        raise loaded.error("盖章的答复需要署名或成文日期：印章须压在发文机关署名和成文日期上，不能盖“空白章”", "stamped")
    if isinstance(loaded.reply.signature, list) and len(loaded.reply.signature) > 1:
        raise loaded.error("盖章的联合行文每个机关加盖自己的印章，印章来自机关档案：请在 joint 中列出会同发文机关的档案，"
                           "signature 只写主办机关的署名（或省略）", "signature")
    seals = []
    for k, who in enumerate([issuer, *joint]):
        spec = who.stamp.seal
        if stamped == "seal" and (spec is None or not spec.image):
            what = "机关档案" if k == 0 else f"联合行文机关 {who.id} 的档案"
            raise who.problem(f"答复要求加盖电子印章（stamped: seal），但{what}没有印章图像（stamp.seal.image）",
                              "stamp", "seal", "image")
        size = spec.diameter if spec else OrganSeal().diameter
        image = who.image(spec.image) if stamped == "seal" and spec and spec.image else (None, "image/png")
        seals.append(document.Seal(size, size, *image))
    names = roles.count("signature")
    if names and names != len(seals):
        raise ReplyError(Problem(f"盖章版式：模板写出 {names} 个署名，但有 {len(seals)} 个发文机关（每个机关一枚印章）；"
                                 "模板应按 signatures 逐个写出署名", template))
    return document.Stamp("organ", tuple(seals[:max(names, 1)]))


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
    signature = next(iter(context_signatures(loaded, issuer)), None)
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
