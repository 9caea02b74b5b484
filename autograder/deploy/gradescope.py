"""Gradescope deployment: build an autograder zip, and grade inside Gradescope's container.

The zip follows Gradescope's autograder specification: ``setup.sh`` and ``run_autograder`` at
its root; Gradescope unpacks it to ``/autograder/source``, runs ``setup.sh`` once per image,
then ``run_autograder`` once per submission, which must leave
``/autograder/results/results.json``. Grading uses the same engine and profiles as
``nncourse grade``. ``AUTOGRADER_ROOT`` replaces ``/autograder`` so the whole flow runs in a
temporary folder.
"""

from __future__ import annotations

import hashlib
import importlib.metadata as metadata
import json
import os
import re
import time
import traceback
import zipfile
from pathlib import Path
from typing import Any

from packaging.markers import default_environment
from packaging.requirements import Requirement

from autograder import paths
from autograder.authoring.build import BuildError, ensure_bundle
from autograder.authoring.verify import VERIFIED_FILE
from autograder.deploy.results import instructor_summary, results_json
from autograder.engine.result import Result
from autograder.reports.feedback import esc

# What grading needs at run time (building notebooks needs otter and Jupyter; grading does not).
GRADING_PACKAGES = ["numpy", "scikit-learn", "matplotlib", "nbformat", "ipython", "pyyaml", "click",
                    "tqdm", "packaging"]
TORCH_PACKAGES = ["torch", "torchvision"]
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
PYTHON_VERSION = "3.11"
# GPU-only packages that the CUDA build of torch pulls in; the CPU wheels need none of them.
_GPU_ONLY = re.compile(r"^(nvidia-.*|triton|cuda-.*)$")
_ZIP_TIME = (2026, 1, 1, 0, 0, 0)
PACKAGE_DIRS = ["autograder", "student_lib"]
DEFAULT_DEADLINE = 540.0  # seconds: under Gradescope's default 10-minute limit, to always report


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned_requirements() -> tuple[list[str], list[str]]:
    """(torch pins, other pins): the installed versions of everything grading imports, transitively.

    The versions are the ones the project's lockfile installed here, so Gradescope gets the same
    set; GPU-only packages are left out because Gradescope installs the CPU wheels of torch.
    """
    environment = default_environment()
    environment["extra"] = ""
    pins: dict[str, str] = {}
    queue = [*TORCH_PACKAGES, *GRADING_PACKAGES]
    while queue:
        name = _canonical(queue.pop())
        if name in pins or _GPU_ONLY.match(name):
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        pins[name] = dist.version
        for text in dist.requires or []:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate(environment):
                queue.append(requirement.name)
    torch = [f"{name}=={pins.pop(name)}" for name in TORCH_PACKAGES if name in pins]
    return torch, [f"{name}=={version}" for name, version in sorted(pins.items())]


SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
# It installs Python {python}, CPU-only torch and the pinned grading packages, then nncourse.
set -euo pipefail
cd "$(dirname "$0")"

if ! python3 -m pip --version >/dev/null 2>&1; then
  apt-get update
  apt-get install -y --no-install-recommends python3-pip
fi
python3 -m pip install --quiet "uv=={uv}"
# the interpreter must be readable by the throw-away user that runs student code (not under /root)
export UV_PYTHON_INSTALL_DIR=/opt/nncourse-python
python3 -m uv venv --python {python} /opt/nncourse
python3 -m uv pip install --python /opt/nncourse/bin/python --index-url {index} -r requirements-torch.txt
python3 -m uv pip install --python /opt/nncourse/bin/python -r requirements.txt
python3 -m uv pip install --python /opt/nncourse/bin/python --no-deps ./nncourse
/opt/nncourse/bin/python -c "import torch, torchvision, autograder; print('torch', torch.__version__)"
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this once per submission. It always leaves results/results.json.
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
PYTHON="${{NNCOURSE_PYTHON:-/opt/nncourse/bin/python}}"
mkdir -p "$ROOT/results"
rm -f "$ROOT/results/results.json"
"$PYTHON" -m autograder.deploy.gradescope run {assignment} --root "$ROOT"
code=$?
if [ ! -s "$ROOT/results/results.json" ]; then
  cat > "$ROOT/results/results.json" <<'EOF'
{{"score": 0, "execution_time": 0, "output": "The autograder stopped before it could report (exit status $code): it may have run out of memory or time. Your submission was not graded; tell your instructor.", "tests": []}}
EOF
  sed -i "s/\\$code/$code/" "$ROOT/results/results.json"
fi
exit 0
"""


def locked_uv_version(root: Path) -> str:
    """The uv version the project's lock pins (dev group); the Gradescope image installs that one."""
    import tomllib

    lock = root / "uv.lock"
    try:
        packages = tomllib.loads(lock.read_text(encoding="utf-8")).get("package", [])
    except (OSError, ValueError) as exc:
        raise BuildError(f"cannot read {lock} ({exc}): the Gradescope image installs the uv version it "
                         "pins; run `uv lock`") from None
    for package in packages:
        if package.get("name") == "uv" and package.get("version"):
            return str(package["version"])
    raise BuildError(f"{lock} pins no uv version: run `uv add --dev uv` so that the Gradescope image "
                     "installs a known one")


def _add(archive: zipfile.ZipFile, name: str, data: bytes, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.external_attr = (0o755 if executable else 0o644) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def _tree(root: Path, prefix: str) -> list[tuple[str, bytes]]:
    files = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            files.append((f"{prefix}/{path.relative_to(root).as_posix()}", path.read_bytes()))
    return files


DEFAULT_MEMORY_MB = 768  # Gradescope's default container: 0.5 vCPU, 768 MB
MEMORY_FIGURES = Path("benchmarks") / "results" / "gradescope_memory.json"  # benchmarks/gradescope_memory.py --save


def memory_advice(assignment: str, root: Path) -> str:
    """What the zip's notes say about memory: the measured peak of one run, and the setting to choose."""
    try:
        figures = json.loads((root / MEMORY_FIGURES).read_text(encoding="utf-8")).get(assignment)
    except (OSError, ValueError):
        figures = None
    if not figures:
        return (f"Memory: not measured for {assignment} (run `benchmarks/gradescope_memory.py {assignment} --save`); "
                "choose 1.0 vCPU / 1.5 GB until it is.")
    peak = int(figures["peak_resident_mb"])
    measured = (f"one run (grader and student process, {figures['submission']} notebook, torch "
                f"{figures['torch']}) peaked at {peak} MB resident on {figures['date']} "
                f"(benchmarks/gradescope_memory.py)")
    if "+cpu" not in str(figures["torch"]):
        measured += (" with the CUDA build of torch, which maps more than the CPU-only build Gradescope "
                     "installs: an upper bound")
    if peak <= DEFAULT_MEMORY_MB * 0.9:
        return f"Memory: {measured}; Gradescope's default {DEFAULT_MEMORY_MB} MB is enough."
    return (f"Memory: {measured}; that is over 90% of Gradescope's default {DEFAULT_MEMORY_MB} MB: choose "
            "1.0 vCPU / 1.5 GB (or more) in the autograder settings, or submissions end as kernel_died.")


def zip_notes(assignment: str, bundle: Path, root: Path, visibility: str) -> str:
    """NOTES.md at the zip's root: the settings this autograder needs and its hand-graded questions."""
    manual = json.loads((bundle / "manual.json").read_text(encoding="utf-8")) if (bundle / "manual.json").is_file() else []
    lines = [f"# Gradescope autograder for {assignment}", "",
             f"Built by `nncourse gradescope {assignment}`; see the course README, \"Deploying on Gradescope\".", "",
             "## Settings", "", f"- {memory_advice(assignment, root)}",
             f"- Autograder timeout: 10 minutes or more (run_autograder reports by {DEFAULT_DEADLINE:.0f} s).",
             f"- Hidden tests are `{visibility}` (GRADING CONFIG `gradescope_hidden_visibility`): "
             + ("students see every result and their total after each submission." if visibility == "visible"
                else "until then students see the public checks, their own cells' errors and no total."), ""]
    if manual:
        lines += ["## Questions graded by hand", "",
                  "Add each to this assignment's outline (Edit Outline) beside the autograder's points; each "
                  "submission's results show the student's answer under \"<question>: written answer\".", ""]
        lines += [f"- {q['name']}: {q['points']:g} points" for q in manual]
        lines.append("")
    return "\n".join(lines)


def build_zip(assignment: str, out: Path) -> Path:
    """Write the Gradescope autograder zip of ``assignment`` to ``out`` (byte-identical per input)."""
    bundle = ensure_bundle(assignment)
    root = paths.course_root()
    torch_pins, pins = pinned_requirements()
    files: list[tuple[str, bytes, bool]] = [
        ("setup.sh", SETUP_SH.format(python=PYTHON_VERSION, uv=locked_uv_version(root), index=CPU_INDEX).encode(), True),
        ("run_autograder", RUN_AUTOGRADER.format(assignment=assignment).encode(), True),
        ("requirements-torch.txt", ("\n".join(torch_pins) + "\n").encode(), False),
        ("requirements.txt", ("\n".join(pins) + "\n").encode(), False),
    ]
    files += [(name, data, False) for name, data in _tree(bundle, "bundle") if name != f"bundle/{VERIFIED_FILE}"]
    visibility = json.loads((bundle / "grading.json").read_text(encoding="utf-8")).get(
        "gradescope_hidden_visibility", "after_published")
    files.append(("NOTES.md", zip_notes(assignment, bundle, root, visibility).encode(), False))
    package = [("nncourse/pyproject.toml", (root / "pyproject.toml").read_bytes())]
    if (root / "README.md").is_file():
        package.append(("nncourse/README.md", (root / "README.md").read_bytes()))
    for folder in PACKAGE_DIRS:
        package += _tree(root / folder, f"nncourse/{folder}")
    files += [(name, data, False) for name, data in package]
    checksums = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n"
                        for name, data, _ in files if name.startswith("bundle/"))
    files.append(("bundle/SHA256SUMS", checksums.encode(), False))
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w") as archive:
        for name, data, executable in files:
            _add(archive, name, data, executable)
    return out


# ---------------------------------------------------------------- inside Gradescope's container


def verify_bundle(bundle: Path) -> list[str]:
    """Files of the bundle whose checksum does not match (missing ones included)."""
    bad = []
    for line in (bundle / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        path = bundle.parent / name
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            bad.append(name)
    return bad


def find_submission(folder: Path, assignment: str) -> tuple[Path | None, str]:
    """The one notebook in ``folder`` (or, without one, the one zip: what the notebook's export
    cell makes, when Gradescope keeps it zipped), or None and a message saying what is wrong."""
    def found(pattern: str) -> list[Path]:
        return sorted(p for p in folder.rglob(pattern) if ".ipynb_checkpoints" not in p.parts) \
            if folder.is_dir() else []

    notebooks = found("*.ipynb") or found("*.zip")
    if len(notebooks) == 1:
        return notebooks[0], ""
    if not notebooks:
        return None, (f"No notebook was found in your submission: upload your {assignment}.ipynb "
                      "file, or the zip its export cell makes (not a PDF).")
    names = ", ".join(p.relative_to(folder).as_posix() for p in notebooks)
    return None, (f"Your submission holds {len(notebooks)} notebooks or zips ({names}); upload only "
                  f"{assignment}.ipynb so that the grader knows which one to grade.")


def failed_results(assignment: Any, message: str, execution_time: float, hidden_visibility: str) -> dict:
    """results.json worth 0 that lists every test with the reason it was not graded."""
    from autograder.engine.grade import assemble

    result = Result(submission="submission", assignment=getattr(assignment, "name", ""),
                    max_score=assignment.max_score if assignment else 0)
    if assignment is not None:
        assemble(result, assignment, {}, {}, "ungradable", message, time.monotonic())
    data = results_json(result, hidden_visibility=hidden_visibility, execution_time=execution_time)
    data["output"] = f"<p>{esc(message)}</p>"
    return data


def run(assignment_name: str, root: Path) -> dict[str, Any]:
    """Grade ``root/submission`` and write ``root/results/results.json``; never raises. The whole
    outcome goes to stdout, which Gradescope shows to instructors only."""
    from autograder.engine.assignment import Assignment
    from autograder.engine.grade import GradeOptions, grade_submission

    started = time.monotonic()
    results_path = root / "results" / "results.json"
    assignment, visibility = None, "after_published"
    try:
        bundle = root / "source" / "bundle"
        bad = verify_bundle(bundle)
        assignment = Assignment.load(assignment_name, bundle=bundle)
        visibility = assignment.config.gradescope_hidden_visibility
        if bad:
            raise RuntimeError(f"the autograder's files are damaged ({', '.join(bad)})")
        notebook, problem = find_submission(root / "submission", assignment_name)
        if notebook is None:
            data = failed_results(assignment, problem, time.monotonic() - started, visibility)
        else:
            deadline = float(os.environ.get("NNCOURSE_DEADLINE", DEFAULT_DEADLINE))
            timeout = min(assignment.config.submission_timeout, deadline)
            # one submission per container, no neighbour: its wall time is held to the limit too,
            # so the result is written before Gradescope ends the run
            options = GradeOptions(profile="cpu", timeout=timeout, wall_timeout=timeout)
            result = grade_submission(notebook, assignment, options, submission_id=notebook.stem)
            data = results_json(result, hidden_visibility=visibility,
                                execution_time=time.monotonic() - started)
            print(instructor_summary(result) + f"\ngraded in {time.monotonic() - started:.1f} s",
                  flush=True)  # stdout: instructors only
    except Exception as exc:  # noqa: BLE001 - whatever happens, the student gets a result
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()[:1000]
        data = failed_results(assignment, f"The autograder itself failed ({detail}); your submission "
                              "was not graded. Tell your instructor.", time.monotonic() - started,
                              visibility)
    _write_results(results_path, data)
    return data


RESULTS_TEXT_CAP = 4 * 2**20  # characters of one text in results.json (deploy.results caps the pictures)


def _write_results(path: Path, data: dict[str, Any]) -> None:
    """Write results.json at once; text the student's code produced is cleaned first (lone
    surrogates, sizes), and if even that fails a short results.json says so, worth 0."""
    from autograder.engine.bounds import bound_value

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(".results.json.tmp")
    try:
        text = json.dumps(bound_value(data, limit=RESULTS_TEXT_CAP), indent=1, ensure_ascii=False) + "\n"
    except Exception as exc:  # noqa: BLE001 - the student still gets a result
        text = json.dumps({"score": 0, "execution_time": data.get("execution_time", 0), "tests": [],
                           "output": "The autograder could not write your result "
                                     f"({type(exc).__name__}); tell your instructor."}) + "\n"
    tmp.write_bytes(text.encode("utf-8", "backslashreplace"))
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    """``python -m autograder.deploy.gradescope run HW --root ROOT`` (what run_autograder calls)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m autograder.deploy.gradescope")
    parser.add_argument("command", choices=["run"])
    parser.add_argument("assignment")
    parser.add_argument("--root", type=Path, default=Path(os.environ.get("AUTOGRADER_ROOT", "/autograder")))
    args = parser.parse_args(argv)
    data = run(args.assignment, args.root)
    print(f"results.json written: score {data.get('score')}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
