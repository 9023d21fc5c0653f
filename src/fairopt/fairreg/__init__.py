"""Fair and accurate regression (Deza, Gomez & Atamturk; INFORMS 2024 slides, arXiv 2412.17116).

Linear regression with a statistical-parity penalty at ``l`` thresholds:

    min_w  sum_i (w'x_i - y_i)^2
           + lambda * max_j | (1/m) sum_i 1(w'x_i > b_j) - (1/m_1) sum_{i: a_i=1} 1(w'x_i > b_j) |

Modules:

* :mod:`~fairopt.fairreg.objective` -- instance, exact objective, threshold grids, conventions;
* :mod:`~fairopt.fairreg.bounds` -- valid prediction bounds and the big-M value;
* :mod:`~fairopt.fairreg.pattern` / :mod:`~fairopt.fairreg.brute_force` -- the QP of an
  indicator pattern, exact enumeration for tiny instances;
* :mod:`~fairopt.fairreg.formulations` -- big-M and strong (perspective) MIOs and relaxations;
* :mod:`~fairopt.fairreg.coordinate_descent` -- exact coordinate descent;
* :mod:`~fairopt.fairreg.agarwal` -- the Agarwal, Dudik & Wu (2019) reduction (benchmark);
* :mod:`~fairopt.fairreg.synthetic`, :mod:`~fairopt.fairreg.datasets` -- data;
* :mod:`~fairopt.fairreg.experiment` -- one instance and lambda, every method, the tables' gaps;
  MIOs guarded by :mod:`~fairopt.fairreg.isolation` (child process, wall-clock limit);
* :mod:`~fairopt.fairreg.realdata` -- Communities and Law School: preparation, split, methods;
* :mod:`~fairopt.fairreg.tables` -- aggregation into the slides' tables and the trade-off summaries;
* :mod:`~fairopt.fairreg.settings` -- the study's config: scale presets, overrides, checks;
* :mod:`~fairopt.fairreg.report` -- scorecard and benchmark rows (paper vs run).
"""
from __future__ import annotations

from fairopt.fairreg.agarwal import AgarwalResult, fit_agarwal, mixture_unfairness
from fairopt.fairreg.bounds import PredictionBounds, big_m, prediction_bounds
from fairopt.fairreg.brute_force import BruteForceResult, brute_force
from fairopt.fairreg.coordinate_descent import (CDResult, LineResult, cd_start, coordinate_descent,
                                                minimize_coordinate)
from fairopt.fairreg.datasets import communities_missing, load_communities, load_lawschool
from fairopt.fairreg.experiment import (METHODS, MIO_STATUSES, run_method, run_mio,
                                        run_synthetic_instance, run_synthetic_method, summarize)
from fairopt.fairreg.formulations import (FormulationResult, NoIncumbentError, build_bigm,
                                          build_strong, relative_gap, solve_formulation, solve_mio,
                                          solve_relaxation)
from fairopt.fairreg.objective import (DEFAULT_DELTA, Instance, group_weights, least_squares,
                                       make_instance, objective, objective_parts, threshold_grid)
from fairopt.fairreg.pattern import PatternQP
from fairopt.fairreg.settings import resolve_settings
from fairopt.fairreg.synthetic import SyntheticInstance, make_synthetic, read_instance, write_instance

__all__ = [
    "AgarwalResult", "fit_agarwal", "mixture_unfairness",
    "PredictionBounds", "big_m", "prediction_bounds",
    "BruteForceResult", "brute_force",
    "CDResult", "LineResult", "cd_start", "coordinate_descent", "minimize_coordinate",
    "communities_missing", "load_communities", "load_lawschool",
    "METHODS", "MIO_STATUSES", "run_method", "run_mio", "run_synthetic_instance",
    "run_synthetic_method", "summarize",
    "FormulationResult", "NoIncumbentError", "build_bigm", "build_strong", "relative_gap", "solve_formulation",
    "solve_mio", "solve_relaxation",
    "DEFAULT_DELTA", "Instance", "group_weights", "least_squares", "make_instance", "objective",
    "objective_parts", "threshold_grid",
    "PatternQP",
    "resolve_settings",
    "SyntheticInstance", "make_synthetic", "read_instance", "write_instance",
]
