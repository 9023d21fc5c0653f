"""Mixed-integer formulations of fair regression and their convex relaxations.

The relaxations (and MIOs for MOSEK/Gurobi) are cvxpy problems (:func:`build_bigm`,
:func:`build_strong`); a SCIP MIO is built natively in PySCIPOpt by default
(:mod:`fairopt.methods.fairreg.native`, the same mathematics; ``interface="cvxpy"`` keeps cvxpy's SCIP
interface, whose model build outside SCIP's clock grows with cones x nonzeros).

Notation: rows ``i = 1..m``, thresholds ``b_1 < ... < b_l`` (stored 0-based as ``b[0..l-1]``),
``t_i = w'x_i``, row weights ``c_i = 1/m - a_i/m_1``, separation margin ``delta`` (see
:mod:`fairopt.methods.fairreg.objective`). Both formulations minimise ``sum_i loss_i + lambda * u`` with
the fairness epigraph ``u >= +-D_j``, ``D_j = sum_i c_i z_ij`` for every ``j`` (both signs of the
difference, i.e. the absolute value of the slides' objective).

**Big-M** (slides, "A First Formulation"; reference note)::

    t_i - b_j + delta <= M z_ij            (z_ij = 0  =>  t_i <= b_j - delta)
    b_j + delta - t_i <= M (1 - z_ij)      (z_ij = 1  =>  t_i >= b_j + delta)
    z_i1 >= z_i2 >= ... >= z_il,  z in {0,1}^{m x l},  loss_i = (t_i - y_i)^2

with ``M`` from :func:`fairopt.methods.fairreg.bounds.big_m` (valid for every optimal solution).

**Strong** (perspective / ``cl conv(X_i)``, slides "Strong Reformulation"; reference note):
intervals ``I_0 = (-inf, b_1]``, ``I_k = (b_k, b_{k+1}]``, ``I_l = (b_l, inf)``, shrunk by
``delta`` at each finite end::

    t_i = sum_k t_ik,  sum_k p_ik = 1,  p_ik >= 0,
    (b_k + delta) p_ik <= t_ik <= (b_{k+1} - delta) p_ik    (no bound at an infinite end),
    z_ij = sum_{k >= j} p_ik,
    loss_i = sum_k r_ik,   (t_ik - y_i p_ik)^2 <= r_ik p_ik     (rotated second-order cones)

``(t_ik - y_i p_ik)^2 / p_ik`` is the perspective of the squared loss on interval ``k``; with
``p`` binary this is the exact MICQO, with ``p in [0, 1]`` the paper's convex (SOCP)
relaxation. The slides' form with increments ``p_0..p_l`` is an equivalent linear change of
variables. Option ``box=True`` replaces the infinite ends by the valid prediction bounds
``[L_i, U_i]`` of :mod:`fairopt.methods.fairreg.bounds` (and fixes ``p_ik = 0`` for intervals outside
them) -- still exact, with a tighter relaxation. Defaults: on for the MIO (:func:`solve_mio`;
with unbounded end intervals SCIP's 1e-6 tolerance on the cones lets ``t_ik`` drift by ~5e-4 at
``p_ik = 0``, more than ``delta``), off for the relaxation (:func:`solve_relaxation`, the
paper's). Both MIOs are *polished*: the least-squares QP of the solver's indicator pattern is
re-solved with Clarabel (:class:`~fairopt.methods.fairreg.pattern.PatternQP`) and its ``w`` kept when
its exact objective is no worse.

**The relaxation saturates** (a property of the strong relaxation, not a scaling or tolerance
artefact; checked on full Communities by re-solving at Clarabel's 1e-8 tolerances):
with ``p`` fractional a row can spread its mass over intervals so that every ``D_j`` is 0, at a
finite loss cost. Once ``lambda`` exceeds the price of that point (the sum of the duals of
``u >= +-D_j``, 496.8 = 0.498 m on Communities) the relaxed unfairness ``u`` is exactly 0 and the
optimum no longer depends on ``lambda``: relaxed loss 30.0761 for every ``lambda/m`` in
{0.5, 1, 2, 10} (to 1e-5), ``w`` equal up to the solver's tolerance (max difference 2e-3), while the
exact unfairness of that ``w`` is 0.0145, not 0. Hence identical relaxation models for every
``lambda >= 0.5`` on Communities (``>= 0.02`` on the 4,000-row Law School subsample); CD-relax then
starts from the same point and only its own fairness weight differs.

**Delta-separation.** The MIOs (and their bounds) exclude predictions within ``delta`` of a
threshold; the exact objective (strict indicator) does not. A model scored exactly -- CD's -- can
therefore beat a MIO's "proven" optimum by O(delta) (up to 0.86% on tiny instances): gaps are
computed against the best model known and flagged when below the bound
(:func:`fairopt.studies.fairreg.tables.summarize`).

**Warm start.** ``warm_start`` hands the MIO an initial solution built from a model (the study uses
the better of least squares and CD-relax): the delta-separated model of its interval pattern
(:func:`warm_start_pattern`), completed natively into a value of every variable
(:func:`fairopt.methods.fairreg.native.start_values`, checked by SCIP before it is stored) or, through
cvxpy, handed over partially (:func:`warm_start_values`; SCIP completes it).

**Limits.** A MIO stops at the first of its limits: ``time_limit`` (SCIP's ``limits/time``, a clock:
with the study's ``timing/clocktype 1`` CPU seconds, still dependent on the machine and its load, so
two runs stopped there differ in incumbent, bound and node count) and ``node_limit`` (``limits/nodes``:
deterministic -- the same nodes are processed on every machine). The status says which stopped it
(``"node_limit"`` / ``"time_limit"``; :class:`NoIncumbentError` carries it for a stop without a
feasible solution). The smoke preset sets a node limit with the clock as a generous backstop, the
paper's runs the slides' clock limit alone.

**Result definitions** (:class:`FormulationResult`): ``objective`` is ``f(w)`` of the returned
``w`` re-evaluated exactly (:func:`fairopt.methods.fairreg.objective.objective`), ``solver_objective``
is the solver's value, ``best_bound`` a lower bound on the optimum of the delta-separated
problem: the MIO's dual bound, or the optimal value of a relaxation. For the slides' tables:

* relaxation gap ``= (f_best - relaxation bound) / f_best`` with ``f_best`` the best objective
  known for the instance (:func:`relative_gap`);
* end gap ``= (incumbent - best bound) / incumbent`` of a MIO at its time limit (the solver's
  gap, :attr:`fairopt.core.solvers.SolveRecord.gap`).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import cvxpy as cp
import numpy as np
import scipy.sparse as sp

from fairopt.methods.fairreg.bounds import PredictionBounds, big_m, prediction_bounds
from fairopt.methods.fairreg.objective import DEFAULT_DELTA, Instance, objective, objective_parts
from fairopt.methods.fairreg.pattern import PatternQP
from fairopt.methods.fairreg.native import build_bigm_scip, build_strong_scip, pattern_of, start_values
from fairopt.core.errors import ConfigError, SolverError
from fairopt.core.solvers import SolveRecord, resolve_solver, solve, solve_scip

__all__ = [
    "LIMIT_STATUSES",
    "NoIncumbentError",
    "FormulationResult",
    "build_bigm",
    "build_strong",
    "solve_formulation",
    "solve_mio",
    "solve_relaxation",
    "relative_gap",
]

FORMULATIONS = ("bigm", "strong")
#: how a SCIP MIO is built (:func:`solve_formulation`)
INTERFACES = ("native", "cvxpy")


#: Clarabel settings tried in turn when a relaxation ends with reduced accuracy
CLARABEL_RETRIES = ({"equilibrate_enable": False}, {"static_regularization_constant": 1e-7},
                    {"iterative_refinement_reltol": 1e-14, "iterative_refinement_abstol": 1e-14})


#: the limits a MIO can stop at (and the status of a stop there with an incumbent)
LIMIT_STATUSES = ("node_limit", "time_limit")


class NoIncumbentError(SolverError):
    """A mixed-integer solve that reached a limit without any feasible solution.

    Attributes:
        limit: The limit that stopped it: ``"node_limit"`` or ``"time_limit"`` (:data:`LIMIT_STATUSES`).
    """

    def __init__(self, message: str, limit: str = "time_limit"):
        super().__init__(message)
        self.limit = limit

    def __reduce__(self):  # keeps ``limit`` across the pipe of fairopt.core.isolation
        return type(self), (str(self), self.limit)


@dataclass
class FormulationResult:
    """Outcome of one formulation solve.

    Attributes:
        formulation: ``"bigm"`` or ``"strong"``.
        relaxed: True for the continuous relaxation.
        w: The model (for a relaxation: its ``w`` part, used as a heuristic and as CD start).
        objective: Exact ``f(w)`` (strict indicator); loss and unfairness: its two parts.
        solver_objective: The solver's objective value.
        status: ``"optimal"``, ``"node_limit"`` or ``"time_limit"`` (a MIO stopped at that limit with
            an incumbent; :func:`fairopt.core.solvers.solve`).
        best_bound: Lower bound on the delta-separated optimum.
        gap: Solver gap ``|objective - bound| / |objective|`` (0 for a relaxation).
        nodes: Branch-and-bound nodes (MIO) or iterations (relaxation).
        seconds: Solve time (``problem.solve``; native SCIP: ``optimize``); build_seconds: model
            construction time (measured: the study writes both to timing files, never to result rows).
        big_m: The big-M value (big-M only); details: bounds and sizes.
    """

    formulation: str
    relaxed: bool
    w: np.ndarray
    objective: float
    loss: float
    unfairness: float
    solver_objective: float
    status: str
    best_bound: float
    gap: float
    nodes: int | None
    seconds: float
    build_seconds: float
    solver: str
    big_m: float | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def as_row(self, prefix: str = "") -> dict[str, Any]:
        """Flat dict of the scalar fields (for result tables), keys prefixed with ``prefix``."""
        keys = ["objective", "loss", "unfairness", "solver_objective", "status", "best_bound",
                "gap", "nodes", "seconds", "build_seconds", "solver", "big_m"]
        return {prefix + k: getattr(self, k) for k in keys}


def _fairness_rows(c: np.ndarray, l: int, n_levels: int, levels_above) -> sp.csr_matrix:  # noqa: E741
    """Sparse ``(l, m*n_levels)`` matrix G with ``D = G @ vec`` (row-major flattening)."""
    m = c.size
    rows, cols, vals = [], [], []
    for j in range(l):
        for k in levels_above(j):
            rows.append(np.full(m, j))
            cols.append(np.arange(m) * n_levels + k)
            vals.append(c)
    return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                         shape=(l, m * n_levels))


def build_bigm(inst: Instance, lam: float, *, M: float, delta: float = DEFAULT_DELTA,
               relax: bool = False) -> tuple[cp.Problem, dict[str, cp.Variable]]:
    """The big-M formulation (module docstring); ``relax=True``: ``z in [0, 1]``.

    Returns:
        ``(problem, variables)`` with variables ``w``, ``z`` (flattened ``m*l``, row-major), ``u``.
    """
    m, l, b = inst.m, inst.l, inst.thresholds
    w = cp.Variable(inst.n, name="w")
    z = cp.Variable(m * l, boolean=not relax, name="z")
    u = cp.Variable(nonneg=True, name="u")
    t = inst.X @ w
    # E maps t (m) to the (i, j) pairs; bvec the matching thresholds
    E = sp.kron(sp.identity(m, format="csr"), np.ones((l, 1)), format="csr")
    bvec = np.tile(b, m)
    tz = E @ t
    cons = [tz - bvec + delta <= M * z, bvec + delta - tz <= M * (1 - z)]
    if relax:
        cons += [z >= 0, z <= 1]
    if l > 1:
        first = (np.arange(m)[:, None] * l + np.arange(l - 1)[None, :]).ravel()
        cons.append(z[first] >= z[first + 1])
    G = _fairness_rows(inst.c, l, l, lambda j: [j])
    D = G @ z
    cons += [u >= D, u >= -D]
    problem = cp.Problem(cp.Minimize(cp.sum_squares(t - inst.y) + lam * u), cons)
    return problem, {"w": w, "z": z, "u": u}


def build_strong(inst: Instance, lam: float, *, delta: float = DEFAULT_DELTA, relax: bool = False,
                 bounds: PredictionBounds | None = None) -> tuple[cp.Problem, dict[str, cp.Variable]]:
    """The strong (perspective) formulation (module docstring); ``relax=True``: ``p in [0, 1]``.

    Args:
        bounds: If given, the box variant: the end intervals are bounded by ``[L_i, U_i]`` and
            intervals outside them are removed (``p_ik = 0``).

    Returns:
        ``(problem, variables)`` with ``w``, ``t``, ``p``, ``r`` (flattened ``m*(l+1)``,
        row-major: index ``i*(l+1) + k``) and ``u``.
    """
    m, l, b = inst.m, inst.l, inst.thresholds
    K = l + 1
    N = m * K
    low = np.tile(np.concatenate([[-np.inf], b + delta]), (m, 1))
    high = np.tile(np.concatenate([b - delta, [np.inf]]), (m, 1))
    if bounds is not None:
        low = np.maximum(low, bounds.lower[:, None])
        high = np.minimum(high, bounds.upper[:, None])
    empty = (low > high).ravel()
    low, high = low.ravel(), high.ravel()
    w = cp.Variable(inst.n, name="w")
    tk = cp.Variable(N, name="t")
    p = cp.Variable(N, boolean=not relax, name="p")
    r = cp.Variable(N, nonneg=True, name="r")
    u = cp.Variable(nonneg=True, name="u")
    S = sp.kron(sp.identity(m, format="csr"), np.ones((1, K)), format="csr")  # row sums
    cons = [S @ tk == inst.X @ w, S @ p == 1]
    if relax:
        cons.append(p >= 0)
    ok_lo = np.flatnonzero(np.isfinite(low) & ~empty)
    ok_hi = np.flatnonzero(np.isfinite(high) & ~empty)
    cons.append(tk[ok_lo] >= cp.multiply(low[ok_lo], p[ok_lo]))
    cons.append(tk[ok_hi] <= cp.multiply(high[ok_hi], p[ok_hi]))
    if empty.any():
        idx = np.flatnonzero(empty)
        cons += [p[idx] == 0, tk[idx] == 0]
    yv = np.repeat(inst.y, K)
    # rotated cone (t - y p)^2 <= r p  <=>  ||(2(t - y p), r - p)||_2 <= r + p
    cons.append(cp.SOC(r + p, cp.vstack([2 * (tk - cp.multiply(yv, p)), r - p]), axis=0))
    # D_j = sum_i c_i z_ij = sum_i c_i sum_{k > j} p_ik. Written directly this has m*l*(l+1)/2
    # nonzeros (a dense block in the KKT system); instead aggregate p once per (group, interval)
    # in an auxiliary variable q_gk = sum_{i in g} p_ik (m*(l+1) nonzeros), c_i being constant
    # within a group: D_j = sum_g c_g sum_{k > j} q_gk.
    groups = [np.flatnonzero(inst.a == g) for g in (0, 1)]
    groups = [idx for idx in groups if idx.size]
    agg_rows = np.concatenate([np.full(idx.size * K, gi * K + np.tile(np.arange(K), idx.size))
                               for gi, idx in enumerate(groups)])
    agg_cols = np.concatenate([(idx[:, None] * K + np.arange(K)[None, :]).ravel() for idx in groups])
    A_agg = sp.csr_matrix((np.ones(agg_cols.size), (agg_rows, agg_cols)), shape=(len(groups) * K, N))
    q = cp.Variable(len(groups) * K, name="q")
    cons.append(q == A_agg @ p)
    H = np.zeros((l, len(groups) * K))
    for gi, idx in enumerate(groups):
        cg = inst.c[idx[0]]
        for j in range(l):
            H[j, gi * K + j + 1: gi * K + K] = cg  # intervals k > j
    D = H @ q
    cons += [u >= D, u >= -D]
    problem = cp.Problem(cp.Minimize(cp.sum(r) + lam * u), cons)
    return problem, {"w": w, "t": tk, "p": p, "r": r, "u": u}


def solve_formulation(inst: Instance, lam: float, formulation: str, *, relax: bool,
                      solver: str, time_limit: float | None = None,
                      delta: float = DEFAULT_DELTA, bounds: PredictionBounds | None = None,
                      box: bool = False, big_m_value: float | None = None,
                      polish: bool = True, polish_solver: str = "clarabel",
                      warm_start: np.ndarray | None = None, node_limit: int | None = None,
                      progress: Callable[..., None] | None = None, interface: str = "native",
                      log_every: float | None = 30.0,
                      verbose: bool = False, **solver_options: Any) -> FormulationResult:
    """Build and solve one formulation (MIO or relaxation) and score its ``w`` exactly.

    Args:
        inst: Instance.
        lam: Fairness weight lambda.
        formulation: ``"bigm"`` or ``"strong"``.
        relax: Continuous relaxation instead of the mixed-integer problem.
        solver: Config solver name (``"scip"`` for MIO, ``"clarabel"`` for relaxations).
        time_limit: Seconds (MIO: a stop at the limit with an incumbent is ``"time_limit"``). A clock:
            where it binds, the incumbent, bound and node count depend on the machine and its load.
        delta: Separation margin.
        bounds: Prediction bounds (computed with :func:`prediction_bounds` when omitted and
            needed: big-M, or ``box``).
        box: Strong formulation only: use the bounds as a box (see :func:`build_strong`).
        big_m_value: Override the derived big-M.
        polish: MIO only: re-solve the least-squares QP of the solver's indicator pattern
            (:class:`~fairopt.methods.fairreg.pattern.PatternQP`, Clarabel) and keep that ``w`` when its
            exact objective is no worse. This removes the effect of the MIO solver's feasibility
            tolerance (SCIP: 1e-6 on the cone constraints lets ``|t_ik|`` reach ~5e-4 at
            ``p_ik = 0`` on an unbounded end interval) on the returned model.
        polish_solver: Conic solver for the polishing QP.
        warm_start: MIO only: a model ``w`` handed to the solver as its initial solution
            (:func:`warm_start_values`: the interval pattern of ``w``, its delta-separated
            least-squares model and the matching indicators; SCIP completes the rest). The details
            record its objective and whether the solver took it (``warm_start_*``).
        node_limit: MIO only (SCIP): branch-and-bound nodes, SCIP's ``limits/nodes`` (``None``: no
            limit). Deterministic, unlike the clock: with it binding before ``time_limit``, two runs
            give the same incumbent, bound, gap and node count; a stop there with an incumbent is
            ``"node_limit"``.
        progress: Called as ``progress("built", seconds=<seconds since the call>, cpu_seconds=<this
            process's CPU seconds since the call>)`` once the model is built: for SCIP when it starts
            to optimize (``on_model_built`` of
            :func:`fairopt.core.solvers.solve_scip` / :func:`~fairopt.core.solvers.solve`), for other
            solvers when the cvxpy problem is. The watchdog of
            :func:`fairopt.core.isolation.run_isolated` starts its solve deadline there.
        interface: How a SCIP MIO is built: ``"native"`` (default: PySCIPOpt directly,
            :mod:`fairopt.methods.fairreg.native`, solved by :func:`~fairopt.core.solvers.solve_scip`)
            or ``"cvxpy"`` (the cvxpy problem through cvxpy's SCIP interface, whose model build grows
            with cones x nonzeros: kept as the rival of the build benchmark and for agreement tests).
            Relaxations and the other MIO solvers always go through cvxpy.
        log_every: Native SCIP MIO: a progress line (time, nodes, incumbent, bound, gap) in the log at
            most every this many seconds and at each new incumbent (``None``: none).
        verbose: Solver log.
        **solver_options: Passed to :func:`fairopt.core.solvers.solve` (``scip_params`` keep the
            time and node limits); the native SCIP path takes ``scip_params`` only.

    Raises:
        NoIncumbentError: A MIO stopped at a limit without a feasible solution, with the limit
            (:func:`_no_incumbent_limit`).
        SolverError: Any other failed or inaccurate solve. A relaxation on which Clarabel stalls
            (``optimal_inaccurate``) is first re-solved with :data:`CLARABEL_RETRIES`, recorded in
            ``details["clarabel_retries"]``.
    """
    if formulation not in FORMULATIONS:
        raise ValueError(f"formulation must be one of {FORMULATIONS}, got {formulation!r}")
    if interface not in INTERFACES:
        raise ValueError(f"interface must be one of {INTERFACES}, got {interface!r}")
    cvx_solver = resolve_solver(solver, mixed_integer=not relax)
    start, cpu_start = time.perf_counter(), time.process_time()
    if bounds is None and (formulation == "bigm" or box):
        bounds = prediction_bounds(inst, lam, delta)
    M = None
    if formulation == "bigm":
        assert bounds is not None  # computed above for bigm
        M = big_m(bounds, inst.thresholds, delta) if big_m_value is None else float(big_m_value)
    if not relax and cvx_solver == "SCIP" and interface == "native":
        return _solve_native(inst, lam, formulation, start=start, cpu_start=cpu_start, M=M, bounds=bounds,
                             box=box, delta=delta,
                             warm_start=warm_start, time_limit=time_limit, node_limit=node_limit,
                             polish=polish, polish_solver=polish_solver, progress=progress,
                             log_every=log_every, verbose=verbose, solver_options=solver_options)
    if formulation == "bigm":
        assert M is not None  # set above for bigm
        problem, var = build_bigm(inst, lam, M=M, delta=delta, relax=relax)
    else:
        problem, var = build_strong(inst, lam, delta=delta, relax=relax,
                                    bounds=bounds if box else None)
    warm: dict[str, Any] = {}
    if warm_start is not None and not relax:
        values, warm = warm_start_values(inst, lam, formulation, var, warm_start, delta, polish_solver)
        if values:
            solver_options = {**solver_options, "warm_start": values}
    build_seconds = time.perf_counter() - start
    if progress is not None and (relax or cvx_solver != "SCIP"):
        progress("built", seconds=build_seconds)
    node_limit = None if relax else node_limit
    if node_limit is not None and cvx_solver != "SCIP":
        raise SolverError(f"a node limit is passed to SCIP only, not to {cvx_solver} "
                          "(config key fairreg.solvers.mio_node_limit)")
    limits = {}
    if cvx_solver == "SCIP" and time_limit is not None:
        limits["limits/time"] = float(time_limit)
    if node_limit is not None:
        limits["limits/nodes"] = int(node_limit)
    if limits and ("scip_params" in solver_options or node_limit is not None):
        # solver options replace fairopt.core.solvers' own scip_params: keep the limits in them
        solver_options = {**solver_options,
                          "scip_params": {**solver_options.get("scip_params", {}), **limits}}
    solve_start = time.perf_counter()
    retries: list[dict[str, Any]] = []
    try:
        # the watchdog's solve deadline starts when SCIP's model exists (most of the set-up happens in there)
        built = (lambda: progress("built", seconds=time.perf_counter() - start,
                                  cpu_seconds=time.process_time() - cpu_start)) \
            if progress is not None and not relax and cvx_solver == "SCIP" else None
        rec: SolveRecord = solve(problem, cvx_solver, time_limit=time_limit, verbose=verbose,
                                 on_model_built=built, **solver_options)
    except SolverError as exc:
        limit = None if relax else _no_incumbent_limit(exc, node_limit, time_limit,
                                                        time.perf_counter() - solve_start)
        if limit is not None:
            what = f"{node_limit} node" if limit == "node_limit" else f"{time_limit:g} s time"
            raise NoIncumbentError(f"{formulation} MIO: no feasible solution within the {what} limit "
                                   f"({type(exc).__name__}: {exc})", limit) from exc
        if not (relax and cvx_solver == "CLARABEL" and problem.status == cp.OPTIMAL_INACCURATE):
            raise
        rec = _retry_clarabel(problem, exc, retries, time_limit, verbose, solver_options)
    if rec.status not in ("optimal", *LIMIT_STATUSES):
        raise SolverError(f"{formulation}: unexpected solve status {rec.status!r}")
    sizes = {"n_variables": int(sum(v.size for v in problem.variables())),
             "n_integer": int(sum(v.size for v in problem.variables()
                                  if v.attributes.get("boolean") or v.attributes.get("integer")))}
    details = {**sizes, "solver_seconds": _solver_seconds(problem, rec), "clarabel_retries": retries,
               "interface": "cvxpy", **warm}
    if warm:
        details["warm_start_accepted"] = rec.extra.get("warm_start_accepted")
    extra = getattr(problem.solver_stats, "extra_stats", None)
    if isinstance(extra, dict) and "model" in extra:  # SCIP: nodes over all restarts
        details["total_nodes"] = int(extra["model"].getNTotalNodes())
    pattern = None if relax else _pattern_of(formulation, var, inst.m, inst.l)
    return _result(inst, lam, formulation, relax, np.asarray(var["w"].value, dtype=float), rec, details,
                   bounds=bounds, box=box, delta=delta, M=M, build_seconds=build_seconds,
                   pattern=pattern if polish else None, polish_solver=polish_solver)


def _result(inst: Instance, lam: float, formulation: str, relax: bool, w: np.ndarray, rec: SolveRecord,
            details: dict[str, Any], *, bounds: PredictionBounds | None, box: bool, delta: float,
            M: float | None, build_seconds: float, pattern: np.ndarray | None,
            polish_solver: str) -> FormulationResult:
    """The :class:`FormulationResult` of a solve: ``w`` scored exactly, polished at ``pattern``
    (MIO: the least-squares QP of the solver's indicator pattern, kept when no worse)."""
    loss, unf = objective_parts(inst, w)
    details = {"rho": bounds.rho if bounds else None,
               "bound_source": bounds.source if bounds else None,
               "upper_objective": bounds.upper_objective if bounds else None,
               "delta": delta, "box": bool(box), "solver_status": rec.solver_status,
               "objective_unpolished": loss + lam * unf, "polished": False, **details}
    if pattern is not None:
        res = PatternQP(inst, delta, polish_solver).solve_pattern(pattern)
        if res is not None:
            loss_p, unf_p = objective_parts(inst, res[1])
            if loss_p + lam * unf_p <= loss + lam * unf:
                w, loss, unf = res[1], loss_p, unf_p
                details["polished"] = True
    return FormulationResult(formulation, relax, w, loss + lam * unf, loss, unf, rec.objective,
                             rec.status, rec.best_bound, rec.gap, rec.nodes, rec.seconds,
                             build_seconds, rec.solver, M, details)


def _solve_native(inst: Instance, lam: float, formulation: str, *, start: float, cpu_start: float,
                  M: float | None,
                  bounds: PredictionBounds | None, box: bool, delta: float, warm_start: np.ndarray | None,
                  time_limit: float | None, node_limit: int | None, polish: bool, polish_solver: str,
                  progress: Callable[..., None] | None, log_every: float | None, verbose: bool,
                  solver_options: dict[str, Any]) -> FormulationResult:
    """A SCIP MIO built natively (:mod:`fairopt.methods.fairreg.native`) and solved by
    :func:`fairopt.core.solvers.solve_scip` (arguments as :func:`solve_formulation`; ``start``,
    ``cpu_start``: its wall and CPU clocks at the call)."""
    unknown = sorted(set(solver_options) - {"scip_params"})
    if unknown:
        raise ConfigError(f"native SCIP MIO: unknown solver options {unknown} (only scip_params)")
    if formulation == "bigm":
        assert M is not None  # solve_formulation sets M for bigm
        nm = build_bigm_scip(inst, lam, M=M, delta=delta)
    else:
        nm = build_strong_scip(inst, lam, delta=delta, bounds=bounds if box else None)
    warm: dict[str, Any] = {}
    values = None
    if warm_start is not None:
        pattern, warm = warm_start_pattern(inst, lam, warm_start, delta, polish_solver)
        if pattern is not None:
            values = start_values(nm, inst, *pattern)
    build_seconds = time.perf_counter() - start
    built = (lambda: progress("built", seconds=time.perf_counter() - start,
                              cpu_seconds=time.process_time() - cpu_start)) if progress is not None else None
    solve_start = time.perf_counter()
    try:
        rec = solve_scip(nm.model, time_limit=time_limit, node_limit=node_limit,
                         params=solver_options.get("scip_params"), start=values, on_model_built=built,
                         log_every=log_every, label=f"{formulation} MIO (m={inst.m}, lambda={lam:g})",
                         verbose=verbose)
    except SolverError as exc:
        limit = _no_incumbent_limit(exc, node_limit, time_limit, time.perf_counter() - solve_start)
        if limit is not None:
            what = f"{node_limit} node" if limit == "node_limit" else f"{time_limit:g} s time"
            raise NoIncumbentError(f"{formulation} MIO: no feasible solution within the {what} limit "
                                   f"({type(exc).__name__}: {exc})", limit) from exc
        raise
    details = {"n_variables": int(nm.model.getNVars()), "n_integer": nm.n_integer,
               "solver_seconds": rec.extra["solving_time"], "clarabel_retries": [], "interface": "native",
               "total_nodes": rec.extra["total_nodes"], **warm}
    if warm:
        details["warm_start_accepted"] = rec.extra.get("warm_start_accepted", False)
    return _result(inst, lam, formulation, False, nm.values("w"), rec, details, bounds=bounds, box=box,
                   delta=delta, M=M, build_seconds=build_seconds,
                   pattern=pattern_of(nm, inst) if polish else None, polish_solver=polish_solver)


def _no_incumbent_limit(exc: BaseException, node_limit: int | None, time_limit: float | None,
                        waited: float) -> str | None:
    """The limit at which a failed MIO solve stopped without a feasible solution, or ``None`` (a
    genuine failure, re-raised).

    * ``"node_limit"``: a node limit was set and the failure says ``nodelimit``
      (:func:`fairopt.core.solvers.solve` reports SCIP's stop at a node or gap limit without a
      solution so; only a node limit can cause it here, no gap limit is set).
    * ``"time_limit"``: a time limit was set and the failure says ``timelimit``
      (:func:`fairopt.core.solvers.solve_scip`), or the solve ran at least ``time_limit`` seconds (through
      cvxpy, SCIP's ``timelimit`` without a solution reaches us as a solver failure without its status).
    """
    text = f"{type(exc).__name__}: {exc}".lower()
    if node_limit is not None and "nodelimit" in text:
        return "node_limit"
    if time_limit is not None and "timelimit" in text:
        return "time_limit"
    if isinstance(exc, SolverError) and time_limit is not None and waited >= time_limit:
        return "time_limit"
    return None


def _retry_clarabel(problem: cp.Problem, first: SolverError, retries: list[dict[str, Any]],
                    time_limit: float | None, verbose: bool,
                    solver_options: dict[str, Any]) -> SolveRecord:
    """Re-solve a relaxation on which Clarabel stalled with each of :data:`CLARABEL_RETRIES`.

    Clarabel occasionally ends a strong relaxation with reduced accuracy (status
    ``optimal_inaccurate``) a few iterations from the optimum; without equilibration, with a
    smaller static regularisation or with tighter iterative refinement it converges. Every try is
    appended to ``retries`` (and recorded in the result's details); an inaccurate value is never
    returned.

    Raises:
        SolverError: Every retry failed too (the first error chained).
    """
    for opts in CLARABEL_RETRIES:
        try:
            rec = solve(problem, "CLARABEL", time_limit=time_limit, verbose=verbose,
                        **{**solver_options, **opts})
            retries.append({"options": opts, "status": "optimal"})
            return rec
        except SolverError as exc:
            retries.append({"options": opts, "status": str(problem.status), "error": str(exc)})
    raise SolverError(f"CLARABEL: relaxation inaccurate after {len(retries)} retries ({first})") from first


def _solver_seconds(problem: cp.Problem, rec: SolveRecord) -> float:
    """The solver's own solve time (SCIP: ``getSolvingTime``, Clarabel: its solve time).

    ``rec.seconds`` is the wall time of ``problem.solve``, which also holds cvxpy's compilation
    and the solver interface's model construction (for SCIP through cvxpy the latter grows with
    cones x nonzeros); the solver's time is what its time limit bounds and what the slides report.
    """
    value = getattr(problem.solver_stats, "solve_time", None)
    return float(value) if value is not None and np.isfinite(value) else float(rec.seconds)


def warm_start_values(inst: Instance, lam: float, formulation: str, var: dict[str, cp.Variable],
                      w_start: np.ndarray, delta: float,
                      qp_solver: str = "clarabel") -> tuple[dict[cp.Variable, np.ndarray], dict[str, Any]]:
    """Initial MIO values from a model ``w_start`` (e.g. least squares or CD-relax).

    The interval pattern ``k_i = #{j : x_i'w > b_j}`` of ``w_start`` is feasible for the MIO only
    with every prediction at least ``delta`` from a threshold; its delta-separated least-squares
    model (:class:`~fairopt.methods.fairreg.pattern.PatternQP`) is, when the pattern admits one.
    Values: ``w`` and the indicators of that pattern (big-M ``z_ij = 1(k_i > j)``; strong
    ``p_ik = 1(k = k_i)`` and ``t_ik = p_ik t_i``); the solver completes the epigraph and cone
    variables.

    Returns:
        ``(values by variable, record)``; ``values`` is empty when the pattern is infeasible under the
        separation. The record holds ``warm_start_objective`` (exact objective of ``w_start``) and
        ``warm_start_separated_objective`` (of the separated model, ``None`` when infeasible).
    """
    pattern, record = warm_start_pattern(inst, lam, w_start, delta, qp_solver)
    if pattern is None:
        return {}, record
    w, k = pattern
    m, l = inst.m, inst.l
    values: dict[cp.Variable, np.ndarray] = {var["w"]: w}
    if formulation == "bigm":
        values[var["z"]] = (k[:, None] > np.arange(l)[None, :]).astype(float).ravel()
    else:
        p = np.zeros((m, l + 1))
        p[np.arange(m), k] = 1.0
        values[var["p"]] = p.ravel()
        values[var["t"]] = (p * (inst.X @ w)[:, None]).ravel()
    return values, record


def warm_start_pattern(inst: Instance, lam: float, w_start: np.ndarray, delta: float,
                       qp_solver: str = "clarabel") -> tuple[tuple[np.ndarray, np.ndarray] | None, dict[str, Any]]:
    """The delta-separated model of ``w_start``'s interval pattern (:func:`warm_start_values`).

    Returns:
        ``((w, k) or None, record)``: the pattern's least-squares model and the pattern
        ``k_i = #{j : x_i'w_start > b_j}`` (``None`` when infeasible under the separation), and the
        record of :func:`warm_start_values`.
    """
    w_start = np.asarray(w_start, dtype=float)
    record: dict[str, Any] = {"warm_start_objective": float(objective(inst, lam, w_start)),
                              "warm_start_separated_objective": None}
    t0 = inst.X @ w_start
    k = (t0[:, None] > inst.thresholds[None, :]).sum(axis=1).astype(int)
    res = PatternQP(inst, delta, qp_solver).solve_pattern(k)
    if res is None:
        return None, record
    w = np.asarray(res[1], dtype=float)
    record["warm_start_separated_objective"] = float(objective(inst, lam, w))
    return (w, k), record


def _pattern_of(formulation: str, var: dict[str, cp.Variable], m: int, l: int) -> np.ndarray:  # noqa: E741
    """Interval pattern ``k`` of a mixed-integer solution (``z_ij = 1(k_i > j)``)."""
    if formulation == "bigm":
        return np.rint(np.asarray(var["z"].value).reshape(m, l)).sum(axis=1).astype(int)
    return np.argmax(np.asarray(var["p"].value).reshape(m, l + 1), axis=1).astype(int)


def solve_mio(inst: Instance, lam: float, formulation: str, *, solver: str = "scip",
              time_limit: float | None = None, box: bool = True, **kwargs: Any) -> FormulationResult:
    """The mixed-integer problem (default SCIP); see :func:`solve_formulation`.

    The strong MIO uses the box variant by default (bounded end intervals: exact, numerically
    safer for SCIP and using the same prediction bounds as the big-M value).
    """
    return solve_formulation(inst, lam, formulation, relax=False, solver=solver,
                             time_limit=time_limit, box=box, **kwargs)


def solve_relaxation(inst: Instance, lam: float, formulation: str = "strong", *,
                     solver: str = "clarabel", box: bool = False, **kwargs: Any) -> FormulationResult:
    """The continuous relaxation (default Clarabel); see :func:`solve_formulation`.

    The strong relaxation is the paper's (infinite end intervals) by default; ``box=True`` gives
    the root relaxation of the default strong MIO.
    """
    return solve_formulation(inst, lam, formulation, relax=True, solver=solver, box=box, **kwargs)


def relative_gap(upper: float, lower: float) -> float:
    """``(upper - lower) / |upper|`` (the slides' relaxation and optimality gaps)."""
    return float((upper - lower) / max(abs(upper), 1e-12))
