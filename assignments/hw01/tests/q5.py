from otter.test_files import test_case

OK_FORMAT = False

name = "q5"
points = [0]

@test_case(points=None, hidden=False)
def test_q5_returns_losses(train):
    """Format only: train returns one finite loss per epoch."""
    from autograder.checks import check_train_returns_losses
    check_train_returns_losses(train)

