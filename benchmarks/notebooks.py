"""The student's notebooks in a real Jupyter kernel: start-up, top to bottom, every grader.check.

For each assignment, the student notebook filled with the solution's answers (or left as
distributed, ``--untouched``) runs in a fresh ipykernel through nbclient, cell by cell, as
"Restart Kernel and Run All" does. After each cell the kernel process's CPU time is read from
/proc (Linux), so every cell gets its wall time and the CPU time the kernel spent on it. On an
idle machine a one-thread kernel waits about its CPU time (HW1-HW3 set one thread; HW4 keeps
torch's default); on a shared machine the wall time also holds waiting for a core, and CPU time
itself grows with contention. Load averages are printed before and after. Per notebook: kernel
start, run-all wall and CPU, the slowest cells, the slowest ``grader.check``.

Then, in fresh interpreters, the imports a notebook pays for: ``import otter`` and
``otter.Notebook(...)`` (the init cell), ``import torch``, ``torch._dynamo`` (what the first
``torch.optim`` optimizer imports; student_lib now imports it in the import cell), matplotlib,
``sklearn.linear_model`` and the check library.

    .venv/bin/python benchmarks/notebooks.py                 # hw01-hw04, filled, once each
    .venv/bin/python benchmarks/notebooks.py hw01 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from autograder import paths
from autograder.authoring.corpus import fill_student_notebook

ASSIGNMENTS = ["hw01", "hw02", "hw03", "hw04"]


def kernel_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "MPLBACKEND" and not k.startswith("NNCOURSE_")}


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def kernel_cpu(client: NotebookClient) -> float:
    """The kernel process's CPU time so far (seconds, user + system), read from /proc (Linux)."""
    pid = client.km.provisioner.process.pid
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_notebook(hw: str, untouched: bool) -> dict:
    """Run ``hw``'s notebook in a fresh kernel; wall and CPU seconds per cell."""
    with tempfile.TemporaryDirectory(prefix=f"nncourse-bench-{hw}-") as tmp:
        folder = Path(tmp) / hw
        shutil.copytree(paths.assignments_dir() / hw, folder)
        nb_dict = (json.loads((folder / f"{hw}.ipynb").read_text(encoding="utf-8")) if untouched
                   else fill_student_notebook(hw, {}))
        (folder / f"{hw}.ipynb").write_text(json.dumps(nb_dict), encoding="utf-8")
        nb = nbformat.reads(json.dumps(nb_dict), as_version=4)
        client = NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                                resources={"metadata": {"path": str(folder)}})
        started = time.perf_counter()
        with client.setup_kernel(env=kernel_env()):  # returns once the kernel answers
            ready = time.perf_counter()
            cpu_start = cpu = kernel_cpu(client)
            cells = []
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                t0 = time.perf_counter()
                client.execute_cell(cell, index)
                wall = time.perf_counter() - t0
                now = kernel_cpu(client)
                cells.append({"index": index, "first_line": cell.source.strip().splitlines()[0][:60],
                              "wall": wall, "cpu": now - cpu,
                              "error": next((o.ename for o in cell.outputs if o.output_type == "error"), None)})
                cpu = now
            done = time.perf_counter()
    return {"hw": hw, "kernel_start": ready - started, "wall": done - ready, "cpu": cpu - cpu_start,
            "cells": cells}


def import_costs() -> list[tuple[str, float, float]]:
    """(what, wall, CPU) seconds of each import in a fresh interpreter, after what it builds on."""
    steps = [
        ("import otter + otter.Notebook (the init cell)", "",
         "import otter; otter.Notebook()"),
        ("import torch", "", "import torch"),
        ("torch._dynamo (the first optimizer's import)", "import torch", "import torch._dynamo"),
        ("matplotlib Figure + student_lib", "import torch, torch._dynamo",
         "import matplotlib.figure; from student_lib import datasets, plotting"),
        ("sklearn.linear_model (HW1 q1, HW4 q2)", "import torch", "import sklearn.linear_model"),
        ("autograder.checks (first grader.check)", "import torch, otter", "import autograder.checks.notebook"),
    ]
    out = []
    for what, before, timed in steps:
        code = (f"{before}\nimport time\nw, c = time.perf_counter(), time.process_time()\n{timed}\n"
                "print(time.perf_counter() - w, time.process_time() - c)")
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              cwd=tempfile.gettempdir(), env=kernel_env())
        wall, cpu = (float(x) for x in done.stdout.split()[-2:])
        out.append((what, wall, cpu))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*", default=ASSIGNMENTS)
    parser.add_argument("--untouched", action="store_true", help="run the notebooks as distributed")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--no-imports", action="store_true", help="skip the import measurements")
    args = parser.parse_args()
    print(f"{datetime.now():%Y-%m-%d %H:%M}; {os.cpu_count()} cores; {load()}; notebooks "
          f"{'as distributed' if args.untouched else 'filled with the solution'}")
    for hw in args.assignments:
        for attempt in range(args.repeat):
            run = run_notebook(hw, args.untouched)
            checks = [c for c in run["cells"] if c["first_line"].startswith("grader.check(")]
            slowest_check = max(checks, key=lambda c: c["wall"], default=None)
            print(f"\n{hw}: kernel start {run['kernel_start']:.1f} s; top to bottom {run['wall']:.1f} s wall, "
                  f"{run['cpu']:.1f} s kernel CPU; {load()}")
            if slowest_check:
                print(f"  slowest grader.check: {slowest_check['first_line']} {slowest_check['wall']:.2f} s wall, "
                      f"{slowest_check['cpu']:.2f} s CPU; all {len(checks)} checks: "
                      f"{sum(c['wall'] for c in checks):.2f} s wall")
            for cell in sorted(run["cells"], key=lambda c: -c["wall"])[:5]:
                flag = f"  [{cell['error']}]" if cell["error"] else ""
                print(f"  cell {cell['index']:3d} {cell['wall']:6.2f} s wall {cell['cpu']:6.2f} s CPU  "
                      f"{cell['first_line']}{flag}")
    if not args.no_imports:
        print(f"\nimports in a fresh interpreter ({load()}):")
        for what, wall, cpu in import_costs():
            print(f"  {what:50s} {wall:5.2f} s wall {cpu:5.2f} s CPU")


if __name__ == "__main__":
    main()
