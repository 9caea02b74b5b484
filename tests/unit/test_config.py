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


def test_the_schema_is_made_from_the_declarations():
    """Every declared key (and profile key) is in the schema with its description and default,
    and unknown keys are refused at both levels."""
    from dataclasses import fields

    from autograder.config import Profile, config_schema

    schema = config_schema()
    assert set(schema["properties"]) == {f.name for f in fields(GradingConfig)}
    assert set(schema["$defs"]["profile"]["properties"]) == {f.name for f in fields(Profile)}
    assert schema["additionalProperties"] is False and schema["$defs"]["profile"]["additionalProperties"] is False
    for spec in [*schema["properties"].values(), *schema["$defs"]["profile"]["properties"].values()]:
        assert spec["description"] and "default" in spec
    assert schema["properties"]["seed"]["default"] == GradingConfig().seed


def test_types_ranges_and_allowed_values_are_checked_with_the_key_and_line():
    from autograder.config import ConfigError

    cell = ("## Ignore ##\n# GRADING CONFIG\nthreads: 0\nmemory_mb: lots\ngradescope_hidden_visibility: public\n"
            "profiles:\n  cpu:\n    device: tpu\n    thresholds: {acc: high}\n    budgets: {epochs: -1}\n")
    with pytest.raises(ConfigError) as refused:
        parse_grading_cell(cell)
    assert refused.value.problems == [
        "key threads (line 3): expected a number >= 1, found 0 (torch threads in the student process)",
        "key memory_mb (line 4): expected a whole number, found 'lots' (memory cap of the student process (MB))",
        "key gradescope_hidden_visibility (line 5): expected one of hidden, after_due_date, after_published, "
        "visible, found 'public'",
        "key profiles.cpu.device (line 8): expected cpu, cuda, cuda:N or mps, found 'tpu' (torch device the "
        "checks use)",
        "key profiles.cpu.thresholds.acc (line 9): expected a number, found 'high'",
        "key profiles.cpu.budgets.epochs (line 10): expected a number >= 0, found -1"]


def test_a_missing_cpu_profile_and_bad_yaml_are_named():
    from autograder.config import ConfigError

    with pytest.raises(ConfigError, match=r"key profiles \(line 3\): needs 'cpu'"):
        parse_grading_cell("## Ignore ##\n# GRADING CONFIG\nprofiles: {cuda: {device: cuda}}\n")
    with pytest.raises(ConfigError, match="not valid YAML on line 4"):
        parse_grading_cell("## Ignore ##\n# GRADING CONFIG\nseed: 1\nprofiles: {cpu: [\n")


def test_every_master_config_matches_the_schema():
    import json

    from autograder import paths
    from autograder.authoring.cells import source
    from autograder.config import config_cell_body

    for master in sorted(paths.solutions_dir().glob("hw*/hw*.ipynb")):
        cells = [source(c) for c in json.loads(master.read_text(encoding="utf-8"))["cells"]]
        config = parse_grading_cell(next(c for c in cells if config_cell_body(c) is not None))
        assert "cpu" in config.profiles, master
