from otter.test_files import test_case
import autograder.checks.notebook  # nncourse: check messages for students

OK_FORMAT = False

name = "q3"
points = None  # public tests earn 0; otter's local tools need a total

@test_case(points=None, hidden=False)
def test_q3_output(NeuralNet):
    """Format only: NeuralNet(64) maps (n, 784) inputs to (n, 10) outputs."""
    from autograder.checks import check_output_shape
    check_output_shape(NeuralNet, args=[64], num_features=784, outputs=10)

