from otter.test_files import test_case
import autograder.checks.notebook  # nncourse: check messages for students

OK_FORMAT = False

name = "q1"
points = None  # public tests earn 0; otter's local tools need a total

@test_case(points=None, hidden=False)
def test_q1_format(circle_neuron_accuracy):
    """Format only: the accuracy is a number between 0 and 1."""
    from autograder.checks import check_number_in_range
    check_number_in_range(circle_neuron_accuracy, 0, 1)

