from otter.test_files import test_case
import autograder.checks.notebook  # nncourse: check messages for students

OK_FORMAT = False

name = "q5"
points = None  # public tests earn 0; otter's local tools need a total

@test_case(points=None, hidden=False)
def test_q5_format(train_one_epoch):
    """Format only: train_one_epoch returns one finite number on a tiny grader model."""
    from autograder.checks import check_train_epoch_format
    check_train_epoch_format(train_one_epoch)

