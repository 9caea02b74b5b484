"""What ``grader.check`` prints in the student's kernel: otter's real test runner with our messages.

Each test runs a public test file through otter's own ``ExceptionTestFile`` (the class that
``grader.check`` and ``otter check`` use) after the import line ``nncourse build`` writes into
every public test file, and reads the report otter would print.
"""

from __future__ import annotations

import re

import pytest
from otter.test_files.exception_test import ExceptionTestFile

from autograder import paths
from autograder.authoring.build import student_test_file

TEST_LINE = re.compile(r"Error at line \d+ in test")

OTTER_FILE = '''from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = [0]

@test_case(points=None, hidden=False)
def test_q1_format(answer):
    """Format only."""
    from autograder.checks import check_number_in_range
    check_number_in_range(answer, 0, 1)
'''


def report(env: dict, source: str = OTTER_FILE) -> tuple[bool, str]:
    """(passed, what grader.check shows) for the public test file ``source`` run against ``env``."""
    test = ExceptionTestFile.from_string(student_test_file(source), path="tests/q1.py")
    test.run(env)
    return test.passed_all, repr(test) + "\n" + test._repr_html_()


def test_an_undefined_answer_says_so_and_names_it():
    passed, text = report({})
    assert not passed
    assert "`answer` is not defined: fill in the `...` in the cell that defines it" in text
    assert not TEST_LINE.search(text) and "check_number_in_range(" not in text


def test_an_unfilled_answer_none_says_so():
    passed, text = report({"answer": None})
    assert not passed and "`answer` is None: the code that sets it is not filled in yet" in text
    assert "NoneType" not in text


def test_a_failing_check_shows_its_own_message_without_the_test_file_line():
    passed, text = report({"answer": 97.5})
    assert not passed
    assert "`answer`: expected a number between 0 and 1, found 97.5" in text  # the notebook's name
    assert not TEST_LINE.search(text) and "check_number_in_range(" not in text


def test_a_passing_check_passes():
    passed, text = report({"answer": 0.975})
    assert passed and "q1 results: All test cases passed!" in text and "</pre></strong> passed!" in text


def test_an_error_inside_a_test_names_the_error_not_the_line():
    source = OTTER_FILE.replace("check_number_in_range(answer, 0, 1)", "1 / 0")
    passed, text = report({"answer": 0.5}, source)
    assert not passed and "the check stopped with ZeroDivisionError" in text
    assert not TEST_LINE.search(text)


@pytest.mark.parametrize("test_file", sorted(paths.assignments_dir().glob("hw*/tests/q*.py")),
                         ids=lambda p: f"{p.parent.parent.name}-{p.stem}")
def test_public_test_files_import_the_messages_and_carry_points_for_otter(test_file):
    """`otter check` divides by the total points of the public tests: it must not be 0."""
    text = test_file.read_text(encoding="utf-8")
    assert "import autograder.checks.notebook" in text.splitlines()[1]
    test = ExceptionTestFile.from_file(str(test_file))
    assert test.possible > 0 and all(not case.hidden for case in test.test_cases)
