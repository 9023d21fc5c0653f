"""The FDFL study: fair decision-focused learning on the Obermeyer patient data (Table 2 and more).

Same shape as every study (:mod:`fairopt.studies`):

* ``schema.yaml`` / ``presets.yaml`` -- the ``fdfl`` config section (the authors' run, its methods and
  tables), ``smoke``, ``reduced``;
* :mod:`~fairopt.studies.fdfl.settings` -- resolution, the parsed methods and tables, :class:`TrialSettings`;
* :mod:`~fairopt.studies.fdfl.methods` -- a method is a configuration; its loss comes from the
  framework and prediction-fairness registries;
* :mod:`~fairopt.studies.fdfl.prepare` -- the modelling table (gain imputation, propensity model);
  :mod:`~fairopt.studies.fdfl.data` -- one trial's standardized parts;
* :mod:`~fairopt.studies.fdfl.job` -- one (method, trial) training and its evaluation
  (:mod:`~fairopt.studies.fdfl.predict`, :mod:`~fairopt.studies.fdfl.evaluate`);
* :mod:`~fairopt.studies.fdfl.tables` -- Table 2 and per-group decision errors over trials;
* :mod:`~fairopt.studies.fdfl.scorecard` -- paper vs reproduction;
* :mod:`~fairopt.studies.fdfl.benchmarks` -- seconds per trial, Table 2 wall time, closed form vs solver;
* :mod:`~fairopt.studies.fdfl.illustrative` -- the 15-person example of the paper's section 3.3.
"""
from __future__ import annotations

from fairopt._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "fairopt.studies.fdfl.settings": ["load_settings", "TrialSettings"],
})
