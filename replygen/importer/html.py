"""A reply published on a web page (.html, .htm, or a single-page .mhtml): the page's own encoding, then the one
block of the page that holds the reply, as lines.

A government site wraps the reply in a header, navigation, breadcrumbs, a line of 发布日期/来源/浏览次数 and a
footer, in markup that differs from site to site; so the reply is found by its content, not by class names: the
smallest element whose text holds both a salutation (or an opening formula) and a date. Inside it, scripts and
styles go, and so do the page's own metadata lines.
"""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

from replygen.errors import ReplyError
from replygen.importer import patterns as P

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_GB = {"gb2312", "gbk", "gb_2312-80", "x-gbk", "gb18030", "cp936", "euc-cn", "hz-gb-2312"}
"""All read as GB18030, the superset: pages declaring GB2312 often use GBK characters (人名中的生僻字)."""
BLOCKS = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "tbody", "thead",
          "section", "article", "main", "header", "footer", "nav", "aside", "blockquote", "pre", "center", "form",
          "dl", "dt", "dd", "hr", "address", "figure", "figcaption", "body", "html"}
DROPPED = {"script", "style", "noscript", "template", "iframe", "head", "title", "object", "embed", "svg", "select",
           "button", "input", "textarea"}
META = re.compile(r"^[【\[]?(?:发布日期|发布时间|发文日期|来源|信息来源|文章来源|浏览次数|浏览量|点击数|点击量|访问次数|阅读次数|"
                  r"阅读量|责任编辑|编辑|作者|字号|字体|打印本页|打印|关闭窗口|关闭|分享到|分享)")
"""The page's own lines about the page (its date, source, view count, print and close links)."""
_DATE_ANYWHERE = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|[〇○零O0一二三四五六七八九]{4}年[一二三四五六七八九十]{1,2}月")
_DATE_LINE = re.compile(r"(\d{4}|[〇○零O0一二三四五六七八九]{4})\s*年.{1,6}日$|^\d{4}\s+\d{3,4}$")


def page_lines(path: Path, raw: bytes) -> tuple[list[tuple[int, str]], str]:
    """(source line in the page, text) of the reply's block, and the encoding the page was read in."""
    charset = None
    if path.suffix.lower() in (".mhtml", ".mht"):
        raw, charset = _mhtml_page(path, raw)
    text, encoding = _decode(raw, charset, path)
    import lxml.html

    try:
        root = lxml.html.document_fromstring(text)
    except Exception:  # lxml raises ParserError or XMLSyntaxError on pages with nothing to parse
        raise ReplyError.at("网页无法解析：不是 HTML 文件，或内容为空", path) from None
    for element in list(root.xpath("//comment() | //processing-instruction()")):
        _drop(element)
    for element in list(root.iter(*DROPPED)):
        _drop(element)
    block = _reply_block(root)
    if block is None:
        raise ReplyError.at("网页中没有找到答复正文：没有哪一部分同时含有主送（或开头语）和成文日期", path)
    return [(no, line) for no, line in _lines(block) if not (META.match(line) and len(line) <= 80)], encoding


def _mhtml_page(path: Path, raw: bytes) -> tuple[bytes, str | None]:
    """The HTML part of a saved web page (MIME multipart), and the charset its part header declares."""
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    for part in message.walk():
        if part.get_content_type() == "text/html":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                return payload, part.get_content_charset()
    raise ReplyError.at("MHTML 文件中没有网页（text/html）部分", path)


def _decode(raw: bytes, declared: str | None, path: Path) -> tuple[str, str]:
    """The page's text: a BOM, else the charset the page (or its MHTML part) declares, else UTF-8, else GB18030."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if declared is None and (m := _META_CHARSET.search(raw[:8192])):
        declared = m[1].decode("ascii")
    candidates = []
    if declared:
        declared = declared.lower()
        candidates.append("gb18030" if declared in _GB else declared)
    candidates += ["utf-8", "gb18030"]
    for encoding in candidates:
        try:
            return raw.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError):
            continue
    raise ReplyError.at("无法识别网页编码：网页声明的编码、UTF-8 和 GB18030 都不能解码", path)


def _drop(element) -> None:
    """Remove the element but keep the text that follows it (its tail belongs to the parent)."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail or ""
    previous = element.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(element)


def _reply_block(root):
    """The smallest element whose lines hold a salutation or an opening, and a date after it."""
    best, best_size = None, None
    for element in root.iter("div", "td", "article", "section", "main", "body", "table", "font", "span", "center"):
        text = element.text_content()
        if not (("：" in text or ":" in text) and ("年" in text or re.search(r"\d{4}", text))):
            continue
        lines = [line for _, line in _lines(element)]
        if not _holds_reply(lines):
            continue
        size = sum(map(len, lines))
        if best_size is None or size < best_size:
            best, best_size = element, size
    return best


def _holds_reply(lines: list[str]) -> bool:
    """A salutation or an opening, then a date or a closing formula (or a salutation, an opening and more); or
    one long line with both (a reply that
    lost its line breaks, cut again by resplit.py)."""
    start = next((i for i, line in enumerate(lines)
                  if (P.SALUTATION.match(line) and re.search(r"(委员|代表|同志|局|会|委)[:：]$", line))
                  or P.OPENING.search(line)), None)
    if start is None:
        return False
    if any(_DATE_LINE.search(line) or P.CLOSING.match(line) for line in lines[start + 1:]):
        return True
    if start + 2 < len(lines) and P.OPENING.search(lines[start + 1]):  # a reply published without its end
        return True
    line = lines[start]
    return len(line) >= 150 and bool(P.OPENING.search(line)) and bool(_DATE_ANYWHERE.search(line))


def _lines(element) -> list[tuple[int, str]]:
    """The element's text as lines: a block element or <br> ends a line, table cells on a row are one line."""
    out: list[tuple[int, str]] = []
    current: list[str] = []
    where = [element.sourceline or 0]

    def flush() -> None:
        line = re.sub(r"[ \t\r\n\f\u00a0]+", " ", "".join(current)).strip()
        if line:
            out.append((where[0], line))
        current.clear()

    def walk(el) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        block = tag in BLOCKS
        if block:
            flush()
            where[0] = el.sourceline or where[0]
        if tag in ("td", "th"):
            current.append(" ")
        if el.text and tag not in DROPPED:
            if not current:
                where[0] = el.sourceline or where[0]
            current.append(el.text)
        for child in el:
            walk(child)
        if block:
            flush()
        if el is not element and el.tail:
            current.append(el.tail)

    walk(element)
    flush()
    return out
