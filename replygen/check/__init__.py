"""`replygen check`: a PDF or DOCX, replygen's or anyone's, measured against GB/T 9704 as the house style
(templates/style.yaml) states it. Every deviation is a Finding with its page or part, element, measured and
expected value; the tolerances are in report.py. An OFD is checked as a package (GB/T 33190) and against the PDF
beside it, not measured (ofd.py); its report says so."""

from __future__ import annotations

import zipfile
from pathlib import Path

from replygen.check.report import Finding, Report
from replygen.paths import files_below
from replygen.style import Style

__all__ = ["Finding", "Report", "check_file"]

SUFFIXES = (".pdf", ".docx", ".ofd")


def check_file(path: Path, style: Style) -> Report:
    """The findings of one file; a file that cannot be read as PDF or DOCX gets an error instead."""
    report = Report(str(path))
    suffix = path.suffix.lower()
    try:
        if suffix == ".pdf":
            from replygen.check.pdf import check_pdf
            from replygen.check.pdfa import check_pdfa

            report.findings = check_pdf(path, style) + check_pdfa(path)
        elif suffix == ".ofd":
            from replygen.check.ofd import OfdError, check_ofd, verdicts

            report.passed, report.failed = verdicts(path)
            try:
                report.findings = check_ofd(path)
            except OfdError as exc:
                report.error = f"{path}: {exc}"
        elif suffix == ".docx":
            from replygen.check.docx import check_docx

            report.findings = check_docx(path, style)
        else:
            report.error = f"{path}: 只能检查 .pdf、.docx 和 .ofd 文件"
    except (zipfile.BadZipFile, KeyError) as exc:
        report.error = f"{path}: 不是有效的 DOCX 文件（{type(exc).__name__}: {exc}）"
    except OSError as exc:
        report.error = f"{path}: 无法读取文件：{exc.strerror or exc}"
    except Exception as exc:  # pdfminer raises many kinds for a damaged or non-PDF file
        report.error = f"{path}: 无法解析为 {suffix[1:].upper()}（{type(exc).__name__}: {exc}）"
    return report


def document_files(args: list[Path]) -> list[Path]:
    """Each file argument, and every PDF and DOCX below each folder argument."""
    return [path for path, _ in files_below(args, SUFFIXES)]
