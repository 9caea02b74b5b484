"""Retrain, don't trust: the grader runs the student's own recipe on gate data of its own.

Where a question asks for a model trained by the student's code, the object the notebook left in a
variable proves little (a hand-written rule or typed-in weights classify the notebook's gates as
well). These checks call the student's fitting function, or build a fresh instance of the student's
class and train it with the student's ``train``, on data the grader draws for a gate the notebook
never used, and judge the model that comes back on fresh points of that gate. Only inputs and
training labels go to the student's process; predictions on the fresh points are computed here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.checks.accuracy import (
    OTHER_SEPARABLE_GATES,
    accuracy_failure,
    binary_labels,
    fitted_logistic_regression,
    fresh_gate_data,
    gate_table,
    reported_split_message,
    sklearn_labels,
    split_accuracies,
)
from autograder.checks.base import fail, label, observe, record, rng, seed_for, threshold
from autograder.checks.diagnose import optimizer_misuse
from autograder.checks.reference import sigmoid
from autograder.checks.replay import Captured, replay

TRAIN_SIZE = 200
FRESH_SIZE = 400


def grader_gates(tag: str, count: int = 2) -> list[str]:
    """``count`` distinct linearly separable gates other than AND and OR, chosen by the grader's seed."""
    names = sorted(OTHER_SEPARABLE_GATES)
    return [names[i] for i in rng(tag).choice(len(names), size=count, replace=False)]


def _describe(gate: str) -> str:
    table = ", ".join(f"{c} -> {v}" for c, v in zip(("(0,0)", "(0,1)", "(1,0)", "(1,1)"), gate_table(gate)))
    return f"the gate {gate} ({table})"


def _flipped_test_labels(X: np.ndarray, y: np.ndarray, *, split_seed: int, test_fraction: float,
                         share: float = 0.25) -> tuple[np.ndarray, np.ndarray]:
    """(X, y) with the labels of ``share`` of the test part of ``train_test_split(..., seed=split_seed)``
    flipped, so that a model's test accuracy (near 1 - share) differs from its training accuracy."""
    from student_lib.datasets import train_test_split

    _, _, _, test = train_test_split(X, np.arange(len(X)), test_fraction=test_fraction, seed=split_seed)
    test = test.numpy()
    flipped = y.copy()
    chosen = test[:round(share * len(test))]
    flipped[chosen] = 1 - flipped[chosen]
    return X, flipped


def check_fit_baseline(fn: Any, *, threshold_name: str, tolerance_name: str, test_fraction: float = 0.2) -> None:
    """``fn(X, y, seed)`` on two gates of the grader's returns a fitted LogisticRegression that reaches
    the profile's accuracy on fresh points of that gate, and the accuracy of that model on the test part
    of ``train_test_split(X, y, test_fraction, seed=seed)`` as recomputed by the grader. A quarter of the
    test part's labels are flipped, so an accuracy measured on the training part shows."""
    needed, tolerance = threshold(threshold_name), threshold(tolerance_name)
    for gate in grader_gates("baseline-gates"):
        split_seed = seed_for(f"baseline-split-{gate}") % 100_000
        X, y = _flipped_test_labels(*fresh_gate_data(gate, num_samples=TRAIN_SIZE, tag="baseline-train"),
                                    split_seed=split_seed, test_fraction=test_fraction)
        what = f"the model {label(fn)} returns for {_describe(gate)}"
        seen = observe("fit_sklearn", fn, X, y, split_seed, subject=label(fn))
        fitted = fitted_logistic_regression(seen["fitted"], what)
        X_fresh, y_fresh = fresh_gate_data(gate, tag="baseline-fresh")
        predicted = sklearn_labels(fitted, X_fresh, what)
        _judge_retrained(f"{gate} retrained baseline accuracy", what, predicted, y_fresh, needed,
                         "fit the LogisticRegression on the training part of the X and y it is given")
        reported = seen["accuracy"]
        array = None if reported is None or isinstance(reported, (dict, str)) else np.asarray(reported)
        if array is None or array.dtype.kind not in "biuf" or array.size != 1:
            fail(f"{label(fn)} should return its test accuracy as one number, found {type(reported).__name__}")
        test, train, n_test = split_accuracies(fitted, X, y, split_seed=split_seed, test_fraction=test_fraction,
                                               what=what)
        message = reported_split_message(f"the accuracy {label(fn)}(X, y, seed={split_seed}) returns for "
                                         f"{_describe(gate)}", float(array.reshape(())), test, train, n_test,
                                         tolerance)
        if message:
            fail(message)


def _neuron_formula_error(captured: Captured, X: np.ndarray, out: np.ndarray) -> float | None:
    """How far ``out`` is from sigmoid(b + X w) for the model's own intercept b and weights w (None when
    its parameters are not one intercept and one weight vector)."""
    params = captured.param_values()
    intercepts = [v for v in params.values() if v.size == 1]
    weights = [v for v in params.values() if v.size == X.shape[1]]
    if len(params) != 2 or len(intercepts) != 1 or len(weights) != 1:
        return None
    w = weights[0].astype(np.float64).reshape(-1)
    expected = sigmoid(float(intercepts[0].reshape(())) + X.astype(np.float64) @ w)
    return float(np.max(np.abs(out.reshape(-1) - expected)))


def check_retrained_neuron(fn: Any, of_class: Any, *, threshold_name: str, tolerance: float = 1e-5) -> None:
    """``fn(X, y)`` on two gates of the grader's returns an instance of ``of_class`` that computes
    sigmoid(b + x.w) with its own parameters and reaches the profile's accuracy on fresh points."""
    needed = threshold(threshold_name)
    for gate in grader_gates("neuron-gates"):
        X, y = fresh_gate_data(gate, num_samples=TRAIN_SIZE, tag="neuron-train")
        X_fresh, y_fresh = fresh_gate_data(gate, tag="neuron-fresh")
        what = f"the model {label(fn)} returns for {_describe(gate)}"
        seen = observe("fit_and_predict", fn, X, y, list(X_fresh.shape), y_dtype="int64", of_class=of_class,
                       subject=label(fn))
        if not seen["instance"]:
            fail(f"{what} should be a {label(of_class)} trained by your code, found a {seen['type']}")
        if not seen["steps"]:
            fail(f"{what} was never moved by an optimizer step: train it with your train and "
                 "torch.optim.SGD instead of setting its parameters yourself")
        captured = Captured.parse(seen["eval_model"], what)
        out = replay(captured, X_fresh, None, what)
        predicted = binary_labels(out, what, len(X_fresh))
        error = _neuron_formula_error(captured, X_fresh, out)  # None: other parameters, which Question 3 tests
        if error is not None and error > tolerance:
            fail(f"{what} does not compute sigmoid(b + x.w) with its own parameters (its output differs by up "
                 f"to {error:.3g}): return the trained {label(of_class)} itself, not a rule in its place")
        _judge_retrained(f"{gate} retrained neuron accuracy", what, predicted, y_fresh, needed,
                         "train the neuron on the X and y it is given, with your train, nn.BCELoss() and SGD at "
                         "the learning rate it is given")


def _judge_retrained(metric: str, what: str, predicted: np.ndarray, y_fresh: np.ndarray, needed: float,
                     advice: str) -> None:
    """Record the accuracy of a model the student's code trained on grader data; fail below ``needed``."""
    accuracy = float(np.mean(predicted == y_fresh))
    record(metric, accuracy, needed)
    if accuracy < needed:
        fail(accuracy_failure(f"{what}, trained on {TRAIN_SIZE} of its points, on {FRESH_SIZE} fresh ones",
                              predicted, y_fresh, needed, advice))


def _typed_in(model_class: Any) -> str:
    return (f"{label(model_class)}() starts from the same parameters under two different torch seeds: its "
            "weights are typed in rather than initialised at random and learned; build it from nn.Linear "
            "layers and leave their initialisation to PyTorch")


def check_random_start(model_class: Any) -> None:
    """``model_class()`` starts from random parameters (two torch seeds give two starts), so a model of
    that class that classifies well was trained, not typed in."""
    seeds = [seed_for(f"start-{k}") % 100_000 for k in range(2)]
    if not observe("random_start", model_class, seeds):
        fail(_typed_in(model_class))


def check_retrained_network(model_class: Any, train: Any, *, gate: str, threshold_name: str, lr: float,
                            epochs: int) -> None:
    """A fresh ``model_class()``, which starts from random parameters, trained by the student's
    ``train(model, X, y, nn.BCELoss(), Adam(lr), epochs)`` on the grader's ``gate`` data, reaches the
    profile's accuracy on fresh points of that gate."""
    needed = threshold(threshold_name)
    X, y = fresh_gate_data(gate, num_samples=TRAIN_SIZE, tag="network-train")
    X_fresh, y_fresh = fresh_gate_data(gate, tag="network-fresh")
    seeds = [seed_for(f"network-init-{k}") % 100_000 for k in range(2)]
    subject = f"{label(train)} on a fresh {label(model_class)}()"
    seen = observe("train_fresh", model_class, train, X, y.astype(np.float32), list(X_fresh.shape), lr=lr,
                   epochs=epochs, seeds=seeds, subject=subject)
    if not seen["random_start"]:
        fail(_typed_in(model_class))
    what = f"a fresh {label(model_class)}() trained by {label(train)} (Adam, lr={lr}, {epochs} epochs)"
    misuse = optimizer_misuse(seen.get("events") or [])
    if misuse:  # whether such a run still learns depends on the seed: the defect decides, not the luck
        fail(f"{what} on the grader's {gate} data cannot vouch for {label(model_class)}: {misuse}")
    out = replay(Captured.parse(seen["model"], what), X_fresh, None, what)
    predicted = binary_labels(out, what, len(X_fresh))
    accuracy = float(np.mean(predicted == y_fresh))
    record(f"{gate} retrained network accuracy", accuracy, needed)
    if accuracy < needed:
        fail(accuracy_failure(f"{what} on {TRAIN_SIZE} points of {_describe(gate)}, scored on {FRESH_SIZE} "
                              "fresh ones", predicted, y_fresh, needed, "check that the network has a "
                              "non-linearity between its layers and that your train updates every parameter"))
