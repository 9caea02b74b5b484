"""Peak memory of one Gradescope run per assignment, measured in the local simulation.

For each assignment, the Gradescope zip is built and unpacked into ``ROOT/source``, a submission
(the master's solution by default: every test runs to the end) is put in ``ROOT/submission``, and
``bash ROOT/source/run_autograder`` runs with ``AUTOGRADER_ROOT=ROOT`` as in the README. Every
``--interval`` seconds the script reads, for each process of that run (bash, the grader, the fork
server, the student process):

- ``Pss`` from ``/proc/PID/smaps_rollup``; the run's figure is the sum over its processes;
- as root, the physical pages its mappings hold (``/proc/PID/pagemap``), counted once across the
  run's processes: the run's resident memory however many other processes share those files,
  which is what a fresh container's memory limit charges for mapped memory.

PSS splits a shared page among every process mapping it, other users' included: on a shared
machine where other checkouts map the same torch files (uv hard-links them from one cache), PSS
under-reports, while the pagemap count does not. Both peaks are printed.

Which Python runs the grader matters more than anything else: Gradescope's image installs the
CPU-only torch wheels (``setup.sh``); the project's ``.venv`` holds the CUDA build, whose import
alone maps ~600 MB of CUDA libraries. Measure with a CPU-only environment made as setup.sh makes
it (``--python``); here the CPU wheel came from ``/opt/wheels`` because PyTorch's index is out of
reach:

    uv venv --python 3.11 /tmp/gs-venv
    uv pip install --python /tmp/gs-venv/bin/python /opt/wheels/torch-*+cpu-*.whl   # or setup.sh's index
    uv pip install --python /tmp/gs-venv/bin/python -r ROOT/source/requirements.txt
    uv pip install --python /tmp/gs-venv/bin/python --no-deps ROOT/source/nncourse   # again after each change
    .venv/bin/python benchmarks/gradescope_memory.py hw01 hw02 hw03 --python /tmp/gs-venv/bin/python
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograder import paths  # noqa: E402
from autograder.deploy.gradescope import build_zip  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")
RESULTS = paths.course_root() / "benchmarks" / "results" / "gradescope_memory.json"
MB = 1024 * 1024


def children_of(root: int) -> list[int]:
    """``root`` and every process descended from it."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        parents.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo += parents.get(pid, [])
    return tree


def role(pid: int, tree_roles: dict[int, str]) -> str:
    """bash, grader, fork server or student (a child of the fork server, or a fresh runner)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        ppid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError):
        return "gone"
    if tree_roles.get(ppid) == "fork server":
        return "student"
    if "autograder.deploy.gradescope" in cmdline:
        return "grader"
    if "fork_server" in cmdline:
        return "fork server"
    if "student_process.runner" in cmdline:
        return "student"
    return "bash" if "bash" in cmdline else "other"


def rollup(pid: int) -> dict[str, float]:
    """``Pss`` and private memory (``Private_Clean`` + ``Private_Dirty``) of ``pid`` in MB."""
    found = {"pss": 0.0, "private": 0.0}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key == "Pss":
                found["pss"] = int(rest.split()[0]) / 1024
            elif key in ("Private_Clean", "Private_Dirty"):
                found["private"] += int(rest.split()[0]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return found


def frames(pid: int) -> np.ndarray:
    """The physical frame numbers of ``pid``'s resident pages (empty without root)."""
    found = []
    try:
        maps = Path(f"/proc/{pid}/maps").read_text().splitlines()
        with open(f"/proc/{pid}/pagemap", "rb") as pagemap:
            for line in maps:
                start, end = (int(x, 16) for x in line.split()[0].split("-"))
                if start >= 0x7FFFFFFFF000:  # [vsyscall]
                    continue
                pagemap.seek(start // PAGE * 8)
                entries = np.frombuffer(pagemap.read((end - start) // PAGE * 8), dtype=np.uint64)
                present = entries[(entries >> np.uint64(63)) & np.uint64(1) == 1]
                found.append(present & np.uint64((1 << 55) - 1))
    except (OSError, ValueError):
        return np.empty(0, dtype=np.uint64)
    return np.concatenate(found) if found else np.empty(0, dtype=np.uint64)


@dataclass
class Peaks:
    pss_total: float = 0.0
    unique_total: float = 0.0
    pss_by_role: dict[str, float] = field(default_factory=dict)
    private_by_role: dict[str, float] = field(default_factory=dict)
    at_peak: dict[str, float] = field(default_factory=dict)
    samples: int = 0


def sample_until(process: subprocess.Popen, interval: float, peaks: Peaks, stop: threading.Event) -> None:
    roles: dict[int, str] = {}
    while not stop.is_set() and process.poll() is None:
        tree = children_of(process.pid)
        for pid in tree:
            roles.setdefault(pid, role(pid, roles))
        by_role: dict[str, float] = {}
        private: dict[str, float] = {}
        total = 0.0
        for pid in tree:
            value = rollup(pid)
            total += value["pss"]
            by_role[roles[pid]] = by_role.get(roles[pid], 0.0) + value["pss"]
            private[roles[pid]] = private.get(roles[pid], 0.0) + value["private"]
        unique = np.unique(np.concatenate([frames(pid) for pid in tree])).size * PAGE / MB if tree else 0.0
        peaks.samples += 1
        for name, value in by_role.items():
            peaks.pss_by_role[name] = max(peaks.pss_by_role.get(name, 0.0), value)
            peaks.private_by_role[name] = max(peaks.private_by_role.get(name, 0.0), private[name])
        if total > peaks.pss_total:
            peaks.pss_total, peaks.at_peak = total, by_role
        peaks.unique_total = max(peaks.unique_total, unique)
        stop.wait(interval)


def run_one(hw: str, python: str, submission: str, interval: float, work: Path, env: dict[str, str]) -> tuple[Peaks, float, str]:
    zip_path = build_zip(hw, work / f"{hw}.zip")
    root = work / hw
    shutil.rmtree(root, ignore_errors=True)
    (root / "submission").mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(root / "source")
    source = (paths.solutions_dir() / hw / f"{hw}.ipynb" if submission == "solution"
              else paths.assignments_dir() / hw / f"{hw}.ipynb")
    shutil.copy(source, root / "submission" / f"{hw}.ipynb")
    environment = {**os.environ, "AUTOGRADER_ROOT": str(root), "NNCOURSE_PYTHON": python, **env}
    started = time.monotonic()
    # the working directory is the root, as on Gradescope: the grader imports the installed package
    process = subprocess.Popen(["bash", str(root / "source" / "run_autograder")], env=environment, cwd=root,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peaks, stop = Peaks(), threading.Event()
    sampler = threading.Thread(target=sample_until, args=(process, interval, peaks, stop), daemon=True)
    sampler.start()
    process.wait()
    stop.set()
    sampler.join()
    import json

    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    return peaks, time.monotonic() - started, f"score {results.get('score')}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("assignments", nargs="*", default=["hw01", "hw02", "hw03", "hw04"])
    parser.add_argument("--python", default=sys.executable, help="the Python that grades (Gradescope: CPU-only torch)")
    parser.add_argument("--submission", choices=["solution", "student"], default="solution")
    parser.add_argument("--interval", type=float, default=0.25, help="seconds between samples")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                        help="extra environment for run_autograder (for example NNCOURSE_FORK_SERVER=0)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per assignment; the largest peaks are kept")
    parser.add_argument("--save", action="store_true",
                        help=f"also merge the figures into {RESULTS.relative_to(paths.course_root())} (the "
                             "Gradescope zip's NOTES.md quotes them)")
    args = parser.parse_args()
    env = dict(item.split("=", 1) for item in args.env)
    torch_version = subprocess.run([args.python, "-c", "import torch; print(torch.__version__)"],
                                   capture_output=True, text=True).stdout.strip()
    print(f"command: {' '.join(sys.argv)}")
    print(f"date:    {time.strftime('%Y-%m-%dT%H:%M:%S%z')}")
    print(f"machine: nproc {os.cpu_count()}, load average at start {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
          f"; grader Python {args.python} (torch {torch_version}); root: {os.geteuid() == 0}")
    print(f"submission: the {args.submission} notebook; extra env: {env or 'none'}\n")
    print(f"{'assignment':10} {'peak PSS MB':>11} {'peak resident MB':>16}   peak PSS (private) by process, MB   wall s  result")
    figures: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="nncourse-gs-memory-") as tmp:
        for hw in args.assignments:
            runs = [run_one(hw, args.python, args.submission, args.interval, Path(tmp), env) for _ in range(args.repeat)]
            peaks, wall, outcome = max(runs, key=lambda run: run[0].unique_total)
            if args.repeat > 1:
                outcome += "; resident peaks of the runs: " + ", ".join(f"{r[0].unique_total:.0f}" for r in runs)
            parts = ", ".join(f"{name} {value:.0f} ({peaks.private_by_role[name]:.0f})"
                              for name, value in sorted(peaks.pss_by_role.items())
                              if name not in ("gone", "other", "bash"))
            print(f"{hw:10} {peaks.pss_total:11.0f} {peaks.unique_total:16.0f}   {parts:35} {wall:6.1f}  "
                  f"{outcome} ({peaks.samples} samples)", flush=True)
            figures[hw] = {"peak_resident_mb": round(peaks.unique_total), "peak_pss_mb": round(peaks.pss_total),
                           "submission": args.submission, "torch": torch_version,
                           "date": time.strftime("%Y-%m-%d"), "load_average": round(os.getloadavg()[0], 1)}
    print("\npeak resident MB: physical pages of the run's processes counted once (pagemap, root only);"
          "\npeak PSS MB: the largest sum of the processes' PSS at one sample.")
    if args.save:
        import json

        saved = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.is_file() else {}
        saved.update(figures)
        RESULTS.write_text(json.dumps(saved, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
