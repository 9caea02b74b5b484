"""Tests for student_lib.device."""

import pytest
import torch

from student_lib import device


@pytest.fixture
def no_accelerators(monkeypatch):
    monkeypatch.delenv(device.ENV_VAR, raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(device, "_mps_available", lambda: False)


def test_falls_back_to_cpu_without_accelerators(no_accelerators):
    assert device.get_device() == torch.device("cpu")


def test_prefers_cuda_when_available(no_accelerators, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert device.get_device().type == "cuda"


def test_prefers_mps_when_no_cuda(no_accelerators, monkeypatch):
    monkeypatch.setattr(device, "_mps_available", lambda: True)
    assert device.get_device().type == "mps"


def test_environment_variable_chooses_device(no_accelerators, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setenv(device.ENV_VAR, "cpu")
    assert device.get_device() == torch.device("cpu")


def test_argument_beats_environment_variable(no_accelerators, monkeypatch):
    monkeypatch.setenv(device.ENV_VAR, "cuda")
    assert device.get_device("cpu") == torch.device("cpu")
    assert device.get_device(torch.device("cpu")) == torch.device("cpu")


def test_unavailable_cuda_requested_raises_value_error(no_accelerators, monkeypatch):
    with pytest.raises(ValueError, match="CUDA is not available"):
        device.get_device("cuda")
    monkeypatch.setenv(device.ENV_VAR, "cuda")
    with pytest.raises(ValueError, match="NNCOURSE_DEVICE"):
        device.get_device()


def test_invalid_device_name_raises_value_error(no_accelerators):
    with pytest.raises(ValueError, match="not a valid torch device"):
        device.get_device("gpu-please")


def test_describe_cpu_mentions_threads(no_accelerators):
    assert device.describe_device("cpu") == f"cpu ({torch.get_num_threads()} threads)"
