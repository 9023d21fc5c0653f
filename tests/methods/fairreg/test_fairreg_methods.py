"""Fair regression (fairopt.methods.fairreg): formulations vs brute force, relaxations, coordinate descent,
exact unfairness, the Agarwal et al. reduction."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from fairopt.core import metrics
from fairopt.data.synthetic.fairreg import make_synthetic
from fairopt.methods.fairreg import (big_m, fit_agarwal, least_squares, make_instance, minimize_coordinate,
                                     mixture_unfairness, objective_parts, prediction_bounds, solve_mio,
                                     solve_relaxation, threshold_grid)
from fairopt.methods.fairreg.brute_force import brute_force
from fairopt.methods.fairreg.coordinate_descent import coordinate_descent
from fairopt.methods.fairreg.objective import objective

warnings.filterwarnings("ignore", message="Solution may be inaccurate")


def synthetic_instance(m: int, seed: int):
    """An instance of fairopt's synthetic generator with the study's 1/40 threshold grid."""
    data = make_synthetic(m, seed=seed)
    return make_instance(data.X, data.y, data.groups, threshold_grid(0.0, 1.0, 40))


def tiny_instance(seed: int, m: int = 6, l: int = 3, n: int = 2, round_to: int | None = None):  # noqa: E741
    """A small random instance whose least squares is unfair (group-shifted targets)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, n))
    a = (rng.random(m) < 0.5).astype(int)
    a[0], a[1] = 1, 0
    y = X @ rng.normal(size=n) + 0.4 * a + 0.1 * rng.normal(size=m)
    y = (y - y.min()) / (y.max() - y.min())
    if round_to is not None:
        X, y = np.round(X, round_to), np.round(y, round_to)
    return make_instance(X, y, a, threshold_grid(0.0, 1.0, l, "mid"))


# ---------------------------------------------------------------- objective and conventions

def test_threshold_grid_and_objective_parts():
    assert threshold_grid(0, 1, 4) == pytest.approx([0, 0.25, 0.5, 0.75])
    assert threshold_grid(0, 1, 4, "mid") == pytest.approx([0.125, 0.375, 0.625, 0.875])
    X = np.array([[1.0], [2.0], [3.0], [4.0]])
    inst = make_instance(X, [1.0, 2.0, 3.0, 5.0], [1, 0, 1, 0], [2.0, 3.5])
    loss, unf = objective_parts(inst, np.array([1.0]))
    # predictions 1,2,3,4: > 2: {3,4} -> 1/2 overall, 1/2 in a=1; > 3.5: {4} -> 1/4 vs 0
    assert loss == pytest.approx(1.0)
    assert unf == pytest.approx(0.25)
    # the indicator is strict: a prediction equal to a threshold is not above it
    inst2 = make_instance(X, [1.0, 2.0, 3.0, 5.0], [1, 0, 1, 0], [3.0])
    assert objective_parts(inst2, np.array([1.0]))[1] == pytest.approx(0.25)  # {4} only
    with pytest.raises(ValueError, match="strictly increasing"):
        make_instance(X, np.ones(4), [1, 0, 1, 0], [2.0, 2.0])
    with pytest.raises(ValueError, match="a = 1"):
        make_instance(X, np.ones(4), [0, 0, 0, 0], [2.0])


# ------------------------------------------------------------ exact optimum on tiny instances

TINY_CASES = [(0, 0.05), (1, 0.5), (2, 2.0), (3, 0.5)]


@pytest.fixture(scope="module")
def tiny_solutions():
    """Brute force, both MIOs and the relaxations on the tiny cases (computed once)."""
    out = {}
    for seed, lam in TINY_CASES:
        inst = tiny_instance(seed)
        out[seed, lam] = {
            "inst": inst,
            "bf": brute_force(inst, lam),
            "bigm": solve_mio(inst, lam, "bigm", time_limit=60),
            "strong": solve_mio(inst, lam, "strong", time_limit=60),
            "relax_bigm": solve_relaxation(inst, lam, "bigm"),
            "relax_strong": solve_relaxation(inst, lam, "strong"),
            "relax_strong_box": solve_relaxation(inst, lam, "strong", box=True),
        }
    return out


@pytest.mark.parametrize("case", TINY_CASES)
def test_mio_formulations_match_brute_force(tiny_solutions, case):
    sol = tiny_solutions[case]
    inst, lam = sol["inst"], case[1]
    best = sol["bf"].objective
    assert sol["bf"].objective_exact == pytest.approx(best, rel=1e-9)
    for name in ("bigm", "strong"):
        res = sol[name]
        assert res.status == "optimal"
        assert res.objective == pytest.approx(best, rel=1e-5), name
        assert res.solver_objective == pytest.approx(best, rel=1e-5), name
        # the reported objective is the exact objective of the returned model
        assert res.objective == pytest.approx(objective(inst, lam, res.w), rel=1e-12)
        assert res.best_bound <= best * (1 + 1e-5)


@pytest.mark.parametrize("case", TINY_CASES)
def test_relaxations_are_valid_and_strong_is_tighter(tiny_solutions, case):
    sol = tiny_solutions[case]
    best = sol["bf"].objective
    rb, rs, rbox = (sol[k].best_bound for k in ("relax_bigm", "relax_strong", "relax_strong_box"))
    tol = 1e-6 * best
    assert rb <= best + tol
    assert rs <= best + tol
    assert rbox <= best + tol
    assert rs >= rb - tol  # the strong relaxation is at least as tight as big-M
    assert rbox >= rs - tol
    # the relaxation's model is a feasible model: its exact objective is an upper bound
    assert sol["relax_strong"].objective >= best - tol


def test_prediction_bounds_contain_the_optimum(tiny_solutions):
    for (seed, lam), sol in tiny_solutions.items():
        inst = sol["inst"]
        bounds = prediction_bounds(inst, lam, 1e-4)
        t = inst.X @ sol["bf"].w
        assert np.all(t >= bounds.lower) and np.all(t <= bounds.upper)
        M = big_m(bounds, inst.thresholds, 1e-4)
        assert M >= np.max(np.abs(t[:, None] - inst.thresholds[None, :]))


def test_brute_force_enumeration_with_and_without_pruning():
    inst = tiny_instance(7, m=5, l=2, n=2)
    full = brute_force(inst, 0.3, prune=False)
    pruned = brute_force(inst, 0.3, prune=True)
    assert full.objective == pytest.approx(pruned.objective, rel=1e-7)
    assert full.n_leaves >= pruned.n_leaves
    # every leaf of the full enumeration is a feasible pattern; their number is bounded by the
    # cells of the arrangement of m*l lines in the plane
    assert full.n_leaves <= 1 + 10 + 45


@pytest.mark.parametrize("seed,lam", [(10, 0.1), (11, 1.0), (12, 0.3)])
def test_mio_match_brute_force_m8_l4(seed, lam):
    """The largest acceptance size (m = 8, l = 4): both MIOs reach the enumerated optimum and both
    relaxations bound it from below, the strong one at least as tightly."""
    inst = tiny_instance(seed, m=8, l=4, n=3)
    best = brute_force(inst, lam).objective
    for name in ("bigm", "strong"):
        res = solve_mio(inst, lam, name, time_limit=120)
        assert res.status == "optimal"
        assert res.objective == pytest.approx(best, rel=1e-5)
    tol = 1e-6 * best
    rb = solve_relaxation(inst, lam, "bigm").best_bound
    rs = solve_relaxation(inst, lam, "strong").best_bound
    assert rb - tol <= rs <= best + tol


# ------------------------------------------------------------------------ coordinate descent

def _grid_min(inst, lam, w, k, radius=4.0, points=4001):
    """Exact objective on a fine grid of w_k (vectorised)."""
    thetas = w[k] + np.linspace(-radius, radius, points)
    r = inst.X @ w - w[k] * inst.X[:, k]
    t = r[None, :] + thetas[:, None] * inst.X[None, :, k]
    loss = ((t - inst.y) ** 2).sum(axis=1)
    above = t[:, :, None] > inst.thresholds[None, None, :]
    D = np.einsum("i,gij->gj", inst.c, above)
    return float(np.min(loss + lam * np.abs(D).max(axis=1)))


@pytest.mark.parametrize("seed,round_to", [(0, None), (1, 1), (2, None)])
def test_line_minimiser_is_exact(seed, round_to):
    rng = np.random.default_rng(100 + seed)
    inst = tiny_instance(seed, m=25, l=5, n=3, round_to=round_to)
    lam = 2.0
    for _ in range(3):
        w = rng.normal(scale=0.3, size=inst.n)
        f = objective(inst, lam, w)
        for k in range(inst.n):
            res = minimize_coordinate(inst, lam, w, k)
            assert res.value <= f + 1e-12
            assert res.value == pytest.approx(objective(inst, lam, np.r_[w[:k], res.theta, w[k + 1:]]))
            assert res.infimum <= res.value + 1e-12
            assert res.value <= _grid_min(inst, lam, w, k) + 1e-9


@pytest.mark.parametrize("start", ["zero", "ls"])
def test_coordinate_descent_monotone_and_coordinatewise_optimal(start):
    inst = tiny_instance(5, m=30, l=6, n=3, round_to=2)  # ties in the data
    lam = 1.0
    w0 = np.zeros(inst.n) if start == "zero" else least_squares(inst.X, inst.y)
    res = coordinate_descent(inst, lam, w0, max_passes=200, tol=1e-12)
    assert res.converged
    assert res.trajectory[0] == pytest.approx(objective(inst, lam, w0))
    assert np.all(np.diff(res.trajectory) <= 0)
    assert np.all(np.diff(res.history) <= 0)
    assert res.objective == pytest.approx(objective(inst, lam, res.w), rel=1e-12)
    tol = 1e-6 * max(1.0, res.objective)
    for k in range(inst.n):
        assert minimize_coordinate(inst, lam, res.w, k).infimum >= res.objective - tol
        assert _grid_min(inst, lam, res.w, k) >= res.objective - tol


def test_coordinate_descent_on_tiny_instances_against_brute_force(tiny_solutions):
    """CD from every start (0, least squares, the relaxation's w, the optimum itself) never
    worsens, ends coordinate-wise optimal, and never beats the enumerated optimum by more than the
    O(delta) the separation margin allows (CD uses the strict indicator)."""
    for (seed, lam), sol in tiny_solutions.items():
        inst, bf = sol["inst"], sol["bf"]
        slack = 1e-3 * max(1.0, bf.objective)
        starts = [np.zeros(inst.n), least_squares(inst.X, inst.y), sol["relax_strong"].w, bf.w]
        for w0 in starts:
            res = coordinate_descent(inst, lam, w0, max_passes=200, tol=1e-12)
            assert res.trajectory[0] == pytest.approx(objective(inst, lam, w0))
            assert np.all(np.diff(res.history) <= 0)
            assert res.objective >= bf.objective - slack
            for k in range(inst.n):
                assert minimize_coordinate(inst, lam, res.w, k).infimum >= res.objective - 1e-9
        at_opt = coordinate_descent(inst, lam, bf.w, tol=1e-12)
        assert at_opt.objective <= bf.objective_exact + 1e-12


def test_strong_relaxation_recovers_from_a_clarabel_stall():
    """Clarabel ends this relaxation with reduced accuracy under its defaults; the retry with other
    settings must give the value a differently configured solve gives (never an inaccurate one)."""
    inst = synthetic_instance(8, seed=0)
    res = solve_relaxation(inst, 0.05, "strong")
    other = solve_relaxation(inst, 0.05, "strong", static_regularization_constant=1e-7)
    assert res.best_bound == pytest.approx(other.best_bound, rel=1e-6)
    assert all(r["status"] == "optimal" for r in res.details["clarabel_retries"][-1:])
    assert res.details["solver_seconds"] > 0


# -------------------------------------------------------------------------- exact unfairness

def test_exact_unfairness_matches_brute_force_over_b():
    rng = np.random.default_rng(3)
    for trial in range(5):
        pred = np.round(rng.normal(size=80), 1 if trial % 2 else 3)  # ties when rounded to 0.1
        a = rng.integers(0, 2, 80)
        a[0] = 1
        values = np.unique(pred)
        grid = np.concatenate([values, values - 1e-9, values + 1e-9, (values[1:] + values[:-1]) / 2,
                               [values[0] - 1, values[-1] + 1], np.linspace(-4, 4, 2001)])
        brute = max(abs((pred > b).mean() - (pred[a == 1] > b).mean()) for b in grid)
        assert metrics.exact_unfairness(pred, a) == pytest.approx(brute, abs=1e-12)
        # the mixture version reduces to it for one predictor and matches brute force for two
        assert mixture_unfairness(pred[None, :], [1.0], a) == pytest.approx(brute, abs=1e-12)
        pred2 = np.round(pred + rng.normal(scale=0.5, size=80), 1)
        grid2 = np.concatenate([grid, np.unique(pred2)])
        brute2 = max(abs(0.3 * ((pred > b).mean() - (pred[a == 1] > b).mean())
                         + 0.7 * ((pred2 > b).mean() - (pred2[a == 1] > b).mean())) for b in grid2)
        assert mixture_unfairness(np.stack([pred, pred2]), [0.3, 0.7], a) == pytest.approx(brute2, abs=1e-12)


# ---------------------------------------------------------------------------- Agarwal et al.

@pytest.fixture(scope="module")
def agarwal_data():
    syn = synthetic_instance(300, seed=1)
    w = least_squares(syn.X, syn.y)
    pred = syn.X @ w
    return syn, metrics.rmse(syn.y, pred), metrics.exact_unfairness(pred, syn.a)


def test_agarwal_large_eps_approaches_least_squares(agarwal_data):
    syn, rmse_ls, unf_ls = agarwal_data
    res = fit_agarwal(syn.X, syn.y, syn.a, eps=1.0, N=40, T=30)
    # only the grid rounding (step 1/40) separates it from least squares
    assert res.rmse(syn.X, syn.y) <= np.sqrt(rmse_ls ** 2 + (1 / 40) ** 2)
    assert res.rmse_of_mean(syn.X, syn.y) <= res.rmse(syn.X, syn.y) + 1e-12
    assert res.unfairness(syn.X, syn.a) == pytest.approx(unf_ls, abs=0.05)


def test_agarwal_small_eps_is_fairer_and_deterministic(agarwal_data):
    syn, rmse_ls, unf_ls = agarwal_data
    res = fit_agarwal(syn.X, syn.y, syn.a, eps=0.02, N=40, T=30, seed=5)
    assert unf_ls > 0.1
    assert res.unfairness(syn.X, syn.a) < 0.5 * unf_ls
    assert res.train_violation <= 0.02 + 1e-6
    assert res.rmse(syn.X, syn.y) > rmse_ls  # fairness costs accuracy here
    again = fit_agarwal(syn.X, syn.y, syn.a, eps=0.02, N=40, T=30, seed=5)
    np.testing.assert_array_equal(res.weights, again.weights)
    np.testing.assert_array_equal(res.coefs, again.coefs)
    np.testing.assert_array_equal(res.sample(syn.X), again.sample(syn.X))
    assert res.weights.sum() == pytest.approx(1.0)
    levels = res.predict_levels(syn.X)
    assert np.allclose(levels * 40 - 0.5, np.round(levels * 40 - 0.5))  # grid midpoints


def test_agarwal_converges_below_nu_and_ignores_extra_iterations(agarwal_data):
    """The authors' stopping rule: the returned iterate's duality gap is below nu; more iterations
    than it needed change nothing."""
    syn, _, _ = agarwal_data
    for eps in (0.01, 0.05):
        res = fit_agarwal(syn.X, syn.y, syn.a, eps=eps)
        assert res.converged and res.best_gap < res.nu
        assert res.iterations < 50 and res.nu > 0
        assert res.history[-1]["gap"] < res.nu and all(h["gap"] >= res.nu for h in res.history[:-1])
        assert res.train_violation <= eps + 2 * res.best_gap + 1e-9  # Theorem: violation <= eps + 2 gap
        for T in (res.iterations, res.iterations + 7, 200):
            again = fit_agarwal(syn.X, syn.y, syn.a, eps=eps, T=T)
            np.testing.assert_array_equal(again.weights, res.weights)
            np.testing.assert_array_equal(again.coefs, res.coefs)
            assert again.iterations == res.iterations
        short = fit_agarwal(syn.X, syn.y, syn.a, eps=eps, T=1)
        assert short.iterations == 1 and (short.converged or short.best_gap >= short.nu)
    tight = fit_agarwal(syn.X, syn.y, syn.a, eps=0.02, nu=1e-9)
    assert tight.nu == 1e-9 and tight.best_gap < 1e-9


def test_agarwal_moments_and_oracle_match_direct_loops():
    """err, gamma and the oracle's per-row levels against loops over the augmented data."""
    from fairopt.methods.fairreg.agarwal import _Reduction, grid_counts, grid_thresholds

    rng = np.random.default_rng(3)
    m, N = 23, 6
    X = np.column_stack([np.ones(m), rng.normal(size=(m, 2))])
    y = rng.uniform(size=m)
    a = (rng.uniform(size=m) < 0.4).astype(int)
    a[:2] = [0, 1]
    red = _Reduction(X, y, a, N, "both", 0.05)
    theta = grid_thresholds(N)
    w = rng.normal(scale=0.4, size=3)
    f = X @ w
    h = np.array([[float(f[i] >= theta[j]) for j in range(N + 1)] for i in range(m)])
    W = np.array([[abs((theta[j] + 0.5 / N - y[i]) ** 2 - (theta[j] - 0.5 / N - y[i]) ** 2)
                   for j in range(N + 1)] for i in range(m)])
    Y = np.array([[float(y[i] > theta[j]) for j in range(N + 1)] for i in range(m)])
    err_direct = (W * np.abs(Y - h)).sum() / W.sum()
    gam_direct = [h[a == g, j].mean() - h[:, j].mean() for g in (0, 1) for j in range(N + 1)]
    err, gam, counts = red.evaluate(w)
    assert err == pytest.approx(err_direct, abs=1e-14)
    np.testing.assert_allclose(gam, np.concatenate([gam_direct, -np.asarray(gam_direct)]), atol=1e-14)
    np.testing.assert_array_equal(counts, grid_counts(f, N))
    # oracle: per row the level minimising the reduced weighted classification cost
    lam = rng.uniform(size=red.K) * 3
    lam_s = red.signed(lam)
    Wn = W * (W.size / W.sum())
    P_j, P_ja = 1 / (N + 1), {g: np.mean(a == g) / (N + 1) for g in (0, 1)}
    s = np.array([[Wn[i, j] * (2 * Y[i, j] - 1) + sum(lam_s[g, j] for g in (0, 1)) / P_j
                   - lam_s[a[i], j] / P_ja[a[i]] for j in range(N + 1)] for i in range(m)])
    redY, redW = (s > 0).astype(float), np.abs(s)
    best = [min(range(N + 1), key=lambda k: sum(redW[i, j] * abs(redY[i, j] - float(j <= k))
                                                for j in range(N + 1))) for i in range(m)]
    idx = red.best_response(lam)
    target = (np.asarray(best) + 0.5) / N
    np.testing.assert_allclose(red.coefs[idx], np.linalg.lstsq(X, target, rcond=None)[0], atol=1e-10)


def test_agarwal_lp_step_matches_a_second_solver(agarwal_data):
    """The per-iteration LP (HiGHS) against the same LP in cvxpy/Clarabel, primal value and dual value."""
    import cvxpy as cp

    from fairopt.methods.fairreg.agarwal import _Reduction

    syn, _, _ = agarwal_data
    eps, B = 0.02, 50.0
    red = _Reduction(syn.X, syn.y, syn.a.astype(int), 40, "both", eps)
    rng = np.random.default_rng(0)
    for _ in range(6):
        red.best_response(rng.uniform(size=red.K) * B / red.K * 4)
    q, lam = red.linprog_step(B)
    G, E = np.stack(red.gammas), np.asarray(red.errors)
    qv, sv = cp.Variable(len(E), nonneg=True), cp.Variable(nonneg=True)
    prob = cp.Problem(cp.Minimize(E @ qv + B * sv), [G.T @ qv - eps <= sv, cp.sum(qv) == 1])
    prob.solve(solver="CLARABEL")
    assert prob.status == "optimal"
    primal = float(q @ E) + B * max(0.0, float((q @ G).max()) - eps)
    assert primal == pytest.approx(prob.value, abs=1e-8)
    dual = float(np.min(E + G @ lam) - eps * lam.sum())  # max_lambda min_h L(h, lambda)
    assert lam.sum() <= B + 1e-9 and dual == pytest.approx(prob.value, abs=1e-8)


@pytest.mark.parametrize("bad, match", [
    ({"X": "nan"}, "finite"), ({"y": 1.5}, r"\[0, 1\]"), ({"a": "one_group"}, "both groups"),
    ({"eps": 0.0}, "eps > 0"), ({"groups": "all"}, "groups")])
def test_agarwal_rejects_bad_input(agarwal_data, bad, match):
    syn, _, _ = agarwal_data
    X, y, a = syn.X.copy(), syn.y.copy(), syn.a.copy()
    kw = {"eps": 0.05}
    if bad.get("X") == "nan":
        X[3, 1] = np.nan
    if "y" in bad:
        y[0] = bad["y"]
    if bad.get("a") == "one_group":
        a[:] = 1
    kw.update({k: v for k, v in bad.items() if k in ("eps", "groups")})
    with pytest.raises(ValueError, match=match):
        fit_agarwal(X, y, a, **kw)


def test_mio_warm_start_is_taken_and_never_worse_than_it():
    """Issue 11: both MIOs start at a given model (its delta-separated pattern model); SCIP takes it,
    and the incumbent returned is never worse than that start."""
    from fairopt.methods.fairreg.formulations import solve_mio, solve_relaxation

    inst = synthetic_instance(16, seed=0)
    lam = 1.0
    w_cd = coordinate_descent(inst, lam, solve_relaxation(inst, lam, "strong").w).w
    for form in ("bigm", "strong"):
        res = solve_mio(inst, lam, form, time_limit=2, warm_start=w_cd,
                        scip_params={"limits/time": 2, "timing/clocktype": 1})
        d = res.details
        assert d["warm_start_accepted"] is True
        assert d["warm_start_separated_objective"] is not None
        assert d["warm_start_separated_objective"] <= d["warm_start_objective"] * (1 + 1e-3)
        assert res.objective <= d["warm_start_separated_objective"] + 1e-7
