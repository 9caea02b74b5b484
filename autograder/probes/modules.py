"""Probes on nn.Modules: architecture, forward passes (with grader parameters), layer stacks, CNN shapes."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.probes.digits import _digit_tensors
from autograder.probes.models import (build_model, instantiate, load_parameters, load_values_by_name, model_device,
                                      parameter_values)
from autograder.probes.registry import WrongType, as_tensor, plain, probe, type_name




def run_forward(module: Any, X: Any, *, training: bool) -> Any:
    """``module`` on grader inputs without autograd, in train or eval mode (restored after); the
    output must be a plain tensor."""
    import torch

    was_training = module.training
    module.train(training)
    try:
        with torch.no_grad():
            out = module(as_tensor(X).to(model_device(module)))
    finally:
        module.train(was_training)
    if type(out) is not torch.Tensor:
        raise WrongType(f"forward should return a tensor, but it returned a {type_name(out)}")
    return out

@probe
def architecture(model: Any, args: list | None = None, kwargs: dict | None = None) -> dict:
    """Parameter shapes and the tree of submodules of a (new) model."""
    module = instantiate(model, args, kwargs)
    params = [{"name": str(name), "shape": [int(n) for n in p.shape], "trainable": bool(p.requires_grad)}
              for name, p in module.named_parameters()]
    modules = [{"name": str(name), "type": type(m).__name__, "torch": type(m).__module__.startswith("torch.nn"),
                "children": len(list(m.children()))}
               for name, m in module.named_modules() if name]
    return {"parameters": params, "modules": modules}


@probe
def forward(model: Any, X: np.ndarray, args: list | None = None, kwargs: dict | None = None,
            randomize: bool = False, eval_mode: bool = True) -> dict:
    """Outputs of a (new) model on grader inputs, and the parameter values that produced them.

    With ``randomize`` every parameter is first refilled from a seeded normal distribution, so
    a check can compare the output with a formula on parameters the student did not choose.
    """
    import torch

    module = instantiate(model, args, kwargs)
    if randomize:
        with torch.no_grad():
            for param in module.parameters():
                param.copy_(torch.randn(param.shape, dtype=param.dtype))
    out = run_forward(module, X, training=not eval_mode)
    return {"output": plain(out, "model output"),
            "parameters": {name: plain(p, "parameter") for name, p in module.named_parameters()}}


@probe
def cnn_shapes(model: Any, images: np.ndarray) -> dict:
    """Input and output shapes of every Conv2d and Linear layer of a new model during one forward pass."""
    import torch

    net = instantiate(model)
    net.eval()
    seen: list[dict] = []
    for name, module in net.named_modules():
        if isinstance(module, (torch.nn.Conv2d, torch.nn.Linear)):
            module.register_forward_hook(lambda m, inputs, output, name=name: seen.append(
                {"name": name, "type": type(m).__name__, "in": [int(n) for n in inputs[0].shape],
                 "out": [int(n) for n in output.shape]}))
    with torch.no_grad():
        out = net(_digit_tensors(images))
    if type(out) is not torch.Tensor:
        raise WrongType(f"forward should return a tensor, but it returned a {type_name(out)}")
    params = sum(p.numel() for p in net.parameters() if p.requires_grad)
    return {"layers": seen[:50], "output": [int(n) for n in out.shape], "parameters": int(params)}


@probe
def digit_forward(model: Any, images: np.ndarray, values: dict | None = None, args: list | None = None) -> dict:
    """Outputs of a new ``model(*args)`` in eval mode on grader images, after loading grader values by name."""
    module = instantiate(model, args)
    if values is not None:
        load_values_by_name(module, values)
    return {"output": plain(run_forward(module, images, training=False), "model output")}


@probe
def forward_with(model: Any, X: np.ndarray, values: dict, args: list | None = None,
                 kwargs: dict | None = None) -> dict:
    """Outputs of a (new) model on grader inputs after loading grader-chosen values into its parameters.

    ``values`` maps each parameter name (as ``named_parameters`` gives it) to an array of its shape,
    so a check can compare the output with a formula on parameters the grader chose.
    """
    module = instantiate(model, args, kwargs)
    load_values_by_name(module, values)
    return {"output": plain(run_forward(module, X, training=False), "model output")}


@probe
def transform_module(fn: Any, spec: dict, init: list, X: np.ndarray) -> dict:
    """Call ``fn(module)`` on a grader-built module with grader-chosen parameters; describe the module
    it returns, its outputs on X (no gradients; or the error its forward raised) and whether the
    given module was changed."""
    import torch

    if not callable(fn):
        raise WrongType(f"expected a function, found a {type_name(fn)}")
    given = build_model(spec)
    load_parameters(given, init)
    made = fn(given)
    if not isinstance(made, torch.nn.Module):
        raise WrongType(f"expected an nn.Module, found a {type_name(made)}")
    output, error = None, None
    try:
        with torch.no_grad():
            out = made(as_tensor(X).to(model_device(made)))
        if type(out) is not torch.Tensor:
            raise WrongType(f"the returned module's forward gave a {type_name(out)}, not a tensor")
        output = plain(out, "output")
    except Exception as exc:  # noqa: BLE001 - reported, so the check can name the shapes first
        error = f"{type(exc).__name__}: {str(exc)[:300]}"
    linear = isinstance(made, torch.nn.Linear)
    return {"type": type_name(made), "is_linear": linear,
            "in_features": int(made.in_features) if linear else None,
            "out_features": int(made.out_features) if linear else None,
            "output": output, "error": error,
            "given_changed": any(not np.array_equal(a, b) for a, b in zip(parameter_values(given), init))}

