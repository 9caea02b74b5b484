"""The check library: hidden and public tests are one-line calls to these functions.

Every check raises :class:`CheckFailed` with a message for the student, or returns None.
"""

from autograder.checks.accuracy import check_gate_accuracy, check_sklearn_gate_baseline
from autograder.checks.architecture import check_layers, check_output_shape, check_parameter_count
from autograder.checks.base import CheckFailed, Ref
from autograder.checks.numerics import (
    check_bce_example,
    check_bce_is_finite,
    check_matches_bce,
    check_neuron_formula,
    check_number_in_range,
)
from autograder.checks.training import (
    check_train_loss_falls,
    check_train_matches_gradient_descent,
    check_train_returns_losses,
)

__all__ = [
    "CheckFailed", "Ref",
    "check_bce_example", "check_bce_is_finite", "check_gate_accuracy", "check_layers", "check_matches_bce",
    "check_neuron_formula", "check_number_in_range", "check_output_shape", "check_parameter_count",
    "check_sklearn_gate_baseline", "check_train_loss_falls", "check_train_matches_gradient_descent",
    "check_train_returns_losses",
]
