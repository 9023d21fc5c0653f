"""Fixtures of the DAFH tests: one torch thread per test (tiny tensors; robust on a shared 2-core CPU)."""
from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True)
def _one_torch_thread():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
