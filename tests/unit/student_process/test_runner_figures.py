"""The grader keeps the student's displayed figures, with student_lib's Jupyter set-up in place.

student_lib makes a Jupyter kernel show Figures as PNG (:mod:`student_lib.kernel`); the grader's
student process registers its own PNG printer (60 dpi, one draw) and must keep capturing every
figure a cell displays, the same way, whatever student_lib does.
"""

from __future__ import annotations

import base64
import struct

import pytest

from autograder.student_process.session import StudentSession

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

CELLS = [
    "import torch\nfrom student_lib import datasets, plotting\n"
    "X, y = datasets.logic_gate('XOR', num_samples=40, noise_level=0.1, seed=1)\n"
    "model = torch.nn.Sequential(torch.nn.Linear(2, 1), torch.nn.Sigmoid())",
    "display(plotting.plot_decision_boundary(model, X, y, resolution=20))",
    "plotting.plot_loss_curves([1.0, 0.5, 0.25])",
    "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3]);",
    "print('no figure here')",
]


def _png_size(data: str) -> tuple[int, int]:
    raw = base64.b64decode(data)
    assert raw.startswith(PNG_MAGIC)
    return struct.unpack(">II", raw[16:24])


@pytest.mark.slow
def test_every_displayed_figure_is_captured_at_the_graders_resolution(tmp_path):
    (tmp_path / "submission").mkdir()
    with StudentSession(tmp_path / "submission") as session:
        session.run_notebook([{"index": i + 1, "source": s} for i, s in enumerate(CELLS)])
        reports = {r.index: r for r in session.cells}
    assert all(r.error is None for r in reports.values()), [r.error for r in reports.values()]
    assert [len(reports[i].images) for i in (1, 2, 3, 4, 5)] == [0, 1, 1, 1, 0]
    # 60 dpi, the figure's own size (no tight bounding box): 6 x 5 and 6 x 4 inches
    assert _png_size(reports[2].images[0]) == (360, 300)
    assert _png_size(reports[3].images[0]) == (360, 240)
