from otter.test_files import test_case

OK_FORMAT = False

name = "q5"
points = [0]

@test_case(points=None, hidden=False)
def test_q5_output(radial_model):
    """Format only: radial_model maps (n, 2) inputs to (n, 1) probabilities."""
    from autograder.checks import check_output_shape
    check_output_shape(radial_model, num_features=2, probabilities=True)

