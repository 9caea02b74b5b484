"""The check library against small broken models and functions, each named for its bug.

As scikit-learn tests its estimator checks: every public check in ``autograder.checks`` must fail
a deliberately broken answer with a message that says what was expected and what was found, and
must pass a correct answer (so that each test here can fail). The checks run locally on real
objects, as they do in a student's notebook, under a ``grading`` context with fixed seeds.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression
from torch import nn

import autograder.checks as checks
from autograder.checks import (
    CheckFailed,
    Ref,
    check_bce_example,
    check_bce_is_finite,
    check_gate_accuracy,
    check_layers,
    check_matches_bce,
    check_neuron_formula,
    check_number_in_range,
    check_output_shape,
    check_parameter_count,
    check_sklearn_gate_baseline,
    check_train_loss_falls,
    check_train_matches_gradient_descent,
    check_train_returns_losses,
)
from autograder.checks.accuracy import fresh_gate_data
from autograder.checks.base import GradingContext, grading
from student_lib.datasets import logic_gate

NUMBER = r"-?\d+(?:\.\d+)?(?:e-?\d+)?|nan|inf"


def found_value(message: str) -> float:
    """The number after 'found' in a check's message."""
    match = re.search(rf"found ({NUMBER})", message)
    assert match, f"no 'found <number>' in: {message}"
    return float(match.group(1))


# The modules of the HW1 check library that this file covers; later assignments' checks
# (activations.py, classification.py, ...) are tested beside them in their own files.
COVERED_MODULES = {"autograder.checks.accuracy", "autograder.checks.architecture",
                   "autograder.checks.numerics", "autograder.checks.training"}


def test_every_public_check_is_tested_here():
    """A new check added to one of the covered modules must get its broken-answer tests in this file."""
    public = {name for name in checks.__all__
              if name.startswith("check_") and getattr(checks, name).__module__ in COVERED_MODULES}
    # a check is tested when a test here calls it, or hands it to run_check / check_fails
    tested = {n.id for node in ast.walk(ast.parse(Path(__file__).read_text(encoding="utf-8")))
              if isinstance(node, ast.Call) for n in [node.func, *node.args[:1]]
              if isinstance(n, ast.Name) and n.id.startswith("check_")}
    assert len(public) >= 13 and public <= tested, f"untested checks: {sorted(public - tested)}"


# --------------------------------------------------------------------------------------------
# Rigged values: look like numbers to a careless comparison, but are not plain numbers.


class AlwaysEqual:
    """Compares equal to, and within range of, anything."""

    def __eq__(self, other):
        return True

    def __le__(self, other):
        return True

    def __ge__(self, other):
        return True

    def __lt__(self, other):
        return False

    def __gt__(self, other):
        return False

    def __float__(self):
        return 0.5

    __hash__ = object.__hash__


class RiggedTensor(torch.Tensor):
    """A Tensor subclass whose comparisons always succeed."""

    def __eq__(self, other):
        return True

    __hash__ = torch.Tensor.__hash__


class RiggedFloat(float):
    """A float subclass that claims to equal everything."""

    def __eq__(self, other):
        return True

    __hash__ = float.__hash__


# --------------------------------------------------------------------------------------------
# check_number_in_range


@pytest.mark.parametrize("value", [0.0, 0.5, 1.0, np.float64(0.97), np.float32(0.25), 1,
                                   torch.tensor(0.75), torch.tensor([0.75])])
def test_number_in_range_passes_plain_numbers(run_check, value):
    run_check(check_number_in_range, value, 0, 1)


def test_number_in_range_accuracy_as_percentage(check_fails):
    message = check_fails(check_number_in_range, 97.5, 0, 1)
    assert "between 0 and 1" in message and found_value(message) == 97.5


def test_number_in_range_nan(check_fails):
    message = check_fails(check_number_in_range, float("nan"), 0, 1)
    assert "between 0 and 1" in message and "nan" in message


@pytest.mark.parametrize("rigged", [AlwaysEqual(), RiggedFloat(0.5),
                                    torch.tensor(0.5).as_subclass(RiggedTensor)],
                         ids=["rigged_eq_object", "float_subclass", "tensor_subclass"])
def test_number_in_range_refuses_rigged_numbers(check_fails, rigged):
    message = check_fails(check_number_in_range, rigged, 0, 1)
    assert "wrong type" in message and type(rigged).__name__ in message


def test_number_in_range_refuses_a_bool(check_fails):
    message = check_fails(check_number_in_range, True, 0, 1)
    assert "single number" in message and "bool" in message


def test_number_in_range_refuses_many_numbers(check_fails):
    message = check_fails(check_number_in_range, torch.tensor([0.5, 0.7]), 0, 1)
    assert "single number" in message and "ndarray" in message


def test_number_in_range_refuses_text(check_fails):
    message = check_fails(check_number_in_range, "0.9", 0, 1)
    assert "single number" in message and "str" in message


# --------------------------------------------------------------------------------------------
# One neuron (hw01 q2/q3): correct versions and broken ones.


class NeuronFromParameters(nn.Module):
    """Correct: sigmoid(b + x . w) from raw parameters."""

    def __init__(self, num_features: int):
        super().__init__()
        self.intercept = nn.Parameter(torch.zeros(1))
        self.weights = nn.Parameter(0.01 * torch.randn(num_features))

    def forward(self, x):
        return torch.sigmoid(self.intercept + x @ self.weights).unsqueeze(1)


class NeuronFromLayers(nn.Module):
    """Correct: nn.Linear then nn.Sigmoid."""

    def __init__(self, num_features: int):
        super().__init__()
        self.linear = nn.Linear(num_features, 1)
        self.activation = nn.Sigmoid()

    def forward(self, x):
        return self.activation(self.linear(x))


class NeuronIgnoresIntercept(NeuronFromParameters):
    def forward(self, x):
        return torch.sigmoid(x @ self.weights).unsqueeze(1)


class NeuronWithoutSigmoid(NeuronFromLayers):
    def forward(self, x):
        return 3.0 + self.linear(x)


class NeuronWeightsNotParameters(nn.Module):
    def __init__(self, num_features: int):
        super().__init__()
        self.intercept = nn.Parameter(torch.zeros(1))
        self.weights = 0.01 * torch.randn(num_features)  # a plain tensor: never trained

    def forward(self, x):
        return torch.sigmoid(self.intercept + x @ self.weights).unsqueeze(1)


class NeuronWithFrozenWeights(NeuronFromParameters):
    def __init__(self, num_features: int):
        super().__init__(num_features)
        self.weights.requires_grad_(False)


class NeuronTwoOutputs(nn.Module):
    def __init__(self, num_features: int):
        super().__init__()
        self.linear = nn.Linear(num_features, 2)
        self.activation = nn.Sigmoid()

    def forward(self, x):
        return self.activation(self.linear(x))


class NeuronReturnsFlat(NeuronFromParameters):
    def forward(self, x):
        return torch.sigmoid(self.intercept + x @ self.weights)


class NeuronWithFunctionalSigmoid(nn.Module):
    def __init__(self, num_features: int):
        super().__init__()
        self.linear = nn.Linear(num_features, 1)

    def forward(self, x):
        return torch.sigmoid(self.linear(x))


class NeuronReturnsNumpy(NeuronFromLayers):
    def forward(self, x):
        return super().forward(x).numpy()


class NeuronReturnsTensorSubclass(NeuronFromLayers):
    def forward(self, x):
        return super().forward(x).as_subclass(RiggedTensor)


class NeuronProducesNan(NeuronFromLayers):
    def forward(self, x):
        return super().forward(x) * float("nan")


class NeuronWrongInputSize(nn.Module):
    def __init__(self, num_features: int):
        super().__init__()
        self.linear = nn.Linear(num_features + 1, 1)

    def forward(self, x):
        return torch.sigmoid(self.linear(x))


class NeuronNotAModule:
    def __init__(self, num_features: int):
        self.weights = torch.zeros(num_features)

    def __call__(self, x):
        return torch.sigmoid(x @ self.weights).unsqueeze(1)


@pytest.mark.parametrize("model", [NeuronFromParameters, NeuronFromLayers])
def test_neuron_checks_pass_a_correct_neuron(run_check, model):
    run_check(check_output_shape, model, args=[2], num_features=2, probabilities=True)
    run_check(check_parameter_count, model, 3, args=[2])
    run_check(check_parameter_count, model, 6, args=[5])
    run_check(check_neuron_formula, model, num_features=3)


def test_layers_pass_a_correct_neuron(run_check):
    run_check(check_layers, NeuronFromLayers, {"Linear": 1, "Sigmoid": 1}, args=[2])


def test_neuron_formula_neuron_ignores_intercept(check_fails):
    message = check_fails(check_neuron_formula, NeuronIgnoresIntercept, num_features=3)
    assert "NeuronIgnoresIntercept" in message
    assert "sigmoid(b + x.w)" in message and "largest difference" in message
    assert float(re.search(r"difference is ([\d.e-]+)", message).group(1)) > 1e-3


def test_neuron_formula_neuron_without_sigmoid(check_fails):
    message = check_fails(check_neuron_formula, NeuronWithoutSigmoid, num_features=3)
    assert "sigmoid(b + x.w)" in message and "largest difference" in message


def test_neuron_formula_weights_not_parameters(check_fails):
    message = check_fails(check_neuron_formula, NeuronWeightsNotParameters, num_features=3)
    assert "two parameters" in message and "weights with 3 values" in message
    assert "found intercept (1,)" in message


def test_neuron_formula_output_not_a_column(check_fails):
    message = check_fails(check_neuron_formula, NeuronReturnsFlat, num_features=3)
    assert "expected an output of shape (11, 1), found (11,)" in message


def test_parameter_count_weights_not_parameters(check_fails):
    message = check_fails(check_parameter_count, NeuronWeightsNotParameters, 3, args=[2])
    assert "`NeuronWeightsNotParameters`(2)" in message
    assert "expected 3 trainable parameters, found 1" in message and "nn.Parameter" in message


def test_parameter_count_frozen_weights(check_fails):
    message = check_fails(check_parameter_count, NeuronWithFrozenWeights, 3, args=[2])
    assert "expected 3 trainable parameters, found 1" in message


def test_parameter_count_wrong_output_size(check_fails):
    message = check_fails(check_parameter_count, NeuronTwoOutputs, 6, args=[5])
    assert "expected 6 trainable parameters, found 12" in message


def test_parameter_count_refuses_a_class_that_is_not_a_module(check_fails):
    message = check_fails(check_parameter_count, NeuronNotAModule, 3, args=[2])
    assert "wrong type" in message and "subclass of nn.Module" in message


def test_layers_functional_sigmoid_is_not_a_layer(check_fails):
    message = check_fails(check_layers, NeuronWithFunctionalSigmoid, {"Linear": 1, "Sigmoid": 1},
                          args=[2])
    assert "1 x nn.Sigmoid (found 0)" in message and "Linear" not in message


def test_output_shape_two_outputs(check_fails):
    message = check_fails(check_output_shape, NeuronTwoOutputs, args=[2], num_features=2)
    assert "input of shape (7, 2)" in message
    assert "expected an output of shape (7, 1), found (7, 2)" in message


def test_output_shape_flat_output(check_fails):
    message = check_fails(check_output_shape, NeuronReturnsFlat, args=[2], num_features=2)
    assert "expected an output of shape (7, 1), found (7,)" in message


def test_output_shape_without_sigmoid_is_not_probabilities(check_fails):
    message = check_fails(check_output_shape, NeuronWithoutSigmoid, args=[2], num_features=2,
                          probabilities=True)
    assert "probabilities in [0, 1]" in message and "sigmoid" in message
    _, high = map(float, re.search(rf"from ({NUMBER}) to ({NUMBER})", message).groups())
    assert high > 1


def test_output_shape_nan_output(check_fails):
    message = check_fails(check_output_shape, NeuronProducesNan, args=[2], num_features=2)
    assert "NaN or infinite" in message


@pytest.mark.parametrize("model,found", [(NeuronReturnsNumpy, "numpy.ndarray"),
                                         (NeuronReturnsTensorSubclass, "RiggedTensor")])
def test_output_shape_forward_must_return_a_plain_tensor(check_fails, model, found):
    message = check_fails(check_output_shape, model, args=[2], num_features=2)
    assert "wrong type" in message and "should return a tensor" in message and found in message


def test_output_shape_forward_raises(check_fails):
    message = check_fails(check_output_shape, NeuronWrongInputSize, args=[2], num_features=2)
    assert "raised RuntimeError" in message and "cannot be multiplied" in message


def test_output_shape_not_a_module(check_fails):
    message = check_fails(check_output_shape, lambda n: NeuronNotAModule(n), args=[2], num_features=2)
    assert "wrong type" in message and "expected an nn.Module" in message


# --------------------------------------------------------------------------------------------
# Binary cross-entropy (hw01 q4).


def binary_cross_entropy(probs, targets, eps=1e-7):
    """Correct: clamped, mean over the batch."""
    probs = probs.clamp(eps, 1 - eps)
    return -(targets * torch.log(probs) + (1 - targets) * torch.log(1 - probs)).mean()


def bce_sign_flipped(probs, targets):
    probs = probs.clamp(1e-7, 1 - 1e-7)
    return (targets * torch.log(probs) + (1 - targets) * torch.log(1 - probs)).mean()


def bce_without_clamp(probs, targets):
    return -(targets * torch.log(probs) + (1 - targets) * torch.log(1 - probs)).mean()


def bce_clamps_too_far(probs, targets):
    probs = probs.clamp(0.1, 0.9)
    return -(targets * torch.log(probs) + (1 - targets) * torch.log(1 - probs)).mean()


def bce_sums_instead_of_mean(probs, targets):
    probs = probs.clamp(1e-7, 1 - 1e-7)
    return -(targets * torch.log(probs) + (1 - targets) * torch.log(1 - probs)).sum()


def bce_without_negative_class_term(probs, targets):
    return -(targets * torch.log(probs.clamp(1e-7, 1))).mean()


def bce_returns_per_sample_losses(probs, targets):
    probs = probs.clamp(1e-7, 1 - 1e-7)
    return -(targets * torch.log(probs) + (1 - targets) * torch.log(1 - probs))


def bce_forgets_return(probs, targets):
    probs = probs.clamp(1e-7, 1 - 1e-7)
    -(targets * torch.log(probs) + (1 - targets) * torch.log(1 - probs)).mean()


def bce_log10(probs, targets):
    probs = probs.clamp(1e-7, 1 - 1e-7)
    return -(targets * torch.log10(probs) + (1 - targets) * torch.log10(1 - probs)).mean()


def bce_returns_rigged_number(probs, targets):
    return AlwaysEqual()


def bce_returns_tensor_subclass(probs, targets):
    return binary_cross_entropy(probs, targets).as_subclass(RiggedTensor)


@pytest.mark.parametrize("fn", [binary_cross_entropy, torch.nn.functional.binary_cross_entropy],
                         ids=["by_hand", "torch_functional"])
def test_bce_checks_pass_a_correct_loss(run_check, fn):
    run_check(check_bce_example, fn)
    run_check(check_matches_bce, fn)
    run_check(check_bce_is_finite, fn)


def test_matches_bce_sign_flipped(check_fails):
    message = check_fails(check_matches_bce, bce_sign_flipped)
    expected, found = map(float, re.search(rf"expected ({NUMBER}) \(nn.BCELoss\), found ({NUMBER})",
                                           message).groups())
    assert expected > 0 and found == pytest.approx(-expected, abs=1e-5)
    assert "check the signs" in message


def test_matches_bce_sum_instead_of_mean(check_fails):
    message = check_fails(check_matches_bce, bce_sums_instead_of_mean)
    expected, found = map(float, re.search(rf"expected ({NUMBER}) \(nn.BCELoss\), found ({NUMBER})",
                                           message).groups())
    assert "on 8 random probabilities" in message  # one probability: sum and mean agree
    assert found == pytest.approx(8 * expected, rel=1e-4)


def test_matches_bce_without_negative_class_term(check_fails):
    message = check_fails(check_matches_bce, bce_without_negative_class_term)
    assert "(nn.BCELoss)" in message and "(1 - y) term" in message


def test_matches_bce_per_sample_losses(check_fails):
    message = check_fails(check_matches_bce, bce_returns_per_sample_losses)
    assert "one number (the mean loss)" in message and "found shape (8, 1)" in message


def test_matches_bce_forgets_return(check_fails):
    message = check_fails(check_matches_bce, bce_forgets_return)
    assert "returned nothing (None)" in message


@pytest.mark.parametrize("fn,found", [(bce_returns_rigged_number, "AlwaysEqual"),
                                      (bce_returns_tensor_subclass, "RiggedTensor")])
def test_matches_bce_refuses_rigged_results(check_fails, fn, found):
    message = check_fails(check_matches_bce, fn)
    assert "wrong type" in message and found in message


def test_bce_is_finite_without_clamp(check_fails):
    message = check_fails(check_bce_is_finite, bce_without_clamp)
    assert "exactly 0 and 1" in message and "finite, non-negative" in message
    assert "found nan" in message and "clamp" in message


def test_bce_is_finite_clamps_too_far(check_fails):
    message = check_fails(check_bce_is_finite, bce_clamps_too_far)
    assert "loss near 0" in message
    assert found_value(message) == pytest.approx(-np.log(0.9), rel=1e-3)


def test_bce_is_finite_sign_flipped_is_negative(check_fails):
    message = check_fails(check_bce_is_finite, bce_sign_flipped)
    assert "exactly 0 and 1" in message and "non-negative" in message
    assert found_value(message) < 0


def test_bce_example_sign_flipped(check_fails):
    message = check_fails(check_bce_example, bce_sign_flipped)
    assert "expected log 2 = 0.693147" in message and "found -0.693147" in message


def test_bce_example_log10(check_fails):
    message = check_fails(check_bce_example, bce_log10)
    assert "expected log 2 = 0.693147" in message and found_value(message) == pytest.approx(0.30103, abs=1e-5)


# --------------------------------------------------------------------------------------------
# Training loops (hw01 q5): train(model, X, y, loss_fn, optimizer, epochs) -> per-epoch losses.


def train(model, X, y, loss_fn, optimizer, epochs):
    """Correct: full batch, zero_grad, loss, backward, step, record loss.item()."""
    losses = []
    model.train()
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def train_without_zero_grad(model, X, y, loss_fn, optimizer, epochs):
    losses = []
    for _ in range(epochs):
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def train_steps_before_backward(model, X, y, loss_fn, optimizer, epochs):
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        optimizer.step()
        loss.backward()
        losses.append(loss.item())
    return losses


def train_without_backward(model, X, y, loss_fn, optimizer, epochs):
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        optimizer.step()
        losses.append(loss.item())
    return losses


def train_ascends_the_loss(model, X, y, loss_fn, optimizer, epochs):
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        (-loss).backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def train_two_steps_per_epoch(model, X, y, loss_fn, optimizer, epochs):
    losses = []
    for _ in range(epochs):
        for half in (X[: len(X) // 2], X[len(X) // 2:]):
            optimizer.zero_grad()
            target = y[: len(X) // 2] if half.data_ptr() == X.data_ptr() else y[len(X) // 2:]
            loss = loss_fn(model(half), target)
            loss.backward()
            optimizer.step()
        losses.append(loss.item())
    return losses


def train_makes_its_own_optimizer(model, X, y, loss_fn, optimizer, epochs):
    own = torch.optim.SGD(model.parameters(), lr=0.01)
    return train(model, X, y, loss_fn, own, epochs)


def train_records_loss_after_step(model, X, y, loss_fn, optimizer, epochs):
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss_fn(model(X), y).backward()
        optimizer.step()
        with torch.no_grad():
            losses.append(loss_fn(model(X), y).item())
    return losses


def train_skips_last_epoch(model, X, y, loss_fn, optimizer, epochs):
    return train(model, X, y, loss_fn, optimizer, epochs - 1)


def train_forgets_return(model, X, y, loss_fn, optimizer, epochs):
    train(model, X, y, loss_fn, optimizer, epochs)


def train_returns_last_loss_only(model, X, y, loss_fn, optimizer, epochs):
    return train(model, X, y, loss_fn, optimizer, epochs)[-1]


def train_logs_nan(model, X, y, loss_fn, optimizer, epochs):
    return [float("nan") for _ in train(model, X, y, loss_fn, optimizer, epochs)]


def train_returns_formatted_strings(model, X, y, loss_fn, optimizer, epochs):
    return [f"{loss:.4f}" for loss in train(model, X, y, loss_fn, optimizer, epochs)]


def train_prints_losses_as_text(model, X, y, loss_fn, optimizer, epochs):
    return [f"epoch {i}: loss {loss:.4f}" for i, loss in enumerate(train(model, X, y, loss_fn, optimizer, epochs))]


def train_returns_rigged_losses(model, X, y, loss_fn, optimizer, epochs):
    train(model, X, y, loss_fn, optimizer, epochs)
    return [AlwaysEqual() for _ in range(epochs)]


def test_training_checks_pass_a_correct_train(run_check):
    run_check(check_train_returns_losses, train)
    context = run_check(check_train_loss_falls, train)
    (measured,) = context.measurements
    assert measured["limit"] == 0.9 and measured["margin"] > 0
    context = run_check(check_train_matches_gradient_descent, train)
    assert context.measurements[0]["metric"] == "parameter error vs gradient descent"
    assert context.measurements[0]["margin"] > 0


def test_train_matches_gradient_descent_without_zero_grad(check_fails):
    message = check_fails(check_train_matches_gradient_descent, train_without_zero_grad)
    assert "`train_without_zero_grad`" in message
    assert "differ from full-batch gradient descent by up to" in message and "zero the gradients" in message


def test_train_matches_gradient_descent_steps_before_backward(check_fails):
    message = check_fails(check_train_matches_gradient_descent, train_steps_before_backward)
    assert "after 8 epochs" in message and "differ from full-batch gradient descent" in message
    assert "backward(), then step()" in message


def test_train_matches_gradient_descent_two_steps_per_epoch(check_fails):
    message = check_fails(check_train_matches_gradient_descent, train_two_steps_per_epoch)
    assert "once per epoch (full batch), found 16 calls" in message


def test_train_matches_gradient_descent_own_optimizer(check_fails):
    message = check_fails(check_train_matches_gradient_descent, train_makes_its_own_optimizer)
    assert "should call optimizer.step() once per epoch" in message and "found 0 calls" in message


def test_train_matches_gradient_descent_loss_after_step(check_fails):
    message = check_fails(check_train_matches_gradient_descent, train_records_loss_after_step)
    assert "returned losses differ from the loss before each step" in message


def test_train_matches_gradient_descent_skips_last_epoch(check_fails):
    message = check_fails(check_train_matches_gradient_descent, train_skips_last_epoch)
    assert "epochs=8" in message and "found 7 calls" in message


def _first_and_last_loss(message: str) -> tuple[float, float]:
    """The loss before and after training that a loss-falls message reports (4 decimals each)."""
    first, last = map(float, re.findall(r"-?\d+\.\d{4}\b", message))
    return first, last


def test_train_loss_falls_without_backward(check_fails):
    message = check_fails(check_train_loss_falls, train_without_backward)
    assert "over 40 epochs" in message and "should fall" in message
    assert "backward() and step()" in message
    first, last = _first_and_last_loss(message)
    assert first == last


def test_train_loss_falls_ascends_the_loss(check_fails):
    message = check_fails(check_train_loss_falls, train_ascends_the_loss)
    assert "should fall" in message
    first, last = _first_and_last_loss(message)
    assert last > first


def test_train_returns_losses_forgets_return(check_fails):
    message = check_fails(check_train_returns_losses, train_forgets_return)
    assert "list of 5 per-epoch losses" in message and "found NoneType" in message


def test_train_returns_losses_last_loss_only(check_fails):
    message = check_fails(check_train_returns_losses, train_returns_last_loss_only)
    assert "list of 5 per-epoch losses" in message and "found float" in message


def test_train_returns_losses_skips_last_epoch(check_fails):
    message = check_fails(check_train_returns_losses, train_skips_last_epoch)
    assert "epochs=5 should return 5 losses, found 4" in message


def test_train_returns_losses_nan(check_fails):
    message = check_fails(check_train_returns_losses, train_logs_nan)
    assert "NaN or infinite" in message


@pytest.mark.parametrize("fn", [train_returns_formatted_strings, train_prints_losses_as_text])
def test_train_returns_losses_as_text(check_fails, fn):
    """Text where numbers belong is the student's mistake (a CheckFailed), not a grader crash."""
    message = check_fails(check_train_returns_losses, fn)
    assert "5 per-epoch losses" in message and "str" in message


def test_train_returns_losses_refuses_rigged_losses(check_fails):
    message = check_fails(check_train_returns_losses, train_returns_rigged_losses)
    assert "wrong type" in message and "AlwaysEqual" in message


# --------------------------------------------------------------------------------------------
# Trained models on fresh data (hw01 q6/q7).


class XORNet(nn.Module):
    """Correct: a hidden layer with a non-linearity."""

    def __init__(self, hidden: int = 8):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(2, hidden), nn.Tanh(), nn.Linear(hidden, 1), nn.Sigmoid())

    def forward(self, x):
        return self.layers(x)


class XorNetWithoutNonlinearity(XORNet):
    def __init__(self, hidden: int = 8):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(2, hidden), nn.Linear(hidden, 1), nn.Sigmoid())


class ConstantModel(nn.Module):
    """Predicts 'true' for every input."""

    def __init__(self):
        super().__init__()
        self.bias = nn.Parameter(torch.ones(1))

    def forward(self, x):
        return torch.sigmoid(self.bias).expand(len(x), 1)


class ForwardIgnoresInput(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, x):
        return torch.sigmoid(self.linear(torch.zeros_like(x)))


def _fit(model: nn.Module, gate: str, *, optimizer: str = "sgd", lr: float = 1.0, epochs: int = 300,
         seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    X, y = logic_gate(gate, num_samples=500, noise_level=0.1, seed=3)
    opt = (torch.optim.Adam if optimizer == "adam" else torch.optim.SGD)(model.parameters(), lr=lr)
    train(model, X, y.float().unsqueeze(1), nn.BCELoss(), opt, epochs)
    return model


@pytest.fixture(scope="module")
def and_neuron() -> nn.Module:
    torch.manual_seed(0)
    return _fit(NeuronFromLayers(2), "AND")


def test_gate_accuracy_passes_a_trained_neuron(run_check, and_neuron, thresholds):
    context = run_check(check_gate_accuracy, and_neuron, gate="AND", threshold_name="gate_accuracy")
    (measured,) = context.measurements
    assert measured["metric"] == "AND accuracy" and measured["limit"] == thresholds["gate_accuracy"]
    assert measured["value"] >= thresholds["gate_accuracy"]


def test_gate_accuracy_passes_a_trained_xor_net(run_check):
    torch.manual_seed(0)
    model = _fit(XORNet(), "XOR", optimizer="adam", lr=0.05)
    run_check(check_gate_accuracy, model, gate="XOR", threshold_name="xor_accuracy")


def test_gate_accuracy_xor_net_without_nonlinearity(check_fails, thresholds):
    torch.manual_seed(0)
    model = _fit(XorNetWithoutNonlinearity(), "XOR", optimizer="adam", lr=0.05)
    message = check_fails(check_gate_accuracy, model, gate="XOR", threshold_name="xor_accuracy")
    assert "400 fresh XOR points" in message
    assert f"at least {thresholds['xor_accuracy']:.2f}" in message
    assert found_value(message) < 0.8


def test_gate_accuracy_constant_model(check_fails, thresholds):
    message = check_fails(check_gate_accuracy, ConstantModel(), gate="AND", threshold_name="gate_accuracy")
    assert "`ConstantModel`" in message and f"at least {thresholds['gate_accuracy']:.2f}" in message
    assert found_value(message) < 0.5  # about a quarter of AND points are positive


def test_gate_accuracy_forward_ignores_input(check_fails):
    message = check_fails(check_gate_accuracy, ForwardIgnoresInput(), gate="OR",
                          threshold_name="gate_accuracy")
    assert found_value(message) <= 0.8


def test_gate_accuracy_neuron_trained_on_the_wrong_gate(check_fails):
    model = _fit(NeuronFromLayers(2), "OR")
    message = check_fails(check_gate_accuracy, model, gate="AND", threshold_name="gate_accuracy")
    assert "fresh AND points" in message and found_value(message) < 0.9


def test_gate_accuracy_wrong_output_shape(check_fails):
    message = check_fails(check_gate_accuracy, NeuronTwoOutputs(2), gate="AND",
                          threshold_name="gate_accuracy")
    assert "on 400 inputs: expected an output of shape (400, 1), found (400, 2)" in message


def test_gate_accuracy_not_a_module(check_fails, and_neuron):
    def predict_and(X):
        return and_neuron(X)

    message = check_fails(check_gate_accuracy, predict_and, gate="AND", threshold_name="gate_accuracy")
    assert "should be a trained nn.Module, found a function" in message


def test_gate_accuracy_unknown_threshold_is_a_grader_error(run_check, and_neuron):
    """A threshold missing from the profile is the grader's misconfiguration, not a CheckFailed."""
    with pytest.raises(KeyError, match="no_such_threshold"):
        run_check(check_gate_accuracy, and_neuron, gate="AND", threshold_name="no_such_threshold")


def test_fresh_data_depends_on_the_grading_seed():
    """Hidden data is drawn from the grader's seed: same seed, same data; another seed, other data."""
    def draw(seed: int) -> np.ndarray:
        with grading(GradingContext(seed=seed, test_name="test_q6_and")):
            return fresh_gate_data("AND")[0]

    assert np.array_equal(draw(1), draw(1))
    assert not np.array_equal(draw(1), draw(2))


# --------------------------------------------------------------------------------------------
# scikit-learn baselines (hw01 q1).


def _and_split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    X, y = logic_gate("AND", num_samples=500, noise_level=0.1, seed=1)
    X, y = X.numpy(), y.numpy()
    return X[:400], y[:400], X[400:], y[400:]


@pytest.fixture(scope="module")
def and_baseline() -> tuple[LogisticRegression, float]:
    X_train, y_train, X_test, y_test = _and_split()
    model = LogisticRegression().fit(X_train, y_train)
    return model, float(model.score(X_test, y_test))


class PredictsWithoutSklearn:
    """Has a predict method, but is not a scikit-learn estimator (a hand-written rule)."""

    def predict(self, X):
        return (np.asarray(X).sum(axis=1) > 1.5).astype(np.int64)


@pytest.mark.parametrize("as_type", [float, np.float64, torch.tensor], ids=["float", "numpy", "tensor"])
def test_sklearn_baseline_passes_a_fitted_model(run_check, and_baseline, as_type):
    """A fitted baseline passes, whatever kind of number its reported accuracy is."""
    model, accuracy = and_baseline
    run_check(check_sklearn_gate_baseline, model, as_type(accuracy), gate="AND",
              threshold_name="baseline_accuracy")


def test_sklearn_baseline_unfitted(check_fails):
    message = check_fails(check_sklearn_gate_baseline, LogisticRegression(), 0.9, gate="AND",
                          threshold_name="baseline_accuracy")
    assert "not fitted" in message


def test_sklearn_baseline_fitted_on_the_wrong_gate(check_fails, thresholds):
    X, y = logic_gate("OR", num_samples=500, noise_level=0.1, seed=2)
    model = LogisticRegression().fit(X.numpy(), y.numpy())
    message = check_fails(check_sklearn_gate_baseline, model, 0.98, gate="AND",
                          threshold_name="baseline_accuracy")
    assert "fresh AND points" in message and f"at least {thresholds['baseline_accuracy']:.2f}" in message
    assert found_value(message) < thresholds["baseline_accuracy"]


def test_sklearn_baseline_not_an_estimator(check_fails):
    message = check_fails(check_sklearn_gate_baseline, NeuronFromLayers(2), 0.98, gate="AND",
                          threshold_name="baseline_accuracy")
    assert "fitted scikit-learn LogisticRegression, found a" in message and "NeuronFromLayers" in message


def test_sklearn_baseline_hand_written_predict(check_fails):
    message = check_fails(check_sklearn_gate_baseline, PredictsWithoutSklearn(), 0.98, gate="AND",
                          threshold_name="baseline_accuracy")
    assert "wrong type" in message and "scikit-learn model" in message and "PredictsWithoutSklearn" in message


def test_sklearn_baseline_accuracy_as_percentage(check_fails, and_baseline):
    model, accuracy = and_baseline
    message = check_fails(check_sklearn_gate_baseline, model, 100 * accuracy, gate="AND",
                          threshold_name="baseline_accuracy")
    assert "test accuracy" in message and "and 1" in message and found_value(message) > 1


@pytest.mark.parametrize("rigged", [AlwaysEqual(), RiggedFloat(0.97)], ids=["rigged_eq", "float_subclass"])
def test_sklearn_baseline_refuses_a_rigged_accuracy(check_fails, and_baseline, rigged):
    model, _ = and_baseline
    message = check_fails(check_sklearn_gate_baseline, model, rigged, gate="AND",
                          threshold_name="baseline_accuracy")
    assert "wrong type" in message and type(rigged).__name__ in message


# --------------------------------------------------------------------------------------------
# Where checks run.


def test_notebook_names_need_a_grading_session():
    """Given Ref names and no session, a check refuses to run rather than guess."""
    with grading(GradingContext(seed=1, test_name="unit")):
        with pytest.raises(RuntimeError, match="no grading session"):
            check_parameter_count(Ref("NeuronFromLayers"), 3, args=[2])


def test_a_check_failure_is_an_assertion_error():
    """Otter's exception-format tests treat AssertionError as a failure; CheckFailed must be one."""
    assert issubclass(CheckFailed, AssertionError)
