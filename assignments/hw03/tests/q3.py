from otter.test_files import test_case

OK_FORMAT = False

name = "q3"
points = [0]

@test_case(points=None, hidden=False)
def test_q3_output(BlobMLP):
    """Format only: BlobMLP() maps (n, 2) inputs to (n, 5) scores."""
    from autograder.checks import check_output_shape
    check_output_shape(BlobMLP, num_features=2, outputs=5)

