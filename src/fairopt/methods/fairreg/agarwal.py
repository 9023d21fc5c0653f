"""The fair-regression reduction of Agarwal, Dudik & Wu (ICML 2019) for statistical parity.

Built from the paper ("Fair regression: quantitative definitions and reduction-based algorithms")
and from the facts of the authors' experiments (repository ``steven7woo/fair_regression_reduction``:
its exponentiated-gradient routine, squared-loss augmentation, least-squares oracle and settings);
no library provides it (fairlearn has no SP regression reduction). The settings below are theirs.

**Discretisation.** ``y`` in [0, 1]; ``N`` intervals (authors 40), thresholds ``theta_j = j/N``,
``j = 0..N`` (the authors' 41), predictions on ``v_k = theta_k + 1/(2N)``, ``k = 0..N``. A linear
``f(x) = x'w`` gives the threshold classifier ``h(x, theta_j) = 1{f(x) >= theta_j}`` on the augmented
rows ``(x_i, theta_j)``; its regression prediction is ``v_{k(x)}`` with ``k(x) = max(0, c(x) - 1)``,
``c(x) = #{j : f(x) >= theta_j}``.

**Cost-sensitive reduction of the squared loss.** The augmented row ``(i, j)`` has weight
``W_ij = |(theta_j + 1/(2N) - y_i)^2 - (theta_j - 1/(2N) - y_i)^2| = (2/N) |theta_j - y_i|`` and
label ``Y_ij = 1{y_i > theta_j}``; weights are normalised to mean 1 over the ``m (N+1)`` rows. The
objective in the Lagrangian is the *normalised classification error*
``err(h) = sum_ij W_ij |Y_ij - h_ij| / sum_ij W_ij`` (equal to the discretised squared loss up to an
affine map), as in the authors' code.

**Statistical parity** for every threshold and group ``g in {0, 1}`` (``groups="both"``, the
authors' ``DP_theta``; ``"protected"`` keeps ``g = 1`` only, the Deza et al. measure):
``gamma_{j,g}(h) = P(h(X, theta_j) = 1 | A = g) - P(h(X, theta_j) = 1)``, constrained by
``|gamma| <= eps`` as ``K = 2 (N+1) |G|`` signed moments ``+-gamma``.

**Saddle point** (Agarwal et al. 2018, Algorithm 1, with the authors' refinements): Lagrangian
``L(Q, lambda) = err(Q) + lambda_s' gamma(Q) - eps ||lambda_s||_1`` with ``lambda_s = lambda^+ -
lambda^-``, ``lambda >= 0``, ``||lambda||_1 <= B = 1/eps``. Iteration ``t``:

1. ``lambda_t = B exp(theta) / (1 + sum exp(theta))``; best response ``h_t`` to ``lambda_t`` (at
   ``t = 0`` first to ``lambda = 0``, the unconstrained fit).
2. ``Q_EG`` = the empirical distribution of ``h_0..h_t``; its duality gap against the average
   ``lambda`` (below).
3. For ``t >= 1`` the LP ``min_q err'q + B s`` s.t. ``(gamma_k - eps)'q <= s``, ``q`` in the
   simplex, ``s >= 0`` over every hypothesis found so far (re-solved when a hypothesis was
   added; HiGHS via scipy, status checked), the multipliers ``lambda_LP`` of its dual LP and the gap of
   ``(Q_LP, lambda_LP)``.
4. The iterate is whichever of ``Q_EG`` / ``Q_LP`` has the smaller gap. Stop when it is below ``nu``.
5. Step size: ``eta = 2/B``, multiplied by 0.8 whenever the best gap so far has not fallen by 20%
   since the last check (checks at ``t >= 5 * 1.6^k``); then ``theta += eta (gamma(h_t) - eps)``.

The result is the iterate with the smallest gap (the last one among ties). **Duality gap** of
``(Q, lambda)``: ``max(L(Q, lambda) - L_low, L_high - L(Q, lambda))`` with ``L_high = err(Q) + B
max(0, max_k gamma_k(Q) - eps)`` and ``L_low`` the smallest ``L(h, lambda)`` over best responses
``h`` to ``mu lambda``, ``mu`` in (1, 2, 5, 10) (the later multipliers only while the gap is still
within ``nu``). **Automatic** ``nu = 0.5 sd(W_ij |h_ij - Y_ij|) / sqrt(m (N+1))`` for the first
constrained best response (the statistical resolution of the error).

**Least-squares oracle** (the authors' ``LS``): the best response to signed weights
``s_ij = W_ij (2 Y_ij - 1) + sum_g lambda_s[j,g] / P(j) - lambda_s[j,a_i] / P(j,a_i)`` (``P``: shares
of the augmented rows) picks for each row the level ``k_i`` maximising ``sum_{j <= k} s_ij`` (the
first on ties) and fits ``w`` by least squares of ``v_{k_i}`` on ``x_i``. A new hypothesis is kept only
when it improves the Lagrangian on every cached one by more than 1e-12; otherwise the cached best is
returned. Every call counts as an oracle call.

**Randomised predictor and its evaluation.** The result is a distribution ``q`` over linear
hypotheses ``w_h``; for a row the prediction is ``v_{k_h(x)}`` with probability ``q_h``.
``expected_mse`` is ``sum_h q_h mean_i (v_{k_h(x_i)} - y_i)^2`` and ``rmse`` its square root (the
authors' reported RMSE); ``predict_mean`` is the expected prediction and ``rmse_of_mean`` its RMSE (no
larger, by Jensen). Unfairness is computed on the mixture distribution of predictions
(:func:`mixture_unfairness`: exact KS over all ``b`` or at given thresholds).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog

from fairopt.core import metrics

__all__ = ["AgarwalResult", "fit_agarwal", "mixture_unfairness", "grid_levels", "grid_thresholds"]

#: Improvement a new hypothesis needs over the cached ones; ties of the best gap (authors' precision).
_PRECISION = 1e-12
#: Multiplier of the automatic ``nu``; learning-rate schedule (authors' constants).
_ACCURACY_MUL = 0.5
_REGRET_CHECK_START_T = 5
_REGRET_CHECK_INCREASE_T = 1.6
_SHRINK_REGRET = 0.8
_SHRINK_ETA = 0.8
_GAP_MULTIPLIERS = (1.0, 2.0, 5.0, 10.0)


def grid_thresholds(N: int) -> np.ndarray:
    """The ``N + 1`` thresholds ``theta_j = j / N``, ``j = 0..N``."""
    return np.arange(N + 1, dtype=float) / N


def grid_counts(f: np.ndarray, N: int) -> np.ndarray:
    """``c = #{j : f >= theta_j}`` (0..N+1) of real predictions ``f``."""
    return np.searchsorted(grid_thresholds(N), np.asarray(f, dtype=float), side="right")


def grid_levels(f: np.ndarray, N: int) -> np.ndarray:
    """Prediction level ``k = max(0, c - 1)`` (0..N) of real predictions ``f``."""
    return np.maximum(grid_counts(f, N) - 1, 0)


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
        weights: ``(H,)`` mixture weights (hypotheses of weight 0 dropped).
        N: Grid size (step ``1/N``, ``N + 1`` thresholds).
        eps, B, eta, T: Parameters (``eta`` the initial step); nu: the gap tolerance used
            (automatic unless given).
        iterations: EG iterations run; best_iteration: the one returned; oracle_calls: best
            responses computed; n_hypotheses_found: distinct hypotheses cached.
        best_gap: Duality gap of the returned iterate; converged: ``best_gap < nu``.
        source: ``"eg"`` or ``"lp"`` (which iterate was returned).
        train_error: Normalised classification error ``err(Q)`` on the augmented training data.
        train_violation: ``max_k gamma_k(Q)`` (largest SP violation over thresholds and groups).
        seconds: Wall-clock time; seed: for :meth:`sample`.
        history: Per iteration ``t, gap_eg, gap_lp, gap, eta, n_hypotheses``.
    """

    coefs: np.ndarray
    weights: np.ndarray
    N: int
    eps: float
    B: float
    eta: float
    T: int
    nu: float
    iterations: int
    best_iteration: int
    oracle_calls: int
    n_hypotheses_found: int
    best_gap: float
    converged: bool
    source: str
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


class _Reduction:
    """The augmented cost-sensitive problem: errors, moments and the least-squares oracle."""

    def __init__(self, X: np.ndarray, y: np.ndarray, a: np.ndarray, N: int, groups: str, eps: float):
        self.X, self.y, self.a, self.N, self.eps = X, y, a, N, eps
        self.m = y.size
        self.J = N + 1
        self.n_aug = self.m * self.J
        theta = grid_thresholds(N)
        self.values = theta + 0.5 / N
        self.pinv = np.linalg.pinv(X)
        W = (2.0 / N) * np.abs(theta[None, :] - y[:, None])
        self.label = y[:, None] > theta[None, :]
        total = W.sum()
        if total <= 0:
            raise ValueError("fit_agarwal: every augmented weight is 0 (y on the threshold grid?)")
        self.weight = W * (self.n_aug / total)  # normalised to mean 1
        # classification error of count c (h_ij = 1{j < c}) per row, c = 0..N+1
        miss_above = np.cumsum(self.weight * ~self.label, axis=1)
        miss_below = np.cumsum((self.weight * self.label)[:, ::-1], axis=1)[:, ::-1]
        zeros = np.zeros((self.m, 1))
        self.cost_by_count = np.hstack([zeros, miss_above]) + np.hstack([miss_below, zeros])
        self.groups = [0, 1] if groups == "both" else [1]
        shares = np.array([float(np.mean(a == g)) for g in self.groups])
        # d gamma_{j,g} / d h_ij, in units of the augmented mean: J (1{a_i = g}/p_g - 1)
        self.coef = np.array([[self.J * (float(av == g) / p - 1.0) for av in (0, 1)]
                              for g, p in zip(self.groups, shares)])  # (|G|, 2)
        self.K = 2 * self.J * len(self.groups)
        self.coefs: list[np.ndarray] = []
        self.errors: list[float] = []
        self.gammas: list[np.ndarray] = []
        self.oracle_calls = 0

    # -- moments
    def evaluate(self, w: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """``err``, the signed moments ``[gamma, -gamma]`` and the counts of hypothesis ``w``."""
        counts = grid_counts(self.X @ w, self.N)
        err = float(self.cost_by_count[np.arange(self.m), counts].sum() / self.n_aug)
        above = counts[:, None] > np.arange(self.J)[None, :]  # h_ij
        overall = above.mean(axis=0)
        gamma = np.concatenate([above[self.a == g].mean(axis=0) - overall for g in self.groups])
        return err, np.concatenate([gamma, -gamma]), counts

    def signed(self, lam: np.ndarray) -> np.ndarray:
        """``lambda^+ - lambda^-`` as ``(|G|, J)``."""
        half = self.K // 2
        return (lam[:half] - lam[half:]).reshape(len(self.groups), self.J)

    def lagrangian(self, err: float, gam: np.ndarray, lam: np.ndarray) -> float:
        return float(err + lam @ gam - self.eps * np.abs(self.signed(lam)).sum())

    def penalised(self, err: float, gam: np.ndarray, B: float) -> float:
        """``L_high``: the Lagrangian at the lambda player's best response."""
        return float(err + B * max(0.0, float(gam.max()) - self.eps))

    # -- oracle
    def best_response(self, lam: np.ndarray) -> int:
        """Index of the best cached or new hypothesis for multipliers ``lam``."""
        self.oracle_calls += 1
        adjust = -(self.signed(lam).T @ self.coef)  # (J, 2): moment part of s_ij for a_i = 0 / 1
        s = self.weight * np.where(self.label, 1.0, -1.0) + adjust.T[self.a]
        levels = np.argmax(np.cumsum(s, axis=1), axis=1)
        w = self.pinv @ self.values[levels]
        err, gam, _ = self.evaluate(w)
        value = err + float(gam @ lam)
        if self.coefs:
            cached = np.asarray(self.errors) + np.stack(self.gammas) @ lam
            best = int(np.argmin(cached))
            if not value < cached[best] - _PRECISION:
                return best
        self.coefs.append(w)
        self.errors.append(err)
        self.gammas.append(gam)
        return len(self.coefs) - 1

    # -- mixtures
    def mixture(self, q: np.ndarray) -> tuple[float, np.ndarray]:
        q = np.asarray(q, dtype=float)
        E = np.asarray(self.errors)[: q.size]
        G = np.stack(self.gammas)[: q.size]
        return float(q @ E), q @ G

    def gap(self, q: np.ndarray, lam: np.ndarray, nu: float, B: float) -> float:
        """Duality gap of ``(q, lam)`` (module docstring)."""
        err, gam = self.mixture(q)
        L = self.lagrangian(err, gam, lam)
        L_high = self.penalised(err, gam, B)
        L_low = L
        for mul in _GAP_MULTIPLIERS:
            h = self.best_response(mul * lam)
            L_low = min(L_low, self.lagrangian(self.errors[h], self.gammas[h], lam))
            if max(L - L_low, L_high - L) > nu + _PRECISION:
                break
        return max(L - L_low, L_high - L)

    def linprog_step(self, B: float) -> tuple[np.ndarray, np.ndarray]:
        """Best mixture of the cached hypotheses (primal LP) and the multipliers of the dual LP.

        Primal: ``min err'q + B s`` s.t. ``(gamma_k - eps)'q <= s``, ``sum q = 1``, ``q, s >= 0``.
        Dual (solved as its own LP, as the authors do): ``max mu`` s.t. ``mu - (gamma_h - eps)'lambda
        <= err_h`` for every ``h``, ``sum lambda <= B``, ``lambda >= 0``. Both with HiGHS; a status
        other than optimal raises.
        """
        H = len(self.coefs)
        G = np.stack(self.gammas)  # (H, K)
        errors = np.asarray(self.errors)
        c = np.concatenate([errors, [B]])
        A_ub = np.hstack([G.T - self.eps, -np.ones((self.K, 1))])
        A_eq = np.concatenate([np.ones(H), [0.0]])[None, :]
        primal = linprog(c, A_ub=A_ub, b_ub=np.zeros(self.K), A_eq=A_eq, b_eq=[1.0], method="highs")
        dual_A = np.hstack([-A_ub.T, A_eq.T])  # rows: hypotheses, then s; columns: lambda, mu
        dual_c = np.concatenate([np.zeros(self.K), [-1.0]])
        bounds = [(0, None)] * self.K + [(None, None)]
        dual = linprog(dual_c, A_ub=dual_A, b_ub=c, bounds=bounds, method="highs")
        for name, res in (("primal", primal), ("dual", dual)):
            if res.status != 0:
                raise RuntimeError(f"fit_agarwal: the {name} LP over {H} hypotheses failed: {res.message}")
        assert primal.x is not None and dual.x is not None  # solved (status 0)
        q = np.clip(primal.x[:H], 0.0, None)
        return q / q.sum(), np.clip(dual.x[: self.K], 0.0, None)


def fit_agarwal(X: np.ndarray, y: np.ndarray, a: np.ndarray, *, eps: float, N: int = 40, T: int = 50,
                nu: float | None = None, eta_mul: float = 2.0, groups: str = "both", lp_step: bool = True,
                seed: int = 0) -> AgarwalResult:
    """Fit the Agarwal et al. SP fair regression reduction (module docstring).

    Args:
        X: ``(m, n)`` features (the linear hypothesis class ``x'w``; add a constant column for
            an intercept).
        y: Targets in [0, 1].
        a: 0/1 protected attribute.
        eps: Allowed SP violation per threshold and group (``B = 1/eps``).
        N: Grid intervals (``N + 1`` thresholds; authors 40).
        T: Maximum EG iterations (authors 50).
        nu: Gap tolerance; ``None`` = automatic (authors).
        eta_mul: Initial step ``eta = eta_mul / B`` (authors 2).
        groups: ``"both"`` (authors) or ``"protected"`` (only ``a = 1`` vs everyone).
        lp_step: Solve the LP over the hypotheses found at every iteration (authors: on).
        seed: Seed of :meth:`AgarwalResult.sample` (the fit itself is deterministic).

    Returns:
        An :class:`AgarwalResult` (``converged`` says whether the gap fell below ``nu``).

    Raises:
        ValueError: non-finite inputs, ``y`` outside [0, 1], a group without rows, bad options.
    """
    start = time.perf_counter()
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    a = np.asarray(a)
    if X.ndim != 2 or y.shape != (X.shape[0],) or a.shape != y.shape:
        raise ValueError(f"fit_agarwal: X must be (m, n) and y, a of length m; got {X.shape}, {y.shape}, {a.shape}")
    if not (np.isfinite(X).all() and np.isfinite(y).all()):
        raise ValueError("fit_agarwal: X and y must be finite (found NaN or inf)")
    if y.size == 0 or y.min() < 0 or y.max() > 1:
        raise ValueError("fit_agarwal: y must be non-empty and lie in [0, 1]")
    if not np.isin(a, (0, 1)).all() or np.unique(a).size < 2:
        raise ValueError("fit_agarwal: a must be 0/1 with both groups present")
    if groups not in ("both", "protected"):
        raise ValueError(f"fit_agarwal: groups must be 'both' or 'protected', got {groups!r}")
    if not eps > 0 or N < 2 or T < 1 or not eta_mul > 0 or (nu is not None and not nu > 0):
        raise ValueError(f"fit_agarwal: need eps > 0, N >= 2, T >= 1, eta_mul > 0, nu > 0 or None; "
                         f"got eps={eps}, N={N}, T={T}, eta_mul={eta_mul}, nu={nu}")
    B = 1.0 / eps
    red = _Reduction(X, y, a.astype(int), int(N), groups, float(eps))
    theta = np.zeros(red.K)
    counts: dict[int, int] = {}
    lam_sum = np.zeros(red.K)
    iterates: list[tuple[np.ndarray, str]] = []
    gaps: list[float] = []
    gaps_eg: list[float] = []
    history: list[dict] = []
    eta = eta_mul / B
    last_checked, last_gap = _REGRET_CHECK_START_T, np.inf
    lp_hypotheses = 0
    lp_cached: tuple[np.ndarray, float] | None = None  # (mixture, gap) of the last LP step
    for t in range(T):
        lam = B * np.exp(theta) / (1.0 + np.exp(theta).sum())
        lam_sum += lam
        if t == 0:
            red.best_response(0.0 * lam)
        h = red.best_response(lam)
        if t == 0 and nu is None:
            counts_h = red.evaluate(red.coefs[h])[2]
            err_rows = red.weight * ((counts_h[:, None] > np.arange(red.J)[None, :]) != red.label)
            nu = float(_ACCURACY_MUL * np.std(err_rows, ddof=1) / np.sqrt(red.n_aug))
        assert nu is not None  # given, or set at t = 0
        counts[h] = counts.get(h, 0) + 1
        q_eg = np.zeros(max(counts) + 1)
        for idx, cnt in counts.items():
            q_eg[idx] = cnt / (t + 1)
        gap_eg = red.gap(q_eg, lam_sum / (t + 1), nu, B)
        gaps_eg.append(gap_eg)
        gap_lp = np.inf
        if t > 0 and lp_step:
            if len(red.coefs) != lp_hypotheses:
                lp_hypotheses = len(red.coefs)
                q_lp, lam_lp = red.linprog_step(B)
                lp_cached = (q_lp, red.gap(q_lp, lam_lp, nu, B))
            assert lp_cached is not None  # set above at the first LP step (the hypotheses grew from 0)
            q_lp, gap_lp = lp_cached
        if gap_eg < gap_lp:
            iterates.append((q_eg, "eg"))
            gaps.append(gap_eg)
        else:
            iterates.append((q_lp, "lp"))
            gaps.append(gap_lp)
        history.append({"t": t, "gap_eg": gap_eg, "gap_lp": float(gap_lp), "gap": gaps[-1], "eta": eta,
                        "n_hypotheses": len(red.coefs)})
        if gaps[-1] < nu:
            break
        if t >= last_checked * _REGRET_CHECK_INCREASE_T:
            best = min(gaps_eg)
            if best > last_gap * _SHRINK_REGRET:
                eta *= _SHRINK_ETA
            last_checked, last_gap = t, best
        theta += eta * (red.gammas[h] - eps)
    assert nu is not None  # set in the first iteration (T >= 1)
    best_t = max(i for i, g in enumerate(gaps) if g <= min(gaps) + _PRECISION)
    q, source = iterates[best_t]
    q = np.clip(np.asarray(q, dtype=float), 0.0, None)
    err, gam = red.mixture(q)
    keep = np.flatnonzero(q > 0)
    weights = q[keep] / q[keep].sum()
    return AgarwalResult(
        coefs=np.stack(red.coefs)[keep], weights=weights, N=int(N), eps=float(eps), B=B, eta=eta_mul / B,
        T=int(T), nu=float(nu), iterations=len(gaps), best_iteration=int(best_t), oracle_calls=red.oracle_calls,
        n_hypotheses_found=len(red.coefs), best_gap=float(gaps[best_t]), converged=bool(gaps[best_t] < nu),
        source=source, train_error=err, train_violation=float(gam.max()), seconds=time.perf_counter() - start,
        seed=int(seed), history=history)
