from otter.test_files import test_case
import autograder.checks.notebook  # nncourse: check messages for students

OK_FORMAT = False

name = "q4"
points = None  # public tests earn 0; otter's local tools need a total

@test_case(points=None, hidden=False)
def test_q4_format(predict):
    """Format only: predict returns an (n, 1) tensor for a model with one output."""
    from autograder.checks import check_predict_format
    check_predict_format(predict)

