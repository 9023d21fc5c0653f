"""Shared modules: atomic io, metrics, solver wrapper, training loop, scorecard, provenance."""
from __future__ import annotations

import json

import cvxpy as cp
import numpy as np
import pytest
import torch

from fairopt.core import metrics
from fairopt.core.errors import ConfigError, DataError, SolverError
from fairopt.core.io import atomic_path, read_json, write_csv, write_json
from fairopt.core.models import mlp
from fairopt.data.provenance import Provenance, read_provenance
from fairopt.report.scorecard import compare_claim, compare_number, not_run, write_scorecard
from fairopt.core.solvers import resolve_solver, solve
from fairopt.core.training import OptimizerConfig, SchedulerConfig, fit


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    dest = tmp_path / "out.txt"
    with pytest.raises(RuntimeError):
        with atomic_path(dest) as tmp:
            tmp.write_text("half")
            raise RuntimeError("killed")
    assert not dest.exists()
    assert list(tmp_path.iterdir()) == []


def test_json_is_deterministic_and_rejects_nan_silently_becoming_numbers(tmp_path):
    write_json(tmp_path / "a.json", {"b": np.float64(1.5), "a": np.arange(2), "c": float("nan")})
    text = (tmp_path / "a.json").read_text()
    assert json.loads(text) == {"a": [0, 1], "b": 1.5, "c": None}
    assert text.index('"a"') < text.index('"b"')
    assert read_json(tmp_path / "a.json")["b"] == 1.5


def test_group_gaps_numpy_and_torch_agree():
    y = np.array([1.0, 2.0, 3.0, 4.0])
    pred = np.array([1.5, 2.0, 2.0, 5.0])
    g = np.array([0, 0, 1, 1])
    assert metrics.mean_gap(pred, g) == pytest.approx(abs(1.75 - 3.5))
    assert metrics.mse_gap(y, pred, g) == pytest.approx(abs((0.25 + 0) / 2 - (1 + 1) / 2))
    t = metrics.mean_gap(torch.tensor(pred), torch.tensor(g))
    assert float(t) == pytest.approx(1.75)
    with pytest.raises(ValueError, match="group 1 has no rows"):
        metrics.mean_gap(pred, np.zeros(4, int))


def test_exact_unfairness_matches_brute_force():
    rng = np.random.default_rng(1)
    pred = np.round(rng.normal(size=60), 1)  # ties
    a = rng.integers(0, 2, 60)
    grid = np.concatenate([np.unique(pred) - 1e-9, np.unique(pred), [pred.min() - 1, pred.max() + 1]])
    brute = max(abs((pred > b).mean() - (pred[a == 1] > b).mean()) for b in grid)
    assert metrics.exact_unfairness(pred, a) == pytest.approx(brute)
    assert metrics.discretized_unfairness(pred, a, np.unique(pred)) == pytest.approx(brute)


def test_solver_wrapper_raises_on_infeasible_and_unknown_names():
    x = cp.Variable()
    with pytest.raises(SolverError, match="infeasible"):
        solve(cp.Problem(cp.Minimize(x), [x >= 1, x <= 0]), resolve_solver("clarabel"))
    with pytest.raises(ConfigError, match="unknown conic solver"):
        resolve_solver("cplex")
    with pytest.raises(ConfigError, match="unknown mixed-integer solver"):
        resolve_solver("clarabel", mixed_integer=True)


def test_solver_wrapper_records_mip_statistics():
    z = cp.Variable(4, boolean=True)
    rec = solve(cp.Problem(cp.Maximize(cp.sum(z)), [cp.sum(z) <= 2.5]), resolve_solver("scip", mixed_integer=True))
    assert rec.status == "optimal" and rec.objective == pytest.approx(2.0) and rec.gap < 1e-6
    assert rec.nodes is not None


def test_fit_reduces_loss_and_records_history():
    torch.manual_seed(0)
    x = torch.randn(256, 3)
    y = x @ torch.tensor([1.0, -2.0, 0.5]) + 0.1
    model = mlp(3, [], 1)

    def loss_fn(m, batch):
        xb, yb = batch
        loss = ((m(xb).squeeze(-1) - yb) ** 2).mean()
        return loss, {"mse": loss.item()}

    result = fit(model, loss_fn, lambda e: [(x, y)], epochs=200,
                 optimizer=OptimizerConfig("adam", lr=0.05), scheduler=SchedulerConfig("plateau", patience=5))
    assert len(result.history) == 200
    assert result.history[-1]["loss"] < 1e-3 < result.history[0]["loss"]
    assert {"epoch", "loss", "mse", "lr", "seconds"} <= set(result.history[0])


def test_fit_early_stopping_and_restore_best():
    model = mlp(1, [], 1)
    values = iter([5.0, 4.0, 3.0, 3.5, 3.6, 3.7, 3.8])

    def loss_fn(m, batch):
        return (m(torch.ones(1, 1)) ** 2).sum() * 0, {}

    res = fit(model, loss_fn, lambda e: [None], epochs=7, optimizer=OptimizerConfig(),
              evaluate=lambda m: {"val": next(values)}, monitor="val", early_stopping_patience=2, restore_best=True)
    assert res.stopped_early and res.best_epoch == 2 and res.epochs_run == 5


def test_scorecard_verdicts(tmp_path):
    rows = [compare_number("s", "a", 10.0, 10.5, rel_tol=0.1),
            compare_number("s", "b", 10.0, 12.0, rel_tol=0.1),
            compare_number("s", "c", 10.0, 10.0, rel_tol=0.1, comparable=False, note="stand-in data"),
            compare_claim("s", "d", "x < y", True, "x=1, y=2"),
            not_run("s", "e", "3.2", "needs a GPU"),
            compare_claim("s", "f", "x < y", True, "x=1, y=2", conclusive=False, note="2 of 5 trials"),
            compare_number("s", "g", 10.0, 30.0, rel_tol=0.1, conclusive=False)]
    frame = write_scorecard(rows, tmp_path / "s.csv", tmp_path / "s.md", title="S")
    assert list(frame["verdict"]) == ["reproduced", "not reproduced", "not comparable", "reproduced", "not run",
                                      "inconclusive", "inconclusive"]
    assert "2 reproduced" in (tmp_path / "s.md").read_text()


def test_provenance_round_trip_and_banner(tmp_path):
    p = Provenance("standin", "ab" * 32, "cd" * 20, 7, "fairopt")
    p.write(tmp_path / "p.json")
    q = read_provenance(tmp_path / "p.json")
    assert q.label == "standin(seed=7)" and "STAND-IN" in q.banner
    assert Provenance("real", "x", "22c9f9e50313").label == "real"


def test_write_csv_is_atomic_and_deterministic(tmp_path):
    import pandas as pd

    frame = pd.DataFrame({"a": [0.1, 1 / 3], "b": ["x", "y"]})
    write_csv(tmp_path / "f.csv", frame)
    first = (tmp_path / "f.csv").read_bytes()
    write_csv(tmp_path / "f.csv", frame)
    assert (tmp_path / "f.csv").read_bytes() == first


def test_benchmark_rows_compute_ratio_and_target(tmp_path):
    import pandas as pd

    from fairopt.report.benchmark_table import bench_row, write_benchmark_table

    fast = bench_row("fdfl", "seconds_per_trial", "dfl", "seconds", 1.5, "s", reference=17.0, comparison="<=")
    slow = bench_row("fdfl", "speedup", "n=48784", "speedup", 50.0, "x", reference=100.0, comparison=">=")
    info = bench_row("fdfl", "seconds_per_trial", "two_stage", "seconds", 2.0, "s", reference=4.0,
                     comparison="ratio", machine="test")
    assert fast.target_met is True and slow.target_met is False and info.target_met is None
    assert info.ratio == pytest.approx(0.5) and info.machine == "test"
    with pytest.raises(ValueError, match="not finite"):
        bench_row("fdfl", "b", "s", "m", float("nan"), "s")
    with pytest.raises(ValueError, match="needs a reference"):
        bench_row("fdfl", "b", "s", "m", 1.0, "s", comparison="<=")
    frame = write_benchmark_table([fast, slow, info], tmp_path / "b.csv", tmp_path / "b.md", title="T")
    assert list(pd.read_csv(tmp_path / "b.csv")["value"]) == [1.5, 50.0, 2.0]
    assert "1 of 2 targets met" in (tmp_path / "b.md").read_text()
    assert len(frame) == 3


def test_combine_scorecards_sections_and_counts(tmp_path):
    import pandas as pd

    from fairopt.report.scorecard import combine_scorecards, scorecard_frame

    a = scorecard_frame([compare_number("fdfl", "x", 1.0, 1.05, rel_tol=0.1, data_source="standin(seed=0)")])
    b = scorecard_frame([not_run("layer", "y", "0.89", "needs GPUs")])
    out = combine_scorecards({"fdfl": a, "layer": b}, tmp_path / "s.csv", tmp_path / "s.md")
    assert list(out["verdict"]) == ["reproduced", "not run"]
    md = (tmp_path / "s.md").read_text()
    assert "## fdfl" in md and "## layer" in md and "Data: standin(seed=0)" in md
    assert "1 reproduced, 0 not reproduced, 0 inconclusive, 0 not comparable, 1 not run" in md
    with pytest.raises(ValueError, match="lacks columns"):
        combine_scorecards({"bad": pd.DataFrame({"study": ["x"]})}, tmp_path / "t.csv", tmp_path / "t.md")


def test_survival_gap_matches_direct_counts():
    rng = np.random.default_rng(5)
    pred = np.round(rng.normal(size=40), 1)  # ties on purpose
    group = rng.integers(0, 2, 40)
    b = np.array([-5.0, -0.3, 0.0, 0.2, 5.0])
    direct = [(pred > t).mean() - (pred[group == 1] > t).mean() for t in b]
    np.testing.assert_allclose(metrics.survival_gap(pred, group, b), direct, atol=1e-15)
    assert metrics.discretized_unfairness(pred, group, b) == pytest.approx(np.max(np.abs(direct)))


def test_classification_metrics_and_gaps():
    m = metrics.classification_metrics(np.array([-2.0, -1.0, 1.0, 3.0]), np.array([0, 0, 1, 1]))
    assert m["auc"] == 1.0 and m["ap"] == 1.0 and m["error_rate"] == 0.0
    assert metrics.classification_metrics(np.zeros(4), np.array([0, 1, 0, 1]))["auc"] == 0.5
    with pytest.raises(DataError, match="both classes"):
        metrics.classification_metrics(np.zeros(3), np.ones(3))
    gaps = metrics.attribute_gaps(np.array([1.0, 2.0, 3.0, 5.0]), np.array([[0, 1], [0, 1], [1, 1], [1, 1]]))
    assert gaps[0] == pytest.approx(-2.5) and np.isnan(gaps[1])


    # torch input keeps torch's arithmetic; the numbers agree with numpy's
    import torch

    tgaps = metrics.attribute_gaps(torch.tensor([1.0, 2.0, 3.0, 5.0], dtype=torch.float64), np.array([0, 0, 1, 1]))
    assert tgaps[0] == pytest.approx(-2.5)
