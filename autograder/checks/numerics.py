"""Checks on values and on functions computed by hand."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.checks.base import fail, label, observe, rng
from autograder.checks.byhand import LOSSES, borrowed, check_by_hand
from autograder.checks.reference import sigmoid

BCE_ADVICE = ("compute the mean of -[y log p + (1 - y) log(1 - p)] yourself, with torch.log and tensor "
              "arithmetic")


def _number(obj: Any) -> float:
    value = observe("value", obj)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "iuf":
            return float(value.reshape(()))
        fail(f"{label(obj)} should be a single number, found {type(value).__name__}")
    return float(value)


def check_number_in_range(obj: Any, low: float, high: float) -> None:
    """``obj`` is one number between ``low`` and ``high`` (inclusive)."""
    value = _number(obj)
    if not (low <= value <= high):
        fail(f"{label(obj)}: expected a number between {low:g} and {high:g}, found {value:.4g}")


def check_neuron_formula(model: Any, *, num_features: int, tolerance: float = 1e-5) -> None:
    """With random parameters, ``model(d)(X)`` equals sigmoid(b + X w) for its intercept b and weights w."""
    X = rng("inputs").normal(size=(11, num_features)).astype(np.float32)
    seen = observe("forward", model, X, args=[num_features], randomize=True)
    params = {name: np.asarray(v, dtype=np.float64) for name, v in seen["parameters"].items()}
    intercepts = [v for v in params.values() if v.size == 1]
    weights = [v for v in params.values() if v.size == num_features]
    if len(params) != 2 or len(intercepts) != 1 or len(weights) != 1:
        shapes = ", ".join(f"{n} {tuple(v.shape)}" for n, v in params.items()) or "none"
        fail(f"{label(model)}({num_features}) should have two parameters, an intercept with 1 value "
             f"and weights with {num_features} values; found {shapes}")
    expected = sigmoid(intercepts[0].reshape(()) + X.astype(np.float64) @ weights[0].reshape(-1))
    out = np.asarray(seen["output"], dtype=np.float64)
    if out.shape != (len(X), 1):
        fail(f"{label(model)}: expected an output of shape ({len(X)}, 1), found {out.shape}")
    error = float(np.max(np.abs(out.reshape(-1) - expected)))
    if error > tolerance:
        fail(f"{label(model)}: with random parameters the output should be sigmoid(b + x.w); the "
             f"largest difference is {error:.3g}: check the formula in forward")


def _reference_bce(probs: np.ndarray, targets: np.ndarray) -> float:
    logp = np.maximum(np.log(probs), -100.0)
    log1p = np.maximum(np.log(1.0 - probs), -100.0)
    return float(np.mean(-(targets * logp + (1.0 - targets) * log1p)))


def _loss_value(fn: Any, probs: np.ndarray, targets: np.ndarray, *, by_hand: bool = True) -> float:
    """``fn(probs, targets)`` as one number; with ``by_hand``, refused when it comes from a library loss
    (recorded at torch's dispatch level, whatever name the loss was bound to)."""
    seen = observe("call_recording", fn, probs.astype(np.float32), targets.astype(np.float32))
    value = seen["result"]
    if by_hand:
        used = borrowed(seen, LOSSES)
        if used or not seen["intact"]:
            fail(f"{label(fn)} is not computed by hand: "
                 + (f"it runs {', '.join(used)}" if used else "it removed the grader's recording of torch calls")
                 + f", so its values earn nothing on this by-hand question: {BCE_ADVICE}")
    if value is None:
        fail(f"{label(fn)} returned nothing (None): it should return the mean loss as a tensor")
    array = np.asarray(value, dtype=np.float64) if not isinstance(value, (dict, str)) else None
    if array is None or array.size != 1:
        shape = "a dict or text" if array is None else f"shape {array.shape}"
        fail(f"{label(fn)} should return one number (the mean loss), found {shape}")
    return float(array.reshape(()))


def check_matches_bce(fn: Any, *, tolerance: float = 1e-6) -> None:
    """``fn(probs, targets)`` equals nn.BCELoss (mean) on random probabilities and 0/1 targets."""
    generator = rng("bce")
    for size in (1, 8, 64):
        probs = generator.uniform(0.02, 0.98, size=(size, 1)).astype(np.float32)
        targets = generator.integers(0, 2, size=(size, 1)).astype(np.float32)
        found = _loss_value(fn, probs, targets)
        expected = _reference_bce(probs.astype(np.float64), targets.astype(np.float64))
        if not abs(found - expected) <= tolerance * max(1.0, abs(expected)):
            fail(f"{label(fn)} on {size} random probabilities: expected {expected:.6f} "
                 f"(nn.BCELoss), found {found:.6f}: check the signs, the mean and the (1 - y) term")


def check_bce_is_finite(fn: Any) -> None:
    """``fn`` stays finite and non-negative for probabilities at and next to 0 and 1."""
    probs = np.array([[0.0], [1.0], [1e-12], [1 - 1e-7], [0.0], [1.0]], dtype=np.float32)
    targets = np.array([[0.0], [1.0], [0.0], [1.0], [1.0], [0.0]], dtype=np.float32)
    for rows, what in ((slice(0, 4), "confident right answers"), (slice(0, 6), "confident wrong answers")):
        value = _loss_value(fn, probs[rows], targets[rows])
        if not np.isfinite(value) or value < 0:
            fail(f"{label(fn)} on probabilities of exactly 0 and 1 ({what}): expected a finite, "
                 f"non-negative loss, found {value}: clamp the probabilities before taking logs")
    value = _loss_value(fn, probs[0:4], targets[0:4])
    if value > 1e-3:
        fail(f"{label(fn)}: confident right answers (p = 1 for y = 1, p = 0 for y = 0) should "
             f"give a loss near 0, found {value:.4g}")


def check_bce_example(fn: Any) -> None:
    """One prediction of 0.5 for a positive label costs log 2 (a sanity check, not a proof)."""
    found = _loss_value(fn, np.array([[0.5]]), np.array([[1.0]]), by_hand=False)
    if not abs(found - np.log(2)) < 1e-5:
        fail(f"{label(fn)}(p=[[0.5]], y=[[1.0]]): expected log 2 = {np.log(2):.6f}, found {found:.6f}")


def check_bce_by_hand(fn: Any) -> None:
    """``fn`` computes its loss without any of torch's losses, under whatever name bound, and from its
    inputs (two different inputs give two different losses; a constant is not a loss computed by hand)."""
    generator = rng("by-hand")
    results = []
    for _ in range(2):
        probs = generator.uniform(0.05, 0.95, size=(16, 1)).astype(np.float32)
        targets = generator.integers(0, 2, size=(16, 1)).astype(np.float32)
        seen = check_by_hand(fn, [probs, targets], forbidden=LOSSES, advice=BCE_ADVICE)
        results.append(np.asarray(seen["result"], dtype=np.float64))
    if results[0].shape == results[1].shape and np.array_equal(results[0], results[1]):
        fail(f"{label(fn)} returns the same value for two different sets of probabilities and labels: it "
             f"should compute the loss from its inputs: {BCE_ADVICE}")
