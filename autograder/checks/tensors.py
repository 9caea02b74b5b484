"""Checks on tensor basics: conversion to float32, devices, shapes after unsqueeze, matrix products."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.checks.base import fail, label, observe, rng


def tensor_result(fn: Any, *args: Any, tensors: tuple[int, ...] = (), call: str = "") -> dict:
    """Call ``fn`` in the student's process and return the description of the tensor it returns."""
    info = observe("tensor_call", fn, *args, tensors=list(tensors))
    if info.get("type") != "tensor":
        fail(f"{label(fn)}{call} should return a torch.Tensor, found {info.get('type')}")
    return info


def _values(info: dict) -> np.ndarray:
    return np.asarray(info["value"], dtype=np.float64).reshape(info["shape"])


def check_tensor_helpers_format(to_float_tensor: Any, as_column: Any, affine: Any) -> None:
    """Format only: each helper returns a tensor; to_float_tensor keeps a 2 x 2 list's shape."""
    info = tensor_result(to_float_tensor, [[1, 2], [3, 4]], "cpu", call="([[1, 2], [3, 4]], 'cpu')")
    if info["shape"] != [2, 2]:
        fail(f"{label(to_float_tensor)}([[1, 2], [3, 4]], 'cpu'): expected a tensor of shape (2, 2), "
             f"found {tuple(info['shape'])}")
    tensor_result(as_column, np.arange(3.0), tensors=(0,), call=" on a vector of 3 values")
    tensor_result(affine, np.ones((2, 3)), np.ones((4, 3)), np.zeros(4), tensors=(0, 1, 2),
                  call=" on X (2, 3), W (4, 3), b (4,)")


def check_float32_conversion(fn: Any) -> None:
    """``fn(data, "cpu")`` turns nested lists and numpy arrays (of ints or float64) into float32
    tensors with the same shape and values."""
    generator = rng("data")
    cases = [
        ("a nested list of ints", generator.integers(-9, 10, size=(3, 4)).tolist()),
        ("a nested list of floats", generator.normal(size=(2, 5)).round(3).tolist()),
        ("a float64 numpy array", generator.normal(size=(4, 3))),
        ("an int64 numpy array", generator.integers(-5, 6, size=(6,))),
    ]
    for what, data in cases:
        expected = np.asarray(data, dtype=np.float64)
        info = tensor_result(fn, data, "cpu", call=f" on {what}")
        if info["dtype"] != "float32":
            fail(f"{label(fn)} on {what} of shape {expected.shape} returned a tensor of dtype "
                 f"{info['dtype']}, expected float32: convert with dtype=torch.float32 or .float()")
        if tuple(info["shape"]) != expected.shape:
            fail(f"{label(fn)} on {what} of shape {expected.shape} returned shape {tuple(info['shape'])}: "
                 "keep the data's shape")
        if not np.allclose(_values(info), expected, rtol=1e-6, atol=1e-6):
            fail(f"{label(fn)} on {what} of shape {expected.shape}: the tensor's values differ from the data's")


def check_device_handling(device: Any, fn: Any) -> None:
    """``device`` is the device ``get_device()`` picks, and ``fn(data, device)`` puts its result on the
    device it is given (checked with ``cpu`` and with ``meta``, a shape-only device every machine has)."""
    seen = observe("device_choice", device)
    if seen["found"] is None:
        fail(f"{label(device)} should be a torch.device (use get_device()), found a {seen['type']}")
    if seen["found"] != seen["expected"]:
        fail(f"{label(device)} is a {seen['found']} device, but get_device() picks {seen['expected']} on "
             "the grading machine: set it with get_device() instead of naming a device")
    data = rng("device").normal(size=(2, 3))
    for target in ("cpu", "meta"):
        info = tensor_result(fn, data, target, call=f"(data, {target!r})")
        if info["device"] != target:
            fail(f"{label(fn)}(data, device={target!r}) returned a tensor on {info['device']}: move "
                 "the result with .to(device) so the same code runs on any device")


def check_as_column(fn: Any) -> None:
    """``fn(v)`` turns a vector of n values into an (n, 1) column with the same values, for several n."""
    generator = rng("columns")
    for n in (5, 1, int(generator.integers(7, 40))):
        v = generator.normal(size=n).astype(np.float32)
        info = tensor_result(fn, v, tensors=(0,), call=f" on a vector of shape ({n},)")
        if info["shape"] != [n, 1]:
            fail(f"{label(fn)} on a vector of shape ({n},): expected shape ({n}, 1), found "
                 f"{tuple(info['shape'])}: add the new dimension at position 1 (unsqueeze(1))")
        if not np.allclose(_values(info).reshape(-1), v, rtol=1e-6, atol=1e-6):
            fail(f"{label(fn)} on a vector of shape ({n},): the column should hold the vector's values in order")


def check_affine(fn: Any) -> None:
    """``fn(X, W, b)`` equals X W^T + b, what nn.Linear computes, for shapes with d_in != d_out."""
    generator = rng("affine")
    for n, d_in, d_out in ((5, 3, 2), (1, 2, 4), (int(generator.integers(6, 20)), 4, 3)):
        X = generator.normal(size=(n, d_in)).astype(np.float32)
        W = generator.normal(size=(d_out, d_in)).astype(np.float32)
        b = generator.normal(size=d_out).astype(np.float32)
        shapes = f"X ({n}, {d_in}), W ({d_out}, {d_in}), b ({d_out},)"
        info = tensor_result(fn, X, W, b, tensors=(0, 1, 2), call=f" on {shapes}")
        expected = X.astype(np.float64) @ W.T.astype(np.float64) + b
        if tuple(info["shape"]) != expected.shape:
            fail(f"{label(fn)} on {shapes}: expected shape {expected.shape}, found {tuple(info['shape'])}")
        error = float(np.max(np.abs(_values(info) - expected)))
        if not error <= 1e-4 * max(1.0, float(np.max(np.abs(expected)))):
            fail(f"{label(fn)} on {shapes}: the result differs from X W^T + b by up to {error:.3g}: "
                 "multiply by the transposed weights, then add the bias to every row")
