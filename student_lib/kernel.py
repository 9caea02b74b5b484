"""What importing student_lib sets up inside a Jupyter kernel (JupyterLab, Notebook, VS Code, nbclient).

- A matplotlib ``Figure`` that a cell displays (``display(fig)``, or a figure as the cell's last
  value, which is how ``student_lib.plotting`` hands its figures back) shows as a PNG image, as
  after ``%matplotlib inline``; without this Jupyter prints ``<Figure size 600x500 with 1 Axes>``
  for a figure that pyplot did not make. A PNG format already chosen for figures (the
  grader's, ``%matplotlib inline``, ``%config InlineBackend``) is left as it is.
- ``torch._dynamo``, which the first ``torch.optim`` optimizer imports (2-4 s), is imported here,
  in the notebook's import cell, so that neither the first training cell nor a ``grader.check``
  pays for it.

Outside a kernel (scripts, tests, the grader's student process) :func:`setup` does nothing.
"""

from __future__ import annotations

import functools
import sys
from typing import Any

_done = False


def kernel_shell() -> Any | None:
    """The IPython shell of the Jupyter kernel this code runs in, or None outside a kernel."""
    ipython = sys.modules.get("IPython")  # not imported: not in IPython, and no need to import it
    shell = ipython.get_ipython() if ipython is not None else None
    return shell if getattr(shell, "kernel", None) is not None else None


def show_figures_as_png(shell: Any) -> bool:
    """Make ``shell`` display matplotlib Figures as PNG images; False if a PNG printer was already set."""
    from IPython.core.pylabtools import print_figure
    from matplotlib.figure import Figure

    png = shell.display_formatter.formatters["image/png"]
    try:
        png.lookup_by_type(Figure)
        return False
    except KeyError:
        png.for_type(Figure, functools.partial(print_figure, fmt="png", base64=True, bbox_inches="tight"))
        return True


def setup() -> None:
    """Set up the kernel for the course's notebooks (see the module docstring); once, and only in a kernel."""
    global _done
    shell = kernel_shell()
    if _done or shell is None:
        return
    _done = True
    show_figures_as_png(shell)
    import torch._dynamo  # noqa: F401 - see the module docstring
