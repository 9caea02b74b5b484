"""Model observations the grader computes itself from captured raw material, never from a description.

The checks ask for ``architecture``, ``forward``, ``forward_with``, ``digit_forward`` and
``cnn_shapes`` as they always did; :func:`autograder.checks.base.observe` sends those here. Each one
asks the student's process for one :func:`autograder.probes.capture.capture` (the model's real
tensors and its forward pass as ATen operators, recorded on a random input of the right shape)
and then computes the observation in the grader with :mod:`autograder.checks.replay`: outputs on
the grader's inputs (which never leave the grader), parameter counts from the tensors received,
layer shapes from the replayed operators. A reply that lies can only pass by describing a model
that computes the right thing.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.checks.replay import Captured, ReplayError, _packet, _Replay, replay

VERIFIED = frozenset(["architecture", "forward", "forward_with", "digit_forward", "cnn_shapes", "layer_counts",
                      "sklearn_predict", "sklearn_predict_digits"])
# what each torch.nn activation module runs; a module of these kinds counts only when its operator runs
ACTIVATION_OPS = {"Sigmoid": ("sigmoid", "sigmoid_"), "ReLU": ("relu", "relu_", "threshold"), "Tanh": ("tanh", "tanh_"),
                  "LeakyReLU": ("leaky_relu", "leaky_relu_"), "Softmax": ("softmax", "_softmax"),
                  "LogSoftmax": ("log_softmax", "_log_softmax"), "GELU": ("gelu",), "ELU": ("elu", "elu_")}
WEIGHTED = ("Linear", "Conv1d", "Conv2d", "Conv3d", "Bilinear")


def capture(observe: Any, model: Any, subject: str, *, args: Any = None, kwargs: Any = None,
            shape: tuple | None = None, values: bool = True, **options: Any) -> Captured:
    reply = observe("capture", model, subject=subject, args=list(args or []), kwargs=dict(kwargs or {}),
                    shape=None if shape is None else [int(n) for n in shape], values=values, **options)
    return Captured.parse(reply, subject)


def _digit_images(images: np.ndarray) -> np.ndarray:
    array = np.asarray(images)
    return (array.reshape(len(array), 1, 28, 28).astype(np.float32) / 255.0).astype(np.float32)


def _randomized(captured: Captured, seed: int) -> dict[str, np.ndarray]:
    generator = np.random.default_rng(seed)
    return {p["name"]: generator.standard_normal(p["shape"]).astype(np.float32) for p in captured.parameters}


def observe_verified(observe: Any, probe: str, args: tuple, kwargs: dict, subject: str, seed: int) -> Any:
    """The observation ``probe`` would have returned, computed here from a capture."""
    model, rest = args[0], list(args[1:])
    if probe in ("sklearn_predict", "sklearn_predict_digits"):
        X = np.asarray(rest[0], dtype=np.float64)
        if probe == "sklearn_predict_digits":
            X = X.reshape(len(X), 784) / 255.0
        return sklearn_predict(observe("sklearn_fitted", model, subject=subject), X, subject)
    margs, mkwargs = kwargs.pop("args", None), kwargs.pop("kwargs", None)
    if probe == "architecture":
        captured = traced(observe, model, subject, margs, mkwargs)
        if captured.graph is None or not captured.parameters_used():  # no forward pass reads these tensors
            return {"parameters": [], "modules": captured.modules}
        return {"parameters": [{"name": p["name"], "shape": p["shape"], "trainable": p["trainable"]}
                               for p in captured.parameters], "modules": captured.modules}
    if probe in ("forward", "forward_with", "digit_forward"):
        X = np.asarray(rest[0])
        values = kwargs.get("values") if probe != "forward" else None
        if values is None and probe == "forward_with" and len(rest) > 1:
            values = rest[1]
        captured = capture(observe, model, subject, args=margs, kwargs=mkwargs, shape=X.shape)
        if values is not None:
            names = {p["name"] for p in captured.parameters}
            if set(values) != names:
                raise ReplayError(f"{subject}: the model's parameters changed between two calls: {sorted(names)}")
        if probe == "forward" and kwargs.get("randomize"):
            values = _randomized(captured, seed)
        out = replay(captured, X, values, subject)
        used = values or captured.param_values()
        return {"output": out, "parameters": {p["name"]: used[p["name"]] for p in captured.parameters}}
    if probe == "cnn_shapes":
        images = _digit_images(rest[0])
        captured = capture(observe, model, subject, shape=images.shape, low=0.0, high=1.0)
        layers, out = layer_shapes(captured, images)
        return {"layers": layers[:50], "output": [int(n) for n in out.shape],
                "parameters": captured.trainable_count()}
    if probe == "layer_counts":
        return layer_counts(observe, model, subject, margs, mkwargs)
    raise KeyError(probe)


def traced(observe: Any, model: Any, subject: str, args: Any, kwargs: Any) -> Captured:
    """A capture with its forward pass, on (4, d) inputs for the first d among the sizes of the model's
    tensors that its forward accepts (the checks that count parameters do not know the input width).
    A capture without a forward pass that reads the model's tensors counts no parameters."""
    first = capture(observe, model, subject, args=args, kwargs=kwargs, values=False)
    sizes = [a for a in (args or []) if type(a) is int]
    sizes += [p["shape"][1] if len(p["shape"]) == 2 else p["shape"][0]
              for p in first.parameters + first.buffers if p["shape"]]
    sizes = list(dict.fromkeys([n for n in sizes + [1, 2, 3, 4] if isinstance(n, int) and 0 < n <= 100_000]))
    failure: Exception | None = None
    for width in sizes[:8]:
        try:
            return capture(observe, model, subject, args=args, kwargs=kwargs, shape=(4, width), values=False)
        except AssertionError as exc:  # CheckFailed: this width was not the model's
            failure = failure or exc
    if failure is not None and "replay" in str(failure):
        raise failure
    return Captured(first.parameters, first.buffers, first.modules, None)


def layer_counts(observe: Any, model: Any, subject: str, args: Any, kwargs: Any) -> dict[str, int]:
    """How many torch.nn modules of each kind the model holds *and uses*: a Linear or Conv counts
    when the forward pass reads its weight, an activation module when its operator runs as often;
    other kinds count as found in the module tree."""
    first = capture(observe, model, subject, args=args, kwargs=kwargs, values=False)
    weights = [p for p in first.parameters if p["name"].endswith("weight") and len(p["shape"]) >= 2]
    if not weights:
        return {}
    shape = [4, weights[0]["shape"][1], *([8] * (len(weights[0]["shape"]) - 2))]
    captured = capture(observe, model, subject, args=args, kwargs=kwargs, shape=shape, values=False)
    used, ops = captured.parameters_used(), captured.ops()
    counts: dict[str, int] = {}
    for module in captured.modules:
        if not module["torch"]:
            continue
        kind = module["type"]
        if kind in WEIGHTED and f"{module['name']}.weight" not in used:
            continue
        counts[kind] = counts.get(kind, 0) + 1
    for kind, names in ACTIVATION_OPS.items():
        if kind in counts:
            counts[kind] = min(counts[kind], sum(op in names for op in ops))
    return counts


def layer_shapes(captured: Captured, inputs: np.ndarray) -> tuple[list[dict], Any]:
    """The input and output shapes of every convolution and linear map in the replayed forward pass,
    named after the module that owns the weight (as forward hooks on Conv2d and Linear would see them)."""
    import torch

    run = _Replay(captured, torch.as_tensor(inputs).clone(), None)
    out = run.run()
    nodes = run.graph_nodes

    def weight_of(arg: Any) -> str | None:
        for _ in range(8):  # through t / transpose / permute views
            if not (isinstance(arg, dict) and isinstance(arg.get("t"), list)):
                return None
            ref = arg["t"]
            if ref[:1] == ["p"]:
                return captured.parameters[ref[1]]["name"]
            if ref[:1] == ["n"] and _packet(nodes[ref[1]]["op"]) in ("t", "transpose", "permute", "view"):
                arg = nodes[ref[1]]["args"][0]
                continue
            return None
        return None

    layers = []
    for index, node in enumerate(nodes):
        packet = _packet(node["op"])
        positions = {"convolution": (0, 1), "_convolution": (0, 1), "addmm": (1, 2), "mm": (0, 1),
                     "linear": (0, 1), "matmul": (0, 1)}.get(packet)
        if positions is None:
            continue
        name = weight_of(node["args"][positions[1]])
        if name is None or not name.endswith(".weight") and name != "weight":
            continue
        owner = name.rsplit(".", 1)[0] if "." in name else ""
        kind = "Conv2d" if "convolution" in packet else "Linear"  # what the operator does, not a class name
        source = run.decode(node["args"][positions[0]])
        layers.append({"name": owner, "type": kind, "in": [int(n) for n in source.shape],
                       "out": [int(n) for n in run.results[index].shape]})
    return layers, out


def sklearn_predict(fitted: Any, X: np.ndarray, subject: str) -> np.ndarray:
    """What a fitted scikit-learn classifier predicts for ``X``, computed from its arrays by the grader."""
    try:
        classes = np.asarray(fitted["classes"]).reshape(-1)
        if fitted["kind"] == "linear":
            coef, intercept = np.asarray(fitted["coef"], dtype=np.float64), np.asarray(fitted["intercept"], dtype=np.float64)
            scores = X @ coef.T + intercept
            if scores.shape[1] == 1:
                return classes[(scores[:, 0] > 0).astype(np.int64)]
            return classes[scores.argmax(axis=1)]
        if fitted["kind"] == "mlp":
            activations = {"relu": lambda h: np.maximum(h, 0), "tanh": np.tanh, "identity": lambda h: h,
                           "logistic": lambda h: 1 / (1 + np.exp(-h))}
            act = activations[fitted["activation"]]
            h = X
            layers = list(zip(fitted["coefs"], fitted["intercepts"]))
            for i, (w, b) in enumerate(layers):
                h = h @ np.asarray(w, dtype=np.float64) + np.asarray(b, dtype=np.float64)
                if i < len(layers) - 1:
                    h = act(h)
            if h.shape[1] == 1:
                return classes[(h[:, 0] > 0).astype(np.int64)]
            return classes[h.argmax(axis=1)]
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise ReplayError(f"{subject}: the grader could not predict with the fitted arrays it received ({exc}); "
                          "if the notebook did not interfere with grading, fit the model on inputs of the "
                          "expected shape") from None
    raise ReplayError(f"{subject}: the notebook interfered with grading (an unknown fitted model)")


def replay_batches(reply: Any, inputs: np.ndarray, subject: str, batch: int) -> np.ndarray:
    """Outputs of a captured model whose forward was recorded on batches of ``batch`` inputs, on all
    of ``inputs`` (the last batch padded with zeros), computed here."""
    captured = Captured.parse(reply, subject)
    outputs = []
    for start in range(0, len(inputs), batch):
        chunk = inputs[start:start + batch]
        count = len(chunk)
        if count < batch:
            chunk = np.concatenate([chunk, np.zeros((batch - count, *chunk.shape[1:]), dtype=chunk.dtype)])
        outputs.append(replay(captured, chunk, None, subject)[:count])
    return np.concatenate(outputs) if outputs else np.zeros((0,))
