"""Valid bounds on the predictions of an optimal model, and the big-M value derived from them.

**Derivation.** Let ``w0`` be any delta-separated model (no prediction within ``delta`` of a
threshold, so it is feasible for the formulations) and ``UB = f(w0)``. Every optimal ``w*``
satisfies ``loss(w*) <= f(w*) <= UB`` because ``U >= 0``. With ``w_ls`` a least-squares
solution the loss is exactly ``loss(w) = loss(w_ls) + ||X (w - w_ls)||^2``, hence
``||X (w* - w_ls)||_2 <= rho = sqrt(UB - loss(w_ls))`` and, since a single coordinate of a
vector is at most its norm,

    |t*_i - t_ls,i| = |x_i'(w* - w_ls)| <= rho       for every row i.

So ``L_i = t_ls,i - rho <= t*_i <= t_ls,i + rho = U_i``. (The "ball on w" of ``loss(w) <=
loss(0)`` is the case ``w0 = 0``, ``UB = ||y||^2``; ``U(0) = 0`` since all predictions are
equal.) The default candidates are ``w = 0`` and ``w = w_ls`` (``f(w_ls) = loss_ls + lambda
U_ls``, so ``rho <= sqrt(lambda U_ls)``), each used only if delta-separated; callers may add
more (e.g. a coordinate-descent model). Without a separated candidate the bound
``UB = loss_ls + lambda * m_0/m`` is used (``U <= m_0/m`` always).

**Big-M.** The constraints ``t_i - b_j + delta <= M z_ij`` and ``b_j + delta - t_i <= M (1 -
z_ij)`` must not cut any ``t_i`` in ``[L_i, U_i]``; the single value

    M = max_{i,j} max(U_i - b_j + delta, b_j + delta - L_i)

does this, so the big-M formulation keeps every optimal solution.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from fairopt.methods.fairreg.objective import Instance, least_squares, objective

__all__ = ["PredictionBounds", "is_separated", "prediction_bounds", "big_m"]


@dataclass(frozen=True)
class PredictionBounds:
    """Bounds ``lower <= t*_i <= upper`` valid for every optimal model.

    Attributes:
        lower, upper: ``(m,)`` arrays.
        upper_objective: ``UB``, the best objective of the delta-separated candidates.
        rho: Radius ``sqrt(UB - loss_ls)``.
        source: Which candidate gave ``UB`` (``"zero"``, ``"least_squares"`` or ``"candidate k"``).
    """

    lower: np.ndarray
    upper: np.ndarray
    upper_objective: float
    rho: float
    source: str


def is_separated(t: np.ndarray, thresholds: np.ndarray, delta: float) -> bool:
    """True when every prediction is at least ``delta`` away from every threshold."""
    t = np.asarray(t, dtype=float)
    return bool(np.all(np.abs(t[:, None] - np.asarray(thresholds)[None, :]) >= delta))


def prediction_bounds(inst: Instance, lam: float, delta: float,
                      candidates: Iterable[np.ndarray] = ()) -> PredictionBounds:
    """Bounds on the predictions of every optimal delta-separated model (see module docstring).

    Args:
        inst: The instance.
        lam: Fairness weight lambda.
        delta: Separation margin of the formulations.
        candidates: Extra models ``w`` to try as the upper-bound point ``w0``.

    If no candidate (nor a scaling of least squares) is delta-separated -- typical for large
    ``m`` -- ``UB = loss_ls + lambda * U_max`` with ``U_max = m_0/m`` is used (see the code).
    """
    w_ls = least_squares(inst.X, inst.y)
    t_ls = inst.X @ w_ls
    loss_ls = float((t_ls - inst.y) @ (t_ls - inst.y))
    named = [("zero", np.zeros(inst.n)), ("least_squares", w_ls)]
    named += [(f"candidate {k}", np.asarray(w, dtype=float)) for k, w in enumerate(candidates)]
    best_val, best_name = np.inf, ""
    for name, w in named:
        if is_separated(inst.X @ w, inst.thresholds, delta):
            val = objective(inst, lam, w)
            if val < best_val:
                best_val, best_name = val, name
    if not np.isfinite(best_val):
        # rare: scale least squares slightly until it is separated (deterministic)
        for s in np.linspace(1e-3, 0.5, 500):
            for w in (w_ls * (1 + s), w_ls * (1 - s)):
                if is_separated(inst.X @ w, inst.thresholds, delta):
                    best_val, best_name = objective(inst, lam, w), f"least_squares scaled by {s:g}"
                    break
            if np.isfinite(best_val):
                break
    if not np.isfinite(best_val):
        # large m: least squares and its scalings all put some prediction within delta of a
        # threshold. Fall back to UB = loss_ls + lam * U_max, U_max = m_0/m >= U(w) for every w:
        # valid as soon as some delta-separated model has loss <= loss_ls + lam * (U_max - U),
        # i.e. one exists in that (wide) loss ball around least squares
        u_max = 1.0 - inst.a.sum() / inst.m
        best_val, best_name = loss_ls + lam * u_max, "loss_ls + lam * U_max (no separated candidate)"
    rho = float(np.sqrt(max(best_val - loss_ls, 0.0)))
    # a hair of slack for floating-point error in loss_ls
    slack = 1e-9 * (1.0 + np.abs(t_ls))
    return PredictionBounds(t_ls - rho - slack, t_ls + rho + slack, float(best_val), rho, best_name)


def big_m(bounds: PredictionBounds, thresholds: np.ndarray, delta: float) -> float:
    """``M = max_{i,j} max(U_i - b_j + delta, b_j + delta - L_i)`` (at least ``2 delta``)."""
    b = np.asarray(thresholds, dtype=float)
    up = np.max(bounds.upper) - np.min(b) + delta
    down = np.max(b) + delta - np.min(bounds.lower)
    return float(max(up, down, 2 * delta))
