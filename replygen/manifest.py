"""The archive's manifest: per reply, the fingerprint of everything its outputs depend on, and each output's
SHA-256 and size. It makes re-rendering incremental and lets `replygen verify` vouch for the archive."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from replygen.output import atomic_write, sha256_file

MANIFEST_NAME = "manifest.json"
FORMAT_VERSION = 1


@dataclass
class Output:
    sha256: str
    size: int
    fingerprint: str
    """the inputs' fingerprint this output was rendered from"""
    standard: str | None = None
    """the standard the file conforms to: PDF/A-2b, OFD 1.0（GB/T 33190-2016）; None for a plain PDF or a DOCX"""


@dataclass
class Manifest:
    outputs: dict[str, Output] = field(default_factory=dict)
    """output path relative to the archive folder (posix) → record"""
    sources: dict[str, str] = field(default_factory=dict)
    """output path → the YAML file it came from (as given on the command line)"""

    @classmethod
    def load(cls, folder: Path) -> Manifest:
        path = folder / MANIFEST_NAME
        if not path.is_file():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls({k: Output(**v) for k, v in data.get("outputs", {}).items()}, data.get("sources", {}))

    def save(self, folder: Path) -> None:
        data = {"version": FORMAT_VERSION,
                "outputs": {k: asdict(v) for k, v in sorted(self.outputs.items())},
                "sources": dict(sorted(self.sources.items()))}
        atomic_write(folder / MANIFEST_NAME, (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode())

    def merge(self, other: Manifest) -> None:
        self.outputs.update(other.outputs)
        self.sources.update(other.sources)


@dataclass(frozen=True)
class Finding:
    kind: str  # missing | changed | unexpected
    path: str

    def __str__(self) -> str:
        label = {"missing": "缺失", "changed": "内容已变", "unexpected": "清单之外的文件"}[self.kind]
        return f"{label}：{self.path}"


def verify(folder: Path) -> list[Finding]:
    """Re-hash every output against the manifest; name what is missing, changed, or not in it."""
    manifest = Manifest.load(folder)
    findings = []
    for rel, record in sorted(manifest.outputs.items()):
        path = folder / rel
        if not path.is_file():
            findings.append(Finding("missing", rel))
        elif path.stat().st_size != record.size or sha256_file(path) != record.sha256:
            findings.append(Finding("changed", rel))
    known = set(manifest.outputs) | {MANIFEST_NAME}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if rel not in known:
            findings.append(Finding("unexpected", rel))
    return findings
