"""The MIO build benchmark: cvxpy's SCIP interface against the native PySCIPOpt build, side by side.

For every case -- the big-M and strong MIOs of the synthetic instance of each size ``m`` of config
``fairreg.mio_build.m`` (seed ``synthetic.seed``, the study's generator) and the strong MIO of each
real dataset of ``mio_build.datasets`` (its train part, lambda ``mio_build.real_lam`` of the mean loss)
-- both interfaces of :func:`fairopt.methods.fairreg.formulations.solve_formulation` build and solve
the same MIO, one after the other in one run, each in a child process
(:func:`fairopt.core.isolation.run_isolated`):

* **build**: wall and CPU seconds from the call until SCIP starts to optimise (the child's
  ``"built"`` report: prediction bounds, model construction, warm start; for cvxpy also its
  compilation and its SCIP interface's model construction, which happen inside ``problem.solve``);
* **solve**: SCIP's own clock (``getSolvingTime``) at the time limit ``mio_build.time_limit``;
* the measurement's wall and CPU seconds (children included), cores and load averages
  (:class:`fairopt.core.timing.JobClock`).

The cvxpy build is capped: a child that has not reported its model built after
``mio_build.cvxpy_build_cap`` seconds is killed and the row says ``capped`` (its build took more
than the cap: a lower bound, reported as such). No warm start (the build alone is compared).
Everything here is a measured time: the table goes to ``results/fairreg/benchmark/``.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from fairopt.core.isolation import WallLimit, run_isolated
from fairopt.core.timing import JobClock
from fairopt.methods.fairreg.formulations import NoIncumbentError, solve_mio
from fairopt.methods.fairreg.objective import Instance

__all__ = ["INTERFACES", "measure", "run_benchmark"]

#: the interfaces compared, rival first
INTERFACES = ("cvxpy", "native")


def measure(inst: Instance, lam: float, formulation: str, interface: str, *, time_limit: float,
            cap: float | None, delta: float, scip_params: Mapping[str, Any]) -> dict[str, Any]:
    """Build and solve one MIO through one interface in a child process (module docstring).

    Returns:
        ``interface, formulation, build_seconds`` (``None`` when capped), ``build_cpu_seconds`` (of a
        capped build: the killed child's), ``capped``, ``cap_seconds``, ``solve_seconds``
        (SCIP's clock; ``None`` without a result), ``status`` (``optimal``, ``time_limit``,
        ``no_incumbent``, ``capped``, ``wall_limit``, ``crashed``), ``n_variables`` and the clock's
        ``wall_seconds, cpu_seconds, cores, loadavg_start, loadavg_end``.
    """
    clock = JobClock()
    limit = WallLimit(build=cap, solve=2 * time_limit + 60, per_build_second=1.0)
    out = run_isolated(solve_mio, inst, lam, formulation, time_limit=time_limit, delta=delta,
                       interface=interface, log_every=None, scip_params=dict(scip_params),
                       wall_limit=limit, progress_kw="progress")
    built = [s for s in out.stages if s["stage"] == "built"]
    build = float(built[0]["seconds"]) if built else None
    clocked = clock.finish()
    # the build's CPU: the child's own report, or all of a child killed while building
    build_cpu = float(built[0]["cpu_seconds"]) if built else clocked["cpu_seconds"] if out.limit == "build" else None
    res = out.value if out.kind == "ok" else None
    if res is not None:
        status = res.status
    elif out.kind == "error" and isinstance(out.error, NoIncumbentError):
        status = "no_incumbent"
    elif out.kind == "wall_limit":
        status = "capped" if out.limit == "build" else "wall_limit"
    elif out.kind == "error":
        assert out.error is not None  # an error outcome carries its exception
        raise out.error
    else:
        status = out.kind
    return {"interface": interface, "formulation": formulation, "build_seconds": build,
            "build_cpu_seconds": build_cpu, "capped": status == "capped", "cap_seconds": cap,
            "solve_seconds": None if res is None else float(res.details["solver_seconds"]),
            "status": status, "n_variables": None if res is None else res.details["n_variables"], **clocked}


def run_benchmark(settings: Mapping[str, Any], synthetic: Mapping[int, Instance],
                  real: Mapping[str, Instance], log: Any = None) -> pd.DataFrame:
    """Every case of ``settings["mio_build"]`` through both interfaces (module docstring).

    Args:
        settings: The resolved ``fairreg`` section.
        synthetic: The instance of each size ``m``.
        real: The train instance of each real dataset.
        log: A logger for one line per measurement (optional).

    Returns:
        One row per (case, interface): ``case`` (``synthetic`` / the dataset), ``m, n, l, lam``,
        ``time_limit`` and the fields of :func:`measure`.
    """
    cfg = settings["mio_build"]
    scip = settings["solvers"]["scip_params"]
    cases = [("synthetic", inst, float(cfg["lam"]), form)
             for _, inst in sorted(synthetic.items()) for form in ("bigm", "strong")]
    cases += [(name, inst, float(cfg["real_lam"]) * inst.m, "strong") for name, inst in real.items()]
    rows = []
    for case, inst, lam, form in cases:
        for interface in INTERFACES:
            rec = measure(inst, lam, form, interface, time_limit=float(cfg["time_limit"]),
                          cap=float(cfg["cvxpy_build_cap"]) if interface == "cvxpy" else None,
                          delta=float(settings["delta"]), scip_params=scip)
            row = {"case": case, "m": inst.m, "n": inst.n, "l": inst.l, "lam": lam,
                   "time_limit": float(cfg["time_limit"]), **rec}
            rows.append(row)
            if log is not None:
                build = (f"> {rec['cap_seconds']:g} s (capped)" if rec["capped"] else
                         "-" if rec["build_seconds"] is None else f"{rec['build_seconds']:.2f} s")
                solve = "-" if rec["solve_seconds"] is None else f"{rec['solve_seconds']:.2f} s"
                log.info("%s m=%d %s via %s: build %s, solve %s (%s); wall %.1f s, CPU %.1f s, load %.1f",
                         case, inst.m, form, interface, build, solve, rec["status"], rec["wall_seconds"],
                         rec["cpu_seconds"], max(rec["loadavg_start"] or 0, rec["loadavg_end"] or 0))
    return pd.DataFrame(rows)
