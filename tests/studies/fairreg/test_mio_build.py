"""The MIO build benchmark (fairopt.studies.fairreg.mio_build) and its rows in the benchmark table."""
from __future__ import annotations

import pandas as pd

from fairopt.studies.fairreg.benchmarks import BUILD_SHARE, mio_build_rows
from fairopt.studies.fairreg.mio_build import measure, run_benchmark
from fairopt.studies.fairreg.prepare import synthetic_instance
from fairopt.studies.fairreg.settings import load_settings


def _instance(m):
    settings = load_settings(default_scale="smoke")
    syn = settings["synthetic"]
    return settings, synthetic_instance(m, syn["seed"], n=syn["n"], l=syn["l"], generator=syn["generator"])[0]


def test_measure_reports_build_solve_and_a_capped_cvxpy_build():
    settings, inst = _instance(8)
    scip = settings["solvers"]["scip_params"]
    native = measure(inst, 0.1, "bigm", "native", time_limit=5, cap=None, delta=1e-4, scip_params=scip)
    assert native["status"] in ("optimal", "time_limit") and not native["capped"]
    assert 0 < native["build_seconds"] and native["solve_seconds"] is not None
    assert native["cpu_seconds"] > 0 and native["cores"] >= 1
    capped = measure(inst, 0.1, "strong", "cvxpy", time_limit=5, cap=1e-3, delta=1e-4, scip_params=scip)
    assert capped["status"] == "capped" and capped["capped"] and capped["build_seconds"] is None


def test_run_benchmark_and_rows_side_by_side():
    settings, inst = _instance(8)
    settings["mio_build"].update(time_limit=2, cvxpy_build_cap=120)
    frame = run_benchmark(settings, {8: inst}, {})
    assert list(frame["interface"]) == ["cvxpy", "native"] * 2
    assert list(frame["formulation"]) == ["bigm", "bigm", "strong", "strong"]
    rows = mio_build_rows(frame, settings)
    native = [r for r in rows if r.metric == "build seconds" and "native" in r.setting]
    assert len(native) == 2 and all(r.comparison == "<=" for r in native)
    assert all(r.reference == BUILD_SHARE * settings["synthetic"]["time_limit"] for r in native)
    assert all(r.cpu_seconds is not None for r in rows if r.metric == "build seconds")
    assert sum(r.metric == "build speed-up, cvxpy / native" for r in rows) == 2


def test_a_capped_build_is_a_lower_bound_in_the_table():
    settings = load_settings(default_scale="smoke")
    clock = {"wall_seconds": 21.0, "cpu_seconds": 20.5, "cores": 2, "loadavg_start": 1.0, "loadavg_end": 1.5}
    frame = pd.DataFrame([
        {"case": "communities_crime", "m": 300, "formulation": "strong", "interface": "cvxpy", "build_seconds": None,
         "capped": True, "cap_seconds": 20.0, "solve_seconds": None, "status": "capped", "time_limit": 1.0, **clock},
        {"case": "communities_crime", "m": 300, "formulation": "strong", "interface": "native", "build_seconds": 2.0,
         "capped": False, "cap_seconds": None, "solve_seconds": 1.0, "status": "time_limit", "time_limit": 1.0,
         **clock},
    ])
    rows = mio_build_rows(frame, settings)
    capped = next(r for r in rows if "cvxpy" in r.setting and r.metric == "build seconds")
    assert capped.value == 20.0 and capped.note.startswith("> 20 s: capped")
    native = next(r for r in rows if "native" in r.setting and r.metric == "build seconds")
    assert native.reference == BUILD_SHARE * settings["real"]["mio_time_limit"] and native.target_met is False
    speed = next(r for r in rows if r.metric.startswith("build speed-up"))
    assert speed.value == 10.0 and speed.note.startswith("> this")
