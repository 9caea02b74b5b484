"""A notebook name in a hidden test behaves like its plain value in plain Python (``assert x == 17``).

The value itself comes from the student process (tests/e2e/test_plain_assert_tests.py); here it is
set directly, to pin how comparisons, conversions and failures read.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograder.checks.base import CheckFailed, Ref


def ref(name: str, value: object) -> Ref:
    reference = Ref(name)
    object.__setattr__(reference, "_value", value)  # as if fetched from the student process
    return reference


def test_numbers_compare_convert_and_format_as_their_value():
    count = ref("count", 33)
    assert count == 33 and count != 17 and 0 < count < 100 and count >= 33
    assert float(count) == 33.0 and int(count) == 33 and f"{count:,}" == "33" and str(count) == "33"
    assert count + 1 == 34 and 2 * count == 66 and abs(ref("x", -2.5)) == 2.5 and round(ref("y", 0.26), 1) == 0.3


def test_arrays_keep_numpy_semantics():
    losses = ref("losses", np.array([3.0, 2.0, 1.0]))
    assert len(losses) == 3 and losses.shape == (3,) and losses[0] == 3.0
    assert np.allclose(losses, [3, 2, 1]) and (losses == np.array([3.0, 2.0, 1.0])).all()
    assert list(losses) == [3.0, 2.0, 1.0]


def test_a_reference_is_still_a_reference_to_the_check_library():
    assert Ref("model") == Ref("model") and Ref("model") != Ref("other")
    assert hash(Ref("model")) == hash(Ref("model")) and repr(Ref("model")) == "Ref('model')"
    assert Ref("model").wire() == {"__ref__": "model"}


def test_a_value_the_test_cannot_use_fails_as_the_students_answer():
    with pytest.raises(CheckFailed, match="`acc` is None: give it a value"):
        ref("acc", None) < 0.9  # noqa: B015 - the comparison is the test
    with pytest.raises(CheckFailed, match=r"`name` is a str \('abc'\), which the test cannot use"):
        float(ref("name", "abc"))


def test_without_a_grading_session_a_reference_has_no_value():
    with pytest.raises(RuntimeError, match="no grading session"):
        Ref("x") == 1  # noqa: B015
