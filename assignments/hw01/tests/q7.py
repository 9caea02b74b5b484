from otter.test_files import test_case
import autograder.checks.notebook  # nncourse: check messages for students

OK_FORMAT = False

name = "q7"
points = None  # public tests earn 0; otter's local tools need a total

@test_case(points=None, hidden=False)
def test_q7_output(XORNet):
    """Format only: XORNet() maps (n, 2) inputs to (n, 1) probabilities."""
    from autograder.checks import check_output_shape
    check_output_shape(XORNet, num_features=2, probabilities=True)

