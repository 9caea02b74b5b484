"""Screenshots of HW1 and HW3 in JupyterLab after "Restart Kernel and Run All Cells".

Each notebook, filled with the solution's answers, is opened in a real JupyterLab driven by
headless Chromium (``tests/e2e/jupyterlab_driver.py``, the driver of the browser test), run
with the Kernel menu, and photographed with its decision boundaries in view. Needs Debian's
``chromium`` and ``chromium-driver`` (and, for the checks' emoji, ``fonts-noto-color-emoji``). Writes
``benchmarks/results/<hw>-jupyterlab.png``.

    .venv/bin/python benchmarks/screenshots.py            # hw01 and hw03
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

from autograder import paths
from autograder.authoring.corpus import fill_student_notebook

sys.path.insert(0, str(paths.course_root()))
from tests.e2e import jupyterlab_driver as lab  # noqa: E402

# (the image the screenshot starts at, window height): HW1's three one-neuron boundaries (AND, OR,
# XOR), HW3's CircleMLP on the rings with its code and its check
VIEW = {"hw01": (0, 2000), "hw03": (1, 1500)}


def screenshot(hw: str, out: Path) -> Path:
    with tempfile.TemporaryDirectory(prefix=f"nncourse-shot-{hw}-") as tmp:
        root, scratch = Path(tmp) / hw, Path(tmp) / "scratch"
        shutil.copytree(paths.assignments_dir() / hw, root)
        (root / f"{hw}.ipynb").write_text(json.dumps(fill_student_notebook(hw, {}), indent=1), encoding="utf-8")
        scratch.mkdir()
        with lab.jupyterlab(root, scratch) as (base, token), lab.browser(scratch, height=VIEW[hw][1]) as page:
            rendered = lab.restart_and_run_all(page, base, token, f"{hw}.ipynb")
            lab.scroll_to_image(page, VIEW[hw][0])
            page.screenshot(out)
    print(f"{hw}: {len(rendered.images)} images, checks passed: {', '.join(rendered.passed)}; {out}")
    return out


def main() -> None:
    results = paths.course_root() / "benchmarks" / "results"
    for hw in sys.argv[1:] or ["hw01", "hw03"]:
        screenshot(hw, results / f"{hw}-jupyterlab.png")


if __name__ == "__main__":
    main()
