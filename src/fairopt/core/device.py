"""Where torch computes: the ``device`` setting of every torch study (``auto | cpu | cuda``).

``cpu`` (the default everywhere, CI included) keeps results byte-identical from run to run; ``cuda``
asks for a GPU and fails in one line where there is none; ``auto`` takes the GPU when torch sees one
and the CPU otherwise. Results record what ran (:func:`device_record`), so a table computed on a GPU
says so. Model code never names a device: it follows the tensors it is given.
"""
from __future__ import annotations

from typing import Any

from fairopt.core.errors import ConfigError

__all__ = ["DEVICES", "resolve_device", "device_record", "wants_gpu"]

#: the allowed values of a study's ``device`` key
DEVICES = ("auto", "cpu", "cuda")


def _check(setting: str, key: str) -> str:
    if setting not in DEVICES:
        raise ConfigError(f"config key {key}: unknown device {setting!r}; expected one of {', '.join(DEVICES)}")
    return setting


def wants_gpu(setting: str, key: str = "device") -> bool:
    """Whether a job with this setting asks its scheduler for a GPU: only ``cuda`` does (``auto`` uses a GPU
    where the job happens to land on one, so it runs on CPU-only nodes too)."""
    return _check(setting, key) == "cuda"


def resolve_device(setting: str = "cpu", key: str = "device"):
    """The ``torch.device`` for a ``device`` setting.

    Raises:
        ConfigError: An unknown setting, or ``cuda`` where torch sees no GPU (the key is named).
    """
    import torch

    _check(setting, key)
    if setting == "cpu":
        return torch.device("cpu")
    if torch.cuda.is_available():
        return torch.device("cuda")
    if setting == "cuda":
        raise ConfigError(f"config key {key}: 'cuda' asked for, but torch {torch.__version__} sees no GPU "
                          "(set it to cpu or auto)")
    return torch.device("cpu")


def device_record(device, setting: str | None = None) -> dict[str, Any]:
    """Provenance of a device: the setting, the device used, and for a GPU its name and CUDA version."""
    import torch

    device = torch.device(device)
    out: dict[str, Any] = {"device": device.type}
    if setting is not None:
        out["device_setting"] = setting
    if device.type == "cuda":
        out["device_name"] = torch.cuda.get_device_name(device)
        out["cuda"] = torch.version.cuda
    return out
