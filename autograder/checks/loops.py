"""Checks on a training-and-test loop and on inference: run on grader-built models, watched forward passes.

The grader hands the student's function a model it built itself (``nn.Linear(1, 1)`` for a line,
an MLP with dropout for inference) and data it drew itself; the student's process reports every
forward pass of that model (which data, gradients on or off, training mode, parameters), and the
verdicts are computed here from those observations.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.checks.base import fail, label, observe, record, rng, threshold
from autograder.checks.diagnose import optimizer_misuse
from autograder.checks.reference import dropout_mlp_spec, stack_spec

LINE_SPEC = stack_spec([1, 1], [True])
TRAIN, TEST = 0, 2  # positions of X_train and X_test among the loop's data arguments
NOTEBOOK_LINE = (0.7, 0.3)  # the notebook's slope and intercept: the grader never uses them


def grader_line(tag: str, *, num_points: int = 50, test_fraction: float = 0.2) -> dict:
    """A fresh straight line, its data split into train and test parts, and a start near it, tilted
    about the data: slope too steep and intercept too low, or the reverse (the direction in which
    gradient descent on the mean squared error crawls, so the wrong loss shows in the result)."""
    generator = rng(tag)
    while True:
        slope = float(generator.choice([-1.0, 1.0]) * generator.uniform(0.5, 2.0))
        intercept = float(generator.uniform(-1.0, 1.0))
        if abs(slope - NOTEBOOK_LINE[0]) > 0.2 or abs(intercept - NOTEBOOK_LINE[1]) > 0.2:
            break
    X = generator.uniform(0.0, 1.0, size=(num_points, 1)).astype(np.float32)
    y = (slope * X.astype(np.float64) + intercept).astype(np.float32)
    order = generator.permutation(num_points)
    n_test = round(num_points * test_fraction)
    test, train = order[:n_test], order[n_test:]
    direction = float(generator.choice([-1.0, 1.0]))  # tilted: slope and intercept off in opposite directions
    offsets = np.array([direction, -direction]) * generator.uniform(0.2, 0.6, size=2)
    init = [np.array([[slope + offsets[0]]], dtype=np.float32),
            np.array([intercept + offsets[1]], dtype=np.float32)]
    return {"slope": slope, "intercept": intercept, "init": init,
            "data": [X[train], y[train], X[test], y[test]]}


def _run_loop(fn: Any, line: dict, *, epochs: int, lr: float, every: int, watch: bool = False) -> dict:
    return observe("trace_call", fn, LINE_SPEC, line["init"], line["data"],
                   call_kwargs={"epochs": epochs, "lr": lr, "every": every}, watch=watch)


def _history(fn: Any, seen: dict, epochs: int, every: int) -> tuple[list, np.ndarray, np.ndarray]:
    """The (epochs, train losses, test losses) the loop returned, checked for format."""
    call = f"{label(fn)}(..., epochs={epochs}, every={every})"
    result = seen["results"][0]
    value = result.get("value")
    if result.get("type") == "tensor" or not isinstance(value, list) or len(value) != 3:
        fail(f"{call} should return three lists (epoch_count, train_losses, test_losses), found "
             f"{result.get('type')}")
    try:
        recorded = [np.asarray(part, dtype=np.float64).reshape(-1) for part in value]
    except (TypeError, ValueError):
        fail(f"{call} should return three lists of numbers")
    wanted = list(range(0, epochs, every))
    if recorded[0].tolist() != wanted:
        shown = recorded[0].astype(int).tolist()[:8]
        fail(f"{call} should record the epochs {wanted[:8]}{' ...' if len(wanted) > 8 else ''} (every "
             f"epoch with epoch % every == 0, counting from 0), found {shown}{' ...' if len(recorded[0]) > 8 else ''}")
    for name, part in (("train", recorded[1]), ("test", recorded[2])):
        if part.size != len(wanted):
            fail(f"{call} should record {len(wanted)} {name} losses, one per recorded epoch, found {part.size}")
        if not np.all(np.isfinite(part)):
            fail(f"{call} recorded {name} losses that are NaN or infinite")
    return wanted, recorded[1], recorded[2]


def check_loop_history_format(fn: Any) -> None:
    """Format only: a short run returns matching lists of epochs, train losses and test losses."""
    _history(fn, _run_loop(fn, grader_line("format"), epochs=10, lr=0.01, every=5), 10, 5)


def check_loop_learns_line(fn: Any, *, threshold_name: str = "line_tolerance", lines: int = 3,
                           epochs: int = 800, lr: float = 0.01) -> None:
    """On fresh lines (never the notebook's), the loop's L1 + SGD training lands the model's weight
    and bias within the profile's tolerance of the line's slope and intercept, on every line, and
    every step of the way is a gradient-descent step (so values written in by any other means earn
    nothing).

    The model starts 0.2 to 0.6 away from each line in slope and in intercept, tilted, so a loop that
    does not train cannot pass, nor one that descends the mean squared error instead. Every line is run and recorded before the verdict, so the margin report
    shows the worst line.
    """
    tolerance = threshold(threshold_name)
    distances, problems = [], []
    for k in range(lines):
        line = grader_line(f"line-{k}")
        seen = _run_loop(fn, line, epochs=epochs, lr=lr, every=100, watch=True)
        weight, bias = (float(np.asarray(v).reshape(-1)[0]) for v in seen["after"])
        distance = max(abs(weight - line["slope"]), abs(bias - line["intercept"]))
        record("distance from the grader's line", distance, tolerance, higher_is_better=False)
        distances.append(distance)
        problems.append(_off_course(fn, seen, line, epochs=epochs, lr=lr, every=100))
    if any(problems):
        fail(f"the values the model ends with must come from the training the question asks for, but "
             f"{next(p for p in problems if p)}")
    if not max(distances) <= tolerance:
        fail(f"{label(fn)}: trained for {epochs} epochs with lr={lr} on fresh straight lines (40 "
             f"training points each), the model's weight and bias ended up to {max(distances):.3f} away "
             f"from the line's slope and intercept (allowed: {tolerance:g}): each epoch should call "
             "optimizer.zero_grad(), compute nn.L1Loss on the training data, call backward() and "
             "optimizer.step() once")


def _states(seen: dict) -> list[np.ndarray]:
    """The parameter values the model went through, from the grader's start, in order, without repeats."""
    states: list[np.ndarray] = []
    for values in [seen["before"]] + [entry["parameters"] for entry in seen["trace"]] + [seen["after"]]:
        flat = np.concatenate([np.asarray(v, dtype=np.float64).reshape(-1) for v in values])
        if not states or not np.array_equal(flat, states[-1]):
            states.append(flat)
    return states


def _epoch_states(seen: dict, epochs: int) -> list[np.ndarray]:
    """The parameters at the start of each epoch and at the end: from the training passes (forward on
    X_train with gradients) when there is one per epoch, so that a step that moved nothing (a zero
    gradient) still counts as that epoch's; otherwise the distinct values seen (:func:`_states`)."""
    passes = [entry["parameters"] for entry in seen["trace"] if entry["grad"] and entry["input"] == TRAIN]
    if len(passes) != epochs:
        return _states(seen)
    return [np.concatenate([np.asarray(v, dtype=np.float64).reshape(-1) for v in values])
            for values in passes + [seen["after"]]]


def _l1(state: np.ndarray, X: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(np.abs(state[0] * X.astype(np.float64) + state[1] - y.astype(np.float64))))


def check_loop_records_losses(fn: Any, *, epochs: int = 60, every: int = 10, lr: float = 0.02) -> None:
    """The recorded losses are the L1 losses of the model at the recorded epochs (train: before that
    epoch's step; test: after it, or before it), one optimizer step per epoch. Whether they fall is
    not asked here: a loop that does not learn loses the learning test's point, not this one."""
    line = grader_line("records")
    X_train, y_train, X_test, y_test = line["data"]
    seen = _run_loop(fn, line, epochs=epochs, lr=lr, every=every)
    wanted, train, test = _history(fn, seen, epochs, every)
    states = _epoch_states(seen, epochs)
    if len(states) != epochs + 1:
        fail(f"{label(fn)} with epochs={epochs}: the model's parameters changed {len(states) - 1} times; "
             "expected one optimizer step per epoch")
    for i, epoch in enumerate(wanted):
        expected = _l1(states[epoch], X_train, y_train)
        if not abs(train[i] - expected) <= 1e-4 * max(1.0, expected):
            fail(f"{label(fn)}: the training loss recorded at epoch {epoch} differs from the mean absolute "
                 f"error of the model on the training data at that epoch by {abs(train[i] - expected):.3g}: "
                 "record loss.item() of nn.L1Loss for the training step of that epoch")
        options = [_l1(states[epoch + 1], X_test, y_test), _l1(states[epoch], X_test, y_test)]
        if not min(abs(test[i] - o) for o in options) <= 1e-4 * max(1.0, options[0]):
            fail(f"{label(fn)}: the test loss recorded at epoch {epoch} is not the mean absolute error of "
                 "the model on the test data at that epoch: compute nn.L1Loss on X_test and y_test")


def _gradient(state: np.ndarray, X: np.ndarray, y: np.ndarray, loss: str = "l1") -> np.ndarray:
    """The gradient of the mean L1 (or MSE) loss of the line ``state`` = (weight, bias) on (X, y), in float64."""
    x, target = X.astype(np.float64).reshape(-1), y.astype(np.float64).reshape(-1)
    residual = state[0] * x + state[1] - target
    factor = np.sign(residual) if loss == "l1" else 2.0 * residual
    return np.array([np.mean(factor * x), np.mean(factor)])


def _step_tolerance(state: np.ndarray, X: np.ndarray, y: np.ndarray, lr: float) -> np.ndarray:
    """How far a float32 step may honestly sit from the float64 one: rounding, plus the full swing of
    any residual so close to 0 that float32 may give it the other sign."""
    x, target = X.astype(np.float64).reshape(-1), y.astype(np.float64).reshape(-1)
    close = np.abs(state[0] * x + state[1] - target) < 1e-5
    swing = 2.0 * lr / len(x) * np.array([np.sum(np.abs(x[close])), np.sum(close)])
    return 1e-5 * np.maximum(1.0, np.abs(state)) + swing


def _why_off_course(seen: dict, state: np.ndarray, step: np.ndarray, line: dict, lr: float) -> str:
    """The cause of a wrong step that the observations establish, as a sentence (or a neutral one)."""
    X_train, y_train, X_test, y_test = line["data"]
    trained_on = {entry["input"] for entry in seen["trace"] if entry["grad"]}
    if not trained_on:
        return ("no forward pass of the model ran with gradients enabled, so no step can have followed a "
                "gradient: the parameters were set some other way; compute the loss of model(X_train) with "
                "gradients on, then loss.backward() and optimizer.step()")
    if TRAIN not in trained_on:
        names = {TEST: "X_test", -1: "an input that is neither X_train nor X_test"}
        given = " and ".join(sorted(names.get(i, f"argument {i}") for i in trained_on))
        return (f"the forward passes made with gradients enabled (the ones a training step learns from) "
                f"were given {given}, never X_train: train on X_train and y_train only")
    misuse = optimizer_misuse(seen.get("events") or []) if seen.get("lrs") else None
    if misuse:
        return misuse
    wrong_lr = [v for v in seen.get("lrs") or [] if v is not None and not np.isclose(v, lr)]
    if wrong_lr:
        return (f"the optimizer was created with lr={wrong_lr[0]:g}, but the loop was called with lr={lr:g}: "
                "pass the function's lr argument to torch.optim.SGD")
    candidates = {"the gradient of the L1 loss on the test data: train on X_train and y_train":
                  _gradient(state, X_test, y_test),
                  "the gradient of the mean squared error: the question asks for nn.L1Loss()":
                  _gradient(state, X_train, y_train, "mse")}
    for cause, gradient in candidates.items():
        if np.any(step) and np.allclose(step, -lr * gradient, rtol=1e-3, atol=1e-6):
            return f"the step follows {cause}"
    reference = -_gradient(state, X_train, y_train)
    scale = float(step @ reference / (reference @ reference)) if np.any(reference) else 0.0
    if np.any(step) and scale > 0 and np.allclose(step, scale * reference, rtol=1e-3, atol=1e-6):
        return (f"the step goes the right way but is {scale / lr:.3g} times as long as lr={lr:g} gives: "
                "use the lr argument as the step size")
    return ("each epoch should take exactly one step of gradient descent on the L1 loss of the training "
            "data: optimizer.zero_grad(), loss.backward(), optimizer.step() with "
            "torch.optim.SGD(model.parameters(), lr=lr)")


def _off_course(fn: Any, seen: dict, line: dict, *, epochs: int, lr: float, every: int) -> str | None:
    """Why the run ``seen`` was not ``epochs`` steps of gradient descent on the L1 loss of the training
    data with step ``lr``, as a message; None when it was. Every step is computed by the grader from
    the parameters the model had before it."""
    X_train, y_train = line["data"][0], line["data"][1]
    states = _states(seen)
    call = f"{label(fn)}(..., epochs={epochs}, lr={lr:g}, every={every})"
    for k in range(min(epochs, len(states) - 1)):
        expected = states[k] - lr * _gradient(states[k], X_train, y_train)
        if np.all(np.abs(states[k + 1] - expected) <= _step_tolerance(states[k], X_train, y_train, lr)):
            continue
        why = _why_off_course(seen, states[k], states[k + 1] - states[k], line, lr)
        return (f"{call}: step {k + 1} moved (weight, bias) from ({states[k][0]:.4f}, {states[k][1]:.4f}) to "
                f"({states[k + 1][0]:.4f}, {states[k + 1][1]:.4f}); gradient descent on the L1 loss of the "
                f"training data gives ({expected[0]:.4f}, {expected[1]:.4f}): {why}")
    if len(states) != epochs + 1:
        moved = len(states) - 1
        why = _why_off_course(seen, states[-1], np.zeros(2), line, lr) if moved < epochs else (
            "take exactly one optimizer step per epoch, no more")
        return (f"{call}: the model's parameters changed {moved} times; expected one gradient-descent step "
                f"per epoch, {epochs} in all: {why}")
    return None


def check_loop_follows_gradient_descent(fn: Any, *, epochs: int = 23, lr: float = 0.03, every: int = 4) -> None:
    """Called with an lr, epochs and every unlike the notebook's, the loop moves the parameters, epoch
    by epoch, exactly as full-batch gradient descent on the L1 loss of the training data does.

    The grader computes every step itself (in float64, from the parameters the model had), so a loop
    that ignores ``lr``, trains on other data or with another loss, or moves the parameters by any
    rule but gradient descent (however honest the losses it records) fails. Optimizer events and
    learning rates recorded in the student's process name the cause.
    """
    line = grader_line("trajectory")
    seen = _run_loop(fn, line, epochs=epochs, lr=lr, every=every, watch=True)
    _history(fn, seen, epochs, every)
    problem = _off_course(fn, seen, line, epochs=epochs, lr=lr, every=every)
    if problem:
        fail(problem)


def check_loop_test_without_gradients(fn: Any, *, epochs: int = 20, every: int = 5, lr: float = 0.02) -> None:
    """Data provenance: the forward passes made with gradients enabled (those training learns from)
    are given X_train and nothing else, and the test data only goes through the model with gradients
    disabled (and so is never trained on)."""
    seen = _run_loop(fn, grader_line("no-grad"), epochs=epochs, lr=lr, every=every)
    with_gradients = [entry["input"] for entry in seen["trace"] if entry["grad"]]
    if TRAIN not in with_gradients:
        fail(f"{label(fn)}: no forward pass on X_train ran with gradients enabled, so nothing was learned "
             "from the training data: compute model(X_train) with gradients on, then backward() and step()")
    others = sum(i not in (TRAIN, TEST) for i in with_gradients)
    if others:
        fail(f"{label(fn)}: {others} forward passes with gradients enabled were given data that is neither "
             "X_train nor X_test (X_train joined with other data?): train on X_train and y_train alone")
    on_test = [entry for entry in seen["trace"] if entry["input"] == TEST]
    if not on_test:
        fail(f"{label(fn)}: no forward pass on X_test was seen: compute the test predictions as "
             "model(X_test)")
    with_grad = sum(entry["grad"] for entry in on_test)
    if with_grad:
        fail(f"{label(fn)}: {with_grad} of {len(on_test)} forward passes on X_test ran with gradients "
             "enabled: compute the test loss inside `with torch.inference_mode():` (and never train "
             "on the test data)")


# --- inference -----------------------------------------------------------------------------------

DROPOUT_HIDDEN = 32
DROPOUT_SPEC = dropout_mlp_spec(1, DROPOUT_HIDDEN, 1, 0.5)


def _dropout_init(tag: str) -> list[np.ndarray]:
    generator = rng(tag)
    h = DROPOUT_HIDDEN
    return [generator.normal(0, 1, size=(h, 1)).astype(np.float32),
            generator.normal(0, 0.5, size=h).astype(np.float32),
            generator.normal(0, 1 / np.sqrt(h), size=(1, h)).astype(np.float32),
            generator.normal(0, 0.5, size=1).astype(np.float32)]


def _eval_output(init: list[np.ndarray], X: np.ndarray) -> np.ndarray:
    """The dropout MLP in eval mode (dropout off), computed by the grader in float64."""
    W1, b1, W2, b2 = (a.astype(np.float64) for a in init)
    return np.maximum(X.astype(np.float64) @ W1.T + b1, 0.0) @ W2.T + b2


def _predictions(fn: Any, result: dict, n: int) -> np.ndarray:
    if result.get("type") != "tensor":
        fail(f"{label(fn)} should return a torch.Tensor of predictions, found {result.get('type')}")
    out = np.asarray(result["value"], dtype=np.float64)
    if out.shape != (n, 1):
        fail(f"{label(fn)} on inputs of shape ({n}, 1) with a model of one output: expected predictions "
             f"of shape ({n}, 1), found {out.shape}")
    return out


def check_predict_format(fn: Any) -> None:
    """Format only: predict(model, X) returns an (n, 1) tensor for a one-output model."""
    X = rng("format").normal(size=(6, 1)).astype(np.float32)
    seen = observe("trace_call", fn, DROPOUT_SPEC, _dropout_init("format"), [X])
    _predictions(fn, seen["results"][0], len(X))


def check_predict_eval_mode(fn: Any) -> None:
    """For a model holding nn.Dropout, left in training mode, two calls give the same predictions,
    equal to the model's eval-mode output."""
    X = rng("inputs").normal(size=(64, 1)).astype(np.float32)
    init = _dropout_init("eval")
    seen = observe("trace_call", fn, DROPOUT_SPEC, init, [X], repeats=2, train_mode=True)
    first, second = (_predictions(fn, r, len(X)) for r in seen["results"])
    expected = _eval_output(init, X)
    tolerance = 1e-4 * max(1.0, float(np.max(np.abs(expected))))
    if not np.max(np.abs(first - second)) <= tolerance:
        fail(f"{label(fn)}: two calls on the same model (which holds nn.Dropout) and the same inputs gave "
             "different predictions: call model.eval() before predicting so that dropout is switched off")
    if not np.max(np.abs(first - expected)) <= tolerance:
        fail(f"{label(fn)}: on a model holding nn.Dropout the predictions differ from the model's "
             "eval-mode output: call model.eval() before predicting")


def check_predict_no_gradients(fn: Any) -> None:
    """Predictions are made with gradients disabled, come back without requires_grad, and leave the
    model's parameters as they were."""
    X = rng("inputs").normal(size=(16, 1)).astype(np.float32)
    seen = observe("trace_call", fn, DROPOUT_SPEC, _dropout_init("no-grad"), [X], train_mode=False)
    result = seen["results"][0]
    _predictions(fn, result, len(X))
    if not seen["trace"]:
        fail(f"{label(fn)} did not call the model: predict with model(X)")
    if any(entry["grad"] for entry in seen["trace"]):
        fail(f"{label(fn)}: the model's forward pass ran with gradients enabled: wrap it in "
             "`with torch.inference_mode():` (detaching the output afterwards is too late)")
    if result["requires_grad"]:
        fail(f"{label(fn)} returned a tensor that requires grad: predict inside torch.inference_mode()")
    if any(not np.array_equal(np.asarray(a), np.asarray(b)) for a, b in zip(seen["before"], seen["after"])):
        fail(f"{label(fn)} changed the model's parameters: predicting must not train the model")
