"""The PDF's HTML parsed by expat instead of WeasyPrint's HTML5 parser: 0.1 ms against 5 ms for a four-page
reply, on every layout.

to_html writes well-formed markup (void elements closed, every text and attribute escaped), so for it an XML
parser builds the very tree tinyhtml5 builds (tests/test_pdf_write.py compares them for every reply in content/).
Where the two could differ, the HTML5 parser is used: markup expat refuses, and any character XML treats
otherwise than HTML (control characters, tabs and line ends, which XML normalizes in attribute values,
noncharacters).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from types import ModuleType

import cssselect2

_HTML_ONLY = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
"""characters an XML parser reads otherwise than an HTML5 one, or refuses"""
_DOCTYPE = "<!DOCTYPE html>"


def parse(weasyprint: ModuleType, html: str, url_fetcher: object):
    """What weasyprint.HTML(string=html, url_fetcher=url_fetcher) makes, parsed by expat when that is the same."""
    root = None
    if html.startswith(_DOCTYPE) and not _HTML_ONLY.search(html):
        try:
            root = ET.fromstring(html[len(_DOCTYPE):])
        except ET.ParseError:
            root = None
    if root is None or root.tag != "html" or root.find("base") is not None or root.find("head/base") is not None:
        return weasyprint.HTML(string=html, url_fetcher=url_fetcher)
    page = weasyprint.HTML.__new__(weasyprint.HTML)
    page.base_url = None  # as weasyprint.HTML(string=…) without base_url, for a page without <base>
    page.url_fetcher = url_fetcher
    page.media_type = "print"
    page.wrapper_element = cssselect2.ElementWrapper.from_html_root(root, content_language=None)
    page.etree_element = page.wrapper_element.etree_element
    return page
