"""Observations taken inside the student's process.

A probe receives the student's objects (resolved from the notebook's globals) and the grader's
inputs, runs the student's code on them and returns plain values: numbers, strings, lists and
numeric arrays. Probes never decide anything and never see hidden labels; the grader's checks
(``autograder.checks``) turn their observations into verdicts in the grader's own process.
"""

from __future__ import annotations

import inspect
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


def instantiate(obj: Any, args: list | None = None, kwargs: dict | None = None) -> Any:
    """Return an ``nn.Module``: ``obj`` itself, or a new instance when ``obj`` is a class or factory."""
    import torch

    if isinstance(obj, torch.nn.Module):
        return obj
    if inspect.isclass(obj):
        if not issubclass(obj, torch.nn.Module):
            raise WrongType(f"{obj.__name__} should be a subclass of nn.Module")
        model = obj(*(args or []), **(kwargs or {}))
    elif callable(obj):
        model = obj(*(args or []), **(kwargs or {}))
    else:
        raise WrongType(f"expected an nn.Module class or instance, found a {type_name(obj)}")
    if not isinstance(model, torch.nn.Module):
        raise WrongType(f"expected an nn.Module, found a {type_name(model)}")
    return model


def model_device(module: Any) -> Any:
    """The device of a module's first parameter (CPU for a module without parameters)."""
    import torch

    first = next(module.parameters(), None)
    return first.device if first is not None else torch.device("cpu")


def reference_model(spec: dict) -> Any:
    """Build a grader-specified model inside the student process (no student code involved)."""
    import torch

    if spec["kind"] == "logistic":
        return torch.nn.Sequential(torch.nn.Linear(spec["in_features"], 1), torch.nn.Sigmoid())
    raise ValueError(f"unknown reference model {spec['kind']!r}")


def load_parameters(model: Any, values: list) -> None:
    """Copy grader-chosen values into ``model.parameters()`` in order."""
    import torch

    params = list(model.parameters())
    if len(params) != len(values):
        raise WrongType(f"the model has {len(params)} parameter tensors, expected {len(values)}")
    with torch.no_grad():
        for param, value in zip(params, values):
            value = torch.as_tensor(np.asarray(value), dtype=param.dtype)
            if tuple(param.shape) != tuple(value.shape):
                raise WrongType(
                    f"a parameter has shape {tuple(param.shape)}, expected {tuple(value.shape)}")
            param.copy_(value)


@probe
def value(obj: Any) -> Any:
    """The object as plain data."""
    return plain(obj)


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
    was_training = module.training
    module.train(not eval_mode)
    try:
        with torch.no_grad():
            out = module(as_tensor(X).to(model_device(module)))
    finally:
        module.train(was_training)
    if type(out) is not torch.Tensor:
        raise WrongType(f"forward should return a tensor, but it returned a {type_name(out)}")
    return {"output": plain(out, "model output"),
            "parameters": {name: plain(p, "parameter") for name, p in module.named_parameters()}}


@probe
def call(fn: Any, *arrays: np.ndarray, dtypes: list | None = None) -> Any:
    """Call a student function on grader tensors and return its result as plain data."""
    if not callable(fn):
        raise WrongType(f"expected a function, found a {type_name(fn)}")
    dtypes = dtypes or ["float32"] * len(arrays)
    result = fn(*[as_tensor(a, d) for a, d in zip(arrays, dtypes)])
    return plain(result, "result")


@probe
def sklearn_predict(model: Any, X: np.ndarray) -> Any:
    """Labels predicted by a fitted scikit-learn estimator."""
    from sklearn.base import BaseEstimator

    if not isinstance(model, BaseEstimator):
        raise WrongType(f"expected a fitted scikit-learn model, found a {type_name(model)}")
    return plain(np.asarray(model.predict(np.asarray(X, dtype=np.float64))), "prediction")


@probe
def train_reference(train_fn: Any, spec: dict, init: list, X: np.ndarray, y: np.ndarray,
                    lr: float, epochs: int) -> dict:
    """Run the student's ``train`` on a grader-built model; record parameters after every step."""
    import torch

    if not callable(train_fn):
        raise WrongType(f"expected a function, found a {type_name(train_fn)}")
    model = reference_model(spec)
    load_parameters(model, init)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    snapshots: list[list] = []
    optimizer.register_step_post_hook(
        lambda opt, args, kwargs: snapshots.append(
            [p.detach().cpu().numpy().copy() for p in model.parameters()]))
    losses = train_fn(model, as_tensor(X), as_tensor(y), torch.nn.BCELoss(), optimizer, epochs)
    return {
        "losses": plain(losses, "list of losses"),
        "steps": len(snapshots),
        "snapshots": snapshots[:1000],
        "final": [p.detach().cpu().numpy().copy() for p in model.parameters()],
    }


# --- probes added for HW4: MNIST digits, grader-run training, evaluation loops -----------------

_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: str) -> np.ndarray:
    """An IDX file (MNIST's format, optionally gzipped) as a numpy array; used by grader and probes."""
    import gzip

    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as handle:
        data = handle.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES:
        raise ValueError(f"{path} is not an IDX file")
    ndim = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    array = np.frombuffer(data, dtype=np.dtype(_IDX_DTYPES[data[2]]), offset=4 + 4 * ndim)
    return np.array(array.reshape(shape), dtype=array.dtype.newbyteorder("="))


def digit_file(folder: str, name: str) -> str:
    """``folder/name`` or ``folder/name.gz``, whichever exists (MNIST raw folders hold either)."""
    import os

    plain_path = os.path.join(folder, name)
    return plain_path if os.path.isfile(plain_path) else plain_path + ".gz"


def grading_device() -> Any:
    """The device of the grading profile: NNCOURSE_DEVICE as the grader set it (cpu when unset)."""
    import os

    import torch

    name = os.environ.get("NNCOURSE_DEVICE", "").strip() or "cpu"
    device = torch.device("cpu" if name == "auto" else name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("the grading profile asks for cuda, but this machine has no usable GPU; "
                           "the instructor should grade with --profile cpu")
    return device


def _digit_tensors(images: Any) -> Any:
    """uint8 images (n, 28, 28) or (n, 784) from the grader as float32 (n, 1, 28, 28) in [0, 1]."""
    import torch

    array = np.asarray(images)
    return torch.as_tensor(array.reshape(len(array), 1, 28, 28)).to(torch.float32).div(255.0)


def _digit_loader(images: Any, labels: Any, batch_size: int, shuffle: bool, seed: int = 0) -> Any:
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    dataset = TensorDataset(_digit_tensors(images), torch.as_tensor(np.asarray(labels)).to(torch.int64))
    generator = torch.Generator().manual_seed(int(seed)) if shuffle else None
    return DataLoader(dataset, batch_size=int(batch_size), shuffle=shuffle, generator=generator)


def reference_digit_model(spec: dict) -> Any:
    """Grader-specified digit classifiers, built here without student code.

    spec kinds: "mlp" ({"sizes": [784, ..., 10], "activation": "tanh", "dropout": p} with a Flatten
    first and dropout, if any, before the last layer) and "linear" (Flatten + Linear(784, 10)).
    """
    import torch

    if spec["kind"] == "linear":
        return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10))
    if spec["kind"] == "mlp":
        sizes = [int(n) for n in spec["sizes"]]
        hidden = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh}[spec.get("activation", "tanh")]
        body: list = [torch.nn.Flatten()]
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            if i == len(sizes) - 2 and spec.get("dropout"):
                body.append(torch.nn.Dropout(float(spec["dropout"])))
            body.append(torch.nn.Linear(fan_in, fan_out))
            if i < len(sizes) - 2:
                body.append(hidden())
        return torch.nn.Sequential(*body)
    raise ValueError(f"unknown reference digit model {spec['kind']!r}")


def _watch_forward(model: Any) -> list[dict]:
    """Record, at every forward call of ``model``, its training flag and whether autograd is on."""
    import torch

    seen: list[dict] = []
    model.register_forward_hook(lambda module, inputs, output: seen.append(
        {"training": bool(module.training), "grad": bool(torch.is_grad_enabled()),
         "batch": int(inputs[0].shape[0]) if inputs and hasattr(inputs[0], "shape") else -1}))
    return seen


@probe
def loader_batches(loader: Any, max_batches: int = 2) -> dict:
    """The first batches of a student's DataLoader: images as float32 arrays and labels as they come."""
    import torch

    if not hasattr(loader, "__iter__"):
        raise WrongType(f"expected a DataLoader, found a {type_name(loader)}")
    batches = []
    for i, batch in enumerate(loader):
        if i >= int(max_batches):
            break
        if not isinstance(batch, (list, tuple)) or len(batch) != 2:
            raise WrongType("each batch should be a pair (images, labels)")
        images, labels = batch
        if type(images) is not torch.Tensor or type(labels) is not torch.Tensor:
            raise WrongType(f"a batch should hold two tensors, found {type_name(images)} and {type_name(labels)}")
        batches.append({"images": plain(images, "batch of images"), "labels": plain(labels, "batch of labels"),
                        "image_dtype": str(images.dtype).replace("torch.", ""),
                        "label_dtype": str(labels.dtype).replace("torch.", "")})
    dataset = getattr(loader, "dataset", None)
    return {"batches": batches, "dataset_size": len(dataset) if dataset is not None else -1,
            "batch_size": int(getattr(loader, "batch_size", 0) or 0)}


@probe
def sklearn_predict_digits(model: Any, images: np.ndarray) -> Any:
    """Labels a fitted scikit-learn model predicts for grader digits, given as 784 pixels in [0, 1]."""
    from sklearn.base import BaseEstimator

    if not isinstance(model, BaseEstimator):
        raise WrongType(f"expected a fitted scikit-learn model, found a {type_name(model)}")
    pixels = np.asarray(images, dtype=np.float64).reshape(len(images), 784) / 255.0
    return plain(np.asarray(model.predict(pixels)), "prediction")


@probe
def evaluate_reference(fn: Any, spec: dict, params: list, images: np.ndarray, labels: np.ndarray,
                       batch_size: int = 64) -> dict:
    """Call ``fn(model, loader, device)`` on a grader-built model with grader parameters.

    The model is put in training mode first and watched: the reply says in which mode and with
    or without autograd each forward call ran, and whether the model was left unchanged.
    """
    import torch

    if not callable(fn):
        raise WrongType(f"expected a function, found a {type_name(fn)}")
    device = grading_device()
    model = reference_digit_model(spec)
    load_parameters(model, params)
    model.to(device).train()
    seen = _watch_forward(model)
    before = [p.detach().clone() for p in model.parameters()]
    result = fn(model, _digit_loader(images, labels, batch_size, shuffle=False), device)
    changed = any(not torch.equal(b, p.detach()) for b, p in zip(before, model.parameters()))
    return {"result": plain(result, "accuracy"), "calls": seen, "changed": changed}


@probe
def train_epoch_reference(fn: Any, params: list, images: np.ndarray, labels: np.ndarray,
                          batch_size: int, lr: float) -> dict:
    """Run ``fn(model, loader, nn.CrossEntropyLoss(), SGD(lr), device)`` once on a grader-built linear model.

    The loader is not shuffled; parameters are recorded after every optimizer step, and the model
    starts in eval mode so that a loop which forgets ``model.train()`` shows.
    """
    import torch

    if not callable(fn):
        raise WrongType(f"expected a function, found a {type_name(fn)}")
    device = grading_device()
    model = reference_digit_model({"kind": "linear"})
    load_parameters(model, params)
    model.to(device).eval()
    optimizer = torch.optim.SGD(model.parameters(), lr=float(lr))
    snapshots: list[list] = []
    optimizer.register_step_post_hook(lambda opt, args, kwargs: snapshots.append(
        [p.detach().cpu().numpy().copy() for p in model.parameters()]))
    seen = _watch_forward(model)
    result = fn(model, _digit_loader(images, labels, batch_size, shuffle=False), torch.nn.CrossEntropyLoss(),
                optimizer, device)
    return {"result": plain(result, "mean loss"), "snapshots": snapshots[:100], "steps": len(snapshots),
            "calls": seen[:100]}


def _training_digits(folder: str, count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    images = read_idx(digit_file(folder, "train-images-idx3-ubyte"))
    labels = read_idx(digit_file(folder, "train-labels-idx1-ubyte"))
    chosen = np.sort(np.random.default_rng(seed).permutation(len(images))[:int(count)])
    return images[chosen], labels[chosen]


def _predict_digits(model: Any, images: np.ndarray, device: Any, batch_size: int = 500) -> np.ndarray:
    import torch

    model.eval()
    outputs = []
    with torch.no_grad():
        for start in range(0, len(images), batch_size):
            out = model(_digit_tensors(images[start:start + batch_size]).to(device))
            if type(out) is not torch.Tensor or tuple(out.shape) != (min(batch_size, len(images) - start), 10):
                raise WrongType(f"the model should return a tensor of shape (n, 10), found "
                                f"{tuple(out.shape) if type(out) is torch.Tensor else type_name(out)}")
            outputs.append(out.argmax(dim=1).cpu())
    return torch.cat(outputs).numpy().astype(np.int64)


@probe
def fit_digits(model: Any, folder: str, heldout: np.ndarray, *, train_fn: Any = None, spec: dict | None = None,
               count: int = 8000, epochs: int = 1, batch_size: int = 64, lr: float = 1e-3,
               max_parameters: int = 0, data_seed: int = 0) -> dict:
    """Train a fresh model on training digits the probe reads itself, then label the grader's held-out digits.

    ``model`` is the student's class (instantiated here with no arguments) unless ``spec`` names a
    grader-built model. With ``train_fn`` the student's ``train_one_epoch`` runs each epoch;
    without it the grader's own loop does (Adam, cross-entropy). The labels of ``heldout`` never
    come here; only the predicted classes go back.
    """
    import time

    import torch

    device = grading_device()
    net = reference_digit_model(spec) if spec else instantiate(model)
    count_params = sum(p.numel() for p in net.parameters() if p.requires_grad)
    if count_params == 0:
        raise WrongType("the model has no trainable parameters: create its layers in __init__")
    if max_parameters and count_params > max_parameters:
        return {"parameters": int(count_params), "trained": False}
    net.to(device)
    images, labels = _training_digits(folder, count, data_seed)
    loader = _digit_loader(images, labels, batch_size, shuffle=True, seed=data_seed)
    optimizer = torch.optim.Adam(net.parameters(), lr=float(lr))
    loss_fn = torch.nn.CrossEntropyLoss()
    started = time.perf_counter()
    returned = []
    for _ in range(int(epochs)):
        if train_fn is not None:
            returned.append(train_fn(net, loader, loss_fn, optimizer, device))
            continue
        net.train()
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            optimizer.zero_grad()
            loss = loss_fn(net(x), y)
            loss.backward()
            optimizer.step()
    seconds = time.perf_counter() - started
    return {"parameters": int(count_params), "trained": True, "seconds": round(seconds, 3),
            "returned": plain(returned, "mean loss") if train_fn is not None else [],
            "predictions": _predict_digits(net, np.asarray(heldout), device)}


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
    import torch

    module = instantiate(model, args)
    if values is not None:
        params = dict(module.named_parameters())
        if set(params) != set(values):
            raise WrongType(f"the model's parameters changed between two calls: {sorted(params)}")
        with torch.no_grad():
            for name, param in params.items():
                value = torch.as_tensor(np.asarray(values[name]), dtype=param.dtype)
                if tuple(param.shape) != tuple(value.shape):
                    raise WrongType(f"parameter {name} has shape {tuple(param.shape)}, expected {tuple(value.shape)}")
                param.copy_(value)
    module.eval()
    with torch.no_grad():
        out = module(as_tensor(images).to(model_device(module)))
    if type(out) is not torch.Tensor:
        raise WrongType(f"forward should return a tensor, but it returned a {type_name(out)}")
    return {"output": plain(out, "model output")}


# --- probes added for HW3: grader-built MLPs, watched calls, decision-boundary pictures ---------

def reference_mlp(spec: dict) -> Any:
    """A grader-specified multi-layer perceptron, built inside the student process (no student code).

    spec: {"sizes": [d, h1, ..., k], "activation": "relu" | "tanh", "output": "sigmoid" | None}.
    Its parameters are, in order, weight (h1, d), bias (h1,), weight (h2, h1), ... as in nn.Linear.
    """
    import torch

    sizes = [int(n) for n in spec["sizes"]]
    hidden = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh}[spec.get("activation", "relu")]
    layers: list = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(torch.nn.Linear(fan_in, fan_out))
        if i < len(sizes) - 2:
            layers.append(hidden())
    if spec.get("output") == "sigmoid":
        layers.append(torch.nn.Sigmoid())
    return torch.nn.Sequential(*layers)


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
    model = reference_mlp(spec)
    load_parameters(model, params)
    model.eval()
    kinds = kinds or ["float32"] * len(arrays)
    return plain(fn(model, *[_student_argument(a, k) for a, k in zip(arrays, kinds)]), "result")


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


@probe
def decision_boundary_png(model: Any, X: Any, y: Any, title: str = "", dpi: int = 60) -> np.ndarray:
    """The student's model drawn by ``student_lib.plotting.plot_decision_boundary`` as PNG bytes."""
    import io

    from student_lib.plotting import plot_decision_boundary

    module = instantiate(model)
    figure = plot_decision_boundary(module, X, y, title=title or None, resolution=120)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return np.frombuffer(buffer.getvalue(), dtype=np.uint8).copy()


@probe
def forward_with(model: Any, X: np.ndarray, values: dict, args: list | None = None,
                 kwargs: dict | None = None) -> dict:
    """Outputs of a (new) model on grader inputs after loading grader-chosen values into its parameters.

    ``values`` maps each parameter name (as ``named_parameters`` gives it) to an array of its shape,
    so a check can compare the output with a formula on parameters the grader chose.
    """
    import torch

    module = instantiate(model, args, kwargs)
    params = dict(module.named_parameters())
    if set(params) != set(values):
        raise WrongType(f"the model's parameters changed between two calls: {sorted(params)}")
    with torch.no_grad():
        for name, param in params.items():
            value = torch.as_tensor(np.asarray(values[name]), dtype=param.dtype)
            if tuple(param.shape) != tuple(value.shape):
                raise WrongType(f"parameter {name} has shape {tuple(param.shape)}, expected {tuple(value.shape)}")
            param.copy_(value)
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            out = module(as_tensor(X).to(model_device(module)))
    finally:
        module.train(was_training)
    if type(out) is not torch.Tensor:
        raise WrongType(f"forward should return a tensor, but it returned a {type_name(out)}")
    return {"output": plain(out, "model output")}


# --- probes added for HW2: described results, traced forward passes, layer stacks, fitted models ---

TRACE_CAP = 5000  # forward passes noted per traced call


def grader_module(spec: dict) -> Any:
    """A small grader-specified module, built inside the student process (no student code).

    spec: {"kind": "stack", "widths": [d0, d1, ..., dk], "bias": [bool per layer]} for an
    nn.Sequential of nn.Linear(d0, d1), ..., nn.Linear(d{k-1}, dk) (["stack", [1, 1]] is a line);
    {"kind": "dropout_mlp", "in": d, "hidden": h, "out": k, "p": p} for
    Linear(d, h), ReLU, Dropout(p), Linear(h, k). Parameters come in ``named_parameters`` order.
    """
    import torch

    nn = torch.nn
    if spec["kind"] == "stack":
        widths = [int(w) for w in spec["widths"]]
        biases = spec.get("bias") or [True] * (len(widths) - 1)
        return nn.Sequential(*[nn.Linear(a, b, bias=bool(flag))
                               for a, b, flag in zip(widths[:-1], widths[1:], biases)])
    if spec["kind"] == "dropout_mlp":
        return nn.Sequential(nn.Linear(spec["in"], spec["hidden"]), nn.ReLU(), nn.Dropout(spec["p"]),
                             nn.Linear(spec["hidden"], spec["out"]))
    raise ValueError(f"unknown grader module {spec['kind']!r}")


def parameter_values(module: Any) -> list[np.ndarray]:
    """Copies of a module's parameters, in order, as float32 numpy arrays."""
    return [p.detach().cpu().float().numpy().copy() for p in module.parameters()]


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


@probe
def trace_call(fn: Any, spec: dict, init: list | None, arrays: list, call_kwargs: dict | None = None,
               repeats: int = 1, train_mode: bool = True) -> dict:
    """Call ``fn(model, *arrays, **call_kwargs)`` ``repeats`` times on a grader-built model, noting
    every forward pass of the model: which of ``arrays`` it was given (-1 for none), whether gradients
    were enabled, whether the model was in training mode, and the parameters at that moment."""
    import torch

    if not callable(fn):
        raise WrongType(f"expected a function, found a {type_name(fn)}")
    model = grader_module(spec)
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
    try:
        results = [describe_result(fn(model, *tensors, **(call_kwargs or {})))
                   for _ in range(int(repeats))]
    finally:
        handle.remove()
    return {"results": results, "trace": trace, "before": before, "after": parameter_values(model)}


@probe
def transform_module(fn: Any, spec: dict, init: list, X: np.ndarray) -> dict:
    """Call ``fn(module)`` on a grader-built module with grader-chosen parameters; describe the module
    it returns, its outputs on X (no gradients; or the error its forward raised) and whether the
    given module was changed."""
    import torch

    if not callable(fn):
        raise WrongType(f"expected a function, found a {type_name(fn)}")
    given = grader_module(spec)
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


@probe
def fit_and_predict(fn: Any, X: np.ndarray, y: np.ndarray, X_eval: np.ndarray) -> dict:
    """Train with the student's ``fn(X, y)`` (float32 tensors) and return the model's predictions,
    in eval mode without gradients, on the training inputs and on ``X_eval``."""
    import torch

    if not callable(fn):
        raise WrongType(f"expected a function, found a {type_name(fn)}")
    model = fn(as_tensor(X), as_tensor(y))
    if not isinstance(model, torch.nn.Module):
        raise WrongType(f"it should return the trained nn.Module, but it returned a {type_name(model)}")
    model.eval()
    outputs = []
    with torch.no_grad():
        for inputs in (X, X_eval):
            out = model(as_tensor(inputs).to(model_device(model)))
            if type(out) is not torch.Tensor:
                raise WrongType(f"the model's forward gave a {type_name(out)}, not a tensor")
            outputs.append(plain(out, "prediction"))
    return {"train_output": outputs[0], "eval_output": outputs[1]}
