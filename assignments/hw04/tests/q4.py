from otter.test_files import test_case

OK_FORMAT = False

name = "q4"
points = [0]

@test_case(points=None, hidden=False)
def test_q4_format(evaluate):
    """Format only: evaluate returns a number between 0 and 1 on a small grader model."""
    from autograder.checks import check_evaluate_format
    check_evaluate_format(evaluate)

