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


def _logit_is_affine(X: np.ndarray, out: np.ndarray) -> bool | None:
    """Whether log(p / (1 - p)) of the outputs is an affine function of X (None: too few usable points)."""
    p = out.reshape(-1).astype(np.float64)
    usable = (p > 0.01) & (p < 0.99)
    if usable.sum() < 20:
        return None
    z = np.log(p[usable]) - np.log1p(-p[usable])
    design = np.column_stack([X[usable].astype(np.float64), np.ones(int(usable.sum()))])
    coef, *_ = np.linalg.lstsq(design, z, rcond=None)
    spread = float(np.std(z))
    return spread == 0.0 or float(np.sqrt(np.mean((design @ coef - z) ** 2))) <= 1e-3 * spread


SCALES = (2.0, 1.0, 0.5, 0.25)  # of the grader's random weights, tried in turn by check_hidden_nonlinearity


def check_hidden_nonlinearity(model: Any, *, sizes: list[int], args: list | tuple = (), draws: int = 3) -> None:
    """``model(*args)`` is a stack of nn.Linear layers of ``sizes`` with a sigmoid output whose hidden
    layer goes through a non-linearity: with weights the grader loads into its parameters, the output's
    logit is not an affine function of the input. Any non-linearity passes (tanh, ReLU, ...)."""
    from autograder.checks.reference import layer_shapes, layer_values, random_mlp

    arch = observe("architecture", model, args=list(args))
    params = [(p["name"], tuple(p["shape"])) for p in arch["parameters"] if p["trainable"]]
    expected = [s for layer in layer_shapes(sizes) for s in layer]
    if sorted(s for _, s in params) != sorted(expected):
        count = sum(math.prod(s) for s in expected)
        fail(f"{label(model)}{_describe_args(args)}: a {'-'.join(map(str, sizes))} network of nn.Linear layers has "
             f"{count:,} trainable parameters in weights and biases of shapes {', '.join(map(str, expected))}; "
             f"found {', '.join(str(s) for _, s in params) or 'none'}: check the layer sizes")
    X = rng("nonlinear-inputs").uniform(-2.0, 3.0, size=(200, sizes[0])).astype(np.float32)
    verdicts = []
    for k in range(draws):
        layers = random_mlp(sizes, f"nonlinear-weights-{k}")
        for scale in SCALES:  # smaller weights until enough outputs are not saturated at 0 or 1
            values = layer_values([(scale * W, scale * b) for W, b in layers], params)
            out = np.asarray(observe("forward_with", model, X, values, args=list(args))["output"], dtype=np.float64)
            if out.shape not in ((len(X), 1), (len(X),)) or not np.all(np.isfinite(out)):
                fail(f"{label(model)}{_describe_args(args)} on {len(X)} inputs: expected {len(X)} finite "
                     f"probabilities, found an output of shape {out.shape}")
            if float(np.ptp(out)) <= 1e-6:
                fail(f"{label(model)}{_describe_args(args)}: with weights chosen by the grader its output is the same "
                     "for every input: forward should pass its input x through the layers")
            verdict = _logit_is_affine(X, out)
            if verdict is not None:
                verdicts.append(verdict)
                break
    if not verdicts:
        fail(f"{label(model)}{_describe_args(args)}: with weights chosen by the grader (down to {SCALES[-1]:g} times "
             f"their usual size) almost every output is below 0.01 or above 0.99, so the grader cannot see a "
             "non-linearity between the layers: forward should return the sigmoid of the last layer's output")
    if all(verdicts):
        fail(f"{label(model)}{_describe_args(args)}: with weights chosen by the grader its output is a sigmoid "
             "of a linear function of the input, so its decision boundary is a straight line: put a "
             "non-linearity (nn.Tanh(), nn.ReLU(), ...) between the two nn.Linear layers")
