"""Messages between the grader and the student process: JSON lines, numeric arrays, size caps.

This is the one module both sides import: the framing (:class:`Channel`, :func:`encode`,
:func:`decode`) and every message they exchange, in order of a grading:

1. grader -> student: :class:`Setup` (the notebook's code cells, seed, threads);
2. student -> grader: :class:`CellStarted` and :class:`CellDone` per cell, then :class:`Ready`;
3. grader -> student: :class:`ProbeRequest` (a probe name, arguments in which notebook names are
   :func:`ref` markers, a per-request id and nonce); student -> grader: :class:`ProbeReply`
   carrying the same id and nonce, ``ok`` with a plain value, or a failure ``kind`` from
   :data:`REPLY_KINDS`; the grader turns a failure into :class:`ProbeFailed`;
4. grader -> student: :class:`Exit`.

Nothing is ever pickled. Arrays cross as ``{"__array__": {dtype, shape, data}}`` with a numeric
dtype from a fixed list; anything else a student object produces must be converted to plain JSON
values on the student side first, so a rigged ``__eq__`` or a Tensor subclass cannot cross.
"""

from __future__ import annotations

import base64
import json
import os
import select
import time
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np

MAX_MESSAGE_BYTES = 16 * 1024 * 1024  # one message (a probe's reply with arrays, for example)

# What the student process reports about its cells, capped where it is produced (the runner) and
# again where the grader receives it (the session): a notebook can forge these messages.
MAX_CELL_MESSAGE_BYTES = 4 * 1024 * 1024  # one cell event; larger ones are garbage
MAX_CELL_OUTPUT_CHARS = 20_000            # printed output kept per cell (head and tail)
MAX_ERROR_CHARS = 2_000                   # an exception's message
MAX_ERROR_FRAMES = 5                      # the student's own lines of a traceback
MAX_IMAGES_PER_CELL = 4                   # plots kept per cell for the feedback page
MAX_IMAGE_BYTES = 400_000                 # one plot, as PNG bytes (base64 is 4/3 of that)
MAX_IMAGE_BYTES_TOTAL = 3_000_000         # every plot of one submission together
ALLOWED_DTYPES = frozenset(
    ["bool", "int8", "int16", "int32", "int64", "uint8", "float16", "float32", "float64"]
)


class ChannelClosed(Exception):
    """The other side closed the channel (its process exited or died)."""


class ChannelTimeout(Exception):
    """No complete message arrived before the deadline."""


class ProtocolError(Exception):
    """A message was malformed, too large or of a forbidden type."""


def _encode_default(obj: Any) -> Any:
    if type(obj) is np.ndarray:
        if obj.dtype.name not in ALLOWED_DTYPES:
            raise ProtocolError(f"arrays of dtype {obj.dtype} cannot be sent")
        data = np.ascontiguousarray(obj).tobytes()
        return {"__array__": {"dtype": obj.dtype.name, "shape": list(obj.shape),
                              "data": base64.b64encode(data).decode("ascii")}}
    if type(obj) in (np.float64, np.float32, np.float16):
        return float(obj)
    if type(obj) in (np.int64, np.int32, np.int16, np.int8, np.uint8):
        return int(obj)
    if type(obj) is np.bool_:
        return bool(obj)
    raise ProtocolError(f"objects of type {type(obj).__name__} cannot be sent")


def _decode_hook(obj: dict) -> Any:
    spec = obj.get("__array__")
    if spec is None or len(obj) != 1:
        return obj
    dtype = spec.get("dtype")
    if dtype not in ALLOWED_DTYPES:
        raise ProtocolError(f"arrays of dtype {dtype!r} are not accepted")
    shape = [int(n) for n in spec["shape"]]
    raw = base64.b64decode(spec["data"], validate=True)
    array = np.frombuffer(raw, dtype=np.dtype(dtype))
    if array.size != int(np.prod(shape, dtype=np.int64)):
        raise ProtocolError("array data does not match its shape")
    return array.reshape(shape).copy()


def encode(message: Any) -> bytes:
    """Serialise one message to a JSON line (UTF-8, newline-terminated)."""
    text = json.dumps(message, default=_encode_default, allow_nan=True, separators=(",", ":"))
    data = text.encode("utf-8") + b"\n"
    if len(data) > MAX_MESSAGE_BYTES:
        raise ProtocolError(f"message of {len(data):,} bytes exceeds the {MAX_MESSAGE_BYTES:,} byte cap")
    return data


def decode(line: bytes) -> Any:
    """Parse one JSON line produced by :func:`encode`."""
    if len(line) > MAX_MESSAGE_BYTES:
        raise ProtocolError("message too large")
    try:
        return json.loads(line.decode("utf-8"), object_hook=_decode_hook)
    except (ValueError, KeyError, TypeError) as exc:
        raise ProtocolError(f"malformed message: {exc}") from None


def roundtrip(value: Any) -> Any:
    """What ``value`` looks like after crossing the channel (used when checks run locally)."""
    return decode(encode(value))


class Channel:
    """A pair of pipe file descriptors carrying JSON lines, with read deadlines."""

    def __init__(self, read_fd: int, write_fd: int) -> None:
        self.read_fd = read_fd
        self.write_fd = write_fd
        self._buffer = b""

    def send(self, message: Any) -> None:
        data = encode(message)
        view = memoryview(data)
        try:
            while view:
                written = os.write(self.write_fd, view)
                view = view[written:]
        except (BrokenPipeError, OSError) as exc:
            raise ChannelClosed(str(exc)) from None

    def recv(self, timeout: float | None = None, limit: int | None = None) -> Any:
        """Return the next message (at most ``limit`` bytes); raise ChannelTimeout or ChannelClosed,
        or ProtocolError for a message that is too large or malformed."""
        limit = MAX_MESSAGE_BYTES if limit is None else limit
        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self._buffer:
            if len(self._buffer) > limit:
                raise ProtocolError(f"message too large (more than {limit:,} bytes)")
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([self.read_fd], [], [], wait)
            if not ready:
                raise ChannelTimeout()
            chunk = os.read(self.read_fd, 1 << 20)
            if not chunk:
                raise ChannelClosed("end of stream")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        if len(line) > limit:
            raise ProtocolError(f"message too large ({len(line):,} bytes, over {limit:,})")
        return decode(line)

    def close(self) -> None:
        for fd in (self.read_fd, self.write_fd):
            try:
                os.close(fd)
            except OSError:
                pass


# ------------------------------------------------------------------------------------ messages

REF_KEY = "__ref__"
# why a probe could not observe what it was asked to
MISSING, WRONG_TYPE, TIMEOUT, TAMPERED, EXCEPTION, INTERNAL = (
    "missing", "wrong_type", "timeout", "tampered", "exception", "internal")
REPLY_KINDS = (MISSING, WRONG_TYPE, TIMEOUT, TAMPERED, EXCEPTION, INTERNAL)


def ref(name: str) -> dict[str, str]:
    """The wire form of a name in the student's notebook (resolved in the student process)."""
    return {REF_KEY: name}


def ref_name(value: Any) -> str | None:
    """The notebook name a wire value refers to, or None when it is a plain value."""
    if isinstance(value, dict) and len(value) == 1 and isinstance(value.get(REF_KEY), str):
        return value[REF_KEY]
    return None


class _Message:
    """A message: a dataclass whose wire form is its fields plus ``type``."""

    TYPE = ""

    def wire(self) -> dict[str, Any]:
        return {"type": self.TYPE, **{f.name: getattr(self, f.name) for f in fields(self)}}  # type: ignore[arg-type]


@dataclass
class Setup(_Message):
    TYPE = "setup"
    cells: list[dict[str, Any]]  # [{index, source}]
    seed: int
    threads: int
    cwd: str


@dataclass
class CellStarted(_Message):
    TYPE = "cell_started"
    cell: int


@dataclass
class CellDone(_Message):
    TYPE = "cell_done"
    cell: int
    seconds: float = 0.0
    error: dict[str, Any] | None = None  # {ename, evalue, frames: [{cell, line, code}]}
    output: str = ""
    images: list[str] = field(default_factory=list)  # base64 PNGs


@dataclass
class Ready(_Message):
    TYPE = "ready"


@dataclass
class ProbeRequest(_Message):
    TYPE = "probe"
    id: int
    nonce: str
    probe: str
    args: list[Any]
    kwargs: dict[str, Any]
    seed: int


@dataclass
class ProbeReply(_Message):
    TYPE = "reply"
    id: int
    nonce: str
    ok: bool
    value: Any = None
    kind: str | None = None  # one of REPLY_KINDS when not ok
    message: str | None = None
    ename: str | None = None
    evalue: str | None = None
    frames: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    def explain(self) -> dict[str, Any]:
        """The failure as a plain dict (what :class:`ProbeFailed` carries)."""
        return {k: v for k, v in asdict(self).items() if k not in ("id", "nonce", "ok", "value")}


@dataclass
class Exit(_Message):
    TYPE = "exit"


MESSAGES: dict[str, type[_Message]] = {m.TYPE: m for m in (Setup, CellStarted, CellDone, Ready, ProbeRequest,
                                                            ProbeReply, Exit)}


def parse(data: Any, *expected: type[_Message]) -> Any:
    """The message ``data`` (a decoded JSON line) holds; ProtocolError unless it is one of ``expected``."""
    kind = MESSAGES.get(data.get("type")) if isinstance(data, dict) else None
    if kind is None or (expected and kind not in expected):
        raise ProtocolError(f"unexpected message {str(data)[:80]!r}")
    names = {f.name for f in fields(kind)}  # type: ignore[arg-type]
    try:
        return kind(**{k: v for k, v in data.items() if k in names})
    except TypeError as exc:
        raise ProtocolError(f"malformed {kind.TYPE} message: {exc}") from None


class ProbeFailed(Exception):
    """A probe could not observe what it was asked to (the student's code raised, for example)."""

    def __init__(self, reply: dict[str, Any]) -> None:
        super().__init__(reply.get("message") or reply.get("evalue") or reply.get("kind"))
        self.reply = reply

    @property
    def kind(self) -> str:
        return self.reply.get("kind") or EXCEPTION
