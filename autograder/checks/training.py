"""Checks on training loops: what they return, whether the loss falls, whether they do gradient descent."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.checks.base import fail, label, observe, record, rng, seed_for
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
                               epochs: int) -> tuple[list[float], list[np.ndarray]]:
    """Full-batch gradient descent on BCE for sigmoid(X W^T + b), in float64, done by the grader."""
    W = init[0].astype(np.float64).copy()
    b = init[1].astype(np.float64).copy()
    X = X.astype(np.float64)
    y = y.astype(np.float64)
    losses = []
    for _ in range(epochs):
        p = 1.0 / (1.0 + np.exp(-(X @ W.T + b)))
        eps = 1e-300
        losses.append(float(np.mean(-(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps)))))
        grad_z = (p - y) / len(X)
        W -= lr * (grad_z.T @ X)
        b -= lr * grad_z.sum(axis=0)
    return losses, [W, b]


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


def check_train_matches_gradient_descent(train: Any, *, epochs: int = 8, lr: float = 0.5,
                                         tolerance: float = 1e-4) -> None:
    """Parameters after every epoch and the returned losses match full-batch gradient descent."""
    seen, X, y, init = _run_student_train(train, epochs, lr)
    ref_losses, ref_final = reference_gradient_descent(init, X, y, lr, epochs)
    if seen["steps"] != epochs:
        fail(f"{label(train)} with epochs={epochs} should call optimizer.step() once per epoch "
             f"(full batch), found {seen['steps']} calls")
    values = _losses(train, seen, epochs)
    final = [np.asarray(v, dtype=np.float64) for v in seen["final"]]
    if [f.size for f in final] != [r.size for r in ref_final]:
        fail(f"{label(train)} changed the model's parameters' shapes")
    error = max(float(np.max(np.abs(f.reshape(r.shape) - r))) for f, r in zip(final, ref_final))
    record("parameter error vs gradient descent", error, tolerance, higher_is_better=False)
    if error > tolerance:
        fail(f"{label(train)}: after {epochs} epochs the parameters differ from full-batch gradient "
             f"descent by up to {error:.3g}: each epoch should zero the gradients, compute the loss "
             "on all of X, call backward(), then step()")
    loss_error = float(np.max(np.abs(values - np.asarray(ref_losses))))
    if loss_error > tolerance:
        fail(f"{label(train)}: the returned losses differ from the loss before each step by up to "
             f"{loss_error:.3g}: record loss.item() for the batch of each epoch")
