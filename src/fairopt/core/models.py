"""Neural network builders shared by the studies."""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

__all__ = ["mlp", "seed_everything"]

_ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "gelu": nn.GELU}
_OUTPUTS = {"identity": None, "softplus": nn.Softplus, "sigmoid": nn.Sigmoid}


def mlp(in_features: int, hidden: Sequence[int], out_features: int = 1, *,
        activation: str = "relu", dropout: float = 0.0, layer_norm: bool = False,
        output: str = "identity") -> nn.Sequential:
    """Multi-layer perceptron ``in -> [Linear -> (LayerNorm) -> act -> (Dropout)] x k -> Linear -> out``.

    With ``hidden=[64]``, ``dropout=0.1`` and ``output="softplus"`` this is the FDFL authors'
    risk model (reference note: one hidden layer, Softplus output so risks stay positive).

    Args:
        in_features: Input width.
        hidden: Widths of the hidden layers (empty for a linear model).
        out_features: Output width.
        activation: ``relu``, ``tanh`` or ``gelu``.
        dropout: Dropout probability after each hidden activation (0 = none).
        layer_norm: LayerNorm after each hidden Linear (fairness-layer networks).
        output: Output transform: ``identity``, ``softplus`` or ``sigmoid``.
    """
    if activation not in _ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; expected one of {sorted(_ACTIVATIONS)}")
    if output not in _OUTPUTS:
        raise ValueError(f"unknown output {output!r}; expected one of {sorted(_OUTPUTS)}")
    layers: list[nn.Module] = []
    width = in_features
    for h in hidden:
        layers.append(nn.Linear(width, h))
        if layer_norm:
            layers.append(nn.LayerNorm(h))
        layers.append(_ACTIVATIONS[activation]())
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        width = h
    layers.append(nn.Linear(width, out_features))
    output_layer = _OUTPUTS[output]
    if output_layer is not None:
        layers.append(output_layer())
    return nn.Sequential(*layers)


def seed_everything(seed: int) -> torch.Generator:
    """Seed torch (CPU) and return a generator for explicit draws."""
    torch.manual_seed(seed)
    gen = torch.Generator()
    gen.manual_seed(seed)
    return gen
