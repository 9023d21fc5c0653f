r"""The alpha-fair resource-allocation decision problem of FDFL (numpy, float64).

Paper: "Fair Decision-Focused Learning" (``fdfl``), sections 3.2 and 4.1.1. Notation:

* alpha-fairness (eq. 5): :math:`W_\alpha(u) = \sum_i u_i^{1-\alpha}/(1-\alpha)` for
  :math:`\alpha \ge 0, \alpha \ne 1`; :math:`\sum_i \log u_i` for :math:`\alpha = 1`; the limits
  are :math:`\alpha = 0` (utilitarian, :math:`\sum_i u_i`) and :math:`\alpha \to \infty`
  (Rawlsian maximin; :func:`welfare` then returns :math:`\min_i u_i`, the criterion whose
  maximisers are the limit of the alpha-fair ones).
* the decision problem (eq. 9):

  .. math:: \max_{d} \sum_i W_\alpha(r_i g_i d_i) \quad\text{s.t.}\quad \sum_i c_i d_i \le Q,\ d \ge 0,

  with need (risk) :math:`r_i > 0`, gain :math:`g_i > 0`, unit cost :math:`c_i > 0`, budget
  :math:`Q > 0`.
* the general utility of eq. (4), :math:`U_i = q_i (g_i d_i + a_i)^\rho`, which
  :func:`solve_alpha_fair` and :func:`solve_alpha_fair_kkt` accept. The predicted parameter ``r``
  multiplies the need level: :math:`U_i = r_i q_i (g_i d_i + a_i)^\rho` (``q = 1, a = 0,
  rho = 1`` is eq. 9).

Closed form (Prop. 4.1, corrected for :math:`c \ne 1`)
--------------------------------------------------------
Write :math:`b_i = r_i g_i` and :math:`p = 1/\alpha - 1`. Every :math:`W_\alpha` is strictly
increasing in each :math:`u_i`, so the budget binds. For :math:`0 < \alpha < \infty` the
objective is strictly concave and the Lagrangian
:math:`L = \sum_i W_\alpha(b_i d_i) - \mu(\sum_i c_i d_i - Q)` is stationary where

.. math:: b_i^{1-\alpha} d_i^{-\alpha} = \mu c_i
   \;\Longrightarrow\; d_i = \mu^{-1/\alpha}\, w_i,\quad w_i = c_i^{-1/\alpha} b_i^{1/\alpha - 1}

(:math:`d_i > 0` automatically, since :math:`W_\alpha'(0^+) = \infty` for :math:`\alpha > 0`).
The binding budget :math:`\sum_j c_j d_j = Q` fixes :math:`\mu^{-1/\alpha} = Q / \sum_j c_j w_j`:

.. math:: d_i^* = \frac{Q\, w_i}{\sum_j c_j w_j}
   = \frac{Q}{c_i}\,\mathrm{softmax}_i\!\big(p \log(b/c)\big),

because :math:`c_i w_i = (b_i / c_i)^{p}`. The paper's Prop. 4.1 as printed divides by
:math:`\sum_j w_j` (no :math:`c_j`), which is exact only for :math:`c = 1`. The softmax form is
the one computed (stable for any :math:`\alpha`). Special cases:

* :math:`\alpha = 1` (:math:`p = 0`): :math:`d_i = Q / (n c_i)` (equal spending shares);
* :math:`\alpha \to \infty` (:math:`p = -1`): :math:`d_i = Q / (b_i \sum_j c_j / b_j)`, which
  equalises the utilities :math:`u_i = b_i d_i` -- the maximin solution;
* :math:`\alpha = 0` (:math:`p \to \infty`): the LP :math:`\max \sum_i b_i d_i` puts the whole
  budget on the best ratio :math:`b_i / c_i`; on exact floating-point ties the budget is split
  in equal *spending* shares (:math:`c_i d_i` equal), which is the :math:`\alpha \to 0^+` limit of
  the softmax and the analytic centre of the optimal face.

Findings about the authors' code (facts, checked here; README, FDFL deviations)
-------------------------------------------------------------------------------
* Their maximin (``alpha = inf``) allocation is :math:`d_i = Q c_i / (b_i \sum_j c_j^2 / b_j)`. It
  spends the budget, but its utilities :math:`b_i d_i = Q c_i / \sum_j c_j^2 / b_j` are proportional
  to :math:`c_i`: equal (the maximin solution) only for constant costs. With unequal costs the
  smallest utility -- the maximin welfare -- is below the optimum; the maximin solution is
  :math:`d_i = Q / (b_i \sum_j c_j / b_j)` (above). The test
  ``test_authors_maximin_formula_does_not_equalise_utilities_for_unequal_costs``
  (``tests/methods/alpha_fair``) computes their formula: on 20 random instances (n = 200, r ~ U(0.5, 5), g, c ~ U(0.5, 2), Q = 1000) their utilities
  differ from the equalised level by up to 6.4 (utilities ~8; the spread is up to
  :math:`c_{max}/c_{min}`, ~4x) and their smallest utility is up to 66% below the maximin optimum.
  fairopt's runs use ``c = 1`` (as the authors' experiments), where the two agree.
* Their later closed-form training notebook (``Organized-FDFL/notebooks/runClosedForm.ipynb`` of
  the repository DennisWang2488/Fairness-Decision-Focused-Loss) computes the decisions with the gain
  (:math:`b = r g`) but evaluates the welfare, hence the regret and its training loss, as
  :math:`W_\alpha(r_i d_i)`: ``g`` is dropped from the objective, so the decisions it scores are not
  the optimisers of the objective it scores them by. fairopt uses :math:`W_\alpha(r_i g_i d_i)`
  throughout (:func:`regret`, :func:`normalized_regret`), as the paper's eq. (9).
"""
from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from fairopt.core.errors import ConfigError, DataError, FairoptError, SolverError

if TYPE_CHECKING:  # cvxpy, scipy and fairopt.core.solvers are imported where a solve needs them, so
    # that training jobs using only the closed form start fast (cvxpy costs ~1 s to import)
    import cvxpy as cp

    from fairopt.core.solvers import SolveRecord

__all__ = [
    "exponent",
    "welfare",
    "closed_form",
    "regret",
    "normalized_regret",
    "utilities",
    "solve_alpha_fair",
    "solve_alpha_fair_kkt",
    "CLARABEL_TOLERANCES",
]

#: Clarabel tolerances (``tol_gap_abs = tol_gap_rel = tol_feas``) tried in order by
#: :func:`solve_alpha_fair`; the first solve that :func:`fairopt.core.solvers.solve` accepts as optimal
#: is returned. Clarabel's conic solutions are accurate to roughly ``sqrt(gap)`` here, so the
#: first rung gives ~1e-8..1e-6 relative decisions (max norm); the looser rungs only catch the
#: instances where Clarabel cannot reach it (it then reports "almost solved" = inaccurate).
CLARABEL_TOLERANCES: tuple[float, ...] = (1e-10, 1e-9, 1e-8)
#: Above this size the 1e-10 rung is skipped: Clarabel nearly always stalls just above it there
#: ("almost solved"), and 1e-9 already gives ~1e-8 relative decisions at n >= 2,500.
TIGHTEST_RUNG_MAX_N = 1000
#: Tolerances of the fallback rungs (objective scaled by 1/n, so the relative gap also counts).
_FALLBACK_TOLERANCES: tuple[float, ...] = (1e-9, 1e-8)
#: Further Clarabel options applied unless overridden.
CLARABEL_OPTIONS: dict[str, Any] = {"max_iter": 500}


# ----------------------------------------------------------------------------- validation
def _check_alpha(alpha: float) -> float:
    try:
        alpha = float(alpha)
    except (TypeError, ValueError):
        raise ConfigError(f"alpha must be a number >= 0 (or inf), got {alpha!r}") from None
    if math.isnan(alpha) or alpha < 0:
        raise ConfigError(f"alpha must be >= 0 (or inf), got {alpha}")
    return alpha


def exponent(alpha: float) -> float:
    r"""The exponent :math:`p = 1/\alpha - 1` of the closed form (``-1`` for ``alpha = inf``).

    Args:
        alpha: Fairness parameter, ``alpha > 0`` (``alpha = 0`` has no finite exponent).

    Returns:
        ``1/alpha - 1``.
    """
    alpha = _check_alpha(alpha)
    if alpha == 0:
        raise ValueError("alpha = 0 has no finite closed-form exponent (the LP solution is a vertex)")
    return -1.0 if math.isinf(alpha) else 1.0 / alpha - 1.0


def _vector(name: str, x: Any, n: int | None, *, positive: bool = True, allow_zero: bool = False,
            error: type[FairoptError] = DataError) -> np.ndarray:
    """``x`` as a float64 vector of length ``n``, finite (and positive); ``error`` is raised otherwise
    (:class:`DataError` for data such as risks and gains, :class:`ConfigError` for settings)."""
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim > 1:
        raise error(f"{name} must be a scalar or a 1-D array, got shape {arr.shape}")
    if n is not None:
        if arr.ndim == 0:
            arr = np.full(n, float(arr))
        elif arr.shape[0] != n:
            raise error(f"{name} has length {arr.shape[0]}, expected {n} (the length of r)")
    if not np.all(np.isfinite(arr)):
        bad = np.flatnonzero(~np.isfinite(np.atleast_1d(arr)))[:5].tolist()
        raise error(f"{name} must be finite; non-finite entries at {bad}")
    if positive:
        bad_mask = np.atleast_1d(arr < 0 if allow_zero else arr <= 0)
        if bad_mask.any():
            bad = np.flatnonzero(bad_mask)[:5].tolist()
            what = ">= 0" if allow_zero else "> 0"
            raise error(f"{name} must be {what}; violated at indices {bad} "
                             f"(e.g. {np.atleast_1d(arr)[bad[0]]!r})")
    return arr


def _inputs(r: Any, g: Any, c: Any, Q: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    r = _vector("r", r, None)
    if r.ndim != 1 or r.size == 0:
        raise DataError(f"r must be a non-empty 1-D array, got shape {r.shape}")
    n = r.shape[0]
    g = _vector("g", g, n)
    c = _vector("c", c, n, error=ConfigError)
    Q = float(_vector("Q", Q, None, error=ConfigError))
    return r, g, c, Q


# ----------------------------------------------------------------------------- welfare
def welfare(u: Any, alpha: float) -> float:
    r"""Alpha-fair welfare :math:`\sum_i W_\alpha(u_i)` (paper eq. 5).

    Args:
        u: Utilities, 1-D (``u >= 0``; ``u = 0`` gives ``-inf`` for ``alpha >= 1``).
        alpha: ``0`` -> :math:`\sum u`; ``1`` -> :math:`\sum \log u`; ``inf`` -> :math:`\min u`;
            otherwise :math:`\sum u^{1-\alpha}/(1-\alpha)`.

    Returns:
        The welfare as a float.
    """
    alpha = _check_alpha(alpha)
    u = np.asarray(u, dtype=np.float64)
    with np.errstate(divide="ignore"):
        if alpha == 0:
            return float(np.sum(u))
        if math.isinf(alpha):
            return float(np.min(u))
        if alpha == 1:
            return float(np.sum(np.log(u)))
        return float(np.sum(np.power(u, 1.0 - alpha)) / (1.0 - alpha))


def utilities(d: Any, r: Any, g: Any, *, q: Any = None, a: Any = None, rho: float = 1.0) -> np.ndarray:
    r"""Utilities :math:`u_i = r_i q_i (g_i d_i + a_i)^\rho` (eq. 4; ``r g d`` with the defaults)."""
    d = np.asarray(d, dtype=np.float64)
    r = np.asarray(r, dtype=np.float64)
    g = np.asarray(g, dtype=np.float64)
    q = 1.0 if q is None else np.asarray(q, dtype=np.float64)
    a = 0.0 if a is None else np.asarray(a, dtype=np.float64)
    z = g * d + a
    return r * q * (z if rho == 1.0 else np.power(z, rho))


def regret(d_hat: Any, d_star: Any, r: Any, g: Any, alpha: float) -> float:
    r"""Decision regret :math:`W(d^*; r) - W(\hat d; r)` with utilities ``r g d`` at the TRUE ``r``.

    Args:
        d_hat: Decision made from predictions, :math:`d^*(\hat r)`.
        d_star: Optimal decision under the true parameters, :math:`d^*(r)`.
        r: True need/risk values (not the predictions).
        g: Gains.
        alpha: Fairness parameter.

    Returns:
        The regret (``>= 0`` when ``d_star`` is optimal and ``d_hat`` feasible).
    """
    return welfare(utilities(d_star, r, g), alpha) - welfare(utilities(d_hat, r, g), alpha)


def normalized_regret(d_hat: Any, d_star: Any, r: Any, g: Any, alpha: float) -> float:
    r"""Normalised regret :math:`(W(d^*(r); r) - W(\hat d; r)) / |W(d^*(r); r)|` (the Table 2 metric).

    Utilities are evaluated with the true ``r`` (``fdfl.md``; the authors' hand-written gradient
    used ``r_hat`` there). For ``alpha != 1`` it is invariant to rescaling ``r`` or ``g``
    (:math:`W_\alpha(s u) = s^{1-\alpha} W_\alpha(u)`); for ``alpha = 1`` it is not.

    Args:
        d_hat: Decision made from predictions.
        d_star: Optimal decision :math:`d^*(r)` for the true ``r``.
        r: True need/risk values.
        g: Gains.
        alpha: Fairness parameter.

    Returns:
        The normalised regret.
    """
    w_star = welfare(utilities(d_star, r, g), alpha)
    if w_star == 0 or not math.isfinite(w_star):
        raise ValueError(f"normalized_regret: W(d*; r) = {w_star}, cannot normalise")
    return (w_star - welfare(utilities(d_hat, r, g), alpha)) / abs(w_star)


# ----------------------------------------------------------------------------- closed form
def closed_form(r: Any, g: Any, c: Any, Q: float, alpha: float) -> np.ndarray:
    r"""Optimal decision of eq. (9) in closed form (Prop. 4.1 with the cost-weighted normaliser).

    :math:`d_i^* = Q w_i / \sum_j c_j w_j`, :math:`w_i = c_i^{-1/\alpha} (r_i g_i)^{1/\alpha-1}`,
    computed as :math:`(Q/c_i)\,\mathrm{softmax}_i(p \log(r g / c))`, :math:`p = 1/\alpha - 1`.
    Derivation (Lagrangian / KKT) and the ``alpha in {0, 1, inf}`` cases: see the module docstring.

    Args:
        r: Need/risk, 1-D, ``> 0``.
        g: Gains, scalar or 1-D, ``> 0``.
        c: Unit costs, scalar or 1-D, ``> 0``.
        Q: Budget, ``> 0``.
        alpha: ``>= 0``; ``np.inf`` for maximin. ``alpha = 0`` splits the budget equally (in
            spending ``c_i d_i``) among exact ties of the best ratio ``r_i g_i / c_i``.

    Returns:
        ``d*`` (float64, shape ``(n,)``); the budget holds with equality.

    Raises:
        DataError: non-positive or non-finite ``r, g`` or bad shapes; ConfigError: the same of ``c, Q``,
            or ``alpha < 0`` (both are ValueErrors).
    """
    alpha = _check_alpha(alpha)
    r, g, c, Q = _inputs(r, g, c, Q)
    log_ratio = np.log(r) + np.log(g) - np.log(c)
    if alpha == 0:
        best = log_ratio == log_ratio.max()
        share = best / best.sum()
    else:
        logits = exponent(alpha) * log_ratio
        w = np.exp(logits - logits.max())
        share = w / w.sum()
    return Q * share / c


# ----------------------------------------------------------------------------- general problem
def _general_inputs(r, g, c, Q, alpha, q, a, rho):
    alpha = _check_alpha(alpha)
    r, g, c, Q = _inputs(r, g, c, Q)
    n = r.shape[0]
    q = np.ones(n) if q is None else _vector("q", q, n)
    a = np.zeros(n) if a is None else _vector("a", a, n, allow_zero=True)
    rho = float(rho)
    if not (math.isfinite(rho) and rho > 0):
        raise ValueError(f"rho must be a finite number > 0, got {rho}")
    if alpha < 1 and rho * (1.0 - alpha) > 1.0 + 1e-12:
        raise ValueError(
            f"alpha={alpha}, rho={rho}: W_alpha(q (g d + a)^rho) is not concave in d "
            f"(needs rho * (1 - alpha) <= 1 for alpha < 1; increasing returns are non-convex)")
    return alpha, r, g, c, Q, q, a, rho


def _reference_allocation(k: np.ndarray, g: np.ndarray, c: np.ndarray, Q: float, alpha: float,
                          rho: float) -> np.ndarray:
    r"""Diagonal scaling for the cvxpy model: the KKT allocation with the base levels ``a`` dropped.

    :math:`\tilde z_i \propto (c_i / (g_i k_i^{1-\alpha}))^{1/(e-1)}` (``k_i^{-1/\rho}`` for maximin),
    :math:`\tilde d_i = \tilde z_i / g_i` rescaled to spend ``Q``; ``Q/(n c_i)`` for the LP
    (``alpha = 0, rho = 1``). It is the exact optimum when ``a = 0`` (so ``x* = 1``) -- but it is only a
    change of variables: the optimum of the scaled problem is the optimum whatever the scale, so
    comparing the solver with :func:`closed_form` remains an independent check.
    """
    n = k.shape[0]
    if math.isinf(alpha):
        log_z = -np.log(k) / rho
    else:
        e = rho * (1.0 - alpha)
        if e >= 1.0 - 1e-12:
            return Q / (n * c)
        log_z = (np.log(c) - np.log(g) - (1.0 - alpha) * np.log(k)) / (e - 1.0)
    log_d = log_z - np.log(g)
    share = np.exp(log_d + np.log(c) - (log_d + np.log(c)).max())
    return Q * share / (c * share.sum())


def _power(expr: cp.Expression, p: float) -> cp.Expression:
    """``expr ** p`` by cvxpy's exact SOC representation when ``p`` is a small-denominator rational
    (Clarabel is far more robust and accurate on SOCs than on its power cones), else a power cone."""
    import cvxpy as cp

    atom = cp.power(expr, p, approx=True)
    if getattr(atom, "approx_error", 0.0) > 1e-13:
        atom = cp.power(expr, p, approx=False)
    return atom


def _primary_scale(n: int) -> float:
    """Objective scale of the main rungs: ``min(10, 1e4 / n)``.

    With the shifted epigraph the objective is ~0 at the optimum and only the absolute gap counts;
    the decision error is about ``sqrt(2 gap / (scale * n))`` (rms, relative), so the total weight
    ``scale * n`` ~ 1e4 gives ~1e-7 at ``gap = 1e-10`` -- larger scales buy little and make Clarabel
    stall ("almost solved") on big instances.
    """
    return min(10.0, 1e4 / n)


_TOL_KEYS = ("tol_gap_abs", "tol_gap_rel", "tol_feas", "tol_ktratio")


def _build_problem(beta: np.ndarray, gamma: np.ndarray, spend: np.ndarray, log_u0: np.ndarray,
                   alpha: float, rho: float, objective_scale: float) -> tuple[cp.Problem, cp.Variable]:
    """The scaled cvxpy model of :func:`solve_alpha_fair` (see its docstring)."""
    import cvxpy as cp

    n = beta.shape[0]
    x = cp.Variable(n, nonneg=True)
    zeta = cp.multiply(beta, x) + gamma if np.any(gamma > 0) else cp.multiply(beta, x)
    constraints = [spend @ x <= 1.0]
    if math.isinf(alpha):
        v = np.exp((log_u0 - np.median(log_u0)) / rho)
        t = cp.Variable()
        constraints.append(cp.multiply(v, zeta) >= t)
        return cp.Problem(cp.Maximize(t), constraints), x
    if alpha == 1:
        return cp.Problem(cp.Maximize(objective_scale * cp.sum(cp.log(zeta))), constraints), x
    e = rho * (1.0 - alpha)
    logw = (1.0 - alpha) * log_u0
    w = np.exp(logw - logw.max())
    w = objective_scale * w / w.mean()
    if alpha < 1 and abs(e - 1.0) <= 1e-12:          # linear objective (LP)
        return cp.Problem(cp.Maximize(w @ zeta), constraints), x
    # shifted epigraph t_i = zeta_i^e - 1 (= 0 at the reference point): the objective the solver
    # sees is ~0 at the optimum, so its absolute gap tolerance, not the relative one, decides
    t = cp.Variable(n)
    if alpha < 1:
        constraints.append(t + 1.0 <= _power(zeta, e))
        return cp.Problem(cp.Maximize(w @ t), constraints), x
    constraints.append(_power(zeta, e) <= t + 1.0)
    return cp.Problem(cp.Minimize(w @ t), constraints), x


def solve_alpha_fair(r: Any, g: Any, c: Any, Q: float, alpha: float, *, q: Any = None,
                     a: Any = None, rho: float = 1.0, solver: str = "clarabel",
                     solver_options: dict[str, Any] | None = None,
                     tolerances: tuple[float, ...] | None = None,
                     time_limit: float | None = None) -> tuple[np.ndarray, SolveRecord]:
    r"""Solve the alpha-fair allocation with the general utility of eq. (4) in cvxpy.

    .. math:: \max_d \sum_i W_\alpha(u_i),\quad u_i = r_i q_i (g_i d_i + a_i)^\rho,
       \quad \sum_i c_i d_i \le Q,\ d \ge 0.

    DCP forms (``z_i = g_i d_i + a_i`` affine, ``k_i = r_i q_i``, ``e = rho (1 - alpha)``):

    * ``alpha = 0`` / ``0 < alpha < 1``: :math:`W = \sum k_i^{1-\alpha} z_i^{e} / (1-\alpha)` with
      :math:`e > 0`; concave iff ``e <= 1`` (``power(z, e)``, concave for ``e < 1``, affine for
      ``e = 1``). ``rho (1 - alpha) > 1`` (e.g. ``alpha = 0, rho > 1``) is rejected.
    * ``alpha = 1``: :math:`\sum \log k_i + \rho \log z_i` -- concave for every ``rho > 0`` (and the
      argmax does not depend on ``r, q, rho``).
    * ``alpha > 1``: :math:`-\sum k_i^{1-\alpha} z_i^{e} / (\alpha - 1)` with ``e < 0``;
      ``power(z, e)`` is convex, so its negation is concave for every ``rho > 0``.
    * ``alpha = inf``: :math:`\max \min_i k_i z_i^\rho`; as ``t -> t^{1/rho}`` is increasing the
      argmax equals that of the LP :math:`\max t` s.t. :math:`k_i^{1/\rho} z_i \ge t`.

    Scaling (a change of variables only; the optimum is the same whatever the scale): the variable
    is :math:`x_i = d_i / s_i` with :math:`s` the KKT allocation for ``a = 0`` (exact for eq. 9,
    so ``x* = 1`` there); the budget reads :math:`\sum_i \pi_i x_i \le 1` with spending shares
    :math:`\pi_i = c_i s_i / Q`; each utility is :math:`u_i = U^0_i \zeta_i^\rho` with
    :math:`\zeta_i = z_i / (g_i s_i + a_i)` affine in ``x`` (1 at ``x = 1``); the weights
    :math:`(U^0_i)^{1-\alpha}` are divided by their mean; the power terms enter through a shifted
    epigraph :math:`t_i \gtrless \zeta_i^e - 1` so the objective is ~0 at the optimum. Powers use
    cvxpy's exact SOC representation for rational exponents (power cones otherwise).

    Accuracy and robustness (Clarabel): Clarabel's solutions of these conic programs are accurate
    to roughly ``sqrt(gap)``, so tight gap tolerances are needed for ~1e-6 relative decisions.
    The solve is attempted on a ladder of rungs -- objective scale ``min(10, 1e4/n)`` with tolerances
    :data:`CLARABEL_TOLERANCES`, then objective scale ``1/n`` with 1e-9 and 1e-8 -- and the first
    solve that :func:`fairopt.core.solvers.solve` accepts as optimal is returned. An inaccurate or failed
    attempt is never returned; when every rung fails the errors are raised as ``SolverError``.
    ``record.extra`` records the rung used.

    Args:
        r: Need/risk (the predicted parameter), 1-D, ``> 0``.
        g: Gains, ``> 0``.
        c: Unit costs, ``> 0``.
        Q: Budget, ``> 0``.
        alpha: ``>= 0`` or ``np.inf``.
        q: Extra need factor (default 1), ``> 0``.
        a: Base levels (default 0), ``>= 0``.
        rho: Utility exponent ``> 0``.
        solver: Config solver name (conic), resolved by :func:`fairopt.core.solvers.resolve_solver`.
        solver_options: Extra options for ``problem.solve`` (override the defaults; setting a
            Clarabel ``tol_*`` option, or using another solver, means a single attempt).
        tolerances: Clarabel tolerances of the first part of the ladder (default
            :data:`CLARABEL_TOLERANCES`, without its 1e-10 rung when ``n >``
            :data:`TIGHTEST_RUNG_MAX_N`).
        time_limit: Seconds per attempt, passed to :func:`fairopt.core.solvers.solve`.

    Returns:
        ``(d, record)``: the decision (float64; tiny negative solver noise clipped to 0) and the
        :class:`~fairopt.core.solvers.SolveRecord` of the *scaled* problem; ``record.extra`` holds
        ``welfare`` (:func:`welfare` of the returned ``d``), ``budget_used``, ``tolerance``,
        ``objective_scale`` and ``attempts``.

    Raises:
        ValueError: invalid inputs or a non-concave ``(alpha, rho)`` combination.
        SolverError: every attempt failed or was inaccurate (from :func:`fairopt.core.solvers.solve`).
    """
    from fairopt.core.solvers import resolve_solver, solve

    alpha, r, g, c, Q, q, a, rho = _general_inputs(r, g, c, Q, alpha, q, a, rho)
    cvx_solver = resolve_solver(solver)
    n = r.shape[0]
    k = r * q
    s = _reference_allocation(k, g, c, Q, alpha, rho)   # d = s * x
    z0 = g * s + a                                       # z at x = 1
    beta, gamma = g * s / z0, a / z0                     # zeta = beta * x + gamma
    log_u0 = np.log(k) + rho * np.log(z0)
    spend = c * s / Q                                    # budget: spend @ x <= 1

    user = dict(solver_options or {})
    if cvx_solver != "CLARABEL":
        rungs: list[tuple[float, dict[str, Any]]] = [(1.0 / n, user)]
    elif any(key in user for key in _TOL_KEYS):
        rungs = [(_primary_scale(n), {**CLARABEL_OPTIONS, **user})]
    else:
        if tolerances is None:
            tols = CLARABEL_TOLERANCES if n <= TIGHTEST_RUNG_MAX_N else tuple(
                t for t in CLARABEL_TOLERANCES if t >= 1e-9)
        else:
            tols = tuple(tolerances)
        if not tols:
            raise ValueError("tolerances must name at least one tolerance")
        ladder = [(_primary_scale(n), t) for t in tols] + [(1.0 / n, t) for t in _FALLBACK_TOLERANCES]
        rungs = [(scale, {**CLARABEL_OPTIONS, "tol_gap_abs": t, "tol_gap_rel": t, "tol_feas": t,
                          "tol_ktratio": 100 * t, **user}) for scale, t in ladder]
    errors: list[str] = []
    cache: dict[float, tuple[cp.Problem, cp.Variable]] = {}
    for scale, opts in rungs:
        if scale not in cache:
            cache[scale] = _build_problem(beta, gamma, spend, log_u0, alpha, rho, scale)
        problem, x = cache[scale]
        try:
            with warnings.catch_warnings():   # an inaccurate attempt raises below; no stray warning
                warnings.filterwarnings("ignore", message="Solution may be inaccurate")
                record = solve(problem, cvx_solver, time_limit=time_limit, **opts)
            if x.value is None:
                raise SolverError(f"{cvx_solver} reported {problem.status} but returned no solution")
        except SolverError as exc:
            errors.append(f"[scale={scale:.3g}, tol={opts.get('tol_gap_rel', 'default')}] {exc}")
            continue
        d = np.maximum(s * np.asarray(x.value, dtype=np.float64), 0.0)
        record.extra.update(
            welfare=welfare(utilities(d, r, g, q=q, a=a, rho=rho), alpha),
            budget_used=float(np.dot(c, d)), tolerance=opts.get("tol_gap_rel"),
            objective_scale=scale, attempts=len(errors) + 1)
        return d, record
    raise SolverError(f"{cvx_solver} failed on the alpha-fair problem (n={n}, alpha={alpha}) at every "
                      f"setting tried: " + "; ".join(errors))


def solve_alpha_fair_kkt(r: Any, g: Any, c: Any, Q: float, alpha: float, *, q: Any = None,
                         a: Any = None, rho: float = 1.0, xtol: float = 1e-15) -> np.ndarray:
    r"""Solve the same general problem as :func:`solve_alpha_fair` by bisection on the multiplier.

    A second, solver-free method (water filling). With :math:`k_i = r_i q_i`,
    :math:`z_i = g_i d_i + a_i` and :math:`e = \rho(1-\alpha)`, the KKT conditions are
    :math:`\phi_i'(d_i) \le \mu c_i` with equality where :math:`d_i > 0`, where
    :math:`\phi_i'(d) = \rho g_i k_i^{1-\alpha} z_i^{e-1}` is strictly decreasing (``e < 1``). So

    .. math:: d_i(\mu) = \max\!\Big(0, \frac{z_i(\mu) - a_i}{g_i}\Big),\quad
       z_i(\mu) = \Big(\frac{\mu c_i}{\rho g_i k_i^{1-\alpha}}\Big)^{1/(e-1)},

    and :math:`\mu` is the root of :math:`\sum_i c_i d_i(\mu) = Q` (Brent's method on
    :math:`\log\mu`). For ``alpha = inf`` (maximin) the level :math:`t` solves
    :math:`\sum_i c_i \max(0, (t k_i^{-1/\rho} - a_i)/g_i) = Q`. ``alpha = 0`` needs ``rho < 1``
    (strictly concave); for the LP use :func:`closed_form`.

    Args:
        r, g, c, Q, alpha, q, a, rho: As in :func:`solve_alpha_fair`.
        xtol: Absolute tolerance on :math:`\log\mu` (or :math:`\log t`).

    Returns:
        The optimal ``d`` (float64).
    """
    alpha, r, g, c, Q, q, a, rho = _general_inputs(r, g, c, Q, alpha, q, a, rho)
    k = r * q
    if math.isinf(alpha):
        log_kinv = -np.log(k) / rho

        def alloc(log_scalar: float) -> np.ndarray:  # the scalar: t
            return np.maximum(0.0, (np.exp(log_scalar + log_kinv) - a) / g)
    else:
        e = rho * (1.0 - alpha)
        if e >= 1.0:
            raise ValueError(f"solve_alpha_fair_kkt needs rho * (1 - alpha) < 1 (strict concavity), "
                             f"got alpha={alpha}, rho={rho}; use closed_form for the LP")
        base = np.log(c) - np.log(rho) - np.log(g) - (1.0 - alpha) * np.log(k)

        def alloc(log_scalar: float) -> np.ndarray:  # the scalar: mu
            return np.maximum(0.0, (np.exp((log_scalar + base) / (e - 1.0)) - a) / g)

    def excess(x: float) -> float:
        return float(np.dot(c, alloc(x)) / Q - 1.0)

    # bracket: spending is monotone in the scalar (increasing in log t, decreasing in log mu)
    lo, hi = -1.0, 1.0
    for _ in range(400):
        if excess(lo) * excess(hi) < 0:
            break
        lo, hi = lo * 2.0, hi * 2.0
    else:  # pragma: no cover - the spending covers (0, inf) for valid inputs
        raise SolverError("solve_alpha_fair_kkt: could not bracket the Lagrange multiplier")
    from scipy.optimize import brentq

    root = brentq(excess, lo, hi, xtol=xtol, rtol=4 * np.finfo(float).eps, maxiter=500)
    d = alloc(root)
    return d * (Q / float(np.dot(c, d)))  # remove the last ~1e-15 of budget slack
