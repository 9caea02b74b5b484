from otter.test_files import test_case
import autograder.checks.notebook  # nncourse: check messages for students

OK_FORMAT = False

name = "q4"
points = None  # public tests earn 0; otter's local tools need a total

@test_case(points=None, hidden=False)
def test_q4_example(binary_cross_entropy):
    """Sanity only: one prediction of 0.5 for a positive label costs log 2."""
    from autograder.checks import check_bce_example
    check_bce_example(binary_cross_entropy)

