"""Review at archive scale: 300 varied replies (tests/replies.py), reviewed as a template reviewer would.

1. One formula edited (the opening's 答复如下 → 回复如下, in every reply kind): one text group of 300.
2. The same, plus one more line of space above the signature (style.yaml): the replies whose signature it
   pushes onto a new page form groups of their own, flagged; the ones it does not push stay together.

Each review runs once per module (DOCX-free: a review lays out, it writes no PDFs but for the pictures). The two
share a layout cache (`--cache`), as a reviewer trying one change after another would: the second takes its base
side's 300 layouts from it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from replies import write_archive

from conftest import ROOT

N = 300
TEMPLATES = ROOT / "templates"


def replygen(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "replygen", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=900)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("archive")
    write_archive(folder, N)
    return folder


def changed_templates(folder: Path, *, more_space_above_signature: bool = False) -> Path:
    root = folder / "templates"
    shutil.copytree(TEMPLATES, root)
    for path in (root / "reply").glob("*.j2"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("现将办理情况答复如下", "现将办理情况回复如下"), encoding="utf-8")
    if more_space_above_signature:
        style = root / "style.yaml"
        text = style.read_text(encoding="utf-8")
        old = "signature: {indent: 0, align: left, space_before: 1}"
        assert old in text
        style.write_text(text.replace(old, old.replace("space_before: 1", "space_before: 2")), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("layouts")


def run_review(archive: Path, folder: Path, cache: Path, *extra: str, **change: bool) -> tuple[Path, dict, str]:
    report = folder / "report"
    result = replygen("review", str(archive), "--base", str(TEMPLATES), "--templates",
                      str(changed_templates(folder, **change)), "-o", str(report), "--json",
                      str(folder / "review.json"), "--cache", str(cache), *extra)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    return report, json.loads((folder / "review.json").read_text(encoding="utf-8")), result.stdout


@pytest.fixture(scope="module")
def one_formula(archive: Path, cache: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, str]:
    return run_review(archive, tmp_path_factory.mktemp("one-formula"), cache)


@pytest.fixture(scope="module")
def signature_pushed(archive: Path, cache: Path, one_formula: tuple[Path, dict, str],
                     tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, str]:
    """After `one_formula`, with the same cache: every base layout is there already."""
    return run_review(archive, tmp_path_factory.mktemp("signature"), cache, "--pictures", "4",
                      more_space_above_signature=True)


def test_one_formula_edit_is_one_group_of_300(one_formula: tuple[Path, dict, str]) -> None:
    report, found, stdout = one_formula
    assert f"评审：比较 {N} 份，有变化 {N} 份（1 种变化，0 份需要特别注意）" in stdout
    assert [(g["count"], g["kinds"], g["description"]) for g in found["groups"]] == [
        (N, ["文字"], "开头语：“答”→“回”")]
    assert found["outliers"] == [] and found["counts"]["outliers"] == 0
    index = (report / "index.html").read_text(encoding="utf-8")
    assert index.count('<tr data-group="') == 1 and f'data-count="{N}"' in index
    representative = found["groups"][0]["representative"]
    pictured = {p.parent.relative_to(report / "replies").as_posix() for p in report.rglob("*.png")}
    assert pictured == {representative}, "only the representative is pictured"
    size = sum(p.stat().st_size for p in report.rglob("*") if p.is_file())
    assert size < 4_000_000, f"report {size / 1e6:.1f} MB for one kind of change"
    assert len(list((report / "replies").rglob("*.html"))) == N, "every member opens on its own page"


def test_signature_pushed_onto_a_new_page_is_its_own_group_and_flagged(
        signature_pushed: tuple[Path, dict, str]) -> None:
    report, found, stdout = signature_pushed
    assert f"排版缓存：{N} 个排版取自" in stdout, "the base side's layouts, from the first review"
    groups = found["groups"]
    assert sum(g["count"] for g in groups) == N
    main = groups[0]
    assert main["description"] == "开头语：“答”→“回”；署名上方间距增加 10.2 mm", "the space is one line (10.2 mm)"
    assert main["count"] > N // 2
    reasons = {o["reply"]: o["reasons"] for o in found["outliers"]}
    # in the main group only replies whose last text line went onto the page that held only the 版记
    assert len(main["outliers"]) < main["count"] // 5
    assert all(r.startswith("末页文字") for stem in main["outliers"] for r in reasons[stem])
    pushed = [g for g in groups if any("页数增加" in f["text"] or "署名移到新的一页" in f["text"]
                                       for f in g["facts"])]
    assert pushed, "some replies' signature went onto a new page"
    flagged = {o["reply"] for o in found["outliers"]}
    for g in pushed:
        assert set(g["members"]) <= flagged, f"{g['description']}: every member flagged"
    member = pushed[0]["members"][0]
    assert any(r.startswith("页数 ") or r.startswith("署名移到新的一页") for r in reasons[member])
    index = (report / "index.html").read_text(encoding="utf-8")
    assert index.index('id="outliers"') < index.index('id="groups"'), "outliers are at the top"
    assert f'data-stem="{member}"' in index


def test_the_flagged_replies_did_move_their_signature(archive: Path, signature_pushed: tuple[Path, dict, str],
                                                      tmp_path: Path) -> None:
    """Checked apart from the review: render a few flagged and a few unflagged replies with both templates
    (`replygen render`) and count the pages of the PDFs, as a reader would."""
    import pdfplumber

    report, found, _ = signature_pushed
    flagged = [o["reply"] for o in found["outliers"] if any(r.startswith("页数 ") for r in o["reasons"])][:3]
    calm = found["groups"][0]["members"][:3]
    assert flagged
    files = [str(archive / f"{stem}.yaml") for stem in flagged + calm]
    counts = {}
    for side, templates in (("before", TEMPLATES), ("after", report.parent / "templates")):
        out = tmp_path / side
        result = replygen("render", *files, "--format", "pdf", "--templates", str(templates), "-o", str(out))
        assert result.returncode == 0, result.stderr
        counts[side] = {}
        for stem in flagged + calm:
            with pdfplumber.open(out / f"{Path(stem).name}.pdf") as pdf:
                counts[side][stem] = len(pdf.pages)
    said = {o["reply"]: r for o in found["outliers"] for r in o["reasons"] if r.startswith("页数 ")}
    for stem in flagged:
        # as the review said: one more page, or two when the 版记 then needs an even page of its own
        assert said[stem].startswith(f"页数 {counts['before'][stem]}→{counts['after'][stem]}（"), (stem, said[stem])
        assert counts["after"][stem] > counts["before"][stem], stem
    for stem in calm:
        assert counts["after"][stem] == counts["before"][stem], stem


def test_a_flagged_reply_opens_with_its_pictures(signature_pushed: tuple[Path, dict, str], browser) -> None:
    """In Chromium: the outliers at the top, one of them opened, its pages pictured; a calm member has none."""
    report, found, _ = signature_pushed
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    try:
        page.goto((report / "index.html").as_uri())
        rows = page.locator("#outliers tbody tr")
        assert rows.count() == len(found["outliers"]) > 0
        assert page.locator("#count-outliers").inner_text() == str(len(found["outliers"]))
        # the representative of a group of outliers: pictured (--pictures 4 covers the groups' representatives)
        pushed = next(g for g in found["groups"] if "页数增加" in g["description"])
        first = {"reply": pushed["representative"]}
        page.locator(f'#outliers tr[data-stem="{first["reply"]}"]').get_by_role("link", name=first["reply"]).click()
        page.wait_for_load_state("load")
        assert page.inner_text("#stem") == first["reply"]
        assert "需要特别注意" in page.inner_text("#flagged")
        images = page.locator("#pages img")
        assert images.count() >= 3
        images.first.scroll_into_view_if_needed()
        assert images.first.evaluate("img => img.complete && img.naturalWidth") > 0

        page.get_by_role("link", name="← 总览").click()
        page.wait_for_load_state("load")
        page.locator('#groups tr[data-group="g001"]').get_by_role("link", name="第 1 组").click()
        page.wait_for_load_state("load")
        members = page.locator("#members li")
        assert members.count() == found["groups"][0]["count"]
        calm = next(m for m in found["groups"][0]["members"] if m != found["groups"][0]["representative"])
        page.locator(f'#members li[data-stem="{calm}"] a').click()
        page.wait_for_load_state("load")
        assert page.inner_text("#stem") == calm
        assert page.locator("#text .paragraphs ins").all_inner_texts() == ["回"]
        assert page.locator("#no-pictures").count() == 1 and page.locator("img").count() == 0
    finally:
        page.close()
