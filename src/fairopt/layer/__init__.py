"""Fairness layer (F-Layer), online primal-dual inference, baselines and datasets.

Troxell, Montufar & Roemer, "Differentiable Optimization Layers for Guaranteed Fairness in Deep
Learning" (ICML 2026); reference note ``shared/reference/fairness_layer.md``.

* :class:`FairnessLayer` -- differentiable projection onto batch group-parity constraints
  (exact torch back end or cvxpylayers), :mod:`fairopt.layer.constraints` for the families;
* :class:`PrimalDualInference`, :class:`FairnessHead` -- online primal-dual for small batches
  and the ``b_tau`` switch;
* :mod:`fairopt.layer.baselines` -- training through :func:`fairopt.training.fit`
  (F-Layer, Projection, Penalty, Strict Penalty);
* :mod:`fairopt.layer.datasets` -- synthetic design, SBA loans, employee wage audit;
* :func:`benchmark_layer` -- exact vs cvxpylayers timing.
"""
from __future__ import annotations

from fairopt.layer.baselines import (METHODS, Batch, TrainConfig, TrainedModel, make_batches,
                                     parity_violation, pooled_gap, predict, select_penalty_lambda,
                                     train_model)
from fairopt.layer.benchmark import benchmark_layer
from fairopt.layer.constraints import FAMILIES, SlabSet, build_slabs
from fairopt.layer.datasets import (FairData, make_synthetic, prepare_employee, prepare_sba,
                                    synthetic_design)
from fairopt.layer.layer import BACKENDS, FairnessLayer
from fairopt.layer.primal_dual import FairnessHead, PrimalDualInference, penalised_projection

__all__ = [
    "FAMILIES", "BACKENDS", "METHODS", "SlabSet", "build_slabs", "FairnessLayer",
    "PrimalDualInference", "FairnessHead", "penalised_projection", "FairData", "synthetic_design",
    "make_synthetic", "prepare_sba", "prepare_employee", "Batch", "TrainConfig", "TrainedModel",
    "make_batches", "parity_violation", "pooled_gap", "predict", "select_penalty_lambda",
    "train_model", "benchmark_layer",
]
