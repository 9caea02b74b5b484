"""Probes that describe values and call results: numbers, tensors (dtype, shape, device), devices."""

from __future__ import annotations

import inspect
from typing import Any


from autograder.probes.registry import WrongType, as_tensor, plain, probe, type_name


@probe
def value(obj: Any) -> Any:
    """The object as plain data."""
    return plain(obj)


@probe
def instance_of(obj: Any, cls: Any) -> dict:
    """Whether ``obj`` is an instance of the notebook's class ``cls``, and what type it has."""
    if not inspect.isclass(cls):
        raise WrongType(f"expected a class, found a {type_name(cls)}")
    return {"instance": isinstance(obj, cls), "type": type_name(obj), "class": cls.__name__}


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
def instance_of(obj: Any, cls: Any) -> dict:
    """Whether ``obj`` is an instance of the class ``cls``, read from ``type(obj).__mro__`` (a metaclass's
    ``__instancecheck__`` changes nothing), with both types' names."""
    if not inspect.isclass(cls):
        raise WrongType(f"expected a class, found a {type_name(cls)}")
    return {"instance": cls in type(obj).__mro__, "type": type_name(obj), "class": cls.__name__}


def describe_result(obj: Any, what: str = "result") -> dict:
    """What a student function returned: for a tensor its dtype, shape, device and gradient state
    as well as its values (none for the shape-only ``meta`` device); else its type and plain value."""
    import torch

    if type(obj) in (torch.Tensor, torch.nn.Parameter):
        return {"type": "tensor", "dtype": str(obj.dtype).removeprefix("torch."),
                "shape": [int(n) for n in obj.shape], "device": obj.device.type,
                "requires_grad": bool(obj.requires_grad), "is_inference": bool(obj.is_inference()),
                "value": None if obj.device.type == "meta" else plain(obj, what)}
    return {"type": type_name(obj), "value": plain(obj, what)}


@probe
def tensor_call(fn: Any, *args: Any, tensors: list | None = None) -> dict:
    """Call ``fn(*args)`` and describe its result. Arguments whose position is in ``tensors`` become
    float32 tensors; the others arrive as the grader sent them (lists, numpy arrays, strings)."""
    if not callable(fn):
        raise WrongType(f"expected a function, found a {type_name(fn)}")
    chosen = set(tensors or [])
    return describe_result(fn(*[as_tensor(a) if i in chosen else a for i, a in enumerate(args)]))


@probe
def device_choice(obj: Any) -> dict:
    """The device type ``obj`` names (None if it names none) and the one ``get_device()`` picks here."""
    import torch

    from student_lib.device import get_device

    found = None
    if isinstance(obj, (str, torch.device)):
        try:
            found = torch.device(obj).type
        except (RuntimeError, TypeError):
            found = None
    return {"found": found, "type": type_name(obj), "expected": get_device().type}

