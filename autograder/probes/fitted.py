"""Probes on fitted scikit-learn style models and fitting functions."""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

import numpy as np

from autograder.probes.registry import WrongType, as_tensor, plain, probe, type_name


@probe
def fit_and_predict(fn: Any, X: np.ndarray, y: np.ndarray, eval_shape: list, y_dtype: str = "float32",
                    of_class: Any = None) -> dict:
    """Train with the student's ``fn(X, y)`` (float32 X, y as ``y_dtype``) and return the trained model
    captured twice (:func:`autograder.probes.capture.capture_module`): its forward on inputs of the
    training shape and of ``eval_shape``; how many optimizer steps (of any optimizer) moved its
    parameters; with ``of_class`` (a notebook class), whether the model is an instance of it. The
    grader computes the predictions itself; its fresh points never come here."""
    import torch
    from torch.optim.optimizer import register_optimizer_step_post_hook

    from autograder.probes.capture import capture_module

    if not callable(fn):
        raise WrongType(f"expected a function, found a {type_name(fn)}")
    stepped: list[tuple[int, ...]] = []  # the parameters each optimizer step held (any optimizer)
    handle = register_optimizer_step_post_hook(lambda opt, args, kwargs: stepped.append(
        tuple(id(p) for group in opt.param_groups for p in group["params"])) if len(stepped) < 100_000 else None)
    try:
        with optimizer_steps() as steps:
            model = fn(as_tensor(X), as_tensor(y, y_dtype))
    finally:
        handle.remove()
    if not isinstance(model, torch.nn.Module):
        raise WrongType(f"it should return the trained nn.Module, but it returned a {type_name(model)}")
    own = {id(p) for p in model.parameters()}
    return {"train_model": capture_module(model, list(np.asarray(X).shape)),
            "eval_model": capture_module(model, [int(n) for n in eval_shape]),
            "training": trained_by_optimizer(model, steps), "type": type_name(model),
            "instance": None if of_class is None else isinstance(model, of_class),
            "steps": sum(1 for ids in stepped if own.intersection(ids))}


@contextlib.contextmanager
def optimizer_steps() -> Iterator[dict]:
    """While open, note for every tensor any torch.optim optimizer steps: how many steps, and its value
    before the first one (a global step pre-hook, removed on exit)."""
    from torch.optim.optimizer import register_optimizer_step_pre_hook

    seen: dict = {}

    def before_step(optimizer: Any, args: Any, kwargs: Any) -> None:
        for group in optimizer.param_groups:
            for p in group["params"]:
                if id(p) not in seen:
                    seen[id(p)] = [0, p.detach().cpu().clone()]
                seen[id(p)][0] += 1

    handle = register_optimizer_step_pre_hook(before_step)
    try:
        yield seen
    finally:
        handle.remove()


def trained_by_optimizer(model: Any, steps: dict) -> dict:
    """How the returned model's trainable parameters were trained: their number, how many an optimizer
    stepped, how many of those end with values unlike the ones they had before the first step, and
    the most steps any of them took."""
    import torch

    trainable = [p for p in model.parameters() if p.requires_grad]
    stepped = [(steps[id(p)], p) for p in trainable if id(p) in steps]
    moved = sum(not torch.equal(first, p.detach().cpu()) for (_, first), p in stepped)
    return {"trainable": len(trainable), "stepped": len(stepped), "moved": int(moved),
            "steps": max((count for (count, _), _ in stepped), default=0)}


def _plain_settings(model: Any) -> dict:
    """The estimator's constructor settings that are plain values (numbers, strings, None, flat dicts)."""
    settings = {}
    for key, value in dict(vars(model)).items():
        if key.endswith("_") or key.startswith("_"):
            continue  # fitted attributes and private state
        if value is None or type(value) in (bool, int, float, str):
            settings[str(key)] = value
        elif type(value) is dict and all(type(k) in (int, str) and type(v) in (int, float) for k, v in value.items()):
            settings[str(key)] = {str(k): v for k, v in value.items()}
    return settings


@probe
def fit_sklearn(fn: Any, X: np.ndarray, y: np.ndarray, seed: int) -> dict:
    """Call the student's ``fn(X, y, seed=seed)`` (float32 X, int64 y), which returns (fitted
    scikit-learn model, test accuracy); report the model's fitted arrays and the accuracy it reported."""
    if not callable(fn):
        raise WrongType(f"expected a function, found a {type_name(fn)}")
    result = fn(as_tensor(X), as_tensor(y, "int64"), seed=int(seed))
    if not isinstance(result, tuple) or len(result) != 2:
        size = f" of {len(result)} items" if isinstance(result, (tuple, list)) else ""
        raise WrongType(f"it should return a pair (fitted model, test accuracy), but it returned a "
                        f"{type_name(result)}{size}")
    model, accuracy = result
    return {"fitted": sklearn_fitted(model), "accuracy": plain(accuracy, "test accuracy")}


@probe
def sklearn_fitted(model: Any) -> dict:
    """The fitted arrays of a scikit-learn classifier, for the grader to predict with its own code:
    a linear classifier's ``coef_``, ``intercept_`` and ``classes_``, or an MLPClassifier's weights."""
    from sklearn.base import BaseEstimator
    from sklearn.linear_model import LogisticRegression
    from sklearn.linear_model._base import LinearClassifierMixin
    from sklearn.neural_network import MLPClassifier

    if not isinstance(model, BaseEstimator):
        raise WrongType(f"expected a fitted scikit-learn model, found a {type_name(model)}")

    kind = type(model)
    if not hasattr(model, "classes_"):
        raise WrongType(f"the {kind.__name__} is not fitted: call .fit on the training data first")
    classes = np.asarray(model.classes_)
    if classes.dtype.kind not in "biuf":
        raise WrongType("the model's classes should be numbers")
    if isinstance(model, LinearClassifierMixin):
        return {"kind": "linear", "type": kind.__name__, "classes": classes,
                "exact": kind is LogisticRegression, "params": _plain_settings(model),
                "logistic_regression": isinstance(model, LogisticRegression),
                "coef": np.asarray(model.coef_, dtype=np.float64),
                "intercept": np.asarray(model.intercept_, dtype=np.float64).reshape(-1)}
    if isinstance(model, MLPClassifier):
        return {"kind": "mlp", "type": kind.__name__, "classes": classes, "activation": str(model.activation),
                "coefs": [np.asarray(c, dtype=np.float64) for c in model.coefs_],
                "intercepts": [np.asarray(b, dtype=np.float64) for b in model.intercepts_]}
    raise WrongType(f"the grader predicts with linear scikit-learn classifiers (LogisticRegression ...) and "
                    f"MLPClassifier; found a {kind.__name__}")
