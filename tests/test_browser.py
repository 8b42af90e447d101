"""The browser the web tests rely on starts and shows Chinese text with a CJK font."""

from __future__ import annotations


def test_chromium_renders_chinese(browser) -> None:
    page = browser.new_page()
    page.set_content("<span lang='zh-CN' style='font-size:32px'>答复如下</span>")
    assert page.inner_text("span") == "答复如下"
    width = page.evaluate("document.querySelector('span').getBoundingClientRect().width")
    assert 4 * 32 * 0.9 <= width <= 4 * 32 * 1.1, "each CJK character one em wide: a CJK font was used"
    page.close()
