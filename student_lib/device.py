"""Choose the torch device to run on."""

from __future__ import annotations

import os

import torch

ENV_VAR = "NNCOURSE_DEVICE"


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def _check_available(device: torch.device, source: str) -> None:
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"{source} asks for {device}, but CUDA is not available on this machine; "
                             "use 'cpu' or leave the device unset to pick the best available one")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise ValueError(f"{source} asks for {device}, but only {torch.cuda.device_count()} "
                             "CUDA device(s) are visible")
    elif device.type == "mps" and not _mps_available():
        raise ValueError(f"{source} asks for mps, but the Apple MPS backend is not available on this machine")


def get_device(device: str | torch.device | None = None) -> torch.device:
    """Return the device to use.

    Order: the ``device`` argument, else the ``NNCOURSE_DEVICE`` environment variable, else
    cuda if available, else mps if available, else cpu. ``"auto"`` means "pick the best".
    Raises ValueError if an accelerator is asked for explicitly but is not available.
    """
    source = "get_device(device=...)"
    if device is None:
        device = os.environ.get(ENV_VAR, "").strip() or None
        source = f"environment variable {ENV_VAR}"
    if device is None or str(device).lower() == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as err:
        raise ValueError(f"{source}: {device!r} is not a valid torch device ({err})") from None
    _check_available(dev, source)
    return dev


def describe_device(device: str | torch.device | None = None) -> str:
    """One line naming the device, e.g. ``"cpu (2 threads)"`` or ``"cuda: NVIDIA H100"``."""
    dev = get_device(device)
    if dev.type == "cuda":
        return f"{dev}: {torch.cuda.get_device_name(dev)}"
    if dev.type == "mps":
        return "mps: Apple silicon GPU"
    if dev.type == "cpu":
        return f"cpu ({torch.get_num_threads()} threads)"
    return str(dev)
