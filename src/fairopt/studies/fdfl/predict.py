r"""Risk predictions of an FDFL model: network, optional fairness layer, clip at the risk floor.

The risk model is the authors' MLP (:func:`fairopt.core.models.mlp`, Softplus output). For the method
option ``prediction_fairness: layer`` the network's outputs ``z`` of one batch are projected by
the fairness layer (:class:`fairopt.methods.flayer.FairnessLayer`, family ``mean_parity``, exact back end
by default) onto

.. math:: \{y : |\bar y_{white} - \bar y_{black}| \le \varepsilon,\ \text{floor} \le y_i \le U\},

the Euclidean projection, so *every batch it outputs* has a mean predicted-risk gap of at most
``eps`` (guaranteed parity, Troxell et al.; here the FDFL paper's statistical disparity F is
held below ``eps`` by construction instead of being penalised). The box keeps the projected risks
positive (the alpha-fair allocation needs ``r_hat > 0``); its lower end is the risk floor, so the
final clip changes nothing after the layer. With full-batch training the training predictions
are one batch; at test time the whole test set is one batch as well.

This module is the only glue between FDFL and the fairness-layer library: it uses the layer's
public interface unchanged.
"""
from __future__ import annotations

import torch
from torch import nn

from fairopt.studies.fdfl.methods import Method
from fairopt.studies.fdfl.settings import TrialSettings
from fairopt.core.models import mlp, seed_everything

__all__ = ["RiskPredictor", "build_model", "parity_layer"]


def build_model(n_features: int, settings: TrialSettings) -> nn.Module:
    """The risk MLP with the shared initial weights (seeded by ``settings.init_seed``).

    ``Linear(n, h_1) -> ReLU -> Dropout -> ... -> Linear(h_k, 1) -> Softplus``; every trial and
    method starts from the same weights, as the authors ran it.
    """
    seed_everything(settings.init_seed)
    return mlp(n_features, list(settings.hidden), 1, activation="relu", dropout=settings.dropout,
               output="softplus")


def parity_layer(method: Method, settings: TrialSettings):
    """The fairness layer of a ``prediction_fairness: layer`` method, else ``None``.

    Returns:
        ``FairnessLayer("mean_parity", eps=method.layer_eps, lb=risk_floor, ub=layer_upper)``.
    """
    if not method.uses_layer:
        return None
    from fairopt.methods.flayer import FairnessLayer   # imported only by layer methods (keeps jobs lean)

    return FairnessLayer("mean_parity", eps=method.layer_eps, lb=settings.risk_floor, ub=settings.layer_upper,
                         backend=settings.layer_backend)


class RiskPredictor:
    """``r_hat = clip(layer(net(x)), floor)`` for one batch (``layer`` only for layer methods).

    Args:
        model: The risk network (float32).
        layer: Optional fairness layer (see :func:`parity_layer`).
        risk_floor: Lower clip of the predictions.
    """

    def __init__(self, model: nn.Module, layer, risk_floor: float) -> None:
        self.model, self.layer, self.risk_floor = model, layer, float(risk_floor)

    def __call__(self, x: torch.Tensor, race: torch.Tensor) -> torch.Tensor:
        """Predicted risks of the batch as float64, shape ``(n,)`` (differentiable)."""
        r_hat = self.model(x).reshape(-1).to(torch.float64)
        if self.layer is not None:
            r_hat = self.layer(r_hat, race)
        return r_hat.clamp_min(self.risk_floor)

    @torch.no_grad()
    def predict(self, x: torch.Tensor, race: torch.Tensor) -> torch.Tensor:
        """Predictions in eval mode (no dropout), the whole input as one batch."""
        was_training = self.model.training
        self.model.eval()
        try:
            return self(x, race)
        finally:
            self.model.train(was_training)
