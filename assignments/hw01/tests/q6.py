from otter.test_files import test_case
import autograder.checks.notebook  # nncourse: check messages for students

OK_FORMAT = False

name = "q6"
points = None  # public tests earn 0; otter's local tools need a total

@test_case(points=None, hidden=False)
def test_q6_models(and_neuron, or_neuron, xor_neuron_accuracy):
    """Format only: the trained neurons give (n, 1) probabilities; the XOR accuracy is a number."""
    from autograder.checks import check_number_in_range, check_output_shape
    check_output_shape(and_neuron, num_features=2, probabilities=True)
    check_output_shape(or_neuron, num_features=2, probabilities=True)
    check_number_in_range(xor_neuron_accuracy, 0, 1)

