"""A "by hand" check sees torch's ready-made functions however they were named or reached."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from autograder.checks.base import CheckFailed, GradingContext, grading
from autograder.checks.byhand import LOSSES, check_by_hand

PROBS = np.array([[0.9], [0.2], [0.6]], dtype=np.float32)
TARGETS = np.array([[1.0], [0.0], [0.0]], dtype=np.float32)
ADVICE = "compute the mean of -[y log p + (1 - y) log(1 - p)] yourself"
_loss = nn.BCELoss()  # made before the check, as a notebook cell above the answer would


def by_hand(p, y):
    p = p.clamp(1e-7, 1 - 1e-7)
    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()


def through_a_module(p, y):
    return _loss(p, y)


def through_a_method_chain(p, y):
    return torch.nn.functional.binary_cross_entropy(p, y).clone()


@pytest.fixture(autouse=True)
def context():
    with grading(GradingContext(seed=1, test_name="local", thresholds={})):
        yield


def test_by_hand_passes_and_returns_the_observation():
    seen = check_by_hand(by_hand, [PROBS, TARGETS], forbidden=LOSSES, advice=ADVICE)
    assert "aten.log" in seen["ops"] and np.isfinite(seen["result"])


@pytest.mark.parametrize("fn", [through_a_module, through_a_method_chain])
def test_library_loss_under_any_name_fails(fn):
    with pytest.raises(CheckFailed) as info:
        check_by_hand(fn, [PROBS, TARGETS], forbidden=LOSSES, advice=ADVICE)
    assert "nn.BCELoss / F.binary_cross_entropy" in str(info.value) and ADVICE in str(info.value)
