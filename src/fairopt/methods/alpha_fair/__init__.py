"""Alpha-fair budget allocation, the decision layer of FDFL (paper sections 3.2 and 4.1).

* :mod:`~fairopt.methods.alpha_fair.allocation` -- numpy/cvxpy: welfare (eq. 5), the closed form
  of eq. (9) (Prop. 4.1 with the cost-weighted normaliser), regret, the general eq. (4) utility
  solved by cvxpy (:func:`solve_alpha_fair`) and by multiplier bisection
  (:func:`solve_alpha_fair_kkt`);
* :mod:`~fairopt.methods.alpha_fair.layers` -- torch: the closed form with autograd, the analytic
  Jacobian of Prop. 4.2 (corrected, with off-diagonal terms), DBB (eqs. 7-8), central finite
  differences, a factory for training code and the differentiable regret;
* :mod:`~fairopt.methods.alpha_fair.benchmark` -- closed form vs solver timing.
"""
from __future__ import annotations

from fairopt._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "fairopt.methods.alpha_fair.allocation": ['CLARABEL_TOLERANCES', 'closed_form', 'exponent', 'normalized_regret', 'regret', 'solve_alpha_fair', 'solve_alpha_fair_kkt', 'utilities', 'welfare'],
    "fairopt.methods.alpha_fair.benchmark": ['dbb_gradient_distance', 'make_instance', 'time_closed_form_vs_solver'],
    "fairopt.methods.alpha_fair.layers": ['DECISION_FUNCTIONS', 'AnalyticAlphaFair', 'DBBAlphaFair', 'DecisionFunction', 'FiniteDifferenceAlphaFair', 'alpha_fair_decision', 'closed_form_solver', 'cvxpy_solver', 'decision_function', 'jvp', 'kkt_solver', 'regret_loss', 'vjp', 'welfare_torch'],
})
