"""Online primal-dual inference for batches smaller than ``b_tau`` (and the b_tau switch).

Troxell, Montufar & Roemer (ICML 2026), reference note: when batches are small, a hard
per-batch parity constraint is overly restrictive. The stream of batches ``t = 1, 2, ...``
(sizes ``b_t``) is instead handled by a penalised projection and dual ascent:

    primal:  y~_t = argmin_{lb <= y <= ub} ||y - z_t||^2 + lambda_t b_t gap_t(y),
    dual:    lambda_{t+1} = max(0, lambda_t + eta_t b_t (gap_t(y~_t) - eps)),  eta_t = eta_0 / sqrt(t),

with the two-group mean-parity gap ``gap_t(y) = |m_0(y) - m_1(y)| = |w^T y|``,
``w = 1_{g=0}/n_0 - 1_{g=1}/n_1`` on batch ``t``. The dual is reset (``reset()``) before each
evaluation pass.

**Primal in closed form (soft shift).** Stationarity of ``||y - z||^2 + c |w^T y|``
(``c = lambda_t b_t``) gives ``y = clip(z - nu w, lb, ub)`` with ``nu = (c/2) s``, ``s`` a
subgradient of ``|.|`` at ``w^T y``. As ``phi(nu) = w^T clip(z - nu w)`` is non-increasing,
``nu`` is the root of ``phi(nu) = 0`` clipped to ``[-c/2, c/2]``. Without a box:
``nu = clip(d / ||w||^2, -c/2, c/2)`` with ``d = m_0(z) - m_1(z)`` and ``||w||^2 = 1/n_0 + 1/n_1``:
group 0 shifts by ``-nu/n_0``, group 1 by ``+nu/n_1``, and the gap is soft-thresholded,
``d~ = sign(d) max(|d| - (c/2)(1/n_0 + 1/n_1), 0)``. With a box the root is found exactly by
:func:`fairopt.methods.flayer.exact.phi_root` and the output is differentiable (the active-set formula of
:mod:`fairopt.methods.flayer.exact`; a saturated multiplier ``|nu| = c/2`` is a constant).

**Guarantee (as stated by the authors; derivation).** From the dual update,
``lambda_{t+1} >= lambda_t + eta_t b_t (gap_t - eps)``, so
``sum_t b_t (gap_t - eps) <= sum_t (lambda_{t+1} - lambda_t)/eta_t
= lambda_{T+1}/eta_T + sum_{t=2}^{T} lambda_t (1/eta_{t-1} - 1/eta_t) <= lambda_{T+1}/eta_T``
(``lambda_1 = 0``, ``eta_t`` non-increasing, ``lambda >= 0``). Dividing by ``N = sum_t b_t``:

    (1/N) sum_t b_t gap_t  <=  eps + lambda_max / (eta_T N).

:meth:`PrimalDualInference.summary` reports the pooled gap (gap of all predictions pooled), the
sample-weighted average gap, ``lambda_max`` (over all dual iterates, the final one included) and
this bound. Batches with an absent group have no gap: they are only clipped to the box, enter
the pooled gap, and are left out of ``N`` and the weighted average; they are counted
(``n_absent_batches`` in the summary) and the first one raises an
:class:`~fairopt.methods.flayer.constraints.AbsentGroupWarning`. A NaN or inf raw output is refused
with a one-line :class:`~fairopt.core.errors.DataError` *before* the dual state changes (otherwise
its gap would drive ``lambda`` up for the rest of the stream).

**Training versus inference (the b_tau switch, as in the authors' experiment code).** In the
authors' synthetic experiments (repository ``dtroxell19/FairDL-ICML-2026``,
``synthetic_experiments/fair_model.py``) the *training* forward pass uses this penalised primal-dual
layer whenever the training batch is smaller than ``b_tau`` (its own dual variable, ``eta_0 = 0.1``,
reset at the start of every epoch) and the hard per-batch projection otherwise; inference does the
same with ``eta_0 = 0.5`` and a dual reset before every pass. The paper's b256-i16 setting
(``b_tau = 1000``) therefore trains through the primal-dual layer and infers through it;
:class:`FairnessHead` follows that. (The authors' later PyPI package ``fairness-training`` 0.1.0
always trains with the hard layer; it is not the code behind the paper's numbers.)
"""
from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import torch
from torch import nn

from fairopt.core.errors import ConfigError
from fairopt.core import metrics
from fairopt.methods.flayer import exact
from fairopt.methods.flayer.constraints import AbsentGroupWarning, as_numpy, check_finite
from fairopt.methods.flayer.layer import FairnessLayer, check_box

__all__ = ["PrimalDualInference", "penalised_projection", "FairnessHead"]


def penalised_projection(z: torch.Tensor, groups: Any, c: float, lb: float | None = None,
                         ub: float | None = None) -> torch.Tensor:
    """``argmin_{lb <= y <= ub} ||y - z||^2 + c |m_0(y) - m_1(y)|`` (differentiable in ``z``).

    Args:
        z: ``(n,)`` raw outputs.
        groups: ``(n,)`` 0/1 group per row.
        c: Penalty weight (``lambda_t b_t``), ``c >= 0``.
        lb, ub: Optional box.

    Returns:
        The penalised projection (same dtype as ``z``); ``clip(z)`` if a group is absent.

    Raises:
        DataError: ``z`` has a NaN or inf.
    """
    check_finite(z, "input z", "penalised_projection")
    if not c >= 0:
        raise ConfigError(f"penalty weight must be >= 0, got {c}")
    lb, ub = check_box(lb, ub)
    a = as_numpy(groups).reshape(-1)
    z64 = z.reshape(-1).to(torch.float64)
    m0, m1 = a == 0, a == 1
    if not (m0.any() and m1.any()):
        y = z64 if lb is None else torch.clamp(z64, lb, ub)
        return y.to(z.dtype).reshape(z.shape)
    w = m0 / m0.sum() - m1 / m1.sum()
    W = w[None, :]
    zn = z64.detach().cpu().numpy()
    nu, saturated = exact.penalised_multiplier_1d(zn, w, lb, ub, 0.5 * c)
    aset = exact.active_set_from_mu(zn, W, np.array([nu]), lb, ub)
    zero = torch.zeros(1, dtype=torch.float64, device=z64.device)
    if saturated:
        aset.active = np.array([False])
        aset.nu_fixed = np.array([nu])
    else:
        aset.active, aset.upper = np.array([True]), np.array([True])
    y = exact.polish(z64, W, aset, zero, zero)
    if lb is not None:
        y = torch.clamp(y, lb, ub)
    return y.to(z.dtype).reshape(z.shape)


class PrimalDualInference(nn.Module):
    """Online primal-dual fairness for a stream of small batches (two-group mean parity).

    Args:
        eps: Parity tolerance.
        lb, ub: Optional box kept in the primal.
        eta0: Initial dual step ``eta_0`` (``eta_t = eta_0 / sqrt(t)``, ``t`` = dual updates so far
            including this one).

    Call :meth:`reset` before each evaluation pass; :meth:`summary` returns the logged metrics.
    """

    def __init__(self, eps: float = 0.05, lb: float | None = None, ub: float | None = None,
                 eta0: float = 0.5) -> None:
        super().__init__()
        if not eps >= 0:
            raise ConfigError(f"primal-dual eps must be >= 0, got {eps}")
        if not eta0 > 0:
            raise ConfigError(f"primal-dual eta0 must be > 0, got {eta0}")
        self.eps = float(eps)
        self.lb, self.ub = check_box(lb, ub)
        self.eta0 = float(eta0)
        self._warned = False  # the absent-group warning is issued once per instance, across resets
        self.reset()

    def extra_repr(self) -> str:
        return f"eps={self.eps}, lb={self.lb}, ub={self.ub}, eta0={self.eta0}, lambda={self.lam:.4g}"

    def reset(self) -> None:
        """Reset the dual variable, the step counter and the logs."""
        self.lam = 0.0
        self.t = 0
        self.eta_last = self.eta0
        self.lambda_max = 0.0
        self.weighted_gap_sum = 0.0
        self.n_constrained = 0
        self.n_batches = 0
        self.n_absent_batches = 0
        self._sums = np.zeros(2)
        self._counts = np.zeros(2)
        self.history: list[dict[str, float]] = []

    def forward(self, z: torch.Tensor, groups: Any) -> torch.Tensor:
        """Penalised projection of one batch with the current ``lambda_t``, then the dual step.

        Raises:
            DataError: ``z`` has a NaN or inf (the dual state is left unchanged).
        """
        check_finite(z, "input z", "PrimalDualInference")
        a = as_numpy(groups).reshape(-1)
        b = int(a.shape[0])
        y = penalised_projection(z, a, self.lam * b, self.lb, self.ub)
        yn = y.detach().reshape(-1).to(torch.float64).cpu().numpy()
        self.n_batches += 1
        for g in (0, 1):
            mask = a == g
            self._sums[g] += yn[mask].sum()
            self._counts[g] += mask.sum()
        if (a == 0).any() and (a == 1).any():
            gap = abs(metrics.attribute_gaps(yn, a)[0])
            self.t += 1
            self.eta_last = self.eta0 / math.sqrt(self.t)
            lam_used = self.lam
            self.lam = float(max(0.0, self.lam + self.eta_last * b * (gap - self.eps)))
            self.lambda_max = max(self.lambda_max, self.lam)
            self.weighted_gap_sum += b * gap
            self.n_constrained += b
            self.history.append({"batch": self.n_batches, "size": b, "gap": gap,
                                 "lambda": lam_used, "eta": self.eta_last})
        else:
            self.n_absent_batches += 1
            if not self._warned:
                self._warned = True
                warnings.warn(AbsentGroupWarning(
                    f"PrimalDualInference: a group is absent from a batch of {b} rows; the batch is only "
                    f"clipped to the box and takes no dual step; warned once, further such batches are "
                    f"counted in the summary's n_absent_batches"), stacklevel=2)
        return y

    def summary(self) -> dict[str, float]:
        """Pooled gap, weighted-average gap, ``lambda_max`` and the bound ``eps + lambda_max/(eta_T N)``."""
        pooled = float("nan")
        if self._counts.min() > 0:
            pooled = float(abs(self._sums[0] / self._counts[0] - self._sums[1] / self._counts[1]))
        N = self.n_constrained
        weighted = self.weighted_gap_sum / N if N else float("nan")
        bound = self.eps + self.lambda_max / (self.eta_last * N) if N else float("inf")
        return {"pooled_gap": pooled, "weighted_gap": float(weighted), "lambda_max": self.lambda_max,
                "lambda_final": self.lam, "bound": float(bound), "n_samples": float(N),
                "n_updates": float(self.t), "eta_T": self.eta_last, "eps": self.eps,
                "n_absent_batches": float(self.n_absent_batches)}


class FairnessHead(nn.Module):
    """The F-Layer's output head with the ``b_tau`` switch.

    Batches with ``n >= b_tau`` go through the hard-constraint :class:`FairnessLayer`; smaller
    ones through :class:`PrimalDualInference` (two-group mean parity), with separate dual states
    for training (``eta0_train``) and evaluation (``eta0_eval``), chosen by ``self.training``
    (the authors use 0.1 and 0.5). The switch applies to *training* batches too, as in the
    authors' experiment code for the paper (module docstring): with the paper's b256-i16 setting
    and ``b_tau = 1000`` the network trains through the primal-dual layer (training dual reset
    every epoch by :func:`fairopt.methods.flayer.training.fit_flayer`) and infers through it (dual
    reset before every pass). The authors' later ``fairness-training`` package trains with the
    hard layer whatever the batch size; fairopt follows the code behind the paper's numbers.

    Args:
        layer: The hard-constraint layer (its eps and box are reused by the primal-dual parts).
        b_tau: Batch-size threshold.
        eta0_train, eta0_eval: Initial dual steps.
    """

    def __init__(self, layer: FairnessLayer, b_tau: int = 1000, eta0_train: float = 0.1,
                 eta0_eval: float = 0.5) -> None:
        super().__init__()
        self.layer = layer
        self.b_tau = int(b_tau)
        self.pd_train = PrimalDualInference(layer.eps, layer.lb, layer.ub, eta0_train)
        self.pd_eval = PrimalDualInference(layer.eps, layer.lb, layer.ub, eta0_eval)

    def uses_primal_dual(self, n: int) -> bool:
        return n < self.b_tau

    def forward(self, z: torch.Tensor, groups: Any, targets: Any = None, labels: Any = None) -> torch.Tensor:
        n = z.shape[0]
        if not self.uses_primal_dual(n):
            return self.layer(z, groups, targets=targets, labels=labels)
        if self.layer.family != "mean_parity":
            raise ConfigError(f"primal-dual inference (batch {n} < b_tau {self.b_tau}) supports the "
                              f"'mean_parity' family only, not {self.layer.family!r}")
        return (self.pd_train if self.training else self.pd_eval)(z, groups)
