from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = [0]

@test_case(points=None, hidden=False)
def test_q2_format(baseline_accuracy):
    """Format only: the validation accuracy is a number between 0 and 1."""
    from autograder.checks import check_number_in_range
    check_number_in_range(baseline_accuracy, 0, 1)

