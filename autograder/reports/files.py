"""Writing report files: safe file names from ids, atomic writes."""

from __future__ import annotations

import os
import re
from pathlib import Path


def safe_name(name: str) -> str:
    """``name`` as a file name that is safe on every platform (letters, digits, ``._-``)."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "submission"
    return cleaned[:120]


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` so that a reader never sees a half-written file (a temp file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
