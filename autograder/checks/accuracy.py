"""Checks that score trained models on fresh data the grader draws at grading time.

Hidden labels stay here: the student's process receives inputs only and sends predictions back.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.checks.base import fail, label, observe, record, seed_for, threshold


def fresh_gate_data(gate: str, *, num_samples: int = 400, noise_level: float = 0.1,
                    tag: str = "fresh") -> tuple[np.ndarray, np.ndarray]:
    from student_lib.datasets import logic_gate

    X, y = logic_gate(gate, num_samples=num_samples, noise_level=noise_level,
                      seed=seed_for(f"{tag}-{gate}"))
    return X.numpy(), y.numpy()


def binary_labels(output: Any, what: str, n: int) -> np.ndarray:
    """Turn a binary model's output (probabilities, shape (n, 1) or (n,)) into 0/1 labels."""
    out = np.asarray(output, dtype=np.float64)
    if out.shape not in ((n, 1), (n,)):
        fail(f"{what} on {n} inputs: expected an output of shape ({n}, 1), found {out.shape}")
    return (out.reshape(-1) >= 0.5).astype(np.int64)


def module_accuracy(model: Any, X: np.ndarray, y: np.ndarray) -> float:
    """Accuracy of a trained binary nn.Module (sigmoid output) on inputs X with hidden labels y."""
    kind = observe("describe", model)
    if not kind["is_module"]:
        fail(f"{label(model)} should be a trained nn.Module, found a {kind['type']}")
    seen = observe("forward", model, X)
    predicted = binary_labels(seen["output"], label(model), len(X))
    return float(np.mean(predicted == y))


def check_gate_accuracy(model: Any, *, gate: str, threshold_name: str, noise_level: float = 0.1) -> None:
    """A trained binary model reaches the profile's accuracy on fresh ``gate`` data."""
    X, y = fresh_gate_data(gate, noise_level=noise_level)
    accuracy = module_accuracy(model, X, y)
    needed = threshold(threshold_name)
    record(f"{gate} accuracy", accuracy, needed)
    if accuracy < needed:
        fail(f"{label(model)} on {len(X)} fresh {gate} points (noise {noise_level}): expected an "
             f"accuracy of at least {needed:.2f}, found {accuracy:.3f}: check the training data, "
             "the learning rate and the number of epochs")


def check_sklearn_gate_baseline(model: Any, reported: Any, *, gate: str, threshold_name: str,
                                noise_level: float = 0.1) -> None:
    """A fitted scikit-learn model reaches the threshold on fresh data, and its reported test accuracy is plausible."""
    X, y = fresh_gate_data(gate, noise_level=noise_level)
    kind = observe("describe", model)
    if not kind["has_predict"]:
        fail(f"{label(model)} should be a fitted scikit-learn LogisticRegression, found a {kind['type']}")
    predicted = np.asarray(observe("sklearn_predict", model, X)).reshape(-1)
    if predicted.shape != y.shape:
        fail(f"{label(model)}.predict on {len(X)} points returned {predicted.size} labels")
    accuracy = float(np.mean(predicted.astype(np.int64) == y))
    needed = threshold(threshold_name)
    record(f"{gate} baseline accuracy", accuracy, needed)
    if accuracy < needed:
        fail(f"{label(model)} on {len(X)} fresh {gate} points: expected an accuracy of at least "
             f"{needed:.2f}, found {accuracy:.3f}: fit it on the {gate} training split")
    value = observe("value", reported)
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "iuf":
        value = float(value.reshape(()))  # a one-number tensor or array, as check_number_in_range accepts
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not needed - 0.1 <= value <= 1:
        fail(f"{label(reported)} should be the model's test accuracy, a number between "
             f"{needed - 0.1:.2f} and 1, found {value!r}")
