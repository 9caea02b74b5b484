from otter.test_files import test_case
import autograder.checks.notebook  # nncourse: check messages for students

OK_FORMAT = False

name = "q2"
points = None  # public tests earn 0; otter's local tools need a total

@test_case(points=None, hidden=False)
def test_q2_format(baseline_accuracy):
    """Format only: the validation accuracy is a number between 0 and 1."""
    from autograder.checks import check_number_in_range
    check_number_in_range(baseline_accuracy, 0, 1)

