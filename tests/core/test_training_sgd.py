"""PlainSGD: torch.optim.SGD's update without torch.optim (no torch._dynamo import), bit for bit."""
from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from fairopt.core.errors import ConfigError
from fairopt.core.training import OptimizerConfig, PlainSGD, SchedulerConfig, fit, make_scheduler


def _trajectory(kind: str, dtype, momentum: float, weight_decay: float) -> list[torch.Tensor]:
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(5, 7), torch.nn.Tanh(), torch.nn.Linear(7, 1)).to(dtype)
    groups = [{"params": list(net[0].parameters()), "lr": 0.05, "momentum": momentum},
              {"params": list(net[2].parameters()), "lr": 0.2, "momentum": 0.5 * momentum}]
    opt = (torch.optim.SGD(groups, lr=1.0, weight_decay=weight_decay) if kind == "torch"
           else PlainSGD(groups, lr=1.0, weight_decay=weight_decay))
    gen = torch.Generator().manual_seed(1)
    for _ in range(25):
        x = torch.randn(16, 5, generator=gen, dtype=dtype)
        opt.zero_grad(set_to_none=True)
        ((net(x) - x[:, :1]) ** 2).mean().backward()
        opt.step()
    return [p.detach().clone() for p in net.parameters()]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("momentum, weight_decay", [(0.0, 0.0), (0.9, 0.0), (0.9, 1e-3)])
def test_plain_sgd_equals_torch_sgd_bit_for_bit(dtype, momentum, weight_decay):
    for a, b in zip(_trajectory("torch", dtype, momentum, weight_decay), _trajectory("plain", dtype, momentum,
                                                                                  weight_decay)):
        assert torch.equal(a, b)


def test_plain_sgd_through_fit_and_no_scheduler():
    net = torch.nn.Linear(3, 1)
    x = torch.randn(64, 3)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]])
    result = fit(net, lambda m, b: (((m(b[0]) - b[1]) ** 2).mean(), {}), lambda e: [(x, y)], epochs=50,
                 optimizer=OptimizerConfig(name="plain_sgd", lr=0.1, momentum=0.9))
    assert result.history[-1]["loss"] < 0.05 * result.history[0]["loss"]
    with pytest.raises(ConfigError, match="needs a torch.optim optimizer"):
        make_scheduler(PlainSGD(net.parameters(), lr=0.1), SchedulerConfig(name="plateau"))


def test_plain_sgd_does_not_import_dynamo():
    code = ("import sys, torch; from fairopt.core.training import PlainSGD; "
            "PlainSGD(torch.nn.Linear(2, 1).parameters(), lr=0.1).step(); print('torch._dynamo' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
