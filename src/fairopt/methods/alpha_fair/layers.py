r"""Differentiable alpha-fair decision layers (torch) for decision-focused learning.

Paper: "Fair Decision-Focused Learning" (``fdfl``), sec. 4.1 (eqs. 7-8, DBB) and 4.1.1
(Prop. 4.1 closed form, Prop. 4.2 analytic gradient). The decision is eq. (9),

.. math:: d^*(\hat r)_i = \frac{Q}{c_i}\,\mathrm{softmax}_i\big(p \log(\hat r g / c)\big),
   \qquad p = 1/\alpha - 1,

(see :mod:`fairopt.methods.alpha_fair.allocation` for the derivation; ``p = 0`` for ``alpha = 1``,
``p = -1`` for maximin ``alpha = inf``; ``alpha = 0`` puts the budget on the best ratio).

Jacobian (Prop. 4.2, complete and corrected)
--------------------------------------------
With spending shares :math:`s = \mathrm{softmax}(\ell)`, :math:`\ell_k = p \log(r_k g_k / c_k)`,
:math:`\partial \ell_k / \partial r_k = p / r_k` and
:math:`\partial s_i / \partial \ell_k = s_i(\delta_{ik} - s_k)`, so with :math:`d_i = Q s_i / c_i`

.. math:: J_{ik} = \frac{\partial d_i^*}{\partial r_k}
   = \frac{p}{r_k}\, d_i \Big(\delta_{ik} - \frac{c_k d_k}{Q}\Big).

The diagonal :math:`\frac{p\, d_i}{r_i}(1 - c_i d_i / Q)` is the paper's Prop. 4.2 (whose
:math:`S = \sum_j c_j w_j`); the authors' code used :math:`p\, g_i / r_i` in place of
:math:`p / r_i` (``fdfl.md``). The off-diagonal terms :math:`-p\, d_i c_k d_k / (Q r_k)` are not
negligible in the vector-Jacobian product (they carry the budget coupling). ``J`` is not
symmetric (``J_ik / J_ki = c_k r_i / (c_i r_k)`` off the diagonal). In O(n):

.. math:: (J^\top v)_k = \frac{p\, d_k}{r_k}\Big(v_k - \frac{c_k\, (v \cdot d)}{Q}\Big), \qquad
   (J v)_i = p\, d_i \Big(\frac{v_i}{r_i} - \frac{1}{Q}\sum_k \frac{c_k d_k v_k}{r_k}\Big).

Because ``d`` depends on ``r g``, the gradient in ``g`` is the same with ``g_k`` in place of
``r_k``. For ``c`` and ``Q``: :math:`(J_c^\top v)_k = -\frac{1}{c_k}\big((1+p) v_k d_k - p\,
\frac{c_k d_k}{Q}(v\cdot d)\big)` and :math:`\partial L/\partial Q = (v \cdot d)/Q`. For
``alpha = 0`` the decision is piecewise constant in ``r`` (zero gradient almost everywhere).

Gradient estimators
-------------------
* :func:`alpha_fair_decision`: the closed form in torch; autograd differentiates it.
* :class:`AnalyticAlphaFair`: the closed form with the analytic vjp above.
* :class:`DBBAlphaFair`: eqs. (7)-(8) (Vlastelica et al. 2020): forward :math:`d^*(\hat r)`;
  backward, for the incoming :math:`v = \partial L / \partial d`, returns
  :math:`(d^*(\hat r + \lambda v) - d^*(\hat r)) / \lambda`. For this smooth problem that is a
  forward difference along ``v`` and tends to :math:`J v` as :math:`\lambda \to 0` -- not the
  exact gradient :math:`J^\top v` (``J`` is not symmetric). (Vlastelica's rule for
  ``argmin_y <w, y>`` reads ``-(y(w + lam v) - y(w)) / lam``; with ``w = -r`` for this maximisation
  it is the backward difference ``(d*(r) - d*(r - lam v)) / lam``, the same limit ``J v``.)
* :class:`FiniteDifferenceAlphaFair`: coordinate-wise central differences of ``d*`` (2n solves),
  contracted with ``v`` -- a consistent estimator of :math:`J^\top v`. For the closed form the 2n
  solves cost O(n) together (one logit changes per solve: :meth:`closed_form_solver.coordinate_differences`).
  The authors' "DBB" was this with an absolute step 1e-7 in float32, which returns exactly 0 whenever ``r + 1e-7``
  rounds to ``r`` (``r >= 4``); in float64 with a relative step it matches the analytic vjp.

Both perturbation estimators accept any ``solver`` callable ``r -> d``, so they also work for
problems without a closed form (e.g. :func:`cvxpy_solver` for the general utility of eq. 4).
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from fairopt.methods.alpha_fair.allocation import _check_alpha, solve_alpha_fair, solve_alpha_fair_kkt
from fairopt.core.errors import ConfigError

__all__ = [
    "alpha_fair_decision",
    "AnalyticAlphaFair",
    "DBBAlphaFair",
    "FiniteDifferenceAlphaFair",
    "closed_form_solver",
    "cvxpy_solver",
    "kkt_solver",
    "DecisionFunction",
    "decision_function",
    "DECISION_FUNCTIONS",
    "welfare_torch",
    "regret_loss",
    "jvp",
    "vjp",
]

Solver = Callable[[torch.Tensor], Any]

#: Names accepted by :func:`decision_function`.
DECISION_FUNCTIONS = ("closed_form", "analytic", "dbb", "finite_difference")


# ----------------------------------------------------------------------------- helpers
def _like(x: Any, ref: torch.Tensor) -> torch.Tensor:
    """``x`` as a tensor with ``ref``'s dtype and device (keeps autograd history of tensors)."""
    if isinstance(x, torch.Tensor):
        return x.to(dtype=ref.dtype, device=ref.device)
    return torch.as_tensor(np.asarray(x, dtype=np.float64), dtype=ref.dtype, device=ref.device)


def _p(alpha: float) -> float:
    """The exponent ``p = 1/alpha - 1`` (``-1`` for inf; ``inf`` for alpha = 0)."""
    if alpha == 0:
        return math.inf
    return -1.0 if math.isinf(alpha) else 1.0 / alpha - 1.0


def _check_positive(name: str, x: torch.Tensor) -> None:
    if not torch.all(x > 0):
        bad = torch.nonzero(~(x > 0)).flatten()[:5].tolist()
        raise ValueError(f"{name} must be > 0 (and not NaN); violated at flat indices {bad}")


def _reduce_to(grad: torch.Tensor, shape: Any) -> torch.Tensor | None:
    """Sum a broadcast gradient back to an input's shape (a tensor or a shape; None for non-tensors)."""
    if isinstance(shape, torch.Tensor):
        shape = shape.shape
    if shape is None:
        return None
    return grad.sum_to_size(shape) if grad.shape != shape else grad


# ----------------------------------------------------------------------------- closed form
def alpha_fair_decision(r_hat: torch.Tensor, g: Any, c: Any, Q: Any, alpha: float) -> torch.Tensor:
    r"""Closed-form alpha-fair decision :math:`d^*(\hat r)` of eq. (9) in torch (autograd-able).

    :math:`d_i = (Q / c_i)\,\mathrm{softmax}_i(p \log(\hat r_i g_i / c_i))` along the last
    dimension (leading dimensions are independent problems), :math:`p = 1/\alpha - 1`.

    Args:
        r_hat: Predicted need/risk, shape ``(..., n)``, ``> 0``; any float dtype.
        g: Gains, broadcastable to ``r_hat``, ``> 0``.
        c: Unit costs, broadcastable, ``> 0``.
        Q: Budget (float or tensor), ``> 0``.
        alpha: ``>= 0`` or ``math.inf``. ``alpha = 0`` splits the budget (equal spending) over exact
            ties of the best ratio and has zero gradient in ``r_hat``.

    Returns:
        The decision, shape ``(..., n)``, dtype of ``r_hat``.
    """
    alpha = _check_alpha(alpha)
    if not torch.is_floating_point(r_hat):
        raise ValueError(f"r_hat must be a floating-point tensor, got {r_hat.dtype}")
    g_t, c_t, q_t = _like(g, r_hat), _like(c, r_hat), _like(Q, r_hat)
    _check_positive("r_hat", r_hat)
    _check_positive("g", g_t)
    _check_positive("c", c_t)
    _check_positive("Q", q_t)
    log_ratio = torch.log(r_hat) + torch.log(g_t) - torch.log(c_t)
    if alpha == 0:
        best = log_ratio == log_ratio.amax(dim=-1, keepdim=True)
        share = best.to(r_hat.dtype)
        share = share / share.sum(dim=-1, keepdim=True)
    else:
        share = torch.softmax(_p(alpha) * log_ratio, dim=-1)
    return q_t * share / c_t


def vjp(d: torch.Tensor, r: torch.Tensor, c: Any, Q: Any, alpha: float, v: torch.Tensor) -> torch.Tensor:
    r"""Analytic :math:`J^\top v` (gradient w.r.t. ``r``) at the optimal ``d = d*(r)``, O(n)."""
    p = _p(_check_alpha(alpha))
    if math.isinf(p):
        return torch.zeros_like(r)
    c_t, q_t = _like(c, d), _like(Q, d)
    vd = (v * d).sum(dim=-1, keepdim=True)
    return p * d * (v - c_t * vd / q_t) / r


def jvp(d: torch.Tensor, r: torch.Tensor, c: Any, Q: Any, alpha: float, v: torch.Tensor) -> torch.Tensor:
    r"""Analytic :math:`J v` (directional derivative of ``d*`` along ``v``) at ``d = d*(r)``, O(n)."""
    p = _p(_check_alpha(alpha))
    if math.isinf(p):
        return torch.zeros_like(d)
    c_t, q_t = _like(c, d), _like(Q, d)
    vr = v / r
    return p * d * (vr - (c_t * d * vr).sum(dim=-1, keepdim=True) / q_t)


class AnalyticAlphaFair(torch.autograd.Function):
    r"""Closed-form decision with the analytic vector-Jacobian product of Prop. 4.2 (corrected).

    ``AnalyticAlphaFair.apply(r_hat, g, c, Q, alpha)``; same arguments and forward as
    :func:`alpha_fair_decision`. Backward returns, for ``v = dL/dd`` (``p = 1/alpha - 1``,
    ``vd = v . d``):

    * ``r_hat``: :math:`p\, d_k (v_k - c_k\, vd / Q) / \hat r_k` (module docstring);
    * ``g``: the same with ``g_k`` in place of :math:`\hat r_k`;
    * ``c``: :math:`-((1+p) v_k d_k - p\, c_k d_k\, vd / Q) / c_k`; ``Q``: ``vd / Q``
      (each only when that input is a tensor requiring grad; summed over broadcast dimensions).

    ``alpha = 0`` gives zero gradients for ``r_hat``, ``g`` and ``c`` (piecewise constant).
    """

    @staticmethod
    def forward(ctx, r_hat, g, c, Q, alpha):  # noqa: D102
        d = alpha_fair_decision(r_hat, g, c, Q, alpha)
        g_t, c_t, q_t = _like(g, r_hat), _like(c, r_hat), _like(Q, r_hat)
        ctx.save_for_backward(r_hat, g_t, c_t, q_t, d)
        ctx.alpha = float(alpha)
        ctx.shapes = tuple(x.shape if isinstance(x, torch.Tensor) else None for x in (g, c, Q))
        return d

    @staticmethod
    def backward(ctx, v):  # noqa: D102
        r_hat, g_t, c_t, q_t, d = ctx.saved_tensors
        g, c, Q = ctx.shapes
        p = _p(ctx.alpha)
        vd = (v * d).sum(dim=-1, keepdim=True)
        grads: list[torch.Tensor | None] = [None, None, None, None, None]
        if math.isinf(p):  # alpha = 0: piecewise constant in r, g, c
            common = torch.zeros_like(d)
            grad_c = torch.zeros_like(d)
        else:
            common = p * d * (v - c_t * vd / q_t)
            grad_c = -((1.0 + p) * v * d - p * c_t * d * vd / q_t) / c_t
        if ctx.needs_input_grad[0]:
            grads[0] = _reduce_to(common / r_hat, r_hat)
        if ctx.needs_input_grad[1]:
            grads[1] = _reduce_to(common / g_t, g)
        if ctx.needs_input_grad[2]:
            grads[2] = _reduce_to(grad_c, c)
        if ctx.needs_input_grad[3]:
            grads[3] = _reduce_to(vd / q_t, Q)
        return tuple(grads)


# ----------------------------------------------------------------------------- solver callables
class closed_form_solver:  # noqa: N801 - used like a function factory
    """Callable ``r -> d*(r)`` by the closed form (batched over leading dims; no autograd).

    Args:
        g, c, Q, alpha: As in :func:`alpha_fair_decision`.
    """

    supports_batch = True

    def __init__(self, g: Any, c: Any, Q: Any, alpha: float) -> None:
        self.g, self.c, self.Q, self.alpha = g, c, Q, _check_alpha(alpha)

    def __call__(self, r: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return alpha_fair_decision(r, self.g, self.c, self.Q, self.alpha)

    @property
    def rank_one(self) -> bool:
        """Whether :meth:`coordinate_differences` applies (every ``alpha`` but 0, the softmax form)."""
        return self.alpha != 0

    def coordinate_differences(self, r: torch.Tensor, up: torch.Tensor, down: torch.Tensor,
                               v: torch.Tensor) -> torch.Tensor:
        r"""All 2n one-coordinate perturbed solves at once: for every ``k``,
        :math:`v \cdot (d^*(r^{k+}) - d^*(r^{k-}))`, where :math:`r^{k\pm}` is ``r`` with
        :math:`r_k` replaced by ``up_k`` / ``down_k`` (1-D ``r``, ``alpha != 0``), in O(n).

        A perturbation of :math:`r_k` changes one logit of the softmax of eq. (9). With
        :math:`E_i = \exp(\ell_i - \max_j \ell_j)`, :math:`Z = \sum_i E_i`,
        :math:`w_i = Q v_i / c_i`, :math:`A = \sum_i w_i E_i` we have :math:`v \cdot d^* = A / Z`,
        and replacing :math:`r_k` by :math:`r'_k` adds
        :math:`\delta_k = E_k\,\mathrm{expm1}(p \log(r'_k / r_k))` to :math:`E_k` (and
        :math:`w_k \delta_k` to ``A``), so

        .. math:: v \cdot d^*(r^{k+}) - v \cdot d^*(r^{k-})
           = \frac{A + w_k\delta^+_k}{Z + \delta^+_k} - \frac{A + w_k\delta^-_k}{Z + \delta^-_k}
           = \frac{(w_k Z - A)(\delta^+_k - \delta^-_k)}{(Z + \delta^+_k)(Z + \delta^-_k)}.

        The right-hand form is exact algebra (no difference of two nearly equal decisions), so it
        agrees with the 2n full solves (``diff @ v``) up to their own rounding, ~ eps / (2 h) relative.
        """
        if not self.rank_one:
            raise ValueError("coordinate_differences needs alpha != 0 (alpha = 0 is not a softmax)")
        g_t, c_t, q_t = (torch.broadcast_to(_like(x, r), r.shape) for x in (self.g, self.c, self.Q))
        logit = _p(self.alpha) * (torch.log(r) + torch.log(g_t) - torch.log(c_t))
        e = torch.exp(logit - logit.max())
        w = q_t * v / c_t
        z, a = e.sum(), (w * e).sum()
        p = _p(self.alpha)
        d_up = e * torch.expm1(p * torch.log1p((up - r) / r))
        d_down = e * torch.expm1(p * torch.log1p((down - r) / r))
        return (w * z - a) * (d_up - d_down) / ((z + d_up) * (z + d_down))

    def __repr__(self) -> str:
        return f"closed_form_solver(alpha={self.alpha})"


class _NumpySolver:
    supports_batch = False

    def __init__(self, fn: Callable[[np.ndarray], np.ndarray], label: str) -> None:
        self.fn, self.label = fn, label

    def __call__(self, r: torch.Tensor) -> torch.Tensor:
        r_np = r.detach().cpu().numpy().astype(np.float64)
        return torch.as_tensor(self.fn(r_np), dtype=r.dtype, device=r.device)

    def __repr__(self) -> str:
        return self.label


def cvxpy_solver(g: Any, c: Any, Q: float, alpha: float, **kwargs: Any) -> Solver:
    """Callable ``r -> d`` solving the general problem with :func:`~fairopt.methods.alpha_fair.allocation.solve_alpha_fair`.

    Args:
        g, c, Q, alpha: Problem data (numpy-compatible).
        **kwargs: ``q``, ``a``, ``rho``, ``solver``, ``solver_options``... for ``solve_alpha_fair``.

    Returns:
        A callable taking a 1-D torch tensor and returning ``d`` with its dtype/device.
    """
    g, c = np.asarray(g, dtype=np.float64), np.asarray(c, dtype=np.float64)
    return _NumpySolver(lambda r: solve_alpha_fair(r, g, c, Q, alpha, **kwargs)[0],
                        f"cvxpy_solver(alpha={alpha}, {kwargs})")


def kkt_solver(g: Any, c: Any, Q: float, alpha: float, **kwargs: Any) -> Solver:
    """Callable ``r -> d`` by :func:`~fairopt.methods.alpha_fair.allocation.solve_alpha_fair_kkt` (multiplier bisection)."""
    g, c = np.asarray(g, dtype=np.float64), np.asarray(c, dtype=np.float64)
    return _NumpySolver(lambda r: solve_alpha_fair_kkt(r, g, c, Q, alpha, **kwargs),
                        f"kkt_solver(alpha={alpha}, {kwargs})")


def _call(solver: Solver, r: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        out = solver(r)
    out = _like(out, r)
    if out.shape != r.shape:
        raise ValueError(f"solver returned shape {tuple(out.shape)} for input shape {tuple(r.shape)}")
    return out


# ----------------------------------------------------------------------------- DBB
class DBBAlphaFair(torch.autograd.Function):
    r"""Differentiable black-box gradient of eqs. (7)-(8) (Vlastelica et al. 2020).

    ``DBBAlphaFair.apply(r_hat, solver, lam, clamp_min)``: forward ``d = solver(r_hat)``;
    backward, for ``v = dL/dd``,

    .. math:: r' = \hat r + \lambda v, \qquad
       \frac{\partial L}{\partial \hat r} \approx \frac{d^*(r') - d^*(\hat r)}{\lambda}.

    Two solver calls per gradient. As ``lam -> 0`` this tends to ``J v`` (not ``J^T v``).

    Args (of ``apply``):
        r_hat: Predictions (any shape the solver accepts).
        solver: Callable ``r -> d``, e.g. :class:`closed_form_solver` or :func:`cvxpy_solver`.
        lam: Perturbation size ``lambda > 0``. The perturbation is ``lam * v`` in the units of
            ``r``; :func:`decision_function` defaults to 1.0 (for the normalised regret with
            ``Q = 1000``, ``|v| ~ 1/Q`` so ``lam = 1`` is a ~1e-3 perturbation of ``r``).
        clamp_min: ``None`` -> a non-positive ``r'`` raises ``ValueError``; a float clamps ``r'``
            from below (the closed form needs ``r > 0``).
    """

    @staticmethod
    def forward(ctx, r_hat, solver, lam, clamp_min):  # noqa: D102
        if not (lam > 0 and math.isfinite(lam)):
            raise ValueError(f"DBB lambda must be a finite number > 0, got {lam}")
        d = _call(solver, r_hat.detach())
        ctx.save_for_backward(r_hat, d)
        ctx.solver, ctx.lam, ctx.clamp_min = solver, float(lam), clamp_min
        return d

    @staticmethod
    def backward(ctx, v):  # noqa: D102
        r_hat, d = ctx.saved_tensors
        r_pert = r_hat.detach() + ctx.lam * v
        if ctx.clamp_min is not None:
            r_pert = r_pert.clamp_min(ctx.clamp_min)
        elif not torch.all(r_pert > 0):
            raise ValueError(f"DBB perturbation r_hat + lam * dL/dd has non-positive entries "
                             f"(lam={ctx.lam}); use a smaller lam or set clamp_min")
        return (_call(ctx.solver, r_pert) - d) / ctx.lam, None, None, None


# ----------------------------------------------------------------------------- finite differences
class FiniteDifferenceAlphaFair(torch.autograd.Function):
    r"""Central finite-difference estimate of :math:`J^\top v` (coordinate-wise, 2n solves).

    ``FiniteDifferenceAlphaFair.apply(r_hat, solver, h, relative)`` with a 1-D ``r_hat``:
    forward ``d = solver(r_hat)``; backward

    .. math:: (J^\top v)_k \approx v \cdot \frac{d^*(\hat r + h_k e_k) - d^*(\hat r - h_k e_k)}{2 h_k},
       \qquad h_k = h \max(|\hat r_k|, \text{tiny}) \text{ if relative else } h.

    Computed in the dtype of ``r_hat`` (use float64: the authors' float32 with absolute
    ``h = 1e-7`` gives exactly 0 for ``r >= 4``). A solver with ``rank_one`` (the closed form,
    ``alpha != 0``) evaluates all 2n perturbed solves as O(n) vectors
    (:meth:`closed_form_solver.coordinate_differences`: each perturbation changes one logit of the
    softmax); other solvers with ``supports_batch = True`` are called on blocks of perturbed copies
    (at most 2e6 entries each); the rest once per solve. The step ``h_k`` actually used is
    ``(r + h_k) - r`` (exactly representable).
    """

    @staticmethod
    def forward(ctx, r_hat, solver, h, relative):  # noqa: D102
        if r_hat.dim() != 1:
            raise ValueError(f"finite differences need a 1-D r_hat, got shape {tuple(r_hat.shape)}")
        if not (h > 0 and math.isfinite(h)):
            raise ValueError(f"finite-difference step h must be > 0, got {h}")
        d = _call(solver, r_hat.detach())
        ctx.save_for_backward(r_hat, d)
        ctx.solver, ctx.h, ctx.relative = solver, float(h), bool(relative)
        return d

    @staticmethod
    def backward(ctx, v):  # noqa: D102
        r_hat, _ = ctx.saved_tensors
        r = r_hat.detach()
        n = r.shape[0]
        tiny = torch.finfo(r.dtype).tiny
        step = ctx.h * r.abs().clamp_min(tiny) if ctx.relative else torch.full_like(r, ctx.h)
        up, down = r + step, r - step
        if not torch.all(down > 0):
            raise ValueError("finite-difference step leaves r > 0 only if h < r; use a smaller h")
        width = up - down                       # the exactly representable 2 h_k
        grad = torch.zeros_like(r)
        nonzero = width > 0
        solver = ctx.solver
        if getattr(solver, "rank_one", False):     # closed form: all 2n solves as O(n) vectors
            with torch.no_grad():
                grad = solver.coordinate_differences(r, up, down, v)
        elif getattr(solver, "supports_batch", False):
            block = max(1, min(n, 2_000_000 // max(n, 1)))
            for start in range(0, n, block):
                idx = torch.arange(start, min(n, start + block), device=r.device)
                m = idx.shape[0]
                plus = r.expand(m, n).clone()
                minus = plus.clone()
                rows = torch.arange(m, device=r.device)
                plus[rows, idx] = up[idx]
                minus[rows, idx] = down[idx]
                diff = _call(solver, plus) - _call(solver, minus)    # (m, n)
                grad[idx] = diff @ v
        else:
            for k in range(n):
                plus, minus = r.clone(), r.clone()
                plus[k], minus[k] = up[k], down[k]
                grad[k] = torch.dot(_call(solver, plus) - _call(solver, minus), v)
        grad = torch.where(nonzero, grad / torch.where(nonzero, width, torch.ones_like(width)),
                           torch.zeros_like(grad))
        return grad, None, None, None


# ----------------------------------------------------------------------------- registry
@dataclass(frozen=True)
class DecisionFunction:
    """A configured decision layer ``r_hat -> d`` (see :func:`decision_function`)."""

    name: str
    g: Any
    c: Any
    Q: Any
    alpha: float
    lam: float = 1.0
    h: float = 1e-6
    relative: bool = True
    clamp_min: float | None = None
    solver: Solver | None = None

    def _solver(self) -> Solver:
        return self.solver if self.solver is not None else closed_form_solver(self.g, self.c, self.Q, self.alpha)

    def __call__(self, r_hat: torch.Tensor) -> torch.Tensor:
        if self.name == "closed_form":
            return alpha_fair_decision(r_hat, self.g, self.c, self.Q, self.alpha)
        if self.name == "analytic":
            return AnalyticAlphaFair.apply(r_hat, self.g, self.c, self.Q, self.alpha)
        if self.name == "dbb":
            return DBBAlphaFair.apply(r_hat, self._solver(), self.lam, self.clamp_min)
        return FiniteDifferenceAlphaFair.apply(r_hat, self._solver(), self.h, self.relative)


def decision_function(name: str, *, g: Any, c: Any = 1.0, Q: Any, alpha: float, lam: float = 1.0,
                      h: float = 1e-6, relative: bool = True, clamp_min: float | None = None,
                      solver: Solver | None = None, key: str = "decision") -> DecisionFunction:
    """Factory of the decision layers used by the training code.

    Args:
        name: ``"closed_form"`` (autograd through the closed form), ``"analytic"`` (Prop. 4.2
            vjp), ``"dbb"`` (eqs. 7-8), ``"finite_difference"`` (central differences, 2n solves).
        g, c, Q, alpha: Problem data (``g``, ``c`` tensors or arrays of the batch).
        lam: DBB perturbation (``"dbb"`` only).
        h, relative: Finite-difference step and whether it is relative to ``|r_k|``.
        clamp_min: DBB lower clamp of the perturbed ``r`` (``None`` -> raise on ``r' <= 0``).
        solver: Callable ``r -> d`` for ``"dbb"``/``"finite_difference"`` (default: closed form).
        key: Config key named in the error for an unknown ``name``.

    Returns:
        A callable ``r_hat -> d``.

    Raises:
        ConfigError: unknown ``name`` or a ``solver`` given to a closed-form method.
    """
    if name not in DECISION_FUNCTIONS:
        raise ConfigError(f"config key {key}: unknown decision function {name!r}; "
                          f"expected one of {list(DECISION_FUNCTIONS)}")
    if solver is not None and name in ("closed_form", "analytic"):
        raise ConfigError(f"config key {key}: {name!r} uses the closed form; a solver applies only "
                          f"to 'dbb' and 'finite_difference'")
    return DecisionFunction(name, g, c, Q, _check_alpha(alpha), float(lam), float(h), bool(relative),
                            clamp_min, solver)


# ----------------------------------------------------------------------------- loss
def welfare_torch(u: torch.Tensor, alpha: float) -> torch.Tensor:
    r"""Alpha-fair welfare :math:`\sum_i W_\alpha(u_i)` over the last dimension (eq. 5), in torch."""
    alpha = _check_alpha(alpha)
    if alpha == 0:
        return u.sum(dim=-1)
    if math.isinf(alpha):
        return u.amin(dim=-1)
    if alpha == 1:
        return torch.log(u).sum(dim=-1)
    return u.pow(1.0 - alpha).sum(dim=-1) / (1.0 - alpha)


def regret_loss(d_hat: torch.Tensor, r: Any, g: Any, alpha: float, normalize: bool = True, *,
                c: Any = 1.0, Q: Any = None, d_star: Any = None) -> torch.Tensor:
    r"""Differentiable (normalised) regret :math:`(W(d^*(r); r) - W(\hat d; r)) / |W(d^*(r); r)|`.

    Utilities :math:`u_i = r_i g_i d_i` use the TRUE ``r`` (the authors' hand-written gradient
    used ``r_hat``). :math:`W(d^*(r); r)` is a constant (no gradient).

    Args:
        d_hat: Decisions from the predictions, shape ``(..., n)`` (carries the graph).
        r: True need/risk.
        g: Gains.
        alpha: Fairness parameter.
        normalize: Divide by :math:`|W(d^*(r); r)|`.
        c: Unit costs (for ``d*(r)`` when ``d_star`` is not given).
        Q: Budget (required unless ``d_star`` is given).
        d_star: Optimal decision under the true ``r``; computed by the closed form if omitted.

    Returns:
        The regret (a scalar for 1-D input; one value per leading index otherwise).
    """
    r_t, g_t = _like(r, d_hat), _like(g, d_hat)
    if d_star is None:
        if Q is None:
            raise ValueError("regret_loss needs Q (and c) or d_star to compute W(d*(r); r)")
        d_star_t = alpha_fair_decision(r_t.detach(), g_t.detach(), c, Q, alpha)
    else:
        d_star_t = _like(d_star, d_hat).detach()
    w_star = welfare_torch(r_t.detach() * g_t.detach() * d_star_t, alpha).detach()
    reg = w_star - welfare_torch(r_t * g_t * d_hat, alpha)
    return reg / w_star.abs() if normalize else reg
