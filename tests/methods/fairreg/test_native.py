"""The MIOs built natively in PySCIPOpt (fairopt.methods.fairreg.native, fairopt.core.solvers.solve_scip)
against cvxpy's SCIP interface and brute force; SCIP's statuses, warm start, build hook and progress lines."""
from __future__ import annotations

import logging

import numpy as np
import pytest

from fairopt.core.errors import SolverError
from fairopt.core.solvers import solve_scip
from fairopt.methods.fairreg.brute_force import brute_force
from fairopt.methods.fairreg.formulations import NoIncumbentError, _no_incumbent_limit, solve_mio
from fairopt.methods.fairreg.objective import objective
from tests.methods.fairreg.test_fairreg_methods import TINY_CASES, synthetic_instance, tiny_instance


@pytest.mark.parametrize("case", TINY_CASES)
def test_native_and_cvxpy_interfaces_agree_with_brute_force(case):
    """Issue 13 item 4: the native build reaches the cvxpy build's optimum (exact objective of the returned
    model to 1e-8) and the enumerated one; SCIP's own objectives agree to its tolerances (feasibility 1e-6:
    1e-5 relative)."""
    seed, lam = case
    inst = tiny_instance(seed)
    best = brute_force(inst, lam).objective
    for form in ("bigm", "strong"):
        native = solve_mio(inst, lam, form, time_limit=60, log_every=None)
        old = solve_mio(inst, lam, form, time_limit=60, interface="cvxpy")
        assert native.status == old.status == "optimal", form
        assert native.details["interface"] == "native" and old.details["interface"] == "cvxpy"
        assert native.objective == pytest.approx(old.objective, rel=1e-8, abs=1e-8), form
        assert native.objective == pytest.approx(best, rel=1e-5), form
        assert native.objective == pytest.approx(objective(inst, lam, native.w), rel=1e-12)
        assert native.solver_objective == pytest.approx(old.solver_objective, rel=1e-5), form
        assert native.best_bound <= best * (1 + 1e-5) and native.gap <= 1e-6


@pytest.mark.parametrize("seed,lam", [(10, 0.1), (11, 1.0)])
def test_native_matches_brute_force_m8_l4_with_box_and_warm_start(seed, lam):
    inst = tiny_instance(seed, m=8, l=4, n=3)
    best = brute_force(inst, lam).objective
    for form in ("bigm", "strong"):
        res = solve_mio(inst, lam, form, time_limit=120, log_every=None, warm_start=np.zeros(inst.n))
        assert res.status == "optimal" and res.objective == pytest.approx(best, rel=1e-5), form


def _knapsack(pyscipopt, n=30):
    model = pyscipopt.Model()
    rng = np.random.default_rng(0)
    x = [model.addVar(vtype="B", obj=-float(v)) for v in rng.integers(5, 50, n)]
    model.addCons(pyscipopt.quicksum(float(w) * xi for w, xi in zip(rng.integers(5, 50, n), x)) <= 200)
    return model, x


def test_solve_scip_reads_statuses_limits_and_start():
    pyscipopt = pytest.importorskip("pyscipopt")
    model, x = _knapsack(pyscipopt)
    rec = solve_scip(model, log_every=None)
    assert rec.status == "optimal" and rec.gap <= 1e-9 and rec.best_bound == pytest.approx(rec.objective)
    # a node limit with an incumbent: recorded, with the bound and the gap
    model, x = _knapsack(pyscipopt)
    model.setHeuristics(pyscipopt.SCIP_PARAMSETTING.OFF)
    rec = solve_scip(model, node_limit=1, params={"presolving/maxrounds": 0, "separating/maxrounds": 0,
                                                 "separating/maxroundsroot": 0},
                     start=(x, [0.0] * len(x)), log_every=None)
    assert rec.status in ("node_limit", "optimal") and rec.extra["warm_start_accepted"] is True
    assert rec.objective <= 0.0 and rec.best_bound <= rec.objective + 1e-9
    # infeasible: an error; stopped by the clock without a solution: an error naming SCIP's status
    model = pyscipopt.Model()
    v = model.addVar(vtype="I", lb=0, ub=1)
    model.addCons(2 * v == 1)
    with pytest.raises(SolverError, match="infeasible"):
        solve_scip(model, log_every=None)
    model, x = _knapsack(pyscipopt)
    with pytest.raises(SolverError, match="timelimit") as err:
        solve_scip(model, time_limit=0.0, log_every=None)
    assert _no_incumbent_limit(err.value, None, 0.0, 0.0) == "time_limit"
    # an infeasible complete start is refused before SCIP runs
    model, x = _knapsack(pyscipopt)
    rec = solve_scip(model, start=(x, [1.0] * len(x)), log_every=None)
    assert rec.extra["warm_start_accepted"] is False and rec.status == "optimal"


def test_native_mio_without_incumbent_raises_no_incumbent():
    inst = synthetic_instance(40, seed=3)
    with pytest.raises(NoIncumbentError) as err:
        solve_mio(inst, 0.2, "strong", time_limit=0.0, log_every=None)
    assert err.value.limit == "time_limit"


def test_native_build_hook_progress_lines_and_scip_params(caplog):
    """The build hook fires once, before SCIP optimises (the watchdog's solve deadline); progress lines
    (time, nodes, incumbent, bound, gap) reach the log; SCIP parameters and the limits reach SCIP."""
    inst = synthetic_instance(16, seed=0)
    reports = []
    with caplog.at_level(logging.INFO, logger="fairopt.core.solvers"):
        res = solve_mio(inst, 1.0, "bigm", time_limit=600, node_limit=1, log_every=0.0,
                        progress=lambda stage, **info: reports.append((stage, info)),
                        scip_params={"randomization/randomseedshift": 3, "timing/clocktype": 1})
    assert [s for s, _ in reports] == ["built"] and reports[0][1]["seconds"] >= res.build_seconds > 0
    assert res.status == "node_limit" and res.nodes == 1
    lines = [r.getMessage() for r in caplog.records if r.name == "fairopt.core.solvers"]
    assert any("incumbent" in line and "bound" in line and "gap" in line for line in lines)
    assert lines[-1].startswith("SCIP bigm MIO (m=16, lambda=1) ended (nodelimit)")
    with pytest.raises(Exception, match="no/such"):
        solve_mio(inst, 1.0, "bigm", time_limit=10, log_every=None, scip_params={"no/such": 1})
