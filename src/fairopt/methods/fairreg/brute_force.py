"""Exact solution of tiny fair-regression instances by enumerating the indicator patterns.

A model ``w`` puts every prediction ``t_i = w'x_i`` into one interval ``k_i`` of the thresholds
(``k = 0``: ``t <= b_1``; ``k``: ``b_k < t <= b_{k+1}``; ``k = l``: ``t > b_l``), and the pattern
``k`` fixes all indicators ``z_ij = 1(k_i > j)`` and hence the unfairness ``U(k)``. So

    min_w f(w) = min over feasible patterns k of [ QP(k) + lambda * U(k) ]

with ``QP(k)`` the least-squares QP of the pattern under the delta-separation convention
(:mod:`fairopt.methods.fairreg.pattern`; the same convention as the mixed-integer formulations). The
patterns are enumerated depth-first over the rows; a partial pattern (rows ``0..r`` assigned,
the rest free) is a relaxation of all its completions, so an infeasible partial QP removes a
whole subtree (only the cells of the hyperplane arrangement ``{w'x_i = b_j +- delta}`` are
visited) and, with ``prune=True``, so does a partial QP value ``>=`` the incumbent (``U >= 0``).
Children are tried nearest-interval-first from the parent's solution. With ``prune=False``
every feasible pattern is evaluated.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from fairopt.core.errors import SolverError
from fairopt.methods.fairreg.objective import DEFAULT_DELTA, Instance, objective, unfairness_of_intervals
from fairopt.methods.fairreg.pattern import PatternQP

__all__ = ["BruteForceResult", "brute_force"]


@dataclass
class BruteForceResult:
    """Optimum of the delta-separated problem found by enumeration.

    Attributes:
        w: Optimal model.
        objective: ``QP(k*) + lambda U(k*)`` (solver value of the best pattern).
        objective_exact: ``f(w)`` re-evaluated with the strict indicator.
        intervals: Optimal pattern ``k*``.
        n_qp: QPs solved; n_leaves: complete feasible patterns evaluated.
        seconds: Wall-clock time.
        n_retries: QPs re-solved after a Clarabel stall.
    """

    w: np.ndarray
    objective: float
    objective_exact: float
    intervals: np.ndarray
    n_qp: int
    n_leaves: int
    seconds: float
    n_retries: int = 0


def brute_force(inst: Instance, lam: float, *, delta: float = DEFAULT_DELTA,
                solver: str = "clarabel", prune: bool = True) -> BruteForceResult:
    """Solve ``min_w f(w)`` over delta-separated models by pattern enumeration (m <= ~10).

    Args:
        inst: Instance (keep ``m`` and ``l`` tiny: up to ``(l+1)^m`` patterns).
        lam: Fairness weight.
        delta: Separation margin (same as the formulations).
        solver: Conic solver config name for the QPs.
        prune: Also prune subtrees whose partial QP value reaches the incumbent.

    Returns:
        A :class:`BruteForceResult`.
    """
    start = time.perf_counter()
    qp = PatternQP(inst, delta, solver)
    m, l, c, X = inst.m, inst.l, inst.c, inst.X
    lo_val = np.full(m, -qp.big)
    hi_val = np.full(m, qp.big)
    best: dict[str, Any] = {"value": np.inf, "w": None, "k": None}  # the incumbent
    n_leaves = 0
    k = np.zeros(m, dtype=int)

    def visit(row: int, t_parent: np.ndarray) -> None:
        nonlocal n_leaves
        dist = np.maximum(qp.low_of - t_parent[row], 0) + np.maximum(t_parent[row] - qp.high_of, 0)
        for kk in np.argsort(dist, kind="stable"):
            if qp.low_of[kk] > qp.high_of[kk]:
                continue
            lo_val[row], hi_val[row] = qp.low_of[kk], qp.high_of[kk]
            res = qp.solve_bounds(lo_val, hi_val)
            if res is not None and not (prune and res[0] >= best["value"]):
                k[row] = kk
                if row == m - 1:
                    n_leaves += 1
                    total = res[0] + lam * unfairness_of_intervals(k, c, l)
                    if total < best["value"]:
                        best.update(value=total, w=res[1], k=k.copy())
                else:
                    visit(row + 1, X @ res[1])
            lo_val[row], hi_val[row] = -qp.big, qp.big

    root = qp.solve_bounds(lo_val, hi_val)
    if root is None:
        raise SolverError("brute force: the unconstrained least-squares QP failed")
    visit(0, X @ root[1])
    if best["w"] is None:
        raise SolverError("brute force: no feasible delta-separated pattern (reduce delta)")
    w_best = best["w"]
    return BruteForceResult(w_best, float(best["value"]), objective(inst, lam, w_best), best["k"],
                            qp.n_solves, n_leaves, time.perf_counter() - start, qp.n_retries)
