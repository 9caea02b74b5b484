from otter.test_files import test_case

OK_FORMAT = False

name = "q5"
points = [0]

@test_case(points=None, hidden=False)
def test_q5_format(train_one_epoch):
    """Format only: train_one_epoch returns one finite number on a tiny grader model."""
    from autograder.checks import check_train_epoch_format
    check_train_epoch_format(train_one_epoch)

