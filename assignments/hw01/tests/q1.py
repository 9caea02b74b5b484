from otter.test_files import test_case
import autograder.checks.notebook  # nncourse: check messages for students

OK_FORMAT = False

name = "q1"
points = None  # public tests earn 0; otter's local tools need a total

@test_case(points=None, hidden=False)
def test_q1_format(and_test_accuracy, or_test_accuracy):
    """Format only: both test accuracies are numbers between 0 and 1."""
    from autograder.checks import check_number_in_range
    check_number_in_range(and_test_accuracy, 0, 1)
    check_number_in_range(or_test_accuracy, 0, 1)

