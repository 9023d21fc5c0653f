"""DAFH networks: the group classifier g with K decoupled logistic classifiers, single and batched.

Cai, Khalili & Zhang (arXiv 2509.24077), Sections 4 and 6.3: the group classifier is a multi-layer
perceptron with one hidden layer of 100 units and a softmax over the K groups,
``p(x) = softmax(W2 relu(W1 x + b1) + b2)``; the decoupled classifiers are K logistic regressions,
``t_k(x) = w_k' x + c_k`` (one ``nn.Linear(d, K)``); the pooled logistic classifier h_0 is trained
separately and frozen (:mod:`fairopt.methods.dafh.training`).

:class:`BatchedDAFHNetwork` holds C configurations' parameters with a configuration axis and
evaluates all of them on a shared mini-batch with two large matrix products
(``X @ W1`` as ``(B, d) x (d, C*H)``) and one ``bmm``; per-configuration learning rates are realised by
gradient hooks that scale each configuration's slice of the gradient (with SGD and momentum,
``buf <- mu buf + eta g; p <- p - buf`` is ``eta`` times the buffer of ``buf <- mu buf + g;
p <- p - eta buf``, so the trajectories coincide exactly in exact arithmetic).
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from fairopt.core.models import mlp

__all__ = ["DAFHNetwork", "BatchedDAFHNetwork", "BatchedPooled"]


class DAFHNetwork(nn.Module):
    """Group classifier g (MLP, one hidden ReLU layer) and K decoupled logistic classifiers.

    Args:
        n_features: Input width d.
        n_groups: Number of groups K.
        hidden_units: Width of the hidden layer (100 in the paper).
    """

    def __init__(self, n_features: int, n_groups: int, hidden_units: int = 100):
        super().__init__()
        self.group = mlp(n_features, [hidden_units], n_groups)
        self.decoupled = nn.Linear(n_features, n_groups)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Return ``(group_logits, decoupled_logits)``, both ``(B, K)``."""
        return self.group(x), self.decoupled(x)

    def group_parameters(self) -> list[nn.Parameter]:
        """Parameters of g."""
        return list(self.group.parameters())

    def decoupled_parameters(self) -> list[nn.Parameter]:
        """Parameters of h_1..h_K."""
        return list(self.decoupled.parameters())


def _scale_hook(scale: torch.Tensor):
    def hook(grad: torch.Tensor) -> torch.Tensor:
        return grad * scale
    return hook


class BatchedDAFHNetwork(nn.Module):
    """C copies of :class:`DAFHNetwork` with a configuration axis, trained as one computation.

    Parameter layout (d features, H hidden units, K groups): ``w1 (d, C, H)``, ``b1 (C, H)``,
    ``w2 (C, H, K)``, ``b2 (C, K)``, ``wd (d, C, K)``, ``bd (C, K)``.

    Args:
        single: The network whose parameters every configuration starts from.
        n_configs: Number of configurations C.
    """

    def __init__(self, single: DAFHNetwork, n_configs: int):
        super().__init__()
        first, last = single.group[0], single.group[-1]
        assert isinstance(first, nn.Linear) and isinstance(last, nn.Linear)  # mlp's first and output layers
        c = int(n_configs)
        self.n_configs = c
        with torch.no_grad():
            self.w1 = nn.Parameter(first.weight.detach().t().unsqueeze(1).repeat(1, c, 1).contiguous())
            self.b1 = nn.Parameter(first.bias.detach().unsqueeze(0).repeat(c, 1).contiguous())
            self.w2 = nn.Parameter(last.weight.detach().t().unsqueeze(0).repeat(c, 1, 1).contiguous())
            self.b2 = nn.Parameter(last.bias.detach().unsqueeze(0).repeat(c, 1).contiguous())
            self.wd = nn.Parameter(single.decoupled.weight.detach().t().unsqueeze(1).repeat(1, c, 1).contiguous())
            self.bd = nn.Parameter(single.decoupled.bias.detach().unsqueeze(0).repeat(c, 1).contiguous())
        self._hooks: list = []

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Return ``(group_logits, decoupled_logits)``, both ``(C, B, K)``."""
        d, c, h = self.w1.shape
        k = self.b2.shape[1]
        b = x.shape[0]
        hidden = torch.relu(torch.addmm(self.b1.reshape(c * h), x, self.w1.reshape(d, c * h)))
        hidden = hidden.view(b, c, h).transpose(0, 1)
        group = torch.baddbmm(self.b2.unsqueeze(1), hidden, self.w2)
        dec = torch.addmm(self.bd.reshape(c * k), x, self.wd.reshape(d, c * k)).view(b, c, k).transpose(0, 1)
        return group, dec

    def set_learning_rates(self, lr_group: Sequence[float], lr_decoupled: Sequence[float]) -> None:
        """Scale each configuration's gradient slice by its learning rate (use optimizer lr 1).

        Args:
            lr_group: ``(C,)`` learning rates of g.
            lr_decoupled: ``(C,)`` learning rates of the decoupled classifiers.
        """
        for handle in self._hooks:
            handle.remove()
        dt = self.w1.dtype
        g = torch.as_tensor(list(lr_group), dtype=dt, device=self.w1.device)
        h = torch.as_tensor(list(lr_decoupled), dtype=dt, device=self.w1.device)
        shapes = {"w1": (g, (1, -1, 1)), "b1": (g, (-1, 1)), "w2": (g, (-1, 1, 1)), "b2": (g, (-1, 1)),
                  "wd": (h, (1, -1, 1)), "bd": (h, (-1, 1))}
        self._hooks = [getattr(self, name).register_hook(_scale_hook(lr.view(*shape)))
                       for name, (lr, shape) in shapes.items()]

    def group_parameters(self) -> list[nn.Parameter]:
        """Parameters of the C group classifiers."""
        return [self.w1, self.b1, self.w2, self.b2]

    def decoupled_parameters(self) -> list[nn.Parameter]:
        """Parameters of the C x K decoupled classifiers."""
        return [self.wd, self.bd]

    def config_state(self, c: int) -> dict[str, torch.Tensor]:
        """Detached copies of configuration ``c``'s parameters in :class:`DAFHNetwork` layout.

        Returns:
            ``{"w1": (H, d), "b1": (H,), "w2": (K, H), "b2": (K,), "wd": (K, d), "bd": (K,)}``.
        """
        return {"w1": self.w1[:, c, :].detach().t().clone(), "b1": self.b1[c].detach().clone(),
                "w2": self.w2[c].detach().t().clone(), "b2": self.b2[c].detach().clone(),
                "wd": self.wd[:, c, :].detach().t().clone(), "bd": self.bd[c].detach().clone()}


class BatchedPooled(nn.Module):
    """P pooled logistic classifiers ``t_p(x) = w_p' x + c_p`` (zero-initialised) with per-column rates.

    Args:
        n_features: Input width d.
        n_copies: Number of copies P (one per distinct learning rate).
        dtype: Parameter dtype.
    """

    def __init__(self, n_features: int, n_copies: int, dtype: torch.dtype = torch.float32):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(n_features, n_copies, dtype=dtype))
        self.bias = nn.Parameter(torch.zeros(n_copies, dtype=dtype))
        self._hooks: list = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return the ``(B, P)`` logits."""
        return torch.addmm(self.bias, x, self.weight)

    def set_learning_rates(self, lrs: Sequence[float]) -> None:
        """Scale each copy's gradient by its learning rate (use optimizer lr 1)."""
        for handle in self._hooks:
            handle.remove()
        lr = torch.as_tensor(list(lrs), dtype=self.weight.dtype, device=self.weight.device)
        self._hooks = [self.weight.register_hook(_scale_hook(lr.view(1, -1))),
                       self.bias.register_hook(_scale_hook(lr))]
