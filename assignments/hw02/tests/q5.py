from otter.test_files import test_case
import autograder.checks.notebook  # nncourse: check messages for students

OK_FORMAT = False

name = "q5"
points = None  # public tests earn 0; otter's local tools need a total

@test_case(points=None, hidden=False)
def test_q5_format(collapse_linear):
    """Format only: Linear(3, 4) then Linear(4, 2) collapses to an nn.Linear(3, 2)."""
    from autograder.checks import check_collapse_format
    check_collapse_format(collapse_linear)

