"""Checks for the MNIST homework (HW4): data loaders, baselines, evaluation and training loops, CNNs.

Held-out digits stay here. The grader reads the test split of the digit files itself; models
trained in the student's process come back captured (tensors and forward operators) and the grader
computes their predictions and compares them with labels, neither of which leaves this process. Training for the accuracy checks happens in the student's process on
training digits only, on the device of the grading profile (``NNCOURSE_DEVICE``), within the
profile's budgets: ``train_digits`` (how many training digits), ``mlp_epochs``, ``mlp_lr``,
``cnn_epochs``, ``cnn_lr``, ``heldout_digits`` (how many test digits are scored) and
``full_mnist`` (1: use full MNIST when the grader's machine has it, else the bundled sample).
With full MNIST the thresholds are the profile's ``<name>``; with the sample a profile may give
``<name>_sample`` instead.

Where the digits are. Training digits: the bundled sample in ``student_lib`` (8,000), which
notebooks load too. Held-out digits: the sample's other 2,000 live with the grader only, in the
master's ``data/mnist-heldout/`` folder, which the build copies into the grading bundle (hidden from
the student's process by the sandbox; never in a package the student can import). The grader reads
them here and never sends them to the student's process: trained models come back captured and are
replayed here, and the scikit-learn baseline comes back as its fitted arrays.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any

import numpy as np

from autograder.checks.base import CheckFailed, budget, current, fail, label, observe, record, rng, seed_for
from autograder.checks.classification import refuse_probabilities
from autograder.checks.diagnose import constant_predictions, optimizer_misuse
from autograder.checks.replay import Captured, _packet, flow, output_node, reaches
from autograder.checks.verified import capture as capture_model, replay_batches, sklearn_predict
from autograder.checks.reference import layer_shapes, layer_values, linear_widths, mlp_formula, mlp_spec, random_mlp
from student_lib.datasets import idx_file, read_idx

MLP_SPEC = mlp_spec([784, 64, 64, 64, 10], "tanh", flatten=True)
EVAL_SPEC = mlp_spec([784, 32, 10], "tanh", dropout=0.5, flatten=True)
LINEAR_SPEC = mlp_spec([784, 10], flatten=True)
DEVICE_HINT = ("; the grader runs your code on the device it passes in: move tensors with "
               "`.to(device)` using the `device` argument, never a hard-coded \"cuda\"")


# --- grader-side formulas ------------------------------------------------------------------------


# --- the digits the grader holds ---------------------------------------------------------------

HELDOUT_DIR = "mnist-heldout"  # in the grading bundle's data folder


def digit_folder() -> tuple[str, str]:
    """(folder of training IDX files, "full" | "sample"): full MNIST when the profile allows it and it is present."""
    from student_lib import datasets

    if budget("full_mnist", 0) >= 1 and datasets.mnist_source() == "full":
        return str(datasets._candidate_root(None) / "MNIST" / "raw"), "full"
    return str(datasets.SAMPLE_DIR), "sample"


def heldout_folder(source: str) -> str:
    """The folder of the held-out (``t10k``) IDX files for ``source``: full MNIST's own, or the
    grading bundle's ``data/mnist-heldout`` for the sample (in a development checkout, the master's)."""
    if source == "full":
        return digit_folder()[0]
    from autograder import paths

    for folder in (Path(current().data_dir) / HELDOUT_DIR if current().data_dir else None,
                   paths.solutions_dir() / "hw04" / "data" / HELDOUT_DIR):
        if folder is not None and idx_file(folder, "t10k-labels-idx1-ubyte") is not None:
            return str(folder)
    raise RuntimeError("the grader's held-out digits are missing: rebuild the bundle (nncourse build hw04)")


@functools.lru_cache(maxsize=4)
def _split(folder: str, split: str) -> tuple[np.ndarray, np.ndarray]:
    images = read_idx(idx_file(folder, f"{split}-images-idx3-ubyte"))
    labels = read_idx(idx_file(folder, f"{split}-labels-idx1-ubyte")).astype(np.int64)
    return images, labels


def heldout_digits(source: str) -> tuple[np.ndarray, np.ndarray]:
    """The held-out split (or a grader-seeded part of it, ``heldout_digits`` long): uint8 (n, 28, 28), int64 (n,)."""
    images, labels = _split(heldout_folder(source), "t10k")
    n = int(budget("heldout_digits", len(images)))
    if n < len(images):
        chosen = np.sort(rng("heldout").permutation(len(images))[:n])
        images, labels = images[chosen], labels[chosen]
    return images, labels


def digit_threshold(name: str, source: str) -> float:
    """The profile's threshold ``name``, or ``name_sample`` when grading on the bundled sample and it exists."""
    thresholds = current().thresholds
    key = f"{name}_sample" if source == "sample" and f"{name}_sample" in thresholds else name
    if key not in thresholds:
        raise KeyError(f"threshold {key!r} is not in the grading profile; hidden checks run under `nncourse grade`")
    return float(thresholds[key])


def _observe(probe: str, *args: Any, **kwargs: Any) -> Any:
    """observe(), with a hint added when the student's code asked for a GPU the grader does not use."""
    try:
        return observe(probe, *args, **kwargs)
    except CheckFailed as exc:
        text = str(exc)
        if any(word in text for word in ("cuda", "CUDA", "NVIDIA")):
            raise CheckFailed(text + DEVICE_HINT) from None
        raise


def _accuracy_message(what: str, accuracy: float, needed: float, n: int, source: str, advice: str) -> str:
    data = "the grader's held-out part of the bundled sample" if source == "sample" else "the MNIST test split"
    return (f"{what} on {n:,} held-out digits from {data}: expected an accuracy of at least {needed:.3f}, "
            f"found {accuracy:.3f}: {advice}")


# --- q1: data ----------------------------------------------------------------------------------

def check_digit_batch_format(images: Any, labels: Any, flat_images: Any) -> None:
    """Format only: a batch of (B, 1, 28, 28) float32 images, (B,) labels and the batch flattened to (B, 784)."""
    x = np.asarray(observe("value", images))
    y = np.asarray(observe("value", labels))
    flat = np.asarray(observe("value", flat_images))
    if x.ndim != 4 or x.shape[1:] != (1, 28, 28):
        fail(f"{label(images)} should be a batch of shape (B, 1, 28, 28), found {x.shape}")
    if x.dtype != np.float32:
        fail(f"{label(images)} should hold float32 pixels, found {x.dtype}")
    if y.shape != (len(x),):
        fail(f"{label(labels)} should have shape ({len(x)},), one label per image, found {y.shape}")
    if flat.shape != (len(x), 784):
        fail(f"{label(flat_images)} should have shape ({len(x)}, 784), found {flat.shape}")


def check_digit_loader(loader: Any, images: Any, flat_images: Any) -> None:
    """The loader gives float32 (B, 1, 28, 28) images in [0, 1] and int64 labels 0-9; the flat batch is their reshape."""
    seen = _observe("loader_batches", loader, max_batches=2)
    if not seen["batches"]:
        fail(f"{label(loader)} gave no batches: build it from the training dataset")
    for batch in seen["batches"]:
        x, y = np.asarray(batch["images"]), np.asarray(batch["labels"])
        if x.ndim != 4 or x.shape[1:] != (1, 28, 28):
            fail(f"batches of {label(loader)} should hold images of shape (B, 1, 28, 28), found {x.shape}")
        if batch["image_dtype"] != "float32":
            fail(f"images from {label(loader)} should be float32, found {batch['image_dtype']}")
        if x.min() < 0 or x.max() > 1 or x.max() < 0.5:
            fail(f"images from {label(loader)} should be scaled to [0, 1], found values from {x.min():.3g} to "
                 f"{x.max():.3g}: use transforms.ToTensor() (which divides by 255) and no normalisation")
        if batch["label_dtype"] != "int64" or y.shape != (len(x),) or y.min() < 0 or y.max() > 9:
            fail(f"labels from {label(loader)} should be int64 classes 0-9 of shape ({len(x)},), found "
                 f"{batch['label_dtype']} of shape {y.shape}")
    x = np.asarray(observe("value", images), dtype=np.float32)
    flat = np.asarray(observe("value", flat_images), dtype=np.float32)
    if x.ndim != 4 or flat.shape != (len(x), 784) or not np.array_equal(flat, x.reshape(len(x), 784)):
        fail(f"{label(flat_images)} should be {label(images)} with each image's 28 x 28 pixels laid out in one "
             "row of 784, row after row: use images.reshape(len(images), -1) or nn.Flatten()")


@functools.lru_cache(maxsize=4)
def _fingerprints(folder: str, split: str) -> frozenset[bytes]:
    images, _ = _split(folder, split)
    return frozenset(hashlib.sha1(image.tobytes()).digest() for image in images)


def check_loader_uses_training_split(loader: Any, max_batches: int = 4) -> None:
    """Every digit the training loader gives comes from the training split, none from the test split."""
    from student_lib.datasets import SAMPLE_DIR

    seen = _observe("loader_batches", loader, max_batches=max_batches)
    pixels = [np.asarray(b["images"], dtype=np.float64) for b in seen["batches"]]
    if not pixels or any(p.ndim != 4 or p.shape[1:] != (1, 28, 28) for p in pixels):
        fail(f"{label(loader)} should give batches of images of shape (B, 1, 28, 28)")
    images = np.concatenate(pixels)
    as_bytes = np.clip(np.rint(images * 255.0), 0, 255).astype(np.uint8).reshape(-1, 28, 28)
    marks = [hashlib.sha1(image.tobytes()).digest() for image in as_bytes]
    test = sum(mark in _fingerprints(heldout_folder("sample"), "t10k") for mark in marks)
    train = sum(mark in _fingerprints(str(SAMPLE_DIR), "train") for mark in marks)
    if test:
        fail(f"{label(loader)}: {test} of the first {len(marks)} digits it gives come from the test split: "
             "train on load_mnist(train=True) only and keep the test split for the final evaluation")
    if train < len(marks) // 2:
        fail(f"{label(loader)}: only {train} of the first {len(marks)} digits it gives are MNIST training "
             "digits as load_mnist(train=True) returns them: load them with the default ToTensor transform")


# --- q2: the scikit-learn baseline -------------------------------------------------------------

# settings of the student's LogisticRegression the grader copies when it refits one (bounded below)
REFIT_SETTINGS = ("C", "penalty", "solver", "max_iter", "tol", "fit_intercept", "intercept_scaling",
                  "class_weight", "l1_ratio", "random_state", "dual")


def _baseline(model: Any) -> dict:
    """The fitted arrays and settings of the student's LogisticRegression, or a failure saying what it is."""
    fitted = _observe("sklearn_fitted", model)
    if not fitted.get("exact") or fitted.get("kind") != "linear":
        fail(f"{label(model)} should be a fitted scikit-learn LogisticRegression, found a {fitted.get('type')}: "
             "fit LogisticRegression(max_iter=200) itself, not another model or a subclass")
    if np.asarray(fitted["coef"]).shape[-1] != 784:
        fail(f"{label(model)} was fitted on {np.asarray(fitted['coef']).shape[-1]} features per digit: flatten "
             "the images to (n, 784)")
    return fitted


def _baseline_predictions(fitted: dict, images: np.ndarray, subject: str) -> np.ndarray:
    """The baseline's classes for ``images`` (uint8 or floats in [0, 1]), computed here from its arrays."""
    array = np.asarray(images)
    X = array.reshape(len(array), 784).astype(np.float64)
    if array.dtype == np.uint8:
        X /= 255.0
    return np.asarray(sklearn_predict(fitted, X, subject)).astype(np.int64)


def check_baseline_accuracy(model: Any, *, threshold_name: str) -> None:
    """The fitted LogisticRegression, predicting with its own arrays here, reaches the threshold on held-out digits."""
    fitted = _baseline(model)
    _, source = digit_folder()
    images, labels = heldout_digits(source)
    predicted = _baseline_predictions(fitted, images, label(model))
    accuracy = float(np.mean(predicted == labels))
    needed = digit_threshold(threshold_name, source)
    record("baseline accuracy", accuracy, needed)
    if accuracy < needed:
        cause = constant_predictions(predicted, labels)
        fail(_accuracy_message(label(model), accuracy, needed, len(labels), source,
                               cause or "fit it on flattened training digits scaled to [0, 1] (shape (n, 784))"))


def _dataset_digits(dataset: Any, count: int) -> tuple[np.ndarray, np.ndarray]:
    seen = _observe("dataset_digits", dataset, count)
    images = np.asarray(seen["images"])
    labels = np.asarray(seen["labels"]).reshape(-1).astype(np.int64)
    if images.ndim < 2 or images.size != len(images) * 784 or len(labels) != len(images):
        fail(f"{label(dataset)} should hold (image, label) pairs with 28 x 28 images, found images of shape "
             f"{images.shape[1:]}")
    return images.reshape(len(images), 784), labels


_refits: dict[str, Any] = {}


def _refit(settings: dict, X: np.ndarray, y: np.ndarray) -> Any:
    """A LogisticRegression with ``settings`` fitted here on (X, y); kept for the next submission alike."""
    import json
    import warnings

    from sklearn.linear_model import LogisticRegression

    key = hashlib.sha256(json.dumps(settings, sort_keys=True).encode() + X.tobytes() + y.tobytes()).hexdigest()
    if key not in _refits:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if len(_refits) >= 4:
                _refits.clear()
            _refits[key] = LogisticRegression(**settings).fit(X, y)
    return _refits[key]


def _refit_settings(fitted: dict, subject: str) -> dict:
    settings = {k: v for k, v in (fitted.get("params") or {}).items() if k in REFIT_SETTINGS}
    iterations, tol = settings.get("max_iter", 100), settings.get("tol", 1e-4)
    if not isinstance(iterations, int) or not 1 <= iterations <= 10_000 or not isinstance(tol, (int, float)) or tol < 1e-8:
        fail(f"{subject}: the grader refits LogisticRegression with your settings and accepts max_iter up to "
             f"10,000 and tol from 1e-8, found max_iter={iterations!r}, tol={tol!r}")
    return settings


def check_baseline_fitted_on(model: Any, dataset: Any, *, count: int, threshold_name: str) -> None:
    """The baseline was fitted on the first ``count`` digits of ``dataset``: a LogisticRegression with the
    student's settings, fitted here on those digits, predicts the same class for at least the threshold's
    share of the held-out digits (the same digits in any order agree on 99.9 %, other digits on about 90 %)."""
    fitted = _baseline(model)
    X, y = _dataset_digits(dataset, count)
    if len(X) < count:
        fail(f"{label(dataset)} holds {len(X):,} digits; the baseline is fitted on its first {count:,}")
    refit = _refit(_refit_settings(fitted, label(model)), X.astype(np.float32), y)
    _, source = digit_folder()
    agreement = digit_threshold(threshold_name, source)
    images, _ = heldout_digits(source)
    X_held = images.reshape(len(images), 784).astype(np.float32) / np.float32(255.0)
    ours = refit.predict(X_held).astype(np.int64)
    theirs = _baseline_predictions(fitted, images, label(model))
    same = float(np.mean(ours == theirs))
    record("baseline agreement", same, agreement)
    if same < agreement:
        fail(f"{label(model)}: a LogisticRegression with its settings, fitted by the grader on the first {count:,} "
             f"digits of {label(dataset)}, predicts the same digit as yours for {same:.1%} of {len(images):,} "
             f"held-out digits; at least {agreement:.0%} was expected: fit it on exactly those {count:,} digits "
             "(a DataLoader with batch_size=2000, not shuffled), not on other, fewer or more digits")


def check_baseline_reported_accuracy(model: Any, reported: Any, dataset: Any, *, limit: int = 10_000) -> None:
    """``reported`` is the baseline's accuracy on all of ``dataset``, recomputed here from its arrays."""
    fitted = _baseline(model)
    X, y = _dataset_digits(dataset, limit)
    accuracy = float(np.mean(_baseline_predictions(fitted, X.astype(np.float32), label(model)) == y))
    value = observe("value", reported)
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "iuf":
        value = float(value.reshape(()))
    what = (f"{label(reported)}: {label(model)} classifies {accuracy:.4f} of the {len(y):,} digits of "
            f"{label(dataset)} correctly (recomputed by the grader)")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
        fail(f"{what}; found {value!r}, not a number: store the accuracy as a Python float")
    if abs(value - accuracy) <= 0.5 / len(y) + 1e-9:
        return
    if abs(value - 100 * accuracy) <= 50 / len(y) + 1e-6:
        fail(f"{what}; found {value:.4g}, a percentage: store the fraction between 0 and 1")
    fail(f"{what}; found {value:.4f}: compute it with {label(model)}.score on all of {label(dataset)}'s "
         "digits, flattened to (n, 784)")


# --- q3: the MLP -------------------------------------------------------------------------------

def check_tanh_mlp_layers(model: Any, *, sizes: list[int], args: list | tuple = (), tolerance: float = 1e-4) -> None:
    """With grader weights, ``model(*args)`` computes the ``sizes`` network with tanh between layers.

    Softmax at the end is not judged here (``check_returns_logits`` does that), so one bug costs one test.
    """
    arch = observe("architecture", model, args=list(args))
    params = [(p["name"], tuple(p["shape"])) for p in arch["parameters"] if p["trainable"]]
    expected_shapes = [s for layer in layer_shapes(sizes) for s in layer]
    widths = "-".join(map(str, sizes))
    if sorted(s for _, s in params) != sorted(expected_shapes):
        fail(f"{label(model)}({', '.join(map(str, args))}): a {widths} network has weights and biases of "
             f"shapes {', '.join(map(str, expected_shapes))}; found {', '.join(str(s) for _, s in params) or 'none'}: "
             "use the width argument for every hidden layer")
    layers = random_mlp(sizes, "tanh-mlp")
    values = layer_values(layers, params)
    X = rng("tanh-mlp-inputs").uniform(0.0, 1.0, size=(32, 1, 28, 28)).astype(np.float32)
    out = np.asarray(observe("digit_forward", model, X, values=values, args=list(args))["output"], dtype=np.float64)
    expected = mlp_formula(layers, X.reshape(32, -1), "tanh")
    if out.shape != expected.shape:
        fail(f"{label(model)} on images of shape {X.shape}: expected an output of shape {expected.shape}, "
             f"found {out.shape}: flatten the images first")
    softmax = np.exp(expected - expected.max(axis=1, keepdims=True))
    softmax /= softmax.sum(axis=1, keepdims=True)
    if np.max(np.abs(out - expected)) <= tolerance or np.max(np.abs(out - softmax)) <= tolerance:
        return
    for act, reason in (("identity", "there is no activation between the layers"),
                        ("relu", "it uses ReLU between the layers where the question asks for Tanh")):
        if np.max(np.abs(out - mlp_formula(layers, X.reshape(32, -1), act))) <= tolerance:
            fail(f"{label(model)}: with weights chosen by the grader the output is not that of the {widths} "
                 f"network with Tanh: {reason}")
    fail(f"{label(model)}: with weights chosen by the grader the output differs from the {widths} network "
         f"with Tanh between layers by up to {np.max(np.abs(out - expected)):.3g}: apply Flatten, then the "
         "layers in order with Tanh after every layer but the last")


def check_digit_logits(model: Any, *, args: list | tuple = ()) -> None:
    """``model(*args)`` returns ten raw scores per image (logits), not softmax probabilities."""
    X = rng("logits-images").uniform(0.0, 1.0, size=(16, 1, 28, 28)).astype(np.float32)
    out = np.asarray(observe("digit_forward", model, X, args=list(args))["output"], dtype=np.float64)
    if out.shape != (16, 10):
        fail(f"{label(model)} on images of shape {X.shape}: expected 10 scores per image, shape (16, 10), "
             f"found {out.shape}")
    refuse_probabilities(out, model)


# --- q4: evaluate ------------------------------------------------------------------------------

def _evaluation_case(n: int = 150, batch_size: int = 64, share: float = 0.65, tag: str = "eval-data") -> dict:
    """A grader model, images with clear predictions, labels with exactly ``right`` of ``n`` correct
    (``right`` a little over ``share`` of ``n``, drawn from the grader's seed)."""
    layers = random_mlp(linear_widths(EVAL_SPEC), "eval-model")
    generator = rng(tag)
    images = generator.integers(0, 256, size=(3 * n, 28, 28)).astype(np.uint8)
    scores = mlp_formula(layers, images.reshape(len(images), -1).astype(np.float32) / 255.0, "tanh")
    top2 = np.sort(scores, axis=1)[:, -2:]
    keep = np.flatnonzero(top2[:, 1] - top2[:, 0] > 1e-3)[:n]
    images, predicted = images[keep], scores[keep].argmax(axis=1)
    right = int(share * n) + int(generator.integers(0, 10))
    for _ in range(20):
        correct = np.zeros(n, dtype=bool)
        correct[generator.choice(n, size=right, replace=False)] = True
        per_batch = [correct[i:i + batch_size].mean() for i in range(0, n, batch_size)]
        if abs(np.mean(per_batch) - right / n) > 2e-3:
            break
    labels = np.where(correct, predicted, (predicted + 1 + generator.integers(0, 9, size=n)) % 10)
    return {"layers": layers, "images": images, "labels": labels.astype(np.int64), "expected": right / n,
            "batch_mean": float(np.mean(per_batch)), "n": n, "batch_size": batch_size}


def _run_evaluate(fn: Any, case: dict) -> dict:
    params = [p for layer in case["layers"] for p in layer]
    seen = _observe("evaluate_reference", fn, EVAL_SPEC, params, case["images"], case["labels"],
                    batch_size=case["batch_size"])
    result = seen["result"]
    array = None if isinstance(result, (dict, str)) or result is None else np.asarray(result)
    if array is None or array.dtype.kind not in "biuf" or array.size != 1:
        fail(f"{label(fn)}(model, loader, device) should return the accuracy as one number, found "
             f"{'None' if result is None else type(result).__name__}")
    seen["value"] = float(array.reshape(()))
    return seen


def check_evaluate_format(fn: Any) -> None:
    """Format only: ``fn(model, loader, device)`` returns one number between 0 and 1."""
    seen = _run_evaluate(fn, _evaluation_case(n=40, batch_size=16))
    if not 0 <= seen["value"] <= 1:
        fail(f"{label(fn)} should return a fraction between 0 and 1, found {seen['value']:.4g}")


def check_evaluate_accuracy(fn: Any) -> None:
    """On two grader models with dropout whose accuracies are known (and differ), ``fn`` returns exactly
    those accuracies: a constant, or a number computed from anything but the loader, cannot match both."""
    cases = [_evaluation_case(), _evaluation_case(n=110, batch_size=48, share=0.8, tag="eval-data-2")]
    runs = [_run_evaluate(fn, case) for case in cases]
    for case, seen in zip(cases, runs):
        _judge_evaluation(fn, case, seen)


def _judge_evaluation(fn: Any, case: dict, seen: dict) -> None:
    value, expected = seen["value"], case["expected"]
    what = (f"{label(fn)} on a grader model that classifies {round(expected * case['n'])} of {case['n']} digits "
            f"correctly (batches of {case['batch_size']})")
    if seen["changed"]:
        fail(f"{what}: the model's parameters changed during evaluation: evaluate must not train")
    if abs(value - expected) <= 1e-4:
        return
    if not seen["calls"]:
        fail(f"{what}: expected {expected:.4f}, found {value:.4f}, without calling the model: compute the "
             "accuracy from the model's predictions on the loader's batches")
    if any(call["training"] for call in seen["calls"]):
        fail(f"{what}: expected {expected:.4f}, found {value:.4f}: the model ran in training mode, where "
             "dropout changes its predictions: call model.eval() before the loop")
    if abs(value - 100 * expected) <= 1e-2:
        fail(f"{what}: expected {expected:.4f}, found {value:.4f}: return a fraction, not a percentage")
    if abs(value - case["batch_mean"]) <= 1e-4:
        fail(f"{what}: expected {expected:.4f}, found {value:.4f}, the mean of per-batch accuracies: the last "
             "batch is smaller, so count correct predictions and divide by the number of digits")
    fail(f"{what}: expected {expected:.4f}, found {value:.4f}: count predictions (argmax over dim 1) equal "
         "to the labels over every batch and divide by the number of digits")


def check_evaluate_no_grad(fn: Any) -> None:
    """``fn`` runs the model in eval mode without building autograd graphs."""
    seen = _run_evaluate(fn, _evaluation_case(n=40, batch_size=16))
    calls = seen["calls"]
    if not calls:
        fail(f"{label(fn)} never called the model it was given")
    if any(call["grad"] for call in calls):
        fail(f"{label(fn)} ran the model with gradient tracking on ({sum(c['grad'] for c in calls)} of "
             f"{len(calls)} calls): wrap the loop in `with torch.no_grad():` so evaluation stores no graph")
    if any(call["training"] for call in calls):
        fail(f"{label(fn)} ran the model in training mode: call model.eval() before the loop")


# --- q5: train_one_epoch -----------------------------------------------------------------------

def _softmax_ce(W: np.ndarray, b: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    logits = x @ W.T + b
    logits = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(logits)
    p /= p.sum(axis=1, keepdims=True)
    loss = float(-np.mean(np.log(p[np.arange(len(y)), y])))
    grad = p.copy()
    grad[np.arange(len(y)), y] -= 1.0
    grad /= len(y)
    return loss, grad.T @ x, grad.sum(axis=0)


def _reference_epoch(W, b, x, y, batch_size, lr, accumulate=False):
    snapshots, losses = [], []
    gW, gb = np.zeros_like(W), np.zeros_like(b)
    for start in range(0, len(x), batch_size):
        loss, dW, db = _softmax_ce(W, b, x[start:start + batch_size], y[start:start + batch_size])
        gW, gb = (gW + dW, gb + db) if accumulate else (dW, db)
        W, b = W - lr * gW, b - lr * gb
        snapshots.append((W, b))
        losses.append(loss)
    return snapshots, losses


def _epoch_case(n: int = 96, batch_size: int = 32, lr: float = 0.5) -> dict:
    generator = rng("epoch-data")
    W = generator.normal(0.0, 0.05, size=(10, 784)).astype(np.float32)
    b = generator.normal(0.0, 0.05, size=(10,)).astype(np.float32)
    images = generator.integers(0, 256, size=(n, 28, 28)).astype(np.uint8)
    labels = generator.integers(0, 10, size=n).astype(np.int64)
    return {"W": W, "b": b, "images": images, "labels": labels, "batch_size": batch_size, "lr": lr,
            "x": images.reshape(n, -1).astype(np.float32).astype(np.float64) / 255.0}


def _run_epoch(fn: Any, case: dict) -> dict:
    return _observe("train_epoch_reference", fn, LINEAR_SPEC, [case["W"], case["b"]], case["images"], case["labels"],
                    batch_size=case["batch_size"], lr=case["lr"])


def _mean_loss(value: Any, what: str) -> float:
    array = None if isinstance(value, (dict, str)) or value is None else np.asarray(value)
    if array is None or array.dtype.kind not in "biuf" or array.size != 1 or not np.isfinite(array).all():
        fail(f"{what} should return the epoch's mean loss as one finite number, found "
             f"{'None' if value is None else (type(value).__name__ if array is None else f'an array of shape {array.shape}')}")
    return float(array.reshape(()))


def check_train_epoch_format(fn: Any) -> None:
    """Format only: ``fn(model, loader, loss_fn, optimizer, device)`` returns one finite number."""
    seen = _run_epoch(fn, _epoch_case(n=32, batch_size=16))
    _mean_loss(seen["result"], f"{label(fn)}(model, loader, loss_fn, optimizer, device)")


def _epoch_what(fn: Any, case: dict) -> str:
    return (f"{label(fn)} on a grader model with {len(case['x'])} digits in batches of {case['batch_size']} "
            f"(plain SGD, lr {case['lr']})")


def check_train_epoch_steps(fn: Any, *, tolerance: float = 2e-4) -> None:
    """One epoch of ``fn`` on a grader linear model, with the grader's SGD (lr 0.5) and batches of 32
    (neither the notebook's), equals mini-batch SGD: one step per batch, fresh gradients, the optimizer's lr."""
    case = _epoch_case()
    seen = _run_epoch(fn, case)
    what = _epoch_what(fn, case)
    batches = -(-len(case["x"]) // case["batch_size"])
    if any(not call["training"] for call in seen["calls"]):
        fail(f"{what}: the model ran in eval mode: call model.train() at the start of the epoch")
    misuse = optimizer_misuse(seen.get("events") or [])
    if seen["steps"] != batches:
        fail(f"{what}: expected {batches} optimizer steps, one per batch, found {seen['steps']}"
             + (f": {misuse}" if misuse else ": step the optimizer it is given, once per batch"))
    reference, _ = _reference_epoch(case["W"].astype(np.float64), case["b"].astype(np.float64),
                                    case["x"], case["labels"], case["batch_size"], case["lr"])

    def matches(expected: list) -> bool:
        return all(np.max(np.abs(np.asarray(found[0]) - W)) <= tolerance
                   and np.max(np.abs(np.asarray(found[1]) - b)) <= tolerance
                   for found, (W, b) in zip(seen["snapshots"], expected))

    if matches(reference):
        return
    if misuse:
        fail(f"{what}: the parameters after the steps differ from mini-batch gradient descent: {misuse}")
    accumulated, _ = _reference_epoch(case["W"].astype(np.float64), case["b"].astype(np.float64),
                                      case["x"], case["labels"], case["batch_size"], case["lr"], accumulate=True)
    if matches(accumulated):
        fail(f"{what}: from the second batch on the updates add up the gradients of earlier batches: call "
             "optimizer.zero_grad() before loss.backward() in every batch")
    fail(f"{what}: the parameters after the steps differ from mini-batch gradient descent with the optimizer "
         "it is given: for every batch zero the gradients, compute loss_fn(model(images), labels), call "
         "loss.backward(), then optimizer.step()")


def check_train_epoch_mean_loss(fn: Any) -> None:
    """``fn`` returns the mean of its batch losses, each taken before that batch's step; judged on the
    parameters the student's own loop produced, so a wrong update costs this test nothing."""
    case = _epoch_case()
    seen = _run_epoch(fn, case)
    what = _epoch_what(fn, case)
    batches = -(-len(case["x"]) // case["batch_size"])
    found = _mean_loss(seen["result"], what)
    if seen["steps"] not in (0, batches):
        fail(f"{what}: expected one optimizer step per batch ({batches}), found {seen['steps']}, so the loss "
             "of each batch cannot be told")
    start = [case["W"].astype(np.float64), case["b"].astype(np.float64)]
    states = [start] + [[np.asarray(p, dtype=np.float64) for p in snap] for snap in seen["snapshots"]]
    size = case["batch_size"]
    losses = [_softmax_ce(*states[k if seen["steps"] else 0], case["x"][k * size:(k + 1) * size],
                          case["labels"][k * size:(k + 1) * size])[0] for k in range(batches)]
    expected = float(np.mean(losses))
    if abs(found - expected) <= 1e-3 * max(1.0, abs(expected)):
        return
    if abs(found - losses[-1]) <= 1e-3 * max(1.0, abs(losses[-1])):
        fail(f"{what}: expected the mean of the {batches} batch losses, {expected:.4f}, found {found:.4f}, "
             "the last batch's loss: add up loss.item() over the batches and divide by the number of batches")
    fail(f"{what}: expected the mean of the {batches} batch losses (each computed before its step), "
         f"{expected:.4f}, found {found:.4f}: add up loss.item() over the batches and divide by the number "
         "of batches")


def check_train_epoch_accuracy(fn: Any, *, threshold_name: str) -> None:
    """The grader's 784-64-64-64-10 Tanh network, trained with ``fn`` under the profile's budget, classifies held-out digits."""
    folder, _ = digit_folder()
    epochs, count = int(budget("mlp_epochs", 3)), int(budget("train_digits", 8000))
    lr = float(budget("mlp_lr", 2e-3))
    seen = _observe("fit_digits", None, folder, [HELDOUT_BATCH, 1, 28, 28], train_fn=fn, spec=MLP_SPEC, count=count, epochs=epochs,
                    batch_size=64, lr=lr, data_seed=seed_for("mlp-train"), subject=label(fn))
    _judge_heldout(seen, "mlp accuracy", threshold_name, label(fn),
                   f"the 784-64-64-64-10 Tanh network trained with {label(fn)} for {epochs} epoch(s) "
                   f"on {count:,} training digits (Adam, lr {lr:g})",
                   "check that every batch zeroes the gradients, computes the loss on the model's "
                   "logits, calls backward and steps the optimizer")


HELDOUT_BATCH = 500  # held-out digits per replayed forward pass


def _judge_heldout(seen: dict, metric: str, threshold_name: str, subject: str, trained: str, hint: str) -> None:
    """Fail unless the model trained in the student's process classifies the held-out digits (replayed
    here) at least as well as the profile's threshold; record the margin."""
    _, source = digit_folder()
    images, labels = heldout_digits(source)
    predicted = _heldout_predictions(seen, images, subject)
    accuracy = float(np.mean(predicted == labels))
    needed = digit_threshold(threshold_name, source)
    record(metric, accuracy, needed)
    if accuracy < needed:
        fail(_accuracy_message(trained, accuracy, needed, len(labels), source,
                               constant_predictions(predicted, labels) or hint))


def _heldout_predictions(seen: dict, images: np.ndarray, what: str) -> np.ndarray:
    """The classes a model trained in the student's process gives the held-out digits, computed here
    from the captured model: the held-out images never leave the grader."""
    scores = replay_batches(seen["model"], images.reshape(len(images), 1, 28, 28).astype(np.float32) / 255.0,
                            what, HELDOUT_BATCH)
    if scores.ndim != 2 or scores.shape[1] != 10:
        fail(f"{what}: the model should return a tensor of shape (n, 10), found {scores.shape[1:]} per batch")
    return scores.argmax(axis=1)


# --- q6: the CNN -------------------------------------------------------------------------------

def _cnn_shapes(model: Any) -> dict:
    images = rng("cnn-shapes").integers(0, 256, size=(5, 28, 28)).astype(np.uint8)
    seen = _observe("cnn_shapes", model, images)
    if seen["output"] != [5, 10]:
        fail(f"{label(model)}() on images of shape (5, 1, 28, 28): expected an output of shape (5, 10), found "
             f"{tuple(seen['output'])}")
    return seen


def check_cnn_output(model: Any) -> None:
    """Format only: ``model()`` maps (n, 1, 28, 28) images to (n, 10) scores."""
    _cnn_shapes(model)


def check_cnn_architecture(model: Any, *, max_parameters: int) -> None:
    """conv, pool, conv, pool, linear: two Conv2d layers with downsampling after each, a Linear last, under the ceiling."""
    seen = _cnn_shapes(model)
    if seen["parameters"] > max_parameters:
        fail(f"{label(model)}() has {seen['parameters']:,} trainable parameters; the ceiling is {max_parameters:,}: "
             "use fewer channels, pool after each convolution, and a single small Linear layer")
    convs = [layer for layer in seen["layers"] if layer["type"] == "Conv2d"]
    linears = [layer for layer in seen["layers"] if layer["type"] == "Linear"]
    if len(convs) < 2 or not linears:
        fail(f"{label(model)}: expected at least two nn.Conv2d layers and an nn.Linear used in forward, found "
             f"{len(convs)} Conv2d and {len(linears)} Linear")
    first, second = convs[0], convs[1]
    if second["in"][-1] >= first["out"][-1] or second["in"][-2] >= first["out"][-2]:
        fail(f"{label(model)}: the second convolution sees {second['in'][-2]}x{second['in'][-1]} feature maps, as "
             f"large as the first one's output ({first['out'][-2]}x{first['out'][-1]}): pool (nn.MaxPool2d(2)) "
             "between the convolutions")
    conv_out = int(np.prod(second["out"][1:]))
    if linears[0]["in"][-1] >= conv_out:
        fail(f"{label(model)}: the Linear layer reads {linears[0]['in'][-1]:,} features, all of the second "
             f"convolution's {conv_out:,} outputs: pool after the second convolution too")
    if seen["layers"][-1]["type"] != "Linear":
        fail(f"{label(model)}: the last layer should be nn.Linear giving the 10 class scores")
    _check_cnn_flow(model, max_parameters)


# element-wise non-linearities that count as "an activation after a convolution"
ACTIVATIONS = frozenset("""relu relu_ leaky_relu leaky_relu_ gelu elu elu_ selu celu silu mish tanh tanh_ sigmoid
sigmoid_ hardtanh hardtanh_ threshold threshold_ clamp_min clamp_min_ clamp clamp_ _prelu_kernel prelu softplus
hardswish log_sigmoid_forward""".split())
CONVOLUTIONS = frozenset(["convolution", "_convolution", "conv2d"])
LINEAR_MAPS = frozenset(["addmm", "mm", "linear", "matmul"])
VIEWS = frozenset(["t", "transpose", "permute", "view", "reshape", "_unsafe_view", "expand", "alias", "detach"])


def _weighted(nodes: list[dict], kinds: frozenset, captured: Captured) -> list[int]:
    """Operators of ``kinds`` that read a 2-D or 4-D trainable parameter (through views): the layers."""
    def parameter(arg: Any, depth: int = 0) -> bool:
        if isinstance(arg, list):
            return any(parameter(a, depth) for a in arg)
        if not (isinstance(arg, dict) and isinstance(arg.get("t"), list)) or depth > 8:
            return False
        ref = arg["t"]
        if ref[:1] == ["p"] and isinstance(ref[1], int) and 0 <= ref[1] < len(captured.parameters):
            return len(captured.parameters[ref[1]]["shape"]) in (2, 4)
        if ref[:1] == ["n"] and isinstance(ref[1], int) and ref[1] < len(nodes) and _packet(nodes[ref[1]]["op"]) in VIEWS:
            return parameter(nodes[ref[1]].get("args"), depth + 1)
        return False

    return [i for i, node in enumerate(nodes) if _packet(node["op"]) in kinds and parameter(node.get("args"))]


def _stored_values(captured: Captured) -> int:
    """How many values the model keeps or builds outside its trainable parameters (buffers, constants)."""
    return (sum(int(np.prod(b["shape"])) for b in captured.buffers)
            + sum(int(np.asarray(c).size) for c in (captured.graph or {}).get("constants", [])))


def _check_cnn_flow(model: Any, max_parameters: int) -> None:
    """From the captured forward pass: the images reach the output only through the first convolution,
    every path from one convolution to the next layer passes an activation, and no table of
    non-trainable values larger than the parameter ceiling is read."""
    captured = capture_model(_observe, model, label(model), shape=(4, 1, 28, 28), low=0.0, high=1.0)
    nodes = (captured.graph or {}).get("nodes", [])
    convs = _weighted(nodes, CONVOLUTIONS, captured)
    linears = [i for i in _weighted(nodes, LINEAR_MAPS, captured) if convs and i > convs[-1]]
    out = output_node(captured)
    if len(convs) < 2 or not linears or out is None:
        fail(f"{label(model)}: its forward pass should run two convolutions and then a Linear layer that gives "
             f"the output; found {len(convs)} convolution(s) and {len(linears)} Linear layer(s) after them")
    reads, from_input = flow(captured)
    activations = {i for i, node in enumerate(nodes) if _packet(node["op"]) in ACTIVATIONS}
    first, second, last = convs[0], convs[1], linears[-1]
    if not reaches(reads, {first}, second) or not reaches(reads, {second}, last) or not reaches(reads, {last}, out):
        fail(f"{label(model)}: the layers should run in order, each on the previous one's output: convolution, "
             "pooling, convolution, pooling, Linear, whose result forward returns")
    if reaches(reads, from_input - {first}, out, blocked={first}):
        fail(f"{label(model)}: forward computes its output from the images without going through the first "
             "convolution: the class scores should come from the convolutions and the Linear layer alone")
    for start, end, where in ((first, second, "the first convolution and the second"),
                              (second, last, "the second convolution and the Linear layer")):
        if reaches(reads, {start}, end, blocked=activations):
            fail(f"{label(model)}: between {where} there is no activation on the way (or a path around it): put "
                 "a ReLU after each convolution (nn.ReLU() or torch.relu), as the question asks")
    tables = _stored_values(captured)
    if tables > max_parameters:
        fail(f"{label(model)}: forward reads {tables:,} stored values that are not trainable parameters (buffers or "
             f"tensors built in forward), more than the {max_parameters:,}-parameter ceiling: the network must "
             "compute its answer with its layers, not look it up in a table")


def check_cnn_accuracy(model: Any, *, threshold_name: str, max_parameters: int) -> None:
    """A fresh ``model()`` trained by the grader (Adam, the profile's epochs) classifies held-out digits."""
    folder, _ = digit_folder()
    epochs, count = int(budget("cnn_epochs", 2)), int(budget("train_digits", 8000))
    lr = float(budget("cnn_lr", 3e-3))
    seen = _observe("fit_digits", model, folder, [HELDOUT_BATCH, 1, 28, 28], count=count, epochs=epochs, batch_size=64, lr=lr,
                    max_parameters=max_parameters, data_seed=seed_for("cnn-train"))
    if not seen["trained"]:
        fail(f"{label(model)}() has {seen['parameters']:,} trainable parameters, over the ceiling of "
             f"{max_parameters:,}, so the grader did not train it: size cannot buy accuracy here")
    stored = _stored_values(Captured.parse(seen["model"], label(model)))
    if stored > max_parameters:
        fail(f"{label(model)}() keeps {stored:,} values outside its trainable parameters (buffers or tensors built "
             f"in forward), over the ceiling of {max_parameters:,}, so the grader does not score it: a table "
             "cannot buy accuracy here either")
    _judge_heldout(seen, "cnn accuracy", threshold_name, label(model),
                   f"a fresh {label(model)}() trained by the grader for {epochs} epoch(s) on {count:,} "
                   f"training digits (Adam, lr {lr:g})",
                   "check that forward returns the Linear layer's logits and that the network learns "
                   "within this budget (kernel sizes, channel counts)")


__all__ = [
    "check_baseline_accuracy", "check_baseline_fitted_on", "check_baseline_reported_accuracy", "check_train_epoch_mean_loss",
    "check_cnn_accuracy", "check_cnn_architecture", "check_cnn_output",
    "check_digit_batch_format", "check_digit_loader", "check_evaluate_accuracy", "check_evaluate_format",
    "check_digit_logits", "check_evaluate_no_grad", "check_loader_uses_training_split", "check_tanh_mlp_layers",
    "check_train_epoch_accuracy", "check_train_epoch_format", "check_train_epoch_steps",
]
