"""HW4's digits inside the student process: loaders, grader-run training, predictions on held-out images."""

from __future__ import annotations

from typing import Any

import numpy as np

from student_lib.datasets import idx_file, read_idx

from autograder.probes.capture import capture_module
from autograder.probes.models import build_model, grading_device, instantiate
from autograder.probes.registry import WrongType, plain, probe, type_name


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
def dataset_digits(dataset: Any, count: int) -> dict:
    """The first ``count`` (image, label) items of a student's dataset (a ``random_split`` part), in order:
    images as float32 arrays as the dataset gives them, labels as integers."""
    import torch

    if not hasattr(dataset, "__getitem__") or not hasattr(dataset, "__len__"):
        raise WrongType(f"expected a dataset of (image, label) pairs, found a {type_name(dataset)}")
    images, labels = [], []
    for i in range(min(len(dataset), int(count))):
        item = dataset[i]
        if not isinstance(item, (tuple, list)) or len(item) != 2 or type(item[0]) is not torch.Tensor:
            raise WrongType("each item should be a pair (image tensor, label)")
        images.append(item[0].detach().to(torch.float32).reshape(-1))
        labels.append(int(item[1]))
    if not images:
        raise WrongType("the dataset is empty")
    sizes = {t.numel() for t in images}
    if len(sizes) != 1:
        raise WrongType("its images differ in size")
    return {"images": torch.stack(images).cpu().numpy(), "labels": np.asarray(labels, dtype=np.int64)}


def _training_digits(folder: str, count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    images = read_idx(idx_file(folder, "train-images-idx3-ubyte"))
    labels = read_idx(idx_file(folder, "train-labels-idx1-ubyte"))
    chosen = np.sort(np.random.default_rng(seed).permutation(len(images))[:int(count)])
    return images[chosen], labels[chosen]


@probe
def fit_digits(model: Any, folder: str, heldout_shape: list, *, train_fn: Any = None, spec: dict | None = None,
               count: int = 8000, epochs: int = 1, batch_size: int = 64, lr: float = 1e-3,
               max_parameters: int = 0, data_seed: int = 0) -> dict:
    """Train a fresh model on training digits the probe reads itself; return it captured for the grader.

    ``model`` is the student's class (instantiated here with no arguments) unless ``spec`` names a
    grader-built model. With ``train_fn`` the student's ``train_one_epoch`` runs each epoch;
    without it the grader's own loop does (Adam, cross-entropy). The held-out digits never come
    here: the trained model goes back (:func:`autograder.probes.capture.capture_module`, its
    forward recorded on images of ``heldout_shape``) and the grader labels them itself.
    """
    import time

    import torch

    device = grading_device()
    net = build_model(spec) if spec else instantiate(model)
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
            "model": capture_module(net, [int(n) for n in heldout_shape], low=0.0, high=1.0)}

