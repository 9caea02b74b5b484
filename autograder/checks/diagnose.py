"""Sentences that name a defect the grader has established from what it observed.

Each function returns one sentence for a failure message, or None when its defect is not shown by
the observation; none guesses a cause it did not see.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np


def constant_predictions(predicted: Any, labels: Any) -> str | None:
    """The model predicts one class for every point (its accuracy is then that class's share)."""
    predicted = np.asarray(predicted).reshape(-1)
    labels = np.asarray(labels).reshape(-1)
    if predicted.size < 2 or predicted.size != labels.size or np.unique(predicted).size != 1:
        return None
    value = predicted[0]
    share = float(np.mean(labels == value))
    return (f"it predicts class {value!s} for all {predicted.size} points, so its accuracy is just that "
            f"class's share ({share:.2f}): the model has not learned to tell the classes apart")


def broadcast_mismatch(output_shape: Sequence[int], target_shape: Sequence[int]) -> str | None:
    """Output and targets differ in shape in a way a loss broadcasts silently ((n, 1) against (n,))."""
    out, target = tuple(output_shape), tuple(target_shape)
    if out == target:
        return None
    try:
        joint = np.broadcast_shapes(out, target)
    except ValueError:
        return (f"the model's output has shape {out} and the targets shape {target}: they must match")
    if int(np.prod(joint)) <= max(int(np.prod(out)), int(np.prod(target))):
        return None
    return (f"the model's output has shape {out} but the targets have shape {target}: a loss of the two "
            f"broadcasts to shape {joint} and compares every prediction with every target; give them the "
            "same shape (for example y.view(-1, 1) for an (n, 1) output)")


def optimizer_misuse(events: Sequence[dict]) -> str | None:
    """What the recorded optimizer events show was done out of order (probe ``watch_optimizer``):
    ``{"event": "backward" | "zero_grad"}`` and ``{"event": "step", "grads": "none" | "zero" | "set"}``."""
    kinds = [e.get("event") for e in events]
    if "step" not in kinds:
        return "optimizer.step() was never called, so the parameters never move"
    if "backward" not in kinds:
        return "loss.backward() never reached the model's parameters, so every step had no gradient to follow"
    if kinds.index("backward") > kinds.index("step"):
        return ("the first optimizer.step() ran before any loss.backward(), so each step follows the previous "
                "iteration's gradient (or none): call backward() first, then step()")
    for i, event in enumerate(events):
        if (event.get("event") == "step" and event.get("grads") in ("none", "zero")
                and kinds[i - 1] == "zero_grad" and "backward" in kinds[:i]):
            return ("the gradients were reset between loss.backward() and optimizer.step(), so the steps "
                    "moved nothing: call optimizer.zero_grad() before the forward pass, not after backward()")
    if kinds.count("step") > 1 and "zero_grad" not in kinds:
        return ("the gradients are never reset (no optimizer.zero_grad() or model.zero_grad() call was seen), "
                "so every step adds up the gradients of all earlier steps")
    return None


def frozen_parameters(before: Sequence[Any], after: Sequence[Any], names: Sequence[str]) -> str | None:
    """Trainable parameters that training never changed."""
    frozen = [name for name, b, a in zip(names, before, after)
              if np.shape(b) == np.shape(a) and np.array_equal(np.asarray(b), np.asarray(a))]
    if not frozen:
        return None
    which = ", ".join(f"`{n}`" for n in frozen[:5]) + (" ..." if len(frozen) > 5 else "")
    return (f"training never changed {which}: make them nn.Parameter attributes of the model and pass "
            "model.parameters() to the optimizer")
