"""The alpha-fair decision layer of FDFL (paper sections 3.2 and 4.1): problem, solvers, gradients.

* :mod:`fairopt.decision.alpha_fair` -- numpy/cvxpy: welfare (eq. 5), the closed form of eq. (9)
  (Prop. 4.1 with the cost-weighted normaliser), regret, the general eq. (4) utility solved by
  cvxpy (:func:`solve_alpha_fair`) and by multiplier bisection (:func:`solve_alpha_fair_kkt`).
* :mod:`fairopt.decision.torch_layers` -- torch: the closed form with autograd, the analytic
  Jacobian of Prop. 4.2 (corrected, with off-diagonal terms), DBB (eqs. 7-8), central finite
  differences, a factory for the training code and the differentiable regret.
* :mod:`fairopt.decision.benchmark` -- closed form vs. solver timing.
"""
from __future__ import annotations

from fairopt.decision.alpha_fair import (
    CLARABEL_TOLERANCES,
    closed_form,
    exponent,
    normalized_regret,
    regret,
    solve_alpha_fair,
    solve_alpha_fair_kkt,
    utilities,
    welfare,
)
from fairopt.decision.benchmark import dbb_gradient_distance, make_instance, time_closed_form_vs_solver
from fairopt.decision.torch_layers import (
    DECISION_FUNCTIONS,
    AnalyticAlphaFair,
    DBBAlphaFair,
    DecisionFunction,
    FiniteDifferenceAlphaFair,
    alpha_fair_decision,
    closed_form_solver,
    cvxpy_solver,
    decision_function,
    jvp,
    kkt_solver,
    regret_loss,
    vjp,
    welfare_torch,
)

__all__ = [
    "CLARABEL_TOLERANCES",
    "closed_form",
    "exponent",
    "normalized_regret",
    "regret",
    "solve_alpha_fair",
    "solve_alpha_fair_kkt",
    "utilities",
    "welfare",
    "dbb_gradient_distance",
    "make_instance",
    "time_closed_form_vs_solver",
    "DECISION_FUNCTIONS",
    "AnalyticAlphaFair",
    "DBBAlphaFair",
    "DecisionFunction",
    "FiniteDifferenceAlphaFair",
    "alpha_fair_decision",
    "closed_form_solver",
    "cvxpy_solver",
    "decision_function",
    "jvp",
    "kkt_solver",
    "regret_loss",
    "vjp",
    "welfare_torch",
]
