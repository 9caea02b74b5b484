"""The HW3 classification and activation checks, run locally against answers named for their bug.

Each broken answer must fail with a message that names the problem; the reference answers (and
correct answers written differently) must pass. Trained-model accuracy on the notebook's data is
covered by the hw03 corpus (tests/e2e/test_corpus.py); here a failing boundary check is only asked
to attach its picture.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from autograder.checks import (
    CheckFailed,
    check_activation_examples,
    check_activation_matches,
    check_activations_by_hand,
    check_binary_accuracy_function,
    check_boundary_accuracy,
    check_mlp_function,
    check_predict_grid,
    check_predict_labels,
    check_reported_accuracy,
    check_returns_logits,
)
from autograder.checks.base import GradingContext, grading
from tests.helpers import profile_thresholds
from autograder.checks.classification import PNG_MAGIC


@pytest.fixture(autouse=True)
def context():
    ctx = GradingContext(seed=20260301, test_name="local", thresholds=profile_thresholds("hw03"))
    with grading(ctx):
        yield ctx


def fails(check, *args, **kwargs) -> str:
    with pytest.raises(CheckFailed) as info:
        check(*args, **kwargs)
    return str(info.value)


# --- activations -------------------------------------------------------------------------------

def sigmoid(x):
    e = torch.exp(-torch.abs(x))
    return torch.where(x >= 0, 1 / (1 + e), e / (1 + e))


def tanh(x):
    e = torch.exp(-2 * torch.abs(x))
    return torch.where(x >= 0, 1.0, -1.0) * (1 - e) / (1 + e)


def relu(x):
    return torch.clamp(x, min=0)


def sigmoid_overflows(x):
    return torch.exp(x) / (1 + torch.exp(x))


def tanh_overflows(x):
    return (torch.exp(x) - torch.exp(-x)) / (torch.exp(x) + torch.exp(-x))


def relu_in_place(x):
    x[x < 0] = 0
    return x


def relu_flattens(x):
    return torch.clamp(x, min=0).reshape(-1)


def relu_borrowed(x):
    return F.relu(x)


def sigmoid_borrowed(x):
    return nn.Sigmoid()(x)


def tanh_from_method(x):
    return x.tanh()


def not_written_yet(x):
    ...


@pytest.mark.parametrize("fn,activation", [(sigmoid, "sigmoid"), (tanh, "tanh"), (relu, "relu"),
                                           (lambda x: 2 * sigmoid(2 * x) - 1, "tanh"),
                                           (lambda x: x * (x > 0), "relu")])
def test_hand_written_activations_pass(fn, activation):
    check_activation_examples(fn, activation)
    check_activation_matches(fn, activation)


def test_naive_sigmoid_is_caught_at_large_x():
    message = fails(check_activation_matches, sigmoid_overflows, "sigmoid")
    assert "NaN or infinite" in message and "exp(x) / (1 + exp(x))" in message


def test_naive_tanh_is_caught_at_large_x():
    assert "NaN or infinite" in fails(check_activation_matches, tanh_overflows, "tanh")


def test_relu_that_writes_into_its_input_is_caught():
    assert "changed its input tensor in place" in fails(check_activation_matches, relu_in_place, "relu")


def test_relu_that_changes_the_shape_is_caught():
    assert "expected a result of the same shape" in fails(check_activation_examples, relu_flattens, "relu")


def test_built_in_activations_are_named():
    message = fails(check_activations_by_hand, sigmoid_borrowed, tanh_from_method, relu_borrowed)
    assert "torch.sigmoid" in message and "torch.tanh" in message and "torch.relu" in message


_renamed_sigmoid = torch.sigmoid  # bound before the check runs, as a cell above the answer would
_renamed_relu = F.relu


def sigmoid_renamed(x):
    return _renamed_sigmoid(x)


def relu_renamed(x):
    return _renamed_relu(x)


def test_by_hand_sees_functions_bound_to_other_names():
    """Recording is at torch's dispatch level: a library function under another name is still seen."""
    message = fails(check_activations_by_hand, sigmoid_renamed, relu_renamed)
    assert "sigmoid_renamed` runs torch.sigmoid" in message and "relu_renamed` runs torch.relu" in message


def test_by_hand_passes_and_leaves_torch_as_it_was():
    from torch.overrides import _get_current_function_mode_stack
    from torch.utils._python_dispatch import _get_current_dispatch_mode_stack

    originals = (torch.sigmoid, torch.Tensor.relu, F.relu)
    check_activations_by_hand(sigmoid, tanh, relu)
    fails(check_activations_by_hand, sigmoid_borrowed)
    assert (torch.sigmoid, torch.Tensor.relu, F.relu) == originals
    assert not _get_current_dispatch_mode_stack() and not _get_current_function_mode_stack()


def sigmoid_hiding(x):
    from torch.utils._python_dispatch import _pop_mode

    _pop_mode()
    return torch.sigmoid(x)


def test_by_hand_fails_a_function_that_removes_the_recorder():
    assert "removes the grader's recording" in fails(check_activations_by_hand, sigmoid_hiding)


def test_by_hand_fails_an_unfinished_function():
    assert "complete it first" in fails(check_activations_by_hand, not_written_yet)


# --- accuracy and label functions --------------------------------------------------------------

def binary_accuracy(model, X, y):
    with torch.no_grad():
        return float(((model(X).squeeze(1) >= 0.5).long() == y).float().mean())


def accuracy_broadcasts(model, X, y):
    with torch.no_grad():
        return float(((model(X) >= 0.5).long() == y).float().mean())


def accuracy_hard_coded(model, X, y):
    return 0.5


def test_accuracy_function():
    check_binary_accuracy_function(binary_accuracy)
    assert "broadcasts to an (n, n) table" in fails(check_binary_accuracy_function, accuracy_broadcasts)
    assert "expected 0.7000, found 0.5000" in fails(check_binary_accuracy_function, accuracy_hard_coded)


def predict_labels(model, X):
    with torch.no_grad():
        return model(X).argmax(dim=1)


def predict_labels_over_points(model, X):
    with torch.no_grad():
        return model(X).argmax(dim=0)


def predict_labels_as_floats(model, X):
    with torch.no_grad():
        return model(X).argmax(dim=1).float()


def test_predict_labels():
    check_predict_labels(predict_labels)
    assert "dim=1" in fails(check_predict_labels, predict_labels_over_points)
    assert "integer labels" in fails(check_predict_labels, predict_labels_as_floats)


def test_reported_accuracy_must_be_measured():
    torch.manual_seed(0)
    X = torch.randn(40, 2)
    y = (X[:, 0] > 0).long()
    neuron = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
    check_reported_accuracy(neuron, binary_accuracy(neuron, X, y), X, y, num_parameters=3)
    wrong = binary_accuracy(neuron, X, y) + 0.05
    assert "the grader measures" in fails(check_reported_accuracy, neuron, wrong, X, y)
    two_layers = nn.Sequential(nn.Linear(2, 4), nn.Linear(4, 1), nn.Sigmoid())
    assert "one neuron with 3" in fails(check_reported_accuracy, two_layers, 0.5, X, y, num_parameters=3)


# --- models --------------------------------------------------------------------------------------

class CircleMLP(nn.Module):
    def __init__(self, num_features=2):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(num_features, 100), nn.ReLU(), nn.Linear(100, 10), nn.ReLU(),
                                    nn.Linear(10, 1), nn.Sigmoid())

    def forward(self, x):
        return self.layers(x)


class FunctionalCircleMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.out = nn.Linear(10, 1)  # registered first: parameters are matched by shape, not order
        self.first = nn.Linear(2, 100)
        self.second = nn.Linear(100, 10)

    def forward(self, x):
        return torch.sigmoid(self.out(F.relu(self.second(F.relu(self.first(x))))))


class NoHiddenActivation(FunctionalCircleMLP):
    def forward(self, x):
        return torch.sigmoid(self.out(self.second(self.first(x))))


class TanhInsteadOfRelu(FunctionalCircleMLP):
    def forward(self, x):
        return torch.sigmoid(self.out(torch.tanh(self.second(torch.tanh(self.first(x))))))


class NoOutputSigmoid(FunctionalCircleMLP):
    def forward(self, x):
        return self.out(F.relu(self.second(F.relu(self.first(x)))))


class HiddenLayerWithoutBias(CircleMLP):
    def __init__(self):
        super().__init__()
        self.layers[2] = nn.Linear(100, 10, bias=False)


MLP = dict(sizes=[2, 100, 10, 1], activation="relu", output="sigmoid")


@pytest.mark.parametrize("model", [CircleMLP, FunctionalCircleMLP])
def test_mlp_layouts_that_compute_the_network_pass(model):
    check_mlp_function(model, **MLP)


@pytest.mark.parametrize("model,reason", [
    (NoHiddenActivation, "no non-linearity between the layers"),
    (TanhInsteadOfRelu, "another activation between the layers, expected relu"),
    (NoOutputSigmoid, "sigmoid is missing"),
    (HiddenLayerWithoutBias, "found 1,311"),
])
def test_mlp_bugs_are_named(model, reason):
    assert reason in fails(check_mlp_function, model, **MLP)


def test_softmax_output_is_not_logits():
    check_returns_logits(nn.Linear(2, 5))
    message = fails(check_returns_logits, nn.Sequential(nn.Linear(2, 5), nn.Softmax(dim=1)))
    assert "every row sums to 1" in message


def predict_grid(model, xx, yy):
    points = torch.as_tensor(np.column_stack([xx.ravel(), yy.ravel()]), dtype=torch.float32)
    with torch.no_grad():
        out = model(points)
    labels = (out[:, 0] >= 0.5).long() if out.shape[1] == 1 else out.argmax(dim=1)
    return labels.numpy().reshape(xx.shape)


def predict_grid_flat(model, xx, yy):
    return predict_grid(model, xx, yy).reshape(-1)


def predict_grid_swapped(model, xx, yy):
    return predict_grid(model, yy, xx)


def predict_grid_argmax_always(model, xx, yy):
    points = torch.as_tensor(np.column_stack([xx.ravel(), yy.ravel()]), dtype=torch.float32)
    with torch.no_grad():
        return model(points).argmax(dim=1).numpy().reshape(xx.shape)


def test_predict_grid():
    for classes in (2, 5):
        check_predict_grid(predict_grid, classes=classes)
        assert "reshape the labels with xx.shape" in fails(check_predict_grid, predict_grid_flat, classes=classes)
        assert "x first" in fails(check_predict_grid, predict_grid_swapped, classes=classes)
    check_predict_grid(predict_grid_swapped, classes=2, compare_labels=False)  # the public test: shape only
    fails(check_predict_grid, predict_grid_flat, classes=2, compare_labels=False)
    check_predict_grid(predict_grid_argmax_always, classes=5)
    assert "grid labels are wrong" in fails(check_predict_grid, predict_grid_argmax_always, classes=2)


def test_failing_boundary_check_attaches_the_students_picture(context):
    X = torch.tensor([[0.0, 0.0], [1.0, 1.0], [-1.0, 0.5]])
    y = torch.tensor([0, 1, 1])
    constant = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
    with torch.no_grad():
        constant[0].weight.zero_()
        constant[0].bias.fill_(-5.0)  # always class 0: about half of fresh circles
    message = fails(check_boundary_accuracy, constant, dataset="circles", threshold_name="circles_accuracy",
                    plot_data=(X, y))
    assert "picture attached" in message
    assert len(context.figures) == 1 and context.figures[0]["png"].startswith(PNG_MAGIC)
    assert context.measurements[0]["metric"] == "circles accuracy"
