"""Checks on classifiers: accuracy and label functions, logits, MLP formulas, trained models on fresh data.

Hidden labels stay here. The student's process receives inputs, or models and inputs chosen by
the grader, and sends outputs back; every comparison with a label happens in the grader.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.checks.base import attach_figure, fail, label, observe, record, rng, seed_for, threshold
from autograder.checks.provenance import LINEAR_MAPS, _refs, captured_model, network_problem, trained_network_outputs
from autograder.checks.reference import layer_shapes, layer_values, mlp_formula, mlp_spec, random_mlp, sigmoid
from autograder.checks.replay import _packet, replay

FRESH_SIZES = {"circles": 1000, "blobs": 2000, "radial": 10000}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_FIGURE_BYTES = 512 * 1024


# --- fresh data and grader-side formulas ------------------------------------------------------

def fresh_classification_data(dataset: str, *, tag: str = "fresh", **options: Any) -> tuple[np.ndarray, np.ndarray]:
    """Points the student never saw, drawn with the grader's seed: X float32 (n, 2), y int64 (n,).

    dataset: "circles" (noise), "blobs" (center_seed, centers, cluster_std) or "radial".
    """
    from student_lib import datasets

    n = int(options.pop("num_samples", FRESH_SIZES[dataset]))
    seed = seed_for(f"{tag}-{dataset}")
    if dataset == "circles":
        X, y = datasets.circles(num_samples=n, noise=options.get("noise", 0.05), seed=seed)
    elif dataset == "blobs":
        X, y = datasets.blobs(num_samples=n, centers=options.get("centers", 5),
                              cluster_std=options.get("cluster_std", 1.0), seed=seed,
                              center_seed=options["center_seed"])
    elif dataset == "radial":
        X, y = datasets.radial_classification(num_samples=n, seed=seed)
    else:
        raise ValueError(f"unknown dataset {dataset!r}")
    return X.numpy(), y.numpy()


def _flat(layers: list[tuple[np.ndarray, np.ndarray]]) -> list[np.ndarray]:
    return [p for layer in layers for p in layer]


def _single_number(value: Any, what: str) -> float:
    array = None if isinstance(value, (dict, str)) or value is None else np.asarray(value)
    if array is None or array.dtype.kind not in "biuf" or array.size != 1:
        shape = "nothing (None)" if value is None else (
            f"an array of shape {array.shape}" if array is not None else type(value).__name__)
        fail(f"{what} should return one number, found {shape}")
    return float(array.reshape(()))


# --- label helpers -----------------------------------------------------------------------------

def labels_from_output(output: Any, what: str, n: int, classes: int) -> np.ndarray:
    """Class labels from a model's output: p >= 0.5 for binary (n, 1) outputs, argmax for (n, k)."""
    out = np.asarray(output, dtype=np.float64)
    if classes == 2:
        if out.shape not in ((n, 1), (n,)):
            fail(f"{what} on {n} inputs: expected an output of shape ({n}, 1) (one probability per "
                 f"point), found {out.shape}")
        if not np.all(np.isfinite(out)):
            fail(f"{what} returned NaN or infinite values")
        return (out.reshape(-1) >= 0.5).astype(np.int64)
    if out.shape != (n, classes):
        fail(f"{what} on {n} inputs: expected an output of shape ({n}, {classes}) (one score per "
             f"class), found {out.shape}")
    if not np.all(np.isfinite(out)):
        fail(f"{what} returned NaN or infinite values")
    return out.argmax(axis=1)


def _attach_boundary(model: Any, plot_data: tuple | None, title: str) -> bool:
    """Render the student's decision boundary over the notebook's own data and attach it; never fails."""
    if plot_data is None:
        return False
    try:
        png = observe("decision_boundary_png", model, plot_data[0], plot_data[1], title=title)
    except AssertionError:  # CheckFailed: the picture is a courtesy, never a verdict
        return False
    array = np.asarray(png)
    if array.dtype != np.uint8 or array.ndim != 1 or array.size > MAX_FIGURE_BYTES:
        return False
    data = array.tobytes()
    if not data.startswith(PNG_MAGIC):
        return False
    attach_figure(title, data)
    return True


# --- checks ------------------------------------------------------------------------------------

def check_boundary_accuracy(model: Any, *, dataset: str, threshold_name: str, classes: int = 2,
                            dataset_args: dict | None = None, plot_data: tuple | None = None,
                            required_class: Any = None) -> None:
    """A trained network (an instance of ``required_class`` when given, whose input goes through its own
    layers: :mod:`autograder.checks.provenance`) reaches the profile's accuracy on fresh points of
    ``dataset``. Binary models must return probabilities (values in [0, 1]).

    When it does not, its decision boundary over ``plot_data`` (the notebook's own (X, y), never the
    hidden points) is attached to the result as a PNG.
    """
    from autograder.checks.diagnose import constant_predictions

    X, y = fresh_classification_data(dataset, **(dataset_args or {}))
    outputs = trained_network_outputs(model, X, required_class=required_class)
    predicted = labels_from_output(outputs, label(model), len(X), classes)
    if classes == 2 and not np.all((outputs >= 0) & (outputs <= 1)):
        fail(f"{label(model)} should return probabilities in [0, 1], found values from {outputs.min():.3g} to "
             f"{outputs.max():.3g}: end the network with a sigmoid")
    accuracy = float(np.mean(predicted == y))
    needed = threshold(threshold_name)
    record(f"{dataset} accuracy", accuracy, needed)
    if accuracy < needed:
        shown = _attach_boundary(model, plot_data, f"{label(model).strip('`')} on your {dataset} data")
        picture = "; the picture attached shows its decision boundary over your own training data" if shown else ""
        found = (f"{label(model)} on {len(X)} fresh {dataset} points: expected an accuracy of at least "
                 f"{needed:.2f}, found {accuracy:.3f}{picture}")
        constant = constant_predictions(predicted, y)
        if constant:
            fail(f"{found}: {constant}")
        fail(f"{found}: check the architecture (a non-linearity between layers?), the loss, the labels "
             "and the number of epochs")


def notebook_data(data: dict) -> tuple[np.ndarray, np.ndarray]:
    """The notebook's own deterministic data, regenerated by the grader (never read from the notebook):
    ``{"dataset": "circles", "num_samples": 200, "noise": 0.05, "seed": 3}``."""
    from student_lib import datasets

    options = dict(data)
    maker = {"circles": datasets.circles, "blobs": datasets.blobs,
             "radial": datasets.radial_classification}[options.pop("dataset")]
    X, y = maker(**options)
    return X.numpy(), y.numpy()


def best_neuron(X: np.ndarray, y: np.ndarray, iterations: int = 50) -> tuple[np.ndarray, float]:
    """The weights and bias (w1, ..., wd, b) of the one neuron with the lowest BCE on (X, y), and that BCE:
    Newton's method in float64 (BCE is convex in them, so every good training run ends there)."""
    A = np.column_stack([X.astype(np.float64), np.ones(len(X))])
    t = y.astype(np.float64).reshape(-1)
    theta = np.zeros(A.shape[1])
    for _ in range(iterations):
        p = sigmoid(A @ theta)
        hessian = A.T @ (A * (p * (1 - p))[:, None]) / len(A) + 1e-12 * np.eye(A.shape[1])
        step = np.linalg.solve(hessian, A.T @ (p - t) / len(A))
        theta -= step
        if np.max(np.abs(step)) < 1e-12:
            break
    return theta, _bce(sigmoid(A @ theta), t)


def _bce(p: np.ndarray, t: np.ndarray) -> float:
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return float(np.mean(-(t * np.log(p) + (1 - t) * np.log(1 - p))))


def check_trained_neuron(model: Any, *, data: dict, tolerance: float = 0.01) -> None:
    """``model`` is one neuron, sigmoid(w . x + b) of its own three parameters, trained on the notebook's
    ``data``: its parameters lie within ``tolerance`` of the lowest-BCE neuron the grader finds."""
    X, y = notebook_data(data)
    features = X.shape[1]
    probe = rng("neuron-inputs").normal(0.0, 1.5, size=(64, features)).astype(np.float32)
    captured = captured_model(model, probe.shape)
    trainable = [p for p in captured.parameters if p["trainable"]]
    shapes = sorted(tuple(p["shape"]) for p in trainable)
    if shapes != sorted([(1, features), (1,)]):
        count = sum(int(np.prod(p["shape"])) for p in trainable)
        fail(f"{label(model)} should be one neuron, nn.Linear({features}, 1) and a sigmoid, with "
             f"{features + 1} trainable parameters; found {count:,} in tensors of shapes "
             f"{', '.join(map(str, shapes)) or 'none'}")
    problem = network_problem(captured)
    if problem is not None:
        fail(f"{label(model)} should be one neuron, sigmoid(w . x + b): {problem}")
    values = {p["name"]: np.asarray(p["value"], dtype=np.float64) for p in trainable}
    weight = next(v for v in values.values() if v.shape == (1, features)).reshape(-1)
    bias = next(v for v in values.values() if v.shape == (1,))
    expected = sigmoid(probe.astype(np.float64) @ weight + bias[0])
    out = replay(captured, probe, None, label(model))
    if out.shape not in ((len(probe), 1), (len(probe),)) or np.max(np.abs(out.reshape(-1) - expected)) > 1e-5:
        fail(f"{label(model)} should compute sigmoid(w . x + b) with its own weight and bias (nn.Linear(2, 1) "
             "followed by nn.Sigmoid()); with the grader's inputs its output is something else")
    best, lowest = best_neuron(X, y)
    distance = float(np.max(np.abs(np.append(weight, bias) - best)))
    record("neuron distance from the best fit", distance, tolerance, higher_is_better=False)
    if distance > tolerance:
        found = _bce(sigmoid(X.astype(np.float64) @ weight + bias[0]), y.astype(np.float64))
        fail(f"{label(model)} is not trained: its BCE on the notebook's {len(X)} points is {found:.4f}, and "
             f"training reaches {lowest:.4f} (the loss is convex in a neuron's three parameters, so every "
             f"good run ends at the same weights; yours differ from them by up to {distance:.3f}, more than "
             f"{tolerance}): train it with `train`, nn.BCELoss() and Adam(lr=0.01) for 1000 epochs")


def check_binary_accuracy_function(fn: Any, *, num_features: int = 2) -> None:
    """``fn(model, X, y)`` returns the fraction of points whose thresholded probability equals the label."""
    sizes = [num_features, 1]
    for n, right in ((60, 42), (25, 19)):
        layers = random_mlp(sizes, f"acc-model-{n}")
        generator = rng(f"acc-data-{n}")
        X = generator.normal(0.0, 2.0, size=(4 * n, num_features)).astype(np.float32)
        p = mlp_formula(layers, X, "identity", "sigmoid").reshape(-1)
        X = X[np.abs(p - 0.5) > 1e-3][:n]  # no point sits on the decision boundary
        predicted = (mlp_formula(layers, X, "identity", "sigmoid").reshape(-1) >= 0.5).astype(np.int64)
        y = predicted.copy()
        wrong = generator.choice(n, size=n - right, replace=False)
        y[wrong] = 1 - y[wrong]
        value = observe("call_with_model", fn, mlp_spec(sizes, output="sigmoid"), _flat(layers), X, y,
                        kinds=["float32", "int64"])
        found = _single_number(value, f"{label(fn)}(model, X, y)")
        expected = right / n
        if not abs(found - expected) <= 1e-4:
            fail(f"{label(fn)} on a model whose thresholded predictions match {right} of {n} labels: "
                 f"expected {expected:.4f}, found {found:.4f}: threshold the (n, 1) probabilities at "
                 "0.5 and compare a tensor of shape (n,) with the labels (n,); comparing (n, 1) with "
                 "(n,) broadcasts to an (n, n) table")


def check_reported_accuracy(model: Any, reported: Any, *, data: dict, tolerance: float = 1e-4) -> None:
    """``reported`` is the accuracy of the binary ``model`` on the notebook's ``data``, which the grader
    regenerates itself (:func:`notebook_data`) and measures on within ``tolerance``."""
    X, y = notebook_data(data)
    captured = captured_model(model, X.shape)
    predicted = labels_from_output(replay(captured, X, None, label(model)), label(model), len(X), 2)
    measured = float(np.mean(predicted == y.reshape(-1).astype(np.int64)))
    value = _number_value(reported)
    if not abs(value - measured) <= tolerance:
        fail(f"{label(reported)} should be the accuracy of {label(model)} on the notebook's {len(X)} points: "
             f"the grader measures {measured:.4f}, the notebook says {value:.4f} (they must agree within "
             f"{tolerance:g}): compute it with your accuracy function on those points")


def _number_value(obj: Any) -> float:
    return _single_number(observe("value", obj), label(obj))


def check_predict_labels(fn: Any, *, num_features: int = 2, classes: int = 5, num_samples: int = 50) -> None:
    """``fn(model, X)`` returns the argmax class of a multi-class model as int64 labels of shape (n,)."""
    sizes = [num_features, 8, classes]
    layers = random_mlp(sizes, "labels-model")
    X = rng("labels-data").normal(0.0, 2.0, size=(num_samples, num_features)).astype(np.float32)
    scores = mlp_formula(layers, X, "relu", None)
    top2 = np.sort(scores, axis=1)[:, -2:]
    X = X[top2[:, 1] - top2[:, 0] > 1e-3]
    expected = mlp_formula(layers, X, "relu", None).argmax(axis=1)
    value = observe("call_with_model", fn, mlp_spec(sizes, "relu"), _flat(layers), X)
    found = np.asarray(value) if value is not None else None
    if found is None or found.dtype.kind not in "biuf":
        fail(f"{label(fn)}(model, X) should return a tensor of class labels, found "
             f"{'None' if value is None else type(value).__name__}")
    if found.shape != (len(X),):
        fail(f"{label(fn)} on {len(X)} points of a {classes}-class model: expected labels of shape "
             f"({len(X)},), found {found.shape}: take the argmax over the class dimension (dim=1)")
    if found.dtype.kind == "f":
        fail(f"{label(fn)} should return integer labels (torch.long), found floats: use argmax, "
             "which returns int64")
    wrong = int(np.sum(found != expected))
    if wrong:
        fail(f"{label(fn)} on {len(X)} points of a {classes}-class model: {wrong} labels differ from "
             "the class with the largest output: return model(X).argmax(dim=1)")


def check_returns_logits(model: Any, *, num_features: int = 2, classes: int = 5, args: list | tuple = (),
                         scale: float = 8.0, num_samples: int = 64) -> None:
    """``model`` returns one unnormalised score per class (logits), not softmax probabilities."""
    X = rng("logits-inputs").uniform(-scale, scale, size=(num_samples, num_features)).astype(np.float32)
    out = np.asarray(observe("forward", model, X, args=list(args))["output"], dtype=np.float64)
    if out.shape != (num_samples, classes):
        fail(f"{label(model)} on an input of shape {X.shape}: expected {classes} scores per point, "
             f"shape ({num_samples}, {classes}), found {out.shape}")
    refuse_probabilities(out, model)


def check_logits_network(model_class: Any, *, num_features: int = 2, classes: int = 5,
                         scale: float = 1.0, num_samples: int = 64) -> None:
    """A new ``model_class()`` is a network of nn.Linear layers with a non-linearity between them whose
    output is the last layer's raw scores (logits), shape (n, classes): no softmax after it.

    Read from its captured forward pass: the operator that makes the output must be a linear map (or
    the bias added to one); with grader-chosen weights the network must not be an affine function of
    its input (no activation between the layers makes it one).
    """
    X = rng("logits-network-inputs").normal(0.0, 2.0, size=(num_samples, num_features)).astype(np.float32)
    captured = captured_model(model_class, X.shape)
    subject = label(model_class)
    problem = network_problem(captured)
    if problem is not None:
        fail(f"{subject} should be a network of nn.Linear layers and activations: {problem}")
    nodes = captured.graph["nodes"]
    output = captured.graph["output"]
    last = nodes[output[1]] if output[:1] == ["n"] else None
    packet = "" if last is None else _packet(last["op"])
    before = [_packet(nodes[r[1]]["op"]) for r in _refs(last["args"]) if r[:1] == ["n"]] if last else []
    if not (packet in LINEAR_MAPS or packet == "add" and any(p in LINEAR_MAPS for p in before)):
        fail(f"{subject} should return the raw scores of its last nn.Linear (logits); its forward pass ends "
             f"with aten.{packet or 'nothing'} after it: remove the softmax (or other function) at the end, "
             "nn.CrossEntropyLoss applies log-softmax itself")
    generator = rng("logits-network-weights")
    values = {p["name"]: (scale * generator.standard_normal(p["shape"]) / np.sqrt(max(p["shape"][-1], 1))
                          ).astype(np.float32) for p in captured.parameters}
    out = replay(captured, X, values, subject)
    if out.shape != (num_samples, classes):
        fail(f"{subject} on an input of shape {X.shape}: expected {classes} scores per point, shape "
             f"({num_samples}, {classes}), found {out.shape}")
    A = np.column_stack([X.astype(np.float64), np.ones(num_samples)])
    fitted, *_ = np.linalg.lstsq(A, out, rcond=None)
    residual = float(np.max(np.abs(A @ fitted - out)))
    if residual <= 1e-4 * max(1.0, float(np.max(np.abs(out)))):
        fail(f"{subject}: with weights chosen by the grader its scores are an affine function of the input "
             "(one set of straight boundaries): put a non-linearity (ReLU, tanh) between the layers")


def refuse_probabilities(out: np.ndarray, model: Any) -> None:
    """Scores (n, classes) must be finite logits: not softmax probabilities, not log-probabilities."""
    if not np.all(np.isfinite(out)):
        fail(f"{label(model)} returned NaN or infinite values")
    if np.all((out >= 0) & (out <= 1)) and np.allclose(out.sum(axis=1), 1.0, atol=1e-4):
        fail(f"{label(model)} returns probabilities (every row sums to 1): return the raw scores "
             "(logits) of the last nn.Linear; nn.CrossEntropyLoss applies log-softmax itself, and a "
             "softmax before it flattens the gradients so the loss stalls")
    if np.all(out <= 0) and np.allclose(np.exp(out).sum(axis=1), 1.0, atol=1e-4):
        fail(f"{label(model)} returns log-probabilities (log_softmax): return the raw scores of the last "
             "nn.Linear, which nn.CrossEntropyLoss expects")


def check_mlp_function(model: Any, *, sizes: list[int], activation: str = "relu", output: str | None = "sigmoid",
                       args: list | tuple = (), tolerance: float = 1e-5) -> None:
    """``model(*args)`` is exactly the MLP ``sizes`` (nn.Linear layers) with ``activation`` between layers.

    The grader loads weights of its own into the student's parameters (matched by shape) and compares
    the output with the formula, so named layers, nn.Sequential and torch.nn.functional all pass.
    """
    arch = observe("architecture", model, args=list(args))
    params = [(p["name"], tuple(p["shape"])) for p in arch["parameters"] if p["trainable"]]
    expected_shapes = [s for layer in layer_shapes(sizes) for s in layer]
    expected_count = sum(int(np.prod(s)) for s in expected_shapes)
    found_count = sum(int(np.prod(s)) for _, s in params)
    if sorted(s for _, s in params) != sorted(expected_shapes):
        widths = "-".join(map(str, sizes))
        fail(f"{label(model)}: a {widths} network of nn.Linear layers has {expected_count:,} trainable "
             f"parameters in weights and biases of shapes {', '.join(map(str, expected_shapes))}; found "
             f"{found_count:,} in {', '.join(str(s) for _, s in params) or 'none'}: check the layer "
             "sizes and that every layer has a bias")
    layers = random_mlp(sizes, "mlp-weights")
    values = layer_values(layers, params)
    X = rng("mlp-inputs").normal(0.0, 1.5, size=(40, sizes[0])).astype(np.float32)
    seen = observe("forward_with", model, X, values, args=list(args))
    out = np.asarray(seen["output"], dtype=np.float64)
    expected = mlp_formula(layers, X, activation, output)
    if out.shape != expected.shape:
        fail(f"{label(model)}: expected an output of shape {expected.shape}, found {out.shape}")
    error = float(np.max(np.abs(out - expected)))
    if error <= tolerance:
        return
    diagnoses = [("identity", output, "there is no non-linearity between the layers"),
                 ("tanh" if activation != "tanh" else "relu", output,
                  f"it uses another activation between the layers, expected {activation}"),
                 (activation, None if output else "sigmoid",
                  "the output layer's sigmoid is missing" if output else "there should be no sigmoid at the output")]
    for act, out_kind, reason in diagnoses:
        if np.max(np.abs(out - mlp_formula(layers, X, act, out_kind))) <= tolerance:
            fail(f"{label(model)}: with weights chosen by the grader the output is not that of the "
                 f"{'-'.join(map(str, sizes))} network: {reason}")
    fail(f"{label(model)}: with weights chosen by the grader the output differs from the "
         f"{'-'.join(map(str, sizes))} network with {activation} between layers by up to {error:.3g}: "
         "apply the layers in order, with the activation after every layer but the last")


def _grid() -> tuple[np.ndarray, np.ndarray]:
    return np.meshgrid(np.linspace(-3.0, 3.0, 37), np.linspace(-2.0, 2.5, 23))


def check_predict_grid(fn: Any, *, classes: int = 2, compare_labels: bool = True) -> None:
    """``fn(model, xx, yy)`` returns the model's class labels at the grid points, with the shape of ``xx``.

    Binary models (one sigmoid output) give 1 where p >= 0.5; k-class models (k logits) the argmax.
    With ``compare_labels`` False only the shape is checked (the public, format-only test); with it,
    the labels must also be the student's own work: no ``student_lib`` code may run during the call.
    """
    sizes = [2, 16, 1 if classes == 2 else classes]
    output = "sigmoid" if classes == 2 else None
    layers = random_mlp(sizes, f"grid-model-{classes}")
    xx, yy = _grid()
    seen = observe("call_with_model_noting_library", fn, mlp_spec(sizes, "relu", output=output),
                   _flat(layers), xx, yy, kinds=["numpy", "numpy"])
    value = seen["result"]
    found = None if value is None or isinstance(value, (dict, str)) else np.asarray(value)
    kind = "binary (one sigmoid output)" if classes == 2 else f"{classes}-class (logits)"
    if found is None or found.dtype.kind not in "biuf":
        fail(f"{label(fn)}(model, xx, yy) should return an array of labels, found "
             f"{'None' if value is None else type(value).__name__}")
    if found.shape != xx.shape:
        fail(f"{label(fn)} for a {kind} model on a grid whose xx has shape {xx.shape}: expected labels "
             f"of shape {xx.shape}, found {found.shape}: reshape the labels with xx.shape")
    if not compare_labels:
        return
    if seen["library"] or not seen["intact"]:
        fail(f"{label(fn)} should evaluate the model on the grid itself; while it ran, "
             + (f"code of {', '.join(seen['library'])} did the work" if seen["library"]
                else "it switched off the grader's record of which library code runs")
             + ": stack the grid points, run the model and turn its outputs into labels in your own code")
    points = np.column_stack([xx.ravel(), yy.ravel()]).astype(np.float32)
    scores = mlp_formula(layers, points, "relu", output)
    if classes == 2:
        expected = (scores.reshape(-1) >= 0.5).astype(np.int64)
        clear = np.abs(scores.reshape(-1) - 0.5) > 1e-4
    else:
        expected = scores.argmax(axis=1)
        top2 = np.sort(scores, axis=1)[:, -2:]
        clear = top2[:, 1] - top2[:, 0] > 1e-4
    wrong = int(np.sum((found.reshape(-1) != expected) & clear))
    if wrong:
        rule = "1 where the probability is at least 0.5" if classes == 2 else "the argmax over classes"
        fail(f"{label(fn)} for a {kind} model: {wrong} of {xx.size} grid labels are wrong: stack the "
             f"points as columns (xx.ravel(), yy.ravel()), x first, and take {rule}")
