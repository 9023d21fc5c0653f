"""Parse-time checks: one-line schema problems, non-finite numbers, solvers named by their config key,
node-limited MIO solves, result-file modes."""
from __future__ import annotations

import math
import os
import stat

import cvxpy as cp
import numpy as np
import pytest

from fairopt.core import solvers
from fairopt.core.config_check import (check_solvers, check_top_level, non_finite_number, schema_problem, solver_keys,
                                        stop_on_error)
from fairopt.core.errors import ConfigError, SolverError
from fairopt.core.io import write_text
from fairopt.studies.common import resolve_settings, schema, validate_section
from tests.conftest import REPO

SCHEMA = {"type": "object", "additionalProperties": False,
          "properties": {"trials": {"type": "integer", "minimum": 1},
                         "solver": {"type": "string", "enum": ["clarabel", "mosek"], "x-solver": "conic"},
                         "inner": {"type": "object", "properties": {
                             "mio": {"type": "string", "x-solver": "mixed-integer"},
                             "rate": {"type": "number"}}}}}


@pytest.mark.parametrize("instance, expected", [
    ({"trials": 0}, r"^config key s\.trials: 0 -- 0 is less than the minimum of 1$"),
    ({"trials": "3"}, r"^config key s\.trials: '3' -- .*not of type 'integer' \(a quoted number is a string"),
    ({"tirals": 3}, r"^config key s: unknown key\(s\) 'tirals' \(did you mean trials\?\); allowed: inner, solver, trials$"),
    ({"solver": "gurobi"}, r"^config key s\.solver: 'gurobi' -- expected one of \['clarabel', 'mosek'\]$"),
    ({"inner": {"rate": math.inf}}, r"^config key s\.inner\.rate: inf -- expected a finite number$"),
    ({"inner": {"rate": math.nan}}, r"^config key s\.inner\.rate: nan -- expected a finite number$"),
])
def test_schema_problem_is_one_line_naming_the_key(instance, expected):
    problem = schema_problem(instance, SCHEMA, prefix="s")
    assert problem is not None and "\n" not in problem.message
    assert __import__("re").match(expected, problem.message), problem.message
    assert problem.error().detail == problem.detail


def test_valid_sections_pass_and_the_string_inf_is_not_a_non_finite_number():
    assert schema_problem({"trials": 2, "inner": {"rate": 0.5}}, SCHEMA, prefix="s") is None
    assert non_finite_number({"alpha": "inf", "xs": [1.0, 2]}) is None
    assert non_finite_number({"xs": [1.0, -math.inf]}, prefix="a").message.startswith("config key a.xs.1: -inf")


def test_study_sections_reject_non_finite_numbers_and_misspelled_keys():
    with pytest.raises(ConfigError, match=r"^config key fdfl\.decision\.cost: inf -- expected a finite number$"):
        resolve_settings("fdfl", {"decision": {"cost": math.inf}}, default_scale="smoke")
    with pytest.raises(ConfigError, match=r"did you mean trials, tables\?\); allowed: benchmark,") as info:
        validate_section({**resolve_settings("fdfl", default_scale="smoke"), "trails": 3}, "fdfl")
    assert "\n" not in str(info.value)


def test_the_studies_mark_their_solver_keys():
    found = {study: {".".join(p): kind for p, kind in solver_keys(schema(study))} for study in ("fdfl", "fairreg")}
    assert found["fdfl"] == {"decision.solver": "conic"}
    assert found["fairreg"] == {"solvers.relaxation": "conic", "solvers.mio": "mixed-integer"}


def test_an_unusable_solver_is_reported_with_its_config_key(monkeypatch):
    check_solvers({"solver": "clarabel", "inner": {"mio": "scip"}}, SCHEMA, prefix="s")  # installed: passes
    monkeypatch.setattr(cp, "installed_solvers", lambda: ["CLARABEL", "SCIP"])
    with pytest.raises(SolverError, match=r"^config key s\.solver: solver 'mosek' is not installed"):
        check_solvers({"solver": "mosek"}, SCHEMA, prefix="s")
    monkeypatch.setattr(cp, "installed_solvers", lambda: ["CLARABEL", "SCIP", "MOSEK"])
    monkeypatch.setattr(solvers, "mosek_licensed", lambda: False)
    with pytest.raises(SolverError, match=r"^config key s\.solver: MOSEK is installed but no licence"):
        check_solvers({"solver": "mosek"}, SCHEMA, prefix="s")
    with pytest.raises(ConfigError, match=r"^config key s\.inner\.mio: unknown mixed-integer solver 'clarabel'"):
        check_solvers({"inner": {"mio": "clarabel"}}, SCHEMA, prefix="s")


def _knapsack(n=40, seed=0):
    rng = np.random.default_rng(seed)
    w, v = rng.uniform(1, 10, n), rng.uniform(1, 10, n)
    x = cp.Variable(n, boolean=True)
    return cp.Problem(cp.Maximize(v @ x), [w @ x <= w.sum() / 3])


def test_a_node_limited_solve_is_recorded_and_repeatable():
    records = [solvers.solve(_knapsack(), "SCIP", node_limit=1, time_limit=600) for _ in range(2)]
    for rec in records:
        assert rec.status == "node_limit" and rec.nodes == 1 and rec.gap > 0
    assert (records[0].objective, records[0].best_bound) == (records[1].objective, records[1].best_bound)
    exact = solvers.solve(_knapsack(), "SCIP")
    assert exact.status == "optimal" and records[0].objective <= exact.objective + 1e-9 <= records[0].best_bound + 2e-9
    with pytest.raises(ConfigError, match="node limit is not supported for solver CLARABEL"):
        solvers.solve(cp.Problem(cp.Minimize(cp.Variable() ** 2)), "CLARABEL", node_limit=3)


def test_atomic_writes_get_the_mode_of_a_new_file(tmp_path):
    old = os.umask(0o027)
    try:
        write_text(tmp_path / "a.txt", "x")
        (tmp_path / "b.txt").write_text("x")
    finally:
        os.umask(old)
    mode = stat.S_IMODE((tmp_path / "a.txt").stat().st_mode)
    assert mode == stat.S_IMODE((tmp_path / "b.txt").stat().st_mode) == 0o640


def test_stop_on_error_prints_one_line_and_logs_the_detail(tmp_path, capsys):
    def bad():
        raise schema_problem({"trials": 0}, SCHEMA, prefix="s").error()

    with pytest.raises(SystemExit) as info:
        stop_on_error(bad, log=tmp_path / "logs" / "e.log")
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("fairopt: config key s.trials: 0 -- ") and "e.log" in err
    detail = (tmp_path / "logs" / "e.log").read_text()
    assert "Failed validating 'minimum'" in detail and "Traceback" in detail
    assert stop_on_error(lambda x: x + 1, 1, log=tmp_path / "unused.log") == 2


@pytest.mark.parametrize("config, expected", [
    ({"threds": 1}, r"config key \(top level\): unknown key\(s\) 'threds' \(did you mean threads\?\); allowed: "
                    r"dafh, .*; schema: .*config\.schema\.yaml, .*obermeyer\.schema\.yaml, every key: config/README\.md$"),
    ({"download_timeout": math.inf}, r"config key download_timeout: inf -- expected a finite number"),
    ({"obermeyer": {"source": "x"}}, r"config key obermeyer\.source: 'x' -- expected one of \['auto', 'real', 'standin'\]"),
    ({"threads": "2"}, r"config key threads: '2' -- .*quoted number"),
])
def test_the_top_level_config_is_checked_in_one_line(config, expected):
    schemas = REPO / "workflow" / "schemas" / "config.schema.yaml", REPO / "workflow" / "schemas" / "obermeyer.schema.yaml"
    check_top_level({"scale": "smoke"}, *schemas)
    with pytest.raises(ConfigError, match=expected) as info:
        check_top_level(config, *schemas)
    assert "\n" not in str(info.value)


def test_scip_stopped_at_a_limit_without_any_solution_is_a_solver_error(monkeypatch):
    """cvxpy's SCIP interface raises KeyError('value') there; solve() turns it into a SolverError."""
    def stopped(self, **kwargs):
        raise KeyError("value")

    monkeypatch.setattr(cp.Problem, "solve", stopped)
    with pytest.raises(SolverError, match=r"^SCIP stopped at a limit without a feasible solution \(status nodelimit"):
        solvers.solve(_knapsack(), "SCIP", node_limit=1)


def test_on_model_built_is_called_once_before_scip_optimises():
    calls = []
    rec = solvers.solve(_knapsack(), "SCIP", on_model_built=lambda: calls.append(1))
    assert calls == [1] and rec.status == "optimal" and "warm_start_accepted" not in rec.extra
    assert rec.objective == pytest.approx(solvers.solve(_knapsack(), "SCIP").objective, abs=1e-9)
