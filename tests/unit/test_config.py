"""GRADING CONFIG: declared keys with defaults, and a clear refusal of unknown keys and values."""

from __future__ import annotations

import pytest

from autograder.config import GradingConfig, parse_grading_cell, resolve_profile


def test_defaults_fill_what_the_cell_leaves_out():
    config = parse_grading_cell("# GRADING CONFIG\nseed: 7\n")
    assert config.seed == 7 and config.threads == 1 and set(config.profiles) == {"cpu"}
    assert config.profile("cpu").device == "cpu"


def test_profiles_keep_their_thresholds_and_budgets():
    config = GradingConfig.from_dict({"profiles": {"cpu": {"thresholds": {"acc": 0.9}},
                                                   "cuda": {"device": "cuda", "budgets": {"epochs": 3}}}})
    assert config.profile("cpu").thresholds == {"acc": 0.9}
    assert config.profile("cuda").budgets == {"epochs": 3}
    assert GradingConfig.from_dict(config.to_dict()) == config


def test_an_unknown_key_is_named():
    with pytest.raises(ValueError, match="seeed"):
        GradingConfig.from_dict({"seeed": 1})


def test_an_unknown_visibility_lists_the_allowed_ones():
    with pytest.raises(ValueError, match="after_published"):
        GradingConfig.from_dict({"gradescope_hidden_visibility": "sometimes"})


def test_an_unknown_profile_names_the_existing_ones():
    with pytest.raises(ValueError, match="has cpu"):
        GradingConfig().profile("tpu")


def test_auto_profile_is_cpu_without_a_gpu_and_cuda_refuses_to_pretend():
    import torch

    config = GradingConfig.from_dict({"profiles": {"cpu": {}, "cuda": {"device": "cuda"}}})
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    assert resolve_profile("auto", config) == "cpu"
    with pytest.raises(ValueError, match="no CUDA GPU"):
        resolve_profile("cuda", config)
