"""Probes that call a student function on grader inputs, optionally recording which torch operators it runs."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.probes.models import build_model, load_parameters
from autograder.probes.registry import WrongType, as_tensor, plain, probe, type_name


@probe
def call(fn: Any, *arrays: np.ndarray, dtypes: list | None = None) -> Any:
    """Call a student function on grader tensors and return its result as plain data."""
    if not callable(fn):
        raise WrongType(f"expected a function, found a {type_name(fn)}")
    dtypes = dtypes or ["float32"] * len(arrays)
    result = fn(*[as_tensor(a, d) for a, d in zip(arrays, dtypes)])
    return plain(result, "result")


def _student_argument(value: Any, kind: str) -> Any:
    """A grader array as the student function expects it: a tensor of a dtype, or a numpy array."""
    if kind == "numpy":
        return np.array(value, copy=True)
    return as_tensor(value, kind)


@probe
def call_with_model(fn: Any, spec: dict, params: list, *arrays: np.ndarray,
                    kinds: list | None = None) -> Any:
    """Call ``fn(model, *arrays)`` with a grader-built MLP holding grader-chosen parameters.

    ``kinds`` gives, per array, "float32", "int64" (tensors) or "numpy" (a numpy array as given).
    """
    if not callable(fn):
        raise WrongType(f"expected a function, found a {type_name(fn)}")
    model = build_model(spec)
    load_parameters(model, params)
    model.eval()
    kinds = kinds or ["float32"] * len(arrays)
    return plain(fn(model, *[_student_argument(a, k) for a, k in zip(arrays, kinds)]), "result")


@probe
def call_with_model_noting_library(fn: Any, spec: dict, params: list, *arrays: np.ndarray,
                                   kinds: list | None = None) -> dict:
    """:func:`call_with_model`, noting which ``student_lib`` modules ran Python code during the call
    (``sys.setprofile``): {"result", "library": sorted module names, "intact": the profiler was still ours
    at the end}."""
    import os
    import sys

    import student_lib

    root = os.path.dirname(os.path.abspath(student_lib.__file__)) + os.sep
    seen: set[str] = set()

    def note(frame: Any, event: str, arg: Any) -> None:
        if event == "call":
            path = frame.f_code.co_filename
            if path.startswith(root):
                seen.add("student_lib." + os.path.splitext(path[len(root):])[0].replace(os.sep, "."))

    previous = sys.getprofile()
    sys.setprofile(note)
    try:
        result = call_with_model(fn, spec, params, *arrays, kinds=kinds)
    finally:
        intact = sys.getprofile() is note
        sys.setprofile(previous)
    return {"result": result, "library": sorted(seen), "intact": intact}


class _OpRecorder:
    """Records every ATen operator (below autograd) and torch-level function run while it is active.

    Both are torch's own dispatch: a library function bound to another name, kept in a closure or
    called as a method is recorded all the same. ``intact`` says whether the recorder was still on
    torch's mode stacks when the student's function returned (student code that pops it is seen).
    """

    def __init__(self) -> None:
        from torch.overrides import TorchFunctionMode
        from torch.utils._python_dispatch import TorchDispatchMode

        ops: set[str] = set()
        functions: set[str] = set()

        class Dispatch(TorchDispatchMode):
            @classmethod
            def _should_skip_dynamo(cls) -> bool:  # keeps torch._dynamo (seconds to import) out, as capture.py does
                return False

            def __torch_dispatch__(self, func: Any, types: Any, args: tuple = (), kwargs: dict | None = None) -> Any:
                if len(ops) < 10_000:
                    ops.add(str(func.overloadpacket))
                return func(*args, **(kwargs or {}))

        class Function(TorchFunctionMode):
            def __torch_function__(self, func: Any, types: Any, args: tuple = (), kwargs: dict | None = None) -> Any:
                if len(functions) < 10_000:
                    functions.add(str(getattr(func, "__name__", "?")))
                return func(*args, **(kwargs or {}))

        self.ops, self.functions = ops, functions
        self.dispatch, self.function = Dispatch(), Function()

    def intact(self) -> bool:
        from torch.overrides import _get_current_function_mode_stack
        from torch.utils._python_dispatch import _get_current_dispatch_mode_stack

        return (any(m is self.dispatch for m in _get_current_dispatch_mode_stack())
                and any(m is self.function for m in _get_current_function_mode_stack()))


@probe
def call_recording(fn: Any, *arrays: np.ndarray, dtypes: list | None = None) -> dict:
    """Call ``fn`` on grader tensors under torch's dispatch recorders.

    The reply holds the result, the inputs afterwards (to see in-place changes), the ATen operators
    run (``"aten.sigmoid"``), the names of the torch functions and tensor methods called (``"l1_loss"``,
    ``"sigmoid"``) and whether the recorders were still in place when ``fn`` returned.
    """
    if not callable(fn):
        raise WrongType(f"expected a function, found a {type_name(fn)}")
    dtypes = dtypes or ["float32"] * len(arrays)
    inputs = [as_tensor(a, d) for a, d in zip(arrays, dtypes)]
    recorder = _OpRecorder()
    recorder.function.__enter__()
    recorder.dispatch.__enter__()
    intact = False
    try:
        result = fn(*inputs)
        intact = recorder.intact()
    finally:
        for mode in (recorder.dispatch, recorder.function):
            try:
                mode.__exit__(None, None, None)
            except (RuntimeError, IndexError, AssertionError):  # the student's code popped it already
                intact = False
    return {"result": plain(result, "result"), "inputs_after": [plain(t, "input") for t in inputs],
            "ops": sorted(recorder.ops), "functions": sorted(recorder.functions), "intact": intact}
