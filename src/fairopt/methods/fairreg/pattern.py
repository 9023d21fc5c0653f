"""The least-squares QP of a fixed indicator pattern (used by the brute force and to polish MIOs).

A pattern assigns every row ``i`` an interval ``k_i`` in 0..l of the thresholds (``z_ij =
1(k_i > j)``). With the delta-separation convention its QP is

    QP(k) = min_w sum_i (w'x_i - y_i)^2   s.t.   b_{k_i} + delta <= w'x_i <= b_{k_i + 1} - delta

(``b_0 = -inf``, ``b_{l+1} = +inf``; 1-based ``b`` as in the slides, stored 0-based). Rows may be
left free (``k_i = -1``), which gives the relaxation used inside the enumeration. The problem is
built once with the row bounds as cvxpy parameters (``|t_i| <= big`` stands for an infinite
bound, ``big = 10 (||y||_2 + max|b| + 1)``, far outside any optimal prediction) and solved by
Clarabel through :func:`fairopt.core.solvers.solve`.
"""
from __future__ import annotations

from typing import Any

import cvxpy as cp
import numpy as np

from fairopt.core.errors import SolverError
from fairopt.methods.fairreg.objective import DEFAULT_DELTA, Instance
from fairopt.core.solvers import resolve_solver, solve

__all__ = ["PatternQP"]


class PatternQP:
    """Parametrised QP ``min ||Xw - y||^2`` s.t. ``lo <= Xw <= hi`` for indicator patterns.

    Args:
        inst: Instance.
        delta: Separation margin.
        solver: Conic solver config name (default Clarabel).
    """

    def __init__(self, inst: Instance, delta: float = DEFAULT_DELTA, solver: str = "clarabel"):
        self.inst = inst
        self.delta = float(delta)
        self.solver_name = solver
        self.solver = resolve_solver(solver, mixed_integer=False)
        X, y, b = inst.X, inst.y, inst.thresholds
        self.big = 10.0 * (np.linalg.norm(y) + np.max(np.abs(b)) + 1.0)
        #: bounds of interval k: [b_{k-1} + delta, b_k - delta] (0-based b), box at the ends
        self.low_of = np.concatenate([[-self.big], b + delta])
        self.high_of = np.concatenate([b - delta, [self.big]])
        self._gram = 0.5 * (X.T @ X + (X.T @ X).T)
        self._w = cp.Variable(inst.n)
        self._lo = cp.Parameter(inst.m)
        self._hi = cp.Parameter(inst.m)
        t = X @ self._w
        # the loss as a quadratic form in w: Clarabel stalls on some of these small QPs when the
        # loss is written as sum_squares(Xw - y) (with auxiliary variables), not in this form
        self._problem = cp.Problem(cp.Minimize(self._loss(self._w)), [t >= self._lo, t <= self._hi])
        self.n_solves = 0
        self.n_retries = 0

    def _loss(self, w: cp.Variable) -> cp.Expression:
        X, y = self.inst.X, self.inst.y
        return cp.quad_form(w, self._gram, assume_PSD=True) - 2 * (X.T @ y) @ w + y @ y

    def bounds(self, k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Row bounds ``(lo, hi)`` of a pattern; ``k_i = -1`` leaves row ``i`` free."""
        k = np.asarray(k, dtype=int)
        free = k < 0
        lo = np.where(free, -self.big, self.low_of[np.clip(k, 0, None)])
        hi = np.where(free, self.big, self.high_of[np.clip(k, 0, None)])
        return lo, hi

    def solve_bounds(self, lo: np.ndarray, hi: np.ndarray) -> tuple[float, np.ndarray] | None:
        """Solve with explicit row bounds; ``None`` when infeasible.

        Raises:
            SolverError: Clarabel fails on the problem and on both retries.
        """
        self._lo.value, self._hi.value = lo, hi
        self.n_solves += 1
        try:
            rec = solve(self._problem, self.solver)
            return rec.objective, np.asarray(self._w.value, dtype=float)
        except SolverError:
            if self._problem.status in (cp.INFEASIBLE, cp.INFEASIBLE_INACCURATE):
                return None
        # Clarabel occasionally stalls (status user_limit): re-solve a fresh problem holding only
        # the finite bounds, then the same without equilibration
        self.n_retries += 1
        X = self.inst.X
        w2 = cp.Variable(self.inst.n)
        cons = []
        fin_lo, fin_hi = lo > -self.big, hi < self.big
        if fin_lo.any():
            cons.append(X[fin_lo] @ w2 >= lo[fin_lo])
        if fin_hi.any():
            cons.append(X[fin_hi] @ w2 <= hi[fin_hi])
        retry = cp.Problem(cp.Minimize(self._loss(w2)), cons)
        attempts: tuple[dict[str, Any], ...] = ({}, {"equilibrate_enable": False})  # solver options
        for opts in attempts:
            try:
                rec = solve(retry, self.solver, **opts)
                return rec.objective, np.asarray(w2.value, dtype=float)
            except SolverError:
                if retry.status in (cp.INFEASIBLE, cp.INFEASIBLE_INACCURATE):
                    return None
        raise SolverError(f"pattern QP: {self.solver_name} failed (status {retry.status})")

    def solve_pattern(self, k: np.ndarray) -> tuple[float, np.ndarray] | None:
        """``QP(k)`` and its ``w``; ``None`` when the pattern is infeasible."""
        return self.solve_bounds(*self.bounds(k))
