"""What the elements of a published reply look like, as REPLIES.md describes their variants.

Full-width and half-width punctuation are both accepted everywhere: some sites turned one into the other.
"""

from __future__ import annotations

import datetime as dt
import re

from replygen.compose import cn_value, cn_year

CN_DIGITS = "〇○零一二三四五六七八九"
CN = "一二三四五六七八九十"
COLON = "[:：]"

CATEGORY = re.compile(
    r"^(?:[（(]?(?P<code>[A-D]\d?)[)）]?类[)）]?"
    rf"|(?:(?:答复|办复|办理|复文)?类别|办理结果(?:类别)?){COLON}\s*(?P<code2>[A-D]\d?)类?)$")
CATEGORY_WORDS = {"解决采纳": "A", "解决或采纳": "A", "正在解决": "B", "列入计划拟解决": "B", "计划解决": "C"}
DOC_NUMBER = re.compile(
    r"^(?P<number>[\u4e00-\u9fff]{1,12}\s*[〔\[【（(]\s*\d{4}\s*[〕\]】）)]?\s*\d*\s*号?)"
    r"(?:\s*[（(【〔\[]\s*(?P<code>[A-D]\d?)\s*类?\s*[)）】〕\]])?"
    rf"(?:\s*(?P<signer>签发人{COLON}\s*(?P<name>\S+)))?$")
"""发文字号, with the category some offices append in any bracket (华建复〔2017〕5号(B类), 【A类】, 〔B〕)."""
SIGNER = re.compile(rf"^签发人{COLON}\s*(?P<name>\S+)$")
TITLE_END = re.compile(r"(答复|复函|回复|答复函|的函|会办意见|协办意见|办理意见)$")
TITLE_START = re.compile(r"^(\S{2,20}?关于|对|关于)")
SESSION_NUMBER = re.compile(
    r"(?:对|关于|答复|在)+(?P<session>[^对于“《]+?(?:会议|大会))(?:期间|上)?\s*(?:提出的)?\s*"
    r"第\s*(?P<number>[A-Za-z]*\d[\dA-Za-z\-]*)\s*号?")
ORGAN = re.compile(
    r"^[\u4e00-\u9fff（）()]{2,30}?(?:局|委员会|委|政府|办公室|办公厅|厅|院|部|中心|公司|站|所|区委|市委|县委|"
    r"事处|管理处|总队|支队|大队)$")
HEAD_LABEL = re.compile(r"^(签发人|(答复|办复)?类别|办理结果|发布日期|信息来源|联系人|联系电话|主办单位)")
LABEL = re.compile(rf"^[\u4e00-\u9fff ]{{2,12}}{COLON}")
CONTACT_LABEL = re.compile(r"联\s*系\s*人|联系电话|联系单位|联系方式|经办人|承办人|主管领导|主办单位|承办单位|电\s*话")
SALUTATION = re.compile(rf"^(?P<who>.{{1,80}}?){COLON}$")
PERSONS = re.compile(
    r"^(?P<hon>尊敬的)?(?P<names>[^、，,：:等]{1,6}(?:、[^、，,：:等]{1,6})*?)"
    r"(?:等(?P<total>\d+)位|(?P<etc>等[一二三四五六七八九十\d]*位?))?(?P<title>委员|代表)$")
ORGANISATION = re.compile(r"(区委|市委|县委|省委|委员会|小组|支部|党|局|政府|办公室|单位|界别|组)$")
OPENING = re.compile(r"收悉|答复如下|回复如下|函复如下|复函如下|研究办理|已收到|办理情况")
QUOTED = re.compile(r"[“《\"](?P<subject>[^”》\"]{2,})[”》\"]")
SUBJECT = re.compile(r"(?P<subject>关于\S+?的(?:提案|建议))")
CLOSING = re.compile(
    r"^(?:最后[,，]?|再次|此外[,，]?|衷心|非常|首先[,，]?)*"
    r"(?:感谢|谢谢|欢迎|特此|专此|此复|此致|敬礼|以上答复|以上办理|希望您|希望你|请您|请你|如有|恳请)")
DATE_AR = re.compile(r"^(?P<y>\d{4})\s*年?\s*(?P<rest>[\d\s月日]+?)\s*日?$")
YEAR_ZEROS = "〇○零Oo0０Ｏ"
"""What offices type for the zero of a year in Chinese numerals: 二〇一七, 二○一七, 二0一七, 二O一七, 二零一七."""
DATE_CN = re.compile(rf"^(?P<y>[{CN_DIGITS}{YEAR_ZEROS}]{{4}})\s*年\s*(?P<m>[{CN}]{{1,2}})\s*月\s*(?P<d>[{CN}]{{1,3}})\s*日$")
PRINTED = re.compile(r"^(?P<organ>\S.*?)\s*(?P<date>\d{4}年\d{1,2}月\d{1,2}日)印发$")
CC = re.compile(rf"^抄\s*送{COLON}\s*(?P<rest>.+)$")
COPIES = re.compile(r"[（(](?P<n>\d+)份[)）]$")
DISCLOSURE = re.compile(r"^[（(]?(?:此件)?(?P<what>公开发布|主动公开|依申请公开|不予公开|同意对外公开)[)）]?$")
DISCLOSURES = {"公开发布": "主动公开", "主动公开": "主动公开", "同意对外公开": "主动公开",
               "依申请公开": "依申请公开", "不予公开": "不予公开"}
BRACKETED = re.compile(r"^[（(].{1,80}[)）]?$")
NAME_IN_CONTACT = re.compile(rf"(?:联\s*系\s*人|经办人|承办人)(?:及联?系?电话)?{COLON}\s*(?P<v>[^，,；;\s)）:：\d]+)")
PHONE_IN_CONTACT = re.compile(r"(?P<v>\d[\d\-—－]{5,}\d)")
UNIT_IN_CONTACT = re.compile(rf"(?:联系单位|承办单位|主办单位){COLON}\s*(?P<v>[^，,；;\s)）]+)")

NUMBERING = {style: re.compile(pattern) for style, pattern in (
    ("第一、", rf"^第(?P<n>[{CN}]+)、"), ("一、", rf"^(?P<n>[{CN}]+)、"),
    ("（一）", rf"^（(?P<n>[{CN}]+)）"), ("(一)", rf"^\((?P<n>[{CN}]+)\)\s*"),
    ("1.", r"^(?P<n>\d{1,2})\.(?!\d)\s*"), ("1．", r"^(?P<n>\d{1,2})．(?![\d０-９])\s*"), ("1、", r"^(?P<n>\d{1,2})、\s*"),
    ("（1）", r"^（(?P<n>\d{1,2})）"), ("(1)", r"^\((?P<n>\d{1,2})\)\s*"))}
"""The numbering styles the templates print (model.NumberingStyle), each as it starts a line; n: its number."""
HEADING_LEVELS = {1: ("一、",), 2: ("（一）", "(一)"), 3: ("1.", "1．", "1、"), 4: ("（1）", "(1)")}
"""Heading levels (GB/T 9704 7.3.3) by the kind of number, with the variants archived replies print."""
HEADING_STYLES = ("一、", "（一）", "1.", "（1）")
"""How the templates number headings by depth, unless a section names its own style."""
SENTENCE_END = "。！？；!?;"
ITEM_BOUNDARY = "。；;，,：:！？!?"


_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def parse_date(text: str) -> dt.date | None:
    """2024年6月26日, 二○一一年五月十日, or a date whose 年月日 a web page lost (2025 915), when unambiguous."""
    text = text.translate(_FULL_WIDTH_DIGITS)
    if m := DATE_CN.match(text):
        year = re.sub(f"[{YEAR_ZEROS}]", "〇", m["y"])
        return _date(cn_year(year), cn_value(m["m"]), cn_value(m["d"]))
    if m := DATE_AR.match(text):
        parts = [p for p in re.split(r"[\s月日]+", m["rest"]) if p]
        if len(parts) == 2:
            return _date(int(m["y"]), int(parts[0]), int(parts[1]))
        if len(parts) == 1 and "月" not in m["rest"]:
            digits = parts[0]
            found = {d for i in (1, 2) if (d := _date(int(m["y"]), int(digits[:i] or 0), int(digits[i:] or 0)))}
            return found.pop() if len(found) == 1 else None
    return None


def _date(year: int | None, month: int | None, day: int | None) -> dt.date | None:
    try:
        return dt.date(year, month or 0, day or 0) if year and 1900 < year < 2200 else None
    except ValueError:
        return None


def category_code(text: str, kind: str) -> str | None:
    if m := CATEGORY.match(text):
        return m["code"] or m["code2"]
    word = re.sub(rf"^(?:答复|办复)?类别{COLON}", "", text)
    if word == "留作参考":
        return "D" if kind == "suggestion" else "C"
    return CATEGORY_WORDS.get(word)
