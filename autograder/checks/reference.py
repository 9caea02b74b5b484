"""Reference maths of the checks, in one place: activations, MLP formulas, grader-chosen weights, and
the specs of the models the grader asks the student process to build (no student code involved).

A model spec is ``{"layers": [...]}``, each layer a list: ``["flatten"]``, ``["linear", in, out,
bias]``, ``["relu"]``, ``["tanh"]``, ``["sigmoid"]``, ``["dropout", p]``. The student process builds
it with :func:`autograder.probes.models.build_model`; parameters come in ``parameters()`` order.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.checks.base import rng


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function, stable for any z."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z)))


ACTIVATIONS = {"relu": lambda z: np.maximum(z, 0.0), "tanh": np.tanh, "identity": lambda z: z,
               "sigmoid": sigmoid}


def mlp_formula(layers: list[tuple[np.ndarray, np.ndarray]], X: np.ndarray, activation: str,
                output: str | None = None) -> np.ndarray:
    """What an MLP computes, in float64: ``activation`` between layers, an optional sigmoid at the end."""
    h = X.astype(np.float64)
    for i, (W, b) in enumerate(layers):
        h = h @ W.astype(np.float64).T + b.astype(np.float64)
        if i < len(layers) - 1:
            h = ACTIVATIONS[activation](h)
    return sigmoid(h) if output == "sigmoid" else h


def random_mlp(sizes: list[int], tag: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """Grader-chosen float32 weights (out, in) and biases (out,), scaled so outputs stay moderate."""
    generator = rng(tag)
    return [(generator.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_out, fan_in)).astype(np.float32),
             generator.normal(0.0, 0.3, size=(fan_out,)).astype(np.float32))
            for fan_in, fan_out in zip(sizes[:-1], sizes[1:])]


def layer_shapes(sizes: list[int]) -> list[tuple[tuple[int, int], tuple[int]]]:
    return [((fan_out, fan_in), (fan_out,)) for fan_in, fan_out in zip(sizes[:-1], sizes[1:])]


def layer_values(layers: list[tuple[np.ndarray, np.ndarray]], params: list[tuple[str, tuple]]) -> dict:
    """Map each grader weight and bias onto the student's parameter of the same shape, by name."""
    values, unused = {}, list(params)
    for W, b in layers:
        for array in (W, b):
            name, _ = next(item for item in unused if item[1] == array.shape)
            unused.remove((name, array.shape))
            values[name] = array
    return values


# --- specs of grader-built models --------------------------------------------------------------

def mlp_spec(sizes: list[int], activation: str = "relu", *, output: str | None = None,
             dropout: float | None = None, flatten: bool = False) -> dict[str, Any]:
    """Linear layers of ``sizes`` with ``activation`` between them; dropout (if any) before the last
    layer, a Flatten first and a sigmoid last when asked."""
    layers: list[list[Any]] = [["flatten"]] if flatten else []
    pairs = list(zip(sizes[:-1], sizes[1:]))
    for i, (fan_in, fan_out) in enumerate(pairs):
        if i == len(pairs) - 1 and dropout:
            layers.append(["dropout", float(dropout)])
        layers.append(["linear", int(fan_in), int(fan_out), True])
        if i < len(pairs) - 1:
            layers.append([activation])
    if output == "sigmoid":
        layers.append(["sigmoid"])
    return {"layers": layers}


def stack_spec(widths: list[int], biases: list[bool]) -> dict[str, Any]:
    """Linear layers of ``widths`` and nothing between them (``[1, 1]`` is a line)."""
    return {"layers": [["linear", int(a), int(b), bool(flag)] for a, b, flag in zip(widths[:-1], widths[1:], biases)]}


def dropout_mlp_spec(fan_in: int, hidden: int, out: int, p: float) -> dict[str, Any]:
    """Linear(fan_in, hidden), ReLU, Dropout(p), Linear(hidden, out)."""
    return {"layers": [["linear", fan_in, hidden, True], ["relu"], ["dropout", p], ["linear", hidden, out, True]]}


def logistic_spec(in_features: int) -> dict[str, Any]:
    """Linear(in_features, 1) then a sigmoid."""
    return mlp_spec([in_features, 1], output="sigmoid")


def linear_biases(spec: dict[str, Any]) -> list[bool]:
    """Whether each linear layer of ``spec`` has a bias, in order."""
    return [bool(layer[3]) for layer in spec["layers"] if layer[0] == "linear"]


def linear_widths(spec: dict[str, Any]) -> list[int]:
    """[in, out of layer 1, out of layer 2, ...] of the linear layers of ``spec``."""
    linears = [layer for layer in spec["layers"] if layer[0] == "linear"]
    return [int(linears[0][1]), *(int(layer[2]) for layer in linears)] if linears else []
