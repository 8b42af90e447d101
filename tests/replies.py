"""An archive of varied replies for review tests and benchmarks, written as YAML files (the normal public path).

Every reply starts from one of content/'s replies (three issuers: plain, red header, letter; proposal and
suggestion) and is varied the way real archives vary: its numbers and 主送 (one to three names, sometimes
"等N位"), a longer or shorter subject, some paragraphs of the published sample replies in
../shared/samples/ added to its body, blocks dropped, its 抄送 and closing changed. Lengths vary enough that
the replies run from one page to several and end anywhere on their last page.
"""

from __future__ import annotations

import datetime
import random
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT.parent / "shared" / "samples"
NAMES = ["朱瑞庭", "王福英", "李建国", "陈晓红", "张伟", "刘芳", "欧阳明远", "吴春华", "赵敏"]
SUBJECTS = [
    "关于加强社区养老服务的提案", "关于优化中小学课后服务的建议",
    "关于推进老旧小区加装电梯工作、切实方便老年居民日常出行的提案",
    "关于完善城乡公交网络、提升偏远村镇群众出行便利度和公共交通服务质量的建议",
    "关于规范校外培训的提案", "关于加快建设农村饮用水保障工程的建议",
]
STAMPED = ("example-stamped", "example-joint", "example-signature")
"""content/'s stamped examples (issue 12): their signature block is placed by the stamp rules, not the signature
role, so they are left out of the archive these tests and benchmarks were calibrated on"""
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
"""libyaml's emitter when PyYAML has it: the same text, ten times faster"""
CC = ["市政协提案委员会", "市政府办公厅", "市人大常委会人代联工委", "区政协提案委", "市发展改革委"]


def sample_paragraphs() -> list[str]:
    """Body paragraphs of the published samples: the long lines after each file's header."""
    found = []
    for path in sorted(SAMPLES.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        body = text.split("\n---\n", 1)[-1]
        for line in body.splitlines():
            line = line.strip()
            if len(line) >= 40 and not re.match(r"^(抄送|印发|（此件|\(此件)", line):
                found.append(line.replace("\u3000", ""))
    if not found:
        raise FileNotFoundError(f"no sample replies in {SAMPLES}")
    return found


def write_archive(folder: Path, n: int, seed: int = 7) -> list[Path]:
    """`n` varied replies as folder/<NN>/<number>.yaml."""
    rng = random.Random(seed)
    seeds = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "content").rglob("*.yaml"))
             if p.stem not in STAMPED]
    pool = sample_paragraphs()
    paths = []
    for i in range(n):
        reply = _vary(_copy(seeds[i % len(seeds)]), i, rng, pool)
        path = folder / f"{i // 100:02d}" / f"{1000 + i}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.dump(reply, Dumper=_DUMPER, allow_unicode=True, sort_keys=False), encoding="utf-8")
        paths.append(path)
    return paths


def _copy(value: object) -> object:
    """A deep copy with every mapping's keys sorted, as a YAML round trip (safe_dump sorts keys) gives it."""
    if isinstance(value, dict):
        return {key: _copy(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


def _vary(reply: dict, i: int, rng: random.Random, pool: list[str]) -> dict:
    reply["doc_number"] = 1000 + i
    reply["number"] = f"{rng.randint(1, 999):04d}"
    reply["subject"] = rng.choice(SUBJECTS)
    names = rng.sample(NAMES, rng.choice([1, 1, 1, 2, 3]))
    salutation = {"names": names}
    if len(names) > 1 and rng.random() < 0.5:
        salutation["total"] = len(names) + rng.randint(1, 3)
    if rng.random() < 0.2:
        salutation["honorific"] = True
    reply["salutation"] = salutation
    body = [b for b in reply["body"] if not (isinstance(b, dict) and rng.random() < 0.35)] or reply["body"][:1]
    extra = rng.sample(pool, rng.randint(0, 6))
    at = rng.randint(0, len(body))
    reply["body"] = body[:at] + extra + body[at:]
    if rng.random() < 0.3:
        reply["closing"] = [rng.choice(["感谢您对我们工作的关心和支持。",
                                        "再次感谢您的宝贵意见，欢迎继续对我们的工作提出意见和建议。"])]
    if rng.random() < 0.5:
        reply["cc"] = rng.sample(CC, rng.randint(1, 3))
    if rng.random() < 0.3:
        reply.pop("contact", None)
    reply["date"] = datetime.date(2026, rng.randint(1, 12), rng.randint(1, 28))
    return reply
