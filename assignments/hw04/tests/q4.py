from otter.test_files import test_case
import autograder.checks.notebook  # nncourse: check messages for students

OK_FORMAT = False

name = "q4"
points = None  # public tests earn 0; otter's local tools need a total

@test_case(points=None, hidden=False)
def test_q4_format(evaluate):
    """Format only: evaluate returns a number between 0 and 1 on a small grader model."""
    from autograder.checks import check_evaluate_format
    check_evaluate_format(evaluate)

