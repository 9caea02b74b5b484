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
    check_bce_by_hand,
    check_bce_example,
    check_bce_is_finite,
    check_fit_baseline,
    check_gate_accuracy,
    check_hidden_nonlinearity,
    check_layers,
    check_matches_bce,
    check_neuron_formula,
    check_number_in_range,
    check_output_shape,
    check_parameter_count,
    check_random_start,
    check_reported_gate_accuracy,
    check_reported_test_accuracy,
    check_retrained_network,
    check_retrained_neuron,
    check_sklearn_gate_baseline,
    check_train_loss_falls,
    check_train_recorded_losses,
    check_train_returns_losses,
    check_train_trajectory,
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
                   "autograder.checks.numerics", "autograder.checks.retrain", "autograder.checks.training"}


def test_every_public_check_is_tested_here():
    """A new check added to one of the covered modules must get its broken-answer tests in this file."""
    public = {name for name in checks.__all__
              if name.startswith("check_") and getattr(checks, name).__module__ in COVERED_MODULES}
    # a check is tested when a test here calls it, or hands it to run_check / check_fails
    tested = {n.id for node in ast.walk(ast.parse(Path(__file__).read_text(encoding="utf-8")))
              if isinstance(node, ast.Call) for n in [node.func, *node.args[:1]]
              if isinstance(n, ast.Name) and n.id.startswith("check_")}
    assert len(public) >= 20 and public <= tested, f"untested checks: {sorted(public - tested)}"


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


def test_bce_checks_pass_a_correct_loss(run_check):
    run_check(check_bce_example, binary_cross_entropy)
    run_check(check_matches_bce, binary_cross_entropy)
    run_check(check_bce_is_finite, binary_cross_entropy)


def test_bce_example_is_a_sanity_check_only(run_check):
    """The public example does not judge how the loss is computed: torch's own passes it."""
    run_check(check_bce_example, torch.nn.functional.binary_cross_entropy)


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


_library_bce = nn.functional.binary_cross_entropy  # bound before the check runs, as a gaming notebook does


def bce_by_library_alias(probs, targets, eps=1e-7):
    return _library_bce(probs.clamp(eps, 1 - eps), targets)


def bce_by_bceloss_module(probs, targets, eps=1e-7):
    return nn.BCELoss()(probs.clamp(eps, 1 - eps), targets)


def bce_constant(probs, targets, eps=1e-7):
    return torch.tensor(0.6931472)


def test_bce_by_hand_passes_a_loss_written_by_hand(run_check):
    run_check(check_bce_by_hand, binary_cross_entropy)


@pytest.mark.parametrize("fn", [bce_by_library_alias, bce_by_bceloss_module])
def test_bce_by_hand_refuses_torchs_loss_under_any_name(check_fails, fn):
    message = check_fails(check_bce_by_hand, fn)
    assert "should be written by hand, but it runs nn.BCELoss / F.binary_cross_entropy" in message


@pytest.mark.parametrize("check", [check_matches_bce, check_bce_is_finite])
def test_bce_checks_give_nothing_for_torchs_loss(check_fails, check):
    """The agreement with nn.BCELoss of nn.BCELoss itself earns nothing on a by-hand question."""
    message = check_fails(check, bce_by_library_alias)
    assert "is not computed by hand: it runs nn.BCELoss / F.binary_cross_entropy" in message


def test_bce_by_hand_refuses_a_constant(check_fails):
    message = check_fails(check_bce_by_hand, bce_constant)
    assert "returns the same value for two different sets" in message


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


def train_forces_its_learning_rate(model, X, y, loss_fn, optimizer, epochs):
    for group in optimizer.param_groups:
        group["lr"] = 0.5  # the notebook's value, whatever the caller chose
    return train(model, X, y, loss_fn, optimizer, epochs)


def train_ignores_epochs(model, X, y, loss_fn, optimizer, epochs):
    return train(model, X, y, loss_fn, optimizer, 8)


def train_zero_grad_after_backward(model, X, y, loss_fn, optimizer, epochs):
    losses = []
    for _ in range(epochs):
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.zero_grad()
        optimizer.step()
        losses.append(loss.item())
    return losses


def test_training_checks_pass_a_correct_train(run_check):
    run_check(check_train_returns_losses, train)
    context = run_check(check_train_loss_falls, train)
    (measured,) = context.measurements
    assert measured["limit"] == 0.9 and measured["margin"] > 0
    context = run_check(check_train_trajectory, train)
    assert context.measurements[0]["metric"] == "parameter error vs gradient descent"
    assert context.measurements[0]["margin"] > 0
    run_check(check_train_recorded_losses, train)


def test_train_trajectory_without_zero_grad(check_fails):
    message = check_fails(check_train_trajectory, train_without_zero_grad)
    assert "`train_without_zero_grad`" in message and "from epoch 2 on" in message
    assert "differ from full-batch gradient descent" in message and "never reset" in message


def test_train_trajectory_steps_before_backward(check_fails):
    message = check_fails(check_train_trajectory, train_steps_before_backward)
    assert "for 13 epochs" in message and "differ from full-batch gradient descent" in message
    assert "before any loss.backward()" in message


def test_train_trajectory_zero_grad_between_backward_and_step(check_fails):
    message = check_fails(check_train_trajectory, train_zero_grad_after_backward)
    assert "reset between loss.backward() and optimizer.step()" in message


def test_train_trajectory_ignores_the_learning_rate(check_fails):
    """A loop that forces the notebook's learning rate passes at lr=0.5 but not at the grader's 0.3."""
    message = check_fails(check_train_trajectory, train_forces_its_learning_rate)
    assert "SGD (lr=0.3)" in message and "from epoch 1 on" in message
    assert "gradient descent with a learning rate of 0.5 instead of the optimizer's 0.3" in message


def test_train_trajectory_ignores_epochs(check_fails):
    message = check_fails(check_train_trajectory, train_ignores_epochs)
    assert "epochs=13" in message and "found 8 calls" in message


def test_train_trajectory_two_steps_per_epoch(check_fails):
    message = check_fails(check_train_trajectory, train_two_steps_per_epoch)
    assert "once per epoch (full batch), found 26 calls" in message


def test_train_trajectory_own_optimizer(check_fails):
    message = check_fails(check_train_trajectory, train_makes_its_own_optimizer)
    assert "on the optimizer it is given once per epoch" in message and "found 0 calls" in message


def test_train_trajectory_keeps_a_loop_recording_the_loss_after_the_step(run_check):
    """A cosmetic slip in what is recorded does not cost the trajectory's points."""
    run_check(check_train_trajectory, train_records_loss_after_step)


def test_train_recorded_losses_loss_after_step(check_fails):
    message = check_fails(check_train_recorded_losses, train_records_loss_after_step)
    assert "differ from the loss of the model before each epoch's step" in message
    assert "they are the losses after each step" in message


def test_train_recorded_losses_skips_last_epoch(check_fails):
    message = check_fails(check_train_recorded_losses, train_skips_last_epoch)
    assert "epochs=13 should return 13 losses, found 12" in message


def test_train_recorded_losses_of_a_run_that_never_trains(check_fails):
    message = check_fails(check_train_recorded_losses, train_steps_before_backward)
    assert "no optimizer step changed the parameters" in message and "before any loss.backward()" in message


def test_train_recorded_losses_without_zero_grad_are_honest(run_check):
    """The losses of a loop without zero_grad are still its model's losses: that test passes."""
    run_check(check_train_recorded_losses, train_without_zero_grad)


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


def test_gate_accuracy_names_a_constant_predictor(check_fails):
    message = check_fails(check_gate_accuracy, ConstantModel(), gate="AND", threshold_name="gate_accuracy")
    assert "predicts class 1 for all 400 points" in message


def test_gate_accuracy_of_class_passes_an_instance(run_check, and_neuron):
    run_check(check_gate_accuracy, and_neuron, gate="AND", threshold_name="gate_accuracy", of_class=NeuronFromLayers)


class NearestCorner(nn.Module):
    """Gamed: snaps each point to the nearest corner and answers that corner's training label."""

    def __init__(self, table):
        super().__init__()
        self.register_buffer("table", torch.tensor(table, dtype=torch.float32).reshape(2, 2))

    def forward(self, x):
        corner = x.round().clamp(0, 1).long()
        return self.table[corner[:, 0], corner[:, 1]].unsqueeze(1)


def test_gate_accuracy_of_class_refuses_a_rule_in_its_place(check_fails):
    message = check_fails(check_gate_accuracy, NearestCorner([0, 0, 0, 1]), gate="AND",
                          threshold_name="gate_accuracy", of_class=NeuronFromLayers)
    assert "should be a `NeuronFromLayers` trained with your code, found a" in message and "NearestCorner" in message


def _xor_neuron_and_accuracy() -> tuple[nn.Module, float]:
    model = _fit(NeuronFromLayers(2), "XOR")
    X, y = logic_gate("XOR", num_samples=500, noise_level=0.1, seed=3)
    with torch.no_grad():
        return model, float(((model(X).squeeze(1) >= 0.5).long() == y).float().mean())


def test_reported_gate_accuracy_passes_the_measured_accuracy(run_check):
    model, accuracy = _xor_neuron_and_accuracy()
    run_check(check_reported_gate_accuracy, model, accuracy, gate="XOR", data_seed=3,
              tolerance_name="reported_tolerance", of_class=NeuronFromLayers)


def test_reported_gate_accuracy_typed_in(check_fails):
    model, accuracy = _xor_neuron_and_accuracy()
    message = check_fails(check_reported_gate_accuracy, model, 0.25, gate="XOR", data_seed=3,
                          tolerance_name="reported_tolerance", of_class=NeuronFromLayers)
    assert f"the grader measures {accuracy:.4f}, the notebook says 0.2500" in message


def test_reported_gate_accuracy_on_other_data(check_fails):
    """An accuracy measured on other points (here the AND data) is not the one the question names."""
    model, _ = _xor_neuron_and_accuracy()
    X, y = logic_gate("AND", num_samples=500, noise_level=0.1, seed=1)
    with torch.no_grad():
        other = float(((model(X).squeeze(1) >= 0.5).long() == y).float().mean())
    message = check_fails(check_reported_gate_accuracy, model, other, gate="XOR", data_seed=3,
                          tolerance_name="reported_tolerance")
    assert "500 XOR points" in message


def train_neuron(X, y, epochs=300, lr=1.0, seed=0):
    """Correct: a NeuronFromLayers trained with train, BCELoss and SGD."""
    torch.manual_seed(seed)
    model = NeuronFromLayers(X.shape[1])
    train(model, X, y.float().unsqueeze(1), nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=lr), epochs)
    return model


def train_neuron_snaps_to_corners(X, y, epochs=300, lr=1.0, seed=0):
    corners = X.round().clamp(0, 1).long()
    table = [float(y[(corners[:, 0] == i) & (corners[:, 1] == j)].float().mean() >= 0.5) for i in (0, 1) for j in (0, 1)]
    return NearestCorner(table)


class SnappingNeuron(NeuronFromLayers):
    """Gamed: a NeuronFromLayers whose forward is a corner rule, trained so that it looks trained."""

    def forward(self, x):
        return (x.round().clamp(0, 1).sum(dim=1, keepdim=True) >= 2).float() * torch.sigmoid(self.linear(x)) ** 0


def train_neuron_typed_in_and(X, y, epochs=300, lr=1.0, seed=0):
    """Gamed: the AND weights typed in, no training."""
    model = NeuronFromLayers(2)
    with torch.no_grad():
        model.linear.weight.copy_(torch.tensor([[10.0, 10.0]]))
        model.linear.bias.copy_(torch.tensor([-15.0]))
    return model


def train_neuron_learning_rate_too_small(X, y, epochs=300, lr=1.0, seed=0):
    return train_neuron(X, y, epochs, 1e-4, seed)


def test_retrained_neuron_passes_a_correct_recipe(run_check, thresholds):
    context = run_check(check_retrained_neuron, train_neuron, NeuronFromLayers, threshold_name="gate_accuracy")
    assert len(context.measurements) == 2
    assert all(m["value"] >= thresholds["gate_accuracy"] for m in context.measurements)


def test_retrained_neuron_rule_in_its_place(check_fails):
    message = check_fails(check_retrained_neuron, train_neuron_snaps_to_corners, NeuronFromLayers,
                          threshold_name="gate_accuracy")
    assert "should be a `NeuronFromLayers` trained by your code, found a" in message and "NearestCorner" in message


def test_retrained_neuron_typed_in_weights(check_fails):
    message = check_fails(check_retrained_neuron, train_neuron_typed_in_and, NeuronFromLayers,
                          threshold_name="gate_accuracy")
    assert "never moved by an optimizer step" in message


def test_retrained_neuron_subclass_with_a_rule(check_fails):
    def fit(X, y, epochs=300, lr=1.0, seed=0):
        model = SnappingNeuron(2)
        train(model, X, y.float().unsqueeze(1), nn.BCELoss(), torch.optim.SGD(model.parameters(), lr=lr), 3)
        return model

    message = check_fails(check_retrained_neuron, fit, SnappingNeuron, threshold_name="gate_accuracy")
    assert "does not compute sigmoid(b + x.w) with its own parameters" in message


def test_retrained_neuron_learning_rate_too_small(check_fails, thresholds):
    message = check_fails(check_retrained_neuron, train_neuron_learning_rate_too_small, NeuronFromLayers,
                          threshold_name="gate_accuracy")
    assert "trained on 200 of its points, on 400 fresh ones" in message
    assert f"at least {thresholds['gate_accuracy']:.2f}" in message


class ClosedFormXorNet(nn.Module):
    """Gamed: the textbook XOR weights typed in (OR and AND units)."""

    def __init__(self, hidden: int = 8):
        super().__init__()
        self.hidden, self.out = nn.Linear(2, hidden), nn.Linear(hidden, 1)
        with torch.no_grad():
            self.hidden.weight.fill_(20.0)
            self.hidden.bias.fill_(-30.0)
            self.hidden.bias[0] = -10.0
            self.out.weight.zero_()
            self.out.weight[0, 0], self.out.weight[0, 1] = 20.0, -20.0
            self.out.bias.fill_(-10.0)

    def forward(self, x):
        return torch.sigmoid(self.out(torch.sigmoid(self.hidden(x))))


class XorRuleNet(XORNet):
    """Gamed: a real XORNet whose forward answers XOR by a rule."""

    def forward(self, x):
        bits = (x > 0.5).float()
        return (bits[:, :1] - bits[:, 1:]).abs() * 0.98 + 0.01 + 0 * self.layers(x)


def test_random_start_passes_a_randomly_initialised_net(run_check):
    run_check(check_random_start, XORNet)


def test_random_start_typed_in_weights(check_fails):
    message = check_fails(check_random_start, ClosedFormXorNet)
    assert "starts from the same parameters under two different torch seeds" in message


def test_retrained_network_passes_a_correct_net_and_train(run_check, thresholds):
    context = run_check(check_retrained_network, XORNet, train, gate="XNOR", threshold_name="xor_accuracy",
                        lr=0.05, epochs=300)
    assert context.measurements[0]["value"] >= thresholds["xor_accuracy"]


def test_retrained_network_typed_in_weights(check_fails):
    message = check_fails(check_retrained_network, ClosedFormXorNet, train, gate="XNOR",
                          threshold_name="xor_accuracy", lr=0.05, epochs=300)
    assert "weights are typed in" in message


def test_retrained_network_rule_ignores_its_training(check_fails):
    """An XOR rule in forward scores 0 on the grader's XNOR data, whatever the training did."""
    message = check_fails(check_retrained_network, XorRuleNet, train, gate="XNOR", threshold_name="xor_accuracy",
                          lr=0.05, epochs=300)
    assert "gate XNOR" in message and found_value(message) < 0.1


def test_retrained_network_without_nonlinearity(check_fails):
    message = check_fails(check_retrained_network, XorNetWithoutNonlinearity, train, gate="XNOR",
                          threshold_name="xor_accuracy", lr=0.05, epochs=300)
    assert found_value(message) < 0.8


def test_retrained_network_loop_without_zero_grad(check_fails):
    """Whether a loop that never resets the gradients still learns depends on the seed: its defect decides."""
    message = check_fails(check_retrained_network, XORNet, train_without_zero_grad, gate="XNOR",
                          threshold_name="xor_accuracy", lr=0.05, epochs=300)
    assert "cannot vouch for `XORNet`" in message and "never reset" in message


class XorNetFunctionalRelu(nn.Module):
    """Correct: named layers and torch.relu."""

    def __init__(self, hidden: int = 8):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(2, hidden), nn.Linear(hidden, 1)

    def forward(self, x):
        return torch.sigmoid(self.fc2(torch.relu(self.fc1(x))))


class XorNetIgnoresHidden(XORNet):
    def __init__(self, hidden: int = 8):
        super().__init__(2)


@pytest.mark.parametrize("model", [XORNet, XorNetFunctionalRelu])
def test_hidden_nonlinearity_passes_a_correct_net(run_check, model):
    run_check(check_hidden_nonlinearity, model, sizes=[2, 5, 1], args=[5])


def test_hidden_nonlinearity_without_nonlinearity(check_fails):
    message = check_fails(check_hidden_nonlinearity, XorNetWithoutNonlinearity, sizes=[2, 5, 1], args=[5])
    assert "sigmoid of a linear function of the input" in message and "between the two nn.Linear layers" in message


@pytest.mark.parametrize("offset", range(20))  # the 20 grader seeds of benchmarks/margins.py
def test_hidden_nonlinearity_under_every_margin_seed(run_check, check_fails, hw01, offset):
    """The grader's own weights for test_q7_architecture (its secret, its name): a linear network fails
    and a correct one passes under each seed; under seed 20260118 every draw saturated the linear
    network's outputs, and saturated draws used to count as a pass."""
    grader = {"seed": hw01.config.seed + offset, "secret": hw01.config.secret, "test_name": "test_q7_architecture"}
    run_check(check_hidden_nonlinearity, XORNet, sizes=[2, 5, 1], args=[5], **grader)
    message = check_fails(check_hidden_nonlinearity, XorNetWithoutNonlinearity, sizes=[2, 5, 1], args=[5], **grader)
    assert "between the two nn.Linear layers" in message


def test_hidden_nonlinearity_forward_ignores_input(check_fails):
    class IgnoresInput(XORNet):
        def forward(self, x):
            return self.layers(torch.zeros_like(x))

    message = check_fails(check_hidden_nonlinearity, IgnoresInput, sizes=[2, 5, 1], args=[5])
    assert "the same for every input" in message


def test_hidden_nonlinearity_ignores_hidden(check_fails):
    message = check_fails(check_hidden_nonlinearity, XorNetIgnoresHidden, sizes=[2, 5, 1], args=[5])
    assert "a 2-5-1 network of nn.Linear layers has 21 trainable parameters" in message


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


def test_sklearn_baseline_passes_a_fitted_model(run_check, and_baseline, thresholds):
    model, _ = and_baseline
    context = run_check(check_sklearn_gate_baseline, model, gate="AND", threshold_name="baseline_accuracy")
    assert context.measurements[0]["value"] >= thresholds["baseline_accuracy"]


def test_sklearn_baseline_unfitted(check_fails):
    message = check_fails(check_sklearn_gate_baseline, LogisticRegression(), gate="AND",
                          threshold_name="baseline_accuracy")
    assert "not fitted" in message


def test_sklearn_baseline_fitted_on_the_wrong_gate(check_fails, thresholds):
    X, y = logic_gate("OR", num_samples=500, noise_level=0.1, seed=2)
    model = LogisticRegression().fit(X.numpy(), y.numpy())
    message = check_fails(check_sklearn_gate_baseline, model, gate="AND", threshold_name="baseline_accuracy")
    assert "fresh AND points" in message and f"at least {thresholds['baseline_accuracy']:.2f}" in message
    assert found_value(message) < thresholds["baseline_accuracy"]


def test_sklearn_baseline_another_classifier(check_fails):
    """The question asks for a LogisticRegression: another linear classifier is refused by name."""
    from sklearn.linear_model import Perceptron

    X_train, y_train, _, _ = _and_split()
    message = check_fails(check_sklearn_gate_baseline, Perceptron().fit(X_train, y_train), gate="AND",
                          threshold_name="baseline_accuracy")
    assert "fitted scikit-learn LogisticRegression, found a Perceptron" in message


def test_sklearn_baseline_not_an_estimator(check_fails):
    message = check_fails(check_sklearn_gate_baseline, NeuronFromLayers(2), gate="AND",
                          threshold_name="baseline_accuracy")
    assert "scikit-learn model" in message and "NeuronFromLayers" in message


def test_sklearn_baseline_hand_written_predict(check_fails):
    message = check_fails(check_sklearn_gate_baseline, PredictsWithoutSklearn(), gate="AND",
                          threshold_name="baseline_accuracy")
    assert "wrong type" in message and "scikit-learn model" in message and "PredictsWithoutSklearn" in message


def _notebook_baseline(score_on: str) -> tuple[LogisticRegression, float]:
    """The notebook's AND baseline (logic_gate seed 1, split seed 140), reporting the accuracy on a part."""
    from student_lib.datasets import train_test_split

    X, y = logic_gate("AND", num_samples=500, noise_level=0.1, seed=1)
    X_train, X_test, y_train, y_test = (t.numpy() for t in train_test_split(X, y, test_fraction=0.2, seed=140))
    model = LogisticRegression().fit(X_train, y_train)
    part = (X_test, y_test) if score_on == "test" else (X_train, y_train)
    return model, float(model.score(*part))


@pytest.mark.parametrize("as_type", [float, np.float64, torch.tensor], ids=["float", "numpy", "tensor"])
def test_reported_test_accuracy_passes_the_test_accuracy(run_check, as_type):
    model, accuracy = _notebook_baseline("test")
    run_check(check_reported_test_accuracy, model, as_type(accuracy), gate="AND", data_seed=1, split_seed=140,
              tolerance_name="reported_tolerance")


def test_reported_test_accuracy_measured_on_the_training_part(check_fails):
    model, accuracy = _notebook_baseline("train")
    message = check_fails(check_reported_test_accuracy, model, accuracy, gate="AND", data_seed=1,
                          split_seed=140, tolerance_name="reported_tolerance")
    assert "grader measures 1.0000, found 0.9975" in message and "accuracy on the training part" in message


def test_reported_test_accuracy_typed_in(check_fails):
    model, _ = _notebook_baseline("test")
    message = check_fails(check_reported_test_accuracy, model, 0.97, gate="AND", data_seed=1, split_seed=140,
                          tolerance_name="reported_tolerance")
    assert "found 0.9700" in message and "fraction of correct predictions on the test part" in message


def test_reported_test_accuracy_as_percentage(check_fails):
    model, accuracy = _notebook_baseline("test")
    message = check_fails(check_reported_test_accuracy, model, 100 * accuracy, gate="AND", data_seed=1,
                          split_seed=140, tolerance_name="reported_tolerance")
    assert "found 100.0000" in message


@pytest.mark.parametrize("rigged", [AlwaysEqual(), RiggedFloat(0.97)], ids=["rigged_eq", "float_subclass"])
def test_reported_test_accuracy_refuses_a_rigged_accuracy(check_fails, rigged):
    model, _ = _notebook_baseline("test")
    message = check_fails(check_reported_test_accuracy, model, rigged, gate="AND", data_seed=1, split_seed=140,
                          tolerance_name="reported_tolerance")
    assert "wrong type" in message and type(rigged).__name__ in message


def fit_baseline(X, y, seed=140):
    """Correct: fit on the training part, score on the test part."""
    from student_lib.datasets import train_test_split

    X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=0.2, seed=seed)
    model = LogisticRegression().fit(X_train.numpy(), y_train.numpy())
    return model, float(model.score(X_test.numpy(), y_test.numpy()))


def fit_baseline_scores_training_part(X, y, seed=140):
    from student_lib.datasets import train_test_split

    X_train, _, y_train, _ = train_test_split(X, y, test_fraction=0.2, seed=seed)
    model = LogisticRegression().fit(X_train.numpy(), y_train.numpy())
    return model, float(model.score(X_train.numpy(), y_train.numpy()))


def fit_baseline_returns_the_notebook_model(X, y, seed=140):
    """Gamed: the AND model fitted once in the notebook, whatever data it is given."""
    return _notebook_baseline("test")


def fit_baseline_returns_the_model_only(X, y, seed=140):
    return fit_baseline(X, y, seed)[0]


def test_fit_baseline_passes_a_correct_recipe(run_check):
    context = run_check(check_fit_baseline, fit_baseline, threshold_name="baseline_accuracy",
                        tolerance_name="reported_tolerance")
    assert len(context.measurements) == 2 and all(m["margin"] >= 0 for m in context.measurements)


def test_fit_baseline_scores_the_training_part(check_fails):
    message = check_fails(check_fit_baseline, fit_baseline_scores_training_part, threshold_name="baseline_accuracy",
                          tolerance_name="reported_tolerance")
    assert "40 test points of the split" in message and "accuracy on the training part" in message


def test_fit_baseline_returns_a_model_fitted_elsewhere(check_fails, thresholds):
    message = check_fails(check_fit_baseline, fit_baseline_returns_the_notebook_model,
                          threshold_name="baseline_accuracy", tolerance_name="reported_tolerance")
    assert f"expected an accuracy of at least {thresholds['baseline_accuracy']:.2f}" in message
    assert "fit the LogisticRegression on the training part of the X and y it is given" in message


def test_fit_baseline_returns_the_model_only(check_fails):
    message = check_fails(check_fit_baseline, fit_baseline_returns_the_model_only, threshold_name="baseline_accuracy",
                          tolerance_name="reported_tolerance")
    assert "should return a pair (fitted model, test accuracy)" in message and "LogisticRegression" in message


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
