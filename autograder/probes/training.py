"""Probes that run a student's training or evaluation code on grader-built models and record what it did."""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

import numpy as np

from autograder.probes.digits import _digit_loader
from autograder.probes.models import _watch_forward, build_model, grading_device, load_parameters, parameter_values
from autograder.probes.registry import WrongType, as_tensor, plain, probe, type_name
from autograder.probes.values import describe_result


EVENT_CAP = 2000  # optimizer events noted per training run


def watch_optimizer(optimizer: Any, model: Any = None) -> list[dict]:
    """Note, in order, every backward pass reaching the optimizer's parameters, every zero_grad() of
    the optimizer (or of ``model``) and every step() with the state of the gradients it found
    ("none", "zero" or "set"). The grader's :func:`autograder.checks.diagnose.optimizer_misuse`
    reads the list."""
    import torch

    events: list[dict] = []
    params = [p for group in optimizer.param_groups for p in group["params"]]

    def note(event: dict) -> None:
        if len(events) < EVENT_CAP:
            events.append(event)

    def before_step(opt: Any, args: Any, kwargs: Any) -> None:
        grads = [p.grad for p in params]
        state = ("none" if all(g is None for g in grads)
                 else "zero" if all(g is None or not bool(torch.any(g != 0)) for g in grads) else "set")
        note({"event": "step", "grads": state})

    def on_gradient(grad: Any) -> None:
        if not events or events[-1]["event"] != "backward":
            note({"event": "backward"})

    optimizer.register_step_pre_hook(before_step)
    for p in params:
        if p.requires_grad:
            p.register_hook(on_gradient)
    for owner in (optimizer, model):
        if owner is not None:
            original = owner.zero_grad

            def zero_grad(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
                note({"event": "zero_grad"})
                return _original(*args, **kwargs)

            object.__setattr__(owner, "zero_grad", zero_grad)
    return events


@probe
def train_reference(train_fn: Any, spec: dict, init: list, X: np.ndarray, y: np.ndarray,
                    lr: float, epochs: int) -> dict:
    """Run the student's ``train`` on a grader-built model; record parameters after every step."""
    import torch

    if not callable(train_fn):
        raise WrongType(f"expected a function, found a {type_name(train_fn)}")
    model = build_model(spec)
    load_parameters(model, init)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    snapshots: list[list] = []
    optimizer.register_step_post_hook(
        lambda opt, args, kwargs: snapshots.append(
            [p.detach().cpu().numpy().copy() for p in model.parameters()]))
    events = watch_optimizer(optimizer, model)
    losses = train_fn(model, as_tensor(X), as_tensor(y), torch.nn.BCELoss(), optimizer, epochs)
    return {
        "losses": plain(losses, "list of losses"),
        "events": events,
        "steps": len(snapshots),
        "snapshots": snapshots[:1000],
        "final": [p.detach().cpu().numpy().copy() for p in model.parameters()],
    }


def _grader_model(fn: Any, spec: dict, params: list, *, training: bool) -> tuple[Any, Any]:
    """The grading device and a grader-built model with grader parameters on it, in train or eval
    mode, for the student's function ``fn`` (refused unless callable)."""
    if not callable(fn):
        raise WrongType(f"expected a function, found a {type_name(fn)}")
    device = grading_device()
    model = build_model(spec)
    load_parameters(model, params)
    model.to(device).train(training)
    return device, model


@probe
def evaluate_reference(fn: Any, spec: dict, params: list, images: np.ndarray, labels: np.ndarray,
                       batch_size: int = 64) -> dict:
    """Call ``fn(model, loader, device)`` on a grader-built model with grader parameters.

    The model is put in training mode first and watched: the reply says in which mode and with
    or without autograd each forward call ran, and whether the model was left unchanged.
    """
    import torch

    device, model = _grader_model(fn, spec, params, training=True)
    seen = _watch_forward(model)
    before = [p.detach().clone() for p in model.parameters()]
    result = fn(model, _digit_loader(images, labels, batch_size, shuffle=False), device)
    changed = any(not torch.equal(b, p.detach()) for b, p in zip(before, model.parameters()))
    return {"result": plain(result, "accuracy"), "calls": seen, "changed": changed}


@probe
def train_epoch_reference(fn: Any, spec: dict, params: list, images: np.ndarray, labels: np.ndarray,
                          batch_size: int, lr: float) -> dict:
    """Run ``fn(model, loader, nn.CrossEntropyLoss(), SGD(lr), device)`` once on a grader-built model.

    The loader is not shuffled; parameters are recorded after every optimizer step, and the model
    starts in eval mode so that a loop which forgets ``model.train()`` shows.
    """
    import torch

    device, model = _grader_model(fn, spec, params, training=False)
    optimizer = torch.optim.SGD(model.parameters(), lr=float(lr))
    snapshots: list[list] = []
    optimizer.register_step_post_hook(lambda opt, args, kwargs: snapshots.append(
        [p.detach().cpu().numpy().copy() for p in model.parameters()]))
    seen = _watch_forward(model)
    events = watch_optimizer(optimizer, model)
    result = fn(model, _digit_loader(images, labels, batch_size, shuffle=False), torch.nn.CrossEntropyLoss(),
                optimizer, device)
    return {"result": plain(result, "mean loss"), "snapshots": snapshots[:100], "steps": len(snapshots),
            "calls": seen[:100], "events": events}


TRACE_CAP = 5000  # forward passes noted per traced call


@contextlib.contextmanager
def optimizers_made_for(model: Any) -> Iterator[dict]:
    """While open, watch (:func:`watch_optimizer`) the first torch.optim optimizer the code creates over
    ``model``'s parameters, and note the learning rate of every such optimizer at its creation.

    For functions that build their own optimizer: ``Optimizer.__init__`` is wrapped for the duration
    only, and every subclass (SGD, Adam, ...) reaches it through ``super().__init__``."""
    import torch

    found: dict = {"events": [], "lrs": []}
    ids = {id(p) for p in model.parameters()}
    original = torch.optim.Optimizer.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        params = [p for group in self.param_groups for p in group["params"]]
        if any(id(p) in ids for p in params):
            if not found["lrs"]:
                found["events"] = watch_optimizer(self, model)
            lr = self.param_groups[0].get("lr")
            found["lrs"].append(float(lr) if isinstance(lr, (int, float)) else None)

    torch.optim.Optimizer.__init__ = init
    try:
        yield found
    finally:
        torch.optim.Optimizer.__init__ = original


@probe
def trace_call(fn: Any, spec: dict, init: list | None, arrays: list, call_kwargs: dict | None = None,
               repeats: int = 1, train_mode: bool = True, watch: bool = False) -> dict:
    """Call ``fn(model, *arrays, **call_kwargs)`` ``repeats`` times on a grader-built model, noting
    every forward pass of the model: which of ``arrays`` it was given (-1 for none), whether gradients
    were enabled, whether the model was in training mode, and the parameters at that moment. With
    ``watch``, also the optimizer events and learning rates of the optimizers ``fn`` creates over the
    model (:func:`optimizers_made_for`)."""
    import torch

    if not callable(fn):
        raise WrongType(f"expected a function, found a {type_name(fn)}")
    model = build_model(spec)
    if init is not None:
        load_parameters(model, init)
    model.train(train_mode)
    tensors = [as_tensor(a) for a in arrays]
    trace: list[dict] = []

    def note(module: Any, inputs: tuple) -> None:
        x = inputs[0] if inputs else None
        which = -1
        if isinstance(x, torch.Tensor):
            seen = x.detach().cpu()
            which = next((i for i, t in enumerate(tensors)
                          if seen.shape == t.shape and seen.dtype == t.dtype and torch.equal(seen, t)), -1)
        if len(trace) < TRACE_CAP:
            trace.append({"input": which, "grad": torch.is_grad_enabled(), "training": module.training,
                          "parameters": parameter_values(module)})

    before = parameter_values(model)
    handle = model.register_forward_pre_hook(note)
    watching = optimizers_made_for(model) if watch else contextlib.nullcontext({"events": [], "lrs": []})
    try:
        with watching as found:
            results = [describe_result(fn(model, *tensors, **(call_kwargs or {})))
                       for _ in range(int(repeats))]
    finally:
        handle.remove()
    return {"results": results, "trace": trace, "before": before, "after": parameter_values(model),
            "events": found["events"], "lrs": found["lrs"][:100]}



def _starts_differ(model_class: Any, seeds: list) -> bool:
    """Whether ``model_class()`` built under each torch seed in ``seeds`` starts from different parameters."""
    import torch

    from autograder.probes.models import instantiate

    starts = []
    for seed in seeds:
        torch.manual_seed(int(seed))
        starts.append(parameter_values(instantiate(model_class)))
    first = starts[0]
    return not all(len(s) == len(first) and all(a.shape == b.shape and np.array_equal(a, b) for a, b in zip(s, first))
                   for s in starts[1:])


@probe
def random_start(model_class: Any, seeds: list) -> bool:
    """Whether ``model_class()`` starts from different parameters under different torch seeds."""
    return _starts_differ(model_class, seeds)


@probe
def train_fresh(model_class: Any, train_fn: Any, X: np.ndarray, y: np.ndarray, eval_shape: list, *,
                lr: float, epochs: int, seeds: list) -> dict:
    """Build the student's ``model_class()`` under each torch seed in ``seeds`` (to see whether it starts
    from random parameters), train one built under the first with the student's ``train_fn(model, X, y,
    BCELoss(), Adam(lr), epochs)`` (y float32 (n, 1)), watching the optimizer, and return it captured with
    its forward on ``eval_shape`` and the optimizer events."""
    import torch

    from autograder.probes.capture import capture_module
    from autograder.probes.models import instantiate

    if not callable(train_fn):
        raise WrongType(f"expected a function, found a {type_name(train_fn)}")
    differ = _starts_differ(model_class, seeds)
    torch.manual_seed(int(seeds[0]))
    model = instantiate(model_class)
    optimizer = torch.optim.Adam(model.parameters(), lr=float(lr))
    events = watch_optimizer(optimizer, model)
    train_fn(model, as_tensor(X), as_tensor(y).reshape(-1, 1), torch.nn.BCELoss(), optimizer, int(epochs))
    return {"random_start": differ, "events": events, "model": capture_module(model, [int(n) for n in eval_shape])}
