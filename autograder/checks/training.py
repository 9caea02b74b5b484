"""Checks on training loops: what they return, whether the loss falls, whether they do gradient descent."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.checks.base import fail, label, observe, record, rng, seed_for
from autograder.checks.diagnose import optimizer_misuse
from autograder.checks.reference import logistic_spec

REFERENCE_SPEC = logistic_spec(2)


def _gate_training_data(num_samples: int = 64) -> tuple[np.ndarray, np.ndarray]:
    from student_lib.datasets import logic_gate

    X, y = logic_gate("AND", num_samples=num_samples, noise_level=0.1, seed=seed_for("train-data"))
    return X.numpy(), y.numpy().astype(np.float32).reshape(-1, 1)


def _initial_parameters() -> list[np.ndarray]:
    generator = rng("init")
    return [generator.normal(0, 0.5, size=(1, 2)).astype(np.float32),
            generator.normal(0, 0.5, size=(1,)).astype(np.float32)]


def reference_gradient_descent(init: list[np.ndarray], X: np.ndarray, y: np.ndarray, lr: float,
                               epochs: int) -> tuple[list[float], list[list[np.ndarray]]]:
    """Full-batch gradient descent on BCE for sigmoid(X W^T + b), in float64, done by the grader:
    the loss before each step and the parameters [W, b] after each step."""
    W = init[0].astype(np.float64).copy()
    b = init[1].astype(np.float64).copy()
    X = X.astype(np.float64)
    y = y.astype(np.float64)
    losses, states = [], []
    for _ in range(epochs):
        p = 1.0 / (1.0 + np.exp(-(X @ W.T + b)))
        eps = 1e-300
        losses.append(float(np.mean(-(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps)))))
        grad_z = (p - y) / len(X)
        W -= lr * (grad_z.T @ X)
        b -= lr * grad_z.sum(axis=0)
        states.append([W.copy(), b.copy()])
    return losses, states


def _run_student_train(train: Any, epochs: int, lr: float) -> tuple[dict, np.ndarray, np.ndarray, list]:
    X, y = _gate_training_data()
    init = _initial_parameters()
    seen = observe("train_reference", train, REFERENCE_SPEC, init, X, y, lr=lr, epochs=epochs,
                   subject=f"{label(train)}")
    if not isinstance(seen, dict) or "losses" not in seen:
        fail(f"{label(train)}: the grader could not observe the training run")
    return seen, X, y, init


def _losses(train: Any, seen: dict, epochs: int) -> np.ndarray:
    losses = seen["losses"]
    if not isinstance(losses, (list, np.ndarray)):
        fail(f"{label(train)} should return a list of {epochs} per-epoch losses, "
             f"found {type(losses).__name__}")
    try:
        raw = np.asarray(losses)
    except ValueError:  # ragged nesting
        raw = np.asarray(None)
    if raw.dtype.kind not in "biuf":  # text or other objects: the student's mistake, not a grader crash
        kinds = ", ".join(sorted({type(v).__name__ for v in losses}))
        fail(f"{label(train)} should return a list of {epochs} per-epoch losses as numbers "
             f"(loss.item()), found a list of {kinds}")
    values = raw.astype(np.float64).reshape(-1)
    if values.size != epochs:
        fail(f"{label(train)} with epochs={epochs} should return {epochs} losses, found {values.size}")
    return values


def check_train_returns_losses(train: Any, *, epochs: int = 5, lr: float = 0.1) -> None:
    """``train`` returns one finite loss per epoch."""
    seen, *_ = _run_student_train(train, epochs, lr)
    values = _losses(train, seen, epochs)
    if not np.all(np.isfinite(values)):
        fail(f"{label(train)} returned losses that are NaN or infinite")


def _logistic_loss(params: list[np.ndarray], X: np.ndarray, y: np.ndarray) -> float:
    """BCE of sigmoid(X W^T + b) computed by the grader from parameter values."""
    W, b = (np.asarray(p, dtype=np.float64) for p in params)
    z = X.astype(np.float64) @ W.reshape(1, -1).T + b.reshape(-1)
    p = np.clip(1.0 / (1.0 + np.exp(-z)), 1e-12, 1 - 1e-12)
    return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))


def check_train_loss_falls(train: Any, *, epochs: int = 40, lr: float = 0.5) -> None:
    """On the grader's gate data, the model's loss (computed here) and the returned losses both fall."""
    seen, X, y, init = _run_student_train(train, epochs, lr)
    values = _losses(train, seen, epochs)
    final = seen["final"]
    if len(final) != 2 or [np.size(f) for f in final] != [np.size(i) for i in init]:
        fail(f"{label(train)} changed the model's parameters' shapes")
    before, after = _logistic_loss(init, X, y), _logistic_loss(final, X, y)
    if np.isfinite(after):
        record("model loss after/before", after / before, 0.9, higher_is_better=False)
    if not (np.isfinite(after) and after < 0.9 * before):
        fail(f"{label(train)}: over {epochs} epochs of SGD (lr={lr}) the model's loss on the "
             f"training data should fall; the grader measured {before:.4f} before and {after:.4f} "
             "after: check that you call backward() and step() every epoch")
    if not (np.all(np.isfinite(values)) and values[-1] < 0.9 * values[0]):
        fail(f"{label(train)}: the model learned, but the losses it returned went from "
             f"{values[0]:.4f} to {values[-1]:.4f}: append loss.item() of every epoch")


def _trajectory(train: Any, seen: dict, epochs: int) -> list[np.ndarray]:
    """The parameters after each of the ``epochs`` optimizer steps, refused unless there is one per epoch."""
    if seen["steps"] != epochs:
        events = seen.get("events")
        misuse = optimizer_misuse(events) if events else None
        fail(f"{label(train)} with epochs={epochs} should call optimizer.step() on the optimizer it is given "
             f"once per epoch (full batch), found {seen['steps']} calls"
             + (f": {misuse}" if misuse else ""))
    return [[np.asarray(v, dtype=np.float64) for v in snapshot] for snapshot in seen["snapshots"]]


def _other_learning_rate(init: list[np.ndarray], X: np.ndarray, y: np.ndarray, lr: float, epochs: int,
                         states: list[list[np.ndarray]], tolerance: float) -> str | None:
    """A sentence when the whole trajectory is gradient descent at another learning rate than ``lr``."""
    _, first = reference_gradient_descent(init, X, y, 1.0, 1)  # one step of size 1: init minus the gradient
    gradient = np.concatenate([(i.astype(np.float64) - f).reshape(-1) for i, f in zip(init, first[0])])
    moved = np.concatenate([(i.astype(np.float64) - s.reshape(i.shape)).reshape(-1) for i, s in zip(init, states[0])])
    if not gradient.any():
        return None
    other = float(moved @ gradient / (gradient @ gradient))
    if not other > 0 or abs(other - lr) <= 1e-3 * lr:
        return None
    _, reference = reference_gradient_descent(init, X, y, other, epochs)
    if max(float(np.max(np.abs(s.reshape(r.shape) - r))) for state, ref in zip(states, reference)
           for s, r in zip(state, ref)) > tolerance:
        return None
    return (f"the parameters follow gradient descent with a learning rate of {other:.3g} instead of the "
            f"optimizer's {lr:g}: leave the learning rate to the optimizer train is given")


def check_train_trajectory(train: Any, *, epochs: int = 13, lr: float = 0.3, tolerance: float = 1e-4) -> None:
    """With SGD at ``lr`` for ``epochs`` epochs (not the notebook's values), the parameters after every
    epoch match full-batch gradient descent from the same start to ``tolerance``."""
    seen, X, y, init = _run_student_train(train, epochs, lr)
    _, reference = reference_gradient_descent(init, X, y, lr, epochs)
    states = _trajectory(train, seen, epochs)
    if any([s.size for s in state] != [r.size for r in ref] for state, ref in zip(states, reference)):
        fail(f"{label(train)} changed the model's parameters' shapes")
    errors = [max(float(np.max(np.abs(s.reshape(r.shape) - r))) for s, r in zip(state, ref))
              for state, ref in zip(states, reference)]
    error = max(errors)
    record("parameter error vs gradient descent", error, tolerance, higher_is_better=False)
    if error > tolerance:
        first = next(i for i, e in enumerate(errors) if e > tolerance) + 1
        events = seen.get("events")
        misuse = ((optimizer_misuse(events) if events else None)
                  or _other_learning_rate(init, X, y, lr, epochs, states, tolerance))
        fail(f"{label(train)} with SGD (lr={lr}) for {epochs} epochs: from epoch {first} on the parameters "
             f"differ from full-batch gradient descent, by up to {error:.3g} (allowed {tolerance:g}): "
             + (misuse if misuse else "each epoch should zero the gradients, compute the loss on all of X, "
                "call backward(), then step()"))


def check_train_recorded_losses(train: Any, *, epochs: int = 13, lr: float = 0.3, tolerance: float = 1e-4) -> None:
    """The returned losses are, epoch by epoch, the loss of the model on (X, y) before that epoch's step
    (as the grader computes it from the parameters the model went through), to ``tolerance``."""
    seen, X, y, init = _run_student_train(train, epochs, lr)
    values = _losses(train, seen, epochs)
    states = [init] + _trajectory(train, seen, epochs)
    if all(all(np.array_equal(np.asarray(a, dtype=np.float64).reshape(-1), np.asarray(b, dtype=np.float64).reshape(-1))
               for a, b in zip(state, init)) for state in states[1:]):
        events = seen.get("events")
        misuse = optimizer_misuse(events) if events else None
        fail(f"{label(train)}: in {epochs} epochs no optimizer step changed the parameters, so there is no "
             "training run whose losses could be checked: " + (misuse if misuse else "call loss.backward() "
                                                              "before optimizer.step() in every epoch"))
    before = np.array([_logistic_loss(state, X, y) for state in states[:-1]])
    after = np.array([_logistic_loss(state, X, y) for state in states[1:]])
    error = float(np.max(np.abs(values - before)))
    if not error <= tolerance:
        shifted = bool(np.max(np.abs(values - after)) <= tolerance)
        fail(f"{label(train)}: the returned losses differ from the loss of the model before each epoch's step "
             f"by up to {error:.3g} (allowed {tolerance:g}): "
             + ("they are the losses after each step: append loss.item() of the loss you called backward() on"
                if shifted else "append loss.item() of the loss computed on all of X in that epoch"))
