from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = [0]

@test_case(points=None, hidden=False)
def test_q2_output(CircleMLP):
    """Format only: CircleMLP() maps (n, 2) inputs to (n, 1) probabilities."""
    from autograder.checks import check_output_shape
    check_output_shape(CircleMLP, num_features=2, probabilities=True)

