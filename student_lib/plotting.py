"""Plots for the notebooks.

Every function draws into ``ax`` if given, else into a new ``matplotlib.figure.Figure``
(no pyplot state, nothing to close), and returns the Figure. In a notebook, a returned
Figure shows as an image when it is the cell's last expression, or with ``display(fig)``
(importing this module in a Jupyter kernel sets that up: :mod:`student_lib.kernel`).
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from student_lib import kernel

_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
            "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]


kernel.setup()


def _axes(ax: Axes | None, figsize: tuple[float, float] = (6, 5)) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure.figure, ax  # the root Figure, also when ax sits in a SubFigure
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def _numpy(a) -> np.ndarray:
    if isinstance(a, torch.Tensor):
        return a.detach().cpu().numpy()
    return np.asarray(a)


def _model_device(model) -> torch.device:
    params = model.parameters() if isinstance(model, torch.nn.Module) else iter(())
    first = next(params, None)
    return first.device if first is not None else torch.device("cpu")


def plot_decision_boundary(model, X, y, ax: Axes | None = None, resolution: int = 200,
                           padding: float = 0.5, title: str | None = None) -> Figure:
    """Filled contour of the model's predicted class over the data, with the points on top.

    model: nn.Module or callable mapping a float32 tensor (m, 2) to probabilities (m,) or (m, 1) (class 1
    where >= 0.5) or to scores (m, k) (the argmax); it runs in eval mode without autograd on its own
    device, and each submodule's training flag is restored afterwards.
    X: tensor/array (n, 2); y: tensor/array (n,) or (n, 1) of class labels.
    """
    X, y = _numpy(X).astype(np.float64), _numpy(y).reshape(-1).astype(np.int64)
    (x0, y0), (x1, y1) = X.min(axis=0) - padding, X.max(axis=0) + padding
    xx, yy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    # the model's class at every grid point; HW3 asks students to write this step themselves, so it is
    # not offered as a function of its own
    points = torch.as_tensor(np.column_stack([xx.ravel(), yy.ravel()]), dtype=torch.float32)
    modes = [(m, m.training) for m in model.modules()] if isinstance(model, torch.nn.Module) else []
    if isinstance(model, torch.nn.Module):
        model.eval()
    try:
        with torch.inference_mode():
            out = torch.as_tensor(model(points.to(_model_device(model))))
    finally:
        for module, training in modes:
            module.training = training
    if out.ndim == 1 or (out.ndim == 2 and out.shape[1] == 1):
        labels = (out.reshape(-1) >= 0.5).long()
    elif out.ndim == 2:
        labels = out.argmax(dim=1)
    else:
        raise ValueError(f"model output must have shape (m,), (m, 1) or (m, k); got {tuple(out.shape)}")
    labels = labels.cpu().numpy().reshape(xx.shape)

    k = int(max(labels.max(), y.max() if len(y) else 0)) + 1
    cmap = ListedColormap([_COLOURS[i % len(_COLOURS)] for i in range(max(k, 2))])
    fig, ax = _axes(ax)
    ax.contourf(xx, yy, labels, levels=np.arange(-0.5, max(k, 2)), cmap=cmap, alpha=0.3)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap=cmap, vmin=-0.5, vmax=max(k, 2) - 0.5,
               s=15, edgecolors="k", linewidths=0.4)
    ax.set(xlim=(x0, x1), ylim=(y0, y1), xlabel="$x_1$", ylabel="$x_2$")
    if title:
        ax.set_title(title)
    return fig


def plot_loss_curves(train_losses: Sequence[float], test_losses: Sequence[float] | None = None,
                     ax: Axes | None = None, epochs: Sequence[float] | None = None,
                     title: str | None = None, log_scale: bool = False) -> Figure:
    """Loss per epoch; epochs defaults to 1, 2, ..., len(train_losses)."""
    train = _numpy([float(v) for v in train_losses])
    x = np.arange(1, len(train) + 1) if epochs is None else _numpy(epochs)
    fig, ax = _axes(ax, figsize=(6, 4))
    ax.plot(x, train, label="train")
    if test_losses is not None:
        test = _numpy([float(v) for v in test_losses])
        ax.plot(x[: len(test)], test, label="test")
    ax.set(xlabel="epoch", ylabel="loss")
    if log_scale:
        ax.set_yscale("log")
    ax.legend()
    if title:
        ax.set_title(title)
    return fig


def plot_digits(images, labels=None, predictions=None, ncols: int = 8) -> Figure:
    """A grid of digit images.

    images: tensor/array (n, 1, 28, 28), (n, 28, 28) or (n, 784); labels, predictions: (n,).
    Titles show the label, and the prediction if given (red when it differs from the label).
    """
    imgs = _numpy(images).reshape(-1, 28, 28)
    n = len(imgs)
    labels = None if labels is None else _numpy(labels).reshape(-1)
    predictions = None if predictions is None else _numpy(predictions).reshape(-1)
    ncols = max(1, min(ncols, n))
    nrows = max(1, math.ceil(n / ncols))
    fig = Figure(figsize=(1.2 * ncols, 1.45 * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            continue
        ax.imshow(imgs[i], cmap="gray")
        parts, colour = [], "black"
        if labels is not None:
            parts.append(f"{int(labels[i])}")
        if predictions is not None:
            parts.append(f"pred {int(predictions[i])}")
            if labels is not None and int(predictions[i]) != int(labels[i]):
                colour = "red"
        if parts:
            ax.set_title(" / ".join(parts), fontsize=9, color=colour)
    return fig
