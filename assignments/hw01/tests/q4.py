from otter.test_files import test_case

OK_FORMAT = False

name = "q4"
points = [0]

@test_case(points=None, hidden=False)
def test_q4_example(binary_cross_entropy):
    """Sanity only: one prediction of 0.5 for a positive label costs log 2."""
    from autograder.checks import check_bce_example
    check_bce_example(binary_cross_entropy)

