"""Exact coordinate descent for fair regression (slides "Coordinate descent"; reference note).

Fix all coordinates but ``w_k`` and write ``w_k = theta``. With ``r_i = w'x_i - w_k x_ik`` the
predictions are ``t_i(theta) = r_i + theta x_ik`` and

    g(theta) = q(theta) + lambda * max_j |D_j(theta)|,
    q(theta) = sum_i (r_i + theta x_ik - y_i)^2 = A theta^2 + 2 B theta + C      (convex),
    D_j(theta) = sum_i c_i 1(r_i + theta x_ik > b_j),    c_i = 1/m - a_i/m_1.

Each indicator with ``x_ik != 0`` switches at the breakpoint ``beta_ij = (b_j - r_i)/x_ik``: on
for ``theta > beta`` if ``x_ik > 0``, on for ``theta < beta`` if ``x_ik < 0``, and *off at the
breakpoint itself* (``t = b`` is not ``> b``). So ``g`` is a convex quadratic plus a constant on
every open interval between consecutive distinct breakpoints, and takes its own value at each
breakpoint. The exact 1-D minimum is the smallest of

* ``g(theta*)`` at the unconstrained minimiser ``theta* = -B/A`` of the loss;
* ``g(beta)`` at every breakpoint (the slides' ``m*l`` candidates);
* the one-sided limit at every breakpoint, from the side facing ``theta*`` (``q`` is convex, so
  on an interval not containing ``theta*`` the infimum is the limit at the end nearer
  ``theta*``): ``q(beta) + lambda U(beta-)`` for ``beta <= theta*``, ``q(beta) + lambda U(beta+)``
  for ``beta >= theta*``.

A limit is not attained; it is realised at ``beta -+ eps`` with ``eps = min(margin/max|x_k|,
half the distance to the neighbouring breakpoint)``, so every prediction moves by at most
``margin`` (default 1e-7) from the limit and the interval (hence ``U``) is kept.

**Sweep with incremental counts.** Only breakpoints with ``q(beta) <= g_ub = min(f(w),
g(theta*))`` can win, i.e. those in ``[theta* - h, theta* + h]``, ``h = sqrt((g_ub -
q(theta*))/A)``. The counts ``D_j`` just left of that window are computed directly (O(ml));
the window's breakpoints are sorted once (ties: the switch-offs, ``x_ik < 0``, first, which
gives the value at the point, then the switch-ons) and swept, each breakpoint changing one
``D_j`` by ``+-c_i``. The per-threshold differences after each event are cumulative sums; the
max over ``j`` is taken on blocks of events in numpy. Complexity per coordinate: O(ml) to form
and filter the breakpoints, O(E log E) to sort the ``E <= ml`` in the window, and O(E l)
vectorised arithmetic (memory O(block * l)) for the maxima -- O(ml log(ml) + m l^2) in the
worst case, with ``E`` usually a small fraction of ``ml``. The chosen candidate is accepted
only if the exact objective :func:`fairopt.methods.fairreg.objective.objective` of the new ``w`` is
lower, so coordinate descent never increases the objective.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from fairopt.methods.fairreg.objective import Instance, least_squares, objective

__all__ = ["CDResult", "LineResult", "minimize_coordinate", "coordinate_descent", "cd_start"]

_BLOCK = 4096


@dataclass
class LineResult:
    """Exact minimisation of ``g`` along one coordinate.

    Attributes:
        theta: Realised minimiser (a point, not a limit).
        value: ``f`` at ``theta`` (exact objective of the new model).
        infimum: The exact infimum of ``g`` (may be a one-sided limit).
        kind: ``"current"``, ``"unconstrained"``, ``"point"``, ``"left"`` or ``"right"``.
        n_breakpoints: Breakpoints in the search window (swept).
    """

    theta: float
    value: float
    infimum: float
    kind: str
    n_breakpoints: int


@dataclass
class CDResult:
    """Coordinate-descent outcome.

    Attributes:
        w: Final model; objective: its exact objective.
        trajectory: Objective at the start and after every pass (non-increasing).
        passes: Full passes over the coordinates; updates: accepted coordinate moves.
        seconds: Wall-clock time; converged: stopped because a pass improved by <= tol.
    """

    w: np.ndarray
    objective: float
    trajectory: list[float]
    passes: int
    updates: int
    seconds: float
    converged: bool
    history: list[float] = field(default_factory=list)


def _maxabs_states(D0: np.ndarray, j_ev: np.ndarray, d_ev: np.ndarray) -> np.ndarray:
    """``max_j |D_j|`` before any event and after each event (``E + 1`` values)."""
    E, l = j_ev.size, D0.size
    out = np.empty(E + 1)
    out[0] = np.max(np.abs(D0))
    state = D0.copy()
    for s in range(0, E, _BLOCK):
        e = min(E, s + _BLOCK)
        block = np.zeros((e - s, l))
        block[np.arange(e - s), j_ev[s:e]] = d_ev[s:e]
        cum = np.cumsum(block, axis=0) + state
        out[s + 1:e + 1] = np.max(np.abs(cum), axis=1)
        state = cum[-1]
    return out


def minimize_coordinate(inst: Instance, lam: float, w: np.ndarray, k: int, *,
                        margin: float = 1e-7, current: float | None = None,
                        t: np.ndarray | None = None, max_tries: int = 8) -> LineResult:
    """Exactly minimise ``f`` over ``w_k`` with the other coordinates fixed (module docstring).

    Args:
        inst: Instance.
        lam: Fairness weight.
        w: Current model (not modified).
        k: Coordinate index.
        margin: Largest prediction move used to realise a one-sided limit.
        current: ``f(w)`` if already known.
        t: ``X w`` if already known.
        max_tries: Candidates (best first) realised and checked exactly before giving up.

    Returns:
        A :class:`LineResult`; ``kind == "current"`` when no candidate improves on ``f(w)``.
    """
    X, y, b, c = inst.X, inst.y, inst.thresholds, inst.c
    l = b.size
    w = np.asarray(w, dtype=float)
    t = X @ w if t is None else t
    f_cur = objective(inst, lam, w) if current is None else current
    xk = X[:, k]
    wk = float(w[k])
    A = float(xk @ xk)
    if A == 0.0:
        return LineResult(wk, f_cur, f_cur, "current", 0)
    r = t - wk * xk
    res = r - y
    B = float(xk @ res)
    C = float(res @ res)
    theta_star = -B / A

    def q(theta):
        return A * theta * theta + 2 * B * theta + C

    def U_at(theta: float) -> float:
        tt = r + theta * xk
        above = tt[:, None] > b[None, :]
        return float(np.max(np.abs(c @ above)))

    g_star = q(theta_star) + lam * U_at(theta_star)
    g_ub = min(g_star, f_cur)
    h = np.sqrt(max(g_ub - q(theta_star), 0.0) / A) * (1 + 1e-9) + 1e-12 * (1 + abs(theta_star))
    lo_w, hi_w = theta_star - h, theta_star + h

    nz = xk != 0
    xn, rn, cn = xk[nz], r[nz], c[nz]
    beta = (b[None, :] - rn[:, None]) / xn[:, None]  # (m', l)
    sgn = np.broadcast_to(np.sign(xn)[:, None], beta.shape)
    delta_ev = np.broadcast_to((np.sign(xn) * cn)[:, None], beta.shape)
    j_all = np.broadcast_to(np.arange(l)[None, :], beta.shape)
    # counts on the open interval just left of the window: rows with x = 0 are constant; x < 0
    # indicators are on at -inf; every breakpoint left of the window has already switched
    D0 = c[~nz] @ (r[~nz][:, None] > b[None, :]) + float(cn[xn < 0].sum())
    before = beta < lo_w
    if before.any():
        D0 = D0 + np.bincount(j_all[before], weights=delta_ev[before], minlength=l)
    inside = (beta >= lo_w) & (beta <= hi_w)
    bw, sw, jw, dw = beta[inside], sgn[inside], j_all[inside], delta_ev[inside]
    order = np.lexsort((sw, bw))  # by breakpoint, switch-offs (x < 0) first
    bw, sw, jw, dw = bw[order], sw[order], jw[order], dw[order]
    E = bw.size

    cand_val_list = [f_cur, g_star]
    cand_theta = [wk, theta_star]
    cand_kind = ["current", "unconstrained"]
    if E:
        U_state = _maxabs_states(D0, jw, dw)
        starts = np.flatnonzero(np.r_[True, bw[1:] != bw[:-1]])
        ends = np.r_[starts[1:], E]
        n_neg = np.add.reduceat((sw < 0).astype(int), starts)
        ub = bw[starts]
        qb = q(ub)
        U_left, U_point, U_right = U_state[starts], U_state[starts + n_neg], U_state[ends]
        cand_val_list += list(qb + lam * U_point)
        cand_theta += list(ub)
        cand_kind += ["point"] * ub.size
        left = ub <= theta_star
        right = ub >= theta_star
        cand_val_list += list(qb[left] + lam * U_left[left]) + list(qb[right] + lam * U_right[right])
        cand_theta += list(ub[left]) + list(ub[right])
        cand_kind += ["left"] * int(left.sum()) + ["right"] * int(right.sum())
    cand_vals = np.asarray(cand_val_list)
    infimum = float(np.min(cand_vals))

    step = margin / np.max(np.abs(xk))
    tol = 1e-13 * max(1.0, abs(f_cur))
    slack = 1e-10 * max(1.0, abs(f_cur))
    fallback = LineResult(wk, f_cur, infimum, "current", E)
    tries = 0
    for idx in np.argsort(cand_vals, kind="stable"):
        if cand_kind[idx] == "current" or cand_vals[idx] >= f_cur - tol or tries >= max_tries:
            break
        tries += 1
        beta0, kind = float(cand_theta[idx]), cand_kind[idx]
        if kind in ("left", "right"):
            sign = -1.0 if kind == "left" else 1.0
            others = beta[(beta - beta0) * sign > 0]  # breakpoints on that side
            gap = np.min(np.abs(others - beta0)) if others.size else np.inf
            thetas = [beta0 + sign * min(step, 0.5 * gap)]
        elif kind == "point":
            # t_i = b_j must hold exactly for the rows switching here: try beta and its
            # floating-point neighbours
            thetas, down, up = [beta0], beta0, beta0
            for _ in range(3):
                down, up = np.nextafter(down, -np.inf), np.nextafter(up, np.inf)
                thetas += [down, up]
        else:
            thetas = [beta0]
        for theta in thetas:
            w_new = w.copy()
            w_new[k] = theta
            val = objective(inst, lam, w_new)
            if val < fallback.value - tol:
                fallback = LineResult(float(theta), val, infimum, kind, E)
            if val <= cand_vals[idx] + (q(theta) - q(beta0)) + slack and val < f_cur - tol:
                return LineResult(float(theta), val, infimum, kind, E)
    return fallback


def coordinate_descent(inst: Instance, lam: float, w0: np.ndarray, *, max_passes: int = 100,
                       tol: float = 1e-6, margin: float = 1e-7,
                       time_limit: float | None = None) -> CDResult:
    """Cyclic exact coordinate descent from ``w0`` until a pass improves by at most ``tol``.

    Args:
        inst: Instance.
        lam: Fairness weight.
        w0: Start (CD-0: zeros; CD-unfair: least squares; CD-relax: the relaxation's ``w``).
        max_passes: Upper limit on full passes.
        tol: Stop when a pass lowers the objective by ``<= tol * max(1, |f|)``.
        margin: See :func:`minimize_coordinate`.
        time_limit: Optional wall-clock limit in seconds (checked between coordinates).

    Returns:
        A :class:`CDResult` (objective never increases along ``trajectory``).
    """
    start = time.perf_counter()
    w = np.array(w0, dtype=float, copy=True)
    f = objective(inst, lam, w)
    trajectory = [f]
    history = [f]
    updates = 0
    passes = 0
    converged = False
    while passes < max_passes:
        f_pass = f
        for k in range(inst.n):
            t = inst.X @ w
            res = minimize_coordinate(inst, lam, w, k, margin=margin, current=f, t=t)
            if res.kind != "current" and res.value < f:
                w[k] = res.theta
                f = res.value
                updates += 1
                history.append(f)
            if time_limit is not None and time.perf_counter() - start > time_limit:
                break
        passes += 1
        trajectory.append(f)
        if f_pass - f <= tol * max(1.0, abs(f)):
            converged = True
            break
        if time_limit is not None and time.perf_counter() - start > time_limit:
            break
    return CDResult(w, f, trajectory, passes, updates, time.perf_counter() - start, converged, history)


def cd_start(inst: Instance, kind: str, w_relax: np.ndarray | None = None) -> np.ndarray:
    """Start of a CD variant: ``"zero"`` (CD-0), ``"unfair"`` (least squares), ``"relax"``."""
    if kind == "zero":
        return np.zeros(inst.n)
    if kind == "unfair":
        return least_squares(inst.X, inst.y)
    if kind == "relax":
        if w_relax is None:
            raise ValueError("CD-relax needs the relaxation's w")
        return np.asarray(w_relax, dtype=float)
    raise ValueError(f"unknown CD start {kind!r}; expected 'zero', 'unfair' or 'relax'")
