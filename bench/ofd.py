"""What OFD adds to a reply's PDF time: each reply in content/ rendered to PDF, then the OFD made from that PDF,
in one warm process (fonts loaded, WeasyPrint imported), N times each; the median of each is reported.

    .venv/bin/python bench/ofd.py [-n 7] [files or folders…]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from replygen.compose import DEFAULT_TEMPLATES, Templates
from replygen.ofd import render_ofd
from replygen.render import document_for, reply_files
from replygen.writers.pdf import render_pdf, warm_up


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sources", nargs="*", type=Path, default=[Path("content")])
    parser.add_argument("-n", type=int, default=7, help="runs per reply")
    args = parser.parse_args()
    templates = Templates.open(DEFAULT_TEMPLATES)
    warm_up(templates.style)
    total_pdf = total_ofd = 0.0
    for path, _ in reply_files(args.sources):
        doc = document_for(path, templates)
        pdf_times, ofd_times = [], []
        for _ in range(args.n):
            start = time.perf_counter()
            pdf = render_pdf(doc, templates.style)
            middle = time.perf_counter()
            render_ofd(doc, templates.style, pdf)
            pdf_times.append(middle - start)
            ofd_times.append(time.perf_counter() - middle)
        p, o = statistics.median(pdf_times), statistics.median(ofd_times)
        total_pdf, total_ofd = total_pdf + p, total_ofd + o
        print(f"{path}: PDF {p * 1000:.0f} ms, OFD +{o * 1000:.0f} ms ({o / p:.0%})")
    print(f"all: PDF {total_pdf * 1000:.0f} ms, OFD +{total_ofd * 1000:.0f} ms ({total_ofd / total_pdf:.0%})")


if __name__ == "__main__":
    main()
