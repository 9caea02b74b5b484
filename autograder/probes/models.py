"""Models inside the student process: the student's, instantiated; the grader's, built from a spec."""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from autograder.probes.registry import WrongType, type_name


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


GRADING_DEVICE = ""  # NNCOURSE_DEVICE, kept here by the runner before it clears the grader's variables


def grading_device() -> Any:
    """The device of the grading profile: NNCOURSE_DEVICE as the grader set it (cpu when unset)."""
    import os

    import torch

    name = (GRADING_DEVICE or os.environ.get("NNCOURSE_DEVICE", "")).strip() or "cpu"
    device = torch.device("cpu" if name == "auto" else name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("the grading profile asks for cuda, but this machine has no usable GPU; "
                           "the instructor should grade with --profile cpu")
    return device


def _watch_forward(model: Any) -> list[dict]:
    """Record, at every forward call of ``model``, its training flag and whether autograd is on."""
    import torch

    seen: list[dict] = []
    model.register_forward_hook(lambda module, inputs, output: seen.append(
        {"training": bool(module.training), "grad": bool(torch.is_grad_enabled()),
         "batch": int(inputs[0].shape[0]) if inputs and hasattr(inputs[0], "shape") else -1}))
    return seen


def parameter_values(module: Any) -> list[np.ndarray]:
    """Copies of a module's parameters, in order, as float32 numpy arrays."""
    return [p.detach().cpu().float().numpy().copy() for p in module.parameters()]



def build_model(spec: dict) -> Any:
    """A grader-specified model (no student code involved): ``{"layers": [...]}``, each layer
    ``["flatten"]``, ``["linear", in, out, bias]``, ``["relu"]``, ``["tanh"]``, ``["sigmoid"]`` or
    ``["dropout", p]`` (see :mod:`autograder.checks.reference`, which writes these specs)."""
    import torch

    nn = torch.nn
    makers = {"flatten": lambda: nn.Flatten(), "relu": lambda: nn.ReLU(), "tanh": lambda: nn.Tanh(),
              "sigmoid": lambda: nn.Sigmoid(), "dropout": lambda p: nn.Dropout(float(p)),
              "linear": lambda a, b, bias=True: nn.Linear(int(a), int(b), bias=bool(bias))}
    try:
        return nn.Sequential(*[makers[layer[0]](*layer[1:]) for layer in spec["layers"]])
    except (KeyError, TypeError, IndexError) as exc:
        raise ValueError(f"bad model spec {spec!r}: {exc}") from None
