from otter.test_files import test_case
import autograder.checks.notebook  # nncourse: check messages for students

OK_FORMAT = False

name = "q4"
points = None  # public tests earn 0; otter's local tools need a total

@test_case(points=None, hidden=False)
def test_q4_examples(sigmoid, tanh, relu):
    """Sanity only: the three functions agree with torch on six ordinary values and keep the shape."""
    from autograder.checks import check_activation_examples
    check_activation_examples(sigmoid, 'sigmoid')
    check_activation_examples(tanh, 'tanh')
    check_activation_examples(relu, 'relu')

