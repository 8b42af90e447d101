"""The workbench in a real browser, as a clerk uses it on a laptop screen: open the list, open reply 245, change a
word, see the printed pages change, save with Ctrl+S, reload and find the change kept; then break a field and see
the error marked at its line."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import CONTENT
from webserver import workbench

LAPTOP = {"width": 1366, "height": 768}
SHOTS = os.environ.get("REPLYGEN_SCREENSHOTS")  # a folder to keep the screenshots in, for a look at them


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """One server for the module's tests: each test changes a reply of its own. It is handed over once its render
    workers are warm, so that the first preview takes a warm worker's time (a fresh machine's first render, fonts
    and all, can take longer than a page's timeout)."""
    content = tmp_path_factory.mktemp("browser") / "content"
    shutil.copytree(CONTENT, content)
    with workbench(content) as server:
        yield server.base, content


@pytest.fixture
def page(browser, served):
    context = browser.new_context(viewport=LAPTOP, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def _shot(page, tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=path)
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(SHOTS) / path.name)


def _replace(page, old: str, new: str) -> None:
    """Find `old` with the editor's search (Ctrl+F), then type `new` over it, as a clerk would."""
    page.locator(".cm-content").click()
    page.keyboard.press("Control+Home")
    page.keyboard.press("Control+f")
    page.keyboard.type(old)
    page.keyboard.press("End")  # Chinese text arrives without key events; the search field reads it on a key
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.keyboard.type(new)


def _first_page(page) -> str:
    return page.locator("#pages img").first.get_attribute("src") or ""


def test_edit_preview_save_reload(page, served, tmp_path: Path) -> None:
    base, content = served
    page.goto(base + "/")
    row = page.locator("#replies tbody tr", has_text="沪市监提〔2026〕245号")
    row.wait_for()
    assert "朱瑞庭委员" in row.inner_text() and "通过" in row.inner_text()
    page.fill("#search", "朱瑞庭")
    assert page.locator("#replies tbody tr").count() == 1
    _shot(page, tmp_path, "1-list")

    page.locator("#search").press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url("**/edit/2026/245.yaml")
    page.locator("#preview-state", has_text="预览与打印一致").wait_for()
    pages = page.locator("#pages img").count()
    assert pages >= 2
    before = _first_page(page)
    _shot(page, tmp_path, "2-editor")

    _replace(page, "高度重视标准化工作", "十分重视标准化工作")
    assert "有未保存的修改" in page.inner_text("#state")
    page.wait_for_function("before => document.querySelector('#pages img').src !== before", arg=before)
    page.locator("#preview-state", has_text="预览与打印一致").wait_for()

    page.keyboard.press("Control+s")
    page.locator("#state", has_text="已保存").wait_for()
    assert "党和国家十分重视标准化工作" in (content / "2026" / "245.yaml").read_text(encoding="utf-8")
    _shot(page, tmp_path, "3-saved")

    page.reload()
    page.locator(".cm-content", has_text="党和国家十分重视标准化工作").wait_for()

    _replace(page, "kind: proposal", "kind: proposl")
    lines = (content / "2026" / "245.yaml").read_text(encoding="utf-8").splitlines()
    kind_line = 1 + next(i for i, line in enumerate(lines) if line.startswith("kind:"))
    marked = page.locator(".cm-line", has=page.locator(".cm-lintRange-error"))
    marked.first.wait_for()
    assert marked.first.inner_text().startswith("kind: proposl")
    problem = page.locator("#problems li").first
    assert problem.inner_text().startswith(f"第 {kind_line} 行：字段 kind：")
    page.locator("#preview-state", has_text="错误").wait_for()
    _shot(page, tmp_path, "4-error")


def test_a_save_over_a_change_made_elsewhere_is_refused_and_nothing_is_lost(page, served, tmp_path: Path) -> None:
    base, content = served
    path = content / "2026" / "conflict.yaml"
    shutil.copy(content / "2026" / "245.yaml", path)
    page.goto(base + "/edit/2026/conflict.yaml")
    page.locator(".cm-content", has_text="朱瑞庭").wait_for()
    elsewhere = path.read_text(encoding="utf-8").replace("names: [朱瑞庭]", "names: [朱瑞庭, 李四]")
    path.write_text(elsewhere, encoding="utf-8")

    _replace(page, "高度重视标准化工作", "十分重视标准化工作")
    page.keyboard.press("Control+s")
    banner = page.locator("#banner")
    banner.wait_for()
    assert "已被修改" in banner.inner_text() and "未保存" in page.inner_text("#state")
    assert path.read_text(encoding="utf-8") == elsewhere, "the change made elsewhere is kept"
    assert "十分重视标准化工作" in page.locator(".cm-content").inner_text(), "and so is the clerk's text"
    _shot(page, tmp_path, "5-conflict")


def test_new_reply_from_the_list(page, served, tmp_path: Path) -> None:
    base, content = served
    page.goto(base + "/")
    page.locator("#replies tbody tr").first.wait_for()
    page.click("#new")
    page.select_option("select[name=issuer]", "example-jtj")
    page.select_option("select[name=kind]", "suggestion")
    page.fill("input[name=name]", "2026/28")
    _shot(page, tmp_path, "6-new")
    page.keyboard.press("Enter")
    page.wait_for_url("**/edit/2026/28.yaml")
    page.locator("#preview-state", has_text="预览与打印一致").wait_for()
    assert "kind: suggestion" in (content / "2026" / "28.yaml").read_text(encoding="utf-8")
    _shot(page, tmp_path, "7-new-editor")
