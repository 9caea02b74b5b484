"""Checks on what a model is: parameter counts, layers, output shapes."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograder.checks.base import fail, label, observe, rng


def _describe_args(args: list | tuple) -> str:
    return f"({', '.join(map(str, args))})" if args else "()"


def trainable_count(arch: dict) -> int:
    return sum(math.prod(p["shape"]) for p in arch["parameters"] if p["trainable"])


def check_parameter_count(model: Any, expected: int, *, args: list | tuple = ()) -> None:
    """``model(*args)`` has exactly ``expected`` trainable parameters."""
    arch = observe("architecture", model, args=list(args))
    found = trainable_count(arch)
    if found != expected:
        fail(f"{label(model)}{_describe_args(args)}: expected {expected:,} trainable parameters, "
             f"found {found:,}: check the layer sizes and that every parameter is an nn.Parameter")


def check_layers(model: Any, expected: dict[str, int], *, args: list | tuple = ()) -> None:
    """``model(*args)`` contains at least the given number of each torch.nn module type, used by its
    forward pass (see :func:`autograder.checks.verified.layer_counts`)."""
    counts = observe("layer_counts", model, args=list(args))
    missing = [f"{n} x nn.{kind} (found {counts.get(kind, 0)})"
               for kind, n in expected.items() if counts.get(kind, 0) < n]
    if missing:
        fail(f"{label(model)}{_describe_args(args)} should contain {', '.join(missing)}: "
             "build it from these torch.nn layers")


def check_output_shape(model: Any, *, args: list | tuple = (), num_features: int,
                       num_samples: int = 7, outputs: int = 1, probabilities: bool = False) -> None:
    """``model(*args)`` maps (n, num_features) float32 inputs to (n, outputs), in (0, 1) if asked."""
    X = rng("inputs").normal(size=(num_samples, num_features)).astype(np.float32)
    out = np.asarray(observe("forward", model, X, args=list(args))["output"], dtype=np.float64)
    expected = (num_samples, outputs)
    if out.shape != expected:
        fail(f"{label(model)}{_describe_args(args)} on an input of shape {X.shape}: expected an "
             f"output of shape {expected}, found {out.shape}")
    if not np.all(np.isfinite(out)):
        fail(f"{label(model)} returned NaN or infinite values on ordinary inputs")
    if probabilities and not np.all((out >= 0) & (out <= 1)):
        fail(f"{label(model)} should return probabilities in [0, 1], found values from "
             f"{out.min():.3g} to {out.max():.3g}: apply a sigmoid to the output")
