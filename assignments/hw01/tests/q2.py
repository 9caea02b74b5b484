from otter.test_files import test_case
import autograder.checks.notebook  # nncourse: check messages for students

OK_FORMAT = False

name = "q2"
points = None  # public tests earn 0; otter's local tools need a total

@test_case(points=None, hidden=False)
def test_q2_output(NeuronFromParameters):
    """Format only: NeuronFromParameters(2) maps (n, 2) inputs to (n, 1) probabilities."""
    from autograder.checks import check_output_shape
    check_output_shape(NeuronFromParameters, args=[2], num_features=2, probabilities=True)

