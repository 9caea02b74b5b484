"""The check library: hidden and public tests are one-line calls to these functions.

Every check raises :class:`CheckFailed` with a message for the student, or returns None.
"""

from autograder.checks.accuracy import (
    check_gate_accuracy,
    check_reported_gate_accuracy,
    check_reported_test_accuracy,
    check_sklearn_gate_baseline,
)
from autograder.checks.architecture import (
    check_hidden_nonlinearity,
    check_layers,
    check_output_shape,
    check_parameter_count,
)
from autograder.checks.base import CheckFailed, Ref
from autograder.checks.numerics import (
    check_bce_by_hand,
    check_bce_example,
    check_bce_is_finite,
    check_matches_bce,
    check_neuron_formula,
    check_number_in_range,
)
from autograder.checks.retrain import (
    check_fit_baseline,
    check_random_start,
    check_retrained_network,
    check_retrained_neuron,
)
from autograder.checks.training import (
    check_train_loss_falls,
    check_train_recorded_losses,
    check_train_returns_losses,
    check_train_trajectory,
)

__all__ = [
    "CheckFailed", "Ref",
    "check_bce_by_hand", "check_bce_example", "check_bce_is_finite", "check_fit_baseline", "check_gate_accuracy",
    "check_hidden_nonlinearity", "check_layers", "check_matches_bce", "check_neuron_formula",
    "check_number_in_range", "check_output_shape", "check_parameter_count", "check_random_start",
    "check_reported_gate_accuracy",
    "check_reported_test_accuracy", "check_retrained_network", "check_retrained_neuron",
    "check_sklearn_gate_baseline", "check_train_loss_falls", "check_train_recorded_losses",
    "check_train_returns_losses", "check_train_trajectory",
]

from autograder.checks.digits import (  # HW4
    check_baseline_accuracy,
    check_baseline_fitted_on,
    check_baseline_reported_accuracy,
    check_train_epoch_mean_loss,
    check_cnn_accuracy,
    check_cnn_architecture,
    check_cnn_output,
    check_digit_batch_format,
    check_digit_loader,
    check_digit_logits,
    check_evaluate_accuracy,
    check_evaluate_format,
    check_evaluate_no_grad,
    check_loader_uses_training_split,
    check_tanh_mlp_layers,
    check_train_epoch_accuracy,
    check_train_epoch_format,
    check_train_epoch_steps,
)

__all__ += [
    "check_baseline_accuracy", "check_cnn_accuracy", "check_cnn_architecture", "check_cnn_output",
    "check_digit_batch_format", "check_digit_loader", "check_digit_logits", "check_evaluate_accuracy",
    "check_evaluate_format", "check_evaluate_no_grad", "check_loader_uses_training_split",
    "check_tanh_mlp_layers", "check_train_epoch_accuracy", "check_train_epoch_format", "check_train_epoch_steps",
    "check_baseline_fitted_on", "check_baseline_reported_accuracy", "check_train_epoch_mean_loss",
]

from autograder.checks.activations import (  # HW3
    check_activation_examples,
    check_activation_matches,
    check_activation_by_hand,
)
from autograder.checks.classification import (  # HW3
    check_binary_accuracy_function,
    check_boundary_accuracy,
    check_logits_network,
    check_mlp_function,
    check_predict_grid,
    check_predict_labels,
    check_reported_accuracy,
    check_returns_logits,
    check_trained_neuron,
)

__all__ += [
    "check_activation_by_hand", "check_activation_examples", "check_activation_matches",
    "check_binary_accuracy_function", "check_boundary_accuracy", "check_logits_network", "check_mlp_function",
    "check_predict_grid", "check_predict_labels", "check_reported_accuracy", "check_returns_logits",
    "check_trained_neuron",
]

from autograder.checks.layers import (  # HW2
    check_collapse_format,
    check_collapse_linear,
    check_collapse_leaves_stack_unchanged,
    check_collapse_without_bias,
    check_line_formula,
)
from autograder.checks.loops import (  # HW2
    check_loop_follows_gradient_descent,
    check_loop_history_format,
    check_loop_learns_line,
    check_loop_records_losses,
    check_loop_test_without_gradients,
    check_predict_eval_mode,
    check_predict_format,
    check_predict_no_gradients,
)
from autograder.checks.regression import check_near_noise_floor, check_regressor_format  # HW2
from autograder.checks.tensors import (  # HW2
    check_affine,
    check_as_column,
    check_device_handling,
    check_float32_conversion,
    check_tensor_helpers_format,
)

__all__ += [
    "check_affine", "check_as_column", "check_collapse_format", "check_collapse_linear",
    "check_collapse_leaves_stack_unchanged", "check_collapse_without_bias", "check_device_handling", "check_float32_conversion", "check_line_formula",
    "check_loop_follows_gradient_descent", "check_loop_history_format", "check_loop_learns_line", "check_loop_records_losses",
    "check_loop_test_without_gradients", "check_near_noise_floor", "check_predict_eval_mode",
    "check_predict_format", "check_predict_no_gradients", "check_regressor_format",
    "check_tensor_helpers_format",
]
