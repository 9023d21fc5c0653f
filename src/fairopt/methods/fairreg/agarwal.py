"""The fair-regression reduction of Agarwal, Dudik & Wu (ICML 2019) for statistical parity.

Implemented from the paper's description ("Fair regression: quantitative definitions and
reduction-based algorithms"); no library provides it (fairlearn has no SP regression reduction).

**Discretisation.** ``y`` in [0, 1]; step ``alpha = 1/N``; thresholds ``z_j = j alpha``
(``j = 1..N-1``); predictions on the midpoints ``v_k = (k + 1/2) alpha`` (``k = 0..N-1``). A
real-valued ``f`` predicts level ``k(x) = #{j : f(x) >= z_j} = clip(floor(f(x)/alpha), 0, N-1)``,
i.e. the threshold classifiers ``h(x, z_j) = 1{f(x) >= z_j}`` on the augmented data ``(x_i,
z_j)``.

**Cost-sensitive reduction of the squared loss.** Telescoping, ``(v_k - y)^2 = (v_0 - y)^2 +
sum_{j <= k} c_j(y)`` with ``c_j(y) = (v_j - y)^2 - (v_{j-1} - y)^2 = 2 alpha (z_j - y)``: the
augmented example ``(x_i, z_j)`` has label ``1{y_i >= z_j}`` (``c_j < 0``: predicting above
``z_j`` lowers the loss) and weight ``|c_j(y_i)|``, and the error of ``h`` is the squared loss
of the grid prediction up to a constant. We use the exact discretised loss
``err(h) = mean_i (v_{k(x_i)} - y_i)^2``.

**Statistical parity constraints** for every threshold and group ``g in {0, 1}`` (both, as in
the paper's DP; ``groups="protected"`` keeps only ``g = 1``, the Deza et al. measure):
``gamma_{j,g}(h) = P(h(X, z_j) = 1 | A = g) - P(h(X, z_j) = 1)`` with ``|gamma| <= eps``, written
as ``K = 2 (N-1) |G|`` one-sided moments ``+-gamma - eps <= 0``.

**Saddle point by exponentiated gradient** (Agarwal et al. 2018, Algorithm 1): the Lagrangian
``L(Q, lambda) = err(Q) + sum_k lambda_k (gamma_k(Q) - eps)`` over mixtures ``Q`` of
hypotheses and ``lambda >= 0``, ``||lambda||_1 <= B``. Iteration ``t``: ``lambda_t = B
exp(theta)/(1 + sum exp(theta))``; best response ``h_t`` to ``lambda_t``;
``theta += eta (gamma(h_t) - eps)``; ``Q_t`` = uniform average of ``h_1..h_t``. Stop when the
duality gap of ``(Q_t, mean lambda)`` is below ``nu`` or after ``T`` iterations. Finally (as
in the authors' code, ``lp_step=True``) the best mixture of all hypotheses found is computed
by the LP ``min_q sum q_h err_h + B s`` s.t. ``sum_h q_h gamma_{k,h} - eps <= s``, ``s >= 0``,
``q`` in the simplex (cvxpy, Clarabel via :func:`fairopt.core.solvers.solve`); it minimises
``err(Q) + B max(0, max_k gamma_k(Q) - eps)``, which the EG average only approximates.

**Oracle (our choice, the authors' "LS" oracle).** The best response to ``lambda`` minimises
``sum_i cost_i(k(x_i))`` with ``cost_i(k) = (v_k - y_i)^2/m + sum_{j<=k} sum_g lt_{j,g}
(1{a_i=g}/m_g - 1/m)`` (``lt = lambda^+ - lambda^-``). For each row the best level ``k_i*`` is
found exactly (O(mN)); the linear model is the least-squares fit of ``v_{k_i*}`` on ``x_i``.
Per iteration this is O(mN + mn^2), so Law School (10k rows, N = 40) takes seconds.

**Randomised predictor and its evaluation.** The result is a distribution ``q`` over linear
hypotheses ``w_h``. For a row the prediction is ``v_{k_h(x)}`` with probability ``q_h``.
``expected_mse`` is ``sum_h q_h mean_i (v_{k_h(x_i)} - y_i)^2`` and ``rmse`` its square root
(the RMSE of the randomised predictor, i.e. of its loss in expectation -- what the paper
reports); ``predict_mean`` is the expected prediction ``sum_h q_h v_{k_h(x)}`` and
``rmse_of_mean`` the RMSE of that deterministic predictor (no larger, by Jensen). Unfairness of
the randomised predictor is computed on the mixture distribution of predictions
(:func:`mixture_unfairness`: exact KS over all ``b`` or at given thresholds).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import cvxpy as cp
import numpy as np

from fairopt.core import metrics
from fairopt.core.solvers import resolve_solver, solve

__all__ = ["AgarwalResult", "fit_agarwal", "mixture_unfairness", "grid_levels"]


def grid_levels(f: np.ndarray, N: int) -> np.ndarray:
    """Level ``k = clip(floor(N f), 0, N - 1)`` of real predictions ``f`` (``f >= z_j`` counts)."""
    return np.clip(np.floor(np.asarray(f, dtype=float) * N), 0, N - 1).astype(int)


def mixture_unfairness(preds: np.ndarray, weights: np.ndarray, group: np.ndarray,
                       thresholds: np.ndarray | None = None) -> float:
    """Statistical-parity unfairness of a randomised predictor (mixture of ``H`` predictors).

    ``sup_b | sum_h q_h [P(yhat_h > b) - P(yhat_h > b | a = 1)] |`` -- over every real ``b``
    (exact: attained at a predicted value, as in :func:`fairopt.core.metrics.exact_unfairness`, to
    which it reduces for one predictor) or over the given ``thresholds``.

    Args:
        preds: ``(H, m)`` predictions of each hypothesis.
        weights: ``(H,)`` mixture weights (sum 1).
        group: ``(m,)`` 0/1 protected attribute.
        thresholds: Optional thresholds ``b`` (discretised version).
    """
    preds = np.atleast_2d(np.asarray(preds, dtype=float))
    q = np.asarray(weights, dtype=float)
    b = np.unique(preds) if thresholds is None else np.asarray(thresholds, dtype=float)
    diff = np.zeros(b.size)
    for h in np.flatnonzero(q):
        diff += q[h] * metrics.survival_gap(preds[h], group, b)
    return float(np.max(np.abs(diff), initial=0.0))


@dataclass
class AgarwalResult:
    """A randomised fair regressor: mixture ``weights`` over linear hypotheses ``coefs``.

    Attributes:
        coefs: ``(H, n)`` linear models ``f_h(x) = x'w_h`` (predictions on the grid).
        weights: ``(H,)`` mixture weights.
        N: Grid size (step ``1/N``).
        eps, B, eta, T: Parameters; iterations: EG iterations run; oracle_calls: best responses.
        best_gap: Duality gap of the EG average at the end; used_lp: final LP mixture used.
        train_error: Expected discretised squared loss on the training data.
        train_violation: ``max_k gamma_k(Q)`` (largest SP violation over thresholds and groups).
        seconds: Wall-clock time; seed: for :meth:`sample`.
    """

    coefs: np.ndarray
    weights: np.ndarray
    N: int
    eps: float
    B: float
    eta: float
    T: int
    iterations: int
    oracle_calls: int
    best_gap: float
    used_lp: bool
    train_error: float
    train_violation: float
    seconds: float
    seed: int
    history: list[dict] = field(default_factory=list)

    def predict_levels(self, X: np.ndarray) -> np.ndarray:
        """``(H, m)`` grid predictions ``v_{k_h(x)}`` of every hypothesis."""
        f = np.asarray(X, dtype=float) @ self.coefs.T
        return ((grid_levels(f, self.N) + 0.5) / self.N).T

    def predict_mean(self, X: np.ndarray) -> np.ndarray:
        """Expected prediction ``sum_h q_h v_{k_h(x)}`` (deterministic summary)."""
        return self.weights @ self.predict_levels(X)

    def sample(self, X: np.ndarray, seed: int | None = None) -> np.ndarray:
        """One draw of the randomised predictor per row (seeded; default ``self.seed``)."""
        rng = np.random.default_rng(self.seed if seed is None else seed)
        levels = self.predict_levels(X)
        pick = rng.choice(self.weights.size, size=levels.shape[1], p=self.weights)
        return levels[pick, np.arange(levels.shape[1])]

    def expected_mse(self, X: np.ndarray, y: np.ndarray) -> float:
        """``sum_h q_h mean_i (v_{k_h(x_i)} - y_i)^2``."""
        err = ((self.predict_levels(X) - np.asarray(y, dtype=float)[None, :]) ** 2).mean(axis=1)
        return float(self.weights @ err)

    def rmse(self, X: np.ndarray, y: np.ndarray) -> float:
        """RMSE of the randomised predictor: ``sqrt(expected_mse)``."""
        return float(np.sqrt(self.expected_mse(X, y)))

    def rmse_of_mean(self, X: np.ndarray, y: np.ndarray) -> float:
        """RMSE of the expected prediction :meth:`predict_mean`."""
        return metrics.rmse(np.asarray(y, dtype=float), self.predict_mean(X))

    def unfairness(self, X: np.ndarray, a: np.ndarray, thresholds: np.ndarray | None = None) -> float:
        """SP unfairness of the mixture (:func:`mixture_unfairness`)."""
        return mixture_unfairness(self.predict_levels(X), self.weights, a, thresholds)


class _Moments:
    """Loss and SP moments of grid predictors on the training data."""

    def __init__(self, X, y, a, N, groups):
        self.X, self.y, self.a, self.N = X, y, a, N
        self.m = y.size
        self.values = (np.arange(N) + 0.5) / N
        self.groups = [0, 1] if groups == "both" else [1]
        self.masks = [a == g for g in self.groups]
        self.sizes = np.array([float(mk.sum()) for mk in self.masks])
        # coefficient of 1{level_i >= j} in gamma_{j,g} for a row of group a_i:
        # coef[g_index, a_i] = 1{a_i = g}/m_g - 1/m  (only two row types)
        self.coef = np.array([[float(av == g) / s - 1.0 / self.m for av in (0, 1)]
                              for g, s in zip(self.groups, self.sizes)])

    def evaluate(self, levels: np.ndarray) -> tuple[float, np.ndarray]:
        """``err`` and the signed moment vector ``[gamma, -gamma]`` (length 2 (N-1) |G|)."""
        err = float(np.mean((self.values[levels] - self.y) ** 2))

        def share_above(lv):  # P(level >= j), j = 1..N-1
            counts = np.bincount(lv, minlength=self.N)[::-1].cumsum()[::-1]
            return counts[1:] / max(lv.size, 1)

        overall = share_above(levels)
        gamma = np.concatenate([share_above(levels[mk]) - overall for mk in self.masks])
        return err, np.concatenate([gamma, -gamma])

    def best_levels(self, lam: np.ndarray) -> np.ndarray:
        """Per-row level minimising the Lagrangian cost for multipliers ``lam`` (length K)."""
        half = lam.size // 2
        lt = (lam[:half] - lam[half:]).reshape(len(self.groups), self.N - 1)  # (|G|, N-1)
        step = self.coef.T @ lt  # (2, N-1): cost of crossing z_j for a row with a = 0 / 1
        cum = np.concatenate([np.zeros((2, 1)), np.cumsum(step, axis=1)], axis=1)  # (2, N)
        cost = (self.values[None, :] - self.y[:, None]) ** 2 / self.m + cum[self.a]
        return np.argmin(cost, axis=1)


def fit_agarwal(X: np.ndarray, y: np.ndarray, a: np.ndarray, *, eps: float, B: float | None = None,
                N: int = 40, T: int = 50, eta: float | None = None, nu: float = 1e-5,
                groups: str = "both", lp_step: bool = True, lp_solver: str = "clarabel",
                seed: int = 0) -> AgarwalResult:
    """Fit the Agarwal et al. SP fair regression reduction (module docstring).

    Args:
        X: ``(m, n)`` features (the linear hypothesis class ``x'w``; add a constant column for
            an intercept).
        y: Targets in [0, 1].
        a: 0/1 protected attribute.
        eps: Allowed SP violation per threshold and group.
        B: Bound on ``||lambda||_1`` (default ``1/eps``, as in the authors' code).
        N: Grid size (step ``1/N``).
        T: Maximum EG iterations.
        eta: Learning rate (default ``2/B``, as in the authors' code).
        nu: Stop when the duality gap falls below ``nu``.
        groups: ``"both"`` (paper) or ``"protected"`` (only ``a = 1`` vs everyone).
        lp_step: Finish with the LP over all hypotheses found.
        lp_solver: Conic solver config name for that LP.
        seed: Seed of :meth:`AgarwalResult.sample` (the fit itself is deterministic).

    Returns:
        An :class:`AgarwalResult`.
    """
    start = time.perf_counter()
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    a = np.asarray(a).astype(int)
    if y.min() < 0 or y.max() > 1:
        raise ValueError("fit_agarwal: y must lie in [0, 1]")
    if groups not in ("both", "protected"):
        raise ValueError(f"groups must be 'both' or 'protected', got {groups!r}")
    if eps <= 0:
        raise ValueError("eps must be positive")
    B = 1.0 / eps if B is None else float(B)
    eta = 2.0 / B if eta is None else float(eta)
    mom = _Moments(X, y, a, N, groups)
    pinv = np.linalg.pinv(X)  # least-squares oracle: w = pinv(X) @ target
    K = 2 * len(mom.groups) * (N - 1)

    coefs: list[np.ndarray] = []
    errs: list[float] = []
    gammas: list[np.ndarray] = []
    oracle_calls = 0

    def lagrangian(err, gam, lam):
        return err + lam @ (gam - eps)

    def best_response(lam: np.ndarray) -> int:
        """Index of the best hypothesis for ``lam`` (a new oracle fit, or a cached one)."""
        nonlocal oracle_calls
        oracle_calls += 1
        target = mom.values[mom.best_levels(lam)]
        w = pinv @ target
        err, gam = mom.evaluate(grid_levels(X @ w, N))
        vals = [lagrangian(e, g, lam) for e, g in zip(errs, gammas)]
        new_val = lagrangian(err, gam, lam)
        if vals and min(vals) <= new_val + 1e-15:
            return int(np.argmin(vals))
        coefs.append(w)
        errs.append(err)
        gammas.append(gam)
        return len(coefs) - 1

    theta = np.zeros(K)
    counts: dict[int, int] = {}
    lam_sum = np.zeros(K)
    history: list[dict] = []
    gap = np.inf
    t = 0
    for t in range(1, T + 1):
        expo = np.exp(theta - max(theta.max(), 0.0))
        lam = B * expo / (np.exp(-max(theta.max(), 0.0)) + expo.sum())
        lam_sum += lam
        h = best_response(lam)
        counts[h] = counts.get(h, 0) + 1
        q = np.zeros(len(coefs))
        for idx, cnt in counts.items():
            q[idx] = cnt / t
        lam_bar = lam_sum / t
        G = np.stack(gammas)
        E = np.asarray(errs)
        err_q, gam_q = float(q @ E), q @ G
        L = lagrangian(err_q, gam_q, lam_bar)
        L_high = err_q + B * max(0.0, float(gam_q.max() - eps))
        h_low = best_response(lam_bar)
        L_low = lagrangian(errs[h_low], gammas[h_low], lam_bar)
        gap = max(L_high - L, L - L_low)
        history.append({"t": t, "L": L, "L_low": L_low, "L_high": L_high, "gap": gap,
                        "err": err_q, "violation": float(gam_q.max())})
        if gap < nu:
            break
        theta += eta * (gammas[h] - eps)

    q = np.zeros(len(coefs))
    for idx, cnt in counts.items():
        q[idx] = cnt / t
    used_lp = False
    if lp_step and len(coefs) > 1:
        G, E = np.stack(gammas), np.asarray(errs)
        qv = cp.Variable(len(coefs), nonneg=True)
        s = cp.Variable(nonneg=True)
        problem = cp.Problem(cp.Minimize(E @ qv + B * s), [G.T @ qv - eps <= s, cp.sum(qv) == 1])
        solve(problem, resolve_solver(lp_solver, mixed_integer=False))
        q_lp = np.clip(np.asarray(qv.value, dtype=float), 0, None)
        q_lp /= q_lp.sum()

        def penalised(qq):
            return float(qq @ E) + B * max(0.0, float((qq @ G).max() - eps))

        if penalised(q_lp) <= penalised(q):
            q, used_lp = q_lp, True
    keep = q > 1e-9
    q = q[keep] / q[keep].sum()
    W = np.stack(coefs)[keep]
    G, E = np.stack(gammas)[keep], np.asarray(errs)[keep]
    return AgarwalResult(W, q, N, float(eps), B, eta, T, t, oracle_calls, float(gap), used_lp,
                         float(q @ E), float((q @ G).max()), time.perf_counter() - start,
                         int(seed), history)
