from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = [0]

@test_case(points=None, hidden=False)
def test_q1_format(to_float_tensor, as_column, affine):
    """Format only: the three helpers return tensors; to_float_tensor keeps a 2 x 2 list's shape."""
    from autograder.checks import check_tensor_helpers_format
    check_tensor_helpers_format(to_float_tensor, as_column, affine)

