"""Results a rerun may reuse: only those this grader wrote, recognised by an HMAC.

A rerun of ``nncourse grade`` reuses the stored result of every submission whose key (content
hash, grader, bundle, options) still matches. A result file is plain JSON that anyone able to
write the output folder could forge (a submission graded without a sandbox, for instance:
its own 17/17, a classmate's 0), so each one carries ``signature``, an HMAC-SHA256 of its
content (the :class:`~autograder.engine.result.Result`'s JSON without it) under a key kept in the
grader's own state folder (``$XDG_STATE_HOME/nncourse`` or ``~/.local/state/nncourse``), which no
sandboxed student process can see (at the ``none`` level nothing is hidden: see the README). A
result without a valid signature is graded again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import replace
from pathlib import Path

from autograder.engine.result import Result


def key_path() -> Path:
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(state) / "nncourse" / "resume.key"


def key() -> bytes:
    """This user's signing key (made on first use, readable by this user only)."""
    path = key_path()
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        pass
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:  # made meanwhile by another grader (or unreadable: then nothing is reused)
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    return bytes.fromhex(path.read_text(encoding="ascii").strip())


def _digest(result: Result, secret: bytes) -> str:
    body = {k: v for k, v in result.to_dict().items() if k != "signature"}
    text = json.dumps(body, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return hmac.new(secret, text.encode("ascii"), hashlib.sha256).hexdigest()


def sign(result: Result) -> Result:
    """``result`` with its signature (a copy); unsigned, and so never reused, if the key cannot
    be read or made."""
    try:
        return replace(result, signature=_digest(result, key()))
    except (OSError, ValueError):
        return unsigned(result)


def unsigned(result: Result) -> Result:
    return replace(result, signature=None)


def genuine(result: Result) -> bool:
    """Whether ``result`` was signed by this user's grader and not changed since."""
    if not isinstance(result.signature, str):
        return False
    try:
        secret = key()
    except (OSError, ValueError):
        return False
    return hmac.compare_digest(result.signature, _digest(result, secret))
