"""The HW4 digit checks, run locally against small modules named for their bug (no grading session).

Each broken module must fail with a message that names the fix; the reference versions must pass.
Accuracy checks that train on MNIST are covered by the hw04 corpus (tests/e2e/test_corpus.py) instead.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from autograder.checks import CheckFailed
from autograder.checks import digits
from autograder.checks.base import GradingContext, grading


@pytest.fixture(autouse=True)
def context():
    with grading(GradingContext(seed=20260401, test_name="local")):
        yield


def evaluate(model, loader, device):
    model.eval()
    correct, total = 0, 0
    with torch.no_grad():
        for x, y in loader:
            correct += int((model(x.to(device)).argmax(1) == y.to(device)).sum())
            total += len(y)
    return correct / total


def evaluate_in_train_mode(model, loader, device):
    correct, total = 0, 0
    with torch.no_grad():
        for x, y in loader:
            correct += int((model(x).argmax(1) == y).sum())
            total += len(y)
    return correct / total


def evaluate_mean_of_batches(model, loader, device):
    model.eval()
    with torch.no_grad():
        scores = [float((model(x).argmax(1) == y).float().mean()) for x, y in loader]
    return sum(scores) / len(scores)


def train_one_epoch(model, loader, loss_fn, optimizer, device):
    model.train()
    total = 0.0
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x.to(device)), y.to(device))
        loss.backward()
        optimizer.step()
        total += loss.item()
    return total / len(loader)


def forgets_zero_grad(model, loader, loss_fn, optimizer, device):
    model.train()
    total = 0.0
    for x, y in loader:
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        total += loss.item()
    return total / len(loader)


def returns_last_loss(model, loader, loss_fn, optimizer, device):
    model.train()
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
    return loss.item()


class NeuralNet(nn.Module):
    def __init__(self, width=64):
        super().__init__()
        self.layers = nn.Sequential(nn.Flatten(), nn.Linear(784, width), nn.Tanh(), nn.Linear(width, width),
                                    nn.Tanh(), nn.Linear(width, width), nn.Tanh(), nn.Linear(width, 10))

    def forward(self, x):
        return self.layers(x)


class SoftmaxBeforeCrossEntropy(NeuralNet):
    def forward(self, x):
        return self.layers(x).softmax(dim=1)


class ReluInsteadOfTanh(NeuralNet):
    def __init__(self, width=64):
        super().__init__(width)
        self.layers = nn.Sequential(nn.Flatten(), nn.Linear(784, width), nn.ReLU(), nn.Linear(width, width),
                                    nn.ReLU(), nn.Linear(width, width), nn.ReLU(), nn.Linear(width, 10))


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                 nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                 nn.Flatten(), nn.Linear(784, 10))

    def forward(self, x):
        return self.net(x)


class NoPoolBetweenConvs(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 4, 3, padding=1),
                                 nn.ReLU(), nn.MaxPool2d(4), nn.Flatten(), nn.Linear(196, 10))

    def forward(self, x):
        return self.net(x)


class OverTheCeiling(SmallCNN):
    def __init__(self):
        super().__init__()
        self.net[-1] = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))


def failure(check, *args, **kwargs) -> str:
    with pytest.raises(CheckFailed) as info:
        check(*args, **kwargs)
    return str(info.value)


def test_reference_versions_pass():
    digits.check_evaluate_format(evaluate)
    digits.check_evaluate_accuracy(evaluate)
    digits.check_evaluate_no_grad(evaluate)
    digits.check_train_epoch_format(train_one_epoch)
    digits.check_train_epoch_steps(train_one_epoch)
    digits.check_train_epoch_mean_loss(train_one_epoch)
    digits.check_tanh_mlp_layers(NeuralNet, sizes=[784, 32, 32, 32, 10], args=[32])
    digits.check_digit_logits(NeuralNet, args=[64])
    digits.check_cnn_output(SmallCNN)
    digits.check_cnn_architecture(SmallCNN, max_parameters=20000)


def test_evaluate_in_train_mode_is_told_to_call_eval():
    assert "model.eval()" in failure(digits.check_evaluate_accuracy, evaluate_in_train_mode)


def test_evaluate_with_autograd_is_told_to_use_no_grad():
    def with_autograd(model, loader, device):
        model.eval()
        return sum(int((model(x).argmax(1) == y).sum()) for x, y in loader) / len(loader.dataset)

    assert "torch.no_grad()" in failure(digits.check_evaluate_no_grad, with_autograd)


def test_mean_of_batch_accuracies_is_named():
    assert "per-batch" in failure(digits.check_evaluate_accuracy, evaluate_mean_of_batches)


def test_forgotten_zero_grad_is_named():
    assert "optimizer.zero_grad()" in failure(digits.check_train_epoch_steps, forgets_zero_grad)


def test_last_batch_loss_is_not_the_mean():
    digits.check_train_epoch_steps(returns_last_loss)  # its steps are right: only the mean-loss test fails
    assert "the last batch's loss" in failure(digits.check_train_epoch_mean_loss, returns_last_loss)


def test_forgotten_zero_grad_keeps_the_mean_loss_point():
    digits.check_train_epoch_mean_loss(forgets_zero_grad)


def zero_grad_after_backward(model, loader, loss_fn, optimizer, device):
    model.train()
    total = 0.0
    for x, y in loader:
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.zero_grad()
        optimizer.step()
        total += loss.item()
    return total / len(loader)


def ignores_the_optimizers_lr(model, loader, loss_fn, optimizer, device):
    for group in optimizer.param_groups:
        group["lr"] = 1e-3  # "a learning rate that works"
    return train_one_epoch(model, loader, loss_fn, optimizer, device)


def test_zero_grad_between_backward_and_step_is_named():
    assert "between loss.backward() and optimizer.step()" in failure(digits.check_train_epoch_steps,
                                                                    zero_grad_after_backward)


def test_loop_that_overrides_the_learning_rate_fails():
    assert "differ from mini-batch gradient descent" in failure(digits.check_train_epoch_steps,
                                                                ignores_the_optimizers_lr)


def test_evaluate_that_returns_a_constant_fails():
    def constant(model, loader, device):
        return 0.7

    assert "without calling the model" in failure(digits.check_evaluate_accuracy, constant)


class NoReluCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.MaxPool2d(2),
                                 nn.Conv2d(8, 16, 3, padding=1), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(784, 10))

    def forward(self, x):
        return self.net(x)


class ReluOnASideBranch(SmallCNN):
    """relu is computed but a skip path goes around it: conv1 + 0 * relu(conv1)."""

    def forward(self, x):
        conv1, _, pool1, conv2, relu, pool2, flat, fc = self.net
        h = conv1(x)
        h = pool1(h + 0 * torch.relu(h))
        return fc(flat(pool2(relu(conv2(h)))))


class LooksDigitsUp(SmallCNN):
    def __init__(self):
        super().__init__()
        self.register_buffer("table", torch.rand(100, 784))
        self.register_buffer("answers", torch.eye(10)[torch.arange(100) % 10])

    def forward(self, x):
        nearest = (x.reshape(len(x), -1) @ self.table.T).argmax(dim=1)
        return 0.01 * self.net(x) + 100 * self.answers[nearest]


class LeakyAvgPoolCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.LeakyReLU(), nn.AvgPool2d(2),
                                 nn.Conv2d(6, 12, 5, padding=2), nn.AvgPool2d(2), nn.LeakyReLU(),
                                 nn.Flatten(), nn.Linear(588, 10))

    def forward(self, x):
        return self.net(x)


def test_cnn_without_relu_is_named():
    assert "no activation" in failure(digits.check_cnn_architecture, NoReluCNN, max_parameters=20000)


def test_relu_that_a_path_goes_around_does_not_count():
    assert "no activation" in failure(digits.check_cnn_architecture, ReluOnASideBranch, max_parameters=20000)


def test_lookup_table_beside_the_cnn_fails():
    assert "without going through the first convolution" in failure(
        digits.check_cnn_architecture, LooksDigitsUp, max_parameters=20000)


def test_other_activation_and_pooling_orders_pass():
    digits.check_cnn_architecture(LeakyAvgPoolCNN, max_parameters=20000)


def test_softmax_output_loses_only_the_logits_check():
    digits.check_tanh_mlp_layers(SoftmaxBeforeCrossEntropy, sizes=[784, 32, 32, 32, 10], args=[32])
    assert "probabilities" in failure(digits.check_digit_logits, SoftmaxBeforeCrossEntropy, args=[64])


def test_relu_instead_of_tanh_is_named():
    assert "ReLU" in failure(digits.check_tanh_mlp_layers, ReluInsteadOfTanh, sizes=[784, 32, 32, 32, 10],
                             args=[32])


def test_cnn_without_pool_between_convolutions_fails():
    assert "pool" in failure(digits.check_cnn_architecture, NoPoolBetweenConvs, max_parameters=20000)


def test_cnn_over_the_ceiling_fails():
    message = failure(digits.check_cnn_architecture, OverTheCeiling, max_parameters=20000)
    assert "103,018" in message and "20,000" in message
