"""Guarded mixed-integer solves: a MIO in a child process with a wall-clock limit, retried once.

:func:`run_mio` wraps :func:`fairopt.methods.fairreg.formulations.solve_mio` in
:func:`fairopt.core.isolation.run_isolated`: a solver crash (killed by a signal, e.g. SCIP's
memory corruption in Ipopt/METIS) or a hang does not take the caller down; it is recorded as a
status of :data:`MIO_STATUSES`.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from fairopt.core.isolation import run_isolated
from fairopt.methods.fairreg.formulations import FormulationResult, NoIncumbentError, solve_mio
from fairopt.methods.fairreg.objective import DEFAULT_DELTA, Instance

__all__ = ["MIO_STATUSES", "run_mio"]

#: statuses of a MIO row: solved, stopped at the time limit with an incumbent (both scored), and
#: the outcomes without a model: no feasible solution at the time limit, solver process crashed
#: (killed by a signal, e.g. SCIP's memory corruption), no answer within the wall-clock limit
MIO_STATUSES = ("optimal", "time_limit", "no_incumbent", "crashed", "wall_limit")


def run_mio(inst: Instance, lam: float, formulation: str, *, solver: str = "scip",
            time_limit: float | None = 60.0, delta: float = DEFAULT_DELTA,
            options: Mapping[str, Any] | None = None,
            fallback_options: Mapping[str, Any] | None = None, isolate: bool = True,
            wall_limit: float | None = None,
            warm_start: np.ndarray | None = None) -> tuple[FormulationResult | None, dict[str, Any]]:
    """A MIO solve (:func:`~fairopt.methods.fairreg.formulations.solve_mio`) guarded against crashes.

    The solve runs in a child process (:func:`~fairopt.core.isolation.run_isolated`) killed
    after ``wall_limit`` seconds. If the child crashes and ``fallback_options`` is given, the
    solve is repeated once with those solver options (e.g. SCIP without NLP heuristics, i.e.
    without Ipopt); the row says so (``fallback_used``). Errors other than "no feasible solution
    within the time limit" are re-raised. ``warm_start``: an initial model for the solver
    (:func:`~fairopt.methods.fairreg.formulations.warm_start_values`).

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
                           delta=delta, wall_limit=wall_limit, isolate=isolate, warm_start=warm_start, **opts)
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
