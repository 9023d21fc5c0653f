"""One synthetic instance and lambda: every method of the slides' two tables, and their gaps.

Methods (keys of :data:`METHODS`):

* ``relax_bigm``, ``relax_strong``: the continuous relaxations (Clarabel by default); the
  strong one is the paper's (infinite end intervals) and its ``w`` is the "relax" model;
* ``bigm``, ``strong``: the MIOs (SCIP by default) at a time limit;
* ``cd0``, ``cd_unfair``, ``cd_relax``: coordinate descent from 0, least squares and the
  strong relaxation's ``w``;
* ``ls``: least squares (reference, always cheap).

Each method gives a row (:func:`run_method`); :func:`summarize` combines the rows of one
(instance, lambda) into the tables' quantities, with

* ``best_objective`` = the smallest exact objective over all methods,
* ``best_bound`` = the largest lower bound (MIO dual bounds, relaxation values),
* relaxation gap of a formulation = ``(best_objective - its relaxation value) / best_objective``
  (slides' "Relax Gap"),
* end gap of a MIO = ``(incumbent - best bound) / incumbent`` reported by the solver
  (slides' "End Gap"),
* optimality gap of a method = ``(objective - best_bound) / objective`` (slides' "Optimality
  Gaps of Different Methods", where the MICQO column equals the strong end gap, i.e. the gaps
  are measured against the lower bound), and ``gap_to_best = (objective - best_objective) /
  best_objective``.

MIOs run guarded (:func:`run_mio`): in a child process with a wall-clock limit, optionally
re-solved once with fallback solver options after a crash; their rows carry the status
(:data:`MIO_STATUSES`), and rows without a model count as 100% gaps in :func:`summarize`.
Times: ``seconds`` is wall time of the call, ``solver_seconds`` the solver's own time (what the
slides' "Time" column and the MIO time limit refer to).

All objectives are exact re-evaluations of the returned ``w``
(:func:`fairopt.fairreg.objective.objective`). The bounds are bounds for the delta-separated
problem; coordinate descent may find (by ``O(delta)``) lower values than a "proven" optimum.
"""
from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from fairopt.fairreg.coordinate_descent import cd_start, coordinate_descent
from fairopt.fairreg.formulations import (FormulationResult, NoIncumbentError, relative_gap,
                                          solve_mio, solve_relaxation)
from fairopt.fairreg.isolation import run_isolated
from fairopt.fairreg.objective import DEFAULT_DELTA, Instance, least_squares, objective_parts
from fairopt.fairreg.synthetic import make_synthetic
from fairopt.metrics import exact_unfairness

__all__ = ["METHODS", "MIO_STATUSES", "run_mio", "run_method", "summarize", "run_synthetic_method",
           "run_synthetic_instance"]

METHODS = ("ls", "relax_bigm", "relax_strong", "bigm", "strong", "cd0", "cd_unfair", "cd_relax")
_RELAX = {"relax_bigm": "bigm", "relax_strong": "strong"}
_CD = {"cd0": "zero", "cd_unfair": "unfair", "cd_relax": "relax"}
#: statuses of a MIO row: solved, stopped at the time limit with an incumbent (both scored), and
#: the outcomes without a model: no feasible solution at the time limit, solver process crashed
#: (killed by a signal, e.g. SCIP's memory corruption), no answer within the wall-clock limit
MIO_STATUSES = ("optimal", "time_limit", "no_incumbent", "crashed", "wall_limit")


def run_mio(inst: Instance, lam: float, formulation: str, *, solver: str = "scip",
            time_limit: float | None = 60.0, delta: float = DEFAULT_DELTA,
            options: Mapping[str, Any] | None = None,
            fallback_options: Mapping[str, Any] | None = None, isolate: bool = True,
            wall_limit: float | None = None) -> tuple[FormulationResult | None, dict[str, Any]]:
    """A MIO solve (:func:`~fairopt.fairreg.formulations.solve_mio`) guarded against crashes.

    The solve runs in a child process (:func:`~fairopt.fairreg.isolation.run_isolated`) killed
    after ``wall_limit`` seconds. If the child crashes and ``fallback_options`` is given, the
    solve is repeated once with those solver options (e.g. SCIP without NLP heuristics, i.e.
    without Ipopt); the row says so (``fallback_used``). Errors other than "no feasible solution
    within the time limit" are re-raised.

    Returns:
        ``(result or None, info)`` with ``info`` = ``status`` (one of :data:`MIO_STATUSES`),
        ``fallback_used`` and ``attempts`` (outcome, exit code and seconds of each try).
    """
    tries = [("configured", dict(options or {}))]
    if fallback_options is not None:
        tries.append(("fallback", dict(fallback_options)))
    attempts: list[dict[str, Any]] = []
    for label, opts in tries:
        out = run_isolated(solve_mio, inst, lam, formulation, solver=solver, time_limit=time_limit,
                           delta=delta, wall_limit=wall_limit, isolate=isolate, **opts)
        attempts.append({"options": label, "solver_options": opts, "outcome": out.kind,
                         "exitcode": out.exitcode, "seconds": out.seconds,
                         "error": None if out.error is None else f"{type(out.error).__name__}: {out.error}"})
        info = {"fallback_used": label == "fallback", "attempts": attempts}
        if out.kind == "ok":
            return out.value, {"status": out.value.status, **info}
        if out.kind == "error":
            if isinstance(out.error, NoIncumbentError):
                return None, {"status": "no_incumbent", **info}
            raise out.error
        if out.kind == "wall_limit":  # a hang or an endless model build: retrying would repeat it
            return None, {"status": "wall_limit", **info}
    return None, {"status": "crashed", **info}


def _scores(inst: Instance, lam: float, w: np.ndarray) -> dict[str, Any]:
    loss, unf = objective_parts(inst, w)
    return {"objective": loss + lam * unf, "loss": loss, "unfairness": unf,
            "exact_unfairness": exact_unfairness(inst.X @ w, inst.a)}


def run_method(inst: Instance, lam: float, method: str, *, time_limit: float | None = 60.0,
               mio_solver: str = "scip", relax_solver: str = "clarabel",
               delta: float = DEFAULT_DELTA, w_relax: np.ndarray | None = None,
               cd_max_passes: int = 100, cd_tol: float = 1e-6,
               mio_options: Mapping[str, Any] | None = None,
               mio_fallback_options: Mapping[str, Any] | None = None, isolate: bool = False,
               wall_limit: float | None = None) -> dict[str, Any]:
    """Run one method on one instance and lambda.

    Args:
        inst: Instance.
        lam: Fairness weight.
        method: One of :data:`METHODS`.
        time_limit: MIO time limit in seconds.
        mio_solver, relax_solver: Solver config names.
        delta: Separation margin of the formulations.
        w_relax: The strong relaxation's ``w`` for ``cd_relax`` (solved here when omitted).
        cd_max_passes, cd_tol: Pass limit and stopping tolerance of coordinate descent.
        mio_options, mio_fallback_options, isolate, wall_limit: MIO guard (:func:`run_mio`).

    Returns:
        A flat row: ``method``, the scores of the returned ``w`` (``objective, loss,
        unfairness, exact_unfairness``; ``None`` for a MIO without a model), ``seconds``
        (wall), ``w``, and the method's own fields (``best_bound, gap, status, nodes,
        total_nodes, solver_seconds, fallback_used`` for MIOs, ``bound, solver_seconds`` for
        relaxations, ``passes, updates, start_objective`` for CD).
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {METHODS}")
    row: dict[str, Any] = {"method": method, "lam": float(lam)}
    w: np.ndarray | None
    if method == "ls":
        start = time.perf_counter()
        w = least_squares(inst.X, inst.y)
        row["seconds"] = time.perf_counter() - start
    elif method in _RELAX:
        res = solve_relaxation(inst, lam, _RELAX[method], solver=relax_solver, delta=delta)
        w = res.w
        row.update(bound=res.best_bound, seconds=res.seconds, build_seconds=res.build_seconds,
                   solver_seconds=res.details["solver_seconds"], solver=res.solver,
                   iterations=res.nodes, clarabel_retries=len(res.details["clarabel_retries"]))
    elif method in ("bigm", "strong"):
        res, info = run_mio(inst, lam, method, solver=mio_solver, time_limit=time_limit,
                            delta=delta, options=mio_options, fallback_options=mio_fallback_options,
                            isolate=isolate, wall_limit=wall_limit)
        row.update(status=info["status"], fallback_used=info["fallback_used"],
                   attempts=info["attempts"], time_limit=time_limit,
                   seconds=sum(a["seconds"] for a in info["attempts"]))
        w = None
        if res is not None:
            w = res.w
            row.update(best_bound=res.best_bound, gap=res.gap, nodes=res.nodes,
                       total_nodes=res.details.get("total_nodes"), seconds=res.seconds,
                       solver_seconds=res.details["solver_seconds"],
                       build_seconds=res.build_seconds, solver=res.solver,
                       solver_objective=res.solver_objective, big_m=res.big_m,
                       polished=res.details["polished"],
                       bound_source=res.details.get("bound_source"))
    else:
        extra = 0.0
        if method == "cd_relax" and w_relax is None:
            rel = solve_relaxation(inst, lam, "strong", solver=relax_solver, delta=delta)
            w_relax, extra = rel.w, rel.seconds
        w0 = cd_start(inst, _CD[method], w_relax)
        res = coordinate_descent(inst, lam, w0, max_passes=cd_max_passes, tol=cd_tol)
        w = res.w
        row.update(seconds=res.seconds, relax_seconds=extra, passes=res.passes,
                   updates=res.updates, start_objective=res.trajectory[0],
                   converged=res.converged)
    if w is None:
        row.update(objective=None, loss=None, unfairness=None, exact_unfairness=None, w=None)
    else:
        row.update(_scores(inst, lam, w))
        row["w"] = np.asarray(w, dtype=float).tolist()
    return row


def _num(x: Any) -> float:
    """A row value as float (``None`` -> NaN)."""
    return float("nan") if x is None else float(x)


def summarize(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Combine the method rows of one (instance, lambda) into the tables' gaps (module docstring).

    Rows without a model (a MIO with status ``no_incumbent``, ``crashed`` or ``wall_limit``)
    take no part in ``best_objective`` and count as objective ``+inf``: end, optimality and
    to-best gaps of 1 (100%), as a solver reports when it has no incumbent. A MIO bound counts
    only when the MIO returned one.

    Returns:
        Flat dict: ``<method>_<field>`` for every scalar row field (not ``w``, ``method`` or
        ``attempts``), plus ``best_objective``, ``best_bound``, ``relax_gap_<formulation>``,
        ``end_gap_<mio>``, ``opt_gap_<method>`` and ``gap_to_best_<method>``.
    """
    rows = {r["method"]: r for r in rows}
    if not rows:
        raise ValueError("summarize: no method rows")
    shared = ("lam", "m", "n", "l", "seed")
    out: dict[str, Any] = {}
    for name, r in rows.items():
        for key, val in r.items():
            if key not in ("method", "w", "attempts") + shared:
                out[f"{name}_{key}"] = val
            elif key in shared:
                if key in out and out[key] != val:
                    raise ValueError(f"summarize: rows of different instances ({key} {out[key]} vs {val})")
                out[key] = val
    scored = [r["objective"] for r in rows.values() if r.get("objective") is not None]
    if not scored:
        raise ValueError("summarize: no method returned a model")
    best_obj = min(scored)
    bounds = [r["bound"] for r in rows.values() if r.get("bound") is not None]
    bounds += [r["best_bound"] for r in rows.values()
               if r.get("best_bound") is not None and np.isfinite(r["best_bound"])]
    best_bound = max(bounds) if bounds else float("nan")
    out["best_objective"] = best_obj
    out["best_bound"] = best_bound
    for rel, form in _RELAX.items():
        if rel in rows:
            out[f"relax_gap_{form}"] = relative_gap(best_obj, rows[rel]["bound"])
    for mio in ("bigm", "strong"):
        if mio in rows:
            has_model = rows[mio].get("objective") is not None
            out[f"end_gap_{mio}"] = _num(rows[mio].get("gap")) if has_model else 1.0
    for name, r in rows.items():
        obj = r.get("objective")
        if obj is None:  # no model: objective +inf, a 100% gap
            out[f"opt_gap_{name}"] = out[f"gap_to_best_{name}"] = 1.0
            continue
        out[f"opt_gap_{name}"] = relative_gap(obj, best_bound) if bounds else float("nan")
        out[f"gap_to_best_{name}"] = relative_gap(obj, best_obj)
    return out


def run_synthetic_method(m: int, lam: float, seed: int, method: str, *, l: int = 40, n: int = 10,  # noqa: E741
                         time_limit: float | None = 60.0, mio_solver: str = "scip",
                         relax_solver: str = "clarabel", delta: float = DEFAULT_DELTA,
                         generator: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """One method on the synthetic instance ``(m, seed)`` (:func:`make_synthetic`); a row."""
    syn = make_synthetic(m, n=n, l=l, seed=seed, **dict(generator or {}))
    row = run_method(syn.instance, lam, method, time_limit=time_limit, mio_solver=mio_solver,
                     relax_solver=relax_solver, delta=delta)
    row.update(m=m, n=n, l=l, seed=seed)
    return row


def run_synthetic_instance(m: int, lam: float, seed: int, *, l: int = 40, n: int = 10,  # noqa: E741
                           time_limit: float | None = 60.0, mio_solver: str = "scip",
                           relax_solver: str = "clarabel", methods: Iterable[str] = METHODS,
                           delta: float = DEFAULT_DELTA,
                           generator: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """All ``methods`` on one synthetic instance and lambda, with the tables' gaps.

    Returns:
        :func:`summarize` of the method rows, plus ``m, n, l, seed`` and ``rows`` (the raw rows,
        including each ``w``).
    """
    syn = make_synthetic(m, n=n, l=l, seed=seed, **dict(generator or {}))
    inst = syn.instance
    methods = list(methods)
    rows = []
    w_relax = None
    for method in methods:
        row = run_method(inst, lam, method, time_limit=time_limit, mio_solver=mio_solver,
                         relax_solver=relax_solver, delta=delta,
                         w_relax=w_relax if method == "cd_relax" else None)
        if method == "relax_strong":
            w_relax = np.asarray(row["w"])
        rows.append(row)
    out = summarize(rows)
    out.update(m=m, n=n, l=l, seed=seed, time_limit=time_limit, rows=rows)
    return out
