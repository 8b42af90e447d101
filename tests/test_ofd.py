"""OFD output, judged by an independent reader (easyofd, from PyPI) and an independent rasteriser (ofdraster.py,
Pillow/FreeType on the OFD alone) against the PDF of the same reply; and `check` on broken packages."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageFilter

from replygen.check.ofd import pdf_page_texts
from replygen.render import document_for, render_all

from conftest import CONTENT, SEED_YAML
from ofdraster import render_pages

REPLIES = sorted(CONTENT.rglob("*.yaml"))
SEALED = [p.stem for p in REPLIES if re.search(r"^stamped: (seal|signature)", p.read_text(encoding="utf-8"), re.M)]
"""the replies that draw seal images"""
DPI = 100
# Tolerance for page images: "ink" is any pixel darker than 230/255, so that a hairline antialiased to light grey
# counts in both images; the measure is the ink in one image farther than one pixel (0.25 mm at 100 dpi) from any
# ink in the other, as a share of the PDF page's ink. The two rasterisers (Pillow's FreeType vs pdfium) place
# antialiased edges differently by up to a pixel, which the one-pixel reach absorbs: the content/ replies measure
# 0.00–0.03 % on most pages and 0.1–0.4 % on the first pages of all but the seed (not investigated further).
# A glyph in the wrong place, font or size, or a missing rule or seal, moves whole glyphs', rules' or
# seals' worth of ink: a 1 mm shift of a page measures far above the limit (test below), a seal left out 13–52 %.
INK = 230
STRAY_INK = 0.01


def _plain(text: str) -> str:
    return "".join(c for c in text.replace("\ufffe", "-") if not c.isspace() and c != "\u200b")  # as check does


@pytest.fixture(scope="module")
def rendered(templates, tmp_path_factory) -> dict[str, tuple[bytes, bytes]]:
    out = {}
    for path in REPLIES:
        stem = tmp_path_factory.mktemp("ofd") / path.stem
        files = render_all(document_for(path, templates), templates, stem, ["pdf", "ofd"])
        out[path.stem] = (files[stem.with_suffix(".pdf")], files[stem.with_suffix(".ofd")])
    return out


@pytest.mark.parametrize("name", [p.stem for p in REPLIES])
def test_easyofd_reads_the_pdfs_text_page_by_page(name: str, rendered, tmp_path: Path, monkeypatch) -> None:
    from easyofd import OFD

    pdf, ofd = rendered[name]
    monkeypatch.chdir(tmp_path)  # easyofd unpacks into the working directory
    reader = OFD()
    reader.read(ofd, fmt="binary")
    pages = reader.data[0]["page_info"]
    texts = ["".join(cell["text"] for cell in pages[i]["text_list"]) for i in sorted(pages)]
    expected = pdf_page_texts(pdf)
    assert len(texts) == len(expected)
    for number, (got, want) in enumerate(zip(texts, expected, strict=True), start=1):
        assert _plain(got) == _plain(want), f"第{number}页"
    fonts = reader.data[0]["fonts"]
    assert fonts and all(font.get("font_b64") for font in fonts.values())  # each font is a file in the package


@pytest.mark.parametrize("name", SEALED)
def test_seals_lie_behind_the_text(name: str, rendered) -> None:
    _, ofd = rendered[name]
    z = zipfile.ZipFile(io.BytesIO(ofd))
    pages = sorted(n for n in z.namelist() if n.endswith("/Content.xml"))
    kinds = [re.findall(r"<ofd:(ImageObject|TextObject)", z.read(n).decode()) for n in pages]
    assert any("ImageObject" in k for k in kinds)
    for k in kinds:
        assert "ImageObject" not in k or k.index("TextObject") > max(i for i, v in enumerate(k) if v == "ImageObject")


def _pdf_images(pdf: bytes) -> list[list[tuple[float, ...]]]:
    """Each page's images: (left, top, width, height) in millimetres from the page's top-left corner."""
    import pypdfium2.raw as raw

    document = pdfium.PdfDocument(pdf)
    out = []
    for page in document:
        height = page.get_height()
        boxes = []
        for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_IMAGE]):
            left, bottom, right, top = obj.get_bounds()
            boxes.append(tuple(v * 25.4 / 72 for v in (left, height - top, right - left, top - bottom)))
        out.append(boxes)
    return out


@pytest.mark.parametrize("name", SEALED)
def test_easyofd_finds_each_seal_image_where_the_pdf_draws_it(name: str, rendered, tmp_path: Path,
                                                               monkeypatch) -> None:
    import base64

    from easyofd import OFD

    pdf, ofd = rendered[name]
    monkeypatch.chdir(tmp_path)
    reader = OFD()
    reader.read(ofd, fmt="binary")
    images, pages = reader.data[0]["images"], reader.data[0]["page_info"]
    expected = _pdf_images(pdf)
    assert any(expected)
    for number, boxes in enumerate(expected, start=1):
        found = pages[number - 1]["img_list"]
        assert len(found) == len(boxes), f"第{number}页"
        for got, want in zip(sorted(i["pos"] for i in found), sorted(boxes), strict=True):
            assert got == pytest.approx(want, abs=0.002), f"第{number}页"
        for image in found:
            picture = Image.open(io.BytesIO(base64.b64decode(images[image["ResourceID"]]["imgb64"])))
            assert picture.format == "PNG" and picture.mode == "RGBA"  # the seal's transparent ground kept


@pytest.mark.parametrize("name", [p.stem for p in REPLIES])
def test_fonts_are_embedded_files(name: str, rendered) -> None:
    from fontTools.ttLib import TTFont

    _, ofd = rendered[name]
    z = zipfile.ZipFile(io.BytesIO(ofd))
    fonts = [n for n in z.namelist() if n.startswith("Doc_0/Res/font_")]
    assert fonts
    for name_ in fonts:
        font = TTFont(io.BytesIO(z.read(name_)))
        assert {"glyf", "CFF "} & set(font.keys())
        assert font.getBestCmap()


def _ink(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("L")) < INK


def _grow(mask: np.ndarray) -> np.ndarray:
    return np.asarray(Image.fromarray(mask.astype("uint8") * 255).filter(ImageFilter.MaxFilter(3))) > 0


def _stray(a: Image.Image, b: Image.Image) -> float:
    w, h = min(a.width, b.width), min(a.height, b.height)
    x, y = _ink(a.crop((0, 0, w, h))), _ink(b.crop((0, 0, w, h)))
    return ((x & ~_grow(y)).sum() + (y & ~_grow(x)).sum()) / max(1, y.sum())


def _pdf_pages(pdf: bytes) -> list[Image.Image]:
    document = pdfium.PdfDocument(pdf)
    return [page.render(scale=DPI / 72).to_pil().convert("RGB") for page in document]


@pytest.mark.parametrize("name", [p.stem for p in REPLIES])
def test_pages_look_like_the_pdfs(name: str, rendered, tmp_path: Path) -> None:
    pdf, ofd = rendered[name]
    mine, theirs = render_pages(ofd, DPI), _pdf_pages(pdf)
    assert len(mine) == len(theirs)
    for number, (a, b) in enumerate(zip(mine, theirs, strict=True), start=1):
        a.save(tmp_path / f"{number}-ofd.png")
        assert _stray(a, b) <= STRAY_INK, f"第{number}页：见 {tmp_path}"


def _origins_agree_with_pdfminer(pdf: bytes) -> None:
    """Every visible glyph's origin on each page, as layout.py reads it and as pdfminer (pdfplumber) does: the same
    characters at the same x, to 0.01 pt. pdfium is not the reference here: it ignores a TJ adjustment that follows
    an empty string (WeasyPrint writes one where a line changes font), and MuPDF draws such a glyph where pdfminer
    and layout.py put it."""
    import pdfplumber

    from replygen.ofd.layout import read_layout

    ours = read_layout(pdf).pages
    with pdfplumber.open(io.BytesIO(pdf)) as theirs:
        assert len(ours) == len(theirs.pages)
        for number, (page, other) in enumerate(zip(ours, theirs.pages, strict=True), start=1):
            mine = sorted((c, round(x, 2)) for run in page.runs for c, x in zip(run.text, run.xs, strict=True)
                          if not c.isspace())
            found = sorted((c["text"], round(c["x0"], 2)) for c in other.chars if c["text"].strip())
            assert [c for c, _ in mine] == [c for c, _ in found], f"第{number}页"
            assert max((abs(a[1] - b[1]) for a, b in zip(mine, found, strict=True)), default=0) <= 0.011, f"第{number}页"


@pytest.mark.parametrize("name", [p.stem for p in REPLIES])
def test_glyph_origins_agree_with_pdfminer(name: str, rendered) -> None:
    _origins_agree_with_pdfminer(rendered[name][0])


def test_a_line_that_changes_font_keeps_its_positions(templates, tmp_path: Path) -> None:
    """「︰」 is not in the body font: WeasyPrint sets it in a fallback font, and each switch starts a TJ with an
    empty string and the letter-spacing adjustment."""
    from replygen.writers.pdf import render_pdf

    source = SEED_YAML.read_text(encoding="utf-8").replace("党和国家高度重视标准化工作。", "党和国家︰高度重视︰标准化工作。")
    (tmp_path / "245.yaml").write_text(source, encoding="utf-8")
    pdf = render_pdf(document_for(tmp_path / "245.yaml", templates), templates.style)
    assert b"[<>" in b"".join(pikepdf_contents(pdf))
    _origins_agree_with_pdfminer(pdf)


def pikepdf_contents(pdf: bytes) -> list[bytes]:
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as document:
        return [page.Contents.read_bytes() for page in document.pages]


def test_a_hyphen_that_ends_a_line_is_a_hyphen(templates, tmp_path: Path) -> None:
    """pdfium reads it as U+FFFE; layout.py keeps the PDF's "-" (an XML-safe character), and check compares the two."""
    import weasyprint

    from replygen.ofd import render_ofd

    pdf = weasyprint.HTML(string='<body style="width: 60px; font: 12px serif">abcdef-ghijkl mnopq-rstuv</body>').write_pdf()
    assert "\ufffe" in pdf_page_texts(pdf)[0]
    ofd = render_ofd(document_for(SEED_YAML, templates), templates.style, pdf)
    content = zipfile.ZipFile(io.BytesIO(ofd)).read("Doc_0/Pages/Page_0/Content.xml").decode()
    assert "abcdef-" in content and "\x02" not in content
    (tmp_path / "h.pdf").write_bytes(pdf)
    (tmp_path / "h.ofd").write_bytes(ofd)
    done = run("check", "h.ofd", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_seals_are_read_from_classic_and_compressed_cross_reference_tables(rendered) -> None:
    """WeasyPrint writes object and cross-reference streams; the image reader also reads a classic table (qpdf
    rewrites the PDF without object streams) and finds the same seal, pixel for pixel, in the same place."""
    import pikepdf

    from replygen.ofd.layout import read_layout

    pdf, _ = rendered["example-stamped"]
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(pdf)) as classic:
        classic.save(out, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    assert b"/ObjStm" in pdf and b"/ObjStm" not in out.getvalue() and b"\nxref" in out.getvalue()
    ours = [p for page in read_layout(pdf).pages for p in page.pictures]
    theirs = [p for page in read_layout(out.getvalue()).pages for p in page.pictures]
    assert len(ours) == len(theirs) == 1
    for a, b in zip(ours, theirs, strict=True):
        assert a.matrix == pytest.approx(b.matrix)
        pixels = [np.asarray(Image.open(io.BytesIO(p.data))) for p in (a, b)]
        assert pixels[0].shape[2] == 4 and np.array_equal(*pixels)


def test_the_image_comparison_catches_a_1mm_shift(rendered) -> None:
    pdf, ofd = rendered["245"]
    page = render_pages(ofd, DPI)[0]
    shifted = Image.new("RGB", page.size, "white")
    shifted.paste(page, (round(DPI / 25.4), 0))
    assert _stray(shifted, _pdf_pages(pdf)[0]) > 5 * STRAY_INK


def test_ofd_bytes_are_reproducible_and_carry_metadata(rendered, templates, tmp_path: Path) -> None:
    _, ofd = rendered["245"]
    again = render_all(document_for(SEED_YAML, templates), templates, tmp_path / "245", ["ofd"])
    assert again[tmp_path / "245.ofd"] == ofd
    z = zipfile.ZipFile(io.BytesIO(ofd))
    root = z.read("OFD.xml").decode()
    assert "<ofd:CustomData Name=\"发文字号\">沪市监提〔2026〕245号</ofd:CustomData>" in root
    assert "<ofd:Title>对市政协十四届四次会议第0688号提案的答复</ofd:Title>" in root
    assert z.namelist()[0] == "OFD.xml"


def test_a_sealed_ofd_is_the_same_bytes_in_another_process(rendered, tmp_path: Path) -> None:
    _, ofd = rendered["example-stamped"]
    done = run("render", str(CONTENT / "2026" / "example-stamped.yaml"), "-o", "out", "--format", "ofd", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "example-stamped.ofd").read_bytes() == ofd


def run(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run([sys.executable, "-m", "replygen", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env={**os.environ, **(env or {})})


def _rezip(ofd: bytes, drop: str | None = None, edit: tuple[str, str, str] | None = None) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(ofd))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == drop:
                continue
            if edit and name == edit[0]:
                data = data.decode().replace(edit[1], edit[2]).encode()
            dst.writestr(name, data)
    return out.getvalue()


def test_check_names_the_fault_in_a_broken_ofd(rendered, tmp_path: Path) -> None:
    _, ofd = rendered["245"]
    _, sealed = rendered["example-stamped"]
    font = next(n for n in zipfile.ZipFile(io.BytesIO(ofd)).namelist() if n.startswith("Doc_0/Res/font_"))
    z = zipfile.ZipFile(io.BytesIO(sealed))
    image = next(n for n in z.namelist() if n.startswith("Doc_0/Res/image_"))
    page = next(n for n in z.namelist() if n.endswith("/Content.xml") and b"<ofd:ImageObject" in z.read(n))
    resource = re.search(r'ResourceID="(\d+)"', z.read(page).decode()).group(1)  # type: ignore[union-attr]
    cases = {
        "truncated.ofd": (ofd[: len(ofd) // 2], "zip 结构损坏或文件被截断"),
        "no-docbody.ofd": (_rezip(ofd, edit=("OFD.xml", "ofd:DocBody", "ofd:Body")), "没有 DocBody"),
        "no-font.ofd": (_rezip(ofd, drop=font), f"字体文件 {font} 不在包中"),
        "no-image.ofd": (_rezip(sealed, drop=image), f"引用的文件 {image} 不在包中"),
        "no-medium.ofd": (_rezip(sealed, edit=(page, f'ResourceID="{resource}"', 'ResourceID="999"')),
                          "图像引用了未声明的多媒体资源 ID 999"),
    }
    for name, (data, _) in cases.items():
        (tmp_path / name).write_bytes(data)
    for good, data in (("good.ofd", ofd), ("sealed.ofd", sealed)):
        (tmp_path / good).write_bytes(data)
        assert run("check", good, cwd=tmp_path).returncode == 0, good
    for name, (_, message) in cases.items():
        done = run("check", name, cwd=tmp_path)
        assert done.returncode == 1, name
        assert message in done.stderr, (name, done.stderr)


def test_check_compares_the_text_with_the_pdf_beside_it(rendered, tmp_path: Path) -> None:
    pdf, ofd = rendered["245"]
    (tmp_path / "245.pdf").write_bytes(pdf)
    (tmp_path / "245.ofd").write_bytes(_rezip(ofd, edit=("Doc_0/Pages/Page_0/Content.xml", "朱瑞庭", "朱瑞廷")))
    done = run("check", "245.ofd", cwd=tmp_path)
    assert done.returncode == 1
    assert "ofd-text" in done.stdout and "第1页" in done.stdout
    assert "245.ofd：1 处未通过 OFD 检查（GB/T 33190）" in done.stdout and "9704" not in done.stdout


def test_check_says_what_it_verified_in_an_ofd_and_claims_no_layout_standard(rendered, tmp_path: Path) -> None:
    pdf, ofd = rendered["245"]
    for folder in ("alone", "pair"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "245.ofd").write_bytes(ofd)
    (tmp_path / "pair" / "245.pdf").write_bytes(pdf)
    alone = run("check", str(Path("alone", "245.ofd")), cwd=tmp_path)
    pair = run("check", str(Path("pair", "245.ofd")), str(Path("pair", "245.pdf")), cwd=tmp_path)
    assert alone.returncode == pair.returncode == 0
    lines = {line.split("：", 1)[0]: line.split("：", 1)[1] for line in (alone.stdout + pair.stdout).splitlines()
             if line.startswith(("alone", "pair"))}
    assert lines == {
        str(Path("alone", "245.ofd")): "OFD 结构、字体与图像检查通过（GB/T 33190；同目录没有同名 PDF，未比对文字）",
        str(Path("pair", "245.ofd")): "OFD 结构、字体、图像与文字检查通过（GB/T 33190；文字与 245.pdf 一致）",
        str(Path("pair", "245.pdf")): "符合 GB/T 9704-2012",
    }


def test_a_font_that_may_not_be_embedded_is_refused(tmp_path: Path) -> None:
    from fontTools.ttLib import TTFont

    from replygen.fonts import resolve
    from replygen.style import load_style

    song = resolve(load_style(CONTENT.parent / "templates" / "style.yaml"))["song"].face
    font = TTFont(song.file, fontNumber=song.index)
    font["OS/2"].fsType = 0x0002  # restricted licence: no embedding
    restricted = tmp_path / "restricted.otf"
    font.save(restricted)
    overrides = tmp_path / "fonts.yaml"
    overrides.write_text(f"song: {restricted}\n", encoding="utf-8")
    done = run("render", str(SEED_YAML), "-o", "out", "--format", "ofd", cwd=tmp_path,
               env={"REPLYGEN_FONTS": str(overrides)})
    assert done.returncode == 1
    assert "不能嵌入" in done.stderr and "授权不允许嵌入" in done.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
