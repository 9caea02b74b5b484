"""The probe registry and what every probe needs: plain values, look-alike types refused, seeding."""

from __future__ import annotations

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



def seed_everything(seed: int) -> None:
    """Seed Python's, numpy's and torch's global generators (before a probe runs student code)."""
    import random

    import torch

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
