"""The fairness layer (F-Layer): a differentiable projection onto batch group-parity constraints.

Troxell, Montufar & Roemer, "Differentiable Optimization Layers for Guaranteed Fairness in Deep
Learning" (ICML 2026): appended to a network's output, the layer returns for a mini-batch of raw
outputs ``z`` (``n`` rows) the Euclidean projection

    y~ = argmin_y ||y - z||^2  s.t.  group-parity constraints on the batch,  lb <= y <= ub,

so every batch it outputs satisfies the chosen parity notion. The constraint families are those
of :mod:`fairopt.methods.flayer.constraints` (mean-prediction parity, per-attribute mean-logit parity,
pairwise intersectional parity, mean-residual parity, equalized odds).

**Inputs that would break the guarantee are refused.** A NaN or inf in ``z`` (or in the targets of
mean-residual parity) raises a one-line :class:`~fairopt.core.errors.DataError` naming the input
and the count, on both back ends: without the check a non-finite score is clipped/rooted to an
arbitrary value (with a box, NaN becomes 0.0 with gradient 0) and the batch leaves the parity set
with no error.

**Absent groups.** A constraint whose group is absent from the batch cannot be imposed and is
dropped (the batch is then only clipped to the box). The layer counts such batches
(:attr:`FairnessLayer.n_absent_batches`, :attr:`FairnessLayer.n_dropped_constraints`) and issues
one :class:`~fairopt.methods.flayer.constraints.AbsentGroupWarning` the first time; for the
integer-code families (``pairwise_parity``, ``residual_parity`` over codes) a group is absent
when the layer has seen its code in an earlier batch (the codes of the data are not known to the
layer). The study jobs record the number of such batches in every result.

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

Computations run in float64; the output has the input's dtype, shape (``(n,)`` or ``(n, 1)``) and
device: the layer never names a device, it follows its input (the exact back end finds the active
sets in numpy on the CPU and evaluates the differentiable formula on the input's device).
"""
from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import torch
from torch import nn

from fairopt.core.errors import ConfigError
from fairopt.methods.flayer import exact
from fairopt.methods.flayer.constraints import (CODE_FAMILIES, FAMILIES, AbsentGroupWarning, SlabSet, build_slabs,
                                                check_finite)

__all__ = ["BACKENDS", "FairnessLayer", "check_box", "slab_bounds"]

BACKENDS = ("exact", "cvxpylayers")


def check_box(lb: float | None, ub: float | None) -> tuple[float | None, float | None]:
    """Validate a box: both bounds or neither, ``lb < ub``."""
    if (lb is None) != (ub is None):
        raise ConfigError(f"fairness-layer box needs both lb and ub (or neither), got lb={lb}, ub={ub}")
    if lb is None:
        return None, None
    assert ub is not None  # both or neither (checked above)
    lb, ub = float(lb), float(ub)
    if not lb < ub:
        raise ConfigError(f"fairness-layer box needs lb < ub, got [{lb}, {ub}]")
    return lb, ub


def slab_bounds(slabs: SlabSet, targets: Any, eps: float,
                device: torch.device | str | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Centres ``r`` and bounds ``lo = r - eps``, ``hi = r + eps`` as float64 tensors on ``device``.

    Centres of mean-residual rows are ``w_k^T targets``; they keep the targets' autograd graph
    (targets are normally data without gradient). ``device``: where the batch's outputs live
    (default: the CPU).
    """
    r = torch.zeros(slabs.m, dtype=torch.float64, device=device)
    if slabs.uses_target.any():
        t = targets if torch.is_tensor(targets) else torch.as_tensor(np.asarray(targets))
        t = t.reshape(-1).to(device=r.device, dtype=torch.float64)
        rows = torch.from_numpy(np.flatnonzero(slabs.uses_target)).to(r.device)
        r = r.index_put((rows,), torch.from_numpy(slabs.W[slabs.uses_target]).to(r.device) @ t)
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
        #: batches projected with at least one constraint dropped (a constrained group absent)
        self.n_absent_batches = 0
        #: constraints dropped over those batches
        self.n_dropped_constraints = 0
        self._groups_seen: set = set()  # integer-code families: group keys seen in earlier batches
        if backend == "cvxpylayers":
            from fairopt.methods.flayer.cvx import CvxpyProjector

            self._cvx = CvxpyProjector(solver_args, cache_size=cache_size, strict=strict)

    def extra_repr(self) -> str:
        box = "" if self.lb is None else f", lb={self.lb}, ub={self.ub}"
        return f"family={self.family!r}, eps={self.eps}{box}, backend={self.backend!r}"

    def constraints(self, groups: Any, n: int, *, labels: Any = None,
                    has_targets: bool = False) -> SlabSet:
        """The slab constraints this layer imposes on a batch of ``n`` rows.

        For the integer-code families the groups seen in earlier batches are the expected ones
        (their absence shows in ``SlabSet.dropped``).
        """
        expected = self._groups_seen if self.family in CODE_FAMILIES else None
        return build_slabs(self.family, groups, n, self.eps, labels=labels, has_targets=has_targets,
                           expected_groups=expected)

    def _note_absent(self, slabs: SlabSet, n: int) -> None:
        """Count a batch with dropped constraints; warn the first time (module docstring)."""
        self.n_absent_batches += 1
        self.n_dropped_constraints += len(slabs.dropped)
        if self.n_absent_batches == 1:
            warnings.warn(AbsentGroupWarning(
                f"FairnessLayer ({self.family}): a constrained group is absent from a batch of {n} rows, "
                f"{len(slabs.dropped)} constraint(s) dropped ({', '.join(slabs.dropped[:3])}"
                f"{', ...' if len(slabs.dropped) > 3 else ''}); warned once, further such batches are "
                f"counted in FairnessLayer.n_absent_batches"), stacklevel=3)

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

        Raises:
            DataError: ``z`` (or the targets) has a NaN or inf; groups of the wrong shape or values.
        """
        shape, dtype = z.shape, z.dtype
        if z.dim() == 2 and z.shape[1] == 1:
            zf = z.reshape(-1)
        elif z.dim() == 1:
            zf = z
        else:
            raise ConfigError(f"fairness layer expects outputs of shape (n,) or (n, 1), got {tuple(shape)}")
        n = zf.shape[0]
        check_finite(zf, "input z", "FairnessLayer")
        check_finite(targets, "targets", "FairnessLayer", "finite targets")
        slabs = self.constraints(groups, n, labels=labels, has_targets=targets is not None)
        self._groups_seen.update(slabs.present)
        if slabs.dropped:
            self._note_absent(slabs, n)
        z64 = zf.to(torch.float64)
        _, lo, hi = slab_bounds(slabs, targets, self.eps, z64.device)
        if self.backend == "exact":
            y = exact.project(z64, slabs.W, lo, hi, self.lb, self.ub, disjoint=slabs.disjoint(),
                              state=self._warm)
        else:
            assert self._cvx is not None  # built for the cvxpylayers back end
            y = self._cvx(z64, slabs.W, lo, hi, self.lb, self.ub)
        return y.to(dtype).reshape(shape)

    @torch.no_grad()
    def violation(self, y: torch.Tensor, groups: Any, targets: Any = None,
                  labels: Any = None) -> float:
        """Largest constraint violation of ``y`` on its batch (slabs and box; 0 = feasible).

        Outputs with a NaN or inf are infinitely infeasible: the result is ``math.inf`` (never 0,
        so a check ``violation(y) <= tol`` fails and ``max`` over batches keeps it). Non-finite
        *targets* are an input error (:class:`~fairopt.core.errors.DataError`). Constraints dropped
        because a group is absent are not counted (nothing is imposed on them).
        """
        yf = y.detach().reshape(-1).to(torch.float64).cpu()
        if not bool(torch.isfinite(yf).all()):
            return math.inf
        check_finite(targets, "targets", "FairnessLayer.violation", "finite targets")
        slabs = build_slabs(self.family, groups, yf.shape[0], self.eps, labels=labels,
                            has_targets=targets is not None)
        r, _, _ = slab_bounds(slabs, targets, self.eps)
        worst = 0.0
        if slabs.m:
            g = torch.from_numpy(slabs.W) @ yf - r
            worst = max(worst, float((g.abs() - self.eps).max()))
        if self.lb is not None:
            assert self.ub is not None  # a box has both bounds (check_box)
            worst = max(worst, float((self.lb - yf).max()), float((yf - self.ub).max()))
        return max(worst, 0.0)
