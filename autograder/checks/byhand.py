"""Checks that an answer the question asks for "by hand" runs none of torch's ready-made versions.

The student's function runs under torch's own dispatch recorders (probe ``call_recording``): every
ATen operator and torch function it reaches is seen, whatever name it was bound to beforehand, so
``s = torch.sigmoid`` before the cell, a closure or a method call changes nothing.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from autograder.checks.base import fail, label, observe

# ATen operators (and torch function names, for composites that decompose) a question may forbid,
# with the call a student would recognise
SIGMOID = {"aten.sigmoid": "torch.sigmoid", "aten.log_sigmoid_forward": "F.logsigmoid",
           "aten.softplus": "F.softplus", "aten.special_expit": "torch.special.expit"}
TANH = {"aten.tanh": "torch.tanh", "aten.hardtanh": "F.hardtanh / F.relu6"}
RELU = {"aten.relu": "torch.relu", "aten.threshold": "F.threshold", "aten.hardtanh": "F.hardtanh / F.relu6",
        "aten.leaky_relu": "F.leaky_relu", "aten.gelu": "F.gelu", "aten.elu": "F.elu"}
LOSSES = {"aten.binary_cross_entropy": "nn.BCELoss / F.binary_cross_entropy",
          "aten.binary_cross_entropy_with_logits": "nn.BCEWithLogitsLoss",
          "aten.mse_loss": "nn.MSELoss / F.mse_loss", "l1_loss": "nn.L1Loss / F.l1_loss",
          "aten.nll_loss_forward": "nn.NLLLoss / F.cross_entropy", "aten.smooth_l1_loss": "F.smooth_l1_loss",
          "aten.huber_loss": "F.huber_loss"}


def borrowed(seen: Mapping[str, Any], forbidden: Mapping[str, str]) -> list[str]:
    """The recognisable names of the forbidden operators or functions an observation shows."""
    ran = set(seen.get("ops", [])) | set(seen.get("functions", []))
    return sorted({forbidden[name] for name in ran if name in forbidden})


def check_by_hand(fn: Any, arrays: list[np.ndarray], *, forbidden: Mapping[str, str], advice: str,
                  dtypes: list[str] | None = None) -> dict:
    """``fn(*arrays)`` runs none of ``forbidden``; return the observation for further checks.

    ``forbidden`` maps ATen operator names (``"aten.sigmoid"``) or torch function names
    (``"l1_loss"``) to the call a student would recognise; ``advice`` says what to use instead.
    """
    seen = observe("call_recording", fn, *arrays, dtypes=dtypes)
    if not isinstance(seen, dict) or "ops" not in seen:
        fail(f"the grader could not observe {label(fn)}")
    result = seen["result"]
    if result is None or isinstance(result, (dict, str)):
        fail(f"{label(fn)} should return a tensor, found "
             f"{'None' if result is None else type(result).__name__}: complete it first; this test then "
             "checks that it is written by hand")
    if not seen["intact"]:
        fail(f"{label(fn)} removed the grader's recording of torch calls while it ran, so it cannot be "
             "shown to be written by hand")
    used = borrowed(seen, forbidden)
    if used:
        fail(f"{label(fn)} should be written by hand, but it runs {', '.join(used)}: {advice}")
    return seen
