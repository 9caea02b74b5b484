"""Checks that score trained models on fresh gate data and recompute the accuracies a notebook reports.

Hidden labels stay here: the student's process receives inputs only and sends back a model (its
forward pass captured, or a scikit-learn model's fitted arrays) whose predictions the grader
computes itself. Reported accuracies are measured again here on the split the question names.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.checks.base import fail, label, observe, record, seed_for, threshold
from autograder.checks.diagnose import constant_predictions

CORNERS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
# two-input gates by their outputs on CORNERS: the notebook's, XOR's negation, and the linearly
# separable gates other than AND and OR (what the grader retrains a student's recipe on)
EXTRA_GATES = {"XNOR": (1, 0, 0, 1)}
OTHER_SEPARABLE_GATES = {"NAND": (1, 1, 1, 0), "NOR": (1, 0, 0, 0), "x1 AND NOT x2": (0, 0, 1, 0),
                         "x2 AND NOT x1": (0, 1, 0, 0), "x1 OR NOT x2": (1, 0, 1, 1),
                         "x2 OR NOT x1": (1, 1, 0, 1)}


def gate_table(gate: str) -> tuple[int, int, int, int]:
    """A gate's outputs on (0,0), (0,1), (1,0), (1,1)."""
    from student_lib.datasets import GATES

    tables = {**GATES, **EXTRA_GATES, **OTHER_SEPARABLE_GATES}
    return tuple(tables[gate.upper() if gate.upper() in GATES else gate])


def gate_data(gate: str, *, num_samples: int, noise_level: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``logic_gate``'s recipe for any gate: noisy corners, balanced, shuffled; X float32 (n, 2), y int64 (n,)."""
    from student_lib.datasets import GATES, logic_gate

    if gate.upper() in GATES:
        X, y = logic_gate(gate, num_samples=num_samples, noise_level=noise_level, seed=seed)
        return X.numpy(), y.numpy()
    generator = np.random.default_rng(seed)
    corner = np.arange(num_samples) % 4
    X = CORNERS[corner] + generator.normal(0.0, noise_level, size=(num_samples, 2))
    y = np.asarray(gate_table(gate), dtype=np.int64)[corner]
    order = generator.permutation(num_samples)
    return X[order].astype(np.float32), y[order]


def fresh_gate_data(gate: str, *, num_samples: int = 400, noise_level: float = 0.1,
                    tag: str = "fresh") -> tuple[np.ndarray, np.ndarray]:
    """Points of ``gate`` the student never saw, drawn with the grader's seed."""
    return gate_data(gate, num_samples=num_samples, noise_level=noise_level, seed=seed_for(f"{tag}-{gate}"))


def binary_labels(output: Any, what: str, n: int) -> np.ndarray:
    """Turn a binary model's output (probabilities, shape (n, 1) or (n,)) into 0/1 labels."""
    out = np.asarray(output, dtype=np.float64)
    if out.shape not in ((n, 1), (n,)):
        fail(f"{what} on {n} inputs: expected an output of shape ({n}, 1), found {out.shape}")
    return (out.reshape(-1) >= 0.5).astype(np.int64)


def require_instance(model: Any, of_class: Any) -> None:
    """``model`` is an instance of the notebook's class ``of_class`` (a trained model of that class,
    not a hand-written rule in its place)."""
    seen = observe("instance_of", model, of_class)
    if not seen["instance"]:
        fail(f"{label(model)} should be a {label(of_class)} trained with your code, found a "
             f"{seen['type']}: the question asks for an instance of {label(of_class)}")


def module_predictions(model: Any, X: np.ndarray, of_class: Any = None) -> np.ndarray:
    """0/1 predictions of a trained binary nn.Module (sigmoid output) on inputs X, computed here."""
    kind = observe("describe", model)
    if not kind["is_module"]:
        fail(f"{label(model)} should be a trained nn.Module, found a {kind['type']}")
    if of_class is not None:
        require_instance(model, of_class)
    seen = observe("forward", model, X)
    return binary_labels(seen["output"], label(model), len(X))


def accuracy_failure(what: str, predicted: np.ndarray, y: np.ndarray, needed: float, advice: str) -> str:
    """The message for an accuracy under its bar, naming a constant predictor when it is one."""
    accuracy = float(np.mean(predicted == y))
    constant = constant_predictions(predicted, y)
    return (f"{what}: expected an accuracy of at least {needed:.2f}, found {accuracy:.3f}: "
            + (constant if constant else advice))


def check_gate_accuracy(model: Any, *, gate: str, threshold_name: str, of_class: Any = None,
                        noise_level: float = 0.1) -> None:
    """A trained binary model (an instance of ``of_class`` when given) reaches the profile's accuracy
    on fresh ``gate`` data."""
    X, y = fresh_gate_data(gate, noise_level=noise_level)
    predicted = module_predictions(model, X, of_class)
    accuracy = float(np.mean(predicted == y))
    needed = threshold(threshold_name)
    record(f"{gate} accuracy", accuracy, needed)
    if accuracy < needed:
        fail(accuracy_failure(f"{label(model)} on {len(X)} fresh {gate} points (noise {noise_level})",
                              predicted, y, needed, "check the training data, the learning rate and the "
                              "number of epochs"))


def _reported_number(reported: Any, what: str) -> float:
    value = observe("value", reported)
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "iuf":
        value = float(value.reshape(()))  # a one-number tensor or array
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
        fail(f"{label(reported)} should be {what}, one number between 0 and 1, found {value!r}")
    return float(value)


def check_reported_gate_accuracy(model: Any, reported: Any, *, gate: str, data_seed: int, tolerance_name: str,
                                 of_class: Any = None, num_samples: int = 500, noise_level: float = 0.1) -> None:
    """``reported`` is the accuracy of ``model`` (an instance of ``of_class`` when given) on the
    notebook's own ``gate`` data, ``logic_gate(gate, num_samples, noise_level, seed=data_seed)``,
    which the grader draws again itself."""
    X, y = gate_data(gate, num_samples=num_samples, noise_level=noise_level, seed=data_seed)
    value = _reported_number(reported, f"the accuracy of {label(model)}")
    measured = float(np.mean(module_predictions(model, X, of_class) == y))
    tolerance = threshold(tolerance_name)
    if not abs(value - measured) <= tolerance:
        fail(f"{label(reported)} should be the accuracy of {label(model)} on the notebook's {num_samples} "
             f"{gate} points: the grader measures {measured:.4f}, the notebook says {value:.4f} (allowed "
             f"difference {tolerance:g}): compute it with the accuracy function on that data instead of "
             "writing a number")


# --- scikit-learn baselines -------------------------------------------------------------------

def fitted_logistic_regression(fitted: dict, what: str) -> dict:
    """The fitted arrays a probe reported, refused unless they are a LogisticRegression's."""
    if not fitted.get("logistic_regression"):
        fail(f"{what} should be a fitted scikit-learn LogisticRegression, found a {fitted.get('type')}")
    return fitted


def sklearn_labels(fitted: dict, X: np.ndarray, what: str) -> np.ndarray:
    from autograder.checks.verified import sklearn_predict

    predicted = np.asarray(sklearn_predict(fitted, X.astype(np.float64), what)).reshape(-1)
    if predicted.shape != (len(X),):
        fail(f"{what} predicts {predicted.size} labels for {len(X)} points")
    return predicted.astype(np.int64)


def check_sklearn_gate_baseline(model: Any, *, gate: str, threshold_name: str, noise_level: float = 0.1) -> None:
    """A fitted scikit-learn LogisticRegression reaches the threshold on fresh ``gate`` data; the grader
    predicts with its fitted arrays."""
    X, y = fresh_gate_data(gate, noise_level=noise_level)
    fitted = fitted_logistic_regression(observe("sklearn_fitted", model), label(model))
    predicted = sklearn_labels(fitted, X, label(model))
    accuracy = float(np.mean(predicted == y))
    needed = threshold(threshold_name)
    record(f"{gate} baseline accuracy", accuracy, needed)
    if accuracy < needed:
        fail(accuracy_failure(f"{label(model)} on {len(X)} fresh {gate} points", predicted, y, needed,
                              f"fit it on the {gate} training split"))


def split_accuracies(fitted: dict, X: np.ndarray, y: np.ndarray, *, split_seed: int, test_fraction: float,
                     what: str) -> tuple[float, float, int]:
    """(test accuracy, training accuracy, test size) of a fitted model on
    ``datasets.train_test_split(X, y, test_fraction, seed=split_seed)``, computed by the grader."""
    from student_lib.datasets import train_test_split

    X_train, X_test, y_train, y_test = (t.numpy() for t in train_test_split(X, y, test_fraction=test_fraction,
                                                                            seed=split_seed))
    test = float(np.mean(sklearn_labels(fitted, X_test, what) == y_test))
    train = float(np.mean(sklearn_labels(fitted, X_train, what) == y_train))
    return test, train, len(X_test)


def reported_split_message(what: str, reported: float, test: float, train: float, n_test: int,
                           tolerance: float) -> str | None:
    """None when ``reported`` is the test accuracy; else what the grader measured and, where it
    matches, which other number was reported."""
    if abs(reported - test) <= tolerance:
        return None
    cause = ("it equals the model's accuracy on the training part: score the model on the test part"
             if abs(reported - train) <= tolerance else
             "compute it as the fraction of correct predictions on the test part")
    return (f"{what} should be the model's accuracy on the {n_test} test points of the split: the grader "
            f"measures {test:.4f}, found {reported:.4f} (allowed difference {tolerance:g}): {cause}")


def check_reported_test_accuracy(model: Any, reported: Any, *, gate: str, data_seed: int, tolerance_name: str,
                                 split_seed: int = 140, test_fraction: float = 0.2, num_samples: int = 500,
                                 noise_level: float = 0.1) -> None:
    """``reported`` is the accuracy of the fitted ``model`` on the test part of the notebook's split,
    ``train_test_split(*logic_gate(gate, num_samples, noise_level, seed=data_seed), test_fraction,
    seed=split_seed)``, recomputed by the grader from the model's fitted arrays."""
    X, y = gate_data(gate, num_samples=num_samples, noise_level=noise_level, seed=data_seed)
    value = _reported_number(reported, f"the test accuracy of {label(model)}")
    fitted = fitted_logistic_regression(observe("sklearn_fitted", model), label(model))
    test, train, n_test = split_accuracies(fitted, X, y, split_seed=split_seed, test_fraction=test_fraction,
                                           what=label(model))
    message = reported_split_message(label(reported), value, test, train, n_test, threshold(tolerance_name))
    if message:
        fail(message)
