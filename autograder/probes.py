"""Observations taken inside the student's process.

A probe receives the student's objects (resolved from the notebook's globals) and the grader's
inputs, runs the student's code on them and returns plain values: numbers, strings, lists and
numeric arrays. Probes never decide anything and never see hidden labels; the grader's checks
(``autograder.checks``) turn their observations into verdicts in the grader's own process.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

import numpy as np

PROBES: dict[str, Callable[..., Any]] = {}


class WrongType(Exception):
    """The student's object is not of the kind the question asks for."""


def probe(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Register ``fn`` as a probe under its own name."""
    PROBES[fn.__name__] = fn
    return fn


def type_name(obj: Any) -> str:
    kind = type(obj)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def plain(obj: Any, what: str = "value") -> Any:
    """Convert a student value to plain JSON-able data, refusing look-alike types."""
    import torch

    kind = type(obj)
    if obj is None or kind in (bool, int, float, str):
        return obj
    if kind in (np.float64, np.float32, np.float16):
        return float(obj)
    if kind in (np.int64, np.int32, np.int16, np.int8, np.uint8, np.bool_):
        return obj.item()
    if kind in (torch.Tensor, torch.nn.Parameter):
        array = obj.detach().cpu()
        if array.dtype == torch.bfloat16:
            array = array.float()
        return plain(array.numpy().copy(), what)
    if kind is np.ndarray:
        if obj.dtype.kind not in "biuf":
            raise WrongType(f"the {what} is an array of {obj.dtype}, not numbers")
        if obj.dtype == np.float16 or obj.dtype.kind == "u" and obj.dtype != np.uint8:
            return obj.astype(np.float64)
        return obj
    if kind in (list, tuple):
        return [plain(item, what) for item in obj]
    raise WrongType(f"the {what} should be a number, tensor or list, but it is a {type_name(obj)}")


def as_tensor(array: Any, dtype: str = "float32") -> Any:
    """A grader array as a fresh torch tensor of ``dtype``."""
    import torch

    return torch.as_tensor(np.asarray(array)).to(getattr(torch, dtype)).clone()


def instantiate(obj: Any, args: list | None = None, kwargs: dict | None = None) -> Any:
    """Return an ``nn.Module``: ``obj`` itself, or a new instance when ``obj`` is a class or factory."""
    import torch

    if isinstance(obj, torch.nn.Module):
        return obj
    if inspect.isclass(obj):
        if not issubclass(obj, torch.nn.Module):
            raise WrongType(f"{obj.__name__} should be a subclass of nn.Module")
        model = obj(*(args or []), **(kwargs or {}))
    elif callable(obj):
        model = obj(*(args or []), **(kwargs or {}))
    else:
        raise WrongType(f"expected an nn.Module class or instance, found a {type_name(obj)}")
    if not isinstance(model, torch.nn.Module):
        raise WrongType(f"expected an nn.Module, found a {type_name(model)}")
    return model


def model_device(module: Any) -> Any:
    """The device of a module's first parameter (CPU for a module without parameters)."""
    import torch

    first = next(module.parameters(), None)
    return first.device if first is not None else torch.device("cpu")


def reference_model(spec: dict) -> Any:
    """Build a grader-specified model inside the student process (no student code involved)."""
    import torch

    if spec["kind"] == "logistic":
        return torch.nn.Sequential(torch.nn.Linear(spec["in_features"], 1), torch.nn.Sigmoid())
    raise ValueError(f"unknown reference model {spec['kind']!r}")


def load_parameters(model: Any, values: list) -> None:
    """Copy grader-chosen values into ``model.parameters()`` in order."""
    import torch

    params = list(model.parameters())
    if len(params) != len(values):
        raise WrongType(f"the model has {len(params)} parameter tensors, expected {len(values)}")
    with torch.no_grad():
        for param, value in zip(params, values):
            value = torch.as_tensor(np.asarray(value), dtype=param.dtype)
            if tuple(param.shape) != tuple(value.shape):
                raise WrongType(
                    f"a parameter has shape {tuple(param.shape)}, expected {tuple(value.shape)}")
            param.copy_(value)


@probe
def value(obj: Any) -> Any:
    """The object as plain data."""
    return plain(obj)


@probe
def describe(obj: Any) -> dict:
    """What kind of object this is."""
    import torch

    return {
        "type": type_name(obj),
        "is_class": inspect.isclass(obj),
        "is_module": isinstance(obj, torch.nn.Module),
        "is_module_class": inspect.isclass(obj) and issubclass(obj, torch.nn.Module),
        "callable": callable(obj),
        "has_predict": callable(getattr(type(obj), "predict", None)),
    }


@probe
def architecture(model: Any, args: list | None = None, kwargs: dict | None = None) -> dict:
    """Parameter shapes and the tree of submodules of a (new) model."""
    module = instantiate(model, args, kwargs)
    params = [{"name": str(name), "shape": [int(n) for n in p.shape], "trainable": bool(p.requires_grad)}
              for name, p in module.named_parameters()]
    modules = [{"name": str(name), "type": type(m).__name__, "torch": type(m).__module__.startswith("torch.nn"),
                "children": len(list(m.children()))}
               for name, m in module.named_modules() if name]
    return {"parameters": params, "modules": modules}


@probe
def forward(model: Any, X: np.ndarray, args: list | None = None, kwargs: dict | None = None,
            randomize: bool = False, eval_mode: bool = True) -> dict:
    """Outputs of a (new) model on grader inputs, and the parameter values that produced them.

    With ``randomize`` every parameter is first refilled from a seeded normal distribution, so
    a check can compare the output with a formula on parameters the student did not choose.
    """
    import torch

    module = instantiate(model, args, kwargs)
    if randomize:
        with torch.no_grad():
            for param in module.parameters():
                param.copy_(torch.randn(param.shape, dtype=param.dtype))
    was_training = module.training
    module.train(not eval_mode)
    try:
        with torch.no_grad():
            out = module(as_tensor(X).to(model_device(module)))
    finally:
        module.train(was_training)
    if type(out) is not torch.Tensor:
        raise WrongType(f"forward should return a tensor, but it returned a {type_name(out)}")
    return {"output": plain(out, "model output"),
            "parameters": {name: plain(p, "parameter") for name, p in module.named_parameters()}}


@probe
def call(fn: Any, *arrays: np.ndarray, dtypes: list | None = None) -> Any:
    """Call a student function on grader tensors and return its result as plain data."""
    if not callable(fn):
        raise WrongType(f"expected a function, found a {type_name(fn)}")
    dtypes = dtypes or ["float32"] * len(arrays)
    result = fn(*[as_tensor(a, d) for a, d in zip(arrays, dtypes)])
    return plain(result, "result")


@probe
def sklearn_predict(model: Any, X: np.ndarray) -> Any:
    """Labels predicted by a fitted scikit-learn estimator."""
    from sklearn.base import BaseEstimator

    if not isinstance(model, BaseEstimator):
        raise WrongType(f"expected a fitted scikit-learn model, found a {type_name(model)}")
    return plain(np.asarray(model.predict(np.asarray(X, dtype=np.float64))), "prediction")


@probe
def train_reference(train_fn: Any, spec: dict, init: list, X: np.ndarray, y: np.ndarray,
                    lr: float, epochs: int) -> dict:
    """Run the student's ``train`` on a grader-built model; record parameters after every step."""
    import torch

    if not callable(train_fn):
        raise WrongType(f"expected a function, found a {type_name(train_fn)}")
    model = reference_model(spec)
    load_parameters(model, init)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    snapshots: list[list] = []
    optimizer.register_step_post_hook(
        lambda opt, args, kwargs: snapshots.append(
            [p.detach().cpu().numpy().copy() for p in model.parameters()]))
    losses = train_fn(model, as_tensor(X), as_tensor(y), torch.nn.BCELoss(), optimizer, epochs)
    return {
        "losses": plain(losses, "list of losses"),
        "steps": len(snapshots),
        "snapshots": snapshots[:1000],
        "final": [p.detach().cpu().numpy().copy() for p in model.parameters()],
    }
