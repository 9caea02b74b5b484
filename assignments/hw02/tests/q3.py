from otter.test_files import test_case
import autograder.checks.notebook  # nncourse: check messages for students

OK_FORMAT = False

name = "q3"
points = None  # public tests earn 0; otter's local tools need a total

@test_case(points=None, hidden=False)
def test_q3_format(train_and_test):
    """Format only: a short run returns matching lists of epochs, train losses and test losses."""
    from autograder.checks import check_loop_history_format
    check_loop_history_format(train_and_test)

