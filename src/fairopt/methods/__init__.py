"""The papers' methods, each usable without any study or workflow.

* :mod:`fairopt.methods.alpha_fair` -- alpha-fair budget allocation: closed form, solvers and
  differentiable decision layers (FDFL);
* :mod:`fairopt.methods.flayer` -- the fairness layer (F-Layer): differentiable projection onto
  per-batch parity constraints, online primal-dual inference, the training of F-Layer and its
  baselines;
* :mod:`fairopt.methods.fairreg` -- fair and accurate regression: objective, big-M and strong
  mixed-integer formulations and relaxations, coordinate descent, the Agarwal et al. reduction;
* :mod:`fairopt.methods.dafh` -- demographic-agnostic fairness without harm.

A method never imports a study (:mod:`fairopt.studies`); a study imports methods.
"""
from __future__ import annotations

from fairopt._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {})
