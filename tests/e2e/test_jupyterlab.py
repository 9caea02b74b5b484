"""HW1 in a real JupyterLab, run by headless Chromium as a student runs it.

JupyterLab on 127.0.0.1 opens HW1 filled with the solution's answers; "Kernel > Restart Kernel
and Run All Cells..." is clicked; the rendered output areas must hold the decision-boundary
images and every ``grader.check`` must say passed. A screenshot of the plots is saved in the
test's output folder. Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them when run as root).
"""

from __future__ import annotations

import json
import shutil

import pytest

from autograder import paths
from autograder.authoring.corpus import fill_student_notebook
from tests.e2e import jupyterlab_driver as lab

pytestmark = [pytest.mark.slow, pytest.mark.skipif(lab.missing() is not None, reason=lab.missing() or "")]


def test_restart_and_run_all_shows_the_plots_and_passing_checks(tmp_path):
    root = tmp_path / "student"
    shutil.copytree(paths.assignments_dir() / "hw01", root)
    (root / "hw01.ipynb").write_text(json.dumps(fill_student_notebook("hw01", {}), indent=1), encoding="utf-8")
    (tmp_path / "scratch").mkdir()
    with lab.jupyterlab(root, tmp_path / "scratch") as (base, token), lab.browser(tmp_path / "scratch") as page:
        rendered = lab.restart_and_run_all(page, base, token, "hw01.ipynb")
        lab.scroll_to_image(page, 0)
        shot = page.screenshot(tmp_path / "hw01-jupyterlab.png")
    print(f"\nscreenshot: {shot}")
    # the three one-neuron boundaries (AND, OR, XOR) in one cell, then XORNet's: 600 x 500 px each
    assert len(rendered.images) >= 4, rendered.text[-2000:]
    assert all(image["width"] >= 300 and image["height"] >= 250 for image in rendered.images), rendered.images
    assert rendered.passed == [f"q{n}" for n in range(1, 8)], rendered.text[-3000:]
    assert rendered.failed == 0 and "Error at line" not in rendered.text
    assert "<Figure size" not in rendered.text
    assert list(root.glob("hw01_*.zip")), "the export cell wrote no zip"
    assert shot.stat().st_size > 10_000
