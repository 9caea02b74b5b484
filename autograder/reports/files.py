"""Writing report files: safe file names from ids, atomic writes."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path


def safe_name(name: str) -> str:
    """``name`` as a file name that is safe on every platform (letters, digits, ``._-``)."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "submission"
    return cleaned[:120]


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8; a lone surrogate is written as its escape) to ``path`` at once:
    readers see the old file or the new one, never a part. The temporary name is unpredictable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8", "backslashreplace")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
