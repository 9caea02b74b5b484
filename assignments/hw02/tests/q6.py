from otter.test_files import test_case
import autograder.checks.notebook  # nncourse: check messages for students

OK_FORMAT = False

name = "q6"
points = None  # public tests earn 0; otter's local tools need a total

@test_case(points=None, hidden=False)
def test_q6_format(fit_regressor):
    """Format only: fit_regressor returns a model giving finite (n, 1) predictions."""
    from autograder.checks import check_regressor_format
    check_regressor_format(fit_regressor)

