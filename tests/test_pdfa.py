"""PDF/A-2b: what pikepdf (an independent reader) finds in the seed reply's PDF, and what `check` says about a
PDF/A whose claims are false."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest

from replygen.check.pdfa import check_pdfa
from replygen.document import Document
from replygen.metadata import NAMESPACE
from replygen.writers.pdf import render_pdf


@pytest.fixture(scope="module")
def pdfa(seed_doc: Document, templates) -> bytes:
    return render_pdf(seed_doc, templates.style, "pdfa-2b")


def test_seed_renders_to_pdfa_2b_with_its_metadata(pdfa: bytes) -> None:
    pdf = pikepdf.open(io.BytesIO(pdfa))
    xmp = pdf.open_metadata()
    assert xmp["pdfaid:part"] == "2"
    assert xmp["pdfaid:conformance"] == "B"
    intent = pdf.Root.OutputIntents[0]
    assert intent.S == "/GTS_PDFA1"
    assert "sRGB" in str(intent.OutputConditionIdentifier)
    assert intent.DestOutputProfile.read_bytes()[16:20] == b"RGB "
    for page in pdf.pages:
        for font in page.Resources.Font.values():
            descriptor = font.DescendantFonts[0].FontDescriptor if "/DescendantFonts" in font else font.FontDescriptor
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font.BaseFont
    assert xmp[f"{{{NAMESPACE}}}DocumentNumber"] == "沪市监提〔2026〕245号"
    assert xmp[f"{{{NAMESPACE}}}DateWritten"] == "2026-06-18"
    assert xmp[f"{{{NAMESPACE}}}Title"] == "对市政协十四届四次会议第0688号提案的答复"
    assert xmp["dc:title"] == "对市政协十四届四次会议第0688号提案的答复"
    assert str(pdf.docinfo["/DocumentNumber"]) == "沪市监提〔2026〕245号"
    assert not pdf.is_encrypted
    assert "/Filter" not in pdf.Root.Metadata  # readable by archive tools without inflating


def test_pdfa_bytes_are_reproducible(pdfa: bytes, seed_doc: Document, templates) -> None:
    assert render_pdf(seed_doc, templates.style, "pdfa-2b") == pdfa


def test_plain_pdf_carries_the_metadata_but_claims_no_pdfa(seed_pdf: Path) -> None:
    pdf = pikepdf.open(seed_pdf)
    xmp = pdf.open_metadata()
    assert "pdfaid:part" not in xmp
    assert xmp[f"{{{NAMESPACE}}}DocumentNumber"] == "沪市监提〔2026〕245号"


def test_check_passes_the_pdfa_and_names_false_claims(pdfa: bytes, tmp_path: Path) -> None:
    good = tmp_path / "good.pdf"
    good.write_bytes(pdfa)
    assert check_pdfa(good) == []
    pdf = pikepdf.open(io.BytesIO(pdfa))
    del pdf.Root["/OutputIntents"]
    for page in pdf.pages:
        for font in page.Resources.Font.values():
            descriptor = font.DescendantFonts[0].FontDescriptor
            for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                if key in descriptor:
                    del descriptor[key]
    pdf.docinfo["/Title"] = "另一个标题"
    bad = tmp_path / "bad.pdf"
    pdf.save(bad)
    rules = {f.rule for f in check_pdfa(bad)}
    assert {"pdfa-output-intent", "pdfa-fonts", "pdfa-info"} <= rules


def test_render_and_batch_take_pdf_standard(tmp_path: Path) -> None:
    from conftest import SEED_YAML

    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "replygen", "batch", str(SEED_YAML), "-o", str(out), "--format",
                           "pdf", "--pdf-standard", "pdfa-2b", "--jobs", "1"], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert pikepdf.open(out / "245.pdf").open_metadata()["pdfaid:part"] == "2"
    import json

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["outputs"]["245.pdf"]["standard"] == "PDF/A-2b"
    again = subprocess.run([sys.executable, "-m", "replygen", "batch", str(SEED_YAML), "-o", str(out), "--format",
                            "pdf", "--pdf-standard", "none", "--jobs", "1"], capture_output=True, text=True,
                           timeout=300)
    assert again.returncode == 0, again.stderr
    assert "pdfaid:part" not in pikepdf.open(out / "245.pdf").open_metadata()  # a changed standard re-renders
