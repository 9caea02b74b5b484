"""Loading otter-format test files: questions, points, public versus hidden, without otter itself."""

from __future__ import annotations

import inspect
import textwrap
from pathlib import Path

import pytest

from autograder.authoring.build import ensure_bundle
from autograder.engine.bundle import load_test_dir, load_test_file

QUESTIONS = ["q1", "q2", "q3", "q4", "q5", "q6", "q7"]


@pytest.fixture(scope="module")
def hw01_tests():
    return load_test_dir(ensure_bundle("hw01") / "tests")


def test_hw01_has_questions_q1_to_q7_in_order(hw01_tests):
    assert [t.name for t in hw01_tests] == QUESTIONS


def test_hw01_public_tests_are_worth_nothing_and_hidden_tests_carry_the_points(hw01_tests):
    """GRADING.md property 5: every question has a public format test (0 points) and a hidden test."""
    for test_file in hw01_tests:
        public = [c for c in test_file.cases if not c.hidden]
        hidden = [c for c in test_file.cases if c.hidden]
        assert public and hidden, test_file.name
        assert all(c.points == 0 for c in public), test_file.name
        assert all(c.points > 0 for c in hidden), test_file.name
        assert test_file.points == sum(c.points for c in hidden) > 0


def test_hw01_is_worth_22_points(hw01_tests):
    assert {t.name: t.points for t in hw01_tests} == {"q1": 3, "q2": 3, "q3": 2, "q4": 3, "q5": 4,
                                                      "q6": 4, "q7": 3}


def test_hw01_cases_name_the_notebook_variables_they_need(hw01_tests):
    cases = {c.name: c for t in hw01_tests for c in t.cases}
    assert cases["test_q2_parameter_count"].arguments == ["NeuronFromParameters"]
    assert cases["test_q1_reported_accuracies"].arguments == ["and_baseline", "and_test_accuracy", "or_baseline",
                                                              "or_test_accuracy"]
    assert cases["test_q7_accuracy"].arguments == ["xor_model", "XORNet"]
    assert all(inspect.isfunction(c.function) and c.description for c in cases.values())


def write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def test_points_given_as_a_list(tmp_path):
    path = write(tmp_path, "q3.py", '''
        from otter.test_files import test_case
        name = "q3"
        points = [0, 2.5]

        @test_case(points=None, hidden=False)
        def test_format(x):
            """Format only."""

        @test_case(points=None, hidden=True)
        def test_value(x):
            assert x == 3
    ''')
    loaded = load_test_file(path)
    assert loaded.name == "q3"
    assert [(c.name, c.points, c.hidden) for c in loaded.cases] == [
        ("test_format", 0.0, False), ("test_value", 2.5, True)]
    assert loaded.points == 2.5


def test_file_points_are_shared_among_cases_without_their_own(tmp_path):
    path = write(tmp_path, "q4.py", '''
        from otter.test_files import test_case
        points = 4

        @test_case(points=1)
        def test_a(): pass

        @test_case()
        def test_b(): pass

        @test_case(hidden=True)
        def test_c(): pass
    ''')
    loaded = load_test_file(path)
    assert loaded.name == "q4"  # from the file name when the file does not say
    assert [c.points for c in loaded.cases] == [1.0, 1.5, 1.5]
    assert [c.hidden for c in loaded.cases] == [False, False, True]


def test_a_case_without_any_points_is_worth_one(tmp_path):
    path = write(tmp_path, "q1.py", '''
        from otter.test_files import test_case

        @test_case(name="renamed")
        def test_a(answer):
            assert answer
    ''')
    (case,) = load_test_file(path).cases
    assert (case.name, case.points, case.arguments) == ("renamed", 1.0, ["answer"])


def test_loaded_cases_run_as_plain_functions(tmp_path):
    path = write(tmp_path, "q1.py", '''
        from otter.test_files import test_case

        @test_case(points=1)
        def test_a(answer):
            assert answer == 42, f"expected 42, found {answer}"
    ''')
    (case,) = load_test_file(path).cases
    case.function(42)
    with pytest.raises(AssertionError, match="expected 42, found 41"):
        case.function(41)


def test_directory_is_loaded_in_question_order(tmp_path):
    body = "from otter.test_files import test_case\n\n@test_case()\ndef test_x(): pass\n"
    for name in ["q10", "q2", "q1", "q2_1", "__init__"]:
        write(tmp_path, f"{name}.py", body)
    write(tmp_path, "notes.txt", "not a test file")
    assert [t.name for t in load_test_dir(tmp_path)] == ["q1", "q2", "q2_1", "q10"]
