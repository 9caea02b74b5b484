"""Checks on linear layers: a line model made of two parameters, and stacks of nn.Linear collapsed to one."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.checks.base import CheckFailed, fail, label, observe, rng
from autograder.checks.reference import linear_biases, linear_widths, stack_spec


def check_line_formula(model: Any, *, tolerance: float = 1e-5) -> None:
    """With random parameters, ``model()`` maps an (n, 1) input x to weight * x + bias, where the two
    parameters hold one value each (the one whose name contains "bias" is the bias)."""
    X = rng("inputs").normal(size=(9, 1)).astype(np.float32)
    seen = observe("forward", model, X, randomize=True)
    params = {name: np.asarray(v, dtype=np.float64) for name, v in seen["parameters"].items()}
    if len(params) != 2 or any(v.size != 1 for v in params.values()):
        shapes = ", ".join(f"{n} {tuple(v.shape)}" for n, v in params.items()) or "none"
        fail(f"{label(model)}() should have two parameters holding one value each, a weight and a "
             f"bias; found {shapes}")
    out = np.asarray(seen["output"], dtype=np.float64)
    if out.shape != X.shape:
        fail(f"{label(model)}() on an input of shape {X.shape}: expected an output of shape {X.shape}, "
             f"found {out.shape}")
    names = list(params)
    biases = [n for n in names if "bias" in n.lower()]
    orders = [(w, b) for w, b in (names, names[::-1]) if not biases or b in biases]
    x = X.astype(np.float64)
    errors = [float(np.max(np.abs(out - (params[w].item() * x + params[b].item())))) for w, b in orders]
    if not min(errors) <= tolerance * max(1.0, float(np.max(np.abs(out)))):
        fail(f"{label(model)}(): with random parameters the output should be weight * x + bias; the "
             f"largest difference is {min(errors):.3g}: check the formula in forward")


def _random_stack(generator: np.random.Generator, widths: list[int], biases: list[bool]
                  ) -> tuple[dict, list[np.ndarray]]:
    spec = stack_spec(widths, biases)
    init: list[np.ndarray] = []
    for fan_in, fan_out, has_bias in zip(widths[:-1], widths[1:], biases):
        init.append(generator.normal(0, 1 / np.sqrt(fan_in), size=(fan_out, fan_in)).astype(np.float32))
        if has_bias:
            init.append(generator.normal(0, 1, size=fan_out).astype(np.float32))
    return spec, init


def _compose(spec: dict, init: list[np.ndarray], X: np.ndarray) -> np.ndarray:
    """What the stack computes, in float64, done by the grader."""
    values = iter(init)
    h = X.astype(np.float64)
    for has_bias in linear_biases(spec):
        h = h @ next(values).astype(np.float64).T
        if has_bias:
            h = h + next(values).astype(np.float64)
    return h


def _describe_stack(spec: dict) -> str:
    widths = linear_widths(spec)
    layers = [f"Linear({a}, {b}{'' if flag else ', bias=False'})"
              for a, b, flag in zip(widths[:-1], widths[1:], linear_biases(spec))]
    return f"nn.Sequential({', '.join(layers)})"


def _check_collapse(fn: Any, spec: dict, init: list[np.ndarray], generator: np.random.Generator,
                    *, values: bool = True) -> dict:
    """Check one collapse of a grader-built stack; returns the observation."""
    widths = linear_widths(spec)
    X = generator.normal(size=(7, widths[0])).astype(np.float32)
    seen = observe("transform_module", fn, spec, init, X)
    stack = _describe_stack(spec)
    if not seen["is_linear"]:
        fail(f"{label(fn)} on {stack} should return one nn.Linear, found a {seen['type']}")
    if (seen["in_features"], seen["out_features"]) != (widths[0], widths[-1]):
        fail(f"{label(fn)} on {stack} should return nn.Linear({widths[0]}, {widths[-1]}), found "
             f"nn.Linear({seen['in_features']}, {seen['out_features']})")
    if seen["error"] is not None:
        fail(f"{label(fn)} on {stack}: the returned layer raised {seen['error']} on inputs of shape {X.shape}")
    if not values:
        return seen
    expected = _compose(spec, init, X)
    out = np.asarray(seen["output"], dtype=np.float64)
    if out.shape != expected.shape:
        fail(f"{label(fn)} on {stack}: the returned layer maps {X.shape} inputs to {out.shape}, "
             f"expected {expected.shape}")
    error = float(np.max(np.abs(out - expected)))
    if not error <= 1e-4 * max(1.0, float(np.max(np.abs(expected)))):
        fail(f"{label(fn)} on {stack}: on random inputs the returned layer differs from the stack by up "
             f"to {error:.3g}: the weight is W_k ... W_2 W_1 and every layer's bias passes through the "
             "weights of the layers after it")
    return seen


def check_collapse_format(fn: Any) -> None:
    """Format only: on Linear(3, 4) then Linear(4, 2) it returns an nn.Linear(3, 2)."""
    generator = rng("format")
    spec, init = _random_stack(generator, [3, 4, 2], [True, True])
    _check_collapse(fn, spec, init, generator, values=False)


def check_collapse_linear(fn: Any, *, stacks: int = 4) -> None:
    """On random stacks of 1 to 4 nn.Linear layers of random widths, the returned nn.Linear computes
    the same function as the stack."""
    generator = rng("stacks")
    shapes = [[3, 5, 2, 4]] + [[int(w) for w in generator.integers(1, 7, size=int(generator.integers(2, 6)))]
                               for _ in range(stacks - 1)]
    for widths in shapes:
        spec, init = _random_stack(generator, widths, [True] * (len(widths) - 1))
        _check_collapse(fn, spec, init, generator)


def check_collapse_without_bias(fn: Any) -> None:
    """Stacks in which some layers have ``bias=False`` collapse correctly too."""
    generator = rng("bias-free")
    for widths, biases in (([2, 4, 3], [False, True]), ([4, 3, 5, 2], [True, False, True]),
                           ([3, 2], [False])):
        spec, init = _random_stack(generator, widths, biases)
        _check_collapse(fn, spec, init, generator)


def check_collapse_leaves_stack_unchanged(fn: Any) -> None:
    """A correct collapse (of stacks with and without biases) leaves the given layers' parameters as
    they were. Only a correct collapse is examined: a function that returns a wrong layer earns
    nothing here (its error is reported by the tests of the collapse itself)."""
    generator = rng("untouched")
    for widths, biases in (([3, 5, 2], [True, True]), ([2, 4, 3, 2], [False, True, False])):
        spec, init = _random_stack(generator, widths, biases)
        try:
            seen = _check_collapse(fn, spec, init, generator)
        except CheckFailed as exc:
            fail(f"not checked, because the collapse itself is wrong: {exc}")
        if seen["given_changed"]:
            fail(f"{label(fn)} on {_describe_stack(spec)} returned the right layer but changed the "
                 "parameters of the layers it was given: compute the new weight and bias in new tensors "
                 "(no in-place operations on layer.weight or layer.bias) and leave the stack as it was")
