"""Writing outputs so that an error never leaves half a file behind, and an unchanged file is left alone."""

from __future__ import annotations

import glob
import hashlib
import os
import tempfile
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_MODE = 0o666 & ~_umask()


def atomic_write(target: Path, data: bytes) -> None:
    """Write to a temporary file beside target, then rename it into place: a reader sees the old file or the
    whole new one. The file gets the usual permissions (mkstemp alone would leave it readable by its owner only)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            os.fchmod(f.fileno(), _MODE)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def discard_temporaries(target: Path) -> None:
    """Remove the temporary files that atomic_write(target) leaves when its process is killed mid-write."""
    for tmp in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
        tmp.unlink(missing_ok=True)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_outputs(outputs: dict[Path, bytes]) -> int:
    """Write each output atomically unless the file already holds exactly these bytes; how many were written."""
    written = 0
    for target, data in outputs.items():
        if target.is_file() and target.stat().st_size == len(data) and sha256_file(target) == hashlib.sha256(data).hexdigest():
            continue
        atomic_write(target, data)
        written += 1
    return written
