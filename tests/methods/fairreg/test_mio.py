"""Guarded MIO solves (fairopt.methods.fairreg.mio): crashes, fallback re-solves, no incumbent."""
from __future__ import annotations

import faulthandler
import os
import signal

from fairopt.methods.fairreg import mio
from fairopt.methods.fairreg.formulations import NoIncumbentError
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


def test_real_mio_without_incumbent_is_recorded_not_raised():
    # a 1 ms SCIP limit on a 40-row big-M problem: stopped before any feasible solution, or with one
    inst = synthetic_instance(40, seed=3)
    res, info = mio.run_mio(inst, 0.2, "bigm", time_limit=1e-3, wall_limit=120)
    assert info["status"] in ("no_incumbent", "time_limit")
    assert (res is None) == (info["status"] == "no_incumbent")
