"""Diagnosing sentences: each names the defect its observation shows, and stays silent otherwise."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from autograder.checks.diagnose import broadcast_mismatch, constant_predictions, frozen_parameters, optimizer_misuse
from autograder.probes.training import watch_optimizer

X = torch.linspace(-1, 1, 40).reshape(20, 2)
Y = (X[:, :1] > 0).float()


def events_of(order: str, epochs: int = 3) -> list[dict]:
    """Train a tiny model doing, each epoch, z(ero_grad) f(orward) b(ackward) s(tep) in ``order``."""
    model = torch.nn.Sequential(torch.nn.Linear(2, 1), torch.nn.Sigmoid())
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    events = watch_optimizer(optimizer, model)
    for _ in range(epochs):
        loss = None
        for action in order:
            if action == "z":
                optimizer.zero_grad()
            elif action == "m":
                model.zero_grad()
            elif action == "f":
                loss = torch.nn.BCELoss()(model(X), Y)
            elif action == "b":
                loss.backward()
            elif action == "s":
                optimizer.step()
    return events


@pytest.mark.parametrize("order", ["zfbs", "mfbs", "fbsz"])
def test_correct_loops_get_no_diagnosis(order):
    assert optimizer_misuse(events_of(order)) is None


@pytest.mark.parametrize("order, words", [
    ("fbs", "never reset"),
    ("fbzs", "reset between loss.backward() and optimizer.step()"),
    ("zfsb", "ran before any loss.backward()"),
    ("zfb", "never called"),
    ("zfs", "never reached the model's parameters"),
])
def test_each_misuse_is_named(order, words):
    assert words in optimizer_misuse(events_of(order))


def test_broadcast_mismatch_names_both_shapes():
    sentence = broadcast_mismatch((50, 1), (50,))
    assert "(50, 1)" in sentence and "(50,)" in sentence and "(50, 50)" in sentence
    assert broadcast_mismatch((50, 1), (50, 1)) is None


def test_constant_predictions_give_the_class_share():
    sentence = constant_predictions(np.ones(8, dtype=int), np.array([1, 1, 0, 0, 0, 0, 1, 0]))
    assert "class 1 for all 8 points" in sentence and "(0.38)" in sentence
    assert constant_predictions(np.array([0, 1]), np.array([0, 1])) is None


def test_frozen_parameters_are_named():
    sentence = frozen_parameters([np.ones(2), np.zeros(1)], [np.ones(2) * 2, np.zeros(1)], ["weight", "bias"])
    assert "`bias`" in sentence and "`weight`" not in sentence
    assert frozen_parameters([np.ones(1)], [np.zeros(1)], ["w"]) is None
