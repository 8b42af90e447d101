"""Review on content/: a template change grouped by kind, in a report a reviewer opens in a browser; git
revisions (templates and content), failures, bad targets, hostile templates; the measurement it rests on.

The main scenario runs once per module: the opening formula changed in a copy of templates/ (答复如下 →
回复如下), reviewed against templates/ over content/. The browser test opens the report in Debian's Chromium.
The archive-scale scenarios (300 replies) are in test_review_archive.py.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

from replygen.check.measure import measure
from replygen.compose import Templates
from replygen.document import Paragraph, Run
from replygen.load import load_reply
from replygen.review.layout import lay_out, measure_layout, pages, pdf_bytes
from replygen.review.textdiff import ADDED, CHANGED, DELETED, FOLDED, INSERTED, REMOVED, SAME, diff_paragraphs

from conftest import CONTENT, ROOT

TEMPLATES = ROOT / "templates"
PROPOSAL = "reply/proposal.html.j2"


def replygen(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "replygen", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600)


ORIGINAL = ("245", "example-letter", "example-suggestion")
"""the replies these tests were written for: two proposals on one template, a suggestion on another"""


def three(folder: Path) -> Path:
    """folder/content holding the three ORIGINAL replies (content/ grows; its new examples change nothing here)."""
    content = folder / "content"
    (content / "2026").mkdir(parents=True)
    for name in ORIGINAL:
        shutil.copy(CONTENT / "2026" / f"{name}.yaml", content / "2026")
    return content


def template_copy(folder: Path, old: str = "", new: str = "", name: str = PROPOSAL) -> Path:
    root = folder / "templates"
    shutil.copytree(TEMPLATES, root)
    if old:
        path = root / name
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    tmp = tmp_path_factory.mktemp("review")
    changed = template_copy(tmp, "答复如下", "回复如下")
    report = tmp / "report"
    return report, replygen("review", str(three(tmp)), "--base", "templates", "--templates", str(changed), "-o", str(report),
                            "--json", str(tmp / "review.json"))


# --- the command -------------------------------------------------------------------------------------------

def test_changed_wording_exits_1_and_names_the_report(reviewed: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    report, result = reviewed
    assert result.returncode == 1, result.stderr
    # both proposals use the changed formula; the suggestion has its own template
    assert "评审：比较 3 份，有变化 2 份（1 种变化，0 份需要特别注意），未变 1 份，失败 0 份。" in result.stdout
    assert "第 1 组 2 份：开头语：“答”→“回”" in result.stdout
    assert f"报告：{(report / 'index.html').resolve()}" in result.stdout
    assert "Traceback" not in result.stderr
    groups = json.loads((report.parent / "review.json").read_text(encoding="utf-8"))["groups"]
    assert [(g["count"], g["kinds"], g["description"], g["representative"]) for g in groups] == [
        (2, ["文字"], "开头语：“答”→“回”", "2026/245")]
    assert groups[0]["members"] == ["2026/245", "2026/example-letter"]


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.links += [value for name, value in attrs if name in ("href", "src") and value]


def test_report_is_self_contained(reviewed: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    report, _ = reviewed
    pages = sorted(report.rglob("*.html"))
    assert [p.relative_to(report).as_posix() for p in pages] == [
        "groups/g001.html", "index.html", "replies/2026/245.html", "replies/2026/example-letter.html"]
    assert not list(report.glob("replies/2026/example-letter/*")), "pictures for the representative only"
    assert not list(report.parent.glob(".report.*")), "no scratch folder left beside the report"
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert not re.search(r"https?://|url\(|@import|<link|<script", html), f"{page} fetches something"
        parser = _Links()
        parser.feed(html)
        assert parser.links
        for link in parser.links:
            assert (page.parent / link).resolve().is_file(), f"{page}: broken link {link}"


def test_difference_image_marks_the_changed_words_only(reviewed: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    report, _ = reviewed
    folder = report / "replies" / "2026" / "245"
    assert sorted(p.name for p in folder.iterdir()) == ["p1-after.png", "p1-before.png", "p1-diff.png"], \
        "the unchanged pages 2-4 are listed, not pictured"
    colours = Image.open(folder / "p1-diff.png").convert("RGB").getcolors(maxcolors=1 << 24) or []
    red = sum(n for n, (r, g, b) in colours if r > 200 and g < 60 and b < 60)
    assert 0 < red < 2000, "one character changed on page 1"
    html = (report / "replies" / "2026" / "245.html").read_text(encoding="utf-8")
    assert html.count('class="page unchanged"') == 3


def test_unchanged_against_a_git_revision_exits_0(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    template_copy(repo)
    for command in (["init", "-q"], ["add", "templates"],
                    ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "templates"]):
        subprocess.run(["git", *command], cwd=repo, check=True, capture_output=True)
    report = tmp_path / "report"
    result = replygen("review", str(CONTENT / "2026" / "245.yaml"), "--base", "HEAD", "--templates", str(TEMPLATES),
                      "-o", str(report), cwd=repo)
    assert result.returncode == 0, result.stderr
    assert "有变化 0 份（0 种变化，0 份需要特别注意），未变 1 份" in result.stdout
    assert "全部 1 份答复未变" in (report / "index.html").read_text(encoding="utf-8")

    again = replygen("review", str(CONTENT), "--base", "no-such-rev", "-o", str(report), cwd=repo)
    assert again.returncode == 2
    assert "基准“no-such-rev”既不是已有目录，也不是仓库" in again.stderr and "Traceback" not in again.stderr
    assert "全部 1 份答复未变" in (report / "index.html").read_text(encoding="utf-8"), "the old report is kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["repo", "report"], "no scratch folder left behind"


def test_replies_the_old_templates_fail_on_are_a_group_of_their_own(tmp_path: Path) -> None:
    """The base's suggestion template is broken: the suggestion fails with the old templates (its own group,
    exit 2, the report is written); the two proposals compare as usual."""
    broken = template_copy(tmp_path, "{{ reply.subject }}", "{{ reply.subjet }}", "reply/suggestion.html.j2")
    report = tmp_path / "report"
    result = replygen("review", str(three(tmp_path)), "--base", str(broken), "--templates", str(TEMPLATES),
                      "-o", str(report), "--json", str(tmp_path / "r.json"))
    assert result.returncode == 2, result.stderr
    assert "有变化 0 份（1 种变化，0 份需要特别注意），未变 2 份，失败 1 份" in result.stdout
    groups = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["groups"]
    assert [(g["count"], g["failed"], g["members"]) for g in groups] == [(1, True, ["2026/example-suggestion"])]
    assert groups[0]["description"].startswith("用基准模板无法生成：") and "subjet" in groups[0]["description"]
    index = (report / "index.html").read_text(encoding="utf-8")
    assert "1 份答复无法生成，评审不完整" in index and "用基准模板无法生成" in index
    page = (report / "replies" / "2026" / "example-suggestion.html").read_text(encoding="utf-8")
    assert "用基准模板：" in page and "suggestion.html.j2:" in page


def test_a_report_folder_that_cannot_be_written_is_refused_before_any_work(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("mine", encoding="utf-8")
    result = replygen("review", str(three(tmp_path)), "--base", "templates", "-o", str(tmp_path / "a-file" / "report"))
    assert result.returncode == 2
    assert f"无法创建报告目录 {tmp_path / 'a-file' / 'report'}：{tmp_path / 'a-file'} 是文件，不是目录" in result.stderr
    assert "评审未完成，未写出报告。" in result.stderr and "比较" not in result.stdout, "refused before rendering"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "content"]


def test_a_folder_that_is_not_a_report_is_not_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "mine"
    target.mkdir()
    (target / "notes.txt").write_text("mine", encoding="utf-8")
    result = replygen("review", str(three(tmp_path)), "--base", "templates", "-o", str(target))
    assert result.returncode == 2
    assert "不是 replygen 评审报告" in result.stderr
    assert [p.name for p in target.iterdir()] == ["notes.txt"]


# --- what a reviewer sees, in a real browser -----------------------------------------------------------------

LAPTOP = {"width": 1366, "height": 768}


def test_reviewer_sees_the_change_at_a_glance(reviewed: tuple[Path, subprocess.CompletedProcess[str]], browser,
                                              tmp_path_factory: pytest.TempPathFactory) -> None:
    """Index → the group → its representative's pictures → a member opened from the group's list."""
    report, _ = reviewed
    shots = tmp_path_factory.mktemp("screenshots")
    page = browser.new_page(viewport=LAPTOP)
    try:
        page.goto((report / "index.html").as_uri())
        counts = {key: page.inner_text(f"#count-{key}") for key in ("total", "changed", "groups", "unchanged", "failed")}
        assert counts == {"total": "3", "changed": "2", "groups": "1", "unchanged": "1", "failed": "0"}
        assert "2 份答复有变化，共 1 种变化" in page.inner_text("#verdict")
        row = page.locator('#groups tr[data-group="g001"]')
        assert row.locator(".count").inner_text() == "2"
        assert row.locator(".description").inner_text() == "开头语：“答”→“回”"
        assert row.locator("ins").inner_text() == "回" and row.locator("del").inner_text() == "答"
        assert page.locator("#outliers").count() == 0
        page.locator("#unchanged-list summary").click()
        assert page.eval_on_selector_all("#unchanged li", "items => items.map(i => i.dataset.stem)") == [
            "2026/example-suggestion"]
        assert page.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"], "no sideways scrolling"
        page.screenshot(path=str(shots / "index.png"))

        row.get_by_role("link", name="第 1 组").click()
        page.wait_for_load_state("load")
        assert page.inner_text("#group-count") == "2"
        assert page.locator("#facts li").all_inner_texts() == ["开头语：“答”→“回”"]
        assert page.locator("#text .paragraphs ins").all_inner_texts() == ["回"]
        first_page = page.locator("#pages details.page").first
        first_page.scroll_into_view_if_needed()
        images = first_page.locator("img")
        assert images.count() == 3
        for i in range(3):
            images.nth(i).scroll_into_view_if_needed()
            assert images.nth(i).evaluate("img => img.complete && img.naturalWidth") > 0
        assert [c.strip() for c in first_page.locator("figcaption").all_inner_texts()] == ["修改前", "修改后", "差异"]
        assert page.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]
        page.screenshot(path=str(shots / "group.png"), full_page=True)

        page.locator('#members li[data-stem="2026/example-letter"] a').click()
        page.wait_for_load_state("load")
        assert page.inner_text("#stem") == "2026/example-letter"
        assert page.locator("#text .paragraphs ins").all_inner_texts() == ["回"]
        assert "与第 1 组的示例 2026/245 变化相同" in page.inner_text("#no-pictures")
        assert page.locator("img").count() == 0
        page.screenshot(path=str(shots / "member.png"), full_page=True)
        page.get_by_role("link", name="← 总览").click()
        page.wait_for_load_state("load")
        assert page.inner_text("#count-changed") == "2"
    finally:
        page.close()
    for name in ("index.png", "group.png", "member.png"):
        width, height = Image.open(shots / name).size
        assert width == LAPTOP["width"] and height >= LAPTOP["height"]


# --- content review: the replies' YAML between git revisions -------------------------------------------------

def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo, check=True,
                   capture_output=True)


def test_content_edits_since_a_revision_are_reviewed(tmp_path: Path) -> None:
    """No template change: what an editor changed in the YAML since HEAD, a reply added and one deleted."""
    repo = tmp_path / "repo"
    template_copy(repo)
    three(repo)
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "archive")
    letter = repo / "content" / "2026" / "example-letter.yaml"
    letter.write_text(letter.read_text(encoding="utf-8").replace("林知远", "林知行"), encoding="utf-8")
    (repo / "content" / "2026" / "example-suggestion.yaml").rename(repo / "content" / "2026" / "later.yaml")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "edits")
    report = tmp_path / "report"
    result = replygen("review", "content", "--base", "HEAD~1", "--head", "HEAD", "-o", str(report),
                      "--json", str(tmp_path / "r.json"), cwd=repo)
    assert result.returncode == 1, result.stderr
    assert "基准：git 版本 HEAD~1；新：git 版本 HEAD" in result.stdout
    found = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    described = {g["members"][0]: g["description"] for g in found["groups"]}
    assert described == {"2026/example-letter": "主送：“远”→“行”",
                         "2026/later": "新增的答复（基准中没有）",
                         "2026/example-suggestion": "删去的答复（只在基准中有）"}
    assert found["unchanged"] == ["2026/245"]

    # the working tree against HEAD: the same edit, not yet committed
    letter.write_text(letter.read_text(encoding="utf-8").replace("林知行", "林知真"), encoding="utf-8")
    again = replygen("review", "content/2026/example-letter.yaml", "--base", "HEAD", "-o", str(report),
                     "--json", str(tmp_path / "r.json"), cwd=repo)
    assert again.returncode == 1, again.stderr
    assert [g["description"] for g in json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["groups"]] == [
        "主送：“行”→“真”"]


# --- the measurement the review rests on -----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["245", "example-letter", "example-suggestion"])
def test_layout_is_measured_as_check_measures_the_pdf(templates: Templates, name: str) -> None:
    """The lines read from WeasyPrint's layout are the lines `check` reads from the PDF written from it; and
    that PDF is the one `render` writes."""
    from replygen.writers.pdf import render_pdf

    doc = templates.compose(load_reply(CONTENT / "2026" / f"{name}.yaml"))
    rendered = lay_out(doc, templates.style)
    pdf = pdf_bytes(rendered, doc, templates.style)
    assert pdf == render_pdf(doc, templates.style)
    ours, theirs = pages(rendered, doc), measure(io.BytesIO(pdf))
    assert [len(p.lines) for p in ours] == [len(p.lines) for p in theirs]
    for mine, check in zip([ln for p in ours for ln in p.lines], [ln for p in theirs for ln in p.lines], strict=True):
        assert mine.text.replace(" ", "") == check.text.replace(" ", "")
        assert (mine.page, mine.size, mine.coloured) == (check.page, check.size, check.coloured)
        assert abs(mine.x0 - check.x0) < 0.2 and abs(mine.x1 - check.x1) < 0.3, mine.text
        assert abs(mine.top - check.top) < 0.5 and abs(mine.bottom - check.bottom) < 0.5, mine.text
    layout = measure_layout(rendered, doc)
    assert layout.pages == len(theirs)
    assert [b.role for b in layout.blocks if b] == [p.role for p in doc.paragraphs], "every paragraph placed"


def test_a_reply_whose_imprint_has_a_page_of_its_own_is_measured_paragraph_by_paragraph(templates: Templates) -> None:
    """Text ending on an odd page puts the 版记 on an even page of its own (issue 12): its holder is no paragraph."""
    text = (CONTENT / "2026" / "245.yaml").read_text(encoding="utf-8")
    longer = text.replace("body:\n", "body:\n" + "  - 本市持续推进标准化工作，围绕重点产业开展国际标准研制。\n" * 4, 1)
    doc = templates.compose(load_reply(CONTENT / "2026" / "245.yaml", longer))
    rendered = lay_out(doc, templates.style)
    assert len(rendered.pages) == 6, "the text ends on page 5, the 版记 stands on page 6"
    layout = measure_layout(rendered, doc)
    assert [b.role for b in layout.blocks if b] == [p.role for p in doc.paragraphs], "every paragraph placed"


# --- the layout cache (--cache) ---------------------------------------------------------------------------------

def test_a_second_review_takes_the_layouts_from_the_cache_and_reports_the_same(tmp_path: Path) -> None:
    """Reviewing the same change again against the same base lays nothing out again; the report is the same."""
    content = three(tmp_path)
    changed = template_copy(tmp_path, "答复如下", "回复如下")
    runs = []
    for n in (1, 2):
        result = replygen("review", str(content), "--base", "templates", "--templates", str(changed),
                          "-o", str(tmp_path / f"report{n}"), "--json", str(tmp_path / f"review{n}.json"),
                          "--cache", str(tmp_path / "cache"), "--pictures", "0")
        assert result.returncode == 1, result.stderr
        runs.append(result)
    # the two proposals changed: each laid out on both sides; the suggestion is the same document, never laid out
    assert f"排版缓存：0 个排版取自 {tmp_path / 'cache'}" in runs[0].stdout
    assert f"排版缓存：4 个排版取自 {tmp_path / 'cache'}" in runs[1].stdout
    first, second = (json.loads((tmp_path / f"review{n}.json").read_text(encoding="utf-8")) for n in (1, 2))
    assert first["groups"] == second["groups"] and first["outliers"] == second["outliers"]


def test_the_cache_serves_a_layout_only_for_the_same_document_style_and_renderer(templates: Templates,
                                                                                tmp_path: Path) -> None:
    from replygen.review.cache import LayoutCache

    doc = templates.compose(load_reply(CONTENT / "2026" / "245.yaml"))
    cache = LayoutCache(tmp_path, templates.style)
    layout = measure_layout(lay_out(doc, templates.style), doc)
    key = cache.key(doc)
    assert cache.get(key) is None
    cache.put(key, layout)
    assert cache.get(key) == layout, "read back as it was measured"
    # another document, another style: other keys
    edited = type(doc)((*doc.paragraphs[:-1], Paragraph(doc.paragraphs[-1].role, (Run("另一行"),))), doc.meta)
    assert cache.key(edited) != key
    taller = templates.style.model_copy(update={"page": templates.style.page.model_copy(
        update={"height": templates.style.page.height + 1})})
    assert LayoutCache(tmp_path, taller).key(doc) != key
    # an entry that cannot be read is a miss, and is written again
    entry = next(tmp_path.rglob(f"{key}.json"))
    entry.write_text('{"pages": "三"', encoding="utf-8")
    assert cache.get(key) is None
    cache.put(key, layout)
    assert cache.get(key) == layout


# --- hostile templates, for every command --------------------------------------------------------------------

ATTACKS = {
    "subclasses": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "globals": "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "attr filter": "{{ reply|attr('__class__') }}",
}
BUILT_AT_RUN_TIME = "{{ reply|attr('_' ~ '_class_' ~ '_') }}"
COMMANDS = {
    "render": ["render", "{content}"],
    "batch": ["batch", "{content}"],
    "review": ["review", "{content}", "--base", str(TEMPLATES)],
}


def command_line(command: str, folder: Path) -> list[str]:
    content = str(three(folder))
    return [arg.replace("{content}", content) for arg in COMMANDS[command]]
EXIT = {"render": 1, "batch": 1, "review": 2}


def hostile_copy(folder: Path, attack: str) -> Path:
    anchor = "{% block addressee_title %}委员{% endblock %}"
    return template_copy(folder, anchor, anchor.replace("委员", "委员" + attack))


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("attack", ATTACKS)
def test_hostile_template_is_refused_before_anything_is_written(tmp_path: Path, command: str, attack: str) -> None:
    hostile = hostile_copy(tmp_path, ATTACKS[attack])
    out = tmp_path / "out"
    result = replygen(*command_line(command, tmp_path), "--templates", str(hostile), "-o", str(out))
    assert result.returncode == EXIT[command]
    assert f"{hostile / PROPOSAL}:5: 模板访问内部属性“__" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not out.exists()


@pytest.mark.parametrize("command", COMMANDS)
def test_attack_built_at_run_time_is_refused_by_the_sandbox(tmp_path: Path, command: str) -> None:
    """Only rendering shows it: render and batch refuse every proposal (the suggestion, on another template, is
    still written); review refuses the whole review and writes no report."""
    hostile = hostile_copy(tmp_path, BUILT_AT_RUN_TIME)
    out = tmp_path / "out"
    result = replygen(*command_line(command, tmp_path), "--templates", str(hostile), "-o", str(out))
    assert result.returncode == EXIT[command]
    assert f"{hostile / PROPOSAL}:5: 模板试图访问不安全的内容，已被沙箱拒绝" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    written = sorted(p.name for p in out.rglob("*.pdf")) if out.exists() else []
    assert written == ([] if command == "review" else ["example-suggestion.pdf"])


# --- the text difference -----------------------------------------------------------------------------------

def paragraphs(*texts: str, role: str = "body") -> list[Paragraph]:
    return [Paragraph(role, (Run(text),)) for text in texts]


def test_changed_paragraph_is_diffed_by_character_and_far_context_folded() -> None:
    before = paragraphs("甲", "乙", "丙", "现将办理情况答复如下：", "丁", "戊")
    after = paragraphs("甲", "乙", "丙", "现将办理情况回复如下：", "丁", "戊", "新增一段")
    diff = diff_paragraphs(before, after)
    assert [row.kind for row in diff.rows] == [FOLDED, "unchanged", CHANGED, "unchanged", "unchanged", ADDED]
    assert diff.rows[0].folded == 2
    assert [(s.kind, s.text) for s in diff.rows[2].segments] == [
        (SAME, "现将办理情况"), (DELETED, "答"), (INSERTED, "回"), (SAME, "复如下：")]
    assert (diff.removed, diff.added) == (1, 1 + len("新增一段"))
    assert [(s.kind, s.text) for s in diff.first_change(around=3)] == [(SAME, "…理情况"), (DELETED, "答"),
                                                                         (INSERTED, "回"), (SAME, "复如下…")]


def test_unlike_paragraphs_are_removed_and_added_not_paired() -> None:
    diff = diff_paragraphs(paragraphs("完全不同的一段话"), paragraphs("另起炉灶"))
    assert [row.kind for row in diff.rows] == [REMOVED, ADDED]


def test_a_role_change_is_a_change() -> None:
    diff = diff_paragraphs(paragraphs("一、总体情况"), paragraphs("一、总体情况", role="heading-1"))
    assert diff.changed and diff.rows[0].role_changed
