from otter.test_files import test_case
import autograder.checks.notebook  # nncourse: check messages for students

OK_FORMAT = False

name = "q6"
points = None  # public tests earn 0; otter's local tools need a total

@test_case(points=None, hidden=False)
def test_q6_output(SmallCNN):
    """Format only: SmallCNN() maps (n, 1, 28, 28) images to (n, 10) outputs."""
    from autograder.checks import check_cnn_output
    check_cnn_output(SmallCNN)

