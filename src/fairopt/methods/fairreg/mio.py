"""Guarded mixed-integer solves: a MIO in a child process with a wall-clock watchdog, retried once.

:func:`run_mio` wraps :func:`fairopt.methods.fairreg.formulations.solve_mio` in
:func:`fairopt.core.isolation.run_isolated`: a solver crash (killed by a signal, e.g. SCIP's
memory corruption in Ipopt/METIS) or a hang does not take the caller down; it is recorded as a
status of :data:`MIO_STATUSES`.

**Which limit stopped it.** ``stopped_by`` of the returned info is ``None`` (solved, or crashed),
``"node_limit"`` or ``"time_limit"`` (the solver's limits; for a stop with an incumbent this is
also the status, for one without it the status is ``"no_incumbent"``) or ``"wall_limit"`` (the
watchdog killed the child; ``wall_limit_phase`` says which deadline: ``build`` or ``solve``, see
:class:`fairopt.core.isolation.WallLimit`). A node limit is deterministic, the two clocks are not.

**Measured times are kept apart.** The info's ``attempts`` hold what each try did (options,
outcome, exit code, error); their seconds, progress reports and deadlines are ``attempt_timing``,
which the study writes to its timing files, so that result rows are byte-identical across runs.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from fairopt.core.isolation import WallLimit, run_isolated
from fairopt.methods.fairreg.formulations import LIMIT_STATUSES, FormulationResult, NoIncumbentError, solve_mio
from fairopt.methods.fairreg.objective import DEFAULT_DELTA, Instance, least_squares, objective

__all__ = ["MIO_STATUSES", "NO_MODEL_STATUSES", "run_mio", "mio_warm_start"]

#: the outcomes without a model: no feasible solution at a limit, solver process crashed (killed by a
#: signal, e.g. SCIP's memory corruption), no answer by the watchdog's deadline
NO_MODEL_STATUSES = ("no_incumbent", "crashed", "wall_limit")
#: statuses of a MIO row: solved, stopped at the node or time limit with an incumbent (both scored),
#: and those without a model
MIO_STATUSES = ("optimal", *LIMIT_STATUSES, *NO_MODEL_STATUSES)


def mio_warm_start(inst: Instance, lam: float, cd_relax_w: np.ndarray | None) -> tuple[np.ndarray, str]:
    """The MIO's starting model: the better (exact objective ``f``) of least squares and CD-relax's model
    (``None``: least squares only), CD-relax on a tie; and its name, ``"ls"`` or ``"cd_relax"``."""
    candidates = {"ls": least_squares(inst.X, inst.y)}
    if cd_relax_w is not None:
        candidates["cd_relax"] = np.asarray(cd_relax_w, dtype=float)
    scores = {name: float(objective(inst, lam, w)) for name, w in candidates.items()}
    best = min(scores, key=lambda name: (scores[name], name != "cd_relax"))
    return candidates[best], best


def run_mio(inst: Instance, lam: float, formulation: str, *, solver: str = "scip",
            time_limit: float | None = 60.0, node_limit: int | None = None, delta: float = DEFAULT_DELTA,
            options: Mapping[str, Any] | None = None,
            fallback_options: Mapping[str, Any] | None = None, isolate: bool = True,
            wall_limit: float | WallLimit | None = None,
            warm_start: np.ndarray | None = None) -> tuple[FormulationResult | None, dict[str, Any]]:
    """A MIO solve (:func:`~fairopt.methods.fairreg.formulations.solve_mio`) guarded against crashes.

    The solve runs in a child process (:func:`~fairopt.core.isolation.run_isolated`) killed at
    its ``wall_limit`` (seconds, or a :class:`~fairopt.core.isolation.WallLimit`: a build limit,
    then a solve deadline from the child's "model built" report). If the child crashes and
    ``fallback_options`` is given, the solve is repeated once with those solver options (e.g. SCIP
    without NLP heuristics, i.e. without Ipopt); the row says so (``fallback_used``). Errors other
    than "no feasible solution within a limit" are re-raised. ``warm_start``: an initial model for
    the solver (:func:`~fairopt.methods.fairreg.formulations.warm_start_values`). ``node_limit``:
    SCIP's deterministic node limit (``None``: none).

    Returns:
        ``(result or None, info)`` with ``info`` = ``status`` (one of :data:`MIO_STATUSES`),
        ``stopped_by`` and ``wall_limit_phase`` (module docstring), ``fallback_used``, ``attempts``
        (options, outcome, exit code and error of each try) and ``attempt_timing`` (seconds,
        progress reports and deadline of each try: timing, not results).
    """
    tries = [("configured", dict(options or {}))]
    if fallback_options is not None:
        tries.append(("fallback", dict(fallback_options)))
    attempts: list[dict[str, Any]] = []
    timing: list[dict[str, Any]] = []
    for label, opts in tries:
        out = run_isolated(solve_mio, inst, lam, formulation, solver=solver, time_limit=time_limit,
                           node_limit=node_limit, delta=delta, wall_limit=wall_limit, isolate=isolate,
                           progress_kw="progress", warm_start=warm_start, **opts)
        attempts.append({"options": label, "solver_options": opts, "outcome": out.kind,
                         "exitcode": out.exitcode, "wall_limit_phase": out.limit,
                         "error": None if out.error is None else f"{type(out.error).__name__}: {out.error}"})
        timing.append({"options": label, "seconds": out.seconds, "deadline": out.deadline, "stages": out.stages})
        info = {"fallback_used": label == "fallback", "attempts": attempts, "attempt_timing": timing,
                "wall_limit_phase": None}
        if out.kind == "ok":
            status = out.value.status
            return out.value, {"status": status, "stopped_by": None if status == "optimal" else status, **info}
        if out.kind == "error":
            if isinstance(out.error, NoIncumbentError):
                return None, {"status": "no_incumbent", "stopped_by": out.error.limit, **info}
            assert out.error is not None  # an error outcome carries its exception
            raise out.error
        if out.kind == "wall_limit":  # a hang or an endless model build: retrying would repeat it
            return None, {"status": "wall_limit", "stopped_by": "wall_limit", **{**info, "wall_limit_phase": out.limit}}
    return None, {"status": "crashed", "stopped_by": None, **info}
