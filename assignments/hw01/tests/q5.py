from otter.test_files import test_case
import autograder.checks.notebook  # nncourse: check messages for students

OK_FORMAT = False

name = "q5"
points = None  # public tests earn 0; otter's local tools need a total

@test_case(points=None, hidden=False)
def test_q5_returns_losses(train):
    """Format only: train returns one finite loss per epoch."""
    from autograder.checks import check_train_returns_losses
    check_train_returns_losses(train)

