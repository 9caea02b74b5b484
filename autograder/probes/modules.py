"""Probes on nn.Modules built by the grader: a student function that transforms a layer stack.

The student's own models are never asked to describe themselves: see :mod:`autograder.probes.capture`."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.probes.models import build_model, load_parameters, model_device, parameter_values
from autograder.probes.registry import WrongType, as_tensor, plain, probe, type_name


@probe
def transform_module(fn: Any, spec: dict, init: list, X: np.ndarray) -> dict:
    """Call ``fn(module)`` on a grader-built module with grader-chosen parameters; describe the module
    it returns, its outputs on X (no gradients; or the error its forward raised) and whether the
    given module was changed."""
    import torch

    if not callable(fn):
        raise WrongType(f"expected a function, found a {type_name(fn)}")
    given = build_model(spec)
    load_parameters(given, init)
    made = fn(given)
    if not isinstance(made, torch.nn.Module):
        raise WrongType(f"expected an nn.Module, found a {type_name(made)}")
    output, error = None, None
    try:
        with torch.no_grad():
            out = made(as_tensor(X).to(model_device(made)))
        if type(out) is not torch.Tensor:
            raise WrongType(f"the returned module's forward gave a {type_name(out)}, not a tensor")
        output = plain(out, "output")
    except Exception as exc:  # noqa: BLE001 - reported, so the check can name the shapes first
        error = f"{type(exc).__name__}: {str(exc)[:300]}"
    linear = isinstance(made, torch.nn.Linear)
    return {"type": type_name(made), "is_linear": linear,
            "in_features": int(made.in_features) if linear else None,
            "out_features": int(made.out_features) if linear else None,
            "output": output, "error": error,
            "given_changed": any(not np.array_equal(a, b) for a, b in zip(parameter_values(given), init))}

