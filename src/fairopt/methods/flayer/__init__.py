"""The fairness layer (F-Layer) and online primal-dual inference.

Troxell, Montufar & Roemer, "Differentiable Optimization Layers for Guaranteed Fairness in Deep
Learning" (ICML 2026); reference note ``shared/reference/fairness_layer.md``.

* :class:`FairnessLayer` (:mod:`~fairopt.methods.flayer.layer`) -- differentiable Euclidean
  projection onto per-batch group-parity constraints, exact torch back end
  (:mod:`~fairopt.methods.flayer.exact`) or cvxpylayers (:mod:`~fairopt.methods.flayer.cvx`);
  the constraint families (:mod:`~fairopt.methods.flayer.constraints`);
* :class:`PrimalDualInference`, :class:`FairnessHead` (:mod:`~fairopt.methods.flayer.primal_dual`)
  -- online primal-dual for small batches and the ``b_tau`` switch;
* :mod:`~fairopt.methods.flayer.training` -- training F-Layer and its baselines (Projection,
  Penalty, Strict Penalty) through :func:`fairopt.core.training.fit`, and deployed predictions;
* :func:`benchmark_layer` (:mod:`~fairopt.methods.flayer.benchmark`) -- timing of the exact layer vs
  fairopt's cvxpylayers back end and vs the authors' package ``fairness-training`` (optional);
  ``benchmark_epochs``, ``authors_constraint_check`` there.
"""
from __future__ import annotations

from fairopt._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "fairopt.methods.flayer.training": ['Batch', 'TrainConfig', 'TrainedModel', 'make_batches', 'parity_violation', 'pooled_gap', 'predict', 'select_penalty_lambda', 'count_absent_batches', 'fit_flayer', 'fit_projection', 'fit_penalty', 'fit_strict_penalty'],
    "fairopt.methods.flayer.benchmark": ['benchmark_layer', 'benchmark_epochs', 'authors_constraint_check'],
    "fairopt.methods.flayer.constraints": ['FAMILIES', 'SlabSet', 'build_slabs', 'AbsentGroupWarning', 'check_finite'],
    "fairopt.methods.flayer.layer": ['BACKENDS', 'FairnessLayer'],
    "fairopt.methods.flayer.primal_dual": ['FairnessHead', 'PrimalDualInference', 'penalised_projection'],
})
