"""One package per paper, every one of the same shape (``CONTRIBUTING.md``, "Add a study").

Each :mod:`fairopt.studies.<study>` has the modules

* ``settings`` -- the study's config section resolved (schema defaults, preset, explicit keys;
  :mod:`fairopt.studies.common`) and checked, with the job parameters the rules need;
* ``methods`` -- the study's method registry (:class:`fairopt.studies.common.Registry`): every
  method looked up by name;
* ``prepare`` -- data preparation written once per dataset/split (rule ``<study>_prepare``);
* ``job`` -- one job: (dataset, method, setting, seed) -> one result record (rule ``<study>_job``);
* ``tables`` -- aggregation of the job records (rule ``<study>_aggregate``);
* ``scorecard`` -- paper vs reproduction rows (rule ``<study>_scorecard``);
* ``benchmarks`` -- benchmark-table rows (rule ``<study>_benchmarks``);

plus study-specific helpers. :mod:`fairopt.studies.common` holds what they share: presets,
the registry, paper-number loading.
"""
from __future__ import annotations

from fairopt._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {})
