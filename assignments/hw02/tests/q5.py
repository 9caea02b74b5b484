from otter.test_files import test_case

OK_FORMAT = False

name = "q5"
points = [0]

@test_case(points=None, hidden=False)
def test_q5_format(collapse_linear):
    """Format only: Linear(3, 4) then Linear(4, 2) collapses to an nn.Linear(3, 2)."""
    from autograder.checks import check_collapse_format
    check_collapse_format(collapse_linear)

