"""DOCX → PDF by LibreOffice, with the DOCX font names mapped to this machine's stand-ins."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from replygen.fonts import fontconfig_aliases, resolve
from replygen.style import Style


def to_pdf(docx: Path, work: Path, style: Style) -> Path:
    """LibreOffice's PDF of `docx` in `work`, the fonts mapped by the configuration `replygen fonts --fontconfig`
    prints."""
    (work / "replygen.conf").write_text(fontconfig_aliases(resolve(style)), encoding="utf-8")
    conf = work / "fonts.conf"
    conf.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
                    '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
                    f'<include>{work / "replygen.conf"}</include></fontconfig>', encoding="utf-8")
    env = {**os.environ, "FONTCONFIG_FILE": str(conf)}
    subprocess.run(["soffice", f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(work), str(docx)],
                   env=env, check=True, capture_output=True, timeout=180)
    return work / (docx.stem + ".pdf")
