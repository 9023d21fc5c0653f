"""The fairness layer (F-Layer): a differentiable projection onto batch group-parity constraints.

Troxell, Montufar & Roemer, "Differentiable Optimization Layers for Guaranteed Fairness in Deep
Learning" (ICML 2026): appended to a network's output, the layer returns for a mini-batch of raw
outputs ``z`` (``n`` rows) the Euclidean projection

    y~ = argmin_y ||y - z||^2  s.t.  group-parity constraints on the batch,  lb <= y <= ub,

so every batch it outputs satisfies the chosen parity notion. The constraint families are those
of :mod:`fairopt.methods.flayer.constraints` (mean-prediction parity, per-attribute mean-logit parity,
pairwise intersectional parity, mean-residual parity, equalized odds); groups absent from a
batch are skipped.

Back ends (one interface):

``"exact"`` (default)
    :mod:`fairopt.methods.flayer.exact`: closed forms / exact 1-D breakpoint search for one slab and for
    slabs with disjoint supports (two-group mean parity with or without box, one attribute,
    equalized odds, mean-residual parity over disjoint groups); verified coordinate-ascent +
    active-set solve for overlapping slabs (several attributes, >= 3 intersectional groups,
    mean-residual parity over overlapping groups). Every family takes the exact path; autograd
    through the active-set formula gives the KKT (implicit-function) gradient. Constraints hold
    to 1e-10 (active ones to rounding) in float64. The overlapping-slab solver is warm-started
    from the layer's previous verified active sets (full-batch training projects the same rows
    every epoch).
``"cvxpylayers"``
    :mod:`fairopt.methods.flayer.cvx`: the same QP as a cached cvxpylayers problem (diffcp + SCS by
    default); constraints hold to the solver tolerance.

Computations run in float64; the output has the input's dtype and shape (``(n,)`` or ``(n, 1)``).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from fairopt.core.errors import ConfigError
from fairopt.methods.flayer import exact
from fairopt.methods.flayer.constraints import FAMILIES, SlabSet, build_slabs

__all__ = ["BACKENDS", "FairnessLayer", "check_box", "slab_bounds"]

BACKENDS = ("exact", "cvxpylayers")


def check_box(lb: float | None, ub: float | None) -> tuple[float | None, float | None]:
    """Validate a box: both bounds or neither, ``lb < ub``."""
    if (lb is None) != (ub is None):
        raise ConfigError(f"fairness-layer box needs both lb and ub (or neither), got lb={lb}, ub={ub}")
    if lb is None:
        return None, None
    lb, ub = float(lb), float(ub)
    if not lb < ub:
        raise ConfigError(f"fairness-layer box needs lb < ub, got [{lb}, {ub}]")
    return lb, ub


def slab_bounds(slabs: SlabSet, targets: Any, eps: float) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Centres ``r`` and bounds ``lo = r - eps``, ``hi = r + eps`` as float64 tensors.

    Centres of mean-residual rows are ``w_k^T targets``; they keep the targets' autograd graph
    (targets are normally data without gradient).
    """
    r = torch.zeros(slabs.m, dtype=torch.float64)
    if slabs.uses_target.any():
        t = targets if torch.is_tensor(targets) else torch.as_tensor(np.asarray(targets))
        t = t.reshape(-1).to(torch.float64)
        rows = torch.from_numpy(np.flatnonzero(slabs.uses_target))
        r = r.index_put((rows,), torch.from_numpy(slabs.W[slabs.uses_target]) @ t)
    return r, r - eps, r + eps


class FairnessLayer(nn.Module):
    """Projection of a batch's outputs onto a group-parity set (the F-Layer).

    Args:
        family: Constraint family, one of :data:`fairopt.methods.flayer.constraints.FAMILIES`.
        eps: Parity tolerance.
        lb, ub: Optional box on every output (both or neither), e.g. ``[-3.5, 3.5]``.
        backend: ``"exact"`` (default) or ``"cvxpylayers"``.
        solver_args: diffcp options for the cvxpylayers back end.
        cache_size: cvxpylayers problems kept (LRU, keyed by the batch's group pattern).
        strict: cvxpylayers back end: raise on inaccurate solves.

    Example:
        >>> layer = FairnessLayer("mean_parity", eps=0.05, lb=-3.5, ub=3.5)
        >>> y = layer(net(x).squeeze(-1), groups=x[:, 0])     # doctest: +SKIP
    """

    def __init__(self, family: str = "mean_parity", eps: float = 0.05, lb: float | None = None,
                 ub: float | None = None, *, backend: str = "exact",
                 solver_args: dict[str, Any] | None = None, cache_size: int = 64,
                 strict: bool = True) -> None:
        super().__init__()
        if family not in FAMILIES:
            raise ConfigError(f"unknown fairness-layer family {family!r}; expected one of {list(FAMILIES)}")
        if backend not in BACKENDS:
            raise ConfigError(f"unknown fairness-layer backend {backend!r}; expected one of {list(BACKENDS)}")
        if not float(eps) >= 0:
            raise ConfigError(f"fairness-layer eps must be >= 0, got {eps}")
        self.family = family
        self.eps = float(eps)
        self.lb, self.ub = check_box(lb, ub)
        self.backend = backend
        self._cvx = None
        self._warm: dict[int, exact.ActiveSet] = {}  # exact back end: warm starts by slab count
        if backend == "cvxpylayers":
            from fairopt.methods.flayer.cvx import CvxpyProjector

            self._cvx = CvxpyProjector(solver_args, cache_size=cache_size, strict=strict)

    def extra_repr(self) -> str:
        box = "" if self.lb is None else f", lb={self.lb}, ub={self.ub}"
        return f"family={self.family!r}, eps={self.eps}{box}, backend={self.backend!r}"

    def constraints(self, groups: Any, n: int, *, labels: Any = None,
                    has_targets: bool = False) -> SlabSet:
        """The slab constraints this layer imposes on a batch of ``n`` rows."""
        return build_slabs(self.family, groups, n, self.eps, labels=labels, has_targets=has_targets)

    def forward(self, z: torch.Tensor, groups: Any, targets: Any = None,
                labels: Any = None) -> torch.Tensor:
        """Project the batch ``z`` (shape ``(n,)`` or ``(n, 1)``).

        Args:
            z: Raw outputs.
            groups: Protected information per row (shape per family, see ``constraints``).
            targets: Targets per row (``residual_parity``).
            labels: Binary outcomes per row (``equalized_odds``).

        Returns:
            The projection, same shape and dtype as ``z``.
        """
        shape, dtype = z.shape, z.dtype
        if z.dim() == 2 and z.shape[1] == 1:
            zf = z.reshape(-1)
        elif z.dim() == 1:
            zf = z
        else:
            raise ConfigError(f"fairness layer expects outputs of shape (n,) or (n, 1), got {tuple(shape)}")
        n = zf.shape[0]
        slabs = self.constraints(groups, n, labels=labels, has_targets=targets is not None)
        z64 = zf.to(torch.float64)
        _, lo, hi = slab_bounds(slabs, targets, self.eps)
        if self.backend == "exact":
            y = exact.project(z64, slabs.W, lo, hi, self.lb, self.ub, disjoint=slabs.disjoint(),
                              state=self._warm)
        else:
            y = self._cvx(z64, slabs.W, lo, hi, self.lb, self.ub)
        return y.to(dtype).reshape(shape)

    @torch.no_grad()
    def violation(self, y: torch.Tensor, groups: Any, targets: Any = None,
                  labels: Any = None) -> float:
        """Largest constraint violation of ``y`` on its batch (slabs and box; 0 = feasible)."""
        yf = y.detach().reshape(-1).to(torch.float64)
        slabs = self.constraints(groups, yf.shape[0], labels=labels, has_targets=targets is not None)
        r, _, _ = slab_bounds(slabs, targets, self.eps)
        worst = 0.0
        if slabs.m:
            g = torch.from_numpy(slabs.W) @ yf - r
            worst = max(worst, float((g.abs() - self.eps).max()))
        if self.lb is not None:
            worst = max(worst, float((self.lb - yf).max()), float((yf - self.ub).max()))
        return max(worst, 0.0)
