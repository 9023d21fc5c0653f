"""The DAFH study: demographic-agnostic fairness without harm (Cai, Khalili & Zhang), Tables 4-7, Figures 1-3.

Same shape as every study (:mod:`fairopt.studies`):

* ``schema.yaml`` / ``presets.yaml`` -- the ``dafh`` config section: the paper's settings, ``smoke``, ``reduced``;
* :mod:`~fairopt.studies.dafh.settings` -- resolution and checks, the job names;
* :mod:`~fairopt.studies.dafh.methods` -- the registry: DAFH and the baseline partitions;
* :mod:`~fairopt.studies.dafh.prepare` -- every dataset and split written once;
* :mod:`~fairopt.studies.dafh.job` -- one (dataset, method, K, split) job; the pilot, the curve, Figure 1;
* :mod:`~fairopt.studies.dafh.tables` -- the two selection rules, Tables 4-7, the figures' data;
* :mod:`~fairopt.studies.dafh.scorecard` -- paper vs reproduction;
* :mod:`~fairopt.studies.dafh.benchmarks` -- seconds per fit, the study's time.

The method itself is :mod:`fairopt.methods.dafh` (usable without the study).
"""
from __future__ import annotations

from fairopt._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "fairopt.studies.dafh.settings": ["load_settings"],
})
