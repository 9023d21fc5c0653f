"""The device switch of the torch studies (fairopt.core.device)."""
from __future__ import annotations

import pytest
import torch

from fairopt.core.device import DEVICES, device_record, resolve_device, wants_gpu
from fairopt.core.errors import ConfigError


def test_cpu_is_the_cpu_and_auto_takes_a_gpu_only_where_torch_sees_one():
    assert resolve_device("cpu") == torch.device("cpu")
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected
    assert device_record(resolve_device("auto"), "auto") == {"device": expected, "device_setting": "auto",
                                                             **({"device_name": torch.cuda.get_device_name(0),
                                                                 "cuda": torch.version.cuda} if expected == "cuda" else {})}


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_cuda_without_a_gpu_names_the_key_in_one_line():
    with pytest.raises(ConfigError, match=r"^config key layer.device: 'cuda' asked for, but torch .* sees no GPU"):
        resolve_device("cuda", "layer.device")


def test_an_unknown_device_is_a_config_error_and_only_cuda_asks_a_scheduler_for_a_gpu():
    with pytest.raises(ConfigError, match=r"config key fdfl.device: unknown device 'gpu'; expected one of auto, cpu, cuda"):
        resolve_device("gpu", "fdfl.device")
    assert [wants_gpu(d) for d in DEVICES] == [False, False, True]
    with pytest.raises(ConfigError):
        wants_gpu("tpu")
