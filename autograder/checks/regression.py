"""Checks on a regression recipe: the grader trains it on fresh samples and scores it on fresh points.

The student's ``fit(X, y)`` runs in the student's process on training data the grader draws at
grading time; only inputs go there, and the mean squared error against the hidden targets is
computed here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.checks.verified import replay_batches
from autograder.checks.base import budget, fail, label, observe, record, seed_for, threshold
from autograder.checks.diagnose import broadcast_mismatch

NOISE_VARIANCE = 4.0  # y = 2x + 3 sin(3x) + 1 + 2 N(0, 1)
TASKS = (("the wavy data", 1.0), ("a variant of the wavy data", -1.0))  # the variant negates the targets


def wavy_sample(num_samples: int, tag: str, sign: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """A fresh sample of the lecture's wavy regression data; ``sign=-1`` negates the targets."""
    from student_lib.datasets import wavy_regression

    X, y = wavy_regression(num_samples, seed=seed_for(tag))
    return X.numpy(), (sign * y.numpy()).astype(np.float32)


def _fit(fn: Any, X: np.ndarray, y: np.ndarray, X_eval: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict]:
    """Train with ``fn`` in the student's process; the model's predictions on X and X_eval (computed
    here), flattened, and what the probe saw: ``training`` (how the parameters were trained) and
    ``output_shape`` (of the model on X)."""
    seconds = budget("fit_seconds", 30.0)
    seen = observe("fit_and_predict", fn, X, y, list(X_eval.shape), timeout=seconds)
    outputs = []
    for key, inputs in (("train_model", X), ("eval_model", X_eval)):
        out = replay_batches(seen[key], inputs, f"the model returned by {label(fn)}", len(inputs))
        if out.shape not in ((len(inputs), 1), (len(inputs),)):
            fail(f"the model returned by {label(fn)} maps inputs of shape {inputs.shape} to {out.shape}; "
                 f"expected ({len(inputs)}, 1)")
        outputs.append(out.reshape(-1))
        if key == "train_model":
            shape = out.shape
    return outputs[0], outputs[1], {"training": seen.get("training") or {}, "output_shape": shape}


def _check_trained(fn: Any, training: dict, task: str) -> None:
    """The returned model has trainable parameters, every one of them stepped by a torch.optim
    optimizer during ``fn``, and the steps changed them: a closed-form fit, a formula typed into a
    module, or a lookup of the training points is not a trained network."""
    where = f"the model {label(fn)} returned for {task}"
    if not training.get("trainable"):
        fail(f"{where} has no trainable parameters: fit_regressor must build a network (nn.Linear layers "
             "with a non-linearity between them) and train its parameters with a torch.optim optimizer; a "
             "formula or a table of the training points is not a trained model")
    if training.get("stepped", 0) < training["trainable"]:
        unstepped = training["trainable"] - training.get("stepped", 0)
        fail(f"{where}: {unstepped} of its {training['trainable']} trainable parameter tensors were never "
             "stepped by a torch.optim optimizer during fit_regressor: create the optimizer with "
             "model.parameters() of the model you return and train with it (values computed in closed "
             "form, or copied in by hand, are not what the question asks for)")
    if not training.get("moved"):
        fail(f"{where}: the optimizer stepped its parameters {training.get('steps', 0)} times but never "
             "changed them: call loss.backward() before optimizer.step(), with a learning rate above 0")


def check_regressor_format(fn: Any, *, num_samples: int = 40) -> None:
    """Format only: ``fn(X, y)`` on a small sample returns a model giving finite (n, 1) predictions."""
    X, y = wavy_sample(num_samples, "format")
    train_out, _, _ = _fit(fn, X, y, X[:5])
    if not np.all(np.isfinite(train_out)):
        fail(f"the model returned by {label(fn)} predicts NaN or infinite values")


def check_near_noise_floor(fn: Any, *, threshold_name: str = "regression_mse", num_train: int = 200,
                           num_fresh: int = 4000) -> None:
    """Trained by ``fn`` on a fresh sample of the wavy data, and on one with negated targets (so a
    model that ignores its data cannot pass), the model's mean squared error on thousands of fresh
    points is within the profile's limit (noise floor 4)."""
    limit = threshold(threshold_name)
    for task, sign in TASKS:
        X, y = wavy_sample(num_train, f"train{sign:+.0f}", sign)
        X_fresh, y_fresh = wavy_sample(num_fresh, f"fresh{sign:+.0f}", sign)
        train_out, fresh_out, seen = _fit(fn, X, y, X_fresh)
        _check_trained(fn, seen["training"], task)
        train_mse = float(np.mean((train_out - y.reshape(-1)) ** 2))
        fresh_mse = float(np.mean((fresh_out - y_fresh.reshape(-1)) ** 2))
        if np.isfinite(fresh_mse):
            record(f"fresh MSE on {task}", fresh_mse, limit, higher_is_better=False)
        if fresh_mse <= limit:
            continue
        mismatch = broadcast_mismatch(seen["output_shape"], y.shape)
        spread = float(np.std(fresh_out))
        if mismatch:
            hint = mismatch
        elif spread < 0.05 * float(np.std(y)):
            hint = (f"its predictions are nearly constant (standard deviation {spread:.3f}, around "
                    f"{float(np.mean(fresh_out)):.2f}): it learned only the average of y; check that the "
                    "predictions and the targets that meet in the loss have the same shape, (n, 1)")
        elif train_mse < 0.5 * NOISE_VARIANCE:
            hint = ("its training error is far below the noise variance, so it memorises its training "
                    "points (overfits): use a smaller network, fewer epochs, or a smaller learning rate")
        elif train_mse > limit:
            hint = ("it does not even fit the points it was trained on (it underfits, or ignores the data "
                    "it is given): a straight line gets about 8.5; learn from X and y with a non-linearity "
                    "such as nn.Tanh() between linear layers, trained long enough")
        else:
            hint = "check the network's size, the learning rate and the number of epochs"
        fail(f"{label(fn)} trained on {num_train} fresh points of {task}: mean squared error "
             f"{fresh_mse:.2f} on {num_fresh} fresh points (training error {train_mse:.2f}); expected at "
             f"most {limit:g}, near the noise variance {NOISE_VARIANCE:g}: {hint}")
