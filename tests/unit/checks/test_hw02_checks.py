"""The HW2 checks (tensors, layers, loops, regression), run locally against answers named for their bug.

Each broken answer must fail with a message that names the problem; the reference answers (and
correct answers written differently) must pass. Grading whole notebooks, margins over many seeds
and the cuda profile are covered by the hw02 corpus (tests/e2e/test_corpus.py, benchmarks/margins.py).
"""

from __future__ import annotations

from functools import reduce

import numpy as np
import pytest
import torch
from torch import nn

from autograder.checks import (
    CheckFailed,
    check_affine,
    check_as_column,
    check_collapse_format,
    check_collapse_leaves_stack_unchanged,
    check_collapse_linear,
    check_collapse_without_bias,
    check_device_handling,
    check_float32_conversion,
    check_line_formula,
    check_loop_follows_gradient_descent,
    check_loop_history_format,
    check_loop_learns_line,
    check_loop_records_losses,
    check_loop_test_without_gradients,
    check_near_noise_floor,
    check_predict_eval_mode,
    check_predict_format,
    check_predict_no_gradients,
    check_regressor_format,
    check_tensor_helpers_format,
)
from autograder.checks.base import GradingContext, grading
from tests.helpers import profile_thresholds


@pytest.fixture(autouse=True)
def context():
    ctx = GradingContext(seed=20260202, test_name="local", thresholds=profile_thresholds("hw02"))
    with grading(ctx):
        yield ctx


def fails(check, *args, **kwargs) -> str:
    with pytest.raises(CheckFailed) as info:
        check(*args, **kwargs)
    return str(info.value)


# --- q1: tensors ----------------------------------------------------------------------------------

def to_float_tensor(data, device):
    tensor = torch.from_numpy(data) if isinstance(data, np.ndarray) else torch.tensor(data)
    return tensor.to(device=device, dtype=torch.float32)


def to_tensor_keeps_dtype(data, device):
    tensor = torch.from_numpy(data) if isinstance(data, np.ndarray) else torch.tensor(data)
    return tensor.to(device)


def to_tensor_ignores_device(data, device):
    return torch.as_tensor(np.asarray(data), dtype=torch.float32)


def as_column(v):
    return v.unsqueeze(1)


def as_row(v):
    return v.unsqueeze(0)


def affine(X, W, b):
    return X @ W.T + b


def affine_without_transpose(X, W, b):
    return X @ W + b


def affine_without_bias(X, W, b):
    return X @ W.T


def test_tensor_helpers_pass():
    check_tensor_helpers_format(to_float_tensor, as_column, affine)
    check_float32_conversion(to_float_tensor)
    check_device_handling(torch.device("cpu"), to_float_tensor)
    check_device_handling("cpu", lambda d, dev: torch.tensor(np.asarray(d), dtype=torch.float32, device=dev))
    check_as_column(as_column)
    check_as_column(lambda v: v.reshape(-1, 1))
    check_affine(affine)
    check_affine(nn.functional.linear)


def test_conversion_that_keeps_int64_fails():
    assert "dtype int64, expected float32" in fails(check_float32_conversion, to_tensor_keeps_dtype)


def test_device_that_is_named_or_ignored_fails():
    assert "get_device() picks cpu" in fails(check_device_handling, "meta", to_float_tensor)
    assert "should be a torch.device" in fails(check_device_handling, 3, to_float_tensor)
    assert "device='meta'" in fails(check_device_handling, "cpu", to_tensor_ignores_device)


def test_row_instead_of_column_fails():
    assert "expected shape (5, 1), found (1, 5)" in fails(check_as_column, as_row)


def test_affine_bugs_fail():
    assert "mat1 and mat2 shapes cannot be multiplied" in fails(check_affine, affine_without_transpose)
    assert "differs from X W^T + b" in fails(check_affine, affine_without_bias)


# --- q2 and q5: layers ----------------------------------------------------------------------------

class LinearRegressionModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(1))
        self.bias = nn.Parameter(torch.randn(1))

    def forward(self, x):
        return self.weight * x + self.bias


class ForgetsBias(LinearRegressionModel):
    def forward(self, x):
        return self.weight * x


class BiasNotParameter(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(1))
        self.bias = torch.randn(1)

    def forward(self, x):
        return self.weight * x + self.bias


class SwapsWeightAndBias(LinearRegressionModel):
    def forward(self, x):
        return self.bias * x + self.weight


def test_line_formula():
    check_line_formula(LinearRegressionModel)
    assert "should be weight * x + bias" in fails(check_line_formula, ForgetsBias)
    assert "found weight (1,)" in fails(check_line_formula, BiasNotParameter)
    assert "should be weight * x + bias" in fails(check_line_formula, SwapsWeightAndBias)


def collapse_linear(stack):
    first, last = stack[0], stack[-1]
    with torch.no_grad():
        weight, bias = torch.eye(first.in_features), torch.zeros(first.in_features)
        for layer in stack:
            weight, bias = layer.weight @ weight, layer.weight @ bias
            if layer.bias is not None:
                bias = bias + layer.bias
        single = nn.Linear(first.in_features, last.out_features)
        single.weight.copy_(weight)
        single.bias.copy_(bias)
    return single


def collapse_forgets_biases(stack):
    single = collapse_linear(stack)
    with torch.no_grad():
        single.bias.zero_()
    return single


def collapse_assumes_bias(stack):
    with torch.no_grad():
        weight = reduce(lambda w, layer: layer.weight @ w, stack, torch.eye(stack[0].in_features))
        bias = reduce(lambda b, layer: layer.weight @ b + layer.bias, stack, torch.zeros(stack[0].in_features))
        single = nn.Linear(stack[0].in_features, stack[-1].out_features)
        single.weight.copy_(weight)
        single.bias.copy_(bias)
    return single


def collapse_in_place(stack):
    single = collapse_linear(stack)
    with torch.no_grad():
        stack[0].weight.zero_()
    return single


def test_collapse_linear():
    check_collapse_format(collapse_linear)
    check_collapse_linear(collapse_linear)
    check_collapse_without_bias(collapse_linear)
    check_collapse_linear(collapse_assumes_bias)  # every layer has a bias there


def test_collapse_bugs_fail():
    assert "differs from the stack" in fails(check_collapse_linear, collapse_forgets_biases)
    assert "raised TypeError" in fails(check_collapse_without_bias, collapse_assumes_bias)
    assert "should return one nn.Linear, found a torch.nn.modules.container.Sequential" in fails(
        check_collapse_format, lambda stack: stack)
    message = fails(check_collapse_format, lambda stack: nn.Linear(2, 3))
    assert "should return nn.Linear(3, 2), found nn.Linear(2, 3)" in message


def test_collapse_that_mutates_the_stack_loses_one_property_only():
    """Mutating the given stack while returning the right layer fails only the untouched-stack check;
    that check gives nothing to a wrong layer (a fresh layer of the right shape left the stack alone)."""
    check_collapse_format(collapse_in_place)
    check_collapse_linear(collapse_in_place)
    check_collapse_without_bias(collapse_in_place)
    check_collapse_leaves_stack_unchanged(collapse_linear)
    assert "returned the right layer but changed the parameters" in fails(
        check_collapse_leaves_stack_unchanged, collapse_in_place)
    fresh = lambda stack: nn.Linear(stack[0].in_features, stack[-1].out_features)  # noqa: E731
    assert "not checked, because the collapse itself is wrong" in fails(check_collapse_leaves_stack_unchanged, fresh)


# --- q3 and q4: loops ------------------------------------------------------------------------------

def make_loop(*, zero_grad=True, loss_fn=nn.L1Loss, test_no_grad=True, train_on_test=False, fixed_lr=None,
              zero_grad_before_step=False, ascend=False, still_step_at=None):
    """The question's loop, or one of its bugs; ``ascend``: steps up the loss (backward on -loss) and
    records it honestly; ``still_step_at``: that epoch's step is taken with zero gradients."""
    def train_and_test(model, X_train, y_train, X_test, y_test, epochs, lr=0.01, every=10):
        epoch_count, train_losses, test_losses = [], [], []
        loss_of = loss_fn()
        optimizer = torch.optim.SGD(model.parameters(), lr=fixed_lr or lr)
        Xt, yt = (X_test, y_test) if train_on_test else (X_train, y_train)
        for epoch in range(epochs):
            model.train()
            loss = loss_of(model(Xt), yt)
            if zero_grad and not zero_grad_before_step:
                optimizer.zero_grad()
            (-loss if ascend else loss).backward()
            if zero_grad_before_step or epoch == still_step_at:
                optimizer.zero_grad(set_to_none=False)
            optimizer.step()
            model.eval()
            if test_no_grad:
                with torch.inference_mode():
                    test_loss = loss_of(model(X_test), y_test)
            else:
                test_loss = loss_of(model(X_test), y_test)
            if epoch % every == 0:
                epoch_count.append(epoch)
                train_losses.append(loss.item())
                test_losses.append(test_loss.item())
        return epoch_count, train_losses, test_losses
    return train_and_test


def loop_counts_from_one(model, X_train, y_train, X_test, y_test, epochs, lr=0.01, every=10):
    counts, train, test = make_loop()(model, X_train, y_train, X_test, y_test, epochs, lr, every)
    return [e + 1 for e in counts], train, test


def loop_by_hand(model, X_train, y_train, X_test, y_test, epochs, lr=0.01, every=10):
    """Gradient descent written out (what SGD does): a correct alternative."""
    epoch_count, train_losses, test_losses = [], [], []
    for epoch in range(epochs):
        loss = (model(X_train) - y_train).abs().mean()
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for p in model.parameters():
                p -= lr * p.grad
        with torch.inference_mode():
            test_loss = (model(X_test) - y_test).abs().mean()
        if epoch % every == 0:
            epoch_count.append(epoch)
            train_losses.append(loss.item())
            test_losses.append(test_loss.item())
    return epoch_count, train_losses, test_losses


def loop_slides_to_least_squares(model, X_train, y_train, X_test, y_test, epochs, lr=0.01, every=10):
    """Honest losses, but the parameters slide towards the least-squares line, no gradient descent."""
    A = torch.cat([X_train, torch.ones_like(X_train)], dim=1)
    target = torch.linalg.lstsq(A, y_train).solution.reshape(-1)
    epoch_count, train_losses, test_losses = [], [], []
    for epoch in range(epochs):
        with torch.no_grad():
            loss = (model(X_train) - y_train).abs().mean()
            for p, goal in zip(model.parameters(), target):
                p += 0.1 * (goal - p)
            test_loss = (model(X_test) - y_test).abs().mean()
        if epoch % every == 0:
            epoch_count.append(epoch)
            train_losses.append(loss.item())
            test_losses.append(test_loss.item())
    return epoch_count, train_losses, test_losses


def loop_writes_least_squares(model, X_train, y_train, X_test, y_test, epochs, lr=0.01, every=10):
    """Writes the least-squares line in once, before any forward pass, then records true losses."""
    A = torch.cat([X_train, torch.ones_like(X_train)], dim=1)
    target = torch.linalg.lstsq(A, y_train).solution.reshape(-1)
    with torch.no_grad():
        for p, goal in zip(model.parameters(), target):
            p.fill_(goal)
    return loop_slides_to_least_squares(model, X_train, y_train, X_test, y_test, epochs, lr, every)


def test_reference_loop_passes(context):
    loop = make_loop()
    check_loop_history_format(loop)
    check_loop_learns_line(loop)
    check_loop_follows_gradient_descent(loop)
    check_loop_records_losses(loop)
    check_loop_test_without_gradients(loop)
    assert [m["metric"] for m in context.measurements] == ["distance from the grader's line"] * 3
    assert all(m["margin"] > 0 for m in context.measurements)
    check_loop_follows_gradient_descent(loop_by_hand)


def test_loop_that_is_not_gradient_descent_fails_with_its_cause():
    assert "never reset" in fails(check_loop_follows_gradient_descent, make_loop(zero_grad=False))
    assert "reset between loss.backward() and optimizer.step()" in fails(
        check_loop_follows_gradient_descent, make_loop(zero_grad_before_step=True))
    assert "created with lr=0.01, but the loop was called with lr=0.03" in fails(
        check_loop_follows_gradient_descent, make_loop(fixed_lr=0.01))
    assert "the mean squared error" in fails(check_loop_follows_gradient_descent, make_loop(loss_fn=nn.MSELoss))
    assert "were given X_test, never X_train" in fails(check_loop_follows_gradient_descent,
                                                       make_loop(train_on_test=True))
    message = fails(check_loop_follows_gradient_descent, loop_slides_to_least_squares)
    assert "step 1 moved (weight, bias)" in message and "no forward pass of the model ran with gradients" in message
    message = fails(check_loop_follows_gradient_descent, loop_writes_least_squares)
    assert "changed 1 times" not in message and "step 1 moved" in message
    assert "the parameters were set some other way" in message
    check_loop_records_losses(loop_slides_to_least_squares)  # its losses are honest: only the steps give it away


def test_a_step_that_moves_nothing_is_still_that_epochs_step():
    """q3_no_zero_grad lost its records point under grader seed 20260218: its summed L1 gradients
    cancelled once, the step moved nothing, and the parameters 'changed 59 times' in 60 epochs."""
    check_loop_records_losses(make_loop(still_step_at=5))


def test_honest_records_of_a_loop_that_does_not_learn_keep_their_point():
    """One property, one test: rising losses recorded honestly pass the records test (whose bar in
    the question is honesty) and lose the learning test's point. Losses that had to fall made
    q3_no_zero_grad's records point depend on the grader seed (6 of 20 seeds)."""
    check_loop_records_losses(make_loop(ascend=True))
    check_loop_records_losses(make_loop(zero_grad=False))
    assert "must come from the training" in fails(check_loop_learns_line, make_loop(ascend=True))


def test_loop_bugs_fail():
    assert "never reset" in fails(check_loop_learns_line, make_loop(zero_grad=False))
    assert "the mean squared error" in fails(check_loop_learns_line, make_loop(loss_fn=nn.MSELoss))
    assert "must come from the training" in fails(check_loop_learns_line, loop_slides_to_least_squares)
    assert "no forward pass on X_train ran with gradients" in fails(check_loop_test_without_gradients,
                                                                    loop_slides_to_least_squares)
    assert "mean absolute error" in fails(check_loop_records_losses, make_loop(loss_fn=nn.MSELoss))
    assert "ran with gradients enabled" in fails(check_loop_test_without_gradients,
                                                 make_loop(test_no_grad=False))
    assert "ran with gradients enabled" in fails(check_loop_test_without_gradients,
                                                 make_loop(train_on_test=True))
    assert "counting from 0" in fails(check_loop_history_format, loop_counts_from_one)
    assert "should return three lists" in fails(check_loop_history_format, lambda *a, **k: None)


def predict(model, X):
    model.eval()
    with torch.inference_mode():
        return model(X.to(next(model.parameters()).device))


def predict_in_training_mode(model, X):
    with torch.inference_mode():
        return model(X)


def predict_detached(model, X):
    model.eval()
    return model(X).detach()


def predict_with_grad(model, X):
    model.eval()
    return model(X)


def predict_by_forward_only(model, X):
    model.eval()
    with torch.no_grad():
        return model.forward(X)


def test_predict():
    check_predict_format(predict)
    check_predict_eval_mode(predict)
    check_predict_no_gradients(predict)
    check_predict_no_gradients(lambda model, X: predict(model, X).clone())


def test_predict_bugs_fail():
    assert "call model.eval()" in fails(check_predict_eval_mode, predict_in_training_mode)
    assert "detaching the output afterwards is too late" in fails(check_predict_no_gradients, predict_detached)
    assert "ran with gradients enabled" in fails(check_predict_no_gradients, predict_with_grad)
    assert "did not call the model" in fails(check_predict_no_gradients, predict_by_forward_only)
    assert "should return a torch.Tensor" in fails(check_predict_format, lambda model, X: model(X).tolist())


# --- q6: regression -------------------------------------------------------------------------------

def fit_regressor(X, y, epochs=1000, lr=0.01):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 1))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(epochs):
        optimizer.zero_grad()
        nn.functional.mse_loss(model(X), y).backward()
        optimizer.step()
    return model


def least_squares_line(X, y):
    line = nn.Linear(1, 1)
    A = torch.cat([X, torch.ones_like(X)], dim=1)
    solution = torch.linalg.lstsq(A, y).solution
    with torch.no_grad():
        line.weight.fill_(solution[0, 0])
        line.bias.fill_(solution[1, 0])
    return line


class NearestPoint(nn.Module):
    def __init__(self, X, y):
        super().__init__()
        self.X, self.y = X, y

    def forward(self, x):
        return self.y[torch.cdist(x, self.X, compute_mode="donot_use_mm_for_euclid_dist").argmin(dim=1)]


class KnownCurve(nn.Module):
    def forward(self, x):
        return 2 * x + 3 * torch.sin(3 * x) + 1


def test_regressor_passes(context):
    check_regressor_format(fit_regressor)
    check_near_noise_floor(fit_regressor)
    assert len(context.measurements) == 2 and all(m["margin"] > 0 for m in context.measurements)


def fit_line(X, y):
    line = nn.Linear(1, 1)
    optimizer = torch.optim.Adam(line.parameters(), lr=0.05)
    for _ in range(300):
        optimizer.zero_grad()
        nn.functional.mse_loss(line(X), y).backward()
        optimizer.step()
    return line


class Squeezed(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 1))

    def forward(self, x):
        return self.net(x).squeeze(-1)


def fit_squeezed(X, y):
    """Output (n,) against targets (n, 1): the loss broadcasts to (n, n)."""
    torch.manual_seed(0)
    model = Squeezed()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(300):
        optimizer.zero_grad()
        nn.functional.mse_loss(model(X), y).backward()
        optimizer.step()
    return model


def fit_half_registered(X, y):
    model = nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 1))
    optimizer = torch.optim.Adam(model[2].parameters(), lr=0.01)
    for _ in range(50):
        optimizer.zero_grad()
        nn.functional.mse_loss(model(X), y).backward()
        optimizer.step()
    return model


@pytest.mark.filterwarnings("ignore:Using a target size")
def test_regressor_bugs_fail():
    assert "underfits" in fails(check_near_noise_floor, fit_line)
    assert "broadcasts to shape (200, 200)" in fails(check_near_noise_floor, fit_squeezed)
    assert "should return the trained nn.Module" in fails(check_regressor_format, lambda X, y: None)


def test_regressor_not_trained_by_an_optimizer_earns_nothing():
    check_regressor_format(least_squares_line)  # the format is fine
    assert "never stepped by a torch.optim optimizer" in fails(check_near_noise_floor, least_squares_line)
    assert "2 of its 4 trainable parameter tensors were never stepped" in fails(
        check_near_noise_floor, fit_half_registered)
    assert "no trainable parameters" in fails(check_near_noise_floor, NearestPoint)
    assert "no trainable parameters" in fails(check_near_noise_floor, lambda X, y: KnownCurve())
