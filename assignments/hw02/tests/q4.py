from otter.test_files import test_case

OK_FORMAT = False

name = "q4"
points = [0]

@test_case(points=None, hidden=False)
def test_q4_format(predict):
    """Format only: predict returns an (n, 1) tensor for a model with one output."""
    from autograder.checks import check_predict_format
    check_predict_format(predict)

