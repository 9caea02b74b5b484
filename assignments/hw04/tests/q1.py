from otter.test_files import test_case
import autograder.checks.notebook  # nncourse: check messages for students

OK_FORMAT = False

name = "q1"
points = None  # public tests earn 0; otter's local tools need a total

@test_case(points=None, hidden=False)
def test_q1_batch(images, labels, flat_images):
    """Format only: images (B, 1, 28, 28) float32, labels (B,), flat_images (B, 784)."""
    from autograder.checks import check_digit_batch_format
    check_digit_batch_format(images, labels, flat_images)

