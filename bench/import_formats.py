"""Import speed per format: N files each of .txt, .docx, .pdf, .html and .doc, made from the samples and the seed,
each format imported as one folder by `replygen import` (a fresh process, as a clerk runs it).

    .venv/bin/python bench/import_formats.py [-n 100] [--formats txt,pdf]

Prints seconds per folder and milliseconds per file. The .doc run includes LibreOffice converting every file (one
soffice run for the folder).
"""

from __future__ import annotations

import argparse
import html
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from replygen.compose import DEFAULT_TEMPLATES, Templates  # noqa: E402
from replygen.importer import import_reply  # noqa: E402
from replygen.importer.read import read_source  # noqa: E402
from replygen.load import load_reply  # noqa: E402
from replygen.render import render_bytes  # noqa: E402

SOURCES = [*sorted((ROOT.parent / "shared" / "samples").glob("*.txt")), ROOT.parent / "shared" / "seed" / "reply-245.txt"]


def originals(work: Path) -> dict[str, list[Path]]:
    """One file per source in each format."""
    import docx

    templates = Templates.open(DEFAULT_TEMPLATES)
    made: dict[str, list[Path]] = {f: [] for f in ("txt", "docx", "pdf", "html", "doc")}
    base = work / "originals"
    base.mkdir()
    for source in SOURCES:
        lines = [line.text for line in read_source(source).lines]
        stem = source.stem
        txt = base / f"{stem}.txt"
        txt.write_text("\n".join(lines) + "\n", encoding="utf-8")
        made["txt"].append(txt)
        document = docx.Document()
        for line in lines:
            document.add_paragraph(line)
        document.save(str(base / f"{stem}.docx"))
        made["docx"].append(base / f"{stem}.docx")
        doc = templates.compose(load_reply(txt.with_suffix(".yaml"), import_reply(txt, templates).yaml))
        (base / f"{stem}.pdf").write_bytes(render_bytes(doc, templates, "pdf"))
        made["pdf"].append(base / f"{stem}.pdf")
        body = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
        page = (f'<html><head><meta charset="gbk"><title>{html.escape(lines[0])}</title></head><body>'
                f'<div class="nav"><a>首页</a><a>政务公开</a></div><div class="content">{body}</div>'
                f'<div class="footer">主办单位：某市人民政府办公室</div></body></html>')
        (base / f"{stem}.html").write_bytes(page.encode("gb18030"))
        made["html"].append(base / f"{stem}.html")
    subprocess.run(["soffice", f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless",
                    "--convert-to", "doc", "--outdir", str(base), *map(str, made["docx"])],
                   check=True, capture_output=True, timeout=600)
    made["doc"] = [p.with_suffix(".doc") for p in made["docx"]]
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=100, help="files per format")
    parser.add_argument("--formats", default="txt,docx,pdf,html,doc")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        work = Path(tmp)
        made = originals(work)
        print(f"{'格式':<6}{'文件数':>6}{'总时间 s':>10}{'每份 ms':>9}")
        for fmt in args.formats.split(","):
            folder = work / fmt
            folder.mkdir()
            for i in range(args.n):
                src = made[fmt][i % len(made[fmt])]
                shutil.copy(src, folder / f"{i:04d}-{src.name}")
            start = time.perf_counter()
            result = subprocess.run([sys.executable, "-m", "replygen", "import", str(folder), "-o", str(work / f"out-{fmt}")],
                                    capture_output=True, text=True, cwd=ROOT)
            elapsed = time.perf_counter() - start
            failed = result.stdout.count("失败")
            print(f"{fmt:<6}{args.n:>8}{elapsed:>10.1f}{1000 * elapsed / args.n:>9.0f}" + (f"  失败 {failed}" if failed else ""))


if __name__ == "__main__":
    main()
