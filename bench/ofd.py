"""What OFD adds to a reply's PDF time: each reply in content/ rendered to PDF, then the OFD made from that PDF,
in one warm process (fonts loaded, WeasyPrint imported), N times each; the minimum and the median of each are
reported (minimums are the steadier figure on a shared machine). `--long K` adds the seed reply with its body
repeated K times (K = 4: 14 pages).

    .venv/bin/python bench/ofd.py [-n 7] [--long 4] [files or folders…]
"""

from __future__ import annotations

import argparse
import copy
import statistics
import tempfile
import time
from pathlib import Path

import yaml

from replygen.compose import DEFAULT_TEMPLATES, Templates
from replygen.ofd import render_ofd
from replygen.render import document_for, reply_files
from replygen.writers.pdf import render_pdf, warm_up

SEED = Path(__file__).resolve().parent.parent / "content" / "2026" / "245.yaml"


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data: object) -> bool:
        return True


def long_reply(folder: Path, times: int) -> Path:
    reply = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    reply["body"] = [copy.deepcopy(block) for _ in range(times) for block in reply["body"]]
    path = folder / f"245x{times}.yaml"
    path.write_text(yaml.dump(reply, Dumper=_NoAliases, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sources", nargs="*", type=Path, default=[Path("content")])
    parser.add_argument("-n", type=int, default=7, help="runs per reply")
    parser.add_argument("--long", type=int, default=0, metavar="K", help="also the seed with its body K times")
    args = parser.parse_args()
    templates = Templates.open(DEFAULT_TEMPLATES)
    warm_up(templates.style)
    with tempfile.TemporaryDirectory() as folder:
        paths = [path for path, _ in reply_files(args.sources)]
        if args.long:
            paths.append(long_reply(Path(folder), args.long))
        totals = {"pdf min": 0.0, "ofd min": 0.0, "pdf median": 0.0, "ofd median": 0.0}
        for path in paths:
            doc = document_for(path, templates)
            pdf_times, ofd_times = [], []
            for _ in range(args.n):
                start = time.perf_counter()
                pdf = render_pdf(doc, templates.style)
                middle = time.perf_counter()
                render_ofd(doc, templates.style, pdf)
                pdf_times.append(middle - start)
                ofd_times.append(time.perf_counter() - middle)
            figures = {"pdf min": min(pdf_times), "ofd min": min(ofd_times),
                       "pdf median": statistics.median(pdf_times), "ofd median": statistics.median(ofd_times)}
            for key, value in figures.items():
                totals[key] += value
            print(f"{path.name}: {_line(figures)}")
        print(f"all: {_line(totals)}")


def _line(f: dict[str, float]) -> str:
    return (f"min PDF {f['pdf min'] * 1000:.0f} ms, OFD +{f['ofd min'] * 1000:.0f} ms "
            f"({f['ofd min'] / f['pdf min']:.0%}); median PDF {f['pdf median'] * 1000:.0f} ms, "
            f"OFD +{f['ofd median'] * 1000:.0f} ms ({f['ofd median'] / f['pdf median']:.0%})")


if __name__ == "__main__":
    main()
