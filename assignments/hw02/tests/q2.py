from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = [0]

@test_case(points=None, hidden=False)
def test_q2_output(LinearRegressionModel):
    """Format only: LinearRegressionModel() maps (n, 1) inputs to (n, 1) outputs."""
    from autograder.checks import check_output_shape
    check_output_shape(LinearRegressionModel, num_features=1)

