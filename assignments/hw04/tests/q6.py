from otter.test_files import test_case

OK_FORMAT = False

name = "q6"
points = [0]

@test_case(points=None, hidden=False)
def test_q6_output(SmallCNN):
    """Format only: SmallCNN() maps (n, 1, 28, 28) images to (n, 10) outputs."""
    from autograder.checks import check_cnn_output
    check_cnn_output(SmallCNN)

