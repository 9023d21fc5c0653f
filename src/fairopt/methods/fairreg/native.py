"""The big-M and strong MIOs built natively in PySCIPOpt (no cvxpy in between).

The same mathematics as :func:`fairopt.methods.fairreg.formulations.build_bigm` and
:func:`~fairopt.methods.fairreg.formulations.build_strong` (their docstrings and the module
docstring of :mod:`~fairopt.methods.fairreg.formulations` carry the maths), written row by row as
SCIP constraints. cvxpy's SCIP interface builds the same models in Python loops that pass over the
whole constraint matrix once per cone (seconds at ``m = 30``, minutes at ``m = 100``, hours on the
real-data MIO, all outside SCIP's time limit); here every row is one sparse expression, so the build
is linear in the number of nonzeros.

**Big-M** (variables ``w``, predictions ``t = Xw``, ``z`` binary ``m x l``, ``u >= 0``, loss
epigraph ``s >= 0``; objective ``s + lambda u``)::

    t_i - x_i'w = 0
    t_i - M z_ij <= b_j - delta,     M z_ij - t_i <= M - b_j - delta
    z_ij - z_i,j+1 >= 0,             u - D_j >= 0,  u + D_j >= 0,   D_j = sum_i c_i z_ij
    sum_i (t_i - y_i)^2 <= s          (a convex quadratic: SCIP linearises it directly)

**Strong** (objective ``sum r + lambda u``), only for the intervals ``(i, k)`` that are not empty
(with ``box`` bounds many are: their ``p_ik = t_ik = r_ik = 0`` is left out instead of fixed)::

    sum_k t_ik - x_i'w = 0,           sum_k p_ik = 1,   p binary,  r >= 0
    t_ik - low_ik p_ik >= 0,          t_ik - high_ik p_ik <= 0      (finite ends only)
    q_gk - sum_{i in g} p_ik = 0,     u -+ D_j >= 0,    D_j = sum_g c_g sum_{k > j} q_gk
    (t_ik - y_i p_ik)^2 <= r_ik p_ik  as  ||(s1, s2)||_2 <= s0,  s0 = r + p >= 0,
                                          s1 = 2 (t - y p),  s2 = r - p

The rotated cone is handed to SCIP in the standard form cvxpy hands it (three auxiliary
variables per cone): a plain ``sum of squares <= square`` that SCIP's second-order-cone handler
recognises; the bilinear form ``(t - y p)^2 - r p <= 0`` is not convex as a quadratic function.

:func:`start_values` completes a warm-start model (``w`` and its interval pattern) into a value
of every variable, so SCIP receives a complete solution that it checks, not a partial one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fairopt.methods.fairreg.bounds import PredictionBounds
from fairopt.methods.fairreg.objective import Instance

__all__ = ["NativeModel", "build_bigm_scip", "build_strong_scip", "start_values", "pattern_of"]


@dataclass
class NativeModel:
    """A PySCIPOpt model of one formulation and its variables.

    Attributes:
        formulation: ``"bigm"`` or ``"strong"``.
        model: The ``pyscipopt.Model`` (problem stage).
        var: Variables by name, arrays of ``pyscipopt.Variable`` (strong: over the active pairs).
        active: Strong only: flat indices ``i*(l+1) + k`` of the pairs that have variables.
        n_integer: Binary variables.
    """

    formulation: str
    model: Any
    var: dict[str, np.ndarray]
    active: np.ndarray | None = None
    n_integer: int = 0
    order: list[str] = field(default_factory=list)

    def variables(self) -> list[Any]:
        """Every variable, in :attr:`order` (the order of :func:`start_values`)."""
        return [v for name in self.order for v in np.ravel(self.var[name])]

    def values(self, name: str) -> np.ndarray:
        """Values of ``var[name]`` in SCIP's best solution."""
        sol = self.model.getBestSol()
        return np.array([self.model.getSolVal(sol, v) for v in np.ravel(self.var[name])], dtype=float)


def _vars(model: Any, size: int, name: str, *, lb: Any = None, ub: Any = None, vtype: str = "C",
          obj: Any = 0.0) -> np.ndarray:
    """``size`` variables as a flat object array (``lb=None``: free)."""
    if size == 0:
        return np.empty(0, dtype=object)
    mv = model.addMatrixVar(size, name=name, vtype=vtype, lb=lb, ub=ub, obj=obj)
    return np.asarray(list(mv.flat), dtype=object)


def _rows(model: Any, cols: list[np.ndarray], coefs: list[np.ndarray | float], *, lhs: Any = None,
          rhs: Any = None) -> None:
    """Add the linear rows ``lhs_r <= sum_q coefs[q][r] * cols[q][r] <= rhs_r``.

    ``cols[q]`` is an ``(R,)`` or ``(R, w)`` object array of variables, ``coefs[q]`` its
    coefficients (broadcast to it); a ``None`` side is infinite. Terms on one variable add up.
    """
    from pyscipopt import Expr, ExprCons
    from pyscipopt.scip import Term

    n_rows = len(cols[0])
    lhs_v = None if lhs is None else np.broadcast_to(np.asarray(lhs, dtype=float), (n_rows,))
    rhs_v = None if rhs is None else np.broadcast_to(np.asarray(rhs, dtype=float), (n_rows,))
    blocks = []
    for c, a in zip(cols, coefs):
        c2 = c.reshape(n_rows, -1)
        blocks.append((c2, np.broadcast_to(np.asarray(a, dtype=float).reshape(n_rows, -1) if np.ndim(a)
                                           else np.asarray(a, dtype=float), c2.shape)))
    for r in range(n_rows):
        terms: dict[Any, float] = {}
        for c2, a2 in blocks:
            for v, coef in zip(c2[r], a2[r]):
                if coef != 0.0:
                    key = Term(v)
                    terms[key] = terms.get(key, 0.0) + float(coef)
        model.addCons(ExprCons(Expr(terms), lhs=None if lhs_v is None else float(lhs_v[r]),
                               rhs=None if rhs_v is None else float(rhs_v[r])))


def _prediction_rows(model: Any, inst: Instance, t: np.ndarray, w: np.ndarray, sums: np.ndarray | None = None) -> None:
    """``sum_q t[i, q] - x_i'w = 0`` for every row (``t``: ``(m,)`` or ``(m, width)``)."""
    X = np.asarray(inst.X, dtype=float)
    tt = t.reshape(inst.m, -1)
    _rows(model, [tt, np.broadcast_to(w, X.shape)], [np.ones(tt.shape) if sums is None else sums, -X],
          lhs=0.0, rhs=0.0)


def _fairness_rows(model: Any, u: Any, cols: np.ndarray, H: np.ndarray) -> None:
    """``u - D_j >= 0`` and ``u + D_j >= 0`` with ``D_j = sum_q H[j, q] cols[j, q]`` (``cols``: the
    variables of row ``j``, or one 1-D array shared by every row)."""
    l = H.shape[0]  # noqa: E741
    cols = np.broadcast_to(cols, H.shape)
    for sign in (-1.0, 1.0):
        _rows(model, [np.full((l, 1), u, dtype=object), cols], [np.ones((l, 1)), sign * H], lhs=0.0)


def build_bigm_scip(inst: Instance, lam: float, *, M: float, delta: float) -> NativeModel:
    """The big-M MIO in PySCIPOpt (module docstring)."""
    from pyscipopt import Expr, ExprCons, Model
    from pyscipopt.scip import Term

    m, l, b = inst.m, inst.l, np.asarray(inst.thresholds, dtype=float)  # noqa: E741
    model = Model("fairreg_bigm")
    w = _vars(model, inst.n, "w")
    t = _vars(model, m, "t")
    z = _vars(model, m * l, "z", vtype="B", lb=0.0, ub=1.0).reshape(m, l)
    u = _vars(model, 1, "u", lb=0.0, obj=float(lam))
    s = _vars(model, 1, "s", lb=0.0, obj=1.0)
    _prediction_rows(model, inst, t, w)
    tt = np.repeat(t[:, None], l, axis=1).ravel()
    zz = z.ravel()
    bb = np.tile(b, m)
    _rows(model, [tt, zz], [1.0, -M], rhs=bb - delta)
    _rows(model, [tt, zz], [-1.0, M], rhs=M - bb - delta)
    if l > 1:
        _rows(model, [z[:, :-1].ravel(), z[:, 1:].ravel()], [1.0, -1.0], lhs=0.0)
    # D_j = sum_i c_i z_ij: row j over z's column j
    _fairness_rows(model, u[0], z.T, np.tile(np.asarray(inst.c, dtype=float), (l, 1)))
    y = np.asarray(inst.y, dtype=float)
    terms = {Term(ti, ti): 1.0 for ti in t}
    for ti, yi in zip(t, y):
        terms[Term(ti)] = -2.0 * float(yi)
    terms[Term(s[0])] = -1.0
    model.addCons(ExprCons(Expr(terms), rhs=-float(y @ y)))
    return NativeModel("bigm", model, {"w": w, "t": t, "z": z.ravel(), "u": u, "s": s},
                       n_integer=m * l, order=["w", "t", "z", "u", "s"])


def interval_ends(inst: Instance, delta: float, bounds: PredictionBounds | None) -> tuple[np.ndarray, np.ndarray]:
    """Flat ``(m*(l+1),)`` lower and upper ends of every interval ``(i, k)``, shrunk by ``delta``
    (``+-inf`` at the open ends) and, with ``bounds``, cut to ``[L_i, U_i]``; ``low > high``: empty."""
    b = np.asarray(inst.thresholds, dtype=float)
    low = np.tile(np.concatenate([[-np.inf], b + delta]), (inst.m, 1))
    high = np.tile(np.concatenate([b - delta, [np.inf]]), (inst.m, 1))
    if bounds is not None:
        low = np.maximum(low, bounds.lower[:, None])
        high = np.minimum(high, bounds.upper[:, None])
    return low.ravel(), high.ravel()


def build_strong_scip(inst: Instance, lam: float, *, delta: float,
                      bounds: PredictionBounds | None = None) -> NativeModel:
    """The strong MIO in PySCIPOpt (module docstring); ``bounds``: the box variant."""
    from pyscipopt import Expr, ExprCons, Model
    from pyscipopt.scip import Term

    m, l = inst.m, inst.l  # noqa: E741
    K = l + 1
    low, high = interval_ends(inst, delta, bounds)
    active = np.flatnonzero(low <= high)
    rows_of = active // K
    if np.any(np.bincount(rows_of, minlength=m) == 0):
        raise ValueError("strong formulation: a row has no interval within its prediction bounds")
    A = active.size
    model = Model("fairreg_strong")
    w = _vars(model, inst.n, "w")
    t = _vars(model, A, "t")
    p = _vars(model, A, "p", vtype="B", lb=0.0, ub=1.0)
    r = _vars(model, A, "r", lb=0.0, obj=1.0)
    u = _vars(model, 1, "u", lb=0.0, obj=float(lam))
    groups = [g for g in (0, 1) if np.any(inst.a == g)]
    q = _vars(model, len(groups) * K, "q")
    s0 = _vars(model, A, "s0", lb=0.0)
    s1 = _vars(model, A, "s1")
    s2 = _vars(model, A, "s2")
    # per-row sums over the active intervals: pad each row's pairs to a common width with zero coefficients
    counts = np.bincount(rows_of, minlength=m)
    width = int(counts.max())
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    slot = np.arange(A) - first[rows_of]
    pad_t = np.full((m, width), t[0], dtype=object)
    pad_p = np.full((m, width), p[0], dtype=object)
    mask = np.zeros((m, width))
    pad_t[rows_of, slot], pad_p[rows_of, slot], mask[rows_of, slot] = t, p, 1.0
    _prediction_rows(model, inst, pad_t, w, sums=mask)
    _rows(model, [pad_p], [mask], lhs=1.0, rhs=1.0)
    lo, hi = low[active], high[active]
    fin = np.flatnonzero(np.isfinite(lo))
    _rows(model, [t[fin], p[fin]], [1.0, -lo[fin]], lhs=0.0)
    fin = np.flatnonzero(np.isfinite(hi))
    _rows(model, [t[fin], p[fin]], [1.0, -hi[fin]], rhs=0.0)
    yv = np.asarray(inst.y, dtype=float)[rows_of]
    _rows(model, [s0, r, p], [1.0, -1.0, -1.0], lhs=0.0, rhs=0.0)
    _rows(model, [s1, t, p], [np.ones(A), -2.0 * np.ones(A), 2.0 * yv], lhs=0.0, rhs=0.0)
    _rows(model, [s2, r, p], [1.0, -1.0, 1.0], lhs=0.0, rhs=0.0)
    for a0, a1, a2 in zip(s0, s1, s2):
        model.addCons(ExprCons(Expr({Term(a1, a1): 1.0, Term(a2, a2): 1.0, Term(a0, a0): -1.0}), rhs=0.0))
    # q_gk = sum_{i in g} p_ik, then D_j = sum_g c_g sum_{k > j} q_gk (see build_strong)
    k_of = active % K
    for gi, g in enumerate(groups):
        in_g = inst.a[rows_of] == g
        for k in range(K):
            members = p[in_g & (k_of == k)]
            _rows(model, [np.array([[q[gi * K + k]]], dtype=object), members[None, :]],
                  [np.ones((1, 1)), -np.ones((1, members.size))], lhs=0.0, rhs=0.0)
    H = np.zeros((l, len(groups) * K))
    for gi, g in enumerate(groups):
        cg = float(inst.c[np.flatnonzero(inst.a == g)[0]])
        for j in range(l):
            H[j, gi * K + j + 1: gi * K + K] = cg
    _fairness_rows(model, u[0], q, H)
    return NativeModel("strong", model, {"w": w, "t": t, "p": p, "r": r, "u": u, "q": q,
                                         "s0": s0, "s1": s1, "s2": s2},
                       active=active, n_integer=A, order=["w", "t", "p", "r", "u", "q", "s0", "s1", "s2"])


def _unfairness_of_pattern(inst: Instance, k: np.ndarray) -> float:
    """``max_j |sum_i c_i 1(k_i > j)|`` of an interval pattern."""
    above = k[:, None] > np.arange(inst.l)[None, :]
    return float(np.max(np.abs(np.asarray(inst.c, dtype=float) @ above)))


def start_values(nm: NativeModel, inst: Instance, w: np.ndarray, k: np.ndarray) -> tuple[list[Any], list[float]] | None:
    """Every variable's value at the model ``w`` with interval pattern ``k`` (``k_i`` = thresholds
    below ``x_i'w``), in :meth:`NativeModel.variables` order; ``None`` when the pattern uses an
    interval the (box) model left out."""
    m, l = inst.m, inst.l  # noqa: E741
    w = np.asarray(w, dtype=float)
    pred = inst.X @ w
    y = np.asarray(inst.y, dtype=float)
    u = _unfairness_of_pattern(inst, k)
    if nm.formulation == "bigm":
        z = (k[:, None] > np.arange(l)[None, :]).astype(float).ravel()
        vals = {"w": w, "t": pred, "z": z, "u": [u], "s": [float((pred - y) @ (pred - y))]}
    else:
        assert nm.active is not None  # the strong formulation keeps its active pairs
        K = l + 1
        pos = {int(f): j for j, f in enumerate(nm.active)}
        chosen = np.arange(m) * K + k
        if any(int(f) not in pos for f in chosen):
            return None
        A = nm.active.size
        p = np.zeros(A)
        p[[pos[int(f)] for f in chosen]] = 1.0
        rows_of = nm.active // K
        t = p * pred[rows_of]
        r = (t - y[rows_of] * p) ** 2
        groups = [g for g in (0, 1) if np.any(inst.a == g)]
        q = np.zeros(len(groups) * K)
        for gi, g in enumerate(groups):
            np.add.at(q, gi * K + k[inst.a == g], 1.0)
        vals = {"w": w, "t": t, "p": p, "r": r, "u": [u], "q": q, "s0": r + p,
                "s1": 2.0 * (t - y[rows_of] * p), "s2": r - p}
    return nm.variables(), [float(v) for name in nm.order for v in np.ravel(vals[name])]


def pattern_of(nm: NativeModel, inst: Instance) -> np.ndarray:
    """Interval pattern ``k`` of SCIP's best solution (``z_ij = 1(k_i > j)``; strong: ``argmax_k p_ik``)."""
    if nm.formulation == "bigm":
        return np.rint(nm.values("z").reshape(inst.m, inst.l)).sum(axis=1).astype(int)
    full = np.full(inst.m * (inst.l + 1), -1.0)
    full[nm.active] = nm.values("p")
    return np.argmax(full.reshape(inst.m, inst.l + 1), axis=1).astype(int)
