"""Checks on activation functions written by hand: equal to torch's, stable, pure, not borrowed."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.checks.base import fail, label, observe, rng
from autograder.checks.byhand import RELU, SIGMOID, TANH, borrowed

BUILT_INS = {**SIGMOID, **TANH, **RELU}
EXTREMES = [-100.0, -89.0, -50.0, -10.0, -1e-3, 0.0, 1e-3, 10.0, 50.0, 89.0, 100.0]
HINTS = {
    "sigmoid": "for x < 0 compute exp(x) / (1 + exp(x)) and for x >= 0 compute 1 / (1 + exp(-x)), so "
               "exp never sees a large positive number",
    "tanh": "write it with exp(-2|x|), which never overflows, and restore the sign of x",
    "relu": "keep x where it is positive and 0 elsewhere",
}


def reference(activation: str, x: np.ndarray) -> np.ndarray:
    """torch's own activation on float32 inputs, as float64."""
    import torch

    fn = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}[activation]
    return fn(torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))).double().numpy()


def _call(fn: Any, x: np.ndarray) -> dict:
    seen = observe("call_recording", fn, x)
    if not isinstance(seen, dict):
        fail(f"the grader could not observe {label(fn)}")
    return seen


def _compare(fn: Any, activation: str, x: np.ndarray, seen: dict, what: str) -> None:
    result = seen["result"]
    if result is None or isinstance(result, (dict, str)):
        fail(f"{label(fn)} should return a tensor, found {'None' if result is None else type(result).__name__}")
    found = np.asarray(result)
    if found.dtype.kind not in "biuf":
        fail(f"{label(fn)} should return a tensor of numbers, found {found.dtype}")
    if found.shape != x.shape:
        fail(f"{label(fn)} on a tensor of shape {x.shape}: expected a result of the same shape, "
             f"found {found.shape}: work elementwise")
    found = found.astype(np.float64)
    expected = reference(activation, x)
    bad = ~np.isfinite(found) | (np.abs(found - expected) > 1e-6 + 1e-5 * np.abs(expected))
    if np.any(bad):
        worst = x[bad]
        sample = ", ".join(f"{v:g}" for v in sorted(set(worst.tolist()), key=abs)[-3:])
        nan = "NaN or infinite values" if not np.all(np.isfinite(found[bad])) else "wrong values"
        fail(f"{label(fn)} on {what}: {nan} at {int(bad.sum())} of {x.size} inputs (for example "
             f"x = {sample}), compared with torch.{activation}: {HINTS[activation]}")
    after = np.asarray(seen["inputs_after"][0], dtype=np.float32)
    if after.shape != x.shape or not np.array_equal(after, x):
        fail(f"{label(fn)} changed its input tensor in place: return a new tensor and leave x as it was "
             "(build the result with torch.where or torch.clamp instead of assigning into x)")


def check_activation_examples(fn: Any, activation: str) -> None:
    """Sanity only: on a few ordinary values ``fn`` agrees with torch's activation and keeps the shape."""
    x = np.array([[-2.0, -0.5, 0.0], [0.5, 1.0, 3.0]], dtype=np.float32)
    _compare(fn, activation, x, _call(fn, x), "six ordinary values")


def check_activation_matches(fn: Any, activation: str) -> None:
    """``fn`` equals torch's ``activation`` elementwise on random inputs, including |x| up to 100."""
    generator = rng(f"activation-{activation}")
    values = np.concatenate([EXTREMES, generator.normal(0.0, 3.0, size=60),
                             generator.uniform(-100.0, 100.0, size=37)])
    x = generator.permutation(values).astype(np.float32).reshape(9, 12)
    _compare(fn, activation, x, _call(fn, x), "a (9, 12) tensor of values between -100 and 100")


def check_activations_by_hand(*functions: Any) -> None:
    """None of ``functions`` runs torch's built-in sigmoid, tanh or ReLU (seen at torch's dispatch
    level, whatever name it was bound to)."""
    x = rng("by-hand").normal(0.0, 3.0, size=(4, 5)).astype(np.float32)
    found = []
    for fn in functions:
        seen = _call(fn, x)
        result = seen["result"]
        if result is None or isinstance(result, (dict, str)) or np.shape(result) != x.shape:
            fail(f"{label(fn)} on a tensor of shape {x.shape} should return a tensor of that shape, found "
                 f"{'None' if result is None else type(result).__name__ if isinstance(result, (dict, str)) else np.shape(result)}: "
                 "complete it first; this test then checks that it is written by hand")
        if not seen["intact"]:
            found.append(f"{label(fn)} removes the grader's recording of torch calls")
        elif used := borrowed(seen, BUILT_INS):
            found.append(f"{label(fn)} runs {', '.join(used)}")
    if found:
        fail("write the activations yourself from elementary operations (torch.exp, torch.where, "
             f"torch.clamp, arithmetic): {'; '.join(found)}")
