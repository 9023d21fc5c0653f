"""Tests of the fairness layer (fairopt.methods.flayer): projection, gradients, primal-dual, baselines, data."""
from __future__ import annotations

import cvxpy as cp
import numpy as np
import pandas as pd
import pytest
import torch

from fairopt.core.errors import ConfigError, DataError
from fairopt.methods.flayer import (FAMILIES, FairnessHead, FairnessLayer, PrimalDualInference, benchmark_layer,
                                    build_slabs, penalised_projection, select_penalty_lambda)
from fairopt.methods.flayer.training import parity_violation, pooled_gap
from fairopt.methods.flayer.layer import slab_bounds
from fairopt.core.solvers import resolve_solver, solve

BOXES = [None, (-1.0, 1.5)]


def _groups(family: str, n: int, rng: np.random.Generator, overlapping: bool = True) -> np.ndarray:
    if family in ("mean_parity", "equalized_odds"):
        return rng.integers(0, 2, n)
    if family == "attribute_parity":
        return rng.integers(0, 2, (n, 3))
    if family == "pairwise_parity":
        return rng.integers(0, 4, n)
    return rng.integers(0, 2, (n, 3)) if overlapping else rng.integers(0, 3, n)


def _batch(family: str, n: int, rng: np.random.Generator, overlapping: bool = True):
    g = _groups(family, n, rng, overlapping)
    first = g if g.ndim == 1 else g[:, 0]
    z = torch.tensor(rng.normal(size=n) + 0.8 * first, dtype=torch.float64)
    kw = {"labels": rng.integers(0, 2, n)}
    if family == "residual_parity":
        kw["targets"] = torch.tensor(rng.normal(size=n) * 0.4, dtype=torch.float64)
    return z, g, kw


def _layer(family, box, backend="exact", eps=0.05):
    lb, ub = box if box else (None, None)
    return FairnessLayer(family, eps, lb, ub, backend=backend)


def _qp(z, family, g, kw, eps, box):
    """Reference projection: cvxpy + Clarabel through fairopt.core.solvers."""
    n = len(z)
    slabs = build_slabs(family, g, n, eps, labels=kw.get("labels"), has_targets="targets" in kw)
    _, lo, hi = slab_bounds(slabs, kw.get("targets"), eps)
    y = cp.Variable(n)
    cons = [slabs.W @ y <= hi.numpy(), slabs.W @ y >= lo.numpy()] if slabs.m else []
    if box:
        cons += [y >= box[0], y <= box[1]]
    prob = cp.Problem(cp.Minimize(cp.sum_squares(y - z.numpy())), cons)
    solve(prob, resolve_solver("clarabel"), tol_gap_abs=1e-11, tol_gap_rel=1e-11, tol_feas=1e-11)
    return np.asarray(y.value)


def _fd_grad(f, z: torch.Tensor, v: torch.Tensor, h: float = 1e-6) -> np.ndarray:
    out = np.zeros(len(z))
    for i in range(len(z)):
        e = torch.zeros_like(z)
        e[i] = h
        out[i] = (float(f(z + e) @ v) - float(f(z - e) @ v)) / (2 * h)
    return out


# ------------------------------------------------------------------ constraints and projection

@pytest.mark.parametrize("box", BOXES)
@pytest.mark.parametrize("family", FAMILIES)
def test_exact_output_satisfies_every_constraint(family, box):
    rng = np.random.default_rng(1)
    layer = _layer(family, box)
    for trial in range(12):
        n = int(rng.integers(3, 80))
        z, g, kw = _batch(family, n, rng, overlapping=trial % 2 == 0)
        y = layer(z, g, **kw)
        assert y.shape == z.shape and y.dtype == z.dtype
        assert layer.violation(y, g, **kw) <= 1e-6


@pytest.mark.parametrize("family", ["mean_parity", "attribute_parity", "equalized_odds"])
def test_absent_group_drops_the_constraint(family):
    rng = np.random.default_rng(2)
    n = 20
    z = torch.tensor(rng.normal(size=n) * 3)
    g = np.zeros((n, 2), dtype=int) if family == "attribute_parity" else np.zeros(n, dtype=int)
    layer = FairnessLayer(family, 0.05, -1.0, 1.0)
    y = layer(z, g, labels=rng.integers(0, 2, n))
    assert torch.equal(y, torch.clamp(z, -1.0, 1.0))
    # equalized odds: only the label stratum with both groups present is constrained
    if family == "equalized_odds":
        g = np.array([0, 1] * 5 + [0] * 10)
        lab = np.array([1] * 10 + [0] * 10)
        slabs = build_slabs(family, g, n, 0.05, labels=lab)
        assert slabs.m == 1 and slabs.names == ["Y=1: m_0 - m_1"]


def test_pairwise_and_residual_skip_absent_groups():
    g = np.array([0, 0, 2, 2, 5, 5])  # codes 1, 3, 4 absent
    assert build_slabs("pairwise_parity", g, 6, 0.1).m == 3
    A = np.array([[1, 0], [1, 0], [1, 1]])  # attribute 0 never 0 -> 3 non-empty groups
    assert build_slabs("residual_parity", A, 3, 0.1, has_targets=True).m == 3


@pytest.mark.parametrize("box", BOXES)
@pytest.mark.parametrize("family", FAMILIES)
def test_exact_is_the_projection(family, box):
    """Output equals a Clarabel solve of the QP; idempotent; no move when feasible."""
    rng = np.random.default_rng(3)
    layer = _layer(family, box)
    for trial in range(4):
        n = int(rng.integers(6, 40))
        z, g, kw = _batch(family, n, rng, overlapping=trial % 2 == 0)
        y = layer(z, g, **kw)
        assert np.abs(y.numpy() - _qp(z, family, g, kw, 0.05, box)).max() <= 1e-6
        y2 = layer(y, g, **kw)
        assert torch.allclose(y2, y, atol=1e-9, rtol=0)
    # already feasible: nothing moves
    z, g, kw = _batch(family, 30, rng)
    y = layer(z, g, **kw)
    feasible = y + 0.0
    assert torch.allclose(layer(feasible, g, **kw), feasible, atol=1e-12, rtol=0)


def test_two_group_closed_form_without_box():
    """Reference note: group 0 shifts by -s(|d|-eps) n1/(n0+n1), group 1 by +s(|d|-eps) n0/(n0+n1)."""
    rng = np.random.default_rng(4)
    for sign in (1, -1):
        g = np.array([0] * 7 + [1] * 5)
        z = torch.tensor(rng.normal(size=12) + sign * 2.0 * (g == 0))
        d = float(z[g == 0].mean() - z[g == 1].mean())
        eps = 0.05
        y = FairnessLayer("mean_parity", eps)(z, g)
        s, excess = np.sign(d), abs(d) - eps
        assert np.allclose((y - z).numpy()[g == 0], -s * excess * 5 / 12, atol=1e-12)
        assert np.allclose((y - z).numpy()[g == 1], s * excess * 7 / 12, atol=1e-12)
        assert abs(float(y[g == 0].mean() - y[g == 1].mean())) == pytest.approx(eps, abs=1e-12)


def test_residual_parity_disjoint_closed_form():
    rng = np.random.default_rng(5)
    g = rng.integers(0, 3, 40)
    z, t = torch.tensor(rng.normal(size=40)), torch.tensor(rng.normal(size=40))
    eps = 0.1
    y = FairnessLayer("residual_parity", eps)(z, g, targets=t)
    for c in range(3):
        m, r = float(z[g == c].mean()), float(t[g == c].mean())
        shift = np.clip(m, r - eps, r + eps) - m
        assert np.allclose((y - z).numpy()[g == c], shift, atol=1e-12)


def test_input_shapes_and_bad_input():
    rng = np.random.default_rng(6)
    z = torch.tensor(rng.normal(size=(10, 1)), dtype=torch.float32)
    g = np.array([0, 1] * 5)
    y = FairnessLayer("mean_parity", 0.01)(z, g)
    assert y.shape == (10, 1) and y.dtype == torch.float32
    with pytest.raises(DataError, match="binary"):
        FairnessLayer("mean_parity", 0.01)(z, np.arange(10))
    with pytest.raises(ConfigError, match="family"):
        FairnessLayer("demographic", 0.01)
    with pytest.raises(ConfigError, match="both lb and ub"):
        FairnessLayer("mean_parity", 0.01, lb=0.0)
    with pytest.raises(ConfigError, match="targets"):
        FairnessLayer("residual_parity", 0.01)(z, g)


# ------------------------------------------------------------------ gradients and back ends

GRAD_CASES = [("mean_parity", None, False), ("mean_parity", (-1.0, 1.0), False),
              ("attribute_parity", (-1.0, 1.5), False), ("equalized_odds", (-1.0, 1.5), False),
              ("residual_parity", (-1.0, 1.5), True), ("pairwise_parity", None, False)]


@pytest.mark.parametrize("family,box,overlapping", GRAD_CASES)
def test_backends_agree_outputs_and_gradients(family, box, overlapping):
    rng = np.random.default_rng(7)
    exact, cvx = _layer(family, box), _layer(family, box, backend="cvxpylayers")
    for _ in range(2):
        z, g, kw = _batch(family, 18, rng, overlapping)
        v = torch.tensor(rng.normal(size=18))
        zz = z.clone().requires_grad_(True)
        ye = exact(zz, g, **kw)
        (ge,) = torch.autograd.grad(ye @ v, zz)
        zc = z.clone().requires_grad_(True)
        yc = cvx(zc, g, **kw)
        (gc,) = torch.autograd.grad(yc @ v, zc)
        with torch.no_grad():
            gf = _fd_grad(lambda x: exact(x, g, **kw), z, v)
        assert torch.allclose(ye, yc, atol=1e-6, rtol=0)
        assert np.abs(ge.numpy() - gf).max() <= 1e-6
        assert np.abs(gc.numpy() - gf).max() <= 1e-4
        assert cvx.violation(yc, g, **kw) <= 1e-5


def test_cvxpylayers_caches_by_group_pattern():
    rng = np.random.default_rng(8)
    layer = FairnessLayer("mean_parity", 0.05, -2.0, 2.0, backend="cvxpylayers")
    g = np.array([0] * 12 + [1] * 4)
    for _ in range(3):
        perm = rng.permutation(16)  # same counts, different rows: same pattern
        y = layer(torch.tensor(rng.normal(size=16) + g[perm]), g[perm])
        assert layer.violation(y, g[perm]) <= 1e-5
    assert layer._cvx.builds == 1


def test_gradient_with_respect_to_targets():
    rng = np.random.default_rng(9)
    g = rng.integers(0, 2, (15, 2))
    z = torch.tensor(rng.normal(size=15))
    t = torch.tensor(rng.normal(size=15), requires_grad=True)
    layer = FairnessLayer("residual_parity", 0.05, -1.5, 1.5)
    v = torch.tensor(rng.normal(size=15))
    (gt,) = torch.autograd.grad(layer(z, g, targets=t) @ v, t)
    with torch.no_grad():
        gf = _fd_grad(lambda tt: layer(z, g, targets=tt), t.detach(), v)
    assert np.abs(gt.numpy() - gf).max() <= 1e-6


def test_float32_output_feasible():
    rng = np.random.default_rng(10)
    g = rng.integers(0, 2, 2000)
    z = torch.tensor(rng.normal(size=2000) * 2 + g, dtype=torch.float32)
    layer = FairnessLayer("mean_parity", 0.05, -3.5, 3.5)
    assert layer.violation(layer(z, g), g) <= 1e-6


# ------------------------------------------------------------------ primal-dual

@pytest.mark.parametrize("box", BOXES)
def test_penalised_projection_matches_qp(box):
    rng = np.random.default_rng(11)
    for _ in range(6):
        n = int(rng.integers(4, 30))
        g = np.array([0, 1] + list(rng.integers(0, 2, n - 2)))
        z = rng.normal(size=n) + g
        c = float(rng.uniform(0, 6))
        y = penalised_projection(torch.tensor(z), g, c, *(box or (None, None))).numpy()
        w = (g == 0) / (g == 0).sum() - (g == 1) / (g == 1).sum()
        v = cp.Variable(n)
        cons = [v >= box[0], v <= box[1]] if box else []
        prob = cp.Problem(cp.Minimize(cp.sum_squares(v - z) + c * cp.abs(w @ v)), cons)
        solve(prob, resolve_solver("clarabel"), tol_gap_abs=1e-11, tol_gap_rel=1e-11, tol_feas=1e-11)
        assert np.abs(v.value - y).max() <= 1e-6


def test_penalised_soft_shift_and_gradient():
    g = np.array([0] * 6 + [1] * 4)
    rng = np.random.default_rng(12)
    z = torch.tensor(rng.normal(size=10) + 1.5 * (g == 0), requires_grad=True)
    d = float(z[g == 0].mean() - z[g == 1].mean())
    for c in (0.5, 3.0, 50.0):
        y = penalised_projection(z, g, c)
        d_new = float(y[g == 0].mean() - y[g == 1].mean())
        assert d_new == pytest.approx(np.sign(d) * max(abs(d) - c / 2 * (1 / 6 + 1 / 4), 0), abs=1e-12)
    v = torch.tensor(rng.normal(size=10))
    for c, box in ((3.0, (-0.5, 1.0)), (50.0, (-0.5, 1.0))):
        (gz,) = torch.autograd.grad(penalised_projection(z, g, c, *box) @ v, z)
        with torch.no_grad():
            gf = _fd_grad(lambda x: penalised_projection(x, g, c, *box), z.detach(), v)
        assert np.abs(gz.numpy() - gf).max() <= 1e-6


def test_primal_dual_stream_approaches_eps_and_meets_bound():
    rng = np.random.default_rng(13)
    eps = 0.05
    pd_layer = PrimalDualInference(eps, -3.5, 3.5, eta0=0.5)
    g = np.array([0] * 13 + [1] * 3)
    raw_gaps = []
    for _ in range(3000):
        z = torch.tensor(rng.normal(size=16) * 0.5 + 0.5 * g)
        raw_gaps.append(abs(float(z[g == 0].mean() - z[g == 1].mean())))
        pd_layer(z, g)
    s = pd_layer.summary()
    assert np.mean(raw_gaps) > 5 * eps  # the raw stream is far from fair
    assert s["weighted_gap"] <= s["bound"] + 1e-12
    assert s["bound"] <= eps + 0.02
    assert abs(s["weighted_gap"] - eps) <= 0.01
    assert abs(s["pooled_gap"] - eps) <= 0.01
    assert 0 < s["lambda_max"] < 100  # bounded dual
    assert s["n_samples"] == 3000 * 16
    pd_layer.reset()
    assert pd_layer.lam == 0.0 and pd_layer.summary()["n_samples"] == 0


def test_primal_dual_bound_holds_on_adversarial_stream():
    rng = np.random.default_rng(14)
    pd_layer = PrimalDualInference(0.02, eta0=0.1)
    for t in range(400):
        n = int(rng.integers(4, 24))
        g = np.array([0, 1] + list(rng.integers(0, 2, n - 2)))
        z = torch.tensor(rng.normal(size=n) + (3.0 if t % 50 < 25 else -1.0) * g)
        pd_layer(z, g)
        s = pd_layer.summary()
        assert s["weighted_gap"] <= s["bound"] + 1e-12


def test_head_switches_at_b_tau():
    head = FairnessHead(FairnessLayer("mean_parity", 0.05, -3.5, 3.5), b_tau=100)
    g = np.array([0, 1] * 100)
    z = torch.tensor(np.random.default_rng(15).normal(size=200) + g)
    y = head(z, g)
    assert head.layer.violation(y, g) <= 1e-6
    head.eval()
    head(z[:16], g[:16])
    assert head.pd_eval.t == 1 and head.pd_train.t == 0


# ------------------------------------------------------------------ baselines

def test_penalty_lambda_selection_rule():
    table = pd.DataFrame({
        "lam": [0.01, 0.1, 1.0, 10.0, 100.0],
        "val_loss": [0.50, 0.55, 0.60, 0.58, 0.90],
        "val_gap": [0.30, 0.08, 0.04, 0.03, 0.001],
    })
    # feasible (gap <= 0.05): 1, 10, 100 -> lowest loss is lambda = 10
    assert select_penalty_lambda(table, 0.05) == (10.0, True)
    # none feasible -> smallest gap, flagged
    assert select_penalty_lambda(table, 1e-4) == (100.0, False)
    # everything feasible -> plain lowest validation loss
    assert select_penalty_lambda(table, 1.0) == (0.01, True)


def test_parity_violation_is_the_penalty():
    y = torch.tensor([1.0, 2.0, 0.0, 1.0], requires_grad=True)
    g = np.array([0, 0, 1, 1])
    v = parity_violation(y, g, "mean_parity")
    assert float(v) == pytest.approx(1.0)
    v.backward()
    assert torch.allclose(y.grad, torch.tensor([0.5, 0.5, -0.5, -0.5]))
    assert pooled_gap(y.detach().numpy(), g, "mean_parity") == pytest.approx(1.0)


def test_benchmark_layer_smoke():
    table = benchmark_layer(batch_sizes=(16,), repeats=1, seed=0)
    assert list(table["batch_size"]) == [16]
    assert {"exact_ms", "cvxpylayers_ms", "speedup", "max_abs_diff_output"} <= set(table.columns)
    assert table["max_abs_diff_output"].iloc[0] <= 1e-6


# ------------------------------------------------------------------ slow: real files, large batches

@pytest.mark.slow
def test_employee_sized_residual_parity_backends_agree():
    rng = np.random.default_rng(16)
    n = 1200
    g = rng.integers(0, 2, (n, 5))
    t = torch.tensor(rng.uniform(0, 1, n))
    z = torch.tensor(np.clip(t.numpy() + rng.normal(0, 0.15, n) + 0.05 * g[:, 0], -0.2, 1.2), requires_grad=True)
    exact = FairnessLayer("residual_parity", 1e-4, 0.0, 1.0)
    cvx = FairnessLayer("residual_parity", 1e-4, 0.0, 1.0, backend="cvxpylayers")
    v = torch.tensor(rng.normal(size=n))
    ye = exact(z, g, targets=t)
    (ge,) = torch.autograd.grad(ye @ v, z)
    yc = cvx(z, g, targets=t)
    (gc,) = torch.autograd.grad(yc @ v, z)
    assert exact.violation(ye, g, targets=t) <= 1e-9
    assert torch.allclose(ye, yc, atol=1e-5, rtol=0)
    assert np.abs(ge.numpy() - gc.numpy()).max() <= 5e-3  # diffcp (lsqr) derivative accuracy
    worst = np.argsort(-np.abs(ge.numpy() - gc.numpy()))[:4]
    with torch.no_grad():
        for k in worst:  # the exact gradient is the finite-difference one
            e = torch.zeros(n, dtype=torch.float64)
            e[k] = 1e-7
            fd = (float(exact(z + e, g, targets=t) @ v) - float(exact(z - e, g, targets=t) @ v)) / 2e-7
            assert abs(float(ge[k]) - fd) <= 1e-6
