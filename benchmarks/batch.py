"""Batch grading at class scale: wall time, submissions per minute, memory, next to otter run.

Grades the hw01 corpus (tests/corpus/hw01) ``--copies`` times over (copy k > 1 of entry E is
``E-ck.ipynb``) by running ``python -m autograder.cli grade hw01 SUBS --out OUT --jobs J --fresh``
for each J in ``--jobs-list``: the wall time holds everything a TA waits for (CLI start, fork
server start, grading, outputs). Prints wall time and submissions per minute per J, the speedup
over the first J, and whether the gradebook.csv files are byte-identical. During the run with
the largest J, /proc is read every 0.2 s: peak RSS (VmHWM) and PSS (smaps_rollup) of the grader,
the fork server and the largest student process. A student is forked from the fork server and
shares its pages, so its RSS overstates what it costs; the largest PSS sum is the real total.

Compared on ``--otter-sample`` "answers" entries of the same corpus (otter run refuses the master
notebook: it has no otter assignment name), one notebook at a time:
- ``otter run -a ZIP -o DIR NB``. The project builds no otter zip (dist/hw01 holds tests/ and
  grading.json; the master says ``generate: false``), so one is built as in
  shared/research/otter-7.md: the master without its GRADING CONFIG cell, ``generate: true``,
  ``otter assign --no-run-tests`` into the temp folder. Only time is compared: under otter the
  threshold tests fail (they need nncourse's grading profile).
- bare execution, no grading: nbclient ``NotebookClient(nb, timeout=600, kernel_name="python3",
  allow_errors=True).execute()``, a fresh kernel each, next to a copy of the public tests: the
  notebook's own cells as in a student's Jupyter, its ``import otter`` and public checks included.
Finally, 1,000 HW1-sized submissions are projected at the largest J's rate and at otter's mean.

    .venv/bin/python benchmarks/batch.py        # 40 submissions, --jobs 1 and 2, otter on 4
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

import yaml

from autograder import paths
from autograder.authoring.build import split_master
from autograder.authoring.corpus import materialise
from autograder.student_process.sandbox import describe_level

HW = "hw01"


def sh(*command: str) -> str:
    return subprocess.run(command, capture_output=True, text=True, cwd=paths.course_root()).stdout.strip()


def make_submissions(folder: Path, copies: int, limit: int | None) -> list[tuple[str, Path]]:
    """The corpus, ``copies`` times: (kind, path) per notebook; copy 1 keeps the entry's name."""
    made = materialise(HW, paths.corpus_dir(HW), folder / "corpus")[:limit]
    (folder / "subs").mkdir()
    out = [(entry.kind, folder / "subs" / (f"{entry.name}.ipynb" if k == 1 else f"{entry.name}-c{k}.ipynb"))
           for k in range(1, copies + 1) for entry, _ in made]
    for (_, target), (_, source) in zip(out, made * copies):
        shutil.copyfile(source, target)
    shutil.rmtree(folder / "corpus")
    return out


def proc_tree() -> dict[int, int]:
    """pid -> parent pid for every process."""
    table = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                table[int(name)] = int(Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    return table


def memory_mb(pid: int) -> tuple[float, float | None]:
    """(peak RSS so far, current PSS or None where unreadable) in MB."""
    def field(path: str, name: str) -> float:
        return next(int(x.split()[1]) for x in Path(path).read_text().splitlines() if x.startswith(name)) / 1024
    try:
        pss = field(f"/proc/{pid}/smaps_rollup", "Pss:")
    except (OSError, StopIteration):
        pss = None
    return field(f"/proc/{pid}/status", "VmHWM:"), pss


class Sampler(threading.Thread):
    """Every 0.2 s: peak RSS and PSS of the grader, its fork server and each student process."""

    def __init__(self, grader: int) -> None:
        super().__init__(daemon=True)
        self.grader, self.done = grader, threading.Event()
        self.peak: dict[str, list[float | None]] = {r: [0.0, None] for r in ("grader", "fork server", "student")}
        self.students: set[int] = set()
        self.total_pss = 0.0

    def run(self) -> None:
        while not self.done.wait(0.2):
            tree = proc_tree()
            children: dict[int, list[int]] = {}
            for pid, parent in tree.items():
                children.setdefault(parent, []).append(pid)
            todo, total = [(self.grader, "grader")], 0.0
            while todo:
                pid, role = todo.pop()
                try:
                    if role == "child":  # of the grader: the fork server, or a runner started without it
                        command = Path(f"/proc/{pid}/cmdline").read_bytes()
                        role = "fork server" if b"autograder.student_process.fork_server" in command else "student"
                    rss, pss = memory_mb(pid)
                except (OSError, StopIteration):
                    continue
                if role == "student":
                    self.students.add(pid)
                peak = self.peak[role]
                peak[0] = max(peak[0], rss)
                peak[1] = pss if peak[1] is None else max(peak[1], pss or 0.0)
                total += pss or 0.0
                todo += [(c, "child" if role == "grader" else "student") for c in children.get(pid, [])]
            self.total_pss = max(self.total_pss, total)


def grade(subs: Path, out: Path, jobs: int, sample: bool) -> tuple[float, float, Sampler | None]:
    """Run ``nncourse grade``: (wall seconds, epoch time it started, memory sampler)."""
    command = [sys.executable, "-m", "autograder.cli", "grade", HW, str(subs), "--out", str(out),
               "--jobs", str(jobs), "--fresh"]
    log = out.with_suffix(".log")
    started, epoch = time.monotonic(), time.time()
    with open(log, "w") as stream:
        process = subprocess.Popen(command, stdout=stream, stderr=subprocess.STDOUT, cwd=paths.course_root())
        sampler = Sampler(process.pid) if sample else None
        if sampler:
            sampler.start()
        rc = process.wait()
    wall = time.monotonic() - started
    if sampler:
        sampler.done.set()
        sampler.join()
    if rc != 0:
        sys.exit(f"grading failed (rc {rc}): {shlex.join(command)}\n{log.read_text()[-3000:]}")
    return wall, epoch, sampler


def otter_zip(folder: Path) -> Path:
    """An otter autograder zip for HW, built as shared/research/otter-7.md did (see the docstring)."""
    master = json.loads((paths.solutions_dir() / HW / f"{HW}.ipynb").read_text(encoding="utf-8"))
    nb, _ = split_master(master)
    cell = nb["cells"][0]
    text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    head, body = text.split("\n", 1)
    config = yaml.safe_load(body)
    config["generate"] = True
    cell["source"] = head + "\n" + yaml.safe_dump(config, sort_keys=False)
    work = folder / "otter-master"
    shutil.copytree(paths.solutions_dir() / HW, work)
    (work / f"{HW}.ipynb").write_text(json.dumps(nb, indent=1), encoding="utf-8")
    subprocess.run([sys.executable, "-m", "otter", "assign", "--no-run-tests", str(work / f"{HW}.ipynb"),
                    str(folder / "otter-out")], check=True, capture_output=True)
    return next((folder / "otter-out" / "autograder").glob(f"{HW}-autograder_*.zip"))


def time_otter(zip_path: Path, sample: list[Path], folder: Path) -> list[float]:
    walls = []
    for i, notebook in enumerate(sample):
        out = folder / f"otter-results-{i}"
        out.mkdir()
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "otter", "run", "-a", str(zip_path), "-o", str(out),
                               str(notebook)], capture_output=True, text=True, cwd=folder)
        walls.append(time.monotonic() - started)
        if done.returncode != 0 or not (out / "results.json").is_file():
            print(f"  otter run failed on {notebook.name} (rc {done.returncode}): {done.stderr[-500:]}")
    return walls


def time_nbclient(sample: list[Path], folder: Path) -> list[float]:
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager
    from nbclient import NotebookClient

    specs = KernelSpecManager().find_kernel_specs()
    kernel = "python3" if "python3" in specs else sorted(specs)[0]
    walls = []
    for i, notebook in enumerate(sample):
        where = folder / f"bare-{i}"
        shutil.copytree(paths.assignments_dir() / HW, where)
        nb = nbformat.read(notebook, as_version=4)
        started = time.monotonic()
        NotebookClient(nb, timeout=600, kernel_name=kernel, allow_errors=True,
                       resources={"metadata": {"path": str(where)}}).execute(stderr=subprocess.DEVNULL)
        walls.append(time.monotonic() - started)
    return walls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=2, help="times the hw01 corpus is graded (20 each)")
    parser.add_argument("--jobs-list", default="1,2", help="comma-separated --jobs values to time")
    parser.add_argument("--otter-sample", type=int, default=4, help="submissions timed with otter run and nbclient")
    parser.add_argument("--skip-otter", action="store_true", help="time neither otter run nor nbclient")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (outputs, logs)")
    parser.add_argument("--limit", type=int, default=None, help=argparse.SUPPRESS)  # corpus entries, for smoke tests
    args = parser.parse_args()
    jobs_list = [int(j) for j in args.jobs_list.split(",")]
    dirty = " (uncommitted changes)" if sh("git", "status", "--porcelain", "--untracked-files=no") else ""
    print(f"command: {shlex.join([sys.executable, *sys.argv])}")
    print(f"date:    {datetime.now().astimezone().isoformat(timespec='seconds')}")
    print(f"machine: nproc {sh('nproc')}, load average at start "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; {describe_level()}")
    print(f"commit:  {sh('git', 'rev-parse', '--short', 'HEAD')}{dirty}\n")

    folder = Path(tempfile.mkdtemp(prefix="nncourse-bench-batch-"))
    try:
        subs = make_submissions(folder, args.copies, args.limit)
        n = len(subs)
        rows, walls, starts, top, sampled = [], {}, {}, max(jobs_list), None
        for jobs in jobs_list:
            walls[jobs], starts[jobs], sampler = grade(folder / "subs", folder / f"out-j{jobs}", jobs, jobs == top)
            sampled = sampler or sampled
            rows.append((f"nncourse grade --jobs {jobs}", n, walls[jobs]))
        first = (folder / f"out-j{jobs_list[0]}" / "gradebook.csv").read_bytes()
        same = all((folder / f"out-j{j}" / "gradebook.csv").read_bytes() == first for j in jobs_list)
        otter_mean = None
        if not args.skip_otter and args.otter_sample > 0:
            answers = [p for kind, p in subs[:n // args.copies] if kind == "answers"]
            sample = answers[::max(1, len(answers) // args.otter_sample)][:args.otter_sample]
            otter = time_otter(otter_zip(folder), sample, folder)
            bare = time_nbclient(sample, folder)
            otter_mean = sum(otter) / len(otter)
            rows += [("otter run, one at a time", len(sample), sum(otter)),
                     ("nbclient execute only, no grading", len(sample), sum(bare))]

        print(f"{'what':36} {'subs':>5} {'wall s':>8} {'s/sub':>7} {'subs/min':>9}")
        for what, count, wall in rows:
            print(f"{what:36} {count:>5} {wall:>8.1f} {wall / count:>7.2f} {60 * count / wall:>9.1f}")
        saved = [json.loads(f.read_text()) for f in (folder / f"out-j{top}" / "results").glob("*.json")]
        seconds = [r["seconds"] for r in saved]
        compute = [sum(c["seconds"] for c in r["cells"]) for r in saved]
        print(f"per submission (--jobs {top}, mean over results/*.json): whole grading, fork to verdict, "
              f"{sum(seconds) / len(seconds):.2f} s; the notebook's own cells {sum(compute) / len(compute):.2f} s; "
              f"probes, checks and process start {(sum(seconds) - sum(compute)) / len(seconds):.2f} s")
        for jobs in jobs_list:
            first = min(f.stat().st_mtime for f in (folder / f"out-j{jobs}" / "results").glob("*.json"))
            print(f"--jobs {jobs}: fixed start-up, command start to first submission graded: "
                  f"{first - starts[jobs]:.1f} s")
        steady = {}  # seconds per submission between the first and the last result written
        for jobs in jobs_list:
            stamps = sorted(f.stat().st_mtime for f in (folder / f"out-j{jobs}" / "results").glob("*.json"))
            steady[jobs] = (stamps[-1] - stamps[0]) / max(1, len(stamps) - 1)
            print(f"--jobs {jobs}: {steady[jobs]:.2f} s per submission once running (first to last result); "
                  f"fixed start-up and outputs {walls[jobs] - n * steady[jobs]:.1f} s")
        for jobs in jobs_list[1:]:
            print(f"speedup of --jobs {jobs} over --jobs {jobs_list[0]}: {walls[jobs_list[0]] / walls[jobs]:.2f}x "
                  f"whole command, {steady[jobs_list[0]] / steady[jobs]:.2f}x once running")
        print(f"gradebook.csv byte-identical across --jobs {args.jobs_list}: {'yes' if same else 'NO'}")

        print(f"\nmemory during --jobs {top} (sampled every 0.2 s; {len(sampled.students)} student processes seen "
              f"of {n} graded)")
        print(f"{'process':24} {'peak RSS MB':>12} {'peak PSS MB':>12}")
        for role, (rss, pss) in sampled.peak.items():
            label = "one student process" if role == "student" else role
            print(f"{label:24} {rss:>12.0f} {('n/a' if pss is None else f'{pss:.0f}'):>12}")
        print(f"{'all together (PSS sum)':24} {'':>12} {sampled.total_pss:>12.0f}")
        print("(a student is forked from the fork server and shares its pages: its RSS counts them, PSS splits them)")

        fixed = walls[top] - n * steady[top]
        rate = 60 / steady[top]
        print(f"\n1,000 HW1-sized submissions on this machine: nncourse --jobs {top} "
              f"{(fixed + 1000 * steady[top]) / 60:.0f} min ({rate:.1f}/min once running)", end="")
        print(f"; otter run one at a time {1000 * otter_mean / 60:.0f} min ({otter_mean:.1f} s each)"
              if otter_mean else "")
    finally:
        if args.keep:
            print(f"\nkept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
