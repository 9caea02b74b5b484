"""Tests for student_lib.plotting."""

import base64
import os

os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure
from torch import nn

from student_lib import plotting


def _binary_model():
    """sigmoid(x1): label 1 exactly where x1 >= 0."""
    model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[1.0, 0.0]]))
        model[0].bias.zero_()
    return model


def _five_class_model():
    return nn.Sequential(nn.Linear(2, 16), nn.Dropout(0.5), nn.ReLU(), nn.Linear(16, 5))


def _drawn_labels(model, X, y, resolution=40):
    """The grid labels plot_decision_boundary colours, read from the contourf call it makes."""
    host = Figure()
    ax = host.add_subplot()
    seen = {}
    draw = ax.contourf

    def contourf(xx, yy, labels, **kwargs):
        seen.update(xx=xx, yy=yy, labels=labels)
        return draw(xx, yy, labels, **kwargs)

    ax.contourf = contourf
    plotting.plot_decision_boundary(model, X, y, ax=ax, resolution=resolution)
    return seen["xx"], seen["yy"], seen["labels"]


@pytest.fixture
def data():
    X = torch.randn(50, 2, generator=torch.Generator().manual_seed(0))
    return X, (X[:, 0] > 0).long()


def test_no_grid_prediction_function_is_offered():
    """HW3 q6 asks students to write predict_grid: the library must not answer it."""
    assert not hasattr(plotting, "predict_grid")
    assert not [name for name in vars(plotting) if "grid" in name.lower()]


def test_boundary_of_binary_model_thresholds_sigmoid_at_half(data):
    xx, _, labels = _drawn_labels(_binary_model(), *data)
    assert labels.shape == xx.shape and labels.dtype == np.int64
    assert np.array_equal(labels, (xx >= 0).astype(np.int64))


def test_boundary_of_five_classes_is_argmax_of_outputs(data):
    model = _five_class_model().eval()
    xx, yy, labels = _drawn_labels(model, *data)
    with torch.no_grad():
        out = model(torch.tensor(np.column_stack([xx.ravel(), yy.ravel()]), dtype=torch.float32))
    assert labels.shape == xx.shape
    assert np.array_equal(labels.ravel(), out.argmax(1).numpy())


def test_boundary_uses_eval_mode_and_restores_training_flags(data):
    model = _five_class_model().train()
    model[1].eval()  # a mixed state must survive too
    first = _drawn_labels(model, *data)[2]
    second = _drawn_labels(model, *data)[2]
    assert np.array_equal(first, second)  # dropout was off
    assert model.training and model[0].training and not model[1].training


def test_boundary_accepts_plain_callable(data):
    _, yy, labels = _drawn_labels(lambda x: (x[:, 1] > 0).float(), *data)
    assert np.array_equal(labels, (yy > 0).astype(np.int64))


def test_plot_decision_boundary_returns_figure_with_and_without_ax():
    X = torch.randn(50, 2, generator=torch.Generator().manual_seed(0))
    y = (X[:, 0] > 0).long()
    fig = plotting.plot_decision_boundary(_binary_model(), X, y, resolution=50, title="binary")
    assert isinstance(fig, Figure) and fig.axes[0].get_title() == "binary"
    host = Figure()
    ax = host.add_subplot()
    assert plotting.plot_decision_boundary(_five_class_model(), X.numpy(), y.numpy(), ax=ax, resolution=30) is host


def test_plot_loss_curves_returns_figure_and_log_scale():
    fig = plotting.plot_loss_curves([1.0, 0.5, 0.25], [1.1, 0.6, 0.4], log_scale=True, title="loss")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and len(ax.lines) == 2
    assert list(ax.lines[0].get_xdata()) == [1, 2, 3]


@pytest.mark.parametrize("shape", [(10, 1, 28, 28), (10, 28, 28), (10, 784)])
def test_plot_digits_accepts_image_shapes_and_marks_wrong_predictions_red(shape):
    images = torch.rand(shape, generator=torch.Generator().manual_seed(0))
    labels = torch.arange(10)
    predictions = labels.clone()
    predictions[2] = 7
    fig = plotting.plot_digits(images, labels, predictions, ncols=4)
    assert isinstance(fig, Figure) and len(fig.axes) == 12
    titles = [ax.title for ax in fig.axes[:10]]
    assert titles[2].get_color() == "red" and titles[3].get_color() == "black"
    assert "7" in titles[2].get_text() and "2" in titles[2].get_text()


def test_in_a_shell_without_a_figure_printer_figures_display_as_png():
    """What student_lib.kernel does in a Jupyter kernel: Figures get a PNG printer, once."""
    from IPython.core.interactiveshell import InteractiveShell

    from student_lib import kernel

    shell = InteractiveShell()
    formatter = shell.display_formatter
    fig = plotting.plot_loss_curves([1.0, 0.5])
    formatter.formatters["image/png"].pop(Figure, None)
    assert "image/png" not in formatter.format(fig)[0]  # plain IPython: text only
    assert kernel.show_figures_as_png(shell)
    data = formatter.format(fig)[0]
    assert base64.b64decode(data["image/png"]).startswith(b"\x89PNG")
    assert not kernel.show_figures_as_png(shell)  # a printer already chosen (the grader's) is kept


def test_kernel_setup_does_nothing_outside_a_kernel():
    from student_lib import kernel

    assert kernel.kernel_shell() is None  # pytest is not a Jupyter kernel
