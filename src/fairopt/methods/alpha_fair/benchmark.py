"""Closed form vs. conic solver for the alpha-fair decision of eq. (9): time and agreement.

The workflow calls :func:`time_closed_form_vs_solver` at the paper's sizes (n = 2,500 test
patients, n = 48,784 rows of the full file). Instances are synthetic (:func:`make_instance`):
performance is measured here, never asserted in unit tests (CONTRIBUTING.md).
"""
from __future__ import annotations

import time
from typing import Any

import numpy as np

from fairopt.methods.alpha_fair.allocation import closed_form, solve_alpha_fair, welfare

__all__ = ["make_instance", "time_closed_form_vs_solver", "dbb_gradient_distance"]


def make_instance(n: int, seed: int, *, kind: str = "realistic",
                  unit_cost: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A random instance ``(r, g, c)`` of eq. (9).

    Args:
        n: Number of individuals.
        seed: Seed of the draw.
        kind: ``"realistic"``: risks ``Gamma(1.2, 3) + 0.001`` and gains
            ``max(0.1, Gamma(0.8, 75))`` (mean ~60, clipped at 0.1 like the authors' ``g``), so
            ``r g`` spans ~8 orders of magnitude; ``"moderate"``: ``r ~ U(0.5, 5)``,
            ``g ~ U(0.5, 2)``.
        unit_cost: ``c = 1`` (the paper's setting); else ``c ~ U(0.5, 2)``.

    Returns:
        ``(r, g, c)`` float64 arrays of length ``n``.
    """
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    rng = np.random.default_rng(seed)
    if kind == "realistic":
        r = rng.gamma(1.2, 3.0, n) + 0.001
        g = np.maximum(0.1, rng.gamma(0.8, 75.0, n))
    elif kind == "moderate":
        r = rng.uniform(0.5, 5.0, n)
        g = rng.uniform(0.5, 2.0, n)
    else:
        raise ValueError(f"kind must be 'realistic' or 'moderate', got {kind!r}")
    c = np.ones(n) if unit_cost else rng.uniform(0.5, 2.0, n)
    return r, g, c


def time_closed_form_vs_solver(n: int, alpha: float, repeats: int, seed: int,
                               solver: str = "clarabel", *, Q: float = 1000.0,
                               kind: str = "realistic", unit_cost: bool = True,
                               solver_options: dict[str, Any] | None = None,
                               warmup: bool = True) -> dict[str, Any]:
    """Median run times of the closed form and of the cvxpy solve, and how far apart they are.

    Args:
        n: Problem size.
        alpha: Fairness parameter.
        repeats: Timed repetitions of each method (median reported); ``>= 1``.
        seed: Seed of :func:`make_instance`.
        solver: Config solver name for :func:`~fairopt.methods.alpha_fair.allocation.solve_alpha_fair`.
        Q: Budget.
        kind, unit_cost: Instance type (:func:`make_instance`).
        solver_options: Passed to ``solve_alpha_fair``.
        warmup: Solve a 20-person instance once, untimed, first (imports cvxpy and the solver and
            fills cvxpy's caches, which would otherwise inflate the first timed solve).

    Returns:
        A dict with ``n, alpha, repeats, seed, solver, kind, unit_cost``;
        ``closed_form_seconds`` (median wall time of :func:`closed_form`); ``solver_seconds``
        (median wall time of ``solve_alpha_fair``: model build, every attempt of its tolerance
        ladder, solution recovery); ``solver_core_seconds`` (median time inside the accepted
        ``problem.solve``); ``speedup`` (their ratio); ``attempts`` and ``tolerance`` (of the last
        solve); ``max_rel_diff`` = ``max_i |d_solver - d_cf|_i / max_i d_cf_i`` (relative to the
        largest decision); ``max_elementwise_rel_diff`` = ``max_i |d_solver - d_cf|_i / d_cf_i``
        (dominated by individuals with negligible budget shares); ``spend_l1_rel_diff`` =
        ``sum_i c_i |diff_i| / Q``; ``welfare_rel_diff``.
    """
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}")
    if warmup:
        r0, g0, c0 = make_instance(20, seed, kind=kind, unit_cost=unit_cost)
        closed_form(r0, g0, c0, Q, alpha)
        solve_alpha_fair(r0, g0, c0, Q, alpha, solver=solver, solver_options=solver_options)
    r, g, c = make_instance(n, seed, kind=kind, unit_cost=unit_cost)
    cf_times, d_cf = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        d_cf = closed_form(r, g, c, Q, alpha)
        cf_times.append(time.perf_counter() - start)
    sol_times, core_times, d_sol, record = [], [], None, None
    for _ in range(repeats):
        start = time.perf_counter()
        d_sol, record = solve_alpha_fair(r, g, c, Q, alpha, solver=solver, solver_options=solver_options)
        sol_times.append(time.perf_counter() - start)
        core_times.append(record.seconds)
    assert d_cf is not None and d_sol is not None and record is not None  # repeats >= 1
    diff = np.abs(d_sol - d_cf)
    positive = d_cf > 0
    w_cf = welfare(r * g * d_cf, alpha)
    w_sol = welfare(r * g * d_sol, alpha)
    cf_med, sol_med = float(np.median(cf_times)), float(np.median(sol_times))
    return {
        "n": int(n), "alpha": float(alpha), "repeats": int(repeats), "seed": int(seed),
        "solver": solver, "kind": kind, "unit_cost": bool(unit_cost),
        "closed_form_seconds": cf_med,
        "solver_seconds": sol_med,
        "solver_core_seconds": float(np.median(core_times)),
        "speedup": sol_med / cf_med if cf_med > 0 else float("inf"),
        "attempts": record.extra.get("attempts"),
        "tolerance": record.extra.get("tolerance"),
        "max_rel_diff": float(diff.max() / d_cf.max()),
        "max_elementwise_rel_diff": float(np.max(diff[positive] / d_cf[positive])),
        "spend_l1_rel_diff": float(np.dot(c, diff) / Q),
        "welfare_rel_diff": float(abs(w_sol - w_cf) / abs(w_cf)) if w_cf != 0 else float("nan"),
    }


def dbb_gradient_distance(n: int, alpha: float, seed: int, *,
                          lams: tuple[float, ...] = (1e2, 1.0, 1e-2, 1e-4),
                          noise: float = 0.3, Q: float = 1000.0,
                          kind: str = "moderate", unit_cost: bool = False) -> dict[str, Any]:
    r"""How far the DBB gradient of eqs. (7)-(8) is from the exact gradient :math:`J^\top v`.

    On an instance of :func:`make_instance`, predictions ``r_hat = r exp(noise N(0, 1))`` and the
    incoming gradient ``v = dL/dd`` of the normalised regret (true ``r``) at ``d*(r_hat)``, this
    computes (float64, closed-form solves)

    * ``jtv`` = :math:`J^\top v` (exact gradient, analytic) and ``jv`` = :math:`J v`;
    * for each ``lam``: ``dbb = (d*(r_hat + lam v) - d*(r_hat)) / lam``, its relative distance to
      ``J v`` and to ``J^T v`` (``||.|| / ||J^T v||``), its cosine with ``J^T v``, and the size of the
      perturbation ``||lam v|| / ||r_hat||`` (NaN where ``r_hat + lam v`` is not positive).

    As ``lam -> 0`` DBB tends to ``J v``, so its distance to ``J^T v`` tends to
    ``limit_rel_distance = ||J v - J^T v|| / ||J^T v||``.

    Returns:
        A JSON-able dict (lists indexed like ``lams``).
    """
    import torch

    from fairopt.methods.alpha_fair.layers import alpha_fair_decision, jvp, regret_loss, vjp

    r, g, c = make_instance(n, seed, kind=kind, unit_cost=unit_cost)
    rng = np.random.default_rng(seed + 1)
    r_hat_np = r * np.exp(noise * rng.standard_normal(n))
    dt = torch.float64
    r_t, g_t, c_t = (torch.as_tensor(x, dtype=dt) for x in (r, g, c))
    r_hat = torch.as_tensor(r_hat_np, dtype=dt)
    d_hat = alpha_fair_decision(r_hat, g_t, c_t, Q, alpha).requires_grad_(True)
    loss = regret_loss(d_hat, r_t, g_t, alpha, c=c_t, Q=Q)
    (v,) = torch.autograd.grad(loss, d_hat)
    d_hat = d_hat.detach()
    jtv = vjp(d_hat, r_hat, c_t, Q, alpha, v)
    jv = jvp(d_hat, r_hat, c_t, Q, alpha, v)
    norm = float(jtv.norm())
    out: dict[str, Any] = {
        "n": n, "alpha": float(alpha), "seed": seed, "noise": noise, "Q": Q, "kind": kind,
        "lams": [float(x) for x in lams], "regret": float(loss.detach()),
        "jtv_norm": norm, "v_norm": float(v.norm()),
        "limit_rel_distance": float((jv - jtv).norm()) / norm,
        "limit_cosine": float(torch.dot(jv, jtv) / (jv.norm() * jtv.norm())),
        "perturbation_rel": [], "rel_distance_to_jv": [], "rel_distance_to_jtv": [], "cosine_to_jtv": [],
    }
    for lam in lams:
        r_pert = r_hat + lam * v
        if not torch.all(r_pert > 0):
            for key in ("perturbation_rel", "rel_distance_to_jv", "rel_distance_to_jtv", "cosine_to_jtv"):
                out[key].append(float("nan"))
            continue
        dbb = (alpha_fair_decision(r_pert, g_t, c_t, Q, alpha) - d_hat) / lam
        out["perturbation_rel"].append(float((lam * v).norm() / r_hat.norm()))
        out["rel_distance_to_jv"].append(float((dbb - jv).norm()) / norm)
        out["rel_distance_to_jtv"].append(float((dbb - jtv).norm()) / norm)
        out["cosine_to_jtv"].append(float(torch.dot(dbb, jtv) / (dbb.norm() * jtv.norm())))
    return out
