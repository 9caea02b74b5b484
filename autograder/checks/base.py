"""What every check needs: references to notebook names, observations, seeds, thresholds, failure.

A check runs in one of two places with the same code:
- in the grader (``nncourse grade``): test arguments are :class:`Ref` names, observations are
  answered by the student's process through the active session, and verdicts are computed here;
- in the student's own notebook (``grader.check``): arguments are the real objects and probes
  run locally; the result still goes through the same plain-value conversion.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np

from autograder import protocol


class CheckFailed(AssertionError):
    """A check did not pass; the message is written for the student."""


class Ref:
    """A name in the student's notebook, resolved inside the student's process.

    The check library sends it to the student process as a reference. Plain Python in a hidden
    test (``assert xor_param_count == 17``, ``abs(loss - 0.3) < 0.1``, ``len(history)``) uses its
    *value* instead: the first such use asks the student process for it as plain data (a number,
    string, list, array; a tensor arrives as a numpy array) and every later use reuses it. A class,
    function or model has no plain value: those are checked through the check library.
    """

    __slots__ = ("name", "_value")
    _MISSING = object()

    def __init__(self, name: str) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "_value", Ref._MISSING)

    def wire(self) -> dict:
        return protocol.ref(self.name)

    def value(self) -> Any:
        """The plain value of the name in the student's notebook (fetched once)."""
        if self._value is Ref._MISSING:
            object.__setattr__(self, "_value", observe("value", self, subject=f"`{self.name}`"))
        return self._value

    def __repr__(self) -> str:
        return f"Ref({self.name!r})"

    def __hash__(self) -> int:
        return hash(("Ref", self.name))

    # comparisons and conversions of the value, as a plain hidden test uses them
    def __eq__(self, other: Any) -> Any:
        if isinstance(other, Ref):
            return other.name == self.name
        return _equal(self.value(), other)

    def __ne__(self, other: Any) -> Any:
        equal = self.__eq__(other)
        return not equal if isinstance(equal, bool) else ~equal

    def __str__(self) -> str:
        return str(self.value())

    def __format__(self, spec: str) -> str:
        return format(self.value(), spec)

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        return getattr(self.value(), attribute)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return np.asarray(self.value(), dtype=dtype)


def _equal(value: Any, other: Any) -> Any:
    """``value == other`` as Python and numpy compare them (an array gives an array)."""
    if isinstance(value, np.ndarray) or isinstance(other, np.ndarray):
        return np.asarray(value) == np.asarray(other)
    return value == other


def _delegate(operator: str) -> Any:
    def apply(self: Ref, *args: Any) -> Any:
        value = self.value()
        method = getattr(value, operator, None)
        try:
            result = NotImplemented if method is None else method(*args)
            if result is NotImplemented:
                raise TypeError(f"{operator.strip('_')} is not defined for it")
            return result
        except (TypeError, ValueError) as exc:
            if value is None:
                raise CheckFailed(f"`{self.name}` is None: give it a value in its cell and run that cell") from None
            raise CheckFailed(f"`{self.name}` is a {type(value).__name__} "
                              f"({_shape_of(value)}), which the test cannot use: {exc}") from None
    apply.__name__ = operator
    return apply


def _shape_of(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"shape {value.shape}"
    if isinstance(value, (list, tuple)):
        return f"{len(value)} items"
    return repr(value)[:40]


for _operator in ("__lt__", "__le__", "__gt__", "__ge__", "__bool__", "__float__", "__int__", "__index__",
                  "__len__", "__iter__", "__getitem__", "__contains__", "__abs__", "__neg__", "__round__",
                  "__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__",
                  "__rtruediv__", "__floordiv__", "__mod__", "__pow__", "__rpow__"):
    setattr(Ref, _operator, _delegate(_operator))


@dataclass
class GradingContext:
    """What the engine tells the checks about the current grading run."""

    session: Any = None  # the grader's StudentSession, or None in the student's own kernel
    seed: int = 0
    secret: str = ""  # the assignment's secret (hex); never sent to the student's process
    test_name: str = ""
    thresholds: dict[str, float] = field(default_factory=dict)
    budgets: dict[str, float] = field(default_factory=dict)
    probe_timeout: float | None = None
    data_dir: str = ""  # the bundle's grader-only data folder (hidden from the student's process); "" if none
    measurements: list[dict] = field(default_factory=list)
    figures: list[dict] = field(default_factory=list)  # PNGs shown with a failing test's message
    local_names: dict[int, str] = field(default_factory=dict)  # student's kernel: id(object) -> notebook name


_context: contextvars.ContextVar[GradingContext] = contextvars.ContextVar(
    "nncourse_grading_context", default=GradingContext())


def current() -> GradingContext:
    return _context.get()


@contextlib.contextmanager
def grading(context: GradingContext) -> Iterator[GradingContext]:
    token = _context.set(context)
    try:
        yield context
    finally:
        _context.reset(token)


def fail(message: str) -> None:
    raise CheckFailed(message)


def seed_for(tag: str) -> int:
    """A seed derived from the grading seed, the test and ``tag``: fresh but reproducible.

    Under ``nncourse grade`` it is an HMAC keyed with the assignment's secret, which the student's
    process never receives, so a notebook cannot regenerate the grader's data from public names
    and the seed. In the student's own kernel (no secret) it is a plain hash.
    """
    ctx = current()
    message = f"{ctx.seed}|{ctx.test_name}|{tag}".encode()
    if ctx.secret:
        digest = hmac.new(bytes.fromhex(ctx.secret), message, hashlib.sha256).digest()
    else:
        digest = hashlib.sha256(message).digest()
    return int.from_bytes(digest[:4], "little")


def notebook_seed(secret: str, seed: int) -> int:
    """The seed the notebook's own randomness gets when graded: derived from the secret and the grading
    seed, it reveals neither (the grader's data seeds are HMACs under the same secret)."""
    if not secret:
        return seed
    digest = hmac.new(bytes.fromhex(secret), f"notebook|{seed}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:4], "little")


def rng(tag: str) -> np.random.Generator:
    return np.random.default_rng(seed_for(tag))


def threshold(name: str) -> float:
    """A threshold from the grading profile (set by the grader, never by the notebook)."""
    try:
        return float(current().thresholds[name])
    except KeyError:
        raise KeyError(f"threshold {name!r} is not in the grading profile; hidden checks "
                       "run under `nncourse grade`") from None


def record(metric: str, value: float, limit: float, *, higher_is_better: bool = True) -> None:
    """Note a measured value next to its pass limit, for margin reports (never shown as a verdict)."""
    margin = value - limit if higher_is_better else limit - value
    current().measurements.append({"metric": metric, "value": round(float(value), 6),
                                   "limit": float(limit), "margin": round(float(margin), 6)})


def attach_figure(title: str, png: bytes) -> None:
    """Attach a PNG picture to the current test's result, for the student to see next to its message."""
    current().figures.append({"title": str(title), "png": bytes(png)})


def budget(name: str, default: float) -> float:
    return float(current().budgets.get(name, default))


def label(obj: Any) -> str:
    """How to name a student's object in a message."""
    if isinstance(obj, Ref):
        return f"`{obj.name}`"
    if id(obj) in current().local_names:
        return f"`{current().local_names[id(obj)]}`"
    return f"`{getattr(obj, '__name__', type(obj).__name__)}`"


def _wire(value: Any) -> Any:
    if isinstance(value, Ref):
        return value.wire()
    if isinstance(value, (list, tuple)):
        return [_wire(v) for v in value]
    if isinstance(value, dict):
        return {k: _wire(v) for k, v in value.items()}
    return value


def _has_ref(value: Any) -> bool:
    if isinstance(value, Ref):
        return True
    if isinstance(value, (list, tuple)):
        return any(_has_ref(v) for v in value)
    if isinstance(value, dict):
        return any(_has_ref(v) for v in value.values())
    return False


def _explain(kind: str, reply: dict, subject: str) -> str:
    if kind == protocol.MISSING:
        return (f"{subject} is not defined in your notebook: check its name and that the cell "
                "defining it runs without errors")
    if kind == protocol.WRONG_TYPE:
        return f"{subject}: wrong type: {reply.get('message')}"
    if kind == protocol.TIMEOUT:
        return f"{subject}: {reply.get('message')}"
    if kind == protocol.TAMPERED:
        return f"{subject} was not checked: {reply.get('message')}"
    where = ""
    frames = reply.get("frames") or []
    if frames:
        last = frames[-1]
        cell = f"cell {last['cell']}" if last.get("cell") is not None else "your code"
        where = f" (line {last['line']} of {cell}: `{last['code'].strip()}`)"
    return f"calling {subject} raised {reply.get('ename')}: {reply.get('evalue')}{where}"


def observe(probe: str, *args: Any, subject: str | None = None, seed_tag: str = "probe",
            timeout: float | None = None, **kwargs: Any) -> Any:
    """Run probe ``probe`` on the student's objects and return its plain observation.

    Raises CheckFailed, with a message for the student, when the object is missing, of the wrong
    type, too slow, or raises.
    """
    subject = subject or next((label(a) for a in args if isinstance(a, Ref)), "your code")
    ctx = current()
    seed = seed_for(seed_tag)
    from autograder.checks import verified

    if probe in verified.VERIFIED:  # computed here from the model's captured tensors and operators

        def ask(name: str, *a: Any, subject: str, **k: Any) -> Any:
            return observe(name, *a, subject=subject, seed_tag=seed_tag, timeout=timeout, **k)

        return verified.observe_verified(ask, probe, args, dict(kwargs), subject, seed)
    if _has_ref(args) or _has_ref(kwargs):
        if ctx.session is None:
            raise RuntimeError("a check was given notebook names but no grading session is active")
        try:
            return ctx.session.probe(probe, *_wire(list(args)), seed=seed,
                                     timeout=timeout or ctx.probe_timeout, **_wire(kwargs))
        except protocol.ProbeFailed as exc:
            raise CheckFailed(_explain(exc.kind, exc.reply, subject)) from None
    return _observe_locally(probe, args, kwargs, seed, subject)


def _observe_locally(probe: str, args: Any, kwargs: dict, seed: int, subject: str) -> Any:
    """In the student's own kernel (``grader.check``) the probe runs right here, on the real objects.

    This is the one place the check library reaches the probes: in the student's kernel there is no
    second process. The grader's path above only ever talks to the student process through the
    protocol; ``tests/unit/test_architecture.py`` holds both rules.
    """
    from autograder import probes

    if subject == "your code":  # in the student's kernel: the notebook name, or the class or function name
        subject = next((label(a) for a in args if id(a) in current().local_names or hasattr(a, "__name__")),
                       subject)
    probes.seed_everything(seed)
    try:
        return protocol.roundtrip(probes.PROBES[probe](*args, **kwargs))
    except probes.WrongType as exc:
        raise CheckFailed(f"{subject}: wrong type: {exc}") from None
    except CheckFailed:
        raise
    except Exception as exc:  # noqa: BLE001 - the student's code raised
        raise CheckFailed(f"calling {subject} raised {type(exc).__name__}: {exc}") from None
