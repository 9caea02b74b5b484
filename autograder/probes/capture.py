"""Raw material for the grader to verify: a model's real tensors and its forward pass as torch operators.

The grader never asks a student's model to describe itself. :func:`capture` hands over

- the parameters and buffers, found by walking the ``_parameters``, ``_buffers`` and ``_modules``
  dicts with ``object.__getattribute__`` (a class that overrides ``named_parameters``,
  ``named_modules``, ``parameters`` or ``__getattr__`` changes nothing here), each as an array with
  its name, shape and ``requires_grad``;
- the module tree (names and classes), found the same way;
- the forward pass on an example input of a grader-chosen shape, recorded below autograd as the
  list of ATen operators it ran (``aten.addmm.default`` ...), every argument either a reference
  (an input, a parameter, a buffer, an earlier operator's result, a recorded constant) or a plain
  literal. Recording uses a ``TorchDispatchMode``: no import of torch.fx or dynamo, about a
  millisecond of overhead (``make_fx`` first costs seconds and ~900 modules in every process).

The grader (:mod:`autograder.checks.replay`) runs that list itself with an allow-list of ATen
operators, on its own inputs and, where it chooses, its own parameter values. A forward pass whose
operators depend on the values of the input through Python (``.item()``, ``if x.sum() > 0``,
numpy) cannot be replayed: it is recorded on two different inputs, and a difference, or an operator
that turns a tensor into a Python value, is refused with a message saying so.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.probes.models import instantiate
from autograder.probes.registry import WrongType, probe, type_name

_getattribute = object.__getattribute__
MAX_NODES = 20_000
MAX_CONSTANT_VALUES = 2_000_000
MAX_BUFFER_VALUES = 1_000_000  # numbers a model may keep outside its parameters (BatchNorm keeps a few)
# operators that hand a tensor's value to Python: what follows depends on the data
SCALAR_OPS = frozenset(["aten._local_scalar_dense", "aten.is_nonzero", "aten.equal", "aten.item"])


class Untraceable(WrongType):
    """The forward pass cannot be recorded as a fixed list of operators."""


def walk(module: Any) -> dict:
    """Parameters, buffers and submodules of ``module`` from its own dicts (never its methods)."""
    import torch

    params: list[tuple[str, Any]] = []
    buffers: list[tuple[str, Any]] = []
    modules: list[dict] = []
    seen_tensors: set[int] = set()
    seen_modules: set[int] = set()

    def visit(mod: Any, prefix: str) -> None:
        if id(mod) in seen_modules or len(seen_modules) > 10_000:
            return
        seen_modules.add(id(mod))
        kind = type(mod)
        if prefix:
            children = _getattribute(mod, "_modules")
            modules.append({"name": prefix, "type": kind.__name__,
                            "torch": getattr(torch.nn, kind.__name__, None) is kind,
                            "children": sum(1 for c in children.values() if c is not None)})
        for store, found in (("_parameters", params), ("_buffers", buffers)):
            for name, tensor in dict(_getattribute(mod, store)).items():
                if tensor is None or id(tensor) in seen_tensors:
                    continue
                if not isinstance(tensor, torch.Tensor):
                    raise WrongType(f"{prefix + '.' if prefix else ''}{name} is a {type(tensor).__name__}, "
                                    "not a tensor")
                seen_tensors.add(id(tensor))
                found.append((prefix + ("." if prefix else "") + str(name), tensor))
        for name, child in dict(_getattribute(mod, "_modules")).items():
            if child is not None:
                visit(child, prefix + ("." if prefix else "") + str(name))

    visit(module, "")
    return {"parameters": params, "buffers": buffers, "modules": modules}


def _array(tensor: Any) -> np.ndarray:
    import torch

    value = torch.Tensor.detach(tensor).cpu()
    if value.dtype in (torch.bfloat16, torch.float16):
        value = value.float()
    if value.dtype.is_complex:
        raise WrongType("complex tensors are not supported")
    return value.numpy().copy()


class _Recording:
    """What one forward pass did: nodes, constants, and the tensors each reference stands for."""

    def __init__(self, known: dict[int, list]) -> None:
        self.known = dict(known)
        self.alive: list[Any] = []  # keep every recorded tensor alive so that no id is reused
        self.nodes: list[dict] = []
        self.constants: list[np.ndarray] = []
        self.constant_values = 0

    def encode(self, value: Any) -> Any:
        import torch

        if isinstance(value, torch.Tensor):
            ref = self.known.get(id(value))
            if ref is None:
                array = _array(value)
                self.constant_values += array.size
                if self.constant_values > MAX_CONSTANT_VALUES:
                    raise Untraceable("forward uses too many tensors that are neither inputs nor parameters")
                ref = ["c", len(self.constants)]
                self.constants.append(array)
                self.known[id(value)] = ref
                self.alive.append(value)
            return {"t": ref}
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, (list, tuple)):
            return [self.encode(v) for v in value]
        if isinstance(value, torch.dtype):
            return {"dtype": str(value).removeprefix("torch.")}
        if isinstance(value, torch.device):
            return {"device": value.type}
        if isinstance(value, torch.layout):
            return {"layout": str(value).removeprefix("torch.")}
        if isinstance(value, torch.memory_format):
            return {"memory_format": str(value).removeprefix("torch.")}
        raise Untraceable(f"forward passes a {type(value).__name__} to a torch operator")

    def note(self, op: str, args: tuple, kwargs: dict, out: Any) -> None:
        import torch

        if op.rsplit(".", 1)[0] in SCALAR_OPS:
            raise Untraceable("forward turns a tensor into a Python value (.item(), a comparison in an "
                              "`if`, bool(tensor)), so what it computes depends on the data through Python")
        if len(self.nodes) >= MAX_NODES:
            raise Untraceable(f"forward runs more than {MAX_NODES:,} torch operators")
        index = len(self.nodes)
        self.nodes.append({"op": op, "args": self.encode(list(args)), "kwargs": {str(k): self.encode(v) for k, v in kwargs.items()}})
        if isinstance(out, torch.Tensor):
            self.known[id(out)] = ["n", index]
            self.alive.append(out)
        elif isinstance(out, (list, tuple)):
            for k, item in enumerate(out):
                if isinstance(item, torch.Tensor):
                    self.known[id(item)] = ["n", index, k]
                    self.alive.append(item)


def _recorder(recording: _Recording) -> Any:
    from torch.utils._python_dispatch import TorchDispatchMode

    class Recorder(TorchDispatchMode):
        @classmethod
        def _should_skip_dynamo(cls) -> bool:  # keeps torch._dynamo (seconds to import) out
            return False

        def __torch_dispatch__(self, func: Any, types: Any, args: tuple = (), kwargs: dict | None = None) -> Any:
            kwargs = kwargs or {}
            out = func(*args, **kwargs)
            recording.note(str(func), args, kwargs, out)
            return out

    return Recorder()


def record_forward(module: Any, example: Any, known: dict[int, list]) -> dict:
    """The operators ``module(example)`` runs (no autograd), as plain data."""
    import torch

    known = {**known, id(example): ["x"]}
    recording = _Recording(known)
    with torch.no_grad(), _recorder(recording):
        out = module(example)
    if type(out) is not torch.Tensor:
        raise WrongType(f"forward should return a tensor, but it returned a {type_name(out)}")
    output = recording.encode(out)
    return {"nodes": recording.nodes, "constants": recording.constants, "output": output["t"],
            "output_shape": [int(n) for n in out.shape]}


def _same(a: dict, b: dict) -> bool:
    import json

    return (json.dumps(a["nodes"]) == json.dumps(b["nodes"]) and a["output"] == b["output"] and len(a["constants"]) == len(b["constants"])
            and all(x.shape == y.shape and np.array_equal(x, y, equal_nan=True)
                    for x, y in zip(a["constants"], b["constants"])))


def capture_module(module: Any, shape: list | None = None, dtype: str = "float32", low: float | None = None,
                   high: float | None = None, training: bool = False, values: bool = True) -> dict:
    """:func:`capture` of a module already built (after training, for example)."""
    import torch

    found = walk(module)
    stored = sum(int(t.numel()) for _, t in found["buffers"])
    if stored > MAX_BUFFER_VALUES:
        names = ", ".join(f"`{n}`" for n, t in found["buffers"] if t.numel() > 1000)[:200]
        raise WrongType(f"the model keeps {stored:,} numbers in buffers ({names}), more than the "
                        f"{MAX_BUFFER_VALUES:,} the grader accepts outside trainable parameters: a stored table "
                        "of data is not a trained network")
    reply: dict[str, Any] = {
        "parameters": [{"name": n, "shape": [int(s) for s in t.shape], "trainable": bool(t.requires_grad),
                        "value": _array(t) if values else None} for n, t in found["parameters"]],
        "buffers": [{"name": n, "shape": [int(s) for s in t.shape], "value": _array(t) if values else None}
                    for n, t in found["buffers"]],
        "modules": found["modules"], "graph": None}
    if shape is None:
        return reply
    known = {id(t): ["p", i] for i, (_, t) in enumerate(found["parameters"])}
    known.update({id(t): ["b", i] for i, (_, t) in enumerate(found["buffers"])})
    first = next((t for _, t in found["parameters"]), None)
    device = first.device if first is not None else torch.device("cpu")
    generator = torch.Generator().manual_seed(20260101)
    graphs = []
    was_training = bool(_getattribute(module, "training"))
    torch.nn.Module.train(module, training)
    try:
        for _ in range(2):
            if low is not None and high is not None:
                x = torch.rand(*shape, generator=generator) * (float(high) - float(low)) + float(low)
            else:
                x = torch.randn(*shape, generator=generator)
            graphs.append(record_forward(module, x.to(getattr(torch, dtype)).to(device), known))
    finally:
        torch.nn.Module.train(module, was_training)
    if not _same(*graphs):
        raise Untraceable("forward computes different operations for different inputs (Python control flow "
                          "on tensor values, or numpy inside forward), so the grader cannot replay it: use "
                          "torch operations only")
    reply["graph"] = graphs[0]
    return reply


@probe
def capture(model: Any, args: list | None = None, kwargs: dict | None = None, shape: list | None = None,
            dtype: str = "float32", low: float | None = None, high: float | None = None,
            training: bool = False, values: bool = True) -> dict:
    """A (new) model's real tensors and module tree and, when ``shape`` is given, its forward pass
    recorded on random float inputs of that shape (uniform in [low, high] when given, else normal)."""
    return capture_module(instantiate(model, args, kwargs), shape, dtype, low, high, training, values)
