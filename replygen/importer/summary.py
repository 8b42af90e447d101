"""The table printed after importing several files: per file, what was recognised and what fell back."""

from __future__ import annotations

from replygen.importer import Imported
from replygen.style import text_width


def summary_table(results: list[tuple[str, Imported | None]]) -> str:
    """One row per file: name, recognised elements, lines kept as plain paragraphs (or 失败)."""
    rows = [("文件", "原样保留行数", "识别的要素")]
    for name, result in results:
        if result is None:
            rows.append((name, "失败", "—"))
        else:
            rows.append((name, str(result.fallback_lines), "、".join(result.found) or "—"))
    widths = [max(_width(r[i]) for r in rows) for i in range(2)]
    return "\n".join(f"{_pad(r[0], widths[0])}  {_pad(r[1], widths[1])}  {r[2]}" for r in rows)


def _width(text: str) -> int:
    """Terminal columns: two for a full-width character."""
    return round(2 * text_width(text))


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
