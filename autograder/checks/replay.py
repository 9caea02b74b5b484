"""The grader's side of a captured model: run its recorded ATen operators on the grader's own tensors.

:func:`autograder.probes.capture.capture` sends a model's parameters, buffers and forward pass as
plain data. This module rebuilds nothing from the student's Python: it looks each operator up by
name in an allow-list of pure tensor operators (no I/O, no randomness, no Python callbacks), checks
every argument (references, numbers, strings, dtypes), and calls ``torch.ops.aten`` itself, in the
grader's process, on the CPU, without autograd. Sizes are capped so that a forged graph cannot
exhaust the grader's memory.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder.checks.base import CheckFailed

MAX_ELEMENTS = 50_000_000  # per tensor the replay creates
MAX_NODES = 20_000

# pure ATen operators a course model's forward pass uses (packets; every overload is allowed)
ALLOWED = frozenset("""
abs acos acosh add addbmm addcdiv addcmul addmm addmv addr alias amax amin any all argmax argmin
as_strided asin asinh atan atan2 atanh avg_pool1d avg_pool2d avg_pool3d baddbmm batch_norm bitwise_and
bitwise_not bitwise_or bmm cat ceil celu clamp clamp_max clamp_min clip clone constant_pad_nd
contiguous convolution _convolution conv1d conv2d conv3d copy copy_ cos cosh cumsum cumprod detach
diag diagonal div dot dropout elu embedding eq erf exp exp2 expand expand_as expm1 fill fill_ flatten
flip floor floor_divide fmod full full_like gather ge gelu glu gt hardsigmoid hardswish hardtanh
index index_select instance_norm isinf isnan layer_norm native_layer_norm le leaky_relu lerp lift_fresh
lift_fresh_copy linear log log10 log1p log2 log_sigmoid log_sigmoid_forward log_softmax _log_softmax
logaddexp logical_and logical_not logical_or logsumexp lt masked_fill matmul max max_pool1d max_pool2d
max_pool2d_with_indices max_pool3d max_pool3d_with_indices maximum mean min minimum mm mish mul mv
nan_to_num native_batch_norm _native_batch_norm_legit _native_batch_norm_legit_no_training ne neg
new_empty new_full new_ones new_zeros norm linalg_vector_norm ones ones_like permute pow prelu _prelu_kernel
reciprocal relu relu6 remainder repeat reshape _reshape_alias round rsqrt rsub scalar_tensor select
selu sigmoid sign silu sin sinh slice softmax _softmax softplus softshrink split split_with_sizes sqrt
square squeeze stack std sub sum t tanh threshold transpose tril triu true_divide trunc unbind unflatten
unsqueeze upsample_nearest2d var view _unsafe_view view_as where zeros zeros_like arange empty empty_like
_to_copy to type_as adaptive_avg_pool1d adaptive_avg_pool2d _adaptive_avg_pool2d adaptive_max_pool2d
max_unpool2d pixel_shuffle hardshrink tanhshrink one_hot sort topk narrow movedim numpy_T mT
relu_ sigmoid_ tanh_ add_ mul_ div_ sub_ clamp_ clamp_min_ hardtanh_ leaky_relu_ elu_ masked_fill_
zero_ exp_ neg_ pow_ sqrt_ threshold_ copysign var_mean std_mean _cdist_forward cdist cummax cummin
kthvalue median searchsorted bucketize take take_along_dim index_put index_put_ _index_put_impl_ scatter
scatter_add masked_select nonzero bincount histc count_nonzero logit xlogy special_xlog1py sigmoid_backward
isfinite signbit heaviside frac addcmul_ addcdiv_ clamp_max_ fill_diagonal_ index_add index_fill index_copy
roll rot90 chunk tensor_split unfold im2col col2im repeat_interleave alias_copy view_copy expand_copy
permute_copy transpose_copy squeeze_copy unsqueeze_copy t_copy slice_copy select_copy detach_copy
lt_ gt_ le_ ge_ eq_ ne_ abs_ floor_ ceil_ round_ log_ sin_ cos_ sign_ reciprocal_ rsqrt_ sigmoid_ clone_
""".split())
SIZED = frozenset(["zeros", "ones", "full", "empty", "new_empty", "new_full", "new_ones", "new_zeros", "repeat",
                   "expand", "arange"])
_OP = re.compile(r"^aten\.([a-z_][a-z0-9_]*)\.([a-zA-Z_][a-zA-Z0-9_]*)$")
_DTYPES = ("float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool")
_FORMATS = ("contiguous_format", "preserve_format", "channels_last")


class ReplayError(CheckFailed):
    """The captured forward pass cannot be replayed (an operator outside the allow-list, for example)."""


@dataclass
class Captured:
    """A model as :func:`autograder.probes.capture.capture` described it, checked for shape."""

    parameters: list[dict]  # {name, shape, trainable, value}
    buffers: list[dict]
    modules: list[dict]  # {name, type, torch, children}
    graph: dict | None

    @classmethod
    def parse(cls, reply: Any, subject: str) -> "Captured":
        try:
            params = [dict(p) for p in reply["parameters"]]
            buffers = [dict(b) for b in reply["buffers"]]
            modules = [dict(m) for m in reply["modules"]]
            for item in params + buffers:
                value = item.get("value")
                if value is not None and (not isinstance(value, np.ndarray)
                                          or list(value.shape) != [int(n) for n in item["shape"]]):
                    raise ValueError("a tensor does not match its shape")
            graph = reply.get("graph")
            if graph is not None and not (isinstance(graph.get("nodes"), list) and len(graph["nodes"]) <= MAX_NODES):
                raise ValueError("bad graph")
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ReplayError(f"{subject}: the notebook interfered with grading (a malformed capture: {exc})") from None
        return cls(params, buffers, modules, graph)

    def trainable_count(self) -> int:
        return sum(math.prod(p["shape"]) for p in self.parameters if p["trainable"])

    def param_values(self) -> dict[str, np.ndarray]:
        return {p["name"]: p["value"] for p in self.parameters}

    def ops(self) -> list[str]:
        """The operator packets of the forward pass, in order (``addmm``, ``sigmoid`` ...)."""
        return [_packet(node["op"]) for node in (self.graph or {}).get("nodes", [])]

    def parameters_used(self) -> set[str]:
        """Names of the parameters the forward pass reads."""
        used: set[str] = set()

        def scan(value: Any) -> None:
            if isinstance(value, dict) and "t" in value and value["t"][:1] == ["p"]:
                index = value["t"][1]
                if isinstance(index, int) and 0 <= index < len(self.parameters):
                    used.add(self.parameters[index]["name"])
            elif isinstance(value, list):
                for v in value:
                    scan(v)
            elif isinstance(value, dict):
                for v in value.values():
                    scan(v)

        for node in (self.graph or {}).get("nodes", []):
            scan(node.get("args"))
            scan(node.get("kwargs"))
        return used


def _node_refs(value: Any, found: set[int], inputs: list[bool]) -> None:
    if isinstance(value, dict) and "t" in value and isinstance(value["t"], list):
        ref = value["t"]
        if ref[:1] == ["n"] and len(ref) >= 2 and isinstance(ref[1], int):
            found.add(ref[1])
        elif ref == ["x"]:
            inputs[0] = True
    elif isinstance(value, list):
        for v in value:
            _node_refs(v, found, inputs)
    elif isinstance(value, dict):
        for v in value.values():
            _node_refs(v, found, inputs)


def flow(captured: Captured) -> tuple[list[set[int]], set[int]]:
    """The data flow of a captured forward pass: for each operator, the earlier operators whose results
    it reads; and the operators that read the input directly."""
    nodes = (captured.graph or {}).get("nodes", [])
    reads: list[set[int]] = []
    from_input: set[int] = set()
    for index, node in enumerate(nodes):
        found: set[int] = set()
        inputs = [False]
        _node_refs([node.get("args"), node.get("kwargs")], found, inputs)
        reads.append({i for i in found if i < index})
        if inputs[0]:
            from_input.add(index)
    return reads, from_input


def reaches(reads: list[set[int]], sources: set[int], target: int, blocked: set[int] = frozenset()) -> bool:
    """Whether the result of ``target`` depends on any of ``sources`` along a path that passes through
    none of the ``blocked`` operators (``sources`` themselves are where paths start)."""
    live = set(sources)
    for index in range(min(sources, default=len(reads)) + 1, target + 1):
        if index in blocked or index in live:
            continue
        if reads[index] & live:
            live.add(index)
    return target in live


def output_node(captured: Captured) -> int | None:
    """The operator whose result the forward pass returns (None when it returns its input or a constant)."""
    ref = (captured.graph or {}).get("output")
    return ref[1] if isinstance(ref, list) and ref[:1] == ["n"] and len(ref) >= 2 and isinstance(ref[1], int) else None


def _packet(op: Any) -> str:
    match = _OP.match(op) if isinstance(op, str) else None
    return match.group(1) if match else str(op)


def _resolve(op: Any) -> Any:
    import torch

    match = _OP.match(op) if isinstance(op, str) else None
    if match is None or match.group(1) not in ALLOWED:
        raise ReplayError(f"the model's forward uses the operation {str(op)[:60]}, which the grader does not "
                          "replay: use ordinary torch layers and functions (no random numbers in forward)")
    packet = getattr(torch.ops.aten, match.group(1), None)
    overload = getattr(packet, match.group(2), None) if packet is not None else None
    if overload is None:
        raise ReplayError(f"the captured forward names an unknown operation {op[:60]}")
    return overload


def _elements(value: Any) -> int:
    """The largest element count a list of sizes in ``value`` asks for."""
    if isinstance(value, list) and value and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return math.prod(max(v, 1) for v in value)
    if isinstance(value, list):
        return max([_elements(v) for v in value] or [0])
    return 0


class _Replay:
    def __init__(self, captured: Captured, inputs: Any, values: dict[str, np.ndarray] | None) -> None:
        import torch

        self.torch = torch
        graph = captured.graph or {}
        self.refs: dict[str, Any] = {"x": inputs}
        self.params = []
        for p in captured.parameters:
            value = (values or {}).get(p["name"], p["value"])
            if value is None:
                raise ReplayError(f"no value for parameter {p['name']}")
            self.params.append(torch.as_tensor(np.asarray(value)).clone())
        self.buffers = [torch.as_tensor(np.asarray(b["value"])).clone() for b in captured.buffers]
        self.constants = [torch.as_tensor(np.asarray(c)).clone() for c in graph.get("constants", [])]
        self.graph_nodes = graph.get("nodes", [])
        self.output = graph.get("output")
        self.results: list[Any] = []

    def tensor(self, ref: Any) -> Any:
        if not isinstance(ref, list) or not ref:
            raise ReplayError("a malformed reference in the captured forward")
        kind, rest = ref[0], ref[1:]
        try:
            if kind == "x" and not rest:
                return self.refs["x"]
            if kind in ("p", "b", "c") and len(rest) == 1 and isinstance(rest[0], int) and rest[0] >= 0:
                return {"p": self.params, "b": self.buffers, "c": self.constants}[kind][rest[0]]
            if kind == "n" and 1 <= len(rest) <= 2 and all(isinstance(r, int) and r >= 0 for r in rest):
                value = self.results[rest[0]]
                return value[rest[1]] if len(rest) == 2 else value
        except (IndexError, TypeError):
            pass
        raise ReplayError("a malformed reference in the captured forward")

    def decode(self, value: Any) -> Any:
        torch = self.torch
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, list):
            return [self.decode(v) for v in value]
        if isinstance(value, dict) and len(value) == 1:
            (key, item), = value.items()
            if key == "t":
                return self.tensor(item)
            if key == "dtype" and item in _DTYPES:
                return getattr(torch, item)
            if key == "device":
                return torch.device("cpu")
            if key == "layout" and item == "strided":
                return torch.strided
            if key == "memory_format" and item in _FORMATS:
                return getattr(torch, item)
        raise ReplayError(f"an argument the grader does not accept in the captured forward: {str(value)[:60]}")

    def run(self) -> Any:
        torch = self.torch
        graph_nodes = self.graph_nodes
        with torch.no_grad():
            for node in graph_nodes:
                if not isinstance(node, dict):
                    raise ReplayError("a malformed node in the captured forward")
                fn = _resolve(node.get("op"))
                args, kwargs = node.get("args", []), node.get("kwargs", {})
                if not isinstance(args, list) or not isinstance(kwargs, dict):
                    raise ReplayError("a malformed node in the captured forward")
                if _packet(node["op"]) in SIZED and _elements(args) * max(
                        [t.numel() for t in self._tensors(args)] or [1]) > MAX_ELEMENTS:
                    raise ReplayError("the captured forward creates a tensor too large to replay")
                if _packet(node["op"]) == "arange":
                    numbers = [a for a in args if isinstance(a, (int, float)) and not isinstance(a, bool)]
                    if numbers and max(abs(n) for n in numbers) > MAX_ELEMENTS:
                        raise ReplayError("the captured forward creates a tensor too large to replay")
                decoded = self.decode(args)
                decoded_kwargs = {str(k): self.decode(v) for k, v in kwargs.items()}
                if "device" in decoded_kwargs:
                    decoded_kwargs["device"] = torch.device("cpu")
                try:
                    out = fn(*decoded, **decoded_kwargs)
                except (RuntimeError, TypeError, ValueError, IndexError) as exc:
                    raise ReplayError(f"the model's forward could not be replayed on the grader's inputs "
                                      f"({node['op']}: {str(exc)[:200]})") from None
                for t in out if isinstance(out, (list, tuple)) else [out]:
                    if isinstance(t, torch.Tensor) and t.numel() > MAX_ELEMENTS:
                        raise ReplayError("the captured forward creates a tensor too large to replay")
                self.results.append(out)
        return self.tensor(self.output)

    def _tensors(self, args: Any) -> list[Any]:
        found = []
        if isinstance(args, dict) and "t" in args:
            try:
                found.append(self.tensor(args["t"]))
            except ReplayError:
                pass
        elif isinstance(args, list):
            for a in args:
                found += self._tensors(a)
        return found


def replay(captured: Captured, inputs: np.ndarray, values: dict[str, np.ndarray] | None = None,
           subject: str = "the model") -> np.ndarray:
    """The captured forward pass on ``inputs`` (float32 unless integer), with ``values`` in place of
    the parameters it names (the captured ones otherwise), computed in the grader. Returns float64."""
    import torch

    if captured.graph is None:
        raise ReplayError(f"{subject}: no forward pass was captured")
    array = np.asarray(inputs)
    x = torch.as_tensor(array.astype(np.float32) if array.dtype.kind == "f" else array).clone()
    out = _Replay(captured, x, values).run()
    if not isinstance(out, torch.Tensor):
        raise ReplayError(f"{subject}: the captured forward does not end in a tensor")
    if out.is_floating_point() and out.dtype != torch.float64:
        out = out.to(torch.float32)
    return out.detach().to(torch.float64).numpy() if out.dtype != torch.bool else out.numpy()
