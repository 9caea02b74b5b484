from otter.test_files import test_case
import autograder.checks.notebook  # nncourse: check messages for students

OK_FORMAT = False

name = "q6"
points = None  # public tests earn 0; otter's local tools need a total

@test_case(points=None, hidden=False)
def test_q6_shape(predict_grid):
    """Format only: for a binary model the labels have the shape of xx."""
    from autograder.checks import check_predict_grid
    check_predict_grid(predict_grid, classes=2, compare_labels=False)

