"""The fair-regression study's methods, looked up by name in two registries.

:data:`SYNTHETIC` -- one (instance, lambda) of the slides' synthetic tables:

* ``ls``: least squares (reference, always cheap);
* ``relax_bigm``, ``relax_strong``: the continuous relaxations (Clarabel by default); the strong one
  is the paper's (infinite end intervals) and its ``w`` is the "relax" model;
* ``bigm``, ``strong``: the MIOs (SCIP by default) at a time limit, guarded
  (:func:`fairopt.methods.fairreg.mio.run_mio`: a child process with a wall-clock limit, one
  re-solve with fallback options after a crash; the row carries the status), warm-started with the
  better of least squares and CD-relax (config ``fairreg.solvers.warm_start_mio``; the row records
  the start, its objective and whether SCIP took it);
* ``cd0``, ``cd_unfair``, ``cd_relax``: coordinate descent from 0, least squares and the strong
  relaxation's ``w``.

:data:`REAL` -- one fairness setting on a real dataset (Communities, Law School), trained on the
train part:

* ``ls``; ``relax`` (the strong relaxation at weight ``lambda``); ``cd_relax`` (coordinate descent
  from the relaxation's ``w``: the slides' "CD requires additional seconds"); ``mio`` (the strong
  MIO at the time limit, warm-started like the synthetic ones: the slides' best model found by the
  MIP in three hours); ``agarwal`` (the
  Agarwal, Dudik & Wu reduction at SP tolerance ``eps``).

Every entry is ``runner(inst, lam_or_eps, opts, start) -> (w or None, fields, timing)``; ``fields``
are the method's own row fields (bounds, status, passes, ...), the caller scores ``w`` (job module);
``timing`` holds what was measured (``seconds`` of the method's work, the solver's and the model
build's seconds, a MIO's attempt seconds) and goes to a timing file, never into the row: rows are
byte-identical across runs, measured times are not. The ``setting`` info of a real method says
which grid it runs on (``lam``, ``eps`` or none).

**Limits of a MIO row** (:func:`_mio`): ``status`` and ``stopped_by`` (which limit stopped it:
``node_limit``, ``time_limit`` or ``wall_limit``; :mod:`fairopt.methods.fairreg.mio`) next to the
limits configured: ``time_limit`` (s, a clock), ``node_limit`` (nodes, deterministic; ``None``: none)
and ``wall_limit`` (the watchdog: build limit, solve seconds, seconds per build second).
"""
from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fairopt.core.isolation import WallLimit
from fairopt.methods.fairreg.agarwal import AgarwalResult, fit_agarwal
from fairopt.methods.fairreg.coordinate_descent import cd_start, coordinate_descent
from fairopt.methods.fairreg.formulations import solve_relaxation
from fairopt.methods.fairreg.mio import mio_warm_start, run_mio
from fairopt.methods.fairreg.objective import Instance, least_squares
from fairopt.studies.common import Registry

__all__ = ["SolveOptions", "SYNTHETIC", "REAL", "Runner"]

Runner = Callable[..., tuple[Any, dict[str, Any], dict[str, Any]]]
#: synthetic methods: ``runner(inst, lam, opts, start) -> (w, fields, timing)`` (``start``: cd_relax's
#: relaxation ``w``)
SYNTHETIC: Registry[Runner] = Registry("fair-regression synthetic method")
#: real-data methods: ``runner(inst, value, opts, start) -> (w or AgarwalResult, fields, timing)``
REAL: Registry[Runner] = Registry("fair-regression real-data method")


@dataclass(frozen=True)
class SolveOptions:
    """Solver settings of one job (config ``fairreg.solvers``, ``delta``, the experiment's ``cd``).

    Attributes:
        relax_solver, mio_solver: Solver config names of the relaxations / the MIOs.
        time_limit: MIO time limit (s; a clock).
        node_limit: MIO node limit (SCIP's ``limits/nodes``, deterministic; ``None``: none).
        delta: Separation margin of the formulations.
        mio_options, fallback_options, isolate, wall_limit: The MIO guard
            (:func:`fairopt.methods.fairreg.mio.run_mio`); ``wall_limit``: seconds, or the fields of a
            :class:`~fairopt.core.isolation.WallLimit` (:func:`fairopt.studies.fairreg.settings.wall_limit`).
        cd_max_passes, cd_tol: Coordinate descent.
        warm_start: Start each MIO at the better of least squares and CD-relax.
        agarwal: Keyword options of :func:`~fairopt.methods.fairreg.agarwal.fit_agarwal`.
        seed: Seed of the randomised predictor's draws (agarwal).
    """

    relax_solver: str
    mio_solver: str
    time_limit: float | None
    delta: float
    node_limit: int | None = None
    mio_options: Mapping[str, Any] = field(default_factory=dict)
    fallback_options: Mapping[str, Any] | None = None
    isolate: bool = True
    wall_limit: float | Mapping[str, float] | None = None
    cd_max_passes: int = 100
    cd_tol: float = 1e-6
    warm_start: bool = True
    agarwal: Mapping[str, Any] = field(default_factory=dict)
    seed: int = 0

    def watchdog(self) -> float | WallLimit | None:
        """The MIO child's wall limit for :func:`~fairopt.methods.fairreg.mio.run_mio`."""
        return WallLimit(**self.wall_limit) if isinstance(self.wall_limit, Mapping) else self.wall_limit


def _warm_start(inst: Instance, lam: float, cd_relax_w: np.ndarray | None,
                opts: SolveOptions) -> tuple[np.ndarray | None, dict[str, Any]]:
    """The better (exact objective) of least squares and CD-relax's model, or none when switched off."""
    if not opts.warm_start:
        return None, {"warm_start_source": None}
    w0, source = mio_warm_start(inst, lam, cd_relax_w)
    return w0, {"warm_start_source": source}


def _mio(inst: Instance, lam: float, formulation: str, opts: SolveOptions,
         start: np.ndarray | None) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """A guarded MIO: its result, the row fields (status, which limit stopped it, the limits
    configured, the warm start) and its timing (module docstring)."""
    w0, fields = _warm_start(inst, lam, start, opts)
    watchdog = opts.watchdog()
    res, info = run_mio(inst, lam, formulation, solver=opts.mio_solver, time_limit=opts.time_limit,
                        node_limit=opts.node_limit, delta=opts.delta, options=opts.mio_options,
                        fallback_options=opts.fallback_options, isolate=opts.isolate, wall_limit=watchdog,
                        warm_start=w0)
    fields.update({"status": info["status"], "stopped_by": info["stopped_by"],
                   "wall_limit_phase": info["wall_limit_phase"], "fallback_used": info["fallback_used"],
                   "attempts": info["attempts"], "time_limit": opts.time_limit, "node_limit": opts.node_limit,
                   "wall_limit": watchdog.as_record() if isinstance(watchdog, WallLimit) else watchdog})
    timing = {"seconds": sum(a["seconds"] for a in info["attempt_timing"]), "attempts": info["attempt_timing"]}
    if res is not None:
        fields.update({k: v for k, v in res.details.items() if k.startswith("warm_start_")})
        timing.update(solver_seconds=res.details["solver_seconds"], build_seconds=res.build_seconds,
                      solve_seconds=res.seconds)
    return res, fields, timing


def _least_squares(inst: Instance) -> tuple[np.ndarray, dict[str, Any], dict[str, Any]]:
    start = time.perf_counter()
    w = least_squares(inst.X, inst.y)
    return w, {}, {"seconds": time.perf_counter() - start}


# ------------------------------------------------------------------ synthetic
@SYNTHETIC.register("ls")
def _syn_ls(inst: Instance, lam: float, opts: SolveOptions, start: np.ndarray | None = None):
    return _least_squares(inst)


def _syn_relax(formulation: str) -> Runner:
    def run(inst: Instance, lam: float, opts: SolveOptions, start: np.ndarray | None = None):
        res = solve_relaxation(inst, lam, formulation, solver=opts.relax_solver, delta=opts.delta)
        return res.w, {"bound": res.best_bound, "solver": res.solver, "iterations": res.nodes,
                       "clarabel_retries": len(res.details["clarabel_retries"])}, \
            {"seconds": res.seconds, "build_seconds": res.build_seconds,
             "solver_seconds": res.details["solver_seconds"]}

    run.__doc__ = f"The {formulation} relaxation's model and bound."
    return run


def _syn_mio(formulation: str) -> Runner:
    def run(inst: Instance, lam: float, opts: SolveOptions, start: np.ndarray | None = None):
        res, fields, timing = _mio(inst, lam, formulation, opts, start)
        if res is None:
            return None, fields, timing
        fields.update(best_bound=res.best_bound, gap=res.gap, nodes=res.nodes,
                      total_nodes=res.details.get("total_nodes"),
                      solver=res.solver, solver_objective=res.solver_objective, big_m=res.big_m,
                      polished=res.details["polished"], bound_source=res.details.get("bound_source"))
        return res.w, fields, timing

    run.__doc__ = f"The {formulation} MIO's incumbent, bound and gap (guarded, warm-started at ``start``: CD-relax)."
    return run


def _syn_cd(kind: str) -> Runner:
    def run(inst: Instance, lam: float, opts: SolveOptions, start: np.ndarray | None = None):
        extra = 0.0
        if kind == "relax" and start is None:
            rel = solve_relaxation(inst, lam, "strong", solver=opts.relax_solver, delta=opts.delta)
            start, extra = rel.w, rel.seconds
        w0 = cd_start(inst, kind, start)
        # no time limit: CD stops on its pass limit or tolerance only, so its model is deterministic
        res = coordinate_descent(inst, lam, w0, max_passes=opts.cd_max_passes, tol=opts.cd_tol)
        return res.w, {"passes": res.passes, "updates": res.updates, "start_objective": res.trajectory[0],
                       "converged": res.converged}, {"seconds": res.seconds, "relax_seconds": extra}

    run.__doc__ = f"Coordinate descent started at {kind}."
    return run


for _form in ("bigm", "strong"):
    SYNTHETIC.register(f"relax_{_form}", relaxation=_form)(_syn_relax(_form))
for _form in ("bigm", "strong"):
    SYNTHETIC.register(_form, mio=True, needs="cd_relax")(_syn_mio(_form))
SYNTHETIC.register("cd0")(_syn_cd("zero"))
SYNTHETIC.register("cd_unfair")(_syn_cd("unfair"))
SYNTHETIC.register("cd_relax", needs="relax_strong")(_syn_cd("relax"))


# ------------------------------------------------------------------ real data
@REAL.register("ls", setting=None)
def _real_ls(inst: Instance, value: float | None, opts: SolveOptions, start: np.ndarray | None = None):
    return _least_squares(inst)


@REAL.register("relax", setting="lam")
def _real_relax(inst: Instance, lam_sum: float, opts: SolveOptions, start: np.ndarray | None = None):
    res = solve_relaxation(inst, lam_sum, "strong", solver=opts.relax_solver, delta=opts.delta)
    return res.w, {"bound": res.best_bound, "solver": res.solver,
                   "clarabel_retries": len(res.details["clarabel_retries"])}, \
        {"seconds": res.build_seconds + res.seconds, "solver_seconds": res.details["solver_seconds"],
         "build_seconds": res.build_seconds}


@REAL.register("cd_relax", setting="lam", needs="relax")
def _real_cd_relax(inst: Instance, lam_sum: float, opts: SolveOptions, start: np.ndarray | None = None):
    if start is None:
        raise ValueError("cd_relax needs the relaxation's model w_relax")
    res = coordinate_descent(inst, lam_sum, np.asarray(start, dtype=float), max_passes=opts.cd_max_passes,
                             tol=opts.cd_tol)  # no time limit (deterministic; see _syn_cd)
    return res.w, {"passes": res.passes, "updates": res.updates, "converged": res.converged,
                   "start_objective": res.trajectory[0]}, {"seconds": res.seconds}


@REAL.register("mio", setting="lam", mio=True, needs="cd_relax")
def _real_mio(inst: Instance, lam_sum: float, opts: SolveOptions, start: np.ndarray | None = None):
    res, fields, timing = _mio(inst, lam_sum, "strong", opts, start)
    if res is None:
        return None, fields, timing
    fields.update(best_bound=res.best_bound, gap=res.gap, nodes=res.details.get("total_nodes"))
    return res.w, fields, timing


@REAL.register("agarwal", setting="eps")
def _real_agarwal(inst: Instance, eps: float, opts: SolveOptions,
                  start: np.ndarray | None = None) -> tuple[AgarwalResult, dict[str, Any], dict[str, Any]]:
    res = fit_agarwal(inst.X, inst.y, inst.a, eps=float(eps), seed=opts.seed, **dict(opts.agarwal))
    return res, {"iterations": res.iterations, "best_iteration": res.best_iteration,
                 "oracle_calls": res.oracle_calls, "train_violation": res.train_violation,
                 "n_hypotheses": int(res.weights.size), "n_hypotheses_found": res.n_hypotheses_found,
                 "iterate": res.source, "best_gap": res.best_gap, "nu": res.nu, "converged": res.converged,
                 "T": res.T, "coefs": res.coefs.tolist(), "weights": res.weights.tolist()}, {"seconds": res.seconds}
