"""``grader.check`` in the student's own Jupyter: otter runs the public tests, the checks word the result.

Every public test file that ``nncourse build`` writes imports this module, so it is in place
before otter runs the first test in the kernel (``grader.check``, ``grader.check_all``,
``otter check``). It changes two things in otter's exception-format test files, in that kernel:

- a test whose notebook names are not defined, or still ``None`` (an answer whose ``...`` was
  never filled in returns None), is not run: it fails saying which name and what to do, instead
  of handing ``None`` to a check that can only say "found NoneType";
- a failing check shows the check library's own message, naming the notebook's names as the
  grader does (``and_test_accuracy``, not ``float``), not otter's
  "Error at line 12 in test q1:" followed by a line of a test file the student never sees.

The grader never imports this module: it does not run otter (see :mod:`autograder.engine.bundle`).
"""

from __future__ import annotations

from typing import Any

from otter.test_files.exception_test import ExceptionTestFile, test_case

from autograder.checks.base import CheckFailed, GradingContext, grading

_MARK = "_nncourse_messages"


def unfilled_message(names: list[str], global_env: dict[str, Any]) -> str | None:
    """What the student must do before a test on ``names`` can run, or None when it can run."""
    names = [n for n in names if n != "env"]
    missing = [n for n in names if n not in global_env]
    empty = [n for n in names if n in global_env and global_env[n] is None]
    problems = []
    if missing:
        problems.append(f"{_listed(missing)} not defined: fill in the `...` in the cell that defines "
                        f"{_them(missing)} and run that cell (if it raised an error, fix that first)")
    if empty:
        problems.append(f"{_listed(empty)} None: the code that sets {_them(empty)} is not filled in yet "
                        "(a function whose body is still `...` returns None); fill it in and run the "
                        "cells above again")
    return "; ".join(problems) + ", then run this check again" if problems else None


def _listed(names: list[str]) -> str:
    return ", ".join(f"`{n}`" for n in names) + (" is" if len(names) == 1 else " are")


def _them(names: list[str]) -> str:
    return "it" if len(names) == 1 else "them"


def failure_message(exc: BaseException) -> str:
    """The line a student reads under "Test case failed" for ``exc``."""
    if isinstance(exc, CheckFailed):
        return str(exc)
    return (f"the check stopped with {type(exc).__name__}: {exc} (if your answer follows the "
            "question, tell your instructor)")


def install() -> None:
    """Patch otter's test runner in this process (idempotent)."""
    if getattr(test_case, _MARK, False):
        return
    run_test = test_case.call_func

    def call_func(self: test_case, global_environment: dict[str, Any]) -> None:
        problem = unfilled_message(self._get_func_params(), global_environment)
        if problem is not None:
            raise CheckFailed(problem)
        names = {id(global_environment[n]): n for n in self._get_func_params() if n in global_environment}
        with grading(GradingContext(local_names=names)):  # messages name the notebook's own names
            run_test(self, global_environment)

    def generate_error_message(self: ExceptionTestFile, excp: Exception, context: int = 0) -> str:
        return failure_message(excp)

    test_case.call_func = call_func
    ExceptionTestFile._generate_error_message = generate_error_message
    setattr(test_case, _MARK, True)


install()
