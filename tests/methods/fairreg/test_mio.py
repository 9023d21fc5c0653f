"""Guarded MIO solves (fairopt.methods.fairreg.mio): crashes, fallback re-solves, no incumbent, the limit
that stopped a solve."""
from __future__ import annotations

import faulthandler
import os
import pickle
import signal

from fairopt.core.errors import SolverError
from fairopt.methods.fairreg import mio
from fairopt.methods.fairreg.formulations import NoIncumbentError, _no_incumbent_limit
from tests.conftest import REPO
from tests.methods.fairreg.test_fairreg_methods import synthetic_instance


class _FakeResult:
    status = "optimal"


def _crash_unless_fallback(inst, lam, formulation, **kwargs):
    if not kwargs.get("scip_params", {}).get("nlp/disable"):
        faulthandler.disable()
        os.kill(os.getpid(), signal.SIGSEGV)
    return _FakeResult()


def _no_incumbent(*args, **kwargs):
    raise NoIncumbentError("strong MIO: no feasible solution within the 1 s time limit")


def test_run_mio_records_crash_fallback_and_no_incumbent(monkeypatch):
    inst = synthetic_instance(10, seed=0)
    monkeypatch.setattr(mio, "solve_mio", _crash_unless_fallback)
    res, info = mio.run_mio(inst, 0.1, "strong", wall_limit=60,
                        fallback_options={"scip_params": {"nlp/disable": True}})
    assert isinstance(res, _FakeResult) and info["status"] == "optimal" and info["fallback_used"]
    assert [a["outcome"] for a in info["attempts"]] == ["crashed", "ok"]
    res, info = mio.run_mio(inst, 0.1, "strong", wall_limit=60)
    assert res is None and info["status"] == "crashed" and not info["fallback_used"]
    monkeypatch.setattr(mio, "solve_mio", _no_incumbent)
    res, info = mio.run_mio(inst, 0.1, "strong", wall_limit=60)
    assert res is None and info["status"] == "no_incumbent"
    assert info["stopped_by"] == "time_limit"


def test_real_mio_without_incumbent_is_recorded_not_raised():
    # a 1 ms SCIP limit on a 40-row big-M problem: stopped before any feasible solution, or with one
    inst = synthetic_instance(40, seed=3)
    res, info = mio.run_mio(inst, 0.2, "bigm", time_limit=1e-3, wall_limit=120)
    assert info["status"] in ("no_incumbent", "time_limit")
    assert (res is None) == (info["status"] == "no_incumbent")


def _no_incumbent_at_nodes(*args, **kwargs):
    raise NoIncumbentError("strong MIO: no feasible solution within the 1 node limit", "node_limit")


def test_run_mio_records_which_limit_stopped_a_mio_without_incumbent(monkeypatch):
    inst = synthetic_instance(10, seed=0)
    monkeypatch.setattr(mio, "solve_mio", _no_incumbent_at_nodes)
    res, info = mio.run_mio(inst, 0.1, "strong", wall_limit=60)
    assert res is None and (info["status"], info["stopped_by"]) == ("no_incumbent", "node_limit")
    monkeypatch.setattr(mio, "solve_mio", _no_incumbent)
    assert mio.run_mio(inst, 0.1, "strong", wall_limit=60)[1]["stopped_by"] == "time_limit"
    # the limit survives the pipe from the child (pickling) and the classification of cvxpy's failure
    err = pickle.loads(pickle.dumps(NoIncumbentError("x", "node_limit")))
    assert err.limit == "node_limit" and str(err) == "x"
    stop = SolverError("SCIP stopped at a limit without a feasible solution (status nodelimit or gaplimit: ...)")
    assert _no_incumbent_limit(stop, 1, 60, 0.1) == "node_limit"
    assert _no_incumbent_limit(stop, None, 60, 0.1) is None  # no node limit: a genuine error
    assert _no_incumbent_limit(SolverError("SCIP failed"), None, 1.0, 2.0) == "time_limit"
    assert _no_incumbent_limit(SolverError("SCIP failed"), None, 10.0, 2.0) is None


def test_node_limit_stops_scip_deterministically_and_is_recorded():
    """Issue 12 item 6: a MIO stopped at SCIP's node limit (not a clock) reports status node_limit, and two
    solves give the same incumbent, bound and node count; the times stay out of the attempts."""
    inst = synthetic_instance(16, seed=3)
    # the study's Ipopt options (AMD ordering): MUMPS's METIS ordering can hang SCIP's NLP heuristics
    scip = {"scip_params": {"timing/clocktype": 1, "nlpi/ipopt/optfile": str(REPO / "config" / "ipopt.opt")}}
    runs = [mio.run_mio(inst, 0.2, "bigm", time_limit=600, node_limit=3, wall_limit=300, options=scip)
            for _ in range(2)]
    (res, info), (again, _) = runs
    assert (info["status"], info["stopped_by"]) == ("node_limit", "node_limit") and res.status == "node_limit"
    assert res.nodes == again.nodes <= 3 and res.best_bound == again.best_bound
    assert res.objective == again.objective and res.gap == again.gap
    assert "seconds" not in info["attempts"][0] and info["attempt_timing"][0]["seconds"] > 0
    built = info["attempt_timing"][0]["stages"][0]
    # reported when SCIP starts to optimize: after cvxpy's compilation, so no earlier than the cvxpy build
    assert built["stage"] == "built" and built["seconds"] >= res.build_seconds
