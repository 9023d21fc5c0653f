"""Tests of the DAFH objectives: (1), the lower bound (2), the accuracy form (4) and the surrogate (5)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from fairopt.core.errors import DataError
from fairopt.methods.dafh.objective import (accuracy_form_of_lower_bound, fairness_objective, group_sums,
                                            hard_assignments, kl_to_uniform, lower_bound_objective,
                                            objective_brackets, surrogate_objective, surrogate_objective_np)

# Hand case: 4 samples, K = 2; samples 0-2 in group 1, sample 3 in group 2.
L0 = np.array([1.0, 0.0, 1.0, 1.0])
LK = np.array([[0.0, 1.0], [0.0, 1.0], [0.0, 0.0], [1.0, 0.0]])
Z = hard_assignments([0, 0, 0, 1], 2)


def test_objective_one_hand_case_from_group_risks():
    # group 1: R(h0) = 2/3, R(h1) = 0, R(h2) = 2/3 -> 2/3 + 2/3; group 2: R(h0) = 1, R(h2) = 0, R(h1) = 1 -> 2
    assert fairness_objective(L0, LK, Z) == pytest.approx(4 / 3 + 2)


def test_lower_bound_hand_case_and_brackets():
    b = objective_brackets(L0, LK)
    np.testing.assert_allclose(b, [[2, -1], [1, -2], [1, 1], [-1, 2]])
    s, nk = group_sums(L0, LK, Z)
    np.testing.assert_allclose(s, [4, 2])
    np.testing.assert_allclose(nk, [3, 1])
    assert lower_bound_objective(L0, LK, Z) == pytest.approx(6 / 4)
    # the exact relation (1) - (2) = sum_k S_k (1/n_k - 1/n)
    assert fairness_objective(L0, LK, Z) - lower_bound_objective(L0, LK, Z) == pytest.approx(4 * (1 / 3 - 1 / 4) + 2 * (1 - 1 / 4))


def test_accuracy_form_equals_lower_bound_hand_and_random():
    acc, value = accuracy_form_of_lower_bound(L0, LK, Z)
    assert acc == 1.0
    assert value == pytest.approx(lower_bound_objective(L0, LK, Z))
    rng = np.random.default_rng(3)
    for _ in range(20):
        n, k = rng.integers(5, 40), rng.integers(2, 6)
        l0 = rng.integers(0, 2, n).astype(float)
        lk = rng.integers(0, 2, (n, k)).astype(float)
        z = hard_assignments(rng.integers(0, k, n), k)
        assert accuracy_form_of_lower_bound(l0, lk, z)[1] == pytest.approx(lower_bound_objective(l0, lk, z), abs=1e-12)


def test_objective_one_dominates_lower_bound_under_the_proposition_assumption():
    rng = np.random.default_rng(0)
    checked = 0
    for _ in range(300):
        n, k = int(rng.integers(4, 60)), int(rng.integers(2, 6))
        a = rng.integers(0, k, n)
        # own classifier mostly right, the others and h0 often wrong: groups rational and envy-free
        lk = (rng.random((n, k)) < 0.5).astype(float)
        lk[np.arange(n), a] = (rng.random(n) < 0.1).astype(float)
        l0 = (rng.random(n) < 0.4).astype(float)
        z = hard_assignments(a, k)
        s, nk = group_sums(l0, lk, z)
        if np.any(s < 0):
            continue
        checked += 1
        assert fairness_objective(l0, lk, z) >= lower_bound_objective(l0, lk, z) - 1e-12
    assert checked > 200


def test_bound_can_fail_without_the_assumption():
    # one small group with a negative bracket sum: (1) weighs it by 1/n_k > 1/n
    l0 = np.array([0.0, 0.0, 0.0, 0.0])
    lk = np.array([[0.0, 1.0], [0.0, 1.0], [0.0, 1.0], [0.0, 1.0]])
    z = hard_assignments([0, 0, 0, 1], 2)
    s, _ = group_sums(l0, lk, z)
    assert s[1] < 0
    assert fairness_objective(l0, lk, z) < lower_bound_objective(l0, lk, z)


def test_empty_group_contributes_nothing_and_bad_shapes_fail():
    z = hard_assignments([0, 0, 0, 0], 2)
    assert fairness_objective(L0, LK, z) == pytest.approx(group_sums(L0, LK, z)[0][0] / 4)
    with pytest.raises(DataError, match="z"):
        fairness_objective(L0, LK, np.ones((3, 2)))
    with pytest.raises(DataError, match="assigned"):
        hard_assignments([0, 2], 2)


def _random_surrogate_instance(seed=0, b=7, k=3, d=4):
    rng = np.random.default_rng(seed)
    x = torch.tensor(rng.normal(size=(b, d)), dtype=torch.float64)
    y = torch.tensor(np.where(rng.random(b) < 0.5, 1.0, -1.0), dtype=torch.float64)
    a = torch.tensor(rng.normal(size=(b, k)), dtype=torch.float64, requires_grad=True)
    w = torch.tensor(rng.normal(size=(k, d)), dtype=torch.float64, requires_grad=True)
    c = torch.tensor(rng.normal(size=k), dtype=torch.float64, requires_grad=True)
    t0 = torch.tensor(rng.normal(size=b), dtype=torch.float64)
    return x, y, a, w, c, t0


@pytest.mark.parametrize("penalty", [0.0, 1.0, 10.0])
def test_surrogate_gradient_matches_central_differences(penalty):
    x, y, a, w, c, t0 = _random_surrogate_instance()

    def value(a_, w_, c_):
        return surrogate_objective(a_, x @ w_.T + c_, y, penalty, pooled_logits=t0)

    j = value(a, w, c)
    ga, gw, gc = torch.autograd.grad(j, [a, w, c])
    eps = 1e-6
    for tensor, grad in ((a, ga), (w, gw), (c, gc)):
        fd = torch.zeros_like(tensor)
        flat = tensor.detach().clone().reshape(-1)
        for i in range(flat.numel()):
            plus, minus = flat.clone(), flat.clone()
            plus[i] += eps
            minus[i] -= eps
            args_p = [a.detach(), w.detach(), c.detach()]
            args_m = [a.detach(), w.detach(), c.detach()]
            pos = [t is tensor for t in (a, w, c)].index(True)
            args_p[pos] = plus.reshape(tensor.shape)
            args_m[pos] = minus.reshape(tensor.shape)
            fd.reshape(-1)[i] = (value(*args_p) - value(*args_m)) / (2 * eps)
        np.testing.assert_allclose(grad.numpy(), fd.numpy(), rtol=1e-6, atol=1e-8)


def test_pooled_term_is_constant_without_gradient():
    x, y, a, w, c, t0 = _random_surrogate_instance(seed=1)
    with_pooled = surrogate_objective(a, x @ w.T + c, y, 5.0, pooled_logits=t0)
    without = surrogate_objective(a, x @ w.T + c, y, 5.0)
    g1 = torch.autograd.grad(with_pooled, [a, w, c])
    g2 = torch.autograd.grad(without, [a, w, c])
    for u, v in zip(g1, g2):
        np.testing.assert_allclose(u.numpy(), v.numpy(), rtol=0, atol=1e-14)
    assert float((with_pooled - without).detach()) == pytest.approx(float(torch.sigmoid(-y * t0).mean()))


def test_numpy_and_torch_surrogates_agree_and_batch_axis_broadcasts():
    x, y, a, w, c, t0 = _random_surrogate_instance(seed=2)
    dec = (x @ w.T + c).detach()
    j = float(surrogate_objective(a.detach(), dec, y, 3.0, pooled_logits=t0))
    assert surrogate_objective_np(a.detach().numpy(), dec.numpy(), y.numpy(), 3.0, t0.numpy()) == pytest.approx(j, abs=1e-12)
    stacked = surrogate_objective(torch.stack([a.detach(), 2 * a.detach()]), torch.stack([dec, dec]), y,
                                  torch.tensor([3.0, 0.0], dtype=torch.float64))
    assert float(stacked[0]) == pytest.approx(float(surrogate_objective(a.detach(), dec, y, 3.0)), abs=1e-14)
    assert float(stacked[1]) == pytest.approx(float(surrogate_objective(2 * a.detach(), dec, y, 0.0)), abs=1e-14)


def test_kl_to_uniform_values():
    assert float(kl_to_uniform(torch.tensor([0.25, 0.25, 0.25, 0.25], dtype=torch.float64))) == pytest.approx(0.0, abs=1e-15)
    assert float(kl_to_uniform(torch.tensor([1.0, 0.0], dtype=torch.float64))) == pytest.approx(np.log(2))
    p = torch.tensor([1.0, 0.0], dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(kl_to_uniform(p), [p])
    assert torch.isfinite(g).all()
