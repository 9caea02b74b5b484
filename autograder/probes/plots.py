"""Probes that draw a picture of a student's model for the feedback page."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.probes.models import instantiate
from autograder.probes.registry import probe


@probe
def decision_boundary_png(model: Any, X: Any, y: Any, title: str = "", dpi: int = 60) -> np.ndarray:
    """The student's model drawn by ``student_lib.plotting.plot_decision_boundary`` as PNG bytes."""
    import io

    from student_lib.plotting import plot_decision_boundary

    module = instantiate(model)
    figure = plot_decision_boundary(module, X, y, title=title or None, resolution=120)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return np.frombuffer(buffer.getvalue(), dtype=np.uint8).copy()

