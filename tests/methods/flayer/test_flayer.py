"""Tests of the fairness layer (fairopt.methods.flayer): projection, gradients, primal-dual, baselines, data."""
from __future__ import annotations

import math
import warnings

import cvxpy as cp
import numpy as np
import pandas as pd
import pytest
import torch

from fairopt.core.errors import ConfigError, DataError, SolverError
from fairopt.methods.flayer import (FAMILIES, FairnessHead, FairnessLayer, PrimalDualInference, benchmark_layer,
                                    build_slabs, exact, penalised_projection, select_penalty_lambda)
from fairopt.methods.flayer import benchmark as bench
from fairopt.methods.flayer.constraints import AbsentGroupWarning, group_keys
from fairopt.methods.flayer.cvx import CvxpyProjector
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
    with pytest.warns(AbsentGroupWarning, match="constrained group is absent"):
        y = layer(z, g, labels=rng.integers(0, 2, n))
    assert torch.equal(y, torch.clamp(z, -1.0, 1.0))
    assert layer.n_absent_batches == 1 and layer.n_dropped_constraints == (1 if family == "mean_parity" else 2)
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


# ------------------------------------------------------------------ absent groups are named, counted, warned once

def test_dropped_constraints_are_named_for_every_family():
    one_group = np.zeros(6, dtype=int)
    assert build_slabs("mean_parity", one_group, 6, 0.1).dropped == ["m_0 - m_1"]
    assert build_slabs("mean_parity", np.array([0, 1] * 3), 6, 0.1).dropped == []
    A = np.array([[0, 1], [1, 1], [0, 1]])  # attribute 1 has no A=0 rows
    assert build_slabs("attribute_parity", A, 3, 0.1).dropped == ["A1: m(A=0) - m(A=1)"]
    assert build_slabs("residual_parity", A, 3, 0.1, has_targets=True).dropped == ["A1=0: m(y) - m(t)"]
    eo = build_slabs("equalized_odds", np.array([0, 1, 0, 0]), 4, 0.1, labels=np.array([0, 0, 1, 1]))
    assert eo.dropped == ["Y=1: m_0 - m_1"] and eo.m == 1
    # integer codes: absent only relative to the groups expected
    g = np.array([0, 0, 2, 2])
    assert build_slabs("pairwise_parity", g, 4, 0.1).dropped == []
    pw = build_slabs("pairwise_parity", g, 4, 0.1, expected_groups=[0, 1, 2])
    assert pw.m == 1 and pw.dropped == ["m_0 - m_1", "m_1 - m_2"] and pw.present == [0, 2]
    res = build_slabs("residual_parity", g, 4, 0.1, has_targets=True, expected_groups=np.array([0, 1, 2]))
    assert res.m == 2 and res.dropped == ["m_1(y) - m_1(t)"]
    rows = np.array([[0, 1], [1, 0], [1, 0]])
    assert group_keys("pairwise_parity", rows) == [(0, 1), (1, 0)]
    assert build_slabs("pairwise_parity", rows, 3, 0.1, expected_groups=[(0, 1), (1, 0), (1, 1)]).dropped == [
        "m_(0, 1) - m_(1, 1)", "m_(1, 0) - m_(1, 1)"]
    assert group_keys("residual_parity", A) == [] and group_keys("mean_parity", g) == []


def test_layer_counts_absent_group_batches_and_warns_once():
    rng = np.random.default_rng(21)
    layer = FairnessLayer("mean_parity", 0.05, -3.5, 3.5)
    full = np.array([0, 1] * 8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a batch with both groups warns nothing
        layer(torch.tensor(rng.normal(size=16)), full)
    assert layer.n_absent_batches == 0
    with pytest.warns(AbsentGroupWarning) as caught:
        for _ in range(3):
            layer(torch.tensor(rng.normal(size=16)), np.ones(16, dtype=int))
    assert len(caught) == 1 and "n_absent_batches" in str(caught[0].message)
    assert "\n" not in str(caught[0].message)
    assert layer.n_absent_batches == 3 and layer.n_dropped_constraints == 3
    # integer codes: a code seen in an earlier batch and missing now counts as absent
    pw = FairnessLayer("pairwise_parity", 0.05)
    pw(torch.tensor(rng.normal(size=6)), np.array([0, 1, 2] * 2))
    assert pw.n_absent_batches == 0
    with pytest.warns(AbsentGroupWarning, match="m_0 - m_2"):
        pw(torch.tensor(rng.normal(size=6)), np.array([0, 1] * 3))
    assert pw.n_absent_batches == 1 and pw.n_dropped_constraints == 2


def test_primal_dual_counts_absent_batches_and_warns_once_across_resets():
    pd_layer = PrimalDualInference(0.05, -3.5, 3.5)
    z = torch.tensor(np.random.default_rng(22).normal(size=8))
    with pytest.warns(AbsentGroupWarning) as caught:
        pd_layer(z, np.zeros(8, dtype=int))
        pd_layer.reset()
        pd_layer(z, np.zeros(8, dtype=int))
        pd_layer(z, np.ones(8, dtype=int))
    assert len(caught) == 1
    s = pd_layer.summary()
    assert s["n_absent_batches"] == 2 and s["n_updates"] == 0 and pd_layer.lam == 0.0


# ------------------------------------------------------------------ non-finite input is refused

@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("backend", ["exact", "cvxpylayers"])
@pytest.mark.parametrize("box", BOXES)
def test_non_finite_scores_raise_a_one_line_error(bad, backend, box):
    rng = np.random.default_rng(23)
    g = np.array([0, 1] * 10)
    z = torch.tensor(rng.normal(size=20) + 2.0 * g)
    z[3] = bad
    z[7] = bad
    layer = _layer("mean_parity", box, backend=backend)
    with pytest.raises(DataError, match=r"^FairnessLayer: input z has 2 non-finite values \(NaN/inf\) of 20, "
                                        r"first at row 3; expected finite scores$") as err:
        layer(z, g)
    assert "\n" not in str(err.value)
    with pytest.raises(DataError, match="input z has 2 non-finite"):
        layer(z.reshape(-1, 1).float(), g)


def test_non_finite_targets_and_back_end_entry_points_raise():
    rng = np.random.default_rng(24)
    g = rng.integers(0, 2, (12, 2))
    z = torch.tensor(rng.normal(size=12))
    t = torch.tensor(rng.normal(size=12))
    t[5] = math.nan
    with pytest.raises(DataError, match="^FairnessLayer: targets has 1 non-finite.*expected finite targets$"):
        FairnessLayer("residual_parity", 0.05, -3.0, 3.0)(z, g, targets=t)
    slabs = build_slabs("mean_parity", g[:, 0], 12, 0.05)
    lo, hi = torch.full((1,), -0.05, dtype=torch.float64), torch.full((1,), 0.05, dtype=torch.float64)
    zbad = z.clone()
    zbad[0] = math.inf
    with pytest.raises(DataError, match=r"fairness layer \(exact back end\): input z has 1"):
        exact.project(zbad, slabs.W, lo, hi, -3.0, 3.0)
    with pytest.raises(DataError, match=r"fairness layer \(exact back end\): input z has 1"):
        exact.project(zbad, np.zeros((0, 12)), lo[:0], hi[:0], -3.0, 3.0)  # no constraint: still refused
    with pytest.raises(DataError, match=r"fairness layer \(exact back end\): slab bounds"):
        exact.project(z, slabs.W, lo, torch.full((1,), math.nan, dtype=torch.float64), -3.0, 3.0)
    with pytest.raises(DataError, match=r"fairness layer \(cvxpylayers back end\): input z has 1"):
        CvxpyProjector()(zbad, slabs.W, lo, hi, -3.0, 3.0)


def test_primal_dual_and_head_refuse_non_finite_scores_and_keep_their_state():
    rng = np.random.default_rng(25)
    g = np.array([0, 1] * 8)
    pd_layer = PrimalDualInference(0.05, -3.5, 3.5)
    pd_layer(torch.tensor(rng.normal(size=16) + 3.0 * g), g)
    state = (pd_layer.lam, pd_layer.t, pd_layer.n_batches, pd_layer.lambda_max, len(pd_layer.history))
    z = torch.tensor(rng.normal(size=16) + 3.0 * g)
    z[4] = math.nan
    with pytest.raises(DataError, match="^PrimalDualInference: input z has 1 non-finite values"):
        pd_layer(z, g)
    assert (pd_layer.lam, pd_layer.t, pd_layer.n_batches, pd_layer.lambda_max, len(pd_layer.history)) == state
    with pytest.raises(DataError, match="^penalised_projection: input z has 1 non-finite"):
        penalised_projection(z, g, 1.0, -3.5, 3.5)
    head = FairnessHead(FairnessLayer("mean_parity", 0.05, -3.5, 3.5), b_tau=100)
    head.eval()
    with pytest.raises(DataError, match="PrimalDualInference: input z"):
        head(z, g)  # 16 < b_tau: primal-dual
    with pytest.raises(DataError, match="FairnessLayer: input z"):
        head(torch.cat([z] * 7), np.concatenate([g] * 7))  # 112 >= b_tau: hard layer
    assert head.pd_eval.t == 0


def test_violation_of_non_finite_outputs_is_infinite():
    layer = FairnessLayer("mean_parity", 0.05, -3.5, 3.5)
    g = np.array([0, 1] * 4)
    y = torch.zeros(8, dtype=torch.float64)
    assert layer.violation(y, g) == 0.0
    for bad in (math.nan, math.inf):
        y[2] = bad
        assert layer.violation(y, g) == math.inf
    assert layer.violation(torch.full((8,), math.nan), g) == math.inf
    res = FairnessLayer("residual_parity", 0.05)
    t = torch.zeros(8, dtype=torch.float64)
    t[0] = math.nan
    with pytest.raises(DataError, match="FairnessLayer.violation: targets has 1 non-finite"):
        res.violation(torch.zeros(8, dtype=torch.float64), g, targets=t)


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


def test_head_trains_small_batches_through_the_primal_dual_layer():
    """As the authors' experiment code (b256-i16 with b_tau 1000): a training batch below b_tau goes through
    the training dual (eta0_train), not the hard layer, and the gradient flows through the penalised projection."""
    head = FairnessHead(FairnessLayer("mean_parity", 0.05, -3.5, 3.5), b_tau=1000, eta0_train=0.1, eta0_eval=0.5)
    head.train()
    rng = np.random.default_rng(16)
    g = np.array([0, 1] * 128)
    z = torch.tensor(rng.normal(size=256) + 2.0 * g, requires_grad=True)
    y = head(z, g)
    assert head.pd_train.t == 1 and head.pd_eval.t == 0 and head.pd_train.eta0 == 0.1
    # the first training batch has lambda 0: the output is z clipped (no hard projection) ...
    assert torch.equal(y.detach(), torch.clamp(z.detach(), -3.5, 3.5))
    assert head.layer.violation(y, g) > 0.05
    y.sum().backward()
    assert z.grad is not None
    # ... and the dual step moved lambda up for the next training batch
    assert head.pd_train.lam > 0


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
    assert {"exact_ms", "exact_cpu_ms", "cvxpylayers_ms", "cvxpylayers_cpu_ms", "speedup", "speedup_cpu",
            "max_abs_diff_output", "authors_status", "authors_cpu_ms", "cores", "loadavg_end"} <= set(table.columns)
    assert table["max_abs_diff_output"].iloc[0] <= 1e-6
    assert table["exact_cpu_ms"].iloc[0] > 0
    if bench.authors_package() is not None:
        r = table.iloc[0]
        assert r["authors_status"] == "measured" and r["authors_cpu_ms"] > 0
        assert r["authors_max_abs_diff_output"] <= 1e-2  # SCS default tolerance


def test_benchmark_layer_caps_are_reported_not_estimated():
    table = benchmark_layer(batch_sizes=(16, 64), repeats=3, seed=0, authors_repeats=1, cvxpylayers_max_batch=16)
    r16, r64 = table.iloc[0], table.iloc[1]
    assert r16["cvxpylayers_status"] == "measured" and r16["cvxpylayers_cpu_ms"] > 0
    assert r64["cvxpylayers_status"].startswith("not measured: batch 64 above the cap "
                                                "layer.benchmark.cvxpylayers_max_batch = 16")
    assert np.isnan(r64["cvxpylayers_ms"]) and np.isnan(r64["speedup"]) and r64["exact_cpu_ms"] > 0
    assert set(table["device"]) == {"cpu"}
    if bench.authors_package() is not None:
        assert list(table["authors_repeats"]) == [1, 1] and (table["authors_cpu_ms"] > 0).all()


def test_benchmark_layer_reports_a_failed_cvxpylayers_solve(monkeypatch):
    from fairopt.methods.flayer import cvx

    def fail(self, *args, **kwargs):
        raise SolverError("cvxpylayers (SCS) solve inaccurate on a batch of 16 rows: Solved/Inaccurate.")

    monkeypatch.setattr(cvx.CvxpyProjector, "__call__", fail)
    r = benchmark_layer(batch_sizes=(16,), repeats=1, seed=0, authors=False).iloc[0]
    assert r["cvxpylayers_status"] == "not measured: cvxpylayers (SCS) solve inaccurate on a batch of 16 rows: " \
                                      "Solved/Inaccurate."
    assert np.isnan(r["cvxpylayers_ms"]) and r["exact_ms"] > 0


def test_benchmark_epochs_interleaved_on_the_device():
    e = bench.benchmark_epochs(n_rows=300, n_features=3, batch_size=100, hidden=[4], repeats=2, authors=False)
    assert list(e["device"]) == ["cpu"] * 3 and (e.loc[e["status"] == "measured", "epoch_cpu_s"] > 0).all()
    assert e.set_index("variant").loc["fairness_training", "status"] == "not measured: authors=False"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_layer_on_a_gpu_matches_the_cpu():
    rng = np.random.default_rng(3)
    n = 500
    g = rng.integers(0, 2, n)
    z = torch.tensor(rng.normal(0, 2, n) + g)
    v = torch.tensor(rng.normal(size=n))
    out = {}
    for dev in ("cpu", "cuda"):
        zz = z.to(dev).requires_grad_(True)
        y = FairnessLayer("mean_parity", 0.05, -3.5, 3.5)(zz, g)
        (y @ v.to(dev)).backward()
        assert y.device.type == dev
        out[dev] = (y.detach().cpu().numpy(), zz.grad.cpu().numpy())
    assert np.abs(out["cpu"][0] - out["cuda"][0]).max() <= 1e-12
    assert np.abs(out["cpu"][1] - out["cuda"][1]).max() <= 1e-12
    t = bench.authors_constraint_check(batch_size=200, repeats=1, eps_values=(0.05,), device="cuda")
    assert t.set_index("implementation").loc["fairopt_exact", "device"] == "cuda"


def test_benchmarks_say_not_measured_without_the_authors_package(monkeypatch):
    monkeypatch.setattr(bench, "authors_package", lambda: None)
    table = benchmark_layer(batch_sizes=(16,), repeats=1, seed=0)
    assert table["authors_status"].iloc[0] == bench.NOT_INSTALLED and np.isnan(table["authors_ms"].iloc[0])
    epochs = bench.benchmark_epochs(n_rows=200, n_features=3, batch_size=100, hidden=[4], repeats=1)
    e = epochs.set_index("variant")
    assert list(e.index) == ["unconstrained", "fairopt_exact", "fairness_training"]
    assert e.loc["fairness_training", "status"] == bench.NOT_INSTALLED
    assert np.isnan(e.loc["fairness_training", "epoch_s"]) and np.isnan(e.loc["fairness_training", "ratio_cpu"])
    assert e.loc["unconstrained", "ratio"] == 1.0 and e.loc["fairopt_exact", "epoch_cpu_s"] > 0
    check = bench.authors_constraint_check(batch_size=100, repeats=1, eps_values=(0.05,))
    c = check.set_index("implementation")
    assert c.loc["fairness_training", "status"] == bench.NOT_INSTALLED
    assert np.isnan(c.loc["fairness_training", "max_violation"])
    assert c.loc["fairopt_exact", "status"] == "measured" and c.loc["fairopt_exact", "max_violation"] <= 1e-12


@pytest.mark.skipif(bench.authors_package() is None, reason="fairness-training not installed (extra 'bench')")
def test_authors_package_benchmarks_measure_it():
    epochs = bench.benchmark_epochs(n_rows=200, n_features=3, batch_size=100, hidden=[4], repeats=1)
    r = epochs.set_index("variant").loc["fairness_training"]
    assert r["status"] == "measured" and r["epoch_cpu_s"] > 0 and r["ratio_cpu"] > 0
    check = bench.authors_constraint_check(batch_size=200, repeats=2, eps_values=(0.05,))
    c = check.set_index("implementation")
    assert c.loc["fairness_training", "status"] == "measured" and c.loc["fairness_training", "n_batches"] == 2
    assert c.loc["fairness_training", "max_violation"] >= 0
    # the violation is measured, not assumed: it is the true largest residual gap above eps
    assert c.loc["fairness_training", "max_violation_rel"] == pytest.approx(
        c.loc["fairness_training", "max_violation"] / 0.05)


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
