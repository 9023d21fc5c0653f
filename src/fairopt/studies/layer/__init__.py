"""The fairness-layer study (Troxell, Montufar & Roemer): synthetic design, SBA loans, employee wage audit.

Same shape as every study (:mod:`fairopt.studies`):

* ``schema.yaml`` / ``presets.yaml`` -- the ``layer`` config section: the paper's settings, ``smoke``, ``reduced``;
* :mod:`~fairopt.studies.layer.settings` -- resolution and consistency checks, the batch-setting names;
* :mod:`~fairopt.studies.layer.methods` -- the registry of F-Layer and its baselines;
* :mod:`~fairopt.studies.layer.prepare` -- every dataset and split written once (``.npz``);
* :mod:`~fairopt.studies.layer.job` -- one (experiment, dataset, setting, method, seed) -> one record;
* :mod:`~fairopt.studies.layer.tables` -- the paper's tables;
* :mod:`~fairopt.studies.layer.evaluation` -- the employee wage audit;
* :mod:`~fairopt.studies.layer.scorecard` -- paper vs reproduction;
* :mod:`~fairopt.studies.layer.benchmarks` -- timings (exact layer vs fairopt's cvxpylayers back end and
  vs the authors' package), training cost per epoch, the authors' package's constraint check.
"""
from __future__ import annotations

from fairopt._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "fairopt.studies.layer.settings": ["load_settings"],
})
