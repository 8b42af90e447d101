"""replygen import of the formats archives really hold: PDF, web pages, .doc/.wps through LibreOffice, and the
variants offices type. Each test checks what a clerk would: the imported YAML renders to the same text, line for
line, and the title, salutation, date and 版记 come out as such.

LibreOffice runs are few and batched: one run makes every PDF and .doc the module needs, one CLI import converts
the .doc/.wps files.
"""

from __future__ import annotations

import html
import io
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from replygen.compose import Templates
from replygen.document import Document
from replygen.importer import import_reply
from replygen.importer.read import read_source, shape
from replygen.load import load_reply
from replygen.render import render_bytes

from conftest import CONTENT, ROOT, SEED_TEXT

SAMPLES = sorted((ROOT.parent / "shared" / "samples").glob("*.txt"))
DATA = ROOT / "tests" / "data" / "import"
ROLES = {"title": ("title-first", "title"), "salutation": ("salutation",), "date": ("date",),
         "版记": ("cc", "printed")}


def by_role(doc: Document) -> dict[str, list[str]]:
    return {name: [p.text for p in doc.paragraphs if p.role in roles] for name, roles in ROLES.items()}


def imported_doc(path: Path, templates: Templates) -> Document:
    """The document the imported YAML, as written and read back by the loader, composes to."""
    return templates.compose(load_reply(path.with_suffix(".yaml"), import_reply(path, templates).yaml))


def lines_of(path: Path) -> list[str]:
    return [line.text for line in read_source(path).lines]


# ------------------------------------------------------------------------------------------------------ PDF

def replies() -> list[tuple[str, Path]]:
    return [*((p.name, p) for p in sorted(CONTENT.rglob("*.yaml"))), *((p.name, p) for p in SAMPLES)]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory, templates: Templates) -> dict[str, tuple[Document, Path]]:
    """Every reply of content/ and every sample (imported from its text first): its document and its PDF."""
    out = tmp_path_factory.mktemp("pdf")
    made = {}
    for name, path in replies():
        loaded = (load_reply(path) if path.suffix == ".yaml"
                  else load_reply(path.with_suffix(".yaml"), import_reply(path, templates).yaml))
        doc = templates.compose(loaded)
        pdf = out / f"{Path(name).stem}.pdf"
        pdf.write_bytes(render_bytes(doc, templates, "pdf"))
        made[name] = (doc, pdf)
    return made


@pytest.mark.parametrize("name", [name for name, _ in replies()])
def test_a_rendered_pdf_imports_to_the_same_text(name: str, rendered, templates: Templates) -> None:
    original, pdf = rendered[name]
    doc = imported_doc(pdf, templates)
    assert shape(doc.text) == shape(original.text)
    assert by_role(doc) == by_role(original)
    assert any(by_role(original)[role] for role in ("title", "date"))


def test_a_joint_issuance_signs_with_every_organ(rendered, templates: Templates) -> None:
    """联合行文 stamped: the organs sign side by side, each under its seal; imported, each name is a signature."""
    original, pdf = rendered["example-joint.yaml"]
    assert "示例区交通运输局 示例区文化和旅游局" in lines_of(pdf)
    reply = load_reply(pdf.with_suffix(".yaml"), import_reply(pdf, templates).yaml).reply
    assert reply.signature == ["示例区交通运输局", "示例区文化和旅游局"] and reply.closing is None
    signed = [p.text for p in imported_doc(pdf, templates).paragraphs if p.role == "signature"]
    assert signed == [p.text for p in original.paragraphs if p.role == "signature"]


def test_joint_signatures_typed_side_by_side_in_a_text_file(tmp_path: Path, templates: Templates) -> None:
    path = tmp_path / "joint.txt"
    path.write_text((DATA / "proposal-sections.txt").read_text(encoding="utf-8").replace(
        "\n上海市文化和旅游局\n", "\n上海市文化和旅游局　　上海市财政局\n"), encoding="utf-8")
    imported = import_reply(path, templates)
    assert load_reply(Path("x.yaml"), imported.yaml).reply.signature == ["上海市文化和旅游局", "上海市财政局"]
    assert "联合署名" in imported.found
    assert [p.text for p in imported_doc(path, templates).paragraphs if p.role == "signature"] == [
        "上海市文化和旅游局", "上海市财政局"]


def test_pdf_warnings_name_page_and_line(rendered, templates: Templates) -> None:
    """reply-30 keeps a 发布日期 line of its page verbatim: the warning says where it is on the page."""
    imported = import_reply(rendered["reply-30.txt"][1], templates)
    assert imported.warnings == [("第1页第2行", "未识别的版头内容，按原样保留：发布日期:2023-10-09 信息来源: 鹦鸽镇人民政府")]
    assert imported.format == "pdf"


# ------------------------------------------------------------------------------------ made by LibreOffice

def typed_docx(path: Path, lines: list[str]) -> None:
    """The seed typed the way offices do: centred title, 　　 indents, blank paragraphs, right-aligned signature."""
    document = docx.Document()
    for text in lines:
        p = document.add_paragraph()
        if text.startswith(("对市政协", "第0688号")):
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.add_run(text).font.size = docx.shared.Pt(18)
        elif text.startswith(("上海市市场监督管理局", "2026年")):
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            p.add_run(text)
        elif (text.endswith("：") and len(text) < 10) or text.startswith("沪市监提"):
            p.add_run(text)
        else:
            p.add_run("　　" + text[:3])
            p.add_run(text[3:])
        if text.startswith(("第0688号", "感谢")):
            document.add_paragraph("")
    document.save(str(path))


def headed_docx(path: Path, lines: list[str]) -> None:
    """The seed with a running header, a page-number footer, and its 版记 in a table."""
    document = docx.Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = "上海市市场监督管理局 提案办理答复"
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    footer.add_run("— ")
    footer._p.append(field)
    footer.add_run(" —")
    body, imprint = lines[:-2], lines[-2:]
    for line in body:
        p = document.add_paragraph()
        if line.startswith(("对市政协", "第0688号")):
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.add_run(line if len(line) < 30 else "　　" + line)
    table = document.add_table(rows=2, cols=2)
    table.style = "Table Grid"
    cc = table.cell(0, 0).merge(table.cell(0, 1))
    cc.text = imprint[0]
    organ, date = imprint[1].rsplit(" ", 1)
    table.cell(1, 0).text = organ
    table.cell(1, 1).text = date
    table.cell(1, 1).paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    document.save(str(path))


def soffice(*args: str, work: Path) -> None:
    subprocess.run(["soffice", f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless", *args],
                   check=True, capture_output=True, timeout=300)


@pytest.fixture(scope="module")
def libreoffice(tmp_path_factory: pytest.TempPathFactory, rendered) -> dict[str, Path]:
    """One LibreOffice run: the typed and the headed DOCX to PDF; one more: a sample's DOCX to .doc."""
    work = tmp_path_factory.mktemp("lo")
    seed = lines_of(rendered["245.yaml"][1])
    typed_docx(work / "typed.docx", seed)
    headed_docx(work / "headed.docx", seed)
    soffice("--convert-to", "pdf", "--outdir", str(work), str(work / "typed.docx"), str(work / "headed.docx"),
            work=work)
    sample = docx.Document()
    for text in lines_of(SAMPLES[3]):  # reply-19
        sample.add_paragraph(text)
    sample.save(str(work / "sample.docx"))
    soffice("--convert-to", "doc", "--outdir", str(work), str(work / "sample.docx"), work=work)
    return {"seed": rendered["245.yaml"][1], "typed": work / "typed.pdf", "headed": work / "headed.pdf",
            "doc": work / "sample.doc"}


def test_a_docx_typed_by_an_office_and_printed_to_pdf_by_libreoffice(libreoffice, templates: Templates) -> None:
    doc = imported_doc(libreoffice["typed"], templates)
    assert shape(doc.text) == shape("\n".join(lines_of(libreoffice["seed"])))
    roles = by_role(doc)
    assert roles["title"] == ["对市政协十四届四次会议", "第0688号提案的答复"]
    assert roles["salutation"] == ["朱瑞庭委员："] and roles["date"] == ["2026年6月18日"]
    assert [t.replace(" ", "") for t in roles["版记"]] == ["抄送：市政协提案委员会，市政府办公厅。",
                                                         "上海市市场监督管理局办公室2026年6月18日印发"]


def test_a_pdf_with_running_headers_and_the_imprint_in_a_table(libreoffice, templates: Templates) -> None:
    pages = subprocess.run(["pdfinfo", str(libreoffice["headed"])], capture_output=True, text=True).stdout
    assert "Pages:          1\n" not in pages  # the header repeats: more than one page
    doc = imported_doc(libreoffice["headed"], templates)
    assert shape(doc.text) == shape("\n".join(lines_of(libreoffice["seed"])))
    assert "提案办理答复" not in doc.text
    assert by_role(doc)["版记"][1].replace(" ", "") == "上海市市场监督管理局办公室2026年6月18日印发"


def replygen(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run([sys.executable, "-m", "replygen", *args], capture_output=True, text=True, timeout=600,
                          cwd=cwd, env={**os.environ, **env})


def test_a_folder_of_every_format_with_bad_files_among_them(libreoffice, tmp_path: Path) -> None:
    """.doc and .wps (a .doc by another name, as WPS writes it) import to the sample's text; each bad file is
    named with a Chinese message and the rest of the folder is imported."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "sample.doc").write_bytes(libreoffice["doc"].read_bytes())
    (folder / "sample-wps.wps").write_bytes(libreoffice["doc"].read_bytes())
    (folder / "seed.pdf").write_bytes(libreoffice["seed"].read_bytes())
    (folder / "damaged.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00garbage" * 64)
    (folder / "renamed.doc").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    (folder / "encrypted.pdf").write_bytes(encrypted_pdf(libreoffice["seed"]))
    (folder / "scanned.pdf").write_bytes(scanned_pdf())
    (folder / "portal.html").write_text("<html><body><div>网站首页</div><p>欢迎访问：</p></body></html>",
                                        encoding="utf-8")
    (folder / "bomb.docx").write_bytes(zip_bomb())
    out = tmp_path / "out"
    result = replygen("import", str(folder), "-o", str(out), cwd=tmp_path, REPLYGEN_MAX_UNPACKED_MB="1")
    assert result.returncode == 1
    messages = {
        "damaged.doc": "LibreOffice 无法打开此文件",
        "renamed.doc": "不是 Word、WPS、RTF 或 ODT 文档",
        "encrypted.pdf": "PDF 文件已加密",
        "scanned.pdf": "PDF 中没有文字层（可能是扫描件或图片）：需要先做文字识别（OCR）",
        "portal.html": "网页中没有找到答复正文",
        "bomb.docx": "DOCX 文件解压后超过 1 MB 的上限（可能是“压缩炸弹”）",
    }
    for name, message in messages.items():
        assert f"错误：{folder / name}: {message}" in result.stderr, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["sample-wps.yaml", "sample.yaml", "seed.yaml"]
    sample = lines_of(SAMPLES[3])
    for name in ("sample.yaml", "sample-wps.yaml"):
        text = subprocess.run([sys.executable, "-m", "replygen", "validate", str(out / name)], capture_output=True,
                              text=True, cwd=tmp_path)
        assert text.returncode == 0, text.stderr
        assert shape(compose_file(out / name).text) == shape("\n".join(sample))
    table = result.stdout[result.stdout.index("文件"):]
    row = next(line for line in table.splitlines() if "sample-wps.wps" in line)
    assert row.split()[1:3] == ["wps", "0"] and "标题" in row and "日期" in row
    assert next(line for line in table.splitlines() if "scanned.pdf" in line).split()[1:3] == ["pdf", "失败"]


def compose_file(path: Path) -> Document:
    from replygen.compose import DEFAULT_TEMPLATES

    return Templates.open(DEFAULT_TEMPLATES).compose(load_reply(path))


def encrypted_pdf(source: Path) -> bytes:
    pikepdf = pytest.importorskip("pikepdf")
    buffer = io.BytesIO()
    with pikepdf.open(source) as pdf:
        pdf.save(buffer, encryption=pikepdf.Encryption(user="secret", owner="owner"))
    return buffer.getvalue()


def scanned_pdf() -> bytes:
    """A page that is only a picture, as a scanner makes it."""
    from PIL import Image, ImageDraw

    image = Image.new("L", (595, 842), 255)
    ImageDraw.Draw(image).rectangle((80, 100, 500, 120), fill=0)
    buffer = io.BytesIO()
    image.save(buffer, "PDF", resolution=72)
    return buffer.getvalue()


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\x00" * (3 << 20))
    return buffer.getvalue()


# -------------------------------------------------------------------------------------------- web pages

def government_page(lines: list[str], charset: str = "gb2312") -> str:
    """A page built as county and city sites build theirs: header and navigation, breadcrumbs, the title again with
    发布日期/来源/浏览次数, the reply in a content div, print/close links, a footer, scripts."""
    body = "\n".join(f'<p style="text-indent:2em"><span style="font-size:16px">{html.escape(line)}</span></p>'
                     for line in lines)
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN">
<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>{html.escape(lines[0])}_建议提案办理_某市人民政府</title>
<script type="text/javascript">var sal = "尊敬的委员："; var d = "2020年1月1日";</script>
<style>.content p {{ line-height: 2; }}</style></head>
<body><div class="top"><img src="/images/logo.png" alt="某市人民政府"><div class="search">搜索：<input></div></div>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>
<li><a href="/hdjl/">互动交流</a></li><li>联系我们：</li></ul></div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; 建议提案办理</div>
<div class="main"><div class="left"><h3>栏目导航</h3><ul><li>人大代表建议</li><li>政协委员提案</li></ul></div>
<div class="article"><h1 class="title">{html.escape(lines[0])}</h1>
<div class="info">发布日期：2021-02-20 10:31　来源：市交通局　浏览次数：<span id="hits">128</span>　字号：[<a>大</a> <a>中</a> <a>小</a>]</div>
<div class="content" id="zoom">
{body}
</div>
<div class="tools">【<a href="javascript:window.print()">打印本页</a>】【<a href="javascript:window.close()">关闭窗口</a>】</div>
</div></div>
<div class="footer">主办单位：某市人民政府办公室　地址：某市人民路1号　电话：0000-1234567<br>
网站标识码：1234567890　备案号：某ICP备12345678号<script>document.write("访问量：2024年1月1日");</script></div>
</body></html>"""


WEB_SOURCES = [SAMPLES[3], SAMPLES[4], SEED_TEXT, DATA / "suggestion-tiers.txt"]


@pytest.mark.parametrize("source", WEB_SOURCES, ids=lambda p: p.name)
def test_a_gbk_government_page_imports_to_the_same_text_as_the_txt(source: Path, tmp_path: Path,
                                                                     templates: Templates) -> None:
    lines = lines_of(source)
    page = tmp_path / (source.stem + ".html")
    page.write_bytes(government_page(lines).encode("gbk"))
    doc = imported_doc(page, templates)
    assert shape(doc.text) == shape("\n".join(lines))
    assert by_role(doc)["date"] == by_role(imported_doc(source, templates))["date"]


def test_a_page_with_a_rare_character_beyond_gb2312_and_a_saved_mhtml(tmp_path: Path, templates: Templates) -> None:
    """Pages declaring GB2312 use GBK characters (镕 in a name); a browser's .mhtml holds the page quoted-printable."""
    lines = [line.replace("杨运平", "杨运镕") for line in lines_of(SAMPLES[3])]
    page = tmp_path / "page.htm"
    page.write_bytes(government_page(lines).encode("gb18030"))
    assert shape(imported_doc(page, templates).text) == shape("\n".join(lines))
    import quopri

    mhtml = tmp_path / "page.mhtml"
    mhtml.write_bytes(b"From: <Saved by Blink>\r\nSubject: reply\r\nMIME-Version: 1.0\r\n"
                      b'Content-Type: multipart/related; type="text/html"; boundary="----B"\r\n\r\n'
                      b'------B\r\nContent-Type: text/html; charset="gb18030"\r\n'
                      b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
                      + quopri.encodestring(government_page(lines, "gb18030").encode("gb18030")) + b"\r\n------B--\r\n")
    doc = imported_doc(mhtml, templates)
    assert shape(doc.text) == shape("\n".join(lines))
    assert by_role(doc)["salutation"] == ["杨运镕代表:"]


def test_the_pages_own_date_and_source_line_is_dropped(tmp_path: Path, templates: Templates) -> None:
    lines = lines_of(SAMPLES[5])  # reply-30 holds the page's 发布日期/信息来源 line in its text
    page = tmp_path / "r30.html"
    page.write_bytes(government_page(lines).encode("gbk"))
    assert shape(imported_doc(page, templates).text) == shape(
        "\n".join(line for line in lines if not line.startswith("发布日期")))


# ------------------------------------------------------------------------------------------- variants

def test_zeros_typed_in_a_chinese_date_are_a_date(templates: Templates) -> None:
    reply = load_reply(Path("x.yaml"), import_reply(DATA / "zero-in-chinese-date.txt", templates).yaml).reply
    assert reply.date.isoformat() == "2017-05-26" and reply.as_printed.date == "二0一七年五月二十六日"
    assert reply.signature == "某市民政局"
    assert by_role(imported_doc(DATA / "zero-in-chinese-date.txt", templates))["date"] == ["二0一七年五月二十六日"]


def test_a_category_after_the_document_number(templates: Templates) -> None:
    imported = import_reply(DATA / "category-after-number.txt", templates)
    reply = load_reply(Path("x.yaml"), imported.yaml).reply
    assert (reply.doc_number, reply.category) == ("华建复〔2017〕5号", "B")
    assert reply.date.isoformat() == "2007-07-17"  # 二00七年七月十七日
    assert imported.warnings == [] and "答复类别" in imported.found
    doc = imported_doc(DATA / "category-after-number.txt", templates)
    assert shape(doc.text) == shape("\n".join(lines_of(DATA / "category-after-number.txt")))


@pytest.mark.parametrize("number", ["【A类】", "〔B〕", "（C类）"])
def test_a_category_in_any_bracket(number: str, tmp_path: Path, templates: Templates) -> None:
    path = tmp_path / "r.txt"
    path.write_text((DATA / "category-after-number.txt").read_text(encoding="utf-8").replace("(B类)", number),
                    encoding="utf-8")
    reply = load_reply(Path("x.yaml"), import_reply(path, templates).yaml).reply
    assert reply.category == number.strip("【】〔〕（）类")


def test_a_reply_on_one_line_is_cut_at_its_landmarks(templates: Templates) -> None:
    path = DATA / "one-line.txt"
    assert len(lines_of(path)) == 1
    imported = import_reply(path, templates)
    reply = load_reply(Path("x.yaml"), imported.yaml).reply
    assert reply.salutation.names == ["张丽华"] and reply.date.isoformat() == "2023-06-15"
    assert reply.signature == "某市公安局交通警察支队" and reply.contact[0].name == "赵强"
    assert reply.closing == ["感谢您对公安交通管理工作的关心和支持。", "特此答复。"]
    assert [t.lead for t in reply.body[1].next_steps.tiers] == ["扩大护学岗覆盖范围。", "推广家长志愿者参与护学。"]
    doc = imported_doc(path, templates)
    assert "".join(shape(doc.text)) == "".join(shape(path.read_text(encoding="utf-8")))
    assert by_role(doc)["title"] == ["关于市十六届人大四次会议第88号建议的答复"]


def test_a_page_that_lost_its_line_breaks(tmp_path: Path, templates: Templates) -> None:
    """The same reply published as one paragraph of a web page."""
    text = (DATA / "one-line.txt").read_text(encoding="utf-8")
    page = tmp_path / "one.html"
    page.write_bytes(government_page([text]).encode("gbk"))
    doc = imported_doc(page, templates)
    assert "".join(shape(doc.text)) == "".join(shape(text)) and by_role(doc)["date"] == ["2023年6月15日"]
