"""Fonts in the PDF: every face embedded as a subset, and characters outside GB 2312 (rare characters in names)
served by the role's own fallback faces rather than dropped or set in an unrelated style."""

from __future__ import annotations

from pathlib import Path

import pdfplumber

from replygen.compose import Templates
from replygen.fonts import resolve
from replygen.load import load_reply
from replygen.writers.pdf import write_pdf

from conftest import SEED_YAML

RARE = "堃赟䶮𠮷"


def test_rare_characters_render_from_the_roles_fallbacks(tmp_path: Path, templates: Templates) -> None:
    src = tmp_path / "rare.yaml"
    src.write_text(SEED_YAML.read_text(encoding="utf-8").replace("names: [朱瑞庭]", f"names: [王{RARE}]"),
                   encoding="utf-8")
    out = tmp_path / "rare.pdf"
    write_pdf(templates.compose(load_reply(src)), templates.style, out)
    body = resolve(templates.style)["fangsong"]
    allowed = {body.css_family, *(f.family.replace(" ", "-") for f in body.fallbacks)}
    with pdfplumber.open(out) as pdf:
        chars = [c for page in pdf.pages for c in page.chars if c["text"] in RARE]
    assert sorted(c["text"] for c in chars) == sorted(RARE)
    for c in chars:
        family = c["fontname"].split("+", 1)[1]
        assert any(family.startswith(a) for a in allowed), f"{c['text']} set in {family}, not in {allowed}"


def test_each_role_is_set_in_the_face_the_font_report_names(seed_pdf: Path, templates: Templates) -> None:
    fonts, roles = resolve(templates.style), templates.style.roles
    by_size = {roles["title"].size: fonts[roles["title"].font], roles["body"].size: fonts[roles["body"].font],
               templates.style.page_number.size: fonts[templates.style.page_number.font]}
    with pdfplumber.open(seed_pdf) as pdf:
        first = [c for c in pdf.pages[0].chars if c["text"].strip()]
    for size, font in by_size.items():
        used = {c["fontname"].split("+", 1)[1] for c in first if round(c["size"], 1) == round(size, 1)}
        assert used, f"no {size} pt text on page 1"
        assert all(u.startswith(font.css_family.replace(" ", "-")) for u in used), (size, used, font.css_family)
