from otter.test_files import test_case

OK_FORMAT = False

name = "q3"
points = [0]

@test_case(points=None, hidden=False)
def test_q3_output(NeuronFromLayers):
    """Format only: NeuronFromLayers(2) maps (n, 2) inputs to (n, 1) probabilities."""
    from autograder.checks import check_output_shape
    check_output_shape(NeuronFromLayers, args=[2], num_features=2, probabilities=True)

