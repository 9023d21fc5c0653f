"""The fair-regression study (Deza, Gomez & Atamturk): the slides' synthetic tables and the real-data trade-offs.

Same shape as every study (:mod:`fairopt.studies`):

* ``schema.yaml`` / ``presets.yaml`` -- the ``fairreg`` config section: the slides' settings, ``smoke``, ``reduced``;
* :mod:`~fairopt.studies.fairreg.settings` -- resolution and checks, the real-data job names;
* :mod:`~fairopt.studies.fairreg.methods` -- the registries of synthetic and real-data methods;
* :mod:`~fairopt.studies.fairreg.prepare` -- synthetic instances, the prepared real-data tables;
* :mod:`~fairopt.studies.fairreg.job` -- one method at one fairness setting -> one row;
* :mod:`~fairopt.studies.fairreg.tables` -- the slides' tables, trade-offs, training times;
* :mod:`~fairopt.studies.fairreg.scorecard` -- paper vs reproduction, the side-by-side comparison page;
* :mod:`~fairopt.studies.fairreg.benchmarks` -- measured times next to the slides'.
"""
from __future__ import annotations

from fairopt._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "fairopt.studies.fairreg.settings": ["load_settings"],
})
