"""Stamped end blocks (GB/T 9704 7.3.5), the 版记 on an even page and punctuation squeezing, measured from the PDFs
as a reviewer with a ruler would: the seal's box from the PDF's images (and the pixels, through `replygen check`),
the organ name and the date from the text."""

from __future__ import annotations

import dataclasses
import io
import itertools
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pdfplumber
import pytest

from replygen.check.pdf import check_pdf
from replygen.compose import DEFAULT_TEMPLATES, Templates
from replygen.document import Document
from replygen.load import load_reply
from replygen.style import PT_PER_MM
from replygen.writers.docx import write_docx
from replygen.writers.pdf import render_pdf, squeezed

from conftest import CONTENT
from pdfmeasure import Line, measure

MM = 1 / PT_PER_MM
DATE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")
RIGHT_EDGE = 210 - 26  # mm: the text area's right edge
PITCH = 225 / 22  # mm


def compose(templates: Templates, path: Path, text: str | None = None) -> Document:
    return templates.compose(load_reply(path, text))


def pdf_of(tmp_path: Path, templates: Templates, doc: Document, name: str = "reply") -> Path:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(render_pdf(doc, templates.style))
    return path


def seal_boxes(pdf: Path, page: int) -> list[tuple[float, float, float, float]]:
    """(x0, top, x1, bottom) in mm of each image on a page (1-based), left to right, top to bottom."""
    with pdfplumber.open(pdf) as document:
        images = document.pages[page - 1].images
        return sorted(((i["x0"] * MM, i["top"] * MM, i["x1"] * MM, i["bottom"] * MM) for i in images),
                      key=lambda b: (round(b[1]), b[0]))


def words(pdf: Path, page: int) -> list[tuple[str, float, float, float, float]]:
    """(text, x0, top, x1, bottom) in mm of each run of text on a page, split at gaps wider than a character."""
    with pdfplumber.open(pdf) as document:
        chars = document.pages[page - 1].chars
    rows: dict[int, list[dict]] = {}
    for c in chars:
        rows.setdefault(round(c["bottom"]), []).append(c)
    out = []
    for _, cs in sorted(rows.items()):
        cs.sort(key=lambda c: c["x0"])
        run = [cs[0]]
        for c in [*cs[1:], None]:
            if c is None or c["x0"] - run[-1]["x1"] > c["size"]:
                out.append(("".join(x["text"] for x in run), run[0]["x0"] * MM, min(x["top"] for x in run) * MM,
                            run[-1]["x1"] * MM, max(x["bottom"] for x in run) * MM))
                run = []
            if c is not None:
                run.append(c)
    return out


def end_block(pdf: Path, block: tuple[str, ...] = ("示例区交通运输局", "局长")) -> tuple[int, tuple, list[tuple], Line]:
    """The page of the date, the date, the runs of text on that page, and the last body line (above the block's
    lines, `block`)."""
    pages = measure(pdf)
    for page in reversed(pages):
        ws = words(pdf, page.number)
        dates = [w for w in ws if DATE.fullmatch(w[0])]
        if dates:
            date = dates[-1]
            return page.number, date, ws, _last_body_line([ln for ln in page.lines if not ln.text.startswith(block)],
                                                          date)
    raise AssertionError("no date")


def _last_body_line(lines: list[Line], date: tuple) -> Line:
    above = [ln for ln in lines if ln.bottom < date[2] and ln.size == 16 and not ln.coloured]
    # the body's last line: the last line whose left edge is the text area's (a body paragraph's wrapped line or
    # its first line 2 characters in), above the organ names
    body = [ln for ln in above if ln.x0 < 28 + 2 * 5.6 + 0.5]
    return body[-1]


def assert_organ_stamp(pdf: Path, names: list[str], date_centred: bool = True) -> None:
    """7.3.5.1 measured: each seal centred on its name (±1 mm), name and (last seal) date in its lower half, the
    first seal's top within a line pitch of the last body line, the date ending 4 characters in, seals apart and
    inside the text area."""
    number, date, ws, body_line = end_block(pdf)
    seals = seal_boxes(pdf, number)
    assert len(seals) == len(names)
    date_right = RIGHT_EDGE - 4 * 156 / 28
    assert date[3] == pytest.approx(date_right, abs=0.5)
    for seal, name_text in zip(seals, names, strict=True):
        name = next(w for w in ws if w[0] == name_text)
        centre_x, centre_y = (seal[0] + seal[2]) / 2, (seal[1] + seal[3]) / 2
        assert abs(centre_x - (name[1] + name[3]) / 2) <= 1, (name_text, seal)
        assert centre_y <= name[2] and name[4] <= seal[3], (name_text, seal)  # in the lower half
        assert seal[0] >= 28 - 0.1 and seal[2] <= RIGHT_EDGE + 0.1
        assert seal[2] - seal[0] == pytest.approx(42, abs=0.2)
    last = seals[-1]
    assert (last[1] + last[3]) / 2 <= date[2] and date[4] <= last[3]
    if date_centred:  # the name is centred over the date (LibreOffice sets the digits in a wider stand-in font)
        assert abs((last[0] + last[2]) / 2 - (date[1] + date[3]) / 2) <= 1
    assert 0 <= seals[0][1] - body_line.bottom <= PITCH
    for a, b in itertools.pairwise(seals):
        assert a[2] < b[0] or a[3] < b[1]  # neither intersect nor touch


@pytest.fixture(scope="module")
def stamped_pdf(templates: Templates, tmp_path_factory: pytest.TempPathFactory) -> Path:
    doc = compose(templates, CONTENT / "2026" / "example-stamped.yaml")
    return pdf_of(tmp_path_factory.mktemp("stamped"), templates, doc, "stamped")


def test_single_stamped_with_a_seal_image(stamped_pdf: Path) -> None:
    assert_organ_stamp(stamped_pdf, ["示例区交通运输局"])


def test_hand_stamp_leaves_the_same_space(templates: Templates, tmp_path: Path, stamped_pdf: Path) -> None:
    path = CONTENT / "2026" / "example-stamped.yaml"
    doc = compose(templates, path, path.read_text(encoding="utf-8").replace("stamped: seal", "stamped: true"))
    pdf = pdf_of(tmp_path, templates, doc)
    number, date, ws, body_line = end_block(pdf)
    assert seal_boxes(pdf, number) == []
    name = next(w for w in ws if w[0] == "示例区交通运输局")
    assert (name[1] + name[3]) / 2 == pytest.approx((date[1] + date[3]) / 2, abs=0.5)  # centred over the date
    _, _, ws_sealed, body_sealed = end_block(stamped_pdf)
    name_sealed = next(w for w in ws_sealed if w[0] == "示例区交通运输局")
    assert name[2] - body_line.bottom == pytest.approx(name_sealed[2] - body_sealed.bottom, abs=0.3)
    assert name[2] - body_line.bottom > 20  # room above the name for the upper half of a 42 mm seal


def test_unstamped_seed_is_unchanged(seed_doc: Document) -> None:
    assert seed_doc.stamp is None


def test_joint_issuance(templates: Templates, tmp_path: Path) -> None:
    doc = compose(templates, CONTENT / "2026" / "example-joint.yaml")
    assert_organ_stamp(pdf_of(tmp_path, templates, doc), ["示例区交通运输局", "示例区文化和旅游局"])


def test_signature_seal(templates: Templates, tmp_path: Path) -> None:
    pdf = pdf_of(tmp_path, templates, compose(templates, CONTENT / "2026" / "example-signature.yaml"))
    number, date, ws, body_line = end_block(pdf)
    [seal] = seal_boxes(pdf, number)
    title = next(w for w in ws if w[0] == "局长")
    assert seal[2] == pytest.approx(RIGHT_EDGE - 4 * 156 / 28, abs=0.5)  # 右空四字
    assert title[1] == pytest.approx(28 + 2 * 156 / 28, abs=0.5)  # 左空二字
    assert (title[2] + title[4]) / 2 == pytest.approx((seal[1] + seal[3]) / 2, abs=1)  # centred on the seal
    assert date[3] == pytest.approx(RIGHT_EDGE - 4 * 156 / 28, abs=0.5)
    assert date[2] - seal[3] == pytest.approx(PITCH + (PITCH - 16 * MM) / 2, abs=1)  # one blank line below
    assert seal[1] - body_line.bottom == pytest.approx(2 * PITCH + (PITCH - 16 * MM) / 2, abs=1)  # two blank lines


def test_seal_is_drawn_behind_the_text(stamped_pdf: Path) -> None:
    """The name's glyphs are painted after the seal: where they cross the red, the pixels are black."""
    number, date, _, _ = end_block(stamped_pdf)
    with pdfplumber.open(stamped_pdf) as pdf:
        page = pdf.pages[number - 1]
        crop = page.crop((date[1] / MM, date[2] / MM, date[3] / MM, date[4] / MM)).to_image(resolution=200)
        pixels = list(crop.original.convert("RGB").get_flattened_data())
    dark = sum(1 for r, g, b in pixels if r < 80 and g < 80 and b < 80)
    red = sum(1 for r, g, b in pixels if r > 150 and g < 100 and b < 100)
    assert dark > 100 and red > 100


# --- LibreOffice: the DOCX's seals anchored behind the text ------------------------------------------------


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not on PATH")
@pytest.mark.parametrize("name,organs", [("example-stamped", ["示例区交通运输局"]),
                                         ("example-joint", ["示例区交通运输局", "示例区文化和旅游局"])])
def test_libreoffice_lays_out_the_docx_stamp_alike(templates: Templates, tmp_path: Path, name: str,
                                                   organs: list[str]) -> None:
    from libreoffice import to_pdf

    docx = tmp_path / f"{name}.docx"
    write_docx(compose(templates, CONTENT / "2026" / f"{name}.yaml"), templates.style, docx)
    assert_organ_stamp(to_pdf(docx, tmp_path, templates.style), organs, date_centred=False)


def test_docx_seal_is_anchored_behind_the_text(templates: Templates, tmp_path: Path) -> None:
    import zipfile

    docx = tmp_path / "s.docx"
    write_docx(compose(templates, CONTENT / "2026" / "example-stamped.yaml"), templates.style, docx)
    xml = zipfile.ZipFile(docx).read("word/document.xml").decode()
    assert "<wp:inline" not in xml and xml.count("<wp:anchor") == 1 and 'behindDoc="1"' in xml
    settings = zipfile.ZipFile(docx).read("word/settings.xml").decode()
    assert '<w:characterSpacingControl w:val="compressPunctuation"/>' in settings


# --- the 版记 on an even page ------------------------------------------------------------------------------


def _three_page_reply(templates: Templates) -> Document:
    """A reply whose text and 版记 end on page 3 when laid out as they come."""
    head = ("issuer: shsmj\nkind: proposal\ndoc_number: 9\nsession: 市政协十四届四次会议\nnumber: \"0001\"\n"
            "subject: 关于测试版记位置的提案\nsalutation: {names: [张三]}\ndate: 2026-05-20\nprinted: true\nbody:\n")
    paragraph = "  - " + "我们认真研究了您的建议，逐项落实到相关处室和区级部门，并按季度跟踪办理进度。" * 3 + "\n"
    for n in range(8, 30):
        doc = templates.compose(load_reply(Path("pages.yaml"), head + paragraph * n))
        plain = dataclasses.replace(doc, imprint_even=False)
        if len(pdfplumber.open(io.BytesIO(render_pdf(plain, templates.style))).pages) == 3:
            return doc
    raise AssertionError("no three-page reply found")


@pytest.fixture(scope="module")
def three_pages(templates: Templates) -> Document:
    return _three_page_reply(templates)


def test_imprint_on_page_3_moves_to_a_bare_page_4(templates: Templates, tmp_path: Path, three_pages: Document) -> None:
    pages = measure(pdf_of(tmp_path, templates, three_pages))
    assert len(pages) == 4
    page4 = [ln.text for ln in pages[3].lines]
    assert page4[0].startswith("抄送") and page4[-1].endswith("印发")  # nothing but the 版记
    assert not any(re.search(r"—\s*\d+\s*—", t) for t in page4)  # no page number
    assert re.sub(r"\s", "", pages[2].lines[-1].text) == "—3—"  # the text's last page keeps its number
    assert not any(ln.text.startswith("抄送") for ln in pages[2].lines)


def test_the_bare_imprint_page_embeds_only_the_styles_fonts(templates: Templates, tmp_path: Path,
                                                           three_pages: Document) -> None:
    """The 版记's own page carries it on a line of its own (a zero-width space): set in one of the style's fonts,
    not the system's default font, which put a whole 21 MB CJK font into every such PDF."""
    import pikepdf

    path = pdf_of(tmp_path, templates, three_pages)
    with pikepdf.open(path) as pdf:
        fonts = {str(font.BaseFont) for page in pdf.pages for font in page.Resources.Font.values()}
    assert fonts and all("+rg-" in name for name in fonts), fonts
    assert path.stat().st_size < 1_000_000


def test_check_names_an_imprint_on_an_odd_page(templates: Templates, tmp_path: Path, three_pages: Document) -> None:
    odd = pdf_of(tmp_path, templates, dataclasses.replace(three_pages, imprint_even=False), "odd")
    findings = [str(f) for f in check_pdf(odd, templates.style)]
    assert any("版记所在页：实测 第3页（单页），应为 双页" in f for f in findings), findings
    even = pdf_of(tmp_path, templates, three_pages, "even")
    assert [str(f) for f in check_pdf(even, templates.style) if f.rule in ("pdf-imprint", "pdf-page-number")] == []


# --- check ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["example-stamped", "example-joint", "example-signature"])
def test_check_passes_the_stamped_examples(templates: Templates, tmp_path: Path, name: str) -> None:
    pdf = pdf_of(tmp_path, templates, compose(templates, CONTENT / "2026" / f"{name}.yaml"))
    assert [str(f) for f in check_pdf(pdf, templates.style) if f.rule in ("pdf-stamp", "pdf-imprint")] == []


def test_check_names_a_seal_moved_10mm_up(templates: Templates, tmp_path: Path, monkeypatch) -> None:
    from replygen.writers import pdf as writer

    place = writer.place

    def moved(*args, **kwargs):
        layout = place(*args, **kwargs)
        seals = tuple((dataclasses.replace(box, y=box.y - 10 / MM), seal) for box, seal in layout.seals)
        return dataclasses.replace(layout, seals=seals)

    monkeypatch.setattr(writer, "place", moved)
    pdf = pdf_of(tmp_path, templates, compose(templates, CONTENT / "2026" / "example-stamped.yaml"))
    findings = [str(f) for f in check_pdf(pdf, templates.style) if f.rule == "pdf-stamp"]
    assert any("印章上沿距正文末行：实测 -" in f and "应为 一行之内" in f for f in findings), findings
    assert any("成文日期在印章中的位置：实测 日期下沿在印章下沿之下" in f for f in findings), findings


# --- punctuation squeezing ---------------------------------------------------------------------------------


def test_squeezed_pairs() -> None:
    assert squeezed("说：“好。”") == {1, 4}
    assert squeezed("（）") == set() and squeezed("——") == set()
    assert squeezed("是，“《方案》”，") == {1, 2, 6, 7}


def test_lines_with_consecutive_punctuation_hold_28_characters(templates: Templates, tmp_path: Path) -> None:
    text = "".join(f"第{n}项意见是“加快推进”。“这项工作”已经列入计划（附表一）。相关部门说：“《实施方案》”，正在修改完善。"
                   for n in "一二三四五六七八")
    yaml = ("issuer: shsmj\nkind: proposal\nsession: 市政协十四届四次会议\nnumber: \"0002\"\n"
            f"subject: 关于标点挤压的提案\nsalutation: 张三\ndate: 2026-05-20\nbody:\n  - {text}\n")
    pdf = pdf_of(tmp_path, templates, templates.compose(load_reply(Path("p.yaml"), yaml)))
    lines = [ln for p in measure(pdf) for ln in p.lines if ln.size == 16]
    start = next(i for i, ln in enumerate(lines) if ln.text.startswith("第一项"))
    paragraph = lines[start:]
    wrapped = paragraph[:next(i for i, ln in enumerate(paragraph) if ln.x1 < 150)]  # up to its short last line
    counts = [len(ln.text) + (2 if k == 0 else 0) for k, ln in enumerate(wrapped)]
    pairs = [ln for ln in wrapped if squeezed(ln.text)]
    assert len(pairs) > 5
    assert all(c >= 28 for c in counts), [(c, ln.text) for c, ln in zip(counts, wrapped, strict=True)]


# --- bad input ---------------------------------------------------------------------------------------------


@pytest.fixture
def own_templates(tmp_path: Path) -> Path:
    folder = tmp_path / "templates"
    shutil.copytree(DEFAULT_TEMPLATES, folder)
    return folder


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "replygen", *args], capture_output=True, text=True)


def _profile(folder: Path, old: str, new: str, name: str = "example-jtj") -> Path:
    path = folder / "issuers" / f"{name}.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def _line(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


@pytest.mark.parametrize("old,new,message,field,needle", [
    ("image: seals/example-jtj.png", "image: seals/missing.png", "找不到印章图像“seals/missing.png”",
     "stamp.seal.image", "missing.png"),
    ("image: seals/example-jtj.png", "image: seals/opaque.png", "没有透明通道", "stamp.seal.image", "opaque.png"),
    ("image: seals/example-jtj.png", "image: seals/broken.png", "无法读取", "stamp.seal.image", "broken.png"),
    ("diameter: 42mm", "diameter: 70mm", "印章尺寸应在 20–60 mm 之间，实际是 70 mm", "stamp.seal.diameter", "70mm"),
    ("image: seals/example-jtj.png", "image: ../../outside.png", "在模板目录之外", "stamp.seal.image", "outside.png"),
])
def test_bad_seal_is_a_located_error_and_nothing_is_written(own_templates: Path, tmp_path: Path, old: str, new: str,
                                                            message: str, field: str, needle: str) -> None:
    from PIL import Image

    Image.new("RGB", (100, 100), "red").save(own_templates / "seals" / "opaque.png")
    (own_templates / "seals" / "broken.png").write_bytes(b"\x89PNG not really")
    Image.new("RGBA", (10, 10)).save(tmp_path / "outside.png")
    profile = _profile(own_templates, old, new)
    out = tmp_path / "out"
    result = _run("render", str(CONTENT / "2026" / "example-stamped.yaml"), "--templates", str(own_templates),
                  "-o", str(out))
    assert result.returncode == 1
    assert f"{profile}:{_line(profile, needle)}:" in result.stderr and f"字段 {field}：" in result.stderr
    assert message in result.stderr, result.stderr
    assert not out.exists() or not any(out.iterdir())


def test_joint_organ_without_a_seal_is_named(own_templates: Path, tmp_path: Path) -> None:
    profile = own_templates / "issuers" / "example-letter.yaml"
    text = profile.read_text(encoding="utf-8")
    profile.write_text(text[:text.index("stamp:")], encoding="utf-8")
    out = tmp_path / "out"
    result = _run("render", str(CONTENT / "2026" / "example-joint.yaml"), "--templates", str(own_templates),
                  "-o", str(out))
    assert result.returncode == 1
    assert f"{profile}:{_line(profile, 'organ:')}:1: 字段 stamp.seal.image：" in result.stderr
    assert "联合行文机关 example-letter 的档案没有印章图像" in result.stderr
    assert not out.exists() or not any(out.iterdir())


def test_lint_warns_a_stamped_reply_without_date_or_organ(tmp_path: Path) -> None:
    reply = tmp_path / "r.yaml"
    reply.write_text("issuer: example-jtj\nkind: proposal\nsession: 某会议\nnumber: \"1\"\nsubject: 关于某事的提案\n"
                     "salutation: 张三\nbody: [正文。]\nstamped: true\nsignature: false\ndate: false\n", encoding="utf-8")
    result = _run("lint", str(reply))
    assert result.returncode == 1
    assert f"{reply}:9:12: 字段 signature：答复要盖章（stamped），但不写发文机关署名" in result.stdout
    assert f"{reply}:10:7: 字段 date：答复要盖章（stamped），但没有成文日期" in result.stdout


def test_an_svg_seal_is_drawn_in_both_writers(own_templates: Path, tmp_path: Path) -> None:
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><circle cx="50" cy="50" r="47" fill="none" '
           'stroke="#E60012" stroke-width="4"/><polygon points="50,25 57,45 78,45 61,57 67,77 50,65 33,77 39,57 22,45 '
           '43,45" fill="#E60012"/></svg>')
    (own_templates / "seals" / "round.svg").write_text(svg, encoding="utf-8")
    _profile(own_templates, "image: seals/example-jtj.png", "image: seals/round.svg")
    out = tmp_path / "out"
    result = _run("render", str(CONTENT / "2026" / "example-stamped.yaml"), "--templates", str(own_templates),
                  "-o", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    import zipfile

    media = [n for n in zipfile.ZipFile(out / "example-stamped.docx").namelist() if n.startswith("word/media/")]
    assert len(media) == 1 and media[0].endswith(".png")
    from PIL import Image

    png = Image.open(io.BytesIO(zipfile.ZipFile(out / "example-stamped.docx").read(media[0])))
    assert png.mode == "RGBA" and png.getchannel("A").getextrema()[0] == 0  # transparent around the ring
    red = check_pdf(out / "example-stamped.pdf", Templates.open(own_templates).style)
    assert [f for f in red if f.rule == "pdf-stamp"] == []


# --- 7.3.5.5: the seal block never alone on a page -----------------------------------------------------------

SENTENCE = "我局将持续跟踪线路运行情况，及时回应群众关切。"


def _pushed_reply(templates: Templates, tmp_path: Path) -> tuple[str, int]:
    """example-stamped.yaml with a paragraph before the closing grown sentence by sentence until, laid out as it
    comes (no adjustment), the seal block no longer fits under the body: the date's page then opens with body
    lines carried over, while the page before has at least a line free at its foot. (YAML, that page)"""
    from replygen.document import Fit

    text = (CONTENT / "2026" / "example-stamped.yaml").read_text(encoding="utf-8")
    for n in range(1, 30):
        yaml = text.replace("closing:\n  - 感谢", f"  - {SENTENCE * n}\nclosing:\n  - 感谢")
        doc = templates.compose(load_reply(Path("pushed.yaml"), yaml))
        pdf = pdf_of(tmp_path, templates, dataclasses.replace(doc, fit=Fit()), "as-it-comes")
        number, _, _, _ = end_block(pdf)
        before = [ln for ln in measure(pdf)[number - 2].lines if ln.size == 16] if number > 1 else []
        if before and before[-1].bottom + (PITCH - 16 * MM) / 2 <= 262 - PITCH + 0.1:
            return yaml, number - 1
    raise AssertionError("no length puts the seal block just past the page end")


def test_tightened_lines_keep_the_seal_with_the_body(templates: Templates, tmp_path: Path) -> None:
    """7.3.5.5 measured: the body's last paragraphs set tighter (no tighter than style.stamp.min_pitch) so that
    the seal, the organ name and the date stay on the page of the body's last lines, with body lines above them;
    render says so; the DOCX sets the same paragraphs at the same pitch."""
    yaml, page = _pushed_reply(templates, tmp_path)
    reply = tmp_path / "pushed.yaml"
    reply.write_text(yaml, encoding="utf-8")
    out = tmp_path / "out"
    result = _run("render", str(reply), "-o", str(out))
    assert result.returncode == 0, result.stderr
    notes = re.findall(r"版面调整：第(\d+)页最后 (\d+) 段行距由 28.99 pt 收紧为 ([\d.]+) pt，使印章与正文同页", result.stdout)
    assert notes and int(notes[0][0]) == page, result.stdout
    pitch = float(notes[0][2])
    min_pitch = templates.style.stamp.min_pitch
    assert min_pitch <= pitch < 28.99
    pdf = out / "pushed.pdf"
    number, date, _, body_line = end_block(pdf)
    assert number == page  # the seal block came back to the page the body ends on
    [seal] = seal_boxes(pdf, number)
    assert body_line.bottom < seal[1] and seal[3] > date[4]  # under the body, pressing the date
    assert_organ_stamp(pdf, ["示例区交通运输局"])
    lines = [ln for ln in measure(pdf)[number - 1].lines if ln.size == 16 and ln.bottom <= body_line.bottom]
    gaps = [round(b.top - a.top, 2) for a, b in itertools.pairwise(lines)]
    assert min(gaps) >= min_pitch * MM - 0.05  # never tighter than the style allows
    assert min(gaps) == pytest.approx(pitch * MM, abs=0.05) and max(gaps) <= PITCH + 0.05
    import zipfile

    xml = zipfile.ZipFile(out / "pushed.docx").read("word/document.xml").decode()
    tightened = xml.count(f'w:line="{int(pitch * 20)}"')
    assert tightened == int(notes[0][1])  # the same paragraphs, at the same pitch (in twips)
    if shutil.which("soffice"):
        from libreoffice import to_pdf

        lo = to_pdf(out / "pushed.docx", tmp_path, templates.style)
        assert end_block(lo)[0] == page


def test_block_carries_body_lines_when_tightening_is_not_enough(templates: Templates, tmp_path: Path) -> None:
    """example-joint: its two rows of seals need more than tightening page 1 can give, so the block goes to page 2
    with the body's last line (never alone there), and render says so."""
    out = tmp_path / "out"
    result = _run("render", str(CONTENT / "2026" / "example-joint.yaml"), "-o", str(out), "--format", "pdf")
    assert result.returncode == 0, result.stderr
    assert ("版面调整：第1页剩余的地方放不下印章和成文日期，最后几段行距收紧到 26 pt 也放不下：已将正文最后 1 行与印章一起移到第2页"
            in result.stdout), result.stdout
    number, _, _, body_line = end_block(out / "example-joint.pdf", ("示例区",))
    assert number == 2 and body_line.page == 2 and body_line.text == "感谢您对我们工作的关心和支持。"


# --- the DOCX's 版记 on an even page -------------------------------------------------------------------------


def test_docx_imprint_gets_an_even_page_of_its_own(templates: Templates, tmp_path: Path, three_pages: Document) -> None:
    """The PDF's layout found the text ends on page 3: the DOCX's 版记 is a section of its own that starts on an
    even page, with empty footers. LibreOffice puts it on page 4 with no page number there; page 3 keeps its."""
    import zipfile

    from replygen.render import render_document

    outputs, doc = render_document(three_pages, templates, tmp_path / "three", ["docx"])
    assert doc.fit is not None and doc.fit.imprint_page
    docx = tmp_path / "three.docx"
    docx.write_bytes(outputs[docx])
    xml = zipfile.ZipFile(docx).read("word/document.xml").decode()
    assert xml.count("<w:sectPr") == 2 and '<w:type w:val="evenPage"/>' in xml
    assert [f for f in check_docx_file(docx, templates) if f.rule == "docx-footer"] == []
    if not shutil.which("soffice"):
        pytest.skip("LibreOffice (soffice) is not on PATH")
    from libreoffice import to_pdf

    pages = measure(to_pdf(docx, tmp_path, templates.style))
    assert len(pages) == 4
    page4 = [ln.text for ln in pages[3].lines]
    assert page4[0].startswith("抄送") and page4[-1].endswith("印发")  # nothing but the 版记
    assert not any(re.search(r"—\s*\d+\s*—", t) for t in page4)  # no page number
    assert re.sub(r"\s", "", pages[2].lines[-1].text) == "—3—"
    assert not any(ln.text.startswith("抄送") for ln in pages[2].lines)


def check_docx_file(path: Path, templates: Templates) -> list:
    from replygen.check.docx import check_docx

    return check_docx(path, templates.style)


def test_check_names_a_numbered_imprint_section(templates: Templates, tmp_path: Path, three_pages: Document) -> None:
    import zipfile

    from replygen.render import render_document

    outputs, _ = render_document(three_pages, templates, tmp_path / "three", ["docx"])
    data = outputs[tmp_path / "three.docx"]
    bad = tmp_path / "bad.docx"
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(bad, "w") as dst:
        for name in src.namelist():
            part = src.read(name)
            if name == "word/document.xml":
                part = part.replace(b'<w:type w:val="evenPage"/>', b'<w:type w:val="nextPage"/>')
            dst.writestr(name, part)
    found = [str(f) for f in check_docx_file(bad, templates)]
    assert any("版记页的起始" in f and "nextPage" in f for f in found), found


def test_imprint_after_a_blank_page_when_it_does_not_fit_under_an_even_page(templates: Templates,
                                                                          tmp_path: Path) -> None:
    """A letter whose text fills page 2 to its foot: the 版记 does not fit there, so it goes to page 4 with a blank
    page 3 before it, neither numbered; the DOCX makes the same blank page (LibreOffice shows it alike)."""
    from replygen.check import check_file
    from replygen.render import render_document

    text = (CONTENT / "2026" / "example-letter.yaml").read_text(encoding="utf-8")
    paragraph = "我们认真研究了您的建议，逐项落实到相关处室和区级部门，并按季度跟踪办理进度。" * 3
    for n in range(0, 12):
        doc = templates.compose(load_reply(Path("l.yaml"), text.replace("body:\n", "body:\n" + f"  - {paragraph}\n" * n, 1)))
        outputs, settled = render_document(doc, templates, tmp_path / "letter", ["pdf", "docx"])
        if settled.fit.blank_page:
            break
    else:
        raise AssertionError("no letter whose 版记 needs a blank page before it")
    for target, data in outputs.items():
        target.write_bytes(data)
        assert check_file(target, templates.style).findings == []
    produced = [measure(tmp_path / "letter.pdf")]
    if shutil.which("soffice"):
        from libreoffice import to_pdf

        produced.append(measure(to_pdf(tmp_path / "letter.docx", tmp_path, templates.style)))
    for pages in produced:
        assert len(pages) == 4 and pages[2].lines == []  # blank, without a page number
        assert [ln.text[:3] for ln in pages[3].lines] == ["抄送："]  # only the 版记 (a letter's has no 印发 line)
        assert re.sub(r"\s", "", pages[1].lines[-1].text) == "—2—"


def test_a_hand_stamp_from_a_profile_without_a_seal_renders_and_passes_check(tmp_path: Path) -> None:
    """`stamped: true` on the seed, whose profile names no seal: the default 42 mm space for a hand stamp (it crashed:
    the profile's default diameter was left unconverted). Its text then ends on page 4 without filling it, and
    the 版记 goes to page 6 after a blank page 5: page 4 is the text's last page, not a full one, for check."""
    reply = tmp_path / "245.yaml"
    reply.write_text((CONTENT / "2026" / "245.yaml").read_text(encoding="utf-8") + "stamped: true\n", encoding="utf-8")
    r = _run("render", str(reply), "-o", str(tmp_path / "out"), "--check")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "不符合 0 个" in r.stdout + r.stderr
    pages = measure(tmp_path / "out" / "245.pdf")
    assert len(pages) % 2 == 0 and any("抄送" in ln.text for ln in pages[-1].lines)
