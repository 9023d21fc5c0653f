"""PlainSGD and PlainAdam: torch.optim.SGD and Adam updates without torch.optim (no torch._dynamo import), bit for bit."""
from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from fairopt.core.errors import ConfigError
from fairopt.core.training import (OptimizerConfig, PlainAdam, PlainSGD, SchedulerConfig, fit, make_optimizer,
                                    make_scheduler)


def _steps(make_optimizer, dtype, group_settings, *, steps: int = 25, skip_every: int = 0) -> list[torch.Tensor]:
    """The parameters of a small network after ``steps`` optimizer steps; ``make_optimizer(groups)`` builds the
    optimizer from two param groups (``group_settings``: their extra keys); ``skip_every``: every so many steps
    the first layer's bias has no gradient (so it is not stepped)."""
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(5, 7), torch.nn.Tanh(), torch.nn.Linear(7, 1)).to(dtype)
    groups = [{"params": list(layer.parameters()), **extra} for layer, extra in zip((net[0], net[2]), group_settings)]
    opt = make_optimizer(groups)
    gen = torch.Generator().manual_seed(1)
    for step in range(steps):
        x = torch.randn(16, 5, generator=gen, dtype=dtype)
        opt.zero_grad(set_to_none=True)
        ((net(x) - x[:, :1]) ** 2).mean().backward()
        if skip_every and step % skip_every == 0:
            net[0].bias.grad = None
        opt.step()
    return [p.detach().clone() for p in net.parameters()]


def _trajectory(kind: str, dtype, momentum: float, weight_decay: float) -> list[torch.Tensor]:
    cls = torch.optim.SGD if kind == "torch" else PlainSGD
    return _steps(lambda groups: cls(groups, lr=1.0, weight_decay=weight_decay), dtype,
                  [{"lr": 0.05, "momentum": momentum}, {"lr": 0.2, "momentum": 0.5 * momentum}])


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


def _adam_trajectory(kind: str, dtype, weight_decay: float, skip_every: int = 0) -> list[torch.Tensor]:
    cls = torch.optim.Adam if kind == "torch" else PlainAdam
    return _steps(lambda groups: cls(groups, lr=1.0, weight_decay=weight_decay), dtype, [{"lr": 0.01}, {"lr": 0.003}],
                  steps=30, skip_every=skip_every)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("weight_decay, skip_every", [(0.0, 0), (1e-3, 0), (0.0, 4)])
def test_plain_adam_equals_torch_adam_bit_for_bit(dtype, weight_decay, skip_every):
    plain = _adam_trajectory("plain", dtype, weight_decay, skip_every)
    for a, b in zip(_adam_trajectory("torch", dtype, weight_decay, skip_every), plain):
        assert torch.equal(a, b)
    assert not torch.equal(plain[0], _adam_trajectory("plain", dtype, weight_decay + 0.5, skip_every)[0])


def test_fit_uses_plain_adam_without_a_scheduler_and_torch_adam_with_one():
    net = torch.nn.Linear(3, 1)
    assert isinstance(make_optimizer(net.parameters(), OptimizerConfig(name="adam")), PlainAdam)
    assert isinstance(make_optimizer(net.parameters(), OptimizerConfig(name="adam"), torch_optim=True),
                      torch.optim.Adam)
    x = torch.randn(32, 3)
    result = fit(net, lambda m, b: (((m(b[0]) - b[0][:, :1]) ** 2).mean(), {}), lambda e: [(x,)], epochs=5,
                 optimizer=OptimizerConfig(name="adam", lr=0.01), scheduler=SchedulerConfig(name="plateau"))
    assert result.epochs_run == 5


def test_plain_adam_does_not_import_dynamo():
    code = ("import sys, torch; from fairopt.core.training import PlainAdam; m = torch.nn.Linear(2, 1); "
            "m(torch.ones(1, 2)).sum().backward(); PlainAdam(m.parameters(), lr=0.1).step(); "
            "print('torch._dynamo' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
