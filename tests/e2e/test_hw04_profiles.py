"""HW4's device profiles: what `cpu` and `cuda` declare, and how `--profile cuda` behaves per machine.

CI has no GPU: there the cuda grading test is skipped (it says so) and the clear-error test runs.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from autograder import paths
from autograder.engine.assignment import Assignment
from autograder.engine.grade import GradeOptions, grade_submission

HAS_GPU = torch.cuda.is_available()


def test_profiles_declare_the_same_names():
    """Both profiles name every threshold and budget the hw04 checks read; cuda asks for more."""
    config = Assignment.load("hw04").config
    cpu, cuda = config.profile("cpu"), config.profile("cuda")
    assert cpu.device == "cpu" and cuda.device == "cuda"
    for name in ("baseline_accuracy", "mlp_accuracy", "cnn_accuracy"):
        assert cuda.thresholds[name] >= cpu.thresholds[name], name
    for name in ("train_digits", "heldout_digits", "mlp_epochs", "mlp_lr", "cnn_epochs", "cnn_lr", "full_mnist"):
        assert name in cpu.budgets and name in cuda.budgets, name
    assert cuda.budgets["full_mnist"] == 1 and cpu.budgets["full_mnist"] == 0


@pytest.mark.skipif(HAS_GPU, reason="this machine has a GPU: the cuda profile is graded instead")
def test_cuda_profile_without_a_gpu_is_one_clear_line(tmp_path):
    student = paths.assignments_dir() / "hw04" / "hw04.ipynb"
    done = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", "hw04", str(student), "--profile", "cuda",
                           "--out", str(tmp_path)], capture_output=True, text=True, cwd=paths.course_root())
    assert done.returncode == 2
    assert "no CUDA GPU" in done.stderr and "--profile cpu" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
@pytest.mark.skipif(not HAS_GPU, reason="no CUDA GPU on this machine: the cuda profile cannot be exercised here")
def test_cuda_profile_gives_the_solution_full_marks():
    """On a GPU the checks train and score on cuda (full MNIST when present, else the sample)."""
    hw = Assignment.load("hw04")
    result = grade_submission(paths.solutions_dir() / "hw04" / "hw04.ipynb", hw, GradeOptions(profile="cuda"))
    assert result.score == result.max_score, [(q.name, q.message) for q in result.questions]
