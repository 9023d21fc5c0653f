"""Fair and accurate regression (Deza, Gomez & Atamturk; INFORMS 2024 slides, arXiv 2412.17116).

Linear regression with a statistical-parity penalty at ``l`` thresholds:

    min_w  sum_i (w'x_i - y_i)^2
           + lambda * max_j | (1/m) sum_i 1(w'x_i > b_j) - (1/m_1) sum_{i: a_i=1} 1(w'x_i > b_j) |

* :mod:`~fairopt.methods.fairreg.objective` -- instance, exact objective, threshold grids, conventions;
* :mod:`~fairopt.methods.fairreg.bounds` -- valid prediction bounds and the big-M value;
* :mod:`~fairopt.methods.fairreg.pattern` / :mod:`~fairopt.methods.fairreg.brute_force` -- the QP
  of an indicator pattern, exact enumeration for tiny instances;
* :mod:`~fairopt.methods.fairreg.formulations` -- big-M and strong (perspective) MIOs and relaxations;
* :mod:`~fairopt.methods.fairreg.mio` -- a MIO solve guarded in a child process (and the limit that
  stopped it: a deterministic node limit, the clock, the watchdog);
* :mod:`~fairopt.methods.fairreg.coordinate_descent` -- exact coordinate descent;
* :mod:`~fairopt.methods.fairreg.agarwal` -- the Agarwal, Dudik & Wu (2019) reduction (benchmark);
* :mod:`~fairopt.methods.fairreg.estimator` -- :class:`FairRegressor`, the scikit-learn estimator of all
  of them (``fit(X, y, sensitive_features=a)``; intercept and threshold grid inside; ``lam`` weighs the
  *mean* loss, the library's ``lambda`` the summed one: ``lam_sum = m * lam``).
"""
from __future__ import annotations

from fairopt._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "fairopt.methods.fairreg.agarwal": ['AgarwalResult', 'fit_agarwal', 'mixture_unfairness'],
    "fairopt.methods.fairreg.bounds": ['PredictionBounds', 'big_m', 'prediction_bounds'],
    "fairopt.methods.fairreg.brute_force": ['BruteForceResult'],
    "fairopt.methods.fairreg.coordinate_descent": ['CDResult', 'LineResult', 'cd_start', 'minimize_coordinate'],
    "fairopt.methods.fairreg.estimator": ['FairRegressor'],
    "fairopt.methods.fairreg.formulations": ['FormulationResult', 'LIMIT_STATUSES', 'NoIncumbentError', 'build_bigm', 'build_strong', 'relative_gap', 'solve_formulation', 'solve_mio', 'solve_relaxation'],
    "fairopt.methods.fairreg.mio": ['MIO_STATUSES', 'NO_MODEL_STATUSES', 'run_mio'],
    "fairopt.methods.fairreg.objective": ['DEFAULT_DELTA', 'Instance', 'group_weights', 'least_squares', 'make_instance', 'objective_parts', 'threshold_grid'],
    "fairopt.methods.fairreg.pattern": ['PatternQP'],
})
