"""The tamper guard: what probes rely on, and a record of its identity taken before student code runs.

A notebook that replaces a guarded function (or swaps its code) is noticed at the next probe, whose
reply then says ``tampered`` instead of an observation. This guards against accidents and simple
patching; it is no boundary against code in the same interpreter (see README, "How grading works").
"""

from __future__ import annotations

import sys
from typing import Any

from autograder import protocol

_id, _getattr = id, getattr  # taken before any student code runs


def guarded_objects() -> list[tuple[str, Any, str]]:
    """(label, owner, attribute) of what probes rely on: a notebook must not replace them."""
    import builtins

    import numpy as np
    import torch

    import autograder.probes

    found = []
    for module in sorted((m for n, m in sys.modules.items() if n.startswith("autograder.probes.")),
                         key=lambda m: m.__name__):
        found += [(f"{module.__name__}.{n}", module, n) for n, v in sorted(vars(module).items())
                  if callable(v) and getattr(v, "__module__", None) == module.__name__]
    found += [("autograder.probes.PROBES", autograder.probes, "PROBES")]
    found += [(f"autograder.protocol.{n}", protocol, n) for n in ("encode", "Channel", "ProbeReply", "parse")]
    found += [(f"torch.nn.Module.{n}", torch.nn.Module, n) for n in (
        "__call__", "_call_impl", "parameters", "named_parameters", "modules", "named_modules",
        "children", "train", "eval", "to", "state_dict", "load_state_dict")]
    found += [(f"torch.Tensor.{n}", torch.Tensor, n) for n in ("detach", "cpu", "numpy", "to", "copy_", "item")]
    found += [(f"torch.{n}", torch, n) for n in ("no_grad", "inference_mode", "as_tensor", "tensor", "from_numpy",
                                                 "randn", "allclose")]
    # torch.manual_seed itself is rewrapped by torch._dynamo when torchvision is imported (load_mnist
    # does that), so the function it wraps is the one guarded
    found += [("torch.random.manual_seed", torch.random, "manual_seed")]
    found += [(f"numpy.{n}", np, n) for n in ("asarray", "array", "float32", "float64", "ndarray")]
    found += [(f"builtins.{n}", builtins, n) for n in ("isinstance", "type", "len", "float", "int", "list",
                                                      "dict", "tuple", "getattr", "callable", "str", "bool")]
    return found


def identities(objects: list[tuple[str, Any, str]]) -> dict[str, tuple[int, int]]:
    """Identity of each guarded object and of its code, to notice replacement or code swapping."""
    marks = {}
    for label, owner, name in objects:
        value = _getattr(owner, name, None)
        code = _getattr(value, "__code__", None)
        marks[label] = (_id(value), _id(code))
    return marks

