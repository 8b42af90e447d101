"""The table printed after importing several files: per file, what was recognised and what fell back."""

from __future__ import annotations

from replygen.importer import Imported
from replygen.style import text_width


def summary_table(results: list[tuple[str, Imported | None]]) -> str:
    """One row per file: name, format, lines kept as printed (or 失败), recognised elements."""
    rows = [("文件", "格式", "原样保留行数", "识别的要素")]
    for name, result in results:
        kind = name.rsplit(".", 1)[-1].lower() if "." in name else "—"
        if result is None:
            rows.append((name, kind, "失败", "—"))
        else:
            rows.append((name, result.format, str(result.fallback_lines), "、".join(result.found) or "—"))
    widths = [max(_width(r[i]) for r in rows) for i in range(3)]
    return "\n".join("  ".join(_pad(r[i], widths[i]) for i in range(3)) + f"  {r[3]}" for r in rows)


def _width(text: str) -> int:
    """Terminal columns: two for a full-width character."""
    return round(2 * text_width(text))


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
