"""Solver selection and status checking for every cvxpy problem in fairopt.

The solver is a config value. Defaults are open solvers: Clarabel for conic (LP/QP/SOCP/exp-cone)
problems and SCIP for mixed-integer ones. MOSEK (or Gurobi) is used only when asked for, and then
only if it is installed and licensed; otherwise :class:`~fairopt.core.errors.SolverError` says so
before any work.

:func:`solve` is the one place that calls ``problem.solve``; :func:`solve_scip` is its counterpart
for a model built natively in PySCIPOpt (no cvxpy in between: cvxpy's SCIP interface builds its
model in Python loops whose cost grows with cones x nonzeros, minutes to hours on large MIOs, all
outside SCIP's time limit). Both read the status the same way and return a :class:`SolveRecord`. It reads the status: an
``optimal_inaccurate``, infeasible, unbounded or failed solve raises ``SolverError``; the only
non-optimal outcome that is returned is a mixed-integer solve stopped by its limit with an
incumbent, and it is *recorded* as ``status="time_limit"`` or ``"node_limit"`` together with the
best bound and gap. A clock limit makes the outcome depend on the machine and its load; a node limit
(``node_limit``: SCIP's ``limits/nodes``, Gurobi's ``NodeLimit``) does not, so two runs with the same
node limit give the same incumbent, bound and gap (the smoke and CI presets use one).
"""
from __future__ import annotations

import functools
import logging
import math
import time
from dataclasses import dataclass, field
from collections.abc import Callable, Mapping
from typing import Any

import cvxpy as cp
import numpy as np

from fairopt.core.errors import ConfigError, SolverError

__all__ = [
    "SolveRecord",
    "CONIC_SOLVERS",
    "MIXED_INTEGER_SOLVERS",
    "resolve_solver",
    "mosek_licensed",
    "solve",
    "solve_scip",
]

log = logging.getLogger(__name__)

#: config name -> cvxpy solver name, for continuous conic problems
CONIC_SOLVERS = {"clarabel": "CLARABEL", "scs": "SCS", "mosek": "MOSEK", "gurobi": "GUROBI"}
#: config name -> cvxpy solver name, for mixed-integer problems
MIXED_INTEGER_SOLVERS = {"scip": "SCIP", "mosek": "MOSEK", "gurobi": "GUROBI"}


@dataclass
class SolveRecord:
    """What a solve returned, as recorded in result files.

    Attributes:
        solver: cvxpy solver name used.
        status: ``"optimal"``, ``"time_limit"`` or ``"node_limit"`` (the last two mixed-integer only,
            with an incumbent).
        objective: Objective value of the returned point.
        best_bound: Best proven bound (mixed-integer), else the objective.
        gap: Relative gap ``|objective - bound| / max(|objective|, 1e-10)`` (0 when optimal).
        nodes: Branch-and-bound nodes (mixed-integer; ``None`` when the solver does not say).
        seconds: Wall-clock seconds of ``problem.solve``.
        solver_status: The solver's own status string.
    """

    solver: str
    status: str
    objective: float
    best_bound: float
    gap: float
    nodes: int | None
    seconds: float
    solver_status: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@functools.lru_cache(maxsize=None)
def mosek_licensed() -> bool:
    """Return True when MOSEK is importable and a licence can be checked out."""
    try:
        import mosek  # noqa: F401
    except ImportError:
        return False
    try:
        x = cp.Variable()
        cp.Problem(cp.Minimize(x), [x >= 1]).solve(solver="MOSEK")
        return True
    except Exception:  # licence errors surface as generic solver errors
        return False


def resolve_solver(name: str, *, mixed_integer: bool = False, key: str = "solver") -> str:
    """Map a config solver name to an installed (and licensed) cvxpy solver.

    Args:
        name: Config value, e.g. ``"clarabel"``, ``"scip"``, ``"mosek"`` (case-insensitive).
        mixed_integer: Whether the problem has integer variables.
        key: Config key the value came from (for the error message).

    Returns:
        The cvxpy solver name.

    Raises:
        ConfigError: Unknown solver name for this problem class.
        SolverError: Solver not installed or not licensed.
    """
    table = MIXED_INTEGER_SOLVERS if mixed_integer else CONIC_SOLVERS
    lname = str(name).lower()
    if lname not in table:
        kind = "mixed-integer" if mixed_integer else "conic"
        raise ConfigError(f"config key {key}: unknown {kind} solver {name!r}; expected one of {sorted(table)}")
    solver = table[lname]
    if solver not in cp.installed_solvers():
        extra = " (pip install 'fairopt[mosek]' and a licence file)" if solver == "MOSEK" else ""
        raise SolverError(f"config key {key}: solver {name!r} is not installed{extra}")
    if solver == "MOSEK" and not mosek_licensed():
        raise SolverError(f"config key {key}: MOSEK is installed but no licence was found (set MOSEKLM_LICENSE_FILE)")
    return solver


def _time_limit_options(solver: str, time_limit: float | None) -> dict[str, Any]:
    if time_limit is None:
        return {}
    if solver == "SCIP":
        return {"scip_params": {"limits/time": float(time_limit)}}
    if solver == "MOSEK":
        return {"mosek_params": {"MSK_DPAR_MIO_MAX_TIME": float(time_limit),
                                 "MSK_DPAR_OPTIMIZER_MAX_TIME": float(time_limit)}}
    if solver == "GUROBI":
        return {"TimeLimit": float(time_limit)}
    if solver == "CLARABEL":
        return {"time_limit": float(time_limit)}
    if solver == "SCS":
        return {"time_limit_secs": float(time_limit)}
    return {}


def _node_limit_options(solver: str, node_limit: int | None) -> dict[str, Any]:
    if node_limit is None:
        return {}
    if solver == "SCIP":
        return {"scip_params": {"limits/nodes": int(node_limit)}}
    if solver == "GUROBI":
        return {"NodeLimit": float(node_limit)}
    raise ConfigError(f"a node limit is not supported for solver {solver} (SCIP or Gurobi only)")


#: the solvers' raw statuses of a stop at a clock / node limit
_TIME_LIMIT_STATUSES = {"timelimit", "time_limit", "9"}
_NODE_LIMIT_STATUSES = {"nodelimit", "totalnodelimit", "8"}


def _mip_stats(problem: cp.Problem, solver: str) -> tuple[float | None, int | None, str]:
    """Best bound, node count and raw status of a mixed-integer solve, where the solver exposes them."""
    stats = problem.solver_stats
    extra = getattr(stats, "extra_stats", None)
    if solver == "SCIP" and isinstance(extra, dict) and "model" in extra:
        model = extra["model"]
        # SCIP minimises cvxpy's internal objective sign * f - offset; map its dual bound back to
        # the user's objective through the incumbent (primal bound), which is the returned point.
        sign = -1.0 if isinstance(problem.objective, cp.Maximize) else 1.0
        bound = None
        if model.getNSols() > 0 and problem.value is not None and math.isfinite(problem.value):
            offset = sign * float(problem.value) - float(model.getPrimalbound())
            bound = sign * (float(model.getDualbound()) + offset)
        return bound, int(model.getNNodes()), str(model.getStatus())
    if solver == "GUROBI" and extra is not None:
        try:
            return float(extra.ObjBound), int(extra.NodeCount), str(extra.Status)
        except AttributeError:
            pass
    return None, getattr(stats, "num_iters", None), str(problem.status)


_WARM_KEY = "fairopt_warm_start"


def _hooked_scip(values: Mapping[int, np.ndarray] | None, on_model_built: Callable[[], None] | None) -> Any:
    """cvxpy's SCIP interface with two hooks, run when SCIP's model is built, right before it optimises.

    * ``values`` (a warm start): maps cvxpy variable ids to start values; variables cvxpy keeps as
      columns of its conic form get them (their column offsets ``var_id_to_col``), every other column
      (cone auxiliaries, variables replaced by a reduction) is left to SCIP, which completes the
      partial solution (its ``completesol`` heuristic) or discards it when infeasible. ``accepted``
      records what SCIP's ``addSol`` answered.
    * ``on_model_built``: called once the model exists. Most of a large MIO's set-up happens inside
      ``problem.solve`` before SCIP runs (cvxpy's compilation and its SCIP interface's Python loops
      over the constraint matrix), so a watchdog's solve deadline starts here
      (:mod:`fairopt.methods.fairreg.mio`).
    """
    from cvxpy.reductions.solvers.conic_solvers.scip_conif import SCIP

    class HookedSCIP(SCIP):
        accepted: bool | None = None  # None: no value reached SCIP
        n_values = 0

        def name(self) -> str:
            return "SCIP_HOOKED"

        def apply(self, problem):
            data, inv = super().apply(problem)
            cols, vals = [], []
            for vid, val in (values or {}).items():
                if vid in problem.var_id_to_col:
                    v = np.asarray(val, dtype=float).ravel(order="F")
                    cols.append(problem.var_id_to_col[vid] + np.arange(v.size))
                    vals.append(v)
            data[_WARM_KEY] = (np.concatenate(cols), np.concatenate(vals)) if cols else None
            return data, inv

        def _solve(self, model, variables, constraints, data, dims):
            if on_model_built is not None:
                on_model_built()
            start = data.get(_WARM_KEY)
            if start is not None:
                sol = model.createPartialSol()
                for col, val in zip(*start):
                    model.setSolVal(sol, variables[int(col)], float(val))
                self.accepted = bool(model.addSol(sol))
                self.n_values = int(start[0].size)
            return super()._solve(model, variables, constraints, data, dims)

    return HookedSCIP()


def solve(problem: cp.Problem, solver: str, *, time_limit: float | None = None,
          node_limit: int | None = None, verbose: bool = False, warm_start: Mapping[cp.Variable, np.ndarray] | None = None,
          on_model_built: Callable[[], None] | None = None, **options: Any) -> SolveRecord:
    """Solve ``problem`` and check the outcome.

    Args:
        problem: The cvxpy problem.
        solver: A cvxpy solver name, normally from :func:`resolve_solver`.
        time_limit: Seconds; for mixed-integer problems a stop at the limit with an incumbent is
            returned as ``status="time_limit"``.
        node_limit: Branch-and-bound nodes (mixed-integer; SCIP, Gurobi): a stop there with an
            incumbent is returned as ``status="node_limit"`` (deterministic, unlike the clock).
        verbose: Solver log to stdout.
        warm_start: Start values of some variables, handed to SCIP as a partial initial solution
            (:func:`_hooked_scip`; SCIP only, ignored by the other solvers). Whether SCIP took it
            is ``SolveRecord.extra["warm_start_accepted"]``.
        on_model_built: Called when SCIP's model is built, right before it optimises (SCIP only).
        **options: Extra solver options passed to ``problem.solve``.

    Returns:
        A :class:`SolveRecord`; variable values are set on the problem.

    Raises:
        SolverError: Failed, infeasible, unbounded or inaccurate solve (other than the recorded
            mixed-integer time limit).
    """
    is_mip = problem.is_mixed_integer()
    opts = {**_time_limit_options(solver, time_limit), **options}
    for key, value in _node_limit_options(solver, node_limit).items():  # merged into scip_params
        opts[key] = {**opts.get(key, {}), **value} if isinstance(value, dict) else value
    backend: Any = solver
    if (warm_start or on_model_built is not None) and solver == "SCIP":
        backend = _hooked_scip({v.id: np.asarray(val, dtype=float) for v, val in (warm_start or {}).items()},
                               on_model_built)
    start = time.perf_counter()
    try:
        problem.solve(solver=backend, verbose=verbose, **opts)
    except cp.error.SolverError as exc:
        raise SolverError(f"{solver} failed: {exc}") from exc
    except KeyError as exc:  # cvxpy's SCIP interface at a node (or gap) limit without any solution
        if is_mip and solver == "SCIP" and exc.args == ("value",):
            raise SolverError(f"{solver} stopped at a limit without a feasible solution (status nodelimit or "
                              "gaplimit: cvxpy's SCIP interface then finds no objective value)") from exc
        raise
    seconds = time.perf_counter() - start
    status = problem.status
    if is_mip:
        bound, nodes, raw = _mip_stats(problem, solver)
        hit_node_limit = raw.lower() in _NODE_LIMIT_STATUSES
        hit_limit = hit_node_limit or raw.lower() in _TIME_LIMIT_STATUSES or (
            solver == "MOSEK" and status == cp.OPTIMAL_INACCURATE and time_limit is not None)
        if status == cp.OPTIMAL or (status == cp.OPTIMAL_INACCURATE and hit_limit):
            objective = float(problem.value)
            if not math.isfinite(objective):
                raise SolverError(f"{solver} returned no finite objective (status {raw})")
            if bound is None or not math.isfinite(bound):
                bound = objective if status == cp.OPTIMAL else float("nan")
            gap = abs(objective - bound) / max(abs(objective), 1e-10)
            rec_status = ("optimal" if status == cp.OPTIMAL and not hit_limit
                          else "node_limit" if hit_node_limit else "time_limit")
            extra = {}
            if backend is not solver and warm_start:
                extra = {"warm_start_accepted": backend.accepted, "warm_start_values": backend.n_values}
            return SolveRecord(solver, rec_status, objective, float(bound), float(gap), nodes,
                               seconds, raw, extra)
        raise SolverError(f"{solver} did not solve the mixed-integer problem: status {status} ({raw})")
    if status != cp.OPTIMAL:
        raise SolverError(f"{solver} did not solve the problem to optimality: status {status}")
    objective = float(problem.value)
    return SolveRecord(solver, "optimal", objective, objective, 0.0,
                       getattr(problem.solver_stats, "num_iters", None), seconds, status)



def _scip_progress_handler(label: str, every: float) -> Any:
    """A PySCIPOpt event handler that logs SCIP's progress to :data:`log` (the job's log).

    One line per new incumbent and, between them, at most one every ``every`` wall seconds when a
    node or an LP is solved: SCIP's clock (``getSolvingTime``), nodes, incumbent, dual bound and the gap as
    :class:`SolveRecord` defines it; a last line when the solve ends (:func:`solve_scip` adds a first
    one: the model's size, the limits and the warm start). Logged through Python's logging, so a MIO in a forked child
    (:mod:`fairopt.core.isolation`) writes to the rule's log file as it runs.
    """
    from pyscipopt import Eventhdlr, SCIP_EVENTTYPE

    # node ends and LP solves (the separation rounds of a long root node) give the periodic lines
    events = SCIP_EVENTTYPE.BESTSOLFOUND | SCIP_EVENTTYPE.NODESOLVED | SCIP_EVENTTYPE.LPSOLVED

    class Progress(Eventhdlr):
        last = -math.inf

        def eventinit(self):
            self.model.catchEvent(events, self)

        def eventexit(self):
            self.model.dropEvent(events, self)

        def eventexec(self, event):
            now = time.perf_counter()
            found = event.getType() == SCIP_EVENTTYPE.BESTSOLFOUND
            if found or now - self.last >= every:
                self.last = now
                self.line("new incumbent" if found else "progress")
            return {}

        def line(self, what: str) -> None:
            model = self.model
            inf = model.infinity()
            best = model.getBestSol() if model.getNSols() > 0 else None
            inc = None if best is None else model.getSolObjVal(best)
            bound = model.getDualbound()
            known = inc is not None and abs(bound) < inf
            log.info("SCIP %s %s: %.1f s, %d nodes, incumbent %s, bound %s, gap %s", label, what,
                     model.getSolvingTime(), model.getNNodes(),
                     "-" if inc is None else f"{inc:.8g}",
                     f"{bound:.8g}" if abs(bound) < inf else "-",
                     f"{100 * abs(inc - bound) / max(abs(inc), 1e-10):.3f}%" if known and inc is not None else "-")

    return Progress()


def solve_scip(model: Any, *, time_limit: float | None = None, node_limit: int | None = None,
               params: Mapping[str, Any] | None = None, start: Any = None,
               on_model_built: Callable[[], None] | None = None, log_every: float | None = 30.0,
               label: str = "MIO", verbose: bool = False) -> SolveRecord:
    """Optimise a PySCIPOpt model built natively and check the outcome (as :func:`solve` does).

    Args:
        model: A ``pyscipopt.Model`` in its problem stage, minimising.
        time_limit: SCIP's ``limits/time`` (seconds of its clock: ``timing/clocktype`` in ``params``).
        node_limit: SCIP's ``limits/nodes`` (deterministic, unlike the clock).
        params: SCIP parameters (``model.setParams``; the two limits win over theirs), e.g. threads,
            ``randomization/randomseedshift``, an Ipopt options file.
        start: ``(variables, values)`` of an initial solution. When it sets every variable it is
            a complete solution, checked against the original problem (``checkSol``) and stored;
            otherwise a partial one that SCIP completes (its ``completesol`` heuristic) or discards.
            ``extra["warm_start_accepted"]`` is what the check (complete) or ``addSol`` (partial)
            answered, ``extra["warm_start_values"]`` the number of values.
        on_model_built: Called right before SCIP optimises (the watchdog's solve deadline).
        log_every: Progress lines in the log (:func:`_scip_progress_handler`): at most one per this
            many seconds besides one per incumbent; ``None``: none.
        label: Names the solve in the progress lines.
        verbose: SCIP's own display output to stdout.

    Returns:
        A :class:`SolveRecord` (``solver="SCIP"``; status ``optimal``, ``time_limit`` or
        ``node_limit``), ``extra``: warm start, ``total_nodes`` (over restarts), ``solving_time``
        (SCIP's clock). Values: ``model.getBestSol()``.

    Raises:
        SolverError: Infeasible, unbounded, failed, or stopped at a limit without a feasible
            solution (the message holds SCIP's status, e.g. ``nodelimit`` or ``timelimit``).
    """
    model.hideOutput(not verbose)
    settings = dict(params or {})
    if time_limit is not None:
        settings["limits/time"] = float(time_limit)
    if node_limit is not None:
        settings["limits/nodes"] = int(node_limit)
    if settings:
        try:
            model.setParams(settings)
        except (KeyError, LookupError) as exc:
            raise ConfigError(f"SCIP parameters {sorted(settings)}: {exc}") from exc
    extra: dict[str, Any] = {}
    if start is not None:
        variables, values = start
        complete = len(variables) == model.getNVars()
        sol = model.createSol() if complete else model.createPartialSol()
        for var, val in zip(variables, values):
            model.setSolVal(sol, var, float(val))
        feasible = bool(model.checkSol(sol, original=True)) if complete else True
        stored = bool(model.addSol(sol)) if feasible else False
        extra.update(warm_start_accepted=feasible and stored, warm_start_values=len(variables))
    if log_every is not None:
        handler = _scip_progress_handler(label, float(log_every))
        model.includeEventhdlr(handler, "fairopt_progress", "progress lines in the job's log")
        log.info("SCIP %s started: %d variables, %d constraints, time limit %s, node limit %s, warm start %s",
                 label, model.getNVars(), model.getNConss(), time_limit, node_limit,
                 "none" if start is None else "accepted" if extra["warm_start_accepted"] else "refused")
    if on_model_built is not None:
        on_model_built()
    begin = time.perf_counter()
    model.optimize()
    seconds = time.perf_counter() - begin
    raw = str(model.getStatus())
    if log_every is not None:
        handler.line(f"ended ({raw})")
    hit_node_limit = raw.lower() in _NODE_LIMIT_STATUSES
    hit_limit = hit_node_limit or raw.lower() in _TIME_LIMIT_STATUSES
    if raw != "optimal" and not hit_limit:
        raise SolverError(f"SCIP did not solve the mixed-integer problem: status {raw}")
    if model.getNSols() == 0:
        raise SolverError(f"SCIP stopped at a limit without a feasible solution (status {raw})")
    objective = float(model.getSolObjVal(model.getBestSol()))
    if not math.isfinite(objective):
        raise SolverError(f"SCIP returned no finite objective (status {raw})")
    bound = float(model.getDualbound())
    if not abs(bound) < model.infinity():
        bound = objective if raw == "optimal" else float("nan")
    gap = abs(objective - bound) / max(abs(objective), 1e-10)
    status = "optimal" if raw == "optimal" else "node_limit" if hit_node_limit else "time_limit"
    extra.update(total_nodes=int(model.getNTotalNodes()), solving_time=float(model.getSolvingTime()))
    return SolveRecord("SCIP", status, objective, bound, float(gap), int(model.getNNodes()), seconds, raw, extra)
