"""The fairness layer's exact solver (warm starts, rank), training of F-Layer and its baselines, and
equal-composition batches (fairopt.methods.flayer)."""
from __future__ import annotations

import cvxpy as cp
import numpy as np
import pytest
import torch

from fairopt.core.models import mlp
from fairopt.core.solvers import resolve_solver, solve
from fairopt.core.training import OptimizerConfig
from fairopt.data.container import FairData
from fairopt.data.synthetic.layer import make_synthetic
from fairopt.methods.flayer import FairnessLayer, build_slabs, exact
from fairopt.methods.flayer.constraints import AbsentGroupWarning
from fairopt.methods.flayer.layer import slab_bounds
from fairopt.methods.flayer.training import (TrainConfig, count_absent_batches, fit_flayer, fit_penalty,
                                             fit_projection, make_batches, predict)


# ------------------------------------------------------------------ exact solver: warm start, rank

def _qp(z, W, lo, hi, lb, ub):
    y = cp.Variable(len(z))
    cons = [W @ y <= hi, W @ y >= lo] + ([] if lb is None else [y >= lb, y <= ub])
    solve(cp.Problem(cp.Minimize(cp.sum_squares(y - z)), cons), resolve_solver("clarabel"),
          tol_gap_abs=1e-11, tol_gap_rel=1e-11, tol_feas=1e-11)
    return np.asarray(y.value)


def test_independent_rows_of_complementary_groups():
    rng = np.random.default_rng(0)
    A = (rng.random((200, 4)) < 0.4).astype(int)
    W = build_slabs("residual_parity", A, 200, 0.1, has_targets=True).W  # 8 rows, rank 5
    keep = exact._independent_rows(W)
    assert keep.size == np.linalg.matrix_rank(W) == 5
    assert np.linalg.matrix_rank(W[keep]) == keep.size
    assert np.array_equal(exact._independent_rows(W[:3]), np.arange(3))


def test_warm_started_residual_parity_is_the_projection_with_the_kkt_gradient():
    """Full-batch training projects the same rows every epoch: the warm start must return the
    projection (checked against Clarabel) and its gradient (checked by finite differences)."""
    rng = np.random.default_rng(1)
    n = 160
    g = (rng.random((n, 4)) < [0.2, 0.4, 0.6, 0.3]).astype(int)
    t = torch.tensor(rng.uniform(0, 1, n))
    base = np.clip(t.numpy() + rng.normal(0, 0.2, n) + g @ [0.06, -0.05, 0.04, 0.02], -0.3, 1.3)
    layer = FairnessLayer("residual_parity", 1e-3, 0.0, 1.0)
    slabs = build_slabs("residual_parity", g, n, 1e-3, has_targets=True)
    _, lo, hi = slab_bounds(slabs, t, 1e-3)
    v = torch.tensor(rng.normal(size=n))
    for step in range(4):
        z = torch.tensor(base + rng.normal(0, 2e-3, n), requires_grad=True)
        y = layer(z, g, targets=t)
        assert 8 in layer._warm  # the verified active sets are kept for the next batch
        assert np.abs(y.detach().numpy() - _qp(z.detach().numpy(), slabs.W, lo.numpy(), hi.numpy(), 0.0, 1.0)).max() <= 1e-6
        assert layer.violation(y, g, targets=t) <= 1e-9
        if step == 3:
            (gz,) = torch.autograd.grad(y @ v, z)
            with torch.no_grad():
                for k in rng.choice(n, 6, replace=False):
                    e = torch.zeros(n, dtype=torch.float64)
                    e[k] = 1e-7
                    fd = (float(layer(z + e, g, targets=t) @ v) - float(layer(z - e, g, targets=t) @ v)) / 2e-7
                    assert abs(float(gz[k]) - fd) <= 1e-6


def test_poor_warm_start_is_rejected_by_the_kkt_check():
    rng = np.random.default_rng(2)
    n = 60
    g = rng.integers(0, 2, (n, 2))
    z = rng.normal(size=n) + g @ [1.0, -0.7]
    W = build_slabs("attribute_parity", g, n, 0.01).W
    lo, hi = np.full(2, -0.01), np.full(2, 0.01)
    wrong = exact.ActiveSet(free=np.ones(n, bool), y_fixed=np.zeros(n), active=np.array([True, True]),
                            upper=np.array([False, True]), mu=np.array([-50.0, 50.0]))
    aset = exact.solve_dual(z, W, lo, hi, None, None, warm=wrong)
    y = exact.polish(torch.tensor(z), W, aset, torch.tensor(lo), torch.tensor(hi)).numpy()
    assert np.abs(y - _qp(z, W, lo, hi, None, None)).max() <= 1e-7


# ------------------------------------------------------------------ training details

def test_penalty_grid_records_diverged_fits():
    data = make_synthetic(1, n_rows=300, n_features=4, seed=0)
    train, val = data.subset(np.arange(200)), data.subset(np.arange(200, 300))
    cfg = TrainConfig(eps=0.05, batch_size=100, eval_batch_size=100, b_tau=50, epochs=2,
                      optimizer=OptimizerConfig("sgd", 1e30), penalty_lambdas=(1.0,), penalty_box_sigmoid=False)
    with pytest.raises(FloatingPointError, match="every penalty fit diverged"):
        fit_penalty(lambda: mlp(5, [4], 1), train, val, cfg)
    cfg.optimizer = OptimizerConfig("adam", 1e-3)
    cfg.penalty_lambdas = (1.0, 1e12)
    # lambda 1e12 with plain SGD on an unbounded output would blow up; with Adam both finish:
    tm = fit_penalty(lambda: mlp(5, [4], 1), train, val, cfg)
    assert list(tm.selection["diverged"]) == [False, False]
    out = predict(tm, val, cfg, batch_gaps=True, batch_size=20)
    assert out["batch_gap"].shape == (5,) and not out["batch_primal_dual"].any()


def test_projection_model_selection_ignores_the_projection():
    data = make_synthetic(4, n_rows=300, n_features=4, seed=0)
    train, val = data.subset(np.arange(200)), data.subset(np.arange(200, 300))
    cfg = TrainConfig(eps=0.05, lb=data.meta["lb"], ub=data.meta["ub"], batch_size=100, eval_batch_size=100,
                      b_tau=50, epochs=2, optimizer=OptimizerConfig("adam", 1e-3))
    tm = fit_projection(lambda: mlp(5, [4], 1), train, val, cfg)
    raw = predict(tm, val, cfg, deploy=False)
    assert np.array_equal(raw["pred"], raw["raw"])
    # early stopping and the restored weights follow the unprojected validation loss
    assert tm.result.history[tm.result.best_epoch]["val_loss"] == pytest.approx(raw["loss"])
    deployed = predict(tm, val, cfg)  # one validation batch of 100 rows: projected onto the parity set
    assert deployed["pooled_gap"] <= 0.05 + 1e-9
    assert raw["pooled_gap"] <= 0.05 or not np.allclose(deployed["pred"], raw["pred"])


# ------------------------------------------------------------------ equal-composition batches

def test_equal_count_batches_and_prediction_on_the_rows_used():
    from fairopt.core.splits import stratified_batches

    rng = np.random.default_rng(0)
    g = (rng.random(1000) < 0.21).astype(int)
    batches = stratified_batches(g, 16, np.random.default_rng(1), equal_counts=True)
    comps = {tuple(np.bincount(g[b], minlength=2)) for b in batches}
    assert comps == {(13, 3)}  # round(16 * 0.79) = 13, round(16 * 0.21) = 3, in every batch
    used = np.concatenate(batches)
    assert len(set(used)) == len(used) == 16 * len(batches) and len(batches) == min((g == 0).sum() // 13, (g == 1).sum() // 3)
    assert len(stratified_batches(g, 5000, np.random.default_rng(1), equal_counts=True)[0]) == 1000
    three = np.repeat([0, 1, 2], [90, 9, 1])
    comps = {tuple(np.bincount(three[b], minlength=3)) for b in stratified_batches(three, 10, rng, equal_counts=True)}
    assert comps == {(8, 1, 1)}  # every group present when the batch allows
    # predict: rows left over are not predicted, metrics only on the predicted rows
    data = make_synthetic(0, n_rows=500, n_features=4, seed=0)
    cfg = TrainConfig(eps=0.05, lb=data.meta["lb"], ub=data.meta["ub"], batch_size=100, eval_batch_size=16,
                      b_tau=50, epochs=1, optimizer=OptimizerConfig("adam", 1e-3), equal_batches=True)
    tm = fit_projection(lambda: mlp(5, [4], 1), data, None, cfg)
    out = predict(tm, data, cfg, batch_gaps=True)
    rows = out["rows"]
    assert 0 < len(rows) < 500 and np.isnan(np.delete(out["pred"], rows)).all()
    assert out["loss"] == pytest.approx(float(np.mean((out["pred"][rows] - data.y[rows]) ** 2)))
    # equal compositions: the pooled gap is the mean of the signed batch gaps, so at most eps
    assert out["pooled_gap"] <= 0.05 + 1e-9 and out["batch_gap"].max() <= 0.05 + 1e-9


# ------------------------------------------------------------------ absent groups are counted in training and inference

def _rare_group_data(n: int = 40, n_rare: int = 2) -> FairData:
    rng = np.random.default_rng(7)
    g = np.zeros(n, dtype=np.int64)
    g[:n_rare] = 1
    X = np.column_stack([g, rng.normal(size=(n, 3))]).astype(np.float32)
    y = (X[:, 1] + g + 0.1 * rng.normal(size=n)).astype(np.float32)
    return FairData(X, y, g, ["a", "x1", "x2", "x3"], ["a"], {"lb": -3.5, "ub": 3.5})


def test_batches_with_an_absent_group_are_counted_in_training_and_inference():
    data = _rare_group_data()
    batches = make_batches(data, 10, seed=0)(0)
    assert len(batches) == 4
    # 2 rows of group 1 over 4 stratified batches: 2 batches lack group 1
    assert count_absent_batches(batches, "mean_parity") == 2
    assert count_absent_batches(make_batches(data.subset(np.arange(2, 40)), 10, 0)(0), "mean_parity") == 4
    cfg = TrainConfig(eps=0.05, lb=-3.5, ub=3.5, batch_size=10, eval_batch_size=10, b_tau=1, epochs=3,
                      optimizer=OptimizerConfig("adam", 1e-3), early_stopping_patience=None)
    with pytest.warns(AbsentGroupWarning):  # the hard layer drops the constraint on those batches, once warned
        tm = fit_flayer(lambda: mlp(4, [4], 1), data, data, cfg)
    assert tm.absent_train_batches == 3 * 2 and tm.absent_val_batches == 2
    out = predict(tm, data, cfg)
    assert out["n_absent_batches"] == 2
    full = predict(tm, data, cfg, batch_size=40)  # one batch with every group
    assert full["n_absent_batches"] == 0
