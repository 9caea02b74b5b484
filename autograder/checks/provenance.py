"""Is a submitted model the trained network the question asks for, or a rule typed into a Module?

The grader reads the model's forward pass as captured ATen operators (:mod:`autograder.checks.replay`)
and asks two things of it before any accuracy counts:

- the object is an instance of the student's required class (``circle_mlp`` a ``CircleMLP``);
- the input reaches the output only through the model's own layers: every operator that reads the
  input (or a reshaped copy of it) is a linear map with one of the model's parameters (nn.Linear),
  or a normalisation layer (rescaling by a plain number is allowed too); and the forward pass computes
  no reduction over features (a norm, a sum
  of squares, a distance). A radius threshold, a nearest-centre rule or a look-up table fails here,
  whatever it is wrapped in; activations written by hand (exp, where, clamp) pass.

A hand-set network of linear layers and activations is not told apart from a trained one here; the
accuracy tests then measure it on fresh points like any other.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.checks.base import fail, label, observe
from autograder.checks.replay import Captured, _packet, replay
from autograder.checks.verified import capture

LINEAR_MAPS = frozenset(["addmm", "mm", "matmul", "linear", "bmm", "mv", "addmv", "baddbmm"])
# operators that keep "this is still the raw input": reshapes, copies, and per-feature normalisations
PASS_THROUGH = frozenset(["view", "_unsafe_view", "reshape", "_reshape_alias", "flatten", "_to_copy", "to",
                          "clone", "detach", "alias", "contiguous", "unsqueeze", "squeeze", "expand",
                          "lift_fresh", "lift_fresh_copy", "dropout", "native_batch_norm", "batch_norm",
                          "_native_batch_norm_legit", "_native_batch_norm_legit_no_training",
                          "native_layer_norm", "layer_norm", "t", "transpose", "permute"])
# arithmetic with a plain number (x / 3, x - 1): rescaling the input, feature by feature
SCALAR_ARITHMETIC = frozenset(["mul", "div", "add", "sub", "rsub", "true_divide"])
# operators that only move a parameter around (nn.Linear's weight.t())
PARAMETER_VIEWS = frozenset(["t", "transpose", "permute", "view", "_unsafe_view", "reshape", "expand",
                             "alias", "detach", "_to_copy", "clone", "contiguous", "unsqueeze", "squeeze"])
# reductions over the features that a rule needs (a norm, a sum of squares, a distance to centres)
REDUCTIONS = frozenset(["sum", "mean", "amax", "amin", "max", "min", "norm", "linalg_vector_norm", "prod",
                        "cdist", "_cdist_forward", "_euclidean_dist", "var", "std", "var_mean", "std_mean", "median", "sort",
                        "topk", "kthvalue", "cumsum", "cumprod", "logsumexp", "dist"])


def _refs(value: Any) -> list[list]:
    """Every tensor reference among an operator's arguments."""
    if isinstance(value, dict) and isinstance(value.get("t"), list):
        return [value["t"]]
    if isinstance(value, list):
        return [r for v in value for r in _refs(v)]
    if isinstance(value, dict):
        return [r for v in value.values() for r in _refs(v)]
    return []


def network_problem(captured: Captured) -> str | None:
    """Why the captured forward pass is not a network of layers (None when it is)."""
    nodes = (captured.graph or {}).get("nodes", [])
    raw: set[int] = set()  # nodes that still hold the input
    from_parameters: set[int] = set()  # nodes that only move a parameter around

    def is_raw(ref: list) -> bool:
        return ref[:1] == ["x"] or (ref[:1] == ["n"] and len(ref) >= 2 and ref[1] in raw)

    def is_parameter(ref: list) -> bool:
        return ref[:1] == ["p"] or (ref[:1] == ["n"] and len(ref) >= 2 and ref[1] in from_parameters)

    for index, node in enumerate(nodes):
        packet = _packet(node.get("op"))
        refs = _refs(node.get("args")) + _refs(node.get("kwargs"))
        if packet in REDUCTIONS:
            return f"its forward pass computes aten.{packet} over the features"
        if any(is_raw(r) for r in refs):
            if packet in PASS_THROUGH or packet in SCALAR_ARITHMETIC and len(refs) == 1:
                raw.add(index)  # a reshape, a normalisation, or x / 3: still the input, feature by feature
            elif packet in LINEAR_MAPS and any(is_parameter(r) for r in refs):
                continue
            else:
                return (f"its forward pass applies aten.{packet} to the input itself instead of passing it "
                        "through a layer")
        elif packet in PARAMETER_VIEWS and refs and all(is_parameter(r) for r in refs):
            from_parameters.add(index)
    output = (captured.graph or {}).get("output")
    if isinstance(output, list) and is_raw(output):
        return "it returns its input"
    return None


def trained_network_outputs(model: Any, X: np.ndarray, *, required_class: Any = None) -> np.ndarray:
    """The outputs on ``X`` of ``model``, after checking it is a network of the required class whose
    input goes through its own layers; computed in the grader from one capture (``X`` never leaves)."""
    subject = label(model)
    kind = observe("describe", model)
    if not kind["is_module"]:
        fail(f"{subject} should be a trained nn.Module, found a {kind['type']}")
    if required_class is not None:
        seen = observe("instance_of", model, required_class)
        if not seen["instance"]:
            fail(f"{subject} should be an instance of your {label(required_class)}, trained in the notebook; "
                 f"found a {seen['type']}: the accuracy counts only for the network the question asks for")
    captured = capture(observe, model, subject, shape=np.shape(X))
    problem = network_problem(captured)
    if problem is not None:
        fail(f"{subject} is not a network whose input goes through its trained layers: {problem}. The "
             "accuracy counts only for a trained network of nn.Linear layers and activations, not for a "
             "rule written into forward")
    return replay(captured, X, None, subject)


def captured_model(model: Any, shape: tuple[int, ...]) -> Captured:
    """One capture of ``model`` (with its tensors) and its forward pass on inputs of ``shape``; a class
    is instantiated with its defaults first."""
    kind = observe("describe", model)
    if not (kind["is_module"] or kind["is_module_class"]):
        fail(f"{label(model)} should be an nn.Module, found a {kind['type']}")
    return capture(observe, model, label(model), shape=shape)
