"""Probes that call a student function on grader inputs, optionally watching which library calls it makes."""

from __future__ import annotations

from typing import Any, Callable

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


def _resolve_attribute(path: str) -> tuple[Any, str]:
    import importlib

    module_path, _, attr = path.rpartition(".")
    owner_path, _, owner_attr = module_path.rpartition(".")
    try:
        return importlib.import_module(module_path), attr
    except ImportError:
        return getattr(importlib.import_module(owner_path), owner_attr), attr


@probe
def call_watching(fn: Any, *arrays: np.ndarray, dtypes: list | None = None,
                  watch: list | None = None) -> dict:
    """Call ``fn`` on grader tensors; report its result, its inputs afterwards and the watched calls.

    ``watch`` names library functions ("torch.sigmoid", "torch.Tensor.relu", ...); while ``fn``
    runs, each is wrapped so that a call is recorded and then passed on unchanged. A student who
    keeps a reference taken before this probe runs is not seen: the verdict stays a format check.
    """
    if not callable(fn):
        raise WrongType(f"expected a function, found a {type_name(fn)}")
    dtypes = dtypes or ["float32"] * len(arrays)
    inputs = [as_tensor(a, d) for a, d in zip(arrays, dtypes)]
    used: list[str] = []
    patched: list[tuple[Any, str, Any, bool]] = []

    def wrapper(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def watched(*args: Any, **kwargs: Any) -> Any:
            if name not in used:
                used.append(name)
            return original(*args, **kwargs)
        return watched

    try:
        for name in watch or []:
            try:
                owner, attr = _resolve_attribute(name)
                original = getattr(owner, attr)
            except (ImportError, AttributeError):
                continue
            own = attr in vars(owner)
            setattr(owner, attr, wrapper(name, original))
            patched.append((owner, attr, original, own))
        result = fn(*inputs)
    finally:
        for owner, attr, original, own in reversed(patched):
            if own:
                setattr(owner, attr, original)
            else:
                delattr(owner, attr)
    return {"result": plain(result, "result"), "inputs_after": [plain(t, "input") for t in inputs],
            "used": used}

