from otter.test_files import test_case
import autograder.checks.notebook  # nncourse: check messages for students

OK_FORMAT = False

name = "q1"
points = None  # public tests earn 0; otter's local tools need a total

@test_case(points=None, hidden=False)
def test_q1_format(to_float_tensor, as_column, affine):
    """Format only: the three helpers return tensors; to_float_tensor keeps a 2 x 2 list's shape."""
    from autograder.checks import check_tensor_helpers_format
    check_tensor_helpers_format(to_float_tensor, as_column, affine)

