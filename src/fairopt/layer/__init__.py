"""Fairness layer (F-Layer), online primal-dual inference, baselines, datasets and experiments.

Troxell, Montufar & Roemer, "Differentiable Optimization Layers for Guaranteed Fairness in Deep
Learning" (ICML 2026); reference note ``shared/reference/fairness_layer.md``.

* :class:`FairnessLayer` -- differentiable projection onto batch group-parity constraints
  (exact torch back end or cvxpylayers), :mod:`fairopt.layer.constraints` for the families;
* :class:`PrimalDualInference`, :class:`FairnessHead` -- online primal-dual for small batches
  and the ``b_tau`` switch;
* :mod:`fairopt.layer.baselines` -- training through :func:`fairopt.training.fit`
  (F-Layer, Projection, Penalty, Strict Penalty);
* :mod:`fairopt.layer.datasets` -- synthetic design, SBA loans, employee wage audit;
* :mod:`fairopt.layer.experiment` -- one workflow job; :mod:`fairopt.layer.aggregate` -- the
  tables; :mod:`fairopt.layer.report` -- the scorecard rows; :mod:`fairopt.layer.settings` --
  scale presets and config checks; :mod:`fairopt.layer.evaluation` -- AUC/AP, wage audit;
* :func:`benchmark_layer` -- exact vs cvxpylayers timing.

The names below are imported lazily (on first use), so that light modules (settings,
aggregation, scorecard) load without torch.
"""
from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "fairopt.layer.baselines": ["METHODS", "Batch", "TrainConfig", "TrainedModel", "make_batches",
                                "parity_violation", "pooled_gap", "predict", "select_penalty_lambda",
                                "train_model"],
    "fairopt.layer.benchmark": ["benchmark_layer"],
    "fairopt.layer.constraints": ["FAMILIES", "SlabSet", "build_slabs"],
    "fairopt.layer.datasets": ["FairData", "make_synthetic", "prepare_employee", "prepare_sba", "synthetic_design"],
    "fairopt.layer.layer": ["BACKENDS", "FairnessLayer"],
    "fairopt.layer.primal_dual": ["FairnessHead", "PrimalDualInference", "penalised_projection"],
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = [
    "FAMILIES", "BACKENDS", "METHODS", "SlabSet", "build_slabs", "FairnessLayer",
    "PrimalDualInference", "FairnessHead", "penalised_projection", "FairData", "synthetic_design",
    "make_synthetic", "prepare_sba", "prepare_employee", "Batch", "TrainConfig", "TrainedModel",
    "make_batches", "parity_violation", "pooled_gap", "predict", "select_penalty_lambda",
    "train_model", "benchmark_layer",
]


def __getattr__(name: str) -> Any:
    """Import the public names on first use (PEP 562)."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'fairopt.layer' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
