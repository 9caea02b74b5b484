"""The runner removes what tells a notebook it is being graded before student code runs."""

from __future__ import annotations

import sys

from autograder.probes import models
from autograder.student_process.runner import hide_grading


def test_grader_variables_leave_the_environment_but_the_device_is_kept(monkeypatch):
    """NNCOURSE_* variables are gone (a notebook cannot branch on them); the grading device the probes
    need is kept inside the probes; argv looks like a Jupyter kernel's."""
    env = {"NNCOURSE_DEVICE": "cpu", "NNCOURSE_RLIMITS": "{}", "PATH": "/usr/bin"}
    monkeypatch.setattr(sys, "argv", ["-m", "autograder.student_process.runner", "3", "4"])
    monkeypatch.setattr(models, "GRADING_DEVICE", "")
    hide_grading(env)
    assert env == {"PATH": "/usr/bin"}
    assert models.grading_device().type == "cpu" and models.GRADING_DEVICE == "cpu"
    assert "autograder" not in " ".join(sys.argv)
