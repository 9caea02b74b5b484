from otter.test_files import test_case

OK_FORMAT = False

name = "q3"
points = [0]

@test_case(points=None, hidden=False)
def test_q3_format(train_and_test):
    """Format only: a short run returns matching lists of epochs, train losses and test losses."""
    from autograder.checks import check_loop_history_format
    check_loop_history_format(train_and_test)

