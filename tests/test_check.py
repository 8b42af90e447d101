"""`replygen check`: replygen's own DOCX and PDF pass; documents from other tools fail, for the right reasons."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import pdfplumber
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH

from replygen.check import Finding, check_file
from replygen.compose import Templates
from replygen.render import document_for
from replygen.style import PT_PER_MM, Style

from conftest import CONTENT, SEED_YAML

CJK_PARAGRAPH = "本市持续推进标准化工作，围绕重点产业开展国际标准研制，推动标准与科技创新深度融合，取得了积极成效。" * 8


def replygen(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "replygen", *args], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def style(templates: Templates) -> Style:
    return templates.style


def findings(path: Path, style: Style, rule: str) -> list[Finding]:
    report = check_file(path, style)
    assert report.error is None, report.error
    return [f for f in report.findings if f.rule == rule]


def by_element(found: list[Finding]) -> dict[str, Finding]:
    return {f.element: f for f in found}


# --- replygen's own output ---------------------------------------------------------------------------------

def test_seed_pdf_and_docx_conform(seed_pdf: Path, seed_docx: Path, style: Style) -> None:
    for path in (seed_pdf, seed_docx):
        report = check_file(path, style)
        assert report.error is None and report.findings == [], [str(f) for f in report.findings]


@pytest.mark.parametrize("path", sorted(CONTENT.rglob("*.yaml")), ids=lambda p: p.stem)
def test_every_content_reply_conforms(path: Path, templates: Templates, style: Style, tmp_path: Path) -> None:
    """Every reply in content/ (plain, red header, letter, stamped, joint, signature seal), PDF and DOCX: no
    finding at all. The red-header ones used to get two on page 1, whose lines lay 4.5 mm (the red separator and
    its gap) below the grid, so that the page held 21 lines and left 5.7 mm empty at its foot."""
    from replygen.render import render_all

    doc = document_for(path, templates)
    for target, data in render_all(doc, templates, tmp_path / path.stem, ["pdf", "docx"]).items():
        target.write_bytes(data)
        report = check_file(target, style)
        assert report.findings == [], [str(f) for f in report.findings]


def test_red_separator_keeps_page_1_on_the_grid(templates: Templates, tmp_path: Path) -> None:
    """The red separator lies 4 mm under the 发文字号 in the line below it; the title's line and every line after
    it are on the page's grid (37 mm + k × 225/22 mm from the paper's top), 22 lines on page 1."""
    from replygen.writers.pdf import render_pdf

    from pdfmeasure import measure

    pdf = tmp_path / "red.pdf"
    pdf.write_bytes(render_pdf(document_for(CONTENT / "2026" / "example-stamped.yaml", templates), templates.style))
    pitch = 225 / 22
    page = measure(pdf)[0]
    number = next(ln for ln in page.lines if ln.text.startswith("示交建"))
    body = [ln for ln in page.lines if ln.size == 16 and ln.top > number.bottom and not ln.text.startswith("—")]
    for ln in body:
        slots = (ln.top - (pitch - 16 / PT_PER_MM) / 2 - 37) / pitch
        assert slots == pytest.approx(round(slots), abs=0.02), ln
    assert round((body[-1].bottom + (pitch - 16 / PT_PER_MM) / 2 - 37) / pitch) == 22
    with pdfplumber.open(pdf) as document:
        [rule] = [r for r in document.pages[0].rects if r["non_stroking_color"] != (0, 0, 0)]
    assert rule["top"] / PT_PER_MM - (number.bottom + (pitch - 16 / PT_PER_MM) / 2) == pytest.approx(4, abs=0.1)
    assert (rule["bottom"] - rule["top"]) / PT_PER_MM == pytest.approx(0.5, abs=0.05)


# --- a PDF from another tool: Letter paper, 20 mm margins, 12 pt text, plain page numbers ------------------

FOREIGN_CSS = """@page { size: letter; margin: 20mm; @bottom-center { content: counter(page); font-size: 10pt } }
body { margin: 0; font-family: 'Noto Serif CJK SC'; font-size: 12pt; line-height: 1.5 }
h1 { text-align: center; font-size: 18pt } p { text-indent: 2em; margin: 0 }"""


def weasyprint_pdf(path: Path, css: str, body: str) -> Path:
    from weasyprint import HTML

    HTML(string=f"<html><head><style>{css}</style></head><body>{body}</body></html>").write_pdf(path)
    return path


@pytest.fixture(scope="module")
def foreign_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    body = "<h1>关于标准化工作的答复</h1><p>张三委员：</p>" + f"<p>{CJK_PARAGRAPH}</p>" * 9
    body += "<p>抄送：市政协提案委员会。</p>"
    return weasyprint_pdf(tmp_path_factory.mktemp("foreign") / "foreign.pdf", FOREIGN_CSS, body)


def test_pdf_paper_size(foreign_pdf: Path, style: Style) -> None:
    (paper,) = findings(foreign_pdf, style, "pdf-paper")
    assert paper.measured == "215.9×279.4 mm" and paper.expected.startswith("210×297 mm")
    assert paper.pages == (1, 2, 3)


def test_pdf_margins(foreign_pdf: Path, style: Style) -> None:
    found = by_element(findings(foreign_pdf, style, "pdf-margins"))
    assert set(found) == {"上边距（天头）", "下边距", "左边距（订口）", "右边距"}
    assert found["左边距（订口）"].measured == "20.0 mm" and found["左边距（订口）"].expected.startswith("28 mm")
    top = float(found["上边距（天头）"].measured.split()[0])
    assert top == pytest.approx(20, abs=1.5)


def test_pdf_lines_per_page_and_chars_per_line(foreign_pdf: Path, style: Style) -> None:
    lines = findings(foreign_pdf, style, "pdf-lines")
    assert lines and all(f.expected == "22 行" and not f.measured.startswith("22 ") for f in lines)
    (chars,) = findings(foreign_pdf, style, "pdf-chars")
    assert chars.expected == "28 字" and float(chars.measured.split()[0]) == pytest.approx(41, abs=0.5)


def test_pdf_body_and_title_sizes(foreign_pdf: Path, style: Style) -> None:
    found = by_element(findings(foreign_pdf, style, "pdf-sizes"))
    assert (found["正文字号"].measured, found["正文字号"].expected) == ("12 pt", "16 pt")
    title = found["标题“关于标准化工作的答复”字号"]
    assert (title.measured, title.expected, title.pages) == ("18 pt", "22 pt", (1,))


def test_pdf_page_numbers(foreign_pdf: Path, style: Style) -> None:
    found = findings(foreign_pdf, style, "pdf-page-number")
    texts = {f.pages: f.measured for f in found if f.element == "页码文字"}
    assert texts == {(1,): "“1”", (2,): "“2”", (3,): "“3”"}
    size = next(f for f in found if f.element == "页码字号")
    assert (size.measured, size.expected) == ("10 pt", "14 pt")
    sides = {f.element: f.pages for f in found if f.element.startswith(("页码右端", "页码左端"))}
    assert sides == {"页码右端（距纸张左边）": (1, 3), "页码左端（距纸张左边）": (2,)}


def test_pdf_imprint_not_at_the_foot(foreign_pdf: Path, style: Style) -> None:
    found = by_element(findings(foreign_pdf, style, "pdf-imprint"))
    assert "版记位置（末行底边距纸张顶边）" in found
    size = found["版记“抄送：市政协提案”字号"]
    assert (size.measured, size.expected, size.pages) == ("12 pt", "14 pt", (3,))


def test_pdf_fonts_not_embedded(tmp_path: Path, style: Style) -> None:
    path = tmp_path / "helvetica.pdf"
    path.write_bytes(_pdf_with_standard_font())
    (font,) = findings(path, style, "pdf-fonts")
    assert font.measured == "Helvetica 未嵌入"


def test_seed_pdf_embeds_its_fonts(seed_pdf: Path, style: Style) -> None:
    assert findings(seed_pdf, style, "pdf-fonts") == []


def test_pdf_without_text(tmp_path: Path, style: Style) -> None:
    path = weasyprint_pdf(tmp_path / "blank.pdf", "@page { size: A4 }", "<div style='height: 10mm'></div>")
    (found,) = check_file(path, style).findings
    assert found.rule == "pdf-text"


def _pdf_with_standard_font() -> bytes:
    """A one-page PDF whose text uses Helvetica without embedding it, as old tools write."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.28 841.89] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>", None,
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    stream = b"BT /F1 16 Tf 80 700 Td (Reply text) Tj ET"
    objects[3] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream)
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.4\n")
    for i, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (i, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


# --- a DOCX from another tool: python-docx's default document ---------------------------------------------

@pytest.fixture(scope="module")
def foreign_docx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    document = docx.Document()
    document.add_heading("关于标准化工作的答复", 0)
    document.add_paragraph("张三委员：")
    document.add_paragraph(CJK_PARAGRAPH)
    document.add_heading("一、工作成效", 1)
    path = tmp_path_factory.mktemp("foreign") / "foreign.docx"
    document.save(path)
    return path


def test_docx_page_size_and_margins(foreign_docx: Path, style: Style) -> None:
    (size,) = findings(foreign_docx, style, "docx-page-size")
    assert size.measured == "215.9×279.4 mm"
    margins = by_element(findings(foreign_docx, style, "docx-margins"))
    assert margins["上边距（天头）"].measured == "25.4 mm" and margins["左边距（订口）"].measured == "31.7 mm"
    assert len(margins) == 4


def test_docx_missing_grid(foreign_docx: Path, style: Style) -> None:
    (grid,) = findings(foreign_docx, style, "docx-grid")
    assert grid.element == "文档网格" and "未设置" in grid.measured


def test_docx_theme_fonts(foreign_docx: Path, style: Style) -> None:
    found = {f.where for f in findings(foreign_docx, style, "docx-theme-fonts")}
    assert "word/styles.xml" in found


def test_docx_fonts_of_title_body_and_heading(foreign_docx: Path, style: Style) -> None:
    found = {(f.element, f.measured) for f in findings(foreign_docx, style, "docx-fonts")}
    assert ("标题中文字体", "主题字体 majorEastAsia") in found
    assert ("正文中文字体", "主题字体 minorEastAsia") in found
    assert ("1级标题中文字体", "主题字体 majorEastAsia") in found
    assert ("正文字号", "11 pt") in found


def test_docx_first_line_indent(foreign_docx: Path, style: Style) -> None:
    (indent,) = findings(foreign_docx, style, "docx-indent")
    assert indent.measured.startswith("0.0 字") and indent.expected.startswith("2 字")


def test_docx_footers(foreign_docx: Path, style: Style) -> None:
    found = {f.element for f in findings(foreign_docx, style, "docx-footer")}
    assert found == {"页码", "单页页脚", "双页页脚"}


def _edited(source: Path, target: Path, part: str, edit) -> Path:
    """A copy of a DOCX with one XML part changed."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            dst.writestr(name, edit(data.decode()).encode() if name == part else data)
    return target


def test_docx_grid_pitch_and_body_font_measured(seed_docx: Path, style: Style, tmp_path: Path) -> None:
    path = _edited(seed_docx, tmp_path / "pitch.docx", "word/document.xml",
                   lambda xml: xml.replace('w:linePitch="579"', 'w:linePitch="500"'))
    (grid,) = findings(path, style, "docx-grid")
    assert (grid.element, grid.measured, grid.expected) == ("每页行数", "25 行（行距 25 pt）", "22 行")
    path = _edited(seed_docx, tmp_path / "font.docx", "word/styles.xml",
                   lambda xml: xml.replace('w:eastAsia="仿宋_GB2312"', 'w:eastAsia="宋体"'))
    assert ("正文中文字体", "宋体") in {(f.element, f.measured) for f in findings(path, style, "docx-fonts")}


def test_docx_odd_footer_without_page_field(seed_docx: Path, style: Style, tmp_path: Path) -> None:
    path = _edited(seed_docx, tmp_path / "nofield.docx", "word/footer1.xml",
                   lambda xml: re.sub(r"<w:instrText[^>]*> PAGE </w:instrText>", "", xml))
    (footer,) = findings(path, style, "docx-footer")
    assert footer.element == "单页页码" and footer.measured == "页脚中没有 PAGE 域"


def test_docx_closing_and_imprint_are_checked(seed_docx: Path, style: Style, tmp_path: Path) -> None:
    """The signature, the date and the 版记 are measured too, not only the title, headings and body."""
    moved = _edited(seed_docx, tmp_path / "date.docx", "word/document.xml",
                    lambda xml: xml.replace('w:left="5685"', 'w:left="3160"'))
    (place,) = findings(moved, style, "docx-signature")
    assert (place.element, place.measured, place.expected) == (
        "成文日期位置", "左起 10.0 字（右空 11.5 字）", "左起 18.0 字（右空 3.5 字）")
    restyled = _edited(seed_docx, tmp_path / "imprint.docx", "word/styles.xml", lambda xml: re.sub(
        r'(w:styleId="rg-cc".*?)<w:sz w:val="28"/>', r'\1<w:sz w:val="32"/>', xml, count=1, flags=re.S)
        .replace('w:styleId="rg-date"', 'w:styleId="rg-date-x"'))
    found = {(f.element, f.measured) for f in findings(restyled, style, "docx-fonts")}
    assert ("抄送字号", "16 pt") in found


def test_docx_closing_of_a_foreign_document(style: Style, tmp_path: Path) -> None:
    """A reply typed in Word: the organ name and date right-aligned against the margin, 宋体 throughout."""
    document = docx.Document()
    document.add_paragraph("张三委员：")
    document.add_paragraph(CJK_PARAGRAPH)
    for text in ("上海市市场监督管理局", "2026年6月18日"):
        document.add_paragraph(text).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    document.add_paragraph("抄送：市政协提案委员会。")
    path = tmp_path / "typed.docx"
    document.save(path)
    places = by_element(findings(path, style, "docx-signature"))
    assert places["发文机关署名位置"].measured.endswith("（右空 0.0 字）")
    assert places["发文机关署名位置"].expected == "左起 16.0 字（右空 2.0 字）"
    assert places["成文日期位置"].expected.endswith("（右空 3.5 字）")
    elements = {f.element for f in findings(path, style, "docx-fonts")}
    assert {"发文机关署名中文字体", "成文日期中文字体", "抄送中文字体", "抄送字号"} <= elements


# --- the command line --------------------------------------------------------------------------------------

def test_cli_passes_own_output_and_fails_foreign(seed_pdf: Path, seed_docx: Path, foreign_pdf: Path,
                                                 foreign_docx: Path) -> None:
    ok = replygen("check", str(seed_pdf), str(seed_docx))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.count("符合 GB/T 9704-2012") == 2
    bad = replygen("check", str(seed_pdf), str(foreign_pdf), str(foreign_docx))
    assert bad.returncode == 1
    assert "第1–3页 纸张：实测 215.9×279.4 mm，应为 210×297 mm（±1 mm）〔pdf-paper〕" in bad.stdout
    assert "文档网格：实测 未设置" in bad.stdout and "〔docx-theme-fonts〕" in bad.stdout
    assert "汇总：检查 3 个文件，不符合 2 个，无法读取 0 个；按规则：" in bad.stdout


def test_cli_unreadable_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_text("not a pdf")
    other = tmp_path / "notes.txt"
    other.write_text("x")
    result = replygen("check", str(broken), str(other))
    assert result.returncode == 1
    assert f"错误：{broken}: 无法解析为 PDF" in result.stderr
    assert f"错误：{other}: 只能检查 .pdf、.docx 和 .ofd 文件" in result.stderr
    assert "Traceback" not in result.stderr


def test_render_and_batch_check_what_they_write(tmp_path: Path) -> None:
    rendered = replygen("render", "--check", str(SEED_YAML), "-o", str(tmp_path / "out"))
    assert rendered.returncode == 0, rendered.stdout + rendered.stderr
    assert f"{tmp_path / 'out' / '245.pdf'}：符合 GB/T 9704-2012" in rendered.stdout
    batch = replygen("batch", "--check", "--format", "docx", str(SEED_YAML.parent), "-o", str(tmp_path / "archive"))
    assert batch.returncode == 0, batch.stdout + batch.stderr
    replies = len(list(SEED_YAML.parent.glob("*.yaml")))
    assert f"汇总：检查 {replies} 个文件，不符合 0 个" in batch.stdout


def test_a_folder_means_its_documents_not_lock_files_or_history(tmp_path: Path) -> None:
    from replygen.check import document_files

    for name in ("a.pdf", "sub/b.DOCX", "~$b.docx", ".history/245/old.pdf", "notes.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"")
    assert document_files([tmp_path]) == [tmp_path / "a.pdf", tmp_path / "sub" / "b.DOCX"]
