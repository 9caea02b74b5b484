"""Probes on fitted scikit-learn style models and fitting functions."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.probes.models import model_device
from autograder.probes.registry import WrongType, as_tensor, plain, probe, type_name


@probe
def sklearn_predict(model: Any, X: np.ndarray) -> Any:
    """Labels predicted by a fitted scikit-learn estimator."""
    from sklearn.base import BaseEstimator

    if not isinstance(model, BaseEstimator):
        raise WrongType(f"expected a fitted scikit-learn model, found a {type_name(model)}")
    return plain(np.asarray(model.predict(np.asarray(X, dtype=np.float64))), "prediction")


@probe
def fit_and_predict(fn: Any, X: np.ndarray, y: np.ndarray, X_eval: np.ndarray) -> dict:
    """Train with the student's ``fn(X, y)`` (float32 tensors) and return the model's predictions,
    in eval mode without gradients, on the training inputs and on ``X_eval``."""
    import torch

    if not callable(fn):
        raise WrongType(f"expected a function, found a {type_name(fn)}")
    model = fn(as_tensor(X), as_tensor(y))
    if not isinstance(model, torch.nn.Module):
        raise WrongType(f"it should return the trained nn.Module, but it returned a {type_name(model)}")
    model.eval()
    outputs = []
    with torch.no_grad():
        for inputs in (X, X_eval):
            out = model(as_tensor(inputs).to(model_device(model)))
            if type(out) is not torch.Tensor:
                raise WrongType(f"the model's forward gave a {type_name(out)}, not a tensor")
            outputs.append(plain(out, "prediction"))
    return {"train_output": outputs[0], "eval_output": outputs[1]}

