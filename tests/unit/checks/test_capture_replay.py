"""Capture, then verify: the grader replays a model's recorded operators itself and trusts no description."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression
from torch import nn

from autograder.checks.base import CheckFailed, GradingContext, grading, observe
from autograder.checks.replay import Captured, ReplayError, replay
from autograder.probes.capture import Untraceable, capture_module
from autograder.protocol import roundtrip


def captured(model: nn.Module, shape: tuple) -> Captured:
    return Captured.parse(roundtrip(capture_module(model, list(shape))), "the model")


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)
        self.pool = nn.MaxPool2d(2)
        self.norm = nn.BatchNorm2d(4)
        self.fc = nn.Linear(4 * 13 * 13, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.norm(self.pool(torch.relu(self.conv(x)))), 1))


def test_replay_on_other_inputs_equals_the_model_itself():
    """Recorded on random inputs in the student's process, replayed by the grader on its own inputs, a
    CNN (buffers included) and an MLP give what the model gives."""
    torch.manual_seed(0)
    for model, shape in ((SmallCNN().eval(), (6, 1, 28, 28)),
                         (nn.Sequential(nn.Flatten(), nn.Linear(6, 5), nn.Tanh(), nn.Linear(5, 2)), (9, 6))):
        x = np.random.default_rng(1).uniform(0, 1, size=shape).astype(np.float32)
        with torch.no_grad():
            expected = model(torch.as_tensor(x)).numpy()
        assert np.allclose(replay(captured(model, shape), x), expected, atol=1e-6)


def test_grader_values_replace_the_parameters():
    """With values of the grader's choice the replay computes the formula on them, not the student's."""
    model = nn.Sequential(nn.Linear(3, 1), nn.Sigmoid())
    w, b = np.full((1, 3), 0.5, dtype=np.float32), np.array([-1.0], dtype=np.float32)
    x = np.ones((4, 3), dtype=np.float32)
    out = replay(captured(model, (4, 3)), x, {"0.weight": w, "0.bias": b})
    assert np.allclose(out, 1 / (1 + np.exp(-0.5)))


class Liar(nn.Module):
    """No layers; its introspection methods describe a Linear and a Sigmoid."""

    def __init__(self):
        super().__init__()
        object.__setattr__(self, "shown", nn.Sequential(nn.Linear(2, 1), nn.Sigmoid()))

    def named_parameters(self, *args, **kwargs):
        yield from self.shown.named_parameters()

    def parameters(self, *args, **kwargs):
        yield from self.shown.parameters()

    def named_modules(self, *args, **kwargs):
        yield from self.shown.named_modules()

    def forward(self, x):
        return torch.full((len(x), 1), 0.7)


def test_a_class_that_lies_about_itself_shows_no_layers():
    """The capture walks the module's own dicts: overridden named_parameters/named_modules change nothing."""
    seen = captured(Liar(), (4, 2))
    assert seen.parameters == [] and seen.modules == []
    with grading(GradingContext(seed=1, test_name="t")):
        assert observe("layer_counts", Liar()) == {}


def test_forward_that_depends_on_values_through_python_is_refused():
    """numpy inside forward or .item() cannot be replayed: the student is told why."""
    class Numpy(nn.Module):
        def forward(self, x):
            return torch.tensor(np.tanh(x.numpy()))

    class Item(nn.Module):
        def forward(self, x):
            return x * x.max().item()

    for model in (Numpy(), Item()):
        with pytest.raises(Untraceable, match="Python"):
            capture_module(model, [3, 2])


def graph(*nodes: dict) -> Captured:
    return Captured([], [], [], {"nodes": list(nodes), "constants": [], "output": ["n", len(nodes) - 1]})


def test_a_forged_graph_cannot_run_anything_outside_the_allow_list():
    """Operators outside the pure-tensor allow-list (random numbers, anything not aten) are refused, and a
    forged graph asking for a huge tensor is refused before anything is allocated."""
    x = np.zeros((2, 2), dtype=np.float32)
    for op in ("aten.randn.default", "builtins.eval", "aten.ones.default; import os"):
        with pytest.raises(ReplayError, match="does not replay|unknown"):
            replay(graph({"op": op, "args": [[2, 2]], "kwargs": {}}), x)
    with pytest.raises(ReplayError, match="too large"):
        replay(graph({"op": "aten.ones.default", "args": [[100_000, 100_000]], "kwargs": {}}), x)
    assert isinstance(replay(graph({"op": "aten.relu.default", "args": [{"t": ["x"]}], "kwargs": {}}), x),
                      np.ndarray)


def test_sklearn_predictions_come_from_the_fitted_arrays():
    """The grader predicts with a LogisticRegression's coef_, intercept_ and classes_ what it predicts."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 3))
    for y in ((X[:, 0] > 0).astype(int), (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)):
        model = LogisticRegression().fit(X, y)
        with grading(GradingContext(seed=1, test_name="t")):
            assert np.array_equal(observe("sklearn_predict", model, X), model.predict(X))
    with grading(GradingContext(seed=1, test_name="t")), pytest.raises(CheckFailed, match="not fitted"):
        observe("sklearn_predict", LogisticRegression(), X)
