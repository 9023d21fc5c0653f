"""The alpha-fair decision layer: closed form vs. solvers, gradients vs. float64 differences."""
from __future__ import annotations

import math

import cvxpy as cp
import numpy as np
import pytest
import torch

from fairopt.methods.alpha_fair import (
    AnalyticAlphaFair,
    DBBAlphaFair,
    FiniteDifferenceAlphaFair,
    alpha_fair_decision,
    closed_form,
    closed_form_solver,
    cvxpy_solver,
    dbb_gradient_distance,
    decision_function,
    jvp,
    kkt_solver,
    make_instance,
    normalized_regret,
    regret,
    regret_loss,
    solve_alpha_fair,
    solve_alpha_fair_kkt,
    time_closed_form_vs_solver,
    vjp,
    welfare,
    welfare_torch,
)
from fairopt.core.errors import ConfigError, SolverError

INF = math.inf
F64 = torch.float64


def instance(n: int, seed: int, *, unit_cost: bool = False):
    rng = np.random.default_rng(seed)
    r = rng.uniform(0.5, 5.0, n)
    g = rng.uniform(0.5, 2.0, n)
    c = np.ones(n) if unit_cost else rng.uniform(0.5, 2.0, n)
    return r, g, c


def rel_inf(a, b) -> float:
    """max |a - b| / max |b|."""
    a, b = np.asarray(a), np.asarray(b)
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def t64(*xs):
    return tuple(torch.as_tensor(x, dtype=F64) for x in xs)


# ----------------------------------------------------------------------------- closed form vs cvxpy
@pytest.mark.parametrize("alpha", [0.5, 1.0, 2.0, 5.0])
@pytest.mark.parametrize("seed,n,unit_cost", [(0, 40, False), (1, 300, False), (2, 40, True)])
def test_closed_form_matches_clarabel(alpha, seed, n, unit_cost):
    r, g, c = instance(n, seed, unit_cost=unit_cost)
    Q = 100.0
    d_cf = closed_form(r, g, c, Q, alpha)
    d_cvx, record = solve_alpha_fair(r, g, c, Q, alpha)
    assert record.status == "optimal"
    assert rel_inf(d_cvx, d_cf) <= 1e-5
    assert np.dot(c, d_cf) == pytest.approx(Q, rel=1e-13)          # the budget binds
    w_cf, w_cvx = welfare(r * g * d_cf, alpha), welfare(r * g * d_cvx, alpha)
    assert w_cf >= w_cvx - 1e-9 * abs(w_cf)                        # closed form is not beaten
    assert abs(w_cf - w_cvx) <= 1e-9 * abs(w_cf) + 1e-12


def test_closed_form_matches_clarabel_on_wide_realistic_instance():
    r, g, c = make_instance(500, 3, kind="realistic", unit_cost=False)   # r g spans ~7 decades
    for alpha in (2.0, 5.0):
        d_cvx, _ = solve_alpha_fair(r, g, c, 1000.0, alpha)
        assert rel_inf(d_cvx, closed_form(r, g, c, 1000.0, alpha)) <= 1e-5


def test_utilitarian_alpha0_is_the_lp_solution():
    r, g, c = instance(30, 4)
    d_cf = closed_form(r, g, c, 50.0, 0.0)
    best = np.argmax(r * g / c)
    assert np.count_nonzero(d_cf) == 1 and d_cf[best] == pytest.approx(50.0 / c[best], rel=1e-15)
    d_lp, _ = solve_alpha_fair(r, g, c, 50.0, 0.0)
    assert rel_inf(d_lp, d_cf) <= 1e-5
    # exact ties share the budget equally in spending c_i d_i
    r2, g2, c2 = np.array([1.0, 2.0, 4.0, 1.0]), np.ones(4), np.array([1.0, 1.0, 2.0, 1.0])
    d_tie = closed_form(r2, g2, c2, 10.0, 0.0)
    np.testing.assert_allclose(c2 * d_tie, [0.0, 5.0, 5.0, 0.0], rtol=0, atol=1e-15)


def test_maximin_alpha_inf_equalises_utilities_and_matches_lp():
    r, g, c = instance(40, 5)
    d = closed_form(r, g, c, 80.0, INF)
    u = r * g * d
    assert np.ptp(u) <= 1e-12 * u.mean()
    np.testing.assert_allclose(d, 80.0 / (r * g * np.sum(c / (r * g))), rtol=1e-13)
    d_lp, _ = solve_alpha_fair(r, g, c, 80.0, INF)
    assert rel_inf(d_lp, d) <= 1e-5
    assert welfare(u, INF) == pytest.approx(u.min())


def authors_maximin(r, g, c, Q):
    """The authors' alpha = inf allocation (their closed-form module): d_i = Q c_i / (u_i sum_j c_j^2 / u_j), u = r g."""
    u = r * g
    return Q * c / (u * np.sum(c * c / u))


def test_authors_maximin_formula_does_not_equalise_utilities_for_unequal_costs():
    """Finding about the authors' code (README, FDFL deviations): their alpha = inf allocation spends the
    budget but gives utilities u_i d_i = Q c_i / sum_j (c_j^2 / u_j), proportional to c_i -- the maximin
    solution only when c = 1. fairopt's closed form equalises them (and its minimum utility is higher)."""
    Q, worst_gap, worst_loss = 1000.0, 0.0, 0.0
    for seed in range(20):
        r, g, c = instance(200, 100 + seed)
        u = r * g
        theirs, ours = authors_maximin(r, g, c, Q), closed_form(r, g, c, Q, INF)
        assert np.dot(c, theirs) == pytest.approx(Q, rel=1e-12)            # feasible, the budget binds
        u_theirs, u_ours = u * theirs, u * ours
        np.testing.assert_allclose(u_theirs / c, u_theirs[0] / c[0], rtol=1e-12)   # proportional to c
        assert np.ptp(u_ours) <= 1e-12 * u_ours.mean()                      # equalised
        assert np.ptp(u_theirs) > 0.5 * u_ours.mean()                       # far from equal
        assert welfare(u_theirs, INF) < welfare(u_ours, INF)                # a worse maximin value
        worst_gap = max(worst_gap, float(np.max(np.abs(u_theirs - u_ours))))
        worst_loss = max(worst_loss, 1.0 - welfare(u_theirs, INF) / welfare(u_ours, INF))
    assert worst_gap > 1.0 and worst_loss > 0.3
    r, g, _ = instance(200, 1)                                             # c = 1: the two agree
    np.testing.assert_allclose(authors_maximin(r, g, np.ones(200), Q), closed_form(r, g, 1.0, Q, INF), rtol=1e-12)


def test_closed_form_kkt_and_cost_weighted_normaliser():
    """Stationarity b^(1-alpha) d^(-alpha) = mu c; the paper's printed normaliser sum w_j is
    only right for c = 1 (it overspends or underspends otherwise)."""
    r, g, c = instance(25, 6)
    Q, b = 30.0, r * g
    for alpha in (0.3, 0.5, 2.0, 5.0):
        d = closed_form(r, g, c, Q, alpha)
        mu = b ** (1 - alpha) * d ** (-alpha) / c
        assert np.ptp(mu) <= 1e-12 * mu.mean()
        w = c ** (-1 / alpha) * b ** (1 / alpha - 1)
        np.testing.assert_allclose(d, Q * w / np.sum(c * w), rtol=1e-12)
        printed = Q * w / np.sum(w)                     # Prop. 4.1 as printed
        assert abs(np.dot(c, printed) - Q) > 1e-3 * Q
        np.testing.assert_allclose(closed_form(r, g, 1.0, Q, alpha), Q * (b ** (1 / alpha - 1)) /
                                   np.sum(b ** (1 / alpha - 1)), rtol=1e-12)
    np.testing.assert_allclose(closed_form(r, g, c, Q, 1.0), Q / (25 * c), rtol=1e-14)


def test_closed_form_limits_are_continuous():
    r, g, c = instance(20, 7)
    Q = 10.0
    np.testing.assert_allclose(closed_form(r, g, c, Q, 1 + 1e-9), closed_form(r, g, c, Q, 1.0), rtol=1e-7)
    assert rel_inf(closed_form(r, g, c, Q, 1e4), closed_form(r, g, c, Q, INF)) < 1e-3
    assert rel_inf(closed_form(r, g, c, Q, 1e-3), closed_form(r, g, c, Q, 0.0)) < 1e-6
    # numerically safe at extreme exponents (softmax form)
    d = closed_form(r * 1e6, g, c, Q, 0.01)
    assert np.all(np.isfinite(d)) and np.dot(c, d) == pytest.approx(Q)


@pytest.mark.parametrize("bad,match", [
    (dict(r=[1.0, -1.0]), "r must be > 0"),
    (dict(g=[1.0, 0.0]), "g must be > 0"),
    (dict(c=[1.0, np.nan]), "c must be finite"),
    (dict(Q=0.0), "Q must be > 0"),
    (dict(alpha=-0.5), "alpha must be >= 0"),
    (dict(g=[1.0, 1.0, 1.0]), "g has length 3, expected 2"),
    (dict(r=[[1.0, 2.0]]), "r must be a scalar or a 1-D array"),
])
def test_invalid_inputs_fail_early(bad, match):
    args = dict(r=[1.0, 2.0], g=[1.0, 1.0], c=1.0, Q=1.0, alpha=2.0) | bad
    with pytest.raises(ValueError, match=match):
        closed_form(**args)
    with pytest.raises(ValueError, match=match):
        solve_alpha_fair(**args)


# ----------------------------------------------------------------------------- general utility (eq. 4)
def _kkt_check(d, r, g, c, Q, alpha, q, a, rho):
    """KKT of the general problem: phi'_i(d_i)/c_i = mu on d_i > 0 and <= mu on d_i = 0."""
    k, z = r * q, g * d + a
    if math.isinf(alpha):   # maximin: equal utilities among the served, the others already above
        u = k * z ** rho
        served = d > 1e-12 * d.max()
        level = u[served].min()
        assert np.ptp(u[served]) <= 1e-9 * level
        assert np.all(u[~served] >= level * (1 - 1e-9))
    else:
        marginal = rho * g * k ** (1 - alpha) * z ** (rho * (1 - alpha) - 1) / c
        served = d > 1e-12 * d.max()
        mu = np.median(marginal[served])
        np.testing.assert_allclose(marginal[served], mu, rtol=1e-9)
        assert np.all(marginal[~served] <= mu * (1 + 1e-9))
    assert np.dot(c, d) == pytest.approx(Q, rel=1e-12)


@pytest.mark.parametrize("alpha,rho", [(a, p) for a in (0.0, 0.5, 1.0, 2.0, 5.0, INF) for p in (1.0, 0.5)
                                       if (a, p) != (0.0, 1.0)])   # (0, 1) is the LP, tested above
def test_general_utility_clarabel_matches_multiplier_bisection(alpha, rho):
    rng = np.random.default_rng(11)
    n = 30
    r, g, c = instance(n, 12)
    q, a = rng.uniform(0.5, 2.0, n), rng.uniform(0.0, 3.0, n)
    d_kkt = solve_alpha_fair_kkt(r, g, c, 10.0, alpha, q=q, a=a, rho=rho)
    _kkt_check(d_kkt, r, g, c, 10.0, alpha, q, a, rho)
    assert np.any(d_kkt == 0) and np.any(d_kkt > 0)          # corners are exercised
    d_cvx, record = solve_alpha_fair(r, g, c, 10.0, alpha, q=q, a=a, rho=rho)
    assert rel_inf(d_cvx, d_kkt) <= 1e-5
    assert record.extra["welfare"] <= welfare(r * q * (g * d_kkt + a) ** rho, alpha) + 1e-9 * abs(
        record.extra["welfare"])


def test_general_problem_reduces_to_eq9():
    r, g, c = instance(50, 13)
    for alpha in (0.5, 1.0, 2.0, INF):
        np.testing.assert_allclose(solve_alpha_fair_kkt(r, g, c, 7.0, alpha), closed_form(r, g, c, 7.0, alpha),
                                   rtol=1e-11)


def test_nonconcave_combinations_are_rejected():
    r, g, c = instance(5, 14)
    with pytest.raises(ValueError, match="not concave"):
        solve_alpha_fair(r, g, c, 1.0, 0.0, rho=2.0)
    with pytest.raises(ValueError, match="not concave"):
        solve_alpha_fair(r, g, c, 1.0, 0.5, rho=3.0)
    with pytest.raises(ValueError, match="rho must be"):
        solve_alpha_fair(r, g, c, 1.0, 2.0, rho=0.0)
    with pytest.raises(ValueError, match="a must be >= 0"):
        solve_alpha_fair(r, g, c, 1.0, 2.0, a=-np.ones(5))
    # increasing returns are fine when alpha compensates: rho (1 - alpha) = 0.75 <= 1
    d_cvx, _ = solve_alpha_fair(r, g, c, 1.0, 0.5, rho=1.5)
    assert rel_inf(d_cvx, solve_alpha_fair_kkt(r, g, c, 1.0, 0.5, rho=1.5)) <= 1e-5


# ----------------------------------------------------------------------------- solver failures
@pytest.mark.filterwarnings("ignore:Solution may be inaccurate")
def test_solver_failure_is_raised_not_returned():
    r, g, c = instance(20, 15)
    with pytest.raises(SolverError, match="every setting tried"):
        solve_alpha_fair(r, g, c, 1.0, 2.0, solver_options={"max_iter": 1})


def test_non_optimal_status_is_raised(monkeypatch):
    original = cp.Problem.solve

    def infeasible(self, *args, **kwargs):
        out = original(self, *args, **kwargs)
        self._status = cp.INFEASIBLE
        return out

    monkeypatch.setattr(cp.Problem, "solve", infeasible)
    r, g, c = instance(10, 16)
    with pytest.raises(SolverError, match="infeasible"):
        solve_alpha_fair(r, g, c, 1.0, 2.0)


# ----------------------------------------------------------------------------- gradients
ALPHAS = [0.5, 1.0, 2.0, 5.0, INF]


@pytest.mark.parametrize("alpha", ALPHAS)
def test_analytic_vjp_passes_gradcheck(alpha):
    r, g, c = t64(*instance(7, 20))
    inputs = (r.clone().requires_grad_(), g.clone().requires_grad_(), c.clone().requires_grad_(),
              torch.tensor(3.0, dtype=F64, requires_grad=True))
    assert torch.autograd.gradcheck(lambda *x: AnalyticAlphaFair.apply(*x, alpha), inputs, eps=1e-6,
                                     atol=1e-9, rtol=1e-6)
    assert torch.autograd.gradcheck(lambda *x: alpha_fair_decision(*x, alpha), inputs, eps=1e-6,
                                     atol=1e-9, rtol=1e-6)


def _central_jacobian(r, g, c, Q, alpha, h=1e-6):
    """Full Jacobian dd*/dr by float64 central differences of the numpy closed form."""
    n = r.shape[0]
    jac = np.empty((n, n))
    for k in range(n):
        step = h * r[k]
        up, down = r.copy(), r.copy()
        up[k] += step
        down[k] -= step
        jac[:, k] = (closed_form(up, g, c, Q, alpha) - closed_form(down, g, c, Q, alpha)) / (up[k] - down[k])
    return jac


@pytest.mark.parametrize("alpha", [0.5, 2.0, 5.0, INF])
def test_full_jacobian_analytic_autograd_and_central_differences_agree(alpha):
    r_np, g_np, c_np = instance(9, 21)
    Q = 5.0
    r, g, c = t64(r_np, g_np, c_np)
    d = alpha_fair_decision(r, g, c, Q, alpha)
    eye = torch.eye(9, dtype=F64)
    j_analytic = torch.stack([vjp(d, r, c, Q, alpha, eye[i]) for i in range(9)])       # rows e_i^T J
    j_jvp = torch.stack([jvp(d, r, c, Q, alpha, eye[k]) for k in range(9)], dim=1)     # columns J e_k
    j_auto = torch.autograd.functional.jacobian(lambda x: alpha_fair_decision(x, g, c, Q, alpha), r)
    j_fd = _central_jacobian(r_np, g_np, c_np, Q, alpha)
    scale = np.abs(j_fd).max()
    assert np.abs(j_analytic.numpy() - j_fd).max() <= 1e-6 * scale
    assert np.abs(j_auto.numpy() - j_fd).max() <= 1e-6 * scale
    torch.testing.assert_close(j_jvp, j_analytic, rtol=1e-12, atol=1e-15 * scale)
    # explicit formula J_ik = p d_i (delta_ik - c_k d_k / Q) / r_k; not symmetric
    p = -1.0 if alpha == INF else 1 / alpha - 1
    dn = d.numpy()
    formula = p * dn[:, None] * (np.eye(9) - (c_np * dn / Q)[None, :]) / r_np[None, :]
    np.testing.assert_allclose(j_analytic.numpy(), formula, rtol=1e-12, atol=1e-15 * scale)
    assert np.abs(formula - formula.T).max() > 1e-3 * scale
    # Prop. 4.2's diagonal (as printed, with S = sum c_j w_j) is right; the authors' code
    # multiplied by g_i
    w = c_np ** (-1 / (alpha if alpha != INF else 1e300)) * (r_np * g_np) ** p
    S = np.sum(c_np * w)
    diag_paper = Q * p * c_np ** (-1 / (alpha if alpha != INF else 1e300)) * g_np ** p * r_np ** (p - 1) * (
        S - c_np * w) / S ** 2
    np.testing.assert_allclose(np.diag(formula), diag_paper, rtol=1e-10)
    assert not np.allclose(np.diag(formula) * g_np, diag_paper, rtol=1e-3)


def test_alpha_one_and_zero_have_no_gradient_in_r():
    r, g, c = t64(*instance(6, 22))
    for alpha in (1.0, 0.0):
        x = r.clone().requires_grad_()
        AnalyticAlphaFair.apply(x, g, c, 2.0, alpha).sum().backward()
        assert torch.all(x.grad == 0)


def test_batched_closed_form_matches_rows():
    r, g, c = t64(*instance(8, 23))
    batch = torch.stack([r, 2 * r, r ** 2])
    d = alpha_fair_decision(batch, g, c, 4.0, 2.0)
    for i in range(3):
        torch.testing.assert_close(d[i], alpha_fair_decision(batch[i], g, c, 4.0, 2.0), rtol=0, atol=0)
    batch.requires_grad_()
    v = torch.randn(3, 8, dtype=F64, generator=torch.Generator().manual_seed(0))
    (ga,) = torch.autograd.grad(AnalyticAlphaFair.apply(batch, g, c, 4.0, 2.0), batch, v)
    (gb,) = torch.autograd.grad(alpha_fair_decision(batch, g, c, 4.0, 2.0), batch, v)
    torch.testing.assert_close(ga, gb, rtol=1e-12, atol=1e-15)


# ----------------------------------------------------------------------------- DBB
def test_dbb_backward_is_the_eq8_difference_quotient():
    r_np, g_np, c_np = instance(12, 30)
    r, g, c = t64(r_np, g_np, c_np)
    Q, alpha = 20.0, 2.0
    v = torch.randn(12, dtype=F64, generator=torch.Generator().manual_seed(1))
    for lam in (1.0, 0.1, 1e-3):
        x = r.clone().requires_grad_()
        d = DBBAlphaFair.apply(x, closed_form_solver(g, c, Q, alpha), lam, None)
        torch.testing.assert_close(d, alpha_fair_decision(r, g, c, Q, alpha), rtol=0, atol=0)
        (grad,) = torch.autograd.grad(d, x, v)
        expected = (alpha_fair_decision(r + lam * v, g, c, Q, alpha) - alpha_fair_decision(r, g, c, Q, alpha)) / lam
        torch.testing.assert_close(grad, expected, rtol=0, atol=0)               # exactly eq. (8)
        independent = (closed_form(r_np + lam * v.numpy(), g_np, c_np, Q, alpha)
                       - closed_form(r_np, g_np, c_np, Q, alpha)) / lam
        np.testing.assert_allclose(grad.numpy(), independent, rtol=1e-9, atol=1e-12)


def test_dbb_tends_to_jv_not_the_gradient_jtv():
    r, g, c = t64(*instance(12, 31))
    Q, alpha = 20.0, 2.0
    v = torch.randn(12, dtype=F64, generator=torch.Generator().manual_seed(2))
    d = alpha_fair_decision(r, g, c, Q, alpha)
    jv, jtv = jvp(d, r, c, Q, alpha, v), vjp(d, r, c, Q, alpha, v)
    errors = []
    for lam in (1e-1, 1e-2, 1e-3, 1e-4):
        x = r.clone().requires_grad_()
        (grad,) = torch.autograd.grad(DBBAlphaFair.apply(x, closed_form_solver(g, c, Q, alpha), lam, None), x, v)
        errors.append(float((grad - jv).norm() / jv.norm()))
    assert all(b < a / 5 for a, b in zip(errors, errors[1:]))                 # O(lam)
    assert errors[-1] < 1e-4
    gap = float((jv - jtv).norm() / jtv.norm())
    print(f"\nDBB(lam->0) = J v; ||J v - J^T v|| / ||J^T v|| = {gap:.3f}")
    assert gap > 0.05


def test_dbb_distance_report_in_a_regret_setting():
    out = dbb_gradient_distance(200, 2.0, seed=0)
    print(f"\nDBB vs exact gradient (n=200, alpha=2): limit rel. distance {out['limit_rel_distance']:.3f}, "
          f"cosine {out['limit_cosine']:.3f}; per lam {out['lams']}: {out['rel_distance_to_jtv']}")
    assert out["limit_rel_distance"] > 0.1
    finite = [x for x in out["rel_distance_to_jv"] if np.isfinite(x)]
    assert finite[-1] < 1e-3


def test_dbb_accepts_a_solver_without_closed_form_and_guards_positivity():
    rng = np.random.default_rng(32)
    r, g, c = instance(8, 32)
    q, a = rng.uniform(0.5, 2.0, 8), rng.uniform(0.0, 1.0, 8)
    solver = kkt_solver(g, c, 5.0, 2.0, q=q, a=a, rho=0.5)
    x = torch.tensor(r, dtype=F64, requires_grad=True)
    v = torch.ones(8, dtype=F64)
    (grad,) = torch.autograd.grad(DBBAlphaFair.apply(x, solver, 0.5, None), x, v)
    expected = (solve_alpha_fair_kkt(r + 0.5, g, c, 5.0, 2.0, q=q, a=a, rho=0.5)
                - solve_alpha_fair_kkt(r, g, c, 5.0, 2.0, q=q, a=a, rho=0.5)) / 0.5
    np.testing.assert_allclose(grad.numpy(), expected, rtol=0, atol=0)
    x = torch.tensor(r, dtype=F64, requires_grad=True)
    with pytest.raises(ValueError, match="non-positive"):
        torch.autograd.grad(DBBAlphaFair.apply(x, solver, 100.0, None), x, -v)
    x = torch.tensor(r, dtype=F64, requires_grad=True)
    (grad,) = torch.autograd.grad(DBBAlphaFair.apply(x, solver, 100.0, 1e-3), x, -v)
    assert torch.all(torch.isfinite(grad))


def test_dbb_with_cvxpy_solver_callable():
    r, g, c = instance(6, 33)
    solver = cvxpy_solver(g, c, 3.0, 2.0)
    x = torch.tensor(r, dtype=F64, requires_grad=True)
    d = DBBAlphaFair.apply(x, solver, 1.0, None)
    assert rel_inf(d.detach().numpy(), closed_form(r, g, c, 3.0, 2.0)) <= 1e-5
    (grad,) = torch.autograd.grad(d, x, torch.ones(6, dtype=F64))
    assert torch.all(torch.isfinite(grad))


# ----------------------------------------------------------------------------- finite differences
@pytest.mark.parametrize("alpha", [0.5, 2.0, 5.0, INF])
def test_finite_difference_matches_analytic_vjp(alpha):
    r, g, c = t64(*instance(30, 40))
    v = torch.randn(30, dtype=F64, generator=torch.Generator().manual_seed(3))
    x = r.clone().requires_grad_()
    (grad,) = torch.autograd.grad(
        FiniteDifferenceAlphaFair.apply(x, closed_form_solver(g, c, 9.0, alpha), 1e-6, True), x, v)
    exact = vjp(alpha_fair_decision(r, g, c, 9.0, alpha), r, c, 9.0, alpha, v)
    assert float((grad - exact).abs().max() / exact.abs().max()) <= 1e-6


def test_finite_difference_with_unbatched_solver_and_authors_float32_defect():
    r, g, c = t64(*instance(10, 41))
    v = torch.randn(10, dtype=F64, generator=torch.Generator().manual_seed(4))
    x = r.clone().requires_grad_()
    (grad,) = torch.autograd.grad(
        FiniteDifferenceAlphaFair.apply(x, kkt_solver(g.numpy(), c.numpy(), 9.0, 2.0), 1e-6, True), x, v)
    exact = vjp(alpha_fair_decision(r, g, c, 9.0, 2.0), r, c, 9.0, 2.0, v)
    assert float((grad - exact).abs().max() / exact.abs().max()) <= 1e-6
    # the authors' estimator: absolute step 1e-7 in float32 -> exactly zero where r >= 4
    r32 = (r.to(torch.float32) + 4.0).requires_grad_()
    (g32,) = torch.autograd.grad(FiniteDifferenceAlphaFair.apply(
        r32, closed_form_solver(g.float(), c.float(), 9.0, 2.0), 1e-7, False), r32, v.float())
    assert torch.all(g32 == 0)


def _exact_central_differences(r, g, c, Q, alpha, v, h):
    """The central differences v . (d*(r + h_k e_k) - d*(r - h_k e_k)) / (2 h_k) at 50 digits (mpmath),
    with the float64 steps the layer uses: an independent computation of the same estimator."""
    mpmath = pytest.importorskip("mpmath")
    with mpmath.workdps(50):
        p = mpmath.mpf(-1) if math.isinf(alpha) else 1 / mpmath.mpf(alpha) - 1
        r64 = r.tolist()
        up, down = (r + h * r).tolist(), (r - h * r).tolist()

        def value(rr):
            logits = [p * (mpmath.log(rr[i]) + mpmath.log(g[i]) - mpmath.log(c[i])) for i in range(len(rr))]
            top = max(logits)
            e = [mpmath.exp(x - top) for x in logits]
            return sum(mpmath.mpf(v[i]) * Q * e[i] / c[i] for i in range(len(rr))) / sum(e)

        out = []
        for k in range(len(r64)):
            plus, minus = list(map(mpmath.mpf, r64)), list(map(mpmath.mpf, r64))
            plus[k], minus[k] = mpmath.mpf(up[k]), mpmath.mpf(down[k])
            out.append(float((value(plus) - value(minus)) / (plus[k] - minus[k])))
    return torch.tensor(out, dtype=F64)


class _CoordinateLoop:
    """The coordinate-wise oracle: a solver the layer calls once per perturbed copy (2n full solves)."""

    supports_batch = False

    def __init__(self, solver):
        self.solver = solver

    def __call__(self, r):
        return self.solver(r)


@pytest.mark.parametrize("alpha", [0.5, 2.0, 5.0, INF])
def test_vectorised_finite_difference_is_the_exact_central_difference(alpha):
    """The O(n) closed-form path gives the central differences of the 2n full solves: to 1e-14 of their
    exact (50-digit) value, and to the coordinate-wise loop's own rounding (eps / h ~ 1e-12) of it."""
    n, h = 40, 1e-4
    r, g, c = t64(*instance(n, 44))
    v = torch.randn(n, dtype=F64, generator=torch.Generator().manual_seed(6))
    solver = closed_form_solver(g, c, 9.0, alpha)
    assert solver.rank_one
    grads = {}
    for name, s in (("vectorised", solver), ("loop", _CoordinateLoop(solver))):
        x = r.clone().requires_grad_()
        (grads[name],) = torch.autograd.grad(FiniteDifferenceAlphaFair.apply(x, s, h, True), x, v)
    exact = _exact_central_differences(r, g.tolist(), c.tolist(), 9, alpha, v.tolist(), h)
    scale = float(exact.abs().max())
    assert float((grads["vectorised"] - exact).abs().max()) <= 1e-14 * scale
    assert float((grads["loop"] - exact).abs().max()) <= 1e-10 * scale
    assert float((grads["vectorised"] - grads["loop"]).abs().max()) <= 1e-10 * scale


def test_vectorised_finite_difference_at_paper_size_matches_the_batched_solves():
    """n = 2,500 (a paper training batch), unit costs: the O(n) path against the batched full solves."""
    rng = np.random.default_rng(7)
    r = torch.as_tensor(rng.uniform(0.001, 30.0, 2500))
    g = torch.as_tensor(rng.uniform(0.1, 20.0, 2500))
    v = torch.as_tensor(rng.normal(size=2500))
    solver = closed_form_solver(g, 1.0, 1000.0, 2.0)

    class Batched(_CoordinateLoop):
        supports_batch = True

    grads = []
    for s in (solver, Batched(solver)):
        x = r.clone().requires_grad_()
        grads.append(torch.autograd.grad(FiniteDifferenceAlphaFair.apply(x, s, 1e-4, True), x, v)[0])
    assert float((grads[0] - grads[1]).abs().max()) <= 1e-9 * float(grads[1].abs().max())
    assert not closed_form_solver(g, 1.0, 1000.0, 0.0).rank_one       # alpha = 0: the batched solves


# ----------------------------------------------------------------------------- registry + loss
def test_decision_function_registry():
    r, g, c = t64(*instance(15, 50))
    r_true = r * torch.exp(0.3 * torch.randn(15, dtype=F64, generator=torch.Generator().manual_seed(5)))
    grads = {}
    for name in ("closed_form", "analytic", "dbb", "finite_difference"):
        fn = decision_function(name, g=g, c=c, Q=10.0, alpha=2.0, lam=1e-4)
        x = r.clone().requires_grad_()
        d = fn(x)
        torch.testing.assert_close(d.detach(), alpha_fair_decision(r, g, c, 10.0, 2.0), rtol=1e-14, atol=0)
        regret_loss(d, r_true, g, 2.0, c=c, Q=10.0).backward()
        grads[name] = x.grad
    torch.testing.assert_close(grads["analytic"], grads["closed_form"], rtol=1e-10, atol=1e-16)
    scale = grads["analytic"].abs().max()
    assert (grads["finite_difference"] - grads["analytic"]).abs().max() <= 1e-6 * scale
    assert (grads["dbb"] - grads["analytic"]).abs().max() > 1e-3 * scale     # DBB is J v, not J^T v
    with pytest.raises(ConfigError, match="unknown decision function"):
        decision_function("spo", g=g, Q=1.0, alpha=2.0)
    with pytest.raises(ConfigError, match="uses the closed form"):
        decision_function("analytic", g=g, Q=1.0, alpha=2.0, solver=closed_form_solver(g, 1.0, 1.0, 2.0))


@pytest.mark.parametrize("alpha", [0.0, 0.5, 1.0, 2.0, 5.0, INF])
def test_regret_sanity(alpha):
    rng = np.random.default_rng(60)
    r, g, c = instance(20, 61)
    Q = 15.0
    d_star = closed_form(r, g, c, Q, alpha)
    assert regret(d_star, d_star, r, g, alpha) == 0.0
    assert normalized_regret(d_star, d_star, r, g, alpha) == 0.0
    for _ in range(5):
        d = rng.uniform(0.1, 1.0, 20)
        d *= Q / np.dot(c, d)                                       # any feasible allocation
        assert regret(d, d_star, r, g, alpha) >= -1e-12 * abs(welfare(r * g * d_star, alpha))
        d_hat = closed_form(r * rng.lognormal(0, 0.3, 20), g, c, Q, alpha)
        nr = normalized_regret(d_hat, d_star, r, g, alpha)
        assert nr >= -1e-12
        if alpha != 1.0:   # W(s u) = s^(1-alpha) W(u): the normalised regret ignores the scale of g
            assert normalized_regret(d_hat, d_star, r, 37.0 * g, alpha) == pytest.approx(nr, rel=1e-9, abs=1e-15)
        torch_nr = regret_loss(torch.tensor(d_hat), r, g, alpha, c=c, Q=Q)
        assert float(torch_nr) == pytest.approx(nr, rel=1e-9, abs=1e-15)
        assert float(regret_loss(torch.tensor(d_hat), r, g, alpha, normalize=False, d_star=d_star)) == \
            pytest.approx(regret(d_hat, d_star, r, g, alpha), rel=1e-9, abs=1e-12)


def test_regret_gradient_vanishes_at_the_truth_and_uses_true_r():
    r, g, c = t64(*instance(10, 62))
    x = r.clone().requires_grad_()
    regret_loss(AnalyticAlphaFair.apply(x, g, c, 5.0, 2.0), r, g, 2.0, c=c, Q=5.0).backward()
    assert float(x.grad.abs().max()) < 1e-12
    assert float(welfare_torch(torch.tensor([1.0, 4.0], dtype=F64), 2.0)) == pytest.approx(-1.25)
    with pytest.raises(ValueError, match="needs Q"):
        regret_loss(r, r, g, 2.0)


def test_benchmark_function_reports_agreement():
    out = time_closed_form_vs_solver(60, 2.0, repeats=2, seed=0)
    assert out["max_rel_diff"] <= 1e-5 and out["closed_form_seconds"] > 0 and out["solver_seconds"] > 0
    assert out["welfare_rel_diff"] < 1e-9


@pytest.mark.slow
@pytest.mark.parametrize("n", [2500, 48784])
def test_closed_form_matches_clarabel_at_paper_sizes(n):
    out = time_closed_form_vs_solver(n, 2.0, repeats=1, seed=0)
    assert out["max_rel_diff"] <= 1e-5


@pytest.mark.mosek
def test_closed_form_matches_mosek_when_licensed():
    from fairopt.core.solvers import mosek_licensed

    if not mosek_licensed():
        pytest.skip("MOSEK is not installed or not licensed")
    r, g, c = instance(60, 70)
    for alpha in (0.5, 2.0):
        d, record = solve_alpha_fair(r, g, c, 30.0, alpha, solver="mosek")
        assert record.solver == "MOSEK" and rel_inf(d, closed_form(r, g, c, 30.0, alpha)) <= 1e-5
